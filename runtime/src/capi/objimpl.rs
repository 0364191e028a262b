//! `Include/objimpl.h`: object memory and initialisation. Blocks come from the bridge's
//! `allocate_block` (see pymem.rs for the scheme), so `PyObject_Free` frees objects and
//! raw memory alike. DX-Py has no cycle collector for C objects: the GC entry points are
//! accepted and do nothing (`PyObject_GC_Track`/`UnTrack`), and GC objects are freed
//! like any other (`PyObject_GC_Del` is `PyObject_Free`).

use core::ffi::{c_int, c_void};

use dxpy_macros::capi;

use crate::bridge::layout::*;
use crate::capi::pymem;

#[capi]
pub unsafe fn PyObject_Malloc(size: usize) -> *mut c_void {
    pymem::malloc(size)
}

#[capi]
pub unsafe fn PyObject_Calloc(nelem: usize, elsize: usize) -> *mut c_void {
    pymem::calloc(nelem, elsize)
}

#[capi]
pub unsafe fn PyObject_Realloc(ptr: *mut c_void, new_size: usize) -> *mut c_void {
    // SAFETY: the caller passes NULL or a block from these allocators (C-API contract).
    unsafe { pymem::realloc(ptr, new_size) }
}

#[capi]
pub unsafe fn PyObject_Free(ptr: *mut c_void) {
    // SAFETY: as above.
    unsafe { pymem::free(ptr) }
}

#[capi]
pub unsafe fn PyObject_GC_Del(op: *mut c_void) {
    // SAFETY: as above.
    unsafe { pymem::free(op) }
}

#[capi]
pub unsafe fn PyObject_GC_Track(op: *mut c_void) {
    let _ = op;
}

#[capi]
pub unsafe fn PyObject_GC_UnTrack(op: *mut c_void) {
    let _ = op;
}

/// Sets the header of a block C allocated: one reference, the type.
#[capi]
pub unsafe fn PyObject_Init(op: *mut PyObject, type_: *mut PyTypeObject) -> *mut PyObject {
    if op.is_null() {
        return crate::bridge::errors::with_vm(core::ptr::null_mut(), |vm| Err(vm.new_memory_error(String::new())));
    }
    // SAFETY: the caller passes a block of at least the type's size (C-API contract).
    unsafe {
        (*op).ob_type = type_;
        (*op).ob_refcnt = 1;
    }
    op
}

#[capi]
pub unsafe fn PyObject_InitVar(op: *mut PyVarObject, type_: *mut PyTypeObject, size: Py_ssize_t) -> *mut PyVarObject {
    // SAFETY: as above.
    let p = unsafe { PyObject_Init(op.cast(), type_) };
    if !p.is_null() {
        // SAFETY: a var-sized object's header.
        unsafe { (*op).ob_size = size };
    }
    p.cast()
}

/// A new, zeroed instance block of `n` items.
///
/// # Safety
/// `tp` is a live type object.
unsafe fn new_var(tp: *mut PyTypeObject, n: isize) -> *mut PyObject {
    // SAFETY: see the function's contract.
    unsafe {
        let size = crate::bridge::ctype::instance_size(tp, n.max(0) as usize).unwrap_or(usize::MAX);
        let p = pymem::malloc(size).cast::<PyObject>();
        if p.is_null() {
            return crate::bridge::errors::with_vm(core::ptr::null_mut(), |vm| Err(vm.new_memory_error(String::new())));
        }
        (*p).ob_refcnt = 1;
        (*p).ob_type = tp;
        if (*tp).tp_itemsize != 0 {
            (*p.cast::<PyVarObject>()).ob_size = n;
        }
        p
    }
}

#[capi]
pub unsafe fn _PyObject_New(arg0: *mut PyTypeObject) -> *mut PyObject {
    // SAFETY: the caller passes a live type object (C-API contract).
    unsafe { new_var(arg0, 0) }
}

#[capi]
pub unsafe fn _PyObject_NewVar(arg0: *mut PyTypeObject, arg1: Py_ssize_t) -> *mut PyVarObject {
    // SAFETY: as above.
    unsafe { new_var(arg0, arg1) }.cast()
}

#[capi]
pub unsafe fn _PyObject_GC_New(arg0: *mut PyTypeObject) -> *mut PyObject {
    // SAFETY: as above.
    unsafe { new_var(arg0, 0) }
}

#[capi]
pub unsafe fn _PyObject_GC_NewVar(arg0: *mut PyTypeObject, arg1: Py_ssize_t) -> *mut PyVarObject {
    // SAFETY: as above.
    unsafe { new_var(arg0, arg1) }.cast()
}

/// DX-Py does not track C objects for cycle collection.
#[capi]
pub unsafe fn PyObject_GC_IsTracked(op: *mut PyObject) -> c_int {
    let _ = op;
    0
}

/// Whether the object's type takes part in cycle collection (`Py_TPFLAGS_HAVE_GC`).
#[capi]
pub unsafe fn PyObject_IS_GC(obj: *mut PyObject) -> c_int {
    // SAFETY: the caller passes a live object (C-API contract).
    unsafe { ((*(*obj).ob_type).tp_flags & crate::bridge::ctype::Py_TPFLAGS_HAVE_GC != 0).into() }
}

/// DX-Py runs no finalizers through a collector: never finalized by one.
#[capi]
pub unsafe fn PyObject_GC_IsFinalized(arg0: *mut PyObject) -> c_int {
    let _ = arg0;
    0
}
