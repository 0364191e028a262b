//! `Include/listobject.h`. Lists are mirrored (`bridge::mirror`): C reads and writes
//! `ob_item` directly, so the item functions work on it, and the functions that reorder
//! or copy a list run on the interpreter list, which the mirror then brings back to C.

use core::ffi::c_int;

use dxpy_macros::capi;
use rustpython_vm::builtins::PyList;
use rustpython_vm::{AsObject, PyObjectRef, PyResult, VirtualMachine};

use crate::bridge::errors::{bad_internal_call, fail_bad_internal_call, with_vm};
use crate::bridge::layout::*;
use crate::bridge::mirror::{self, PyListObject};
use crate::bridge::object::{from_c, has_type_flag, is_fresh, to_c};
use crate::capi::object::Py_DecRef;

const NULL: *mut PyObject = core::ptr::null_mut();

/// `list.<name>(l, *args)` through the list type, not `l`'s class: CPython's list
/// functions ignore a subclass's overrides.
fn list_method(
    vm: &VirtualMachine,
    name: &'static str,
    l: PyObjectRef,
    args: impl rustpython_vm::function::IntoFuncArgs,
) -> PyResult<PyObjectRef> {
    let mut args = args.into_args(vm);
    args.args.insert(0, l);
    vm.ctx.types.list_type.as_object().get_attr(name, vm)?.call_with_args(args, vm)
}

/// # Safety
/// `p` is NULL or a live object.
unsafe fn is_list(p: *mut PyObject) -> bool {
    // SAFETY: see the function's contract.
    unsafe { has_type_flag(p, Py_TPFLAGS_LIST_SUBCLASS) }
}

/// Runs `f` on the interpreter list behind `p` (linking a list C created), after the
/// `PyList_Check` CPython does; the mirror brings changes back to C when the call ends.
///
/// # Safety
/// `p` is NULL or a live object.
unsafe fn on_list<T>(p: *mut PyObject, error: T, f: impl FnOnce(&VirtualMachine, PyObjectRef) -> PyResult<T>) -> T {
    with_vm(error, |vm| {
        // SAFETY: see the function's contract.
        if !unsafe { is_list(p) } {
            return Err(bad_internal_call(vm));
        }
        // SAFETY: a live list proxy.
        f(vm, unsafe { from_c(vm, p) })
    })
}

#[capi]
pub unsafe fn PyList_New(size: Py_ssize_t) -> *mut PyObject {
    if size < 0 {
        return fail_bad_internal_call(NULL);
    }
    mirror::new_list(size as usize)
}

#[capi]
pub unsafe fn PyList_Size(list: *mut PyObject) -> Py_ssize_t {
    // SAFETY: the caller passes a live object or NULL (C-API contract).
    if !unsafe { is_list(list) } {
        return fail_bad_internal_call(-1);
    }
    // SAFETY: a list proxy has a var header, kept current by the mirror.
    unsafe { (*list.cast::<PyVarObject>()).ob_size }
}

/// The item at `index`, borrowed from the list's `ob_item`.
#[capi]
pub unsafe fn PyList_GetItem(list: *mut PyObject, index: Py_ssize_t) -> *mut PyObject {
    // SAFETY: the caller passes a live object or NULL (C-API contract).
    if !unsafe { is_list(list) } {
        return fail_bad_internal_call(NULL);
    }
    // SAFETY: a list proxy has `ob_size` slots.
    unsafe {
        let l = list.cast::<PyListObject>();
        if index < 0 || index >= (*l).ob_base.ob_size {
            return with_vm(NULL, |vm| Err(vm.new_index_error("list index out of range".to_owned())));
        }
        *(*l).ob_item.offset(index)
    }
}

/// Stores `item` at `index`, stealing the reference (also on failure, as CPython does) and
/// releasing the item it replaces. On a linked list this is what `PyList_SET_ITEM` does
/// plus that release; the next flush carries it into the interpreter list.
#[capi]
pub unsafe fn PyList_SetItem(list: *mut PyObject, index: Py_ssize_t, item: *mut PyObject) -> c_int {
    // SAFETY: the caller passes live objects or NULL (C-API contract); we own `item`.
    unsafe {
        if !is_list(list) {
            Py_DecRef(item);
            return fail_bad_internal_call(-1);
        }
        let l = list.cast::<PyListObject>();
        if index < 0 || index >= (*l).ob_base.ob_size {
            Py_DecRef(item);
            return with_vm(-1, |vm| Err(vm.new_index_error("list assignment index out of range".to_owned())));
        }
        let slot = (*l).ob_item.offset(index);
        let old = *slot;
        *slot = item;
        Py_DecRef(old);
    }
    0
}

#[capi]
pub unsafe fn PyList_Insert(list: *mut PyObject, index: Py_ssize_t, item: *mut PyObject) -> c_int {
    // SAFETY: the caller passes live objects or NULL (C-API contract).
    unsafe {
        if !is_list(list) || item.is_null() {
            return fail_bad_internal_call(-1);
        }
        if is_fresh(list) {
            let n = (*list.cast::<PyVarObject>()).ob_size;
            let index = if index < 0 { (index + n).max(0) } else { index.min(n) };
            mirror::insert_fresh(list, index as usize, item);
            return 0;
        }
        on_list(list, -1, |vm, l| {
            let item = from_c(vm, item);
            list_method(vm, "insert", l, (index, item))?;
            Ok(0)
        })
    }
}

#[capi]
pub unsafe fn PyList_Append(list: *mut PyObject, item: *mut PyObject) -> c_int {
    // SAFETY: the caller passes live objects or NULL (C-API contract).
    unsafe {
        if !is_list(list) || item.is_null() {
            return fail_bad_internal_call(-1);
        }
        if is_fresh(list) {
            mirror::append(None, list, item);
            return 0;
        }
        with_vm(-1, |vm| {
            mirror::append(Some(vm), list, item);
            Ok(0)
        })
    }
}

/// Items `low..high`, clamped as CPython clamps them, in a new list.
#[capi]
pub unsafe fn PyList_GetSlice(list: *mut PyObject, low: Py_ssize_t, high: Py_ssize_t) -> *mut PyObject {
    // SAFETY: the caller passes a live object or NULL (C-API contract).
    unsafe {
        on_list(list, NULL, |vm, l| {
            let items = l.downcast_ref::<PyList>().map(|l| l.borrow_vec().to_vec()).unwrap_or_default();
            let (low, high) = clamp(low, high, items.len());
            Ok(to_c(vm, &vm.ctx.new_list(items[low..high].to_vec()).into()))
        })
    }
}

/// CPython's `list_ass_slice` bounds: `low` into `0..=n`, `high` into `low..=n`.
fn clamp(low: Py_ssize_t, high: Py_ssize_t, n: usize) -> (usize, usize) {
    let low = low.clamp(0, n as isize) as usize;
    let high = high.clamp(low as isize, n as isize) as usize;
    (low, high)
}

/// `list[low:high] = items` (NULL deletes), with `list_ass_slice`'s bounds and message.
#[capi]
pub unsafe fn PyList_SetSlice(
    list: *mut PyObject,
    low: Py_ssize_t,
    high: Py_ssize_t,
    itemlist: *mut PyObject,
) -> c_int {
    // SAFETY: the caller passes live objects or NULL (C-API contract).
    unsafe {
        on_list(list, -1, |vm, l| {
            let n = l.downcast_ref::<PyList>().map_or(0, |l| l.borrow_vec().len());
            let (low, high) = clamp(low, high, n);
            let replacement: Vec<PyObjectRef> = if itemlist.is_null() {
                Vec::new()
            } else {
                let v = from_c(vm, itemlist);
                // `PySequence_Fast(v, "can only assign an iterable")`.
                let iter = v.get_iter(vm).map_err(|_| vm.new_type_error("can only assign an iterable".to_owned()))?;
                iter.into_iter::<PyObjectRef>(vm)?.collect::<PyResult<_>>()?
            };
            if let Some(l) = l.downcast_ref::<PyList>() {
                l.borrow_vec_mut().splice(low..high, replacement);
            }
            Ok(0)
        })
    }
}

#[capi]
pub unsafe fn PyList_Sort(list: *mut PyObject) -> c_int {
    // SAFETY: the caller passes a live object or NULL (C-API contract).
    unsafe { on_list(list, -1, |vm, l| list_method(vm, "sort", l, ()).map(|_| 0)) }
}

#[capi]
pub unsafe fn PyList_Reverse(list: *mut PyObject) -> c_int {
    // SAFETY: the caller passes a live object or NULL (C-API contract).
    unsafe {
        on_list(list, -1, |_, l| {
            if let Some(l) = l.downcast_ref::<PyList>() {
                l.borrow_vec_mut().reverse();
            }
            Ok(0)
        })
    }
}

#[capi]
pub unsafe fn PyList_AsTuple(list: *mut PyObject) -> *mut PyObject {
    // SAFETY: the caller passes a live object or NULL (C-API contract).
    unsafe {
        on_list(list, NULL, |vm, l| {
            let items = l.downcast_ref::<PyList>().map(|l| l.borrow_vec().to_vec()).unwrap_or_default();
            Ok(to_c(vm, &vm.ctx.new_tuple(items).into()))
        })
    }
}

/// `list.extend(iterable)`, returning None (the internal helper CPython's `list_extend` is).
#[capi]
pub unsafe fn _PyList_Extend(arg0: *mut core::ffi::c_void, arg1: *mut PyObject) -> *mut PyObject {
    // SAFETY: the caller passes live objects (C-API contract).
    unsafe {
        on_list(arg0.cast(), NULL, |vm, l| {
            let iterable = crate::capi::abstract_::live(vm, arg1)?;
            list_method(vm, "extend", l, (iterable,))?;
            Ok(to_c(vm, &vm.ctx.none()))
        })
    }
}
