//! `Include/longobject.h`: int conversions.

use core::ffi::{c_double, c_long, c_longlong, c_ulong, c_ulonglong};

use dxpy_macros::capi;
use rustpython_vm::builtins::{PyInt, PyIntRef};
use rustpython_vm::{AsObject, PyObjectRef, PyResult, VirtualMachine};

use crate::bridge::errors::{bad_internal_call, with_vm};
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
        return Err(bad_internal_call(vm));
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

#[capi]
pub unsafe fn PyLong_FromSize_t(v: usize) -> *mut PyObject {
    with_vm(core::ptr::null_mut(), |vm| Ok(to_c(vm, &vm.ctx.new_int(v).into())))
}

#[capi]
pub unsafe fn PyLong_FromUnsignedLongLong(v: c_ulonglong) -> *mut PyObject {
    with_vm(core::ptr::null_mut(), |vm| Ok(to_c(vm, &vm.ctx.new_int(v).into())))
}

/// The value of an exact-or-subclass int (no `__index__`, as CPython's unsigned and
/// double conversions do), or CPython's TypeError.
///
/// # Safety
/// `o` is NULL or a live object.
unsafe fn int_only(vm: &VirtualMachine, o: *mut PyObject) -> PyResult<malachite_bigint::BigInt> {
    if o.is_null() {
        return Err(bad_internal_call(vm));
    }
    // SAFETY: see the function's contract.
    let obj: PyObjectRef = unsafe { from_c(vm, o) };
    match obj.downcast_ref::<PyInt>() {
        Some(i) => Ok(i.as_bigint().clone()),
        None => Err(vm.new_type_error("an integer is required".to_owned())),
    }
}

/// # Safety
/// `o` is NULL or a live object.
unsafe fn as_unsigned<T>(vm: &VirtualMachine, o: *mut PyObject, negative: &str, overflow: &str) -> PyResult<T>
where
    for<'a> T: TryFrom<&'a malachite_bigint::BigInt>,
{
    // SAFETY: forwards the function's contract.
    let v = unsafe { int_only(vm, o)? };
    if v.sign() == malachite_bigint::Sign::Minus {
        return Err(vm.new_overflow_error(negative.to_owned()));
    }
    T::try_from(&v).map_err(|_| vm.new_overflow_error(overflow.to_owned()))
}

#[capi]
pub unsafe fn PyLong_AsUnsignedLong(pylong: *mut PyObject) -> c_ulong {
    with_vm(c_ulong::MAX, |vm| {
        // SAFETY: the caller passes a live object (C-API contract).
        unsafe {
            as_unsigned(
                vm,
                pylong,
                "can't convert negative value to unsigned int",
                "Python int too large to convert to C unsigned long",
            )
        }
    })
}

#[capi]
pub unsafe fn PyLong_AsUnsignedLongLong(pylong: *mut PyObject) -> c_ulonglong {
    with_vm(c_ulonglong::MAX, |vm| {
        // SAFETY: the caller passes a live object (C-API contract).
        unsafe { as_unsigned(vm, pylong, "can't convert negative int to unsigned", "int too big to convert") }
    })
}

#[capi]
pub unsafe fn PyLong_AsDouble(pylong: *mut PyObject) -> c_double {
    with_vm(-1.0, |vm| {
        // SAFETY: the caller passes a live object (C-API contract).
        let v = unsafe { int_only(vm, pylong)? };
        // int.__float__ raises CPython's "int too large to convert to float".
        let int: PyObjectRef = vm.ctx.new_int(v).into();
        Ok(int.try_float(vm)?.to_f64())
    })
}

/// `int(str, base)` of a C string (whitespace, sign, prefix and underscores as `int()`
/// takes them); `*pend` is set to the end of the string, which was consumed whole.
#[capi]
pub unsafe fn PyLong_FromString(
    str: *const core::ffi::c_char,
    pend: *mut *mut core::ffi::c_char,
    base: core::ffi::c_int,
) -> *mut PyObject {
    with_vm(core::ptr::null_mut(), |vm| {
        if str.is_null() {
            return Err(bad_internal_call(vm));
        }
        if base != 0 && !(2..=36).contains(&base) {
            return Err(vm.new_value_error("int() arg 2 must be >= 2 and <= 36".to_owned()));
        }
        // SAFETY: the caller passes a NUL-terminated string (C-API contract).
        let bytes = unsafe { core::ffi::CStr::from_ptr(str) }.to_bytes();
        if !pend.is_null() {
            // SAFETY: `pend` is writable; the end is within the caller's string.
            unsafe { *pend = str.add(bytes.len()).cast_mut() };
        }
        let text = vm.ctx.new_str(String::from_utf8_lossy(bytes).into_owned());
        let int = vm.ctx.types.int_type.as_object().call((text, base), vm)?;
        Ok(to_c(vm, &int))
    })
}

/// `int` of `obj` (via `__index__`), or -1 with `OverflowError` when it does not fit.
#[capi]
pub unsafe fn _PyLong_AsInt(obj: *mut PyObject) -> core::ffi::c_int {
    // SAFETY: the caller passes a live object (C-API contract).
    with_vm(-1, |vm| unsafe { as_int::<i32>(vm, obj, "Python int too large to convert to C int") })
}
