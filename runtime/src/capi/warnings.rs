//! `Include/warnings.h`.

use core::ffi::{CStr, c_char, c_int};

use dxpy_macros::capi;
use rustpython_vm::TryFromObject;
use rustpython_vm::builtins::PyTypeRef;

use crate::bridge::errors::with_vm;
use crate::bridge::layout::*;
use crate::bridge::object::from_c;

/// `PyErr_WarnEx`: issues a warning of `category` (NULL: RuntimeWarning, as CPython's
/// `warn_unicode` picks); 0, or -1 with the error set when the filters turn it into one.
#[capi]
pub unsafe fn PyErr_WarnEx(category: *mut PyObject, message: *const c_char, stack_level: Py_ssize_t) -> c_int {
    with_vm(-1, |vm| {
        // SAFETY: the caller passes a NUL-terminated message.
        let text = unsafe { CStr::from_ptr(message) }.to_string_lossy().into_owned();
        let category = if category.is_null() {
            vm.ctx.exceptions.runtime_warning.to_owned()
        } else {
            // SAFETY: the caller passes a live object.
            PyTypeRef::try_from_object(vm, unsafe { from_c(vm, category) })?
        };
        rustpython_vm::warn::warn(vm.ctx.new_str(text).into(), Some(category), stack_level as isize, None, vm)?;
        Ok(0)
    })
}
