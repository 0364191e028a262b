//! `Include/tupleobject.h`. A tuple C creates with `PyTuple_New` is filled in place
//! (`PyTuple_SetItem`, or the `PyTuple_SET_ITEM` macro writing `ob_item`) and becomes an
//! interpreter tuple when it first crosses into Python (`bridge::object::from_c`).

use dxpy_macros::capi;

use crate::bridge::errors::{fail_bad_internal_call, with_vm};
use crate::bridge::layout::*;
use crate::bridge::object::{PyTupleObject, has_type_flag, new_tuple};
use crate::capi::object::{Py_DecRef, Py_IncRef};

/// # Safety
/// `p` is NULL or a live object.
unsafe fn is_tuple(p: *mut PyObject) -> bool {
    // SAFETY: see the function's contract.
    unsafe { has_type_flag(p, Py_TPFLAGS_TUPLE_SUBCLASS) }
}

#[capi]
pub unsafe fn PyTuple_New(size: Py_ssize_t) -> *mut PyObject {
    if size < 0 {
        return fail_bad_internal_call(core::ptr::null_mut());
    }
    new_tuple(size as usize)
}

#[capi]
pub unsafe fn PyTuple_Size(p: *mut PyObject) -> Py_ssize_t {
    // SAFETY: the caller passes a live object or NULL (C-API contract).
    if !unsafe { is_tuple(p) } {
        return fail_bad_internal_call(-1);
    }
    // SAFETY: a tuple has a var header.
    unsafe { (*p.cast::<PyVarObject>()).ob_size }
}

/// The item at `pos`, borrowed: the tuple's `ob_item` holds the reference.
#[capi]
pub unsafe fn PyTuple_GetItem(p: *mut PyObject, pos: Py_ssize_t) -> *mut PyObject {
    // SAFETY: the caller passes a live object or NULL (C-API contract).
    if !unsafe { is_tuple(p) } {
        return fail_bad_internal_call(core::ptr::null_mut());
    }
    // SAFETY: a tuple proxy has `ob_size` item slots.
    unsafe {
        let t = p.cast::<PyTupleObject>();
        if pos < 0 || pos >= (*t).ob_base.ob_size {
            return with_vm(core::ptr::null_mut(), |vm| Err(vm.new_index_error("tuple index out of range".to_owned())));
        }
        *(*t).ob_item.as_mut_ptr().offset(pos)
    }
}

/// Stores `o` at `pos`, stealing the reference (also on failure, as CPython does).
#[capi]
pub unsafe fn PyTuple_SetItem(p: *mut PyObject, pos: Py_ssize_t, o: *mut PyObject) -> core::ffi::c_int {
    // SAFETY: the caller passes live objects or NULL (C-API contract); a tuple proxy has
    // `ob_size` item slots, and we own the reference to `o` from here on.
    unsafe {
        if !is_tuple(p) || (*p).ob_refcnt != 1 {
            Py_DecRef(o);
            return fail_bad_internal_call(-1);
        }
        let t = p.cast::<PyTupleObject>();
        if pos < 0 || pos >= (*t).ob_base.ob_size {
            Py_DecRef(o);
            return with_vm(-1, |vm| Err(vm.new_index_error("tuple assignment index out of range".to_owned())));
        }
        let slot = (*t).ob_item.as_mut_ptr().offset(pos);
        let old = *slot;
        *slot = o;
        Py_DecRef(old);
    }
    0
}

/// Items `low..high` (clamped as CPython clamps them) in a new tuple; the whole of an
/// exact tuple is the tuple itself, as in CPython.
#[capi]
pub unsafe fn PyTuple_GetSlice(p: *mut PyObject, low: Py_ssize_t, high: Py_ssize_t) -> *mut PyObject {
    // SAFETY: the caller passes a live object or NULL (C-API contract).
    if !unsafe { is_tuple(p) } {
        return fail_bad_internal_call(core::ptr::null_mut());
    }
    // SAFETY: a tuple proxy has `ob_size` item slots; the new tuple has `high - low`.
    unsafe {
        let t = p.cast::<PyTupleObject>();
        let size = (*t).ob_base.ob_size;
        let low = low.clamp(0, size);
        let high = high.clamp(low, size);
        if low == 0
            && high == size
            && Some((*p).ob_type.cast::<u8>()) == crate::bridge::statics::address("PyTuple_Type")
        {
            Py_IncRef(p);
            return p;
        }
        let n = new_tuple((high - low) as usize);
        let slots = (*n.cast::<PyTupleObject>()).ob_item.as_mut_ptr();
        for i in low..high {
            let item = *(*t).ob_item.as_mut_ptr().offset(i);
            Py_IncRef(item);
            *slots.offset(i - low) = item;
        }
        n
    }
}
