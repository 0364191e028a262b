//! `Include/setobject.h`. C reads only a set's `used` field directly
//! (`PySet_GET_SIZE`), which the mirror keeps current (`bridge::mirror`); these functions
//! work on the interpreter set.

use core::ffi::c_int;

use dxpy_macros::capi;
use rustpython_vm::builtins::{PyFrozenSet, PySet};
use rustpython_vm::{AsObject, PyObjectRef, PyResult, VirtualMachine};

use crate::bridge::errors::{bad_internal_call, with_vm};
use crate::bridge::layout::*;
use crate::bridge::mirror;
use crate::bridge::object::{from_c, to_c};
use crate::capi::abstract_::live;

const NULL: *mut PyObject = core::ptr::null_mut();

/// The set behind `p`: a `set` (or subclass), or also a `frozenset` when `frozen_ok`;
/// anything else is CPython's `PyErr_BadInternalCall`.
///
/// # Safety
/// `p` is NULL or a live object.
unsafe fn set(vm: &VirtualMachine, p: *mut PyObject, frozen_ok: bool) -> PyResult<PyObjectRef> {
    if p.is_null() {
        return Err(bad_internal_call(vm));
    }
    // SAFETY: see the function's contract.
    let obj = unsafe { from_c(vm, p) };
    if obj.downcast_ref::<PySet>().is_some() || (frozen_ok && obj.downcast_ref::<PyFrozenSet>().is_some()) {
        Ok(obj)
    } else {
        Err(bad_internal_call(vm))
    }
}

/// Calls `set.<name>` (the base type's method, not a subclass override, as CPython's
/// functions do).
fn set_method(vm: &VirtualMachine, name: &'static str, s: PyObjectRef, args: Vec<PyObjectRef>) -> PyResult {
    let mut all = vec![s];
    all.extend(args);
    vm.ctx.types.set_type.as_object().get_attr(name, vm)?.call(all, vm)
}

/// `class(iterable)`, or `class()` for NULL, as a new reference.
///
/// Membership through the base type (`set` or `frozenset`), as `PySet_Contains` does.
fn contains(vm: &VirtualMachine, s: &PyObjectRef, key: PyObjectRef) -> PyResult<bool> {
    let base = if s.downcast_ref::<PySet>().is_some() { vm.ctx.types.set_type } else { vm.ctx.types.frozenset_type };
    base.as_object().get_attr("__contains__", vm)?.call((s.clone(), key), vm)?.try_to_bool(vm)
}

/// # Safety
/// `iterable` is NULL or a live object.
unsafe fn new_of(
    vm: &VirtualMachine,
    class: &rustpython_vm::PyObject,
    iterable: *mut PyObject,
) -> PyResult<*mut PyObject> {
    let args = if iterable.is_null() {
        vec![]
    } else {
        // SAFETY: see the function's contract.
        vec![unsafe { from_c(vm, iterable) }]
    };
    Ok(to_c(vm, &class.call(args, vm)?))
}

#[capi]
pub unsafe fn PySet_New(iterable: *mut PyObject) -> *mut PyObject {
    // SAFETY: forwards the caller's contract.
    with_vm(NULL, |vm| unsafe { new_of(vm, vm.ctx.types.set_type.as_object(), iterable) })
}

#[capi]
pub unsafe fn PyFrozenSet_New(iterable: *mut PyObject) -> *mut PyObject {
    // SAFETY: forwards the caller's contract.
    with_vm(NULL, |vm| unsafe { new_of(vm, vm.ctx.types.frozenset_type.as_object(), iterable) })
}

#[capi]
pub unsafe fn PySet_Size(anyset: *mut PyObject) -> Py_ssize_t {
    // SAFETY: the caller passes a live object or NULL (C-API contract).
    with_vm(-1, |vm| Ok(unsafe { set(vm, anyset, true) }?.length(vm)? as isize))
}

#[capi]
pub unsafe fn PySet_Contains(anyset: *mut PyObject, key: *mut PyObject) -> c_int {
    with_vm(-1, |vm| {
        // SAFETY: the caller passes live objects (C-API contract).
        let (s, key) = unsafe { (set(vm, anyset, true)?, live(vm, key)?) };
        Ok(contains(vm, &s, key)? as c_int)
    })
}

/// Adds `key`. A frozenset is refused: CPython lets C fill a brand-new one, but the
/// interpreter's frozensets are immutable once made (use `PyFrozenSet_New(iterable)`).
#[capi]
pub unsafe fn PySet_Add(set_: *mut PyObject, key: *mut PyObject) -> c_int {
    with_vm(-1, |vm| {
        // SAFETY: the caller passes live objects (C-API contract).
        let (s, key) = unsafe { (set(vm, set_, false)?, live(vm, key)?) };
        set_method(vm, "add", s, vec![key])?;
        Ok(0)
    })
}

/// 1 if `key` was there and is removed, 0 if it was not.
#[capi]
pub unsafe fn PySet_Discard(set_: *mut PyObject, key: *mut PyObject) -> c_int {
    with_vm(-1, |vm| {
        // SAFETY: the caller passes live objects (C-API contract).
        let (s, key) = unsafe { (set(vm, set_, false)?, live(vm, key)?) };
        if !contains(vm, &s, key.clone())? {
            return Ok(0);
        }
        set_method(vm, "discard", s, vec![key])?;
        Ok(1)
    })
}

#[capi]
pub unsafe fn PySet_Clear(set_: *mut PyObject) -> c_int {
    with_vm(-1, |vm| {
        // SAFETY: the caller passes a live object (C-API contract).
        let s = unsafe { set(vm, set_, false) }?;
        set_method(vm, "clear", s, vec![])?;
        Ok(0)
    })
}

/// An arbitrary element, removed (new reference); empty: `KeyError('pop from an empty set')`.
#[capi]
pub unsafe fn PySet_Pop(set_: *mut PyObject) -> *mut PyObject {
    with_vm(NULL, |vm| {
        // SAFETY: the caller passes a live object (C-API contract).
        let s = unsafe { set(vm, set_, false) }?;
        Ok(to_c(vm, &set_method(vm, "pop", s, vec![])?))
    })
}

/// `set |= iterable`, 0 or -1.
#[capi]
pub unsafe fn _PySet_Update(set_: *mut PyObject, iterable: *mut PyObject) -> c_int {
    with_vm(-1, |vm| {
        // SAFETY: the caller passes live objects (C-API contract).
        let (s, it) = unsafe { (set(vm, set_, false)?, live(vm, iterable)?) };
        set_method(vm, "update", s, vec![it])?;
        Ok(0)
    })
}

/// Iteration over a snapshot of the elements taken when `*pos` is 0, the key borrowed
/// (kept alive by the set's proxy) with its hash.
#[capi]
pub unsafe fn _PySet_NextEntry(
    set_: *mut PyObject,
    pos: *mut Py_ssize_t,
    key: *mut *mut PyObject,
    hash: *mut Py_hash_t,
) -> c_int {
    // SAFETY: the caller passes a live set, a position and writable outputs (C-API
    // contract).
    unsafe {
        if pos.is_null() || *pos < 0 {
            return 0;
        }
        with_vm(-1, |vm| {
            let s = set(vm, set_, true)?;
            let snapshot = || match s.downcast_ref::<PySet>() {
                Some(s) => s.elements().into_iter().map(|k| (k, None)).collect(),
                None => s
                    .downcast_ref::<PyFrozenSet>()
                    .map(|f| f.elements())
                    .unwrap_or_default()
                    .into_iter()
                    .map(|k| (k, None))
                    .collect(),
            };
            let Some((k, _)) = mirror::entry(vm, set_, *pos as usize, snapshot) else {
                return Ok(0);
            };
            *pos += 1;
            if !key.is_null() {
                *key = k;
            }
            if !hash.is_null() {
                *hash = from_c(vm, k).hash(vm)? as Py_hash_t;
            }
            Ok(1)
        })
    }
}
