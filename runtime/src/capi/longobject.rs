//! `Include/longobject.h`: int conversions.

use core::ffi::{c_long, c_longlong, c_ulong};

use dxpy_macros::capi;
use rustpython_vm::builtins::PyIntRef;
use rustpython_vm::{PyObjectRef, PyResult, VirtualMachine};

use crate::bridge::errors::with_vm;
use crate::bridge::layout::*;
use crate::bridge::object::{from_c, to_c};

/// `o`'s int value (via `__index__` for other types, as CPython 3.10+ does), as `T`;
/// `overflow` is CPython's message when it does not fit.
///
/// # Safety
/// `o` is NULL or a live object.
unsafe fn as_int<T>(vm: &VirtualMachine, o: *mut PyObject, overflow: &str) -> PyResult<T>
where
    for<'a> T: TryFrom<&'a malachite_bigint::BigInt>,
{
    if o.is_null() {
        return Err(vm.new_system_error("bad argument to internal function".to_owned()));
    }
    // SAFETY: see the function's contract.
    let obj: PyObjectRef = unsafe { from_c(vm, o) };
    let int: PyIntRef = obj.try_index(vm)?;
    T::try_from(int.as_bigint()).map_err(|_| vm.new_overflow_error(overflow.to_owned()))
}

#[capi]
pub unsafe fn PyLong_FromLong(v: c_long) -> *mut PyObject {
    with_vm(core::ptr::null_mut(), |vm| Ok(to_c(vm, &vm.ctx.new_int(v).into())))
}

#[capi]
pub unsafe fn PyLong_FromLongLong(v: c_longlong) -> *mut PyObject {
    with_vm(core::ptr::null_mut(), |vm| Ok(to_c(vm, &vm.ctx.new_int(v).into())))
}

#[capi]
pub unsafe fn PyLong_FromSsize_t(v: Py_ssize_t) -> *mut PyObject {
    with_vm(core::ptr::null_mut(), |vm| Ok(to_c(vm, &vm.ctx.new_int(v).into())))
}

#[capi]
pub unsafe fn PyLong_FromUnsignedLong(v: c_ulong) -> *mut PyObject {
    with_vm(core::ptr::null_mut(), |vm| Ok(to_c(vm, &vm.ctx.new_int(v).into())))
}

#[capi]
pub unsafe fn PyLong_AsLong(pylong: *mut PyObject) -> c_long {
    // SAFETY: the caller passes a live object (C-API contract).
    with_vm(-1, |vm| unsafe { as_int(vm, pylong, "Python int too large to convert to C long") })
}

#[capi]
pub unsafe fn PyLong_AsLongLong(obj: *mut PyObject) -> c_longlong {
    // SAFETY: the caller passes a live object (C-API contract).
    with_vm(-1, |vm| unsafe { as_int(vm, obj, "int too big to convert") })
}

#[capi]
pub unsafe fn PyLong_AsSsize_t(pylong: *mut PyObject) -> Py_ssize_t {
    // SAFETY: the caller passes a live object (C-API contract).
    with_vm(-1, |vm| unsafe { as_int(vm, pylong, "Python int too large to convert to C ssize_t") })
}
