//! The buffer protocol (`Py_buffer`, `PyObject_GetBuffer`, `PyBuffer_Release`). A view
//! of an interpreter object holds the interpreter's own buffer export (which keeps the
//! memory from moving, e.g. a bytearray from resizing) in `internal`, with the shape,
//! strides and format C may read, until `PyBuffer_Release`.

use core::ffi::{c_char, c_int, c_void};
use std::ffi::CString;

use dxpy_macros::capi;
use rustpython_vm::protocol::PyBuffer;
use rustpython_vm::{PyResult, TryFromBorrowedObject, VirtualMachine};

use crate::bridge::errors::with_vm;
use crate::bridge::layout::*;
use crate::bridge::object::{from_c, to_c};
use crate::capi::object::{Py_DecRef, Py_IncRef};

const PYBUF_WRITABLE: c_int = 0x0001;
const PYBUF_FORMAT: c_int = 0x0004;
const PYBUF_ND: c_int = 0x0008;
const PYBUF_STRIDES: c_int = 0x0010 | PYBUF_ND;

/// `Py_buffer` (Include/cpython/object.h in 3.11).
#[repr(C)]
pub struct Py_buffer {
    pub buf: *mut c_void,
    pub obj: *mut PyObject,
    pub len: Py_ssize_t,
    pub itemsize: Py_ssize_t,
    pub readonly: c_int,
    pub ndim: c_int,
    pub format: *mut c_char,
    pub shape: *mut Py_ssize_t,
    pub strides: *mut Py_ssize_t,
    pub suboffsets: *mut Py_ssize_t,
    pub internal: *mut c_void,
}

/// What a view owns until it is released.
struct Held {
    _export: PyBuffer,
    shape: Vec<Py_ssize_t>,
    strides: Vec<Py_ssize_t>,
    format: CString,
}

/// Fills `view` from the interpreter's buffer of `obj`, with CPython's messages.
///
/// # Safety
/// `obj` is a live object, `view` writable.
unsafe fn get(vm: &VirtualMachine, obj: *mut PyObject, view: *mut Py_buffer, flags: c_int) -> PyResult<c_int> {
    // SAFETY: see the function's contract.
    let object = unsafe { from_c(vm, obj) };
    let export = PyBuffer::try_from_borrowed_object(vm, &object)
        .map_err(|_| vm.new_type_error(format!("a bytes-like object is required, not '{}'", object.class().name())))?;
    let desc = &export.desc;
    if flags & PYBUF_WRITABLE != 0 && desc.readonly {
        return Err(vm.new_buffer_error("Object is not writable.".to_owned()));
    }
    if !desc.is_contiguous() {
        return Err(vm.new_buffer_error("DX-Py exports only contiguous buffers to C so far".to_owned()));
    }
    // The export keeps the memory where it is; the pointer outlives the borrow guard.
    let buf = export.obj_bytes().as_ptr() as *mut c_void;
    let shape: Vec<Py_ssize_t> = desc.dim_desc.iter().map(|d| d.0 as isize).collect();
    let strides: Vec<Py_ssize_t> = desc.dim_desc.iter().map(|d| d.1).collect();
    let (len, itemsize, readonly) = (desc.len as isize, desc.itemsize as isize, desc.readonly);
    let format = CString::new(desc.format.as_ref()).unwrap_or_else(|_| c"B".to_owned());
    let ndim = shape.len().max(1) as c_int;
    let mut held = Box::new(Held { _export: export, shape, strides, format });
    // SAFETY: `view` is writable (the function's contract); the held arrays live until
    // `PyBuffer_Release` frees `internal`.
    unsafe {
        (*view).buf = buf;
        (*view).obj = to_c(vm, &object);
        (*view).len = len;
        (*view).itemsize = itemsize;
        (*view).readonly = readonly as c_int;
        (*view).ndim = ndim;
        (*view).format =
            if flags & PYBUF_FORMAT != 0 { held.format.as_ptr().cast_mut() } else { core::ptr::null_mut() };
        (*view).shape = if flags & PYBUF_ND == PYBUF_ND { held.shape.as_mut_ptr() } else { core::ptr::null_mut() };
        (*view).strides =
            if flags & PYBUF_STRIDES == PYBUF_STRIDES { held.strides.as_mut_ptr() } else { core::ptr::null_mut() };
        (*view).suboffsets = core::ptr::null_mut();
        (*view).internal = Box::into_raw(held).cast();
    }
    Ok(0)
}

#[capi]
pub unsafe fn PyObject_GetBuffer(obj: *mut PyObject, view: *mut c_void, flags: c_int) -> c_int {
    with_vm(-1, |vm| {
        if obj.is_null() || view.is_null() {
            return Err(crate::bridge::errors::bad_internal_call(vm));
        }
        // SAFETY: the caller passes a live object and a writable view (C-API contract).
        unsafe { get(vm, obj, view.cast(), flags) }
    })
}

/// Releases what `PyObject_GetBuffer` (or `PyBuffer_FillInfo`) put in the view.
#[capi]
pub unsafe fn PyBuffer_Release(view: *mut c_void) {
    let view = view.cast::<Py_buffer>();
    if view.is_null() {
        return;
    }
    // SAFETY: a view filled by this module: `internal` is ours (or NULL for FillInfo),
    // `obj` a reference it owns.
    unsafe {
        if !(*view).internal.is_null() {
            drop(Box::from_raw((*view).internal.cast::<Held>()));
            (*view).internal = core::ptr::null_mut();
        }
        let obj = core::mem::replace(&mut (*view).obj, core::ptr::null_mut());
        Py_DecRef(obj);
    }
}

#[capi]
pub unsafe fn PyObject_CheckBuffer(obj: *mut PyObject) -> c_int {
    if obj.is_null() {
        return 0;
    }
    // SAFETY: the caller passes a live object (C-API contract).
    crate::bridge::vm::with(|vm| PyBuffer::try_from_borrowed_object(vm, &*unsafe { from_c(vm, obj) }).is_ok() as c_int)
        .unwrap_or(0)
}

/// A view of C memory `buf` exported by `o` (as a C type's `bf_getbuffer` makes one).
#[capi]
pub unsafe fn PyBuffer_FillInfo(
    view: *mut c_void,
    o: *mut PyObject,
    buf: *mut c_void,
    len: Py_ssize_t,
    readonly: c_int,
    flags: c_int,
) -> c_int {
    let view = view.cast::<Py_buffer>();
    if view.is_null() {
        return with_vm(-1, |vm| {
            Err(vm.new_buffer_error("PyBuffer_FillInfo: view==NULL argument is obsolete".to_owned()))
        });
    }
    if flags & PYBUF_WRITABLE != 0 && readonly == 1 {
        return with_vm(-1, |vm| Err(vm.new_buffer_error("Object is not writable.".to_owned())));
    }
    // SAFETY: the caller passes a writable view (C-API contract); the shape and strides
    // point into the view itself, as CPython's do.
    unsafe {
        Py_IncRef(o);
        (*view).obj = o;
        (*view).buf = buf;
        (*view).len = len;
        (*view).readonly = readonly;
        (*view).itemsize = 1;
        (*view).format = if flags & PYBUF_FORMAT != 0 { c"B".as_ptr().cast_mut() } else { core::ptr::null_mut() };
        (*view).ndim = 1;
        (*view).shape = if flags & PYBUF_ND == PYBUF_ND { &raw mut (*view).len } else { core::ptr::null_mut() };
        (*view).strides =
            if flags & PYBUF_STRIDES == PYBUF_STRIDES { &raw mut (*view).itemsize } else { core::ptr::null_mut() };
        (*view).suboffsets = core::ptr::null_mut();
        (*view).internal = core::ptr::null_mut();
    }
    0
}
