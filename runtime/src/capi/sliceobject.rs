//! `Include/sliceobject.h`. A slice crosses in CPython's layout (`PySliceObject`: the
//! header, then `start`, `stop`, `step`, owned), materialised in `bridge::object`,
//! because some C reads the fields directly; the functions follow
//! Objects/sliceobject.c, clamping indices to `Py_ssize_t` as it does.

use dxpy_macros::capi;
use rustpython_vm::builtins::PySlice;
use rustpython_vm::{AsObject, PyObjectRef, PyResult, VirtualMachine};

use crate::bridge::errors::{bad_internal_call, with_vm};
use crate::bridge::layout::*;
use crate::bridge::object::{from_c, to_c};

const MAX: Py_ssize_t = Py_ssize_t::MAX;

#[capi]
pub unsafe fn PySlice_New(start: *mut PyObject, stop: *mut PyObject, step: *mut PyObject) -> *mut PyObject {
    with_vm(core::ptr::null_mut(), |vm| {
        // SAFETY: the caller passes live objects or NULL (None), as the C-API allows.
        let part = |p: *mut PyObject| if p.is_null() { vm.ctx.none() } else { unsafe { from_c(vm, p) } };
        let (start, stop, step) = (part(start), part(stop), part(step));
        let slice = vm.ctx.types.slice_type.as_object().call((start, stop, step), vm)?;
        Ok(to_c(vm, &slice))
    })
}

/// `_PyEval_SliceIndex`: `v.__index__()` clamped to `Py_ssize_t`, with CPython's message.
fn index(vm: &VirtualMachine, v: &PyObjectRef) -> PyResult<Py_ssize_t> {
    let i = v.try_index_opt(vm).unwrap_or_else(|| {
        Err(vm.new_type_error("slice indices must be integers or None or have an __index__ method".to_owned()))
    })?;
    let i = i.as_bigint();
    Ok(i64::try_from(i).map(|v| v as Py_ssize_t).unwrap_or(if i.sign() == malachite_bigint::Sign::Minus {
        Py_ssize_t::MIN
    } else {
        MAX
    }))
}

/// The slice behind `p`, or CPython's bad-internal-call error.
///
/// # Safety
/// `p` is NULL or a live object.
unsafe fn slice(vm: &VirtualMachine, p: *mut PyObject) -> PyResult<rustpython_vm::PyRef<PySlice>> {
    if p.is_null() {
        return Err(bad_internal_call(vm));
    }
    // SAFETY: see the function's contract.
    unsafe { from_c(vm, p) }.downcast::<PySlice>().map_err(|_| bad_internal_call(vm))
}

/// # Safety
/// `p` is NULL or writable.
unsafe fn put(p: *mut Py_ssize_t, v: Py_ssize_t) {
    if !p.is_null() {
        // SAFETY: see the function's contract.
        unsafe { *p = v };
    }
}

#[capi]
pub unsafe fn PySlice_Unpack(
    slice_: *mut PyObject,
    start: *mut Py_ssize_t,
    stop: *mut Py_ssize_t,
    step: *mut Py_ssize_t,
) -> core::ffi::c_int {
    with_vm(-1, |vm| {
        // SAFETY: the caller passes a live slice (C-API contract).
        let s = unsafe { slice(vm, slice_) }?;
        let st = match &s.step {
            Some(v) if !vm.is_none(v) => {
                let st = index(vm, v)?;
                if st == 0 {
                    return Err(vm.new_value_error("slice step cannot be zero".to_owned()));
                }
                st.max(-MAX)
            }
            _ => 1,
        };
        let begin = match &s.start {
            Some(v) if !vm.is_none(v) => index(vm, v)?,
            _ => {
                if st < 0 {
                    MAX
                } else {
                    0
                }
            }
        };
        let end = if vm.is_none(&s.stop) { if st < 0 { Py_ssize_t::MIN } else { MAX } } else { index(vm, &s.stop)? };
        // SAFETY: the caller passes writable outputs (C-API contract).
        unsafe {
            put(start, begin);
            put(stop, end);
            put(step, st);
        }
        Ok(0)
    })
}

/// Clamps `start`/`stop` to a sequence of `length` and returns the slice's length.
#[capi]
pub unsafe fn PySlice_AdjustIndices(
    length: Py_ssize_t,
    start: *mut Py_ssize_t,
    stop: *mut Py_ssize_t,
    step: Py_ssize_t,
) -> Py_ssize_t {
    let adjust = |v: &mut Py_ssize_t| {
        if *v < 0 {
            *v += length;
            if *v < 0 {
                *v = if step < 0 { -1 } else { 0 };
            }
        } else if *v >= length {
            *v = if step < 0 { length - 1 } else { length };
        }
    };
    // SAFETY: the caller passes writable, initialised indices (C-API contract).
    unsafe {
        adjust(&mut *start);
        adjust(&mut *stop);
        if step < 0 {
            if *stop < *start {
                return (*start - *stop - 1) / (-step) + 1;
            }
        } else if *start < *stop {
            return (*stop - *start - 1) / step + 1;
        }
    }
    0
}

#[capi]
pub unsafe fn PySlice_GetIndicesEx(
    r: *mut PyObject,
    length: Py_ssize_t,
    start: *mut Py_ssize_t,
    stop: *mut Py_ssize_t,
    step: *mut Py_ssize_t,
    slicelength: *mut Py_ssize_t,
) -> core::ffi::c_int {
    // SAFETY: forwards the caller's contract.
    unsafe {
        if PySlice_Unpack(r, start, stop, step) < 0 {
            return -1;
        }
        let n = PySlice_AdjustIndices(length, start, stop, *step);
        put(slicelength, n);
    }
    0
}

/// The pre-3.2 form: plain ints only, and -1 *without* an error for out-of-range values.
/// The outputs are written as CPython writes them, before the checks that fail.
#[capi]
pub unsafe fn PySlice_GetIndices(
    r: *mut PyObject,
    length: Py_ssize_t,
    start: *mut Py_ssize_t,
    stop: *mut Py_ssize_t,
    step: *mut Py_ssize_t,
) -> core::ffi::c_int {
    with_vm(-1, |vm| {
        // SAFETY: the caller passes a live slice (C-API contract).
        let s = unsafe { slice(vm, r) }?;
        // `PyLong_AsSsize_t` of an int field: -1 with the OverflowError set when too large.
        let int = |v: &PyObjectRef| -> Option<Py_ssize_t> {
            let i = v.downcast_ref::<rustpython_vm::builtins::PyInt>()?;
            Some(i64::try_from(i.as_bigint()).map(|v| v as Py_ssize_t).unwrap_or_else(|_| {
                crate::bridge::errors::set(
                    crate::bridge::statics::exception("PyExc_OverflowError"),
                    "Python int too large to convert to C ssize_t".to_owned(),
                );
                -1
            }))
        };
        let none = vm.ctx.none();
        let (start_o, step_o) = (s.start.as_ref().unwrap_or(&none), s.step.as_ref().unwrap_or(&none));
        // SAFETY (each write): the caller passes writable outputs (C-API contract).
        let st = if vm.is_none(step_o) {
            1
        } else {
            let Some(st) = int(step_o) else { return Ok(-1) };
            st
        };
        unsafe { put(step, st) };
        let begin = if vm.is_none(start_o) {
            if st < 0 { length - 1 } else { 0 }
        } else {
            let Some(b) = int(start_o) else { return Ok(-1) };
            if b < 0 { b + length } else { b }
        };
        unsafe { put(start, begin) };
        let end = if vm.is_none(&s.stop) {
            if st < 0 { -1 } else { length }
        } else {
            let Some(e) = int(&s.stop) else { return Ok(-1) };
            if e < 0 { e + length } else { e }
        };
        unsafe { put(stop, end) };
        Ok(if end > length || begin >= length || st == 0 { -1 } else { 0 })
    })
}
