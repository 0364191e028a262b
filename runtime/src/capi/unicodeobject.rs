//! `Include/unicodeobject.h`: str from and to UTF-8.

use core::ffi::{CStr, c_char};

use dxpy_macros::capi;
use rustpython_vm::builtins::PyStr;

use crate::bridge::errors::with_vm;
use crate::bridge::layout::*;
use crate::bridge::object::{from_c, to_c};

/// # Safety
/// `bytes` is UTF-8 text of `len` bytes.
unsafe fn from_utf8(bytes: &[u8]) -> *mut PyObject {
    with_vm(core::ptr::null_mut(), |vm| {
        let text = std::str::from_utf8(bytes)
            .map_err(|e| vm.new_unicode_decode_error(format!("'utf-8' codec can't decode bytes: {e}")))?;
        Ok(to_c(vm, &vm.ctx.new_str(text).into()))
    })
}

#[capi]
pub unsafe fn PyUnicode_FromString(u: *const c_char) -> *mut PyObject {
    // SAFETY: the caller passes a NUL-terminated string (C-API contract).
    unsafe { from_utf8(CStr::from_ptr(u).to_bytes()) }
}

#[capi]
pub unsafe fn PyUnicode_FromStringAndSize(u: *const c_char, size: Py_ssize_t) -> *mut PyObject {
    if size < 0 {
        return with_vm(core::ptr::null_mut(), |vm| {
            Err(vm.new_system_error("Negative size passed to PyUnicode_FromStringAndSize".to_owned()))
        });
    }
    if u.is_null() {
        // CPython 3.11 returns an empty string to be filled in only for size 0.
        return unsafe { from_utf8(&[]) };
    }
    // SAFETY: the caller passes `size` readable bytes (C-API contract).
    unsafe { from_utf8(core::slice::from_raw_parts(u.cast::<u8>(), size as usize)) }
}

/// UTF-8 of a str, cached in the object as CPython does: ASCII strings are their own
/// UTF-8 (the data after the header); others get a buffer the object owns.
#[capi]
pub unsafe fn PyUnicode_AsUTF8AndSize(unicode: *mut PyObject, size: *mut Py_ssize_t) -> *const c_char {
    with_vm(core::ptr::null(), |vm| {
        if unicode.is_null() {
            return Err(vm.new_type_error("bad argument type for built-in operation".to_owned()));
        }
        // SAFETY: the caller passes a live object (C-API contract).
        let obj = unsafe { from_c(vm, unicode) };
        let Some(s) = obj.downcast_ref::<PyStr>() else {
            return Err(vm.new_type_error("bad argument type for built-in operation".to_owned()));
        };
        let Some(text) = s.to_str() else {
            return Err(vm.new_unicode_encode_error("'utf-8' codec can't encode surrogates".to_owned()));
        };
        // SAFETY: `unicode` is a str proxy in compact form (see bridge::object::unicode).
        let data = unsafe { crate::bridge::object::utf8_of(unicode, text) };
        if !size.is_null() {
            // SAFETY: the caller passes a writable Py_ssize_t (C-API contract).
            unsafe { *size = text.len() as Py_ssize_t };
        }
        Ok(data)
    })
}

#[capi]
pub unsafe fn PyUnicode_AsUTF8(unicode: *mut PyObject) -> *const c_char {
    // SAFETY: forwards the caller's contract.
    unsafe { PyUnicode_AsUTF8AndSize(unicode, core::ptr::null_mut()) }
}
