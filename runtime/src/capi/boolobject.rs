//! `Include/boolobject.h`.

use core::ffi::c_long;

use dxpy_macros::capi;

use crate::bridge::errors::with_vm;
use crate::bridge::layout::*;
use crate::bridge::object::to_c;

/// `Py_True` or `Py_False` (the static objects), as a new reference.
#[capi]
pub unsafe fn PyBool_FromLong(v: c_long) -> *mut PyObject {
    with_vm(core::ptr::null_mut(), |vm| Ok(to_c(vm, &vm.ctx.new_bool(v != 0).into())))
}
