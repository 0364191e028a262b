//! `Include/floatobject.h`.

use core::ffi::c_double;

use dxpy_macros::capi;

use crate::bridge::errors::with_vm;
use crate::bridge::layout::*;
use crate::bridge::object::{from_c, to_c};

#[capi]
pub unsafe fn PyFloat_FromDouble(v: c_double) -> *mut PyObject {
    with_vm(core::ptr::null_mut(), |vm| Ok(to_c(vm, &vm.ctx.new_float(v).into())))
}

/// `float(o)` as a double: floats directly, others through `__float__` (or `__index__`).
#[capi]
pub unsafe fn PyFloat_AsDouble(pyfloat: *mut PyObject) -> c_double {
    with_vm(-1.0, |vm| {
        if pyfloat.is_null() {
            return Err(vm.new_type_error("bad argument type for built-in operation".to_owned()));
        }
        // SAFETY: the caller passes a live object (C-API contract).
        let obj = unsafe { from_c(vm, pyfloat) };
        Ok(obj.try_float(vm)?.to_f64())
    })
}
