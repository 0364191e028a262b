//! CPython 3.11's object layouts, exactly as its headers define them for x86-64 Linux.
//!
//! C extensions read these structures through inline macros (`Py_TYPE`, `Py_INCREF`,
//! `PyType_HasFeature`) without calling into DX-Py, so every offset is part of the ABI.
//! The sizes are asserted at compile time; the offsets are checked against the real
//! headers by a test that compiles C.

#![allow(non_camel_case_types, non_snake_case, non_upper_case_globals)]

use core::ffi::{c_char, c_int, c_uint, c_ulong, c_void};

pub type Py_ssize_t = isize;
pub type Py_hash_t = isize;
pub type wchar_t = i32;

/// `PyObject`: the header every object starts with.
#[repr(C)]
pub struct PyObject {
    pub ob_refcnt: Py_ssize_t,
    pub ob_type: *mut PyTypeObject,
}

/// `PyVarObject`: `PyObject` plus the item count of variable-size objects.
#[repr(C)]
pub struct PyVarObject {
    pub ob_base: PyObject,
    pub ob_size: Py_ssize_t,
}

type Slot = Option<unsafe extern "C" fn()>;

/// `PyTypeObject` (3.11, `Include/cpython/object.h`). Slots whose signatures DX-Py does
/// not call yet are typed as untyped function pointers; their size and place are exact.
#[repr(C)]
pub struct PyTypeObject {
    pub ob_base: PyVarObject,
    pub tp_name: *const c_char,
    pub tp_basicsize: Py_ssize_t,
    pub tp_itemsize: Py_ssize_t,
    pub tp_dealloc: Option<unsafe extern "C" fn(*mut PyObject)>,
    pub tp_vectorcall_offset: Py_ssize_t,
    pub tp_getattr: Slot,
    pub tp_setattr: Slot,
    pub tp_as_async: *mut c_void,
    pub tp_repr: Slot,
    pub tp_as_number: *mut c_void,
    pub tp_as_sequence: *mut c_void,
    pub tp_as_mapping: *mut c_void,
    pub tp_hash: Slot,
    pub tp_call: Slot,
    pub tp_str: Slot,
    pub tp_getattro: Slot,
    pub tp_setattro: Slot,
    pub tp_as_buffer: *mut c_void,
    pub tp_flags: c_ulong,
    pub tp_doc: *const c_char,
    pub tp_traverse: Slot,
    pub tp_clear: Slot,
    pub tp_richcompare: Slot,
    pub tp_weaklistoffset: Py_ssize_t,
    pub tp_iter: Slot,
    pub tp_iternext: Slot,
    pub tp_methods: *mut c_void,
    pub tp_members: *mut c_void,
    pub tp_getset: *mut c_void,
    pub tp_base: *mut PyTypeObject,
    pub tp_dict: *mut PyObject,
    pub tp_descr_get: Slot,
    pub tp_descr_set: Slot,
    pub tp_dictoffset: Py_ssize_t,
    pub tp_init: Slot,
    pub tp_alloc: Slot,
    pub tp_new: Slot,
    pub tp_free: Slot,
    pub tp_is_gc: Slot,
    pub tp_bases: *mut PyObject,
    pub tp_mro: *mut PyObject,
    pub tp_cache: *mut PyObject,
    pub tp_subclasses: *mut PyObject,
    pub tp_weaklist: *mut PyObject,
    pub tp_del: Slot,
    pub tp_version_tag: c_uint,
    pub tp_finalize: Slot,
    pub tp_vectorcall: Slot,
}

/// `struct _longobject` with one digit: the layout of `_Py_TrueStruct`/`_Py_FalseStruct`.
#[repr(C)]
pub struct PyLongObject1 {
    pub ob_base: PyVarObject,
    pub ob_digit: [u32; 1],
}

/// `Py_complex`, passed by value.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Py_complex {
    pub real: f64,
    pub imag: f64,
}

/// `PyStatus` (`Include/cpython/initconfig.h`), returned by value.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct PyStatus {
    pub _type: c_int,
    pub func: *const c_char,
    pub err_msg: *const c_char,
    pub exitcode: c_int,
}

/// `Py_tss_t` (`Include/pythread.h`).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct Py_tss_t {
    pub _is_initialized: c_int,
    pub _key: c_uint,
}

// `tp_flags` bits (Include/object.h).
pub const Py_TPFLAGS_READY: c_ulong = 1 << 12;
pub const Py_TPFLAGS_BASETYPE: c_ulong = 1 << 10;
pub const Py_TPFLAGS_LONG_SUBCLASS: c_ulong = 1 << 24;
pub const Py_TPFLAGS_LIST_SUBCLASS: c_ulong = 1 << 25;
pub const Py_TPFLAGS_TUPLE_SUBCLASS: c_ulong = 1 << 26;
pub const Py_TPFLAGS_BYTES_SUBCLASS: c_ulong = 1 << 27;
pub const Py_TPFLAGS_UNICODE_SUBCLASS: c_ulong = 1 << 28;
pub const Py_TPFLAGS_DICT_SUBCLASS: c_ulong = 1 << 29;
pub const Py_TPFLAGS_BASE_EXC_SUBCLASS: c_ulong = 1 << 30;
pub const Py_TPFLAGS_TYPE_SUBCLASS: c_ulong = 1 << 31;

const _: () = {
    assert!(size_of::<PyObject>() == 16);
    assert!(size_of::<PyVarObject>() == 24);
    assert!(size_of::<PyTypeObject>() == 408);
    assert!(core::mem::offset_of!(PyTypeObject, tp_flags) == 168);
    assert!(core::mem::offset_of!(PyTypeObject, tp_base) == 256);
    assert!(size_of::<PyStatus>() == 32);
    assert!(size_of::<PyLongObject1>() == 32);
};
