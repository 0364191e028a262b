//! `Include/pyerrors.h`: the error indicator.

use core::ffi::{CStr, c_char};

use dxpy_macros::capi;

use crate::bridge::errors;
use crate::bridge::layout::*;

/// `PyErr_Occurred`: the pending exception's type (borrowed), or NULL.
#[capi]
pub unsafe fn PyErr_Occurred() -> *mut PyObject {
    errors::occurred()
}

/// `PyErr_Clear`.
#[capi]
pub unsafe fn PyErr_Clear() {
    errors::clear()
}

/// `PyErr_SetString`: sets `exception` with a UTF-8 message.
#[capi]
pub unsafe fn PyErr_SetString(exception: *mut PyObject, string: *const c_char) {
    let message = if string.is_null() {
        String::new()
    } else {
        // SAFETY: the caller passes a NUL-terminated string (C-API contract).
        unsafe { CStr::from_ptr(string) }.to_string_lossy().into_owned()
    };
    errors::set(exception, message);
}
