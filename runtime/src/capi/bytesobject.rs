//! `Include/bytesobject.h`. Bytes C creates with `PyBytes_FromStringAndSize(NULL, n)` are
//! filled in place through `PyBytes_AS_STRING` (and may be `_PyBytes_Resize`d) until they
//! first cross into Python, where they become an immutable interpreter bytes
//! (`bridge::object::build_from_c`).

use core::ffi::{CStr, c_char, c_int};

use dxpy_macros::capi;

use crate::bridge::errors::{fail_bad_internal_call, with_vm};
use crate::bridge::layout::*;
use crate::bridge::object::{from_c, has_type_flag, is_fresh, new_bytes, to_c};
use crate::capi::object::Py_DecRef;

/// # Safety
/// `p` is NULL or a live object.
unsafe fn is_bytes(p: *mut PyObject) -> bool {
    // SAFETY: see the function's contract.
    unsafe { has_type_flag(p, Py_TPFLAGS_BYTES_SUBCLASS) }
}

/// CPython's "expected bytes, X found" TypeError.
///
/// # Safety
/// `p` is a live object.
unsafe fn expected_bytes<T>(p: *mut PyObject, error: T) -> T {
    with_vm(error, |vm| {
        // SAFETY: see the function's contract.
        let obj = unsafe { from_c(vm, p) };
        Err(vm.new_type_error(format!("expected bytes, {} found", obj.class().name())))
    })
}

#[capi]
pub unsafe fn PyBytes_FromStringAndSize(v: *const c_char, len: Py_ssize_t) -> *mut PyObject {
    if len < 0 {
        return with_vm(core::ptr::null_mut(), |vm| {
            Err(vm.new_system_error("Negative size passed to PyBytes_FromStringAndSize".to_owned()))
        });
    }
    if v.is_null() && len > 0 {
        // Zero-filled, for C to write into before it crosses.
        return new_bytes(len as usize, core::ptr::null_mut(), None);
    }
    with_vm(core::ptr::null_mut(), |vm| {
        // SAFETY: the caller passes `len` readable bytes (C-API contract).
        let data =
            if len == 0 { &[][..] } else { unsafe { core::slice::from_raw_parts(v.cast::<u8>(), len as usize) } };
        Ok(to_c(vm, &vm.ctx.new_bytes(data.to_vec()).into()))
    })
}

#[capi]
pub unsafe fn PyBytes_FromString(v: *const c_char) -> *mut PyObject {
    // SAFETY: the caller passes a NUL-terminated string (C-API contract).
    let len = unsafe { CStr::from_ptr(v).to_bytes().len() };
    // SAFETY: `len` bytes are readable at `v`.
    unsafe { PyBytes_FromStringAndSize(v, len as Py_ssize_t) }
}

#[capi]
pub unsafe fn PyBytes_Size(o: *mut PyObject) -> Py_ssize_t {
    // SAFETY: the caller passes a live object (C-API contract); bytes have a var header.
    unsafe {
        if !is_bytes(o) {
            return expected_bytes(o, -1);
        }
        (*o.cast::<PyVarObject>()).ob_size
    }
}

/// A pointer to the proxy's `ob_sval`: the bytes, NUL-terminated, living as long as `o`.
#[capi]
pub unsafe fn PyBytes_AsString(o: *mut PyObject) -> *mut c_char {
    // SAFETY: the caller passes a live object (C-API contract); `ob_sval` is at offset 32.
    unsafe {
        if !is_bytes(o) {
            return expected_bytes(o, core::ptr::null_mut());
        }
        o.cast::<u8>().add(32).cast()
    }
}

#[capi]
pub unsafe fn PyBytes_AsStringAndSize(obj: *mut PyObject, s: *mut *mut c_char, len: *mut Py_ssize_t) -> c_int {
    if s.is_null() {
        return fail_bad_internal_call(-1);
    }
    // SAFETY: the caller passes a live object and writable out-pointers (C-API contract).
    unsafe {
        if !is_bytes(obj) {
            return expected_bytes(obj, -1);
        }
        let data = obj.cast::<u8>().add(32);
        let size = (*obj.cast::<PyVarObject>()).ob_size;
        *s = data.cast();
        if len.is_null() {
            if core::slice::from_raw_parts(data, size as usize).contains(&0) {
                return with_vm(-1, |vm| Err(vm.new_value_error("embedded null byte".to_owned())));
            }
        } else {
            *len = size;
        }
    }
    0
}

/// Resizes bytes nothing else has seen (CPython: refcount 1), by moving them into a new
/// proxy as CPython's `realloc` may; on failure `*bytes` is released and set to NULL.
#[capi]
pub unsafe fn _PyBytes_Resize(bytes: *mut *mut PyObject, newsize: Py_ssize_t) -> c_int {
    // SAFETY: the caller passes a pointer to an owned reference (C-API contract).
    unsafe {
        if bytes.is_null() || (*bytes).is_null() {
            return fail_bad_internal_call(-1);
        }
        let v = *bytes;
        if !is_bytes(v) || newsize < 0 {
            *bytes = core::ptr::null_mut();
            Py_DecRef(v);
            return fail_bad_internal_call(-1);
        }
        let old = (*v.cast::<PyVarObject>()).ob_size;
        if old == newsize {
            return 0;
        }
        if old != 0 && ((*v).ob_refcnt != 1 || !is_fresh(v)) {
            *bytes = core::ptr::null_mut();
            Py_DecRef(v);
            return fail_bad_internal_call(-1);
        }
        let p = new_bytes(newsize as usize, core::ptr::null_mut(), None);
        let keep = old.min(newsize) as usize;
        core::ptr::copy_nonoverlapping(v.cast::<u8>().add(32), p.cast::<u8>().add(32), keep);
        *bytes = p;
        Py_DecRef(v);
    }
    0
}
