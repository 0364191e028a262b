//! `Include/dictobject.h`. A dict's only field C reads directly is `ma_used`
//! (`PyDict_GET_SIZE`), which the mirror keeps current (`bridge::mirror`); everything else
//! goes through these functions, which work on the interpreter dict. The borrowed
//! references they return are kept alive by the dict's proxy.

use core::ffi::{c_char, c_int};

use dxpy_macros::capi;
use rustpython_vm::builtins::{PyDict, PyDictRef, PyStr};
use rustpython_vm::{AsObject, PyObjectRef, PyResult, VirtualMachine};

use crate::bridge::errors::{bad_internal_call, with_vm};
use crate::bridge::layout::*;
use crate::bridge::mirror;
use crate::bridge::object::{from_c, has_type_flag, to_c};
use crate::capi::abstract_::live;

const NULL: *mut PyObject = core::ptr::null_mut();

/// The interpreter dict behind `p`, or CPython's `PyErr_BadInternalCall` for anything
/// that is not a dict.
///
/// # Safety
/// `p` is NULL or a live object.
unsafe fn dict(vm: &VirtualMachine, p: *mut PyObject) -> PyResult<PyDictRef> {
    // SAFETY: see the function's contract.
    if !unsafe { has_type_flag(p, Py_TPFLAGS_DICT_SUBCLASS) } {
        return Err(bad_internal_call(vm));
    }
    // SAFETY: a live dict proxy.
    unsafe { from_c(vm, p) }.downcast::<PyDict>().map_err(|_| bad_internal_call(vm))
}

/// `value` as the borrowed reference the dict API returns, kept alive by dict `p`.
///
/// # Safety
/// `p` is a live dict proxy.
unsafe fn borrowed(vm: &VirtualMachine, p: *mut PyObject, value: &PyObjectRef) -> *mut PyObject {
    // SAFETY: see the function's contract; `to_c` gives the new reference `keep` takes.
    unsafe { mirror::keep(p, to_c(vm, value)) }
}

/// A C string key as CPython makes it (`PyUnicode_FromString`).
///
/// # Safety
/// `key` is NULL or NUL-terminated.
unsafe fn str_key(vm: &VirtualMachine, key: *const c_char) -> PyResult<PyObjectRef> {
    if key.is_null() {
        return Err(bad_internal_call(vm));
    }
    // SAFETY: see the function's contract.
    let bytes = unsafe { core::ffi::CStr::from_ptr(key) }.to_bytes();
    match core::str::from_utf8(bytes) {
        Ok(text) => Ok(vm.ctx.new_str(text).into()),
        Err(_) => Err(vm.new_unicode_decode_error("'utf-8' codec can't decode the key".to_owned())),
    }
}

/// CPython's dict functions work on the dict's storage and never call a subclass's
/// `__getitem__`/`__setitem__`; for a subclass, the base type's methods do the same here.
fn base_method(vm: &VirtualMachine, name: &'static str, d: &PyDictRef, args: Vec<PyObjectRef>) -> PyResult {
    let mut all = vec![d.clone().into()];
    all.extend(args);
    vm.ctx.types.dict_type.as_object().get_attr(name, vm)?.call(all, vm)
}

fn exact(vm: &VirtualMachine, d: &PyDictRef) -> bool {
    d.class().is(vm.ctx.types.dict_type)
}

/// The value for `key`, if present.
fn get(vm: &VirtualMachine, d: &PyDictRef, key: &PyObjectRef) -> PyResult<Option<PyObjectRef>> {
    if exact(vm, d) {
        return d.get_item_opt(&**key, vm);
    }
    let missing: PyObjectRef = vm.ctx.new_list(vec![]).into();
    let v = base_method(vm, "get", d, vec![key.clone(), missing.clone()])?;
    Ok((!v.is(&missing)).then_some(v))
}

fn set(vm: &VirtualMachine, d: &PyDictRef, key: PyObjectRef, value: PyObjectRef) -> PyResult<()> {
    if exact(vm, d) {
        return d.set_item(&*key, value, vm);
    }
    base_method(vm, "__setitem__", d, vec![key, value]).map(drop)
}

#[capi]
pub unsafe fn PyDict_New() -> *mut PyObject {
    with_vm(NULL, |vm| Ok(to_c(vm, &vm.ctx.new_dict().into())))
}

#[capi]
pub unsafe fn _PyDict_NewPresized(minused: Py_ssize_t) -> *mut PyObject {
    let _ = minused; // a capacity hint only
    with_vm(NULL, |vm| Ok(to_c(vm, &vm.ctx.new_dict().into())))
}

#[capi]
pub unsafe fn PyDict_Size(mp: *mut PyObject) -> Py_ssize_t {
    // SAFETY: the caller passes a live object or NULL (C-API contract).
    with_vm(-1, |vm| Ok(unsafe { dict(vm, mp) }?.__len__() as isize))
}

/// The lookup behind every `GetItem`: Ok(None) when the key is absent.
///
/// # Safety
/// `mp` and `key` are NULL or live objects.
unsafe fn lookup(vm: &VirtualMachine, mp: *mut PyObject, key: *mut PyObject) -> PyResult<Option<PyObjectRef>> {
    // SAFETY: see the function's contract.
    let (d, key) = unsafe { (dict(vm, mp)?, live(vm, key)?) };
    get(vm, &d, &key)
}

/// Borrowed; NULL when absent, and errors (an unhashable key) are swallowed, keeping any
/// exception that was already set, as CPython's `PyDict_GetItem` does.
#[capi]
pub unsafe fn PyDict_GetItem(mp: *mut PyObject, key: *mut PyObject) -> *mut PyObject {
    // SAFETY: the caller passes live objects or NULL (C-API contract).
    unsafe {
        if !has_type_flag(mp, Py_TPFLAGS_DICT_SUBCLASS) {
            return NULL;
        }
        // As CPython: a key that cannot be hashed clears every error, the pending one
        // included; errors of the lookup itself are dropped and the pending one kept.
        // One C-API call: `None` for an unhashable key, `Some(NULL)` for a failed lookup.
        let saved = crate::bridge::errors::take();
        let found = with_vm(Some(NULL), |vm| {
            if live(vm, key)?.hash(vm).is_err() {
                return Ok(None);
            }
            Ok(Some(lookup(vm, mp, key)?.map_or(NULL, |v| borrowed(vm, mp, &v))))
        });
        match found {
            None => {
                crate::bridge::errors::clear();
                NULL
            }
            Some(p) => {
                crate::bridge::errors::restore(saved);
                p
            }
        }
    }
}

/// Borrowed; NULL without an error when absent, NULL with the error when lookup fails.
#[capi]
pub unsafe fn PyDict_GetItemWithError(mp: *mut PyObject, key: *mut PyObject) -> *mut PyObject {
    // SAFETY: the caller passes live objects or NULL (C-API contract).
    with_vm(NULL, |vm| unsafe { Ok(lookup(vm, mp, key)?.map_or(NULL, |v| borrowed(vm, mp, &v))) })
}

#[capi]
pub unsafe fn _PyDict_GetItemWithError(dp: *mut PyObject, key: *mut PyObject) -> *mut PyObject {
    // SAFETY: forwards the caller's contract.
    unsafe { PyDict_GetItemWithError(dp, key) }
}

/// The hash is CPython's optimisation; the interpreter dict computes its own.
#[capi]
pub unsafe fn _PyDict_GetItem_KnownHash(mp: *mut PyObject, key: *mut PyObject, hash: Py_hash_t) -> *mut PyObject {
    let _ = hash;
    // SAFETY: forwards the caller's contract.
    unsafe { PyDict_GetItemWithError(mp, key) }
}

#[capi]
pub unsafe fn PyDict_GetItemString(dp: *mut PyObject, key: *const c_char) -> *mut PyObject {
    // SAFETY: the caller passes a live object or NULL and a C string (C-API contract).
    unsafe {
        if !has_type_flag(dp, Py_TPFLAGS_DICT_SUBCLASS) {
            return NULL;
        }
        let saved = crate::bridge::errors::take();
        let found = with_vm(NULL, |vm| {
            let key = str_key(vm, key)?;
            Ok(get(vm, &dict(vm, dp)?, &key)?.map_or(NULL, |v| borrowed(vm, dp, &v)))
        });
        crate::bridge::errors::restore(saved);
        found
    }
}

#[capi]
pub unsafe fn _PyDict_GetItemStringWithError(arg0: *mut PyObject, arg1: *const c_char) -> *mut PyObject {
    // SAFETY: the caller passes a live dict and a C string (C-API contract).
    with_vm(NULL, |vm| unsafe {
        let key = str_key(vm, arg1)?;
        Ok(get(vm, &dict(vm, arg0)?, &key)?.map_or(NULL, |v| borrowed(vm, arg0, &v)))
    })
}

#[capi]
pub unsafe fn PyDict_SetItem(mp: *mut PyObject, key: *mut PyObject, item: *mut PyObject) -> c_int {
    with_vm(-1, |vm| {
        // SAFETY: the caller passes live objects (C-API contract).
        let (d, key, item) = unsafe { (dict(vm, mp)?, live(vm, key)?, live(vm, item)?) };
        set(vm, &d, key, item)?;
        Ok(0)
    })
}

#[capi]
pub unsafe fn _PyDict_SetItem_KnownHash(
    mp: *mut PyObject,
    key: *mut PyObject,
    item: *mut PyObject,
    hash: Py_hash_t,
) -> c_int {
    let _ = hash;
    // SAFETY: forwards the caller's contract.
    unsafe { PyDict_SetItem(mp, key, item) }
}

#[capi]
pub unsafe fn PyDict_SetItemString(dp: *mut PyObject, key: *const c_char, item: *mut PyObject) -> c_int {
    with_vm(-1, |vm| {
        // SAFETY: the caller passes a live dict and item and a C string (C-API contract).
        let (d, key, item) = unsafe { (dict(vm, dp)?, str_key(vm, key)?, live(vm, item)?) };
        set(vm, &d, key, item)?;
        Ok(0)
    })
}

/// Deletes `key`; a missing key is `KeyError(key)`.
fn delete(vm: &VirtualMachine, d: PyDictRef, key: PyObjectRef) -> PyResult<c_int> {
    if get(vm, &d, &key)?.is_none() {
        return Err(vm.new_key_error(key));
    }
    base_method(vm, "__delitem__", &d, vec![key])?;
    Ok(0)
}

#[capi]
pub unsafe fn PyDict_DelItem(mp: *mut PyObject, key: *mut PyObject) -> c_int {
    // SAFETY: the caller passes live objects (C-API contract).
    with_vm(-1, |vm| unsafe { delete(vm, dict(vm, mp)?, live(vm, key)?) })
}

#[capi]
pub unsafe fn _PyDict_DelItem_KnownHash(mp: *mut PyObject, key: *mut PyObject, hash: Py_hash_t) -> c_int {
    let _ = hash;
    // SAFETY: forwards the caller's contract.
    unsafe { PyDict_DelItem(mp, key) }
}

#[capi]
pub unsafe fn PyDict_DelItemString(dp: *mut PyObject, key: *const c_char) -> c_int {
    // SAFETY: the caller passes a live dict and a C string (C-API contract).
    with_vm(-1, |vm| unsafe { delete(vm, dict(vm, dp)?, str_key(vm, key)?) })
}

#[capi]
pub unsafe fn PyDict_Contains(mp: *mut PyObject, key: *mut PyObject) -> c_int {
    // SAFETY: the caller passes live objects (C-API contract).
    with_vm(-1, |vm| unsafe { Ok(lookup(vm, mp, key)?.is_some() as c_int) })
}

#[capi]
pub unsafe fn _PyDict_Contains_KnownHash(arg0: *mut PyObject, arg1: *mut PyObject, arg2: Py_hash_t) -> c_int {
    let _ = arg2;
    // SAFETY: forwards the caller's contract.
    unsafe { PyDict_Contains(arg0, arg1) }
}

/// Empties the dict; anything else is silently ignored, as in CPython.
#[capi]
pub unsafe fn PyDict_Clear(mp: *mut PyObject) {
    // SAFETY: the caller passes a live object or NULL (C-API contract).
    if !unsafe { has_type_flag(mp, Py_TPFLAGS_DICT_SUBCLASS) } {
        return;
    }
    with_vm((), |vm| {
        // SAFETY: a live dict, checked above.
        unsafe { dict(vm, mp) }?.clear();
        Ok(())
    })
}

/// A new exact dict with the same items (also for a dict subclass, as CPython does).
#[capi]
pub unsafe fn PyDict_Copy(mp: *mut PyObject) -> *mut PyObject {
    // SAFETY: the caller passes a live object (C-API contract).
    with_vm(NULL, |vm| {
        Ok(to_c(vm, &rustpython_vm::PyPayload::into_ref(unsafe { dict(vm, mp) }?.copy(), &vm.ctx).into()))
    })
}

/// A new list of what `part` takes from the dict's items, in order.
///
/// # Safety
/// `mp` is NULL or a live object.
unsafe fn listed(mp: *mut PyObject, part: fn(&PyDict) -> Vec<PyObjectRef>) -> *mut PyObject {
    // SAFETY: see the function's contract.
    with_vm(NULL, |vm| Ok(to_c(vm, &vm.ctx.new_list(part(&*unsafe { dict(vm, mp) }?)).into())))
}

#[capi]
pub unsafe fn PyDict_Keys(mp: *mut PyObject) -> *mut PyObject {
    // SAFETY: forwards the caller's contract.
    unsafe { listed(mp, PyDict::keys_vec) }
}

#[capi]
pub unsafe fn PyDict_Values(mp: *mut PyObject) -> *mut PyObject {
    // SAFETY: forwards the caller's contract.
    unsafe { listed(mp, PyDict::values_vec) }
}

#[capi]
pub unsafe fn PyDict_Items(mp: *mut PyObject) -> *mut PyObject {
    // SAFETY: forwards the caller's contract.
    unsafe {
        with_vm(NULL, |vm| {
            let items = dict(vm, mp)?.items_vec();
            let items = items.into_iter().map(|(k, v)| vm.ctx.new_tuple(vec![k, v]).into()).collect();
            Ok(to_c(vm, &vm.ctx.new_list(items).into()))
        })
    }
}

/// Iteration over a snapshot of the items taken when `*pos` is 0; `*pos` counts entries.
/// Keys and values are borrowed (the dict's proxy keeps them alive). Not a dict: 0.
#[capi]
pub unsafe fn PyDict_Next(
    mp: *mut PyObject,
    pos: *mut Py_ssize_t,
    key: *mut *mut PyObject,
    value: *mut *mut PyObject,
) -> c_int {
    // SAFETY: forwards the caller's contract.
    unsafe { _PyDict_Next(mp, pos, key, value, core::ptr::null_mut()) }
}

#[capi]
pub unsafe fn _PyDict_Next(
    mp: *mut PyObject,
    pos: *mut Py_ssize_t,
    key: *mut *mut PyObject,
    value: *mut *mut PyObject,
    hash: *mut Py_hash_t,
) -> c_int {
    // SAFETY: the caller passes a live object, a position and NULL or writable outputs
    // (C-API contract).
    unsafe {
        if !has_type_flag(mp, Py_TPFLAGS_DICT_SUBCLASS) || pos.is_null() || *pos < 0 {
            return 0;
        }
        with_vm(0, |vm| {
            let d = dict(vm, mp)?;
            let snapshot = || d.items_vec().into_iter().map(|(k, v)| (k, Some(v))).collect();
            let Some((k, v)) = mirror::entry(vm, mp, *pos as usize, snapshot) else {
                return Ok(0);
            };
            *pos += 1;
            if !key.is_null() {
                *key = k;
            }
            if !value.is_null() {
                *value = v;
            }
            if !hash.is_null() {
                *hash = from_c(vm, k).hash(vm)? as Py_hash_t;
            }
            Ok(1)
        })
    }
}

/// `PyDict_Merge` with `override` 1.
#[capi]
pub unsafe fn PyDict_Update(mp: *mut PyObject, other: *mut PyObject) -> c_int {
    // SAFETY: forwards the caller's contract.
    unsafe { PyDict_Merge(mp, other, 1) }
}

/// Adds the items of mapping `other` (a dict, or anything with `keys()` and item access);
/// existing keys are replaced only when `override` is non-zero.
#[capi]
pub unsafe fn PyDict_Merge(mp: *mut PyObject, other: *mut PyObject, r#override: c_int) -> c_int {
    with_vm(-1, |vm| {
        // SAFETY: the caller passes live objects (C-API contract).
        let (d, other) = unsafe { (dict(vm, mp)?, from_c_nonnull(vm, other)?) };
        let pairs: Vec<(PyObjectRef, PyObjectRef)> = match other.downcast_ref::<PyDict>() {
            Some(o) => o.items_vec(),
            None => {
                let keys = vm.call_method(&other, "keys", ())?;
                let mut pairs = Vec::new();
                for k in keys.get_iter(vm)?.into_iter::<PyObjectRef>(vm)? {
                    let k = k?;
                    let v = other.get_item(&*k, vm)?;
                    pairs.push((k, v));
                }
                pairs
            }
        };
        for (k, v) in pairs {
            if r#override != 0 || get(vm, &d, &k)?.is_none() {
                set(vm, &d, k, v)?;
            }
        }
        Ok(0)
    })
}

/// # Safety
/// `p` is NULL or a live object.
unsafe fn from_c_nonnull(vm: &VirtualMachine, p: *mut PyObject) -> PyResult<PyObjectRef> {
    if p.is_null() {
        return Err(bad_internal_call(vm));
    }
    // SAFETY: see the function's contract.
    Ok(unsafe { from_c(vm, p) })
}

/// Adds key/value pairs from a sequence of 2-sequences, with CPython's messages.
#[capi]
pub unsafe fn PyDict_MergeFromSeq2(d: *mut PyObject, seq2: *mut PyObject, r#override: c_int) -> c_int {
    with_vm(-1, |vm| {
        // SAFETY: the caller passes live objects (C-API contract).
        let (d, seq2) = unsafe { (dict(vm, d)?, from_c_nonnull(vm, seq2)?) };
        for (i, item) in seq2.get_iter(vm)?.into_iter::<PyObjectRef>(vm)?.enumerate() {
            let item = item?;
            let pair: Vec<PyObjectRef> = match item.get_iter(vm) {
                Ok(it) => it.into_iter::<PyObjectRef>(vm)?.collect::<PyResult<_>>()?,
                Err(e) if e.fast_isinstance(vm.ctx.exceptions.type_error) => {
                    return Err(vm.new_type_error(format!(
                        "cannot convert dictionary update sequence element #{i} to a sequence"
                    )));
                }
                Err(e) => return Err(e),
            };
            if pair.len() != 2 {
                return Err(vm.new_value_error(format!(
                    "dictionary update sequence element #{i} has length {}; 2 is required",
                    pair.len()
                )));
            }
            let [k, v]: [PyObjectRef; 2] = pair.try_into().expect("length checked");
            if r#override != 0 || get(vm, &d, &k)?.is_none() {
                set(vm, &d, k, v)?;
            }
        }
        Ok(0)
    })
}

/// `dict.setdefault(key, defaultobj)`, the value borrowed.
#[capi]
pub unsafe fn PyDict_SetDefault(mp: *mut PyObject, key: *mut PyObject, defaultobj: *mut PyObject) -> *mut PyObject {
    with_vm(NULL, |vm| {
        // SAFETY: the caller passes live objects (C-API contract).
        let (d, key, default) = unsafe { (dict(vm, mp)?, live(vm, key)?, live(vm, defaultobj)?) };
        let value = base_method(vm, "setdefault", &d, vec![key, default])?;
        // SAFETY: `mp` is a live dict proxy.
        Ok(unsafe { borrowed(vm, mp, &value) })
    })
}

/// `dict.pop(key[, default])` as a new reference; NULL `deflt` makes a missing key a
/// `KeyError`.
#[capi]
pub unsafe fn _PyDict_Pop(arg0: *mut PyObject, arg1: *mut PyObject, arg2: *mut PyObject) -> *mut PyObject {
    with_vm(NULL, |vm| {
        // SAFETY: the caller passes live objects, `arg2` possibly NULL (C-API contract).
        let (d, key) = unsafe { (dict(vm, arg0)?, live(vm, arg1)?) };
        match get(vm, &d, &key)? {
            Some(v) => {
                base_method(vm, "__delitem__", &d, vec![key])?;
                Ok(to_c(vm, &v))
            }
            // SAFETY: as above.
            None if !arg2.is_null() => Ok(to_c(vm, &unsafe { from_c(vm, arg2) })),
            None => Err(vm.new_key_error(key)),
        }
    })
}

/// Whether every key is a str (CPython's fast path check for `**kwargs`).
#[capi]
pub unsafe fn _PyDict_HasOnlyStringKeys(mp: *mut PyObject) -> c_int {
    // SAFETY: the caller passes a live dict (C-API contract).
    with_vm(
        0,
        |vm| Ok(unsafe { dict(vm, mp) }?.keys_vec().iter().all(|k| k.downcast_ref::<PyStr>().is_some()) as c_int),
    )
}

/// DX-Py has no cycle collector to untrack from.
#[capi]
pub unsafe fn _PyDict_MaybeUntrack(mp: *mut PyObject) {
    let _ = mp;
}
