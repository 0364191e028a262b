//! `Include/pymem.h`: the `PyMem_*` allocators.
//!
//! Memory scheme (shared with objimpl.rs): `PyMem_Malloc` and `PyObject_Malloc` blocks,
//! and the instances of C-defined types, are all blocks from the bridge's
//! `allocate_block`: a 16-byte pre-header (link to an interpreter object, size) before
//! the memory C sees, as DX-Py's object proxies have. So `PyObject_Free`/`PyMem_Free` can
//! free any of them (an object allocated by `tp_alloc` and freed through `tp_free`, or
//! raw memory), and `*_Realloc` knows the old size. `PyMem_Raw*` is plain libc memory.

use core::ffi::c_void;

use dxpy_macros::capi;

use crate::bridge::object::{allocate_block, block_size, free_block};

/// A block of `n` bytes (at least one: the allocators never return NULL for 0 bytes).
pub fn malloc(n: usize) -> *mut c_void {
    if n > isize::MAX as usize {
        return core::ptr::null_mut();
    }
    allocate_block(n.max(1)).cast()
}

pub fn calloc(nelem: usize, elsize: usize) -> *mut c_void {
    match nelem.checked_mul(elsize) {
        Some(n) => malloc(n),
        None => core::ptr::null_mut(),
    }
}

/// # Safety
/// `p` is NULL or a live block from [`malloc`].
pub unsafe fn realloc(p: *mut c_void, n: usize) -> *mut c_void {
    if p.is_null() {
        return malloc(n);
    }
    let new = malloc(n);
    if !new.is_null() {
        // SAFETY: both blocks are live; the copy stays within both sizes.
        unsafe {
            let old = block_size(p.cast());
            core::ptr::copy_nonoverlapping(p.cast::<u8>(), new.cast::<u8>(), old.min(n.max(1)));
            free_block(p.cast());
        }
    }
    new
}

/// # Safety
/// `p` is NULL or a live block from [`malloc`] (or an object's block).
pub unsafe fn free(p: *mut c_void) {
    if !p.is_null() {
        crate::bridge::ctype::forget_stash(p.cast());
        // SAFETY: see the function's contract.
        unsafe { free_block(p.cast()) };
    }
}

#[capi]
pub unsafe fn PyMem_Malloc(size: usize) -> *mut c_void {
    malloc(size)
}

#[capi]
pub unsafe fn PyMem_Calloc(nelem: usize, elsize: usize) -> *mut c_void {
    calloc(nelem, elsize)
}

#[capi]
pub unsafe fn PyMem_Realloc(ptr: *mut c_void, new_size: usize) -> *mut c_void {
    // SAFETY: the caller passes NULL or a block from these allocators (C-API contract).
    unsafe { realloc(ptr, new_size) }
}

#[capi]
pub unsafe fn PyMem_Free(ptr: *mut c_void) {
    // SAFETY: as above.
    unsafe { free(ptr) }
}

#[capi]
pub unsafe fn PyMem_RawMalloc(size: usize) -> *mut c_void {
    // SAFETY: libc allocation; 0 bytes asks for 1 so the result is a unique pointer.
    unsafe { libc::malloc(size.max(1)) }
}

#[capi]
pub unsafe fn PyMem_RawCalloc(nelem: usize, elsize: usize) -> *mut c_void {
    // SAFETY: libc allocation (calloc checks the product for overflow).
    unsafe { libc::calloc(nelem.max(1), elsize.max(1)) }
}

#[capi]
pub unsafe fn PyMem_RawRealloc(ptr: *mut c_void, new_size: usize) -> *mut c_void {
    // SAFETY: the caller passes NULL or a block from PyMem_RawMalloc (C-API contract).
    unsafe { libc::realloc(ptr, new_size.max(1)) }
}

#[capi]
pub unsafe fn PyMem_RawFree(ptr: *mut c_void) {
    // SAFETY: as above.
    unsafe { libc::free(ptr) }
}
