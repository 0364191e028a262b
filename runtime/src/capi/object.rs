//! `Include/object.h`: reference counting.

use dxpy_macros::capi;

use crate::bridge::layout::*;

/// `Py_IncRef`: the function form of `Py_XINCREF`, for callers that cannot use macros.
#[capi]
pub unsafe fn Py_IncRef(o: *mut PyObject) {
    if !o.is_null() {
        // SAFETY: a non-NULL argument is a live object whose header the caller may write.
        unsafe { (*o).ob_refcnt += 1 };
    }
}

/// `Py_DecRef`: the function form of `Py_XDECREF`.
#[capi]
pub unsafe fn Py_DecRef(o: *mut PyObject) {
    if o.is_null() {
        return;
    }
    // SAFETY: a non-NULL argument is a live object the caller owns a reference to.
    unsafe {
        (*o).ob_refcnt -= 1;
        if (*o).ob_refcnt == 0 {
            _Py_Dealloc(o);
        }
    }
}

/// `_Py_Dealloc`: what `Py_DECREF` calls when the count reaches zero: the type's
/// `tp_dealloc`.
#[capi]
pub unsafe fn _Py_Dealloc(o: *mut PyObject) {
    // SAFETY: `o` is an object whose last reference was just dropped; its type is live.
    unsafe {
        let ty = (*o).ob_type;
        if let Some(dealloc) = (*ty).tp_dealloc {
            dealloc(o);
        }
    }
}
