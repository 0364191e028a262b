//! The exported data symbols (`PyLong_Type`, `PyExc_TypeError`, `_Py_NoneStruct`, ...)
//! and their start-up values.
//!
//! The generator gives each symbol zeroed, writable storage of CPython's size (3.11's
//! `Py_INCREF(Py_None)` writes `ob_refcnt`, so read-only memory would fault). `init` then
//! writes the parts C reads without calling us: `ob_refcnt`, `ob_type`, `tp_name` and
//! the `tp_flags` subclass bits that `PyLong_Check` and friends test.

use std::collections::HashMap;
use std::ffi::CStr;
use std::sync::OnceLock;

use dxpy_codegen::spec::DataKind;

use crate::bridge::layout::*;
use crate::generated::data;

/// Zeroed storage with the size of a CPython data symbol, aligned for any C object.
#[repr(C, align(16))]
pub struct Storage<const N: usize>(pub [u8; N]);

impl<const N: usize> Storage<N> {
    pub const ZERO: Self = Storage([0; N]);
}

/// One exported data symbol, as the generator lists them.
pub struct DataSymbol {
    pub name: &'static str,
    pub kind: DataKind,
    pub size: u64,
    pub addr: *mut u8,
}

/// Reference count given to static objects: large enough that no sequence of
/// unbalanced `Py_DECREF`s from an extension ever frees them.
const STATIC_REFCNT: Py_ssize_t = 1 << 40;

/// `tp_name` and subclass flag of the builtin types C code checks most. Types not listed
/// keep their C symbol name until the bridge mirrors them from the interpreter.
const TYPE_NAMES: &[(&str, &CStr, core::ffi::c_ulong)] = &[
    ("PyType_Type", c"type", Py_TPFLAGS_TYPE_SUBCLASS),
    ("PyBaseObject_Type", c"object", 0),
    ("PyLong_Type", c"int", Py_TPFLAGS_LONG_SUBCLASS),
    ("PyBool_Type", c"bool", Py_TPFLAGS_LONG_SUBCLASS),
    ("PyFloat_Type", c"float", 0),
    ("PyComplex_Type", c"complex", 0),
    ("PyUnicode_Type", c"str", Py_TPFLAGS_UNICODE_SUBCLASS),
    ("PyBytes_Type", c"bytes", Py_TPFLAGS_BYTES_SUBCLASS),
    ("PyByteArray_Type", c"bytearray", 0),
    ("PyTuple_Type", c"tuple", Py_TPFLAGS_TUPLE_SUBCLASS),
    ("PyList_Type", c"list", Py_TPFLAGS_LIST_SUBCLASS),
    ("PyDict_Type", c"dict", Py_TPFLAGS_DICT_SUBCLASS),
    ("PySet_Type", c"set", 0),
    ("PyFrozenSet_Type", c"frozenset", 0),
    ("PySlice_Type", c"slice", 0),
    ("PyRange_Type", c"range", 0),
    ("PyModule_Type", c"module", 0),
    ("PyCapsule_Type", c"PyCapsule", 0),
    ("PyMemoryView_Type", c"memoryview", 0),
    ("PyProperty_Type", c"property", 0),
    ("PyCFunction_Type", c"builtin_function_or_method", 0),
    ("_PyNone_Type", c"NoneType", 0),
    ("_PyNotImplemented_Type", c"NotImplementedType", 0),
    ("PyEllipsis_Type", c"ellipsis", 0),
];

struct Addrs(HashMap<&'static str, usize>);

static ADDRS: OnceLock<Addrs> = OnceLock::new();

/// Fills every exported data symbol. Idempotent; the first call does the work.
pub fn init() {
    ADDRS.get_or_init(|| {
        let symbols = data::symbols();
        let type_type = (&raw mut data::PyType_Type).cast::<PyTypeObject>();
        for sym in &symbols {
            // SAFETY: `addr` is the generated storage of `sym`, of `sym.size` bytes and
            // 16-byte aligned; nothing else touches it before `init` returns.
            unsafe {
                match sym.kind {
                    DataKind::TypeObject => init_type(sym, type_type),
                    DataKind::Exception if !EXCEPTION_ALIASES.iter().any(|(a, _)| *a == sym.name) => {
                        init_exception(sym, type_type)
                    }
                    DataKind::Singleton => init_singleton(sym),
                    DataKind::Exception | DataKind::Other => {}
                }
            }
        }
        for (alias, target) in EXCEPTION_ALIASES {
            let find = |name: &str| symbols.iter().find(|s| s.name == name).map(|s| s.addr.cast::<*mut PyObject>());
            if let (Some(alias), Some(target)) = (find(alias), find(target)) {
                // SAFETY: both are exception pointer symbols; the target was filled above.
                unsafe { alias.write(target.read()) };
            }
        }
        Addrs(symbols.iter().map(|s| (s.name, s.addr as usize)).collect())
    });
}

/// SAFETY: `sym.addr` points at `sym.size >= 408` writable bytes.
unsafe fn init_type(sym: &DataSymbol, type_type: *mut PyTypeObject) {
    assert!(sym.size as usize >= size_of::<PyTypeObject>(), "{} is smaller than PyTypeObject", sym.name);
    let t = sym.addr.cast::<PyTypeObject>();
    let (name, flags) = TYPE_NAMES
        .iter()
        .find(|(n, ..)| *n == sym.name)
        .map(|(_, name, flags)| (name.as_ptr(), *flags))
        .unwrap_or((leak_cstr(sym.name), 0));
    // SAFETY: see the function's contract.
    unsafe {
        (*t).ob_base.ob_base.ob_refcnt = STATIC_REFCNT;
        (*t).ob_base.ob_base.ob_type = type_type;
        (*t).tp_name = name;
        (*t).tp_flags = Py_TPFLAGS_READY | flags;
        // Every instance C sees is a bridge proxy.
        (*t).tp_dealloc = Some(crate::bridge::object::proxy_dealloc);
    }
}

/// Exception pointers that are the same object in CPython 3.11 (`PyExc_IOError ==
/// PyExc_OSError`), so C's pointer comparisons hold.
const EXCEPTION_ALIASES: [(&str, &str); 2] =
    [("PyExc_EnvironmentError", "PyExc_OSError"), ("PyExc_IOError", "PyExc_OSError")];

/// SAFETY: `sym.addr` points at 8 writable bytes holding a `PyObject *`.
unsafe fn init_exception(sym: &DataSymbol, type_type: *mut PyTypeObject) {
    // CPython's exception type objects are not exported, only pointers to them; the
    // objects themselves are allocated here and live for the whole process.
    let short = sym.name.trim_start_matches("PyExc_");
    // SAFETY: PyTypeObject is plain data; all-zero is its "no slots" state.
    let t: &'static mut PyTypeObject = Box::leak(Box::new(unsafe { core::mem::zeroed() }));
    t.ob_base.ob_base.ob_refcnt = STATIC_REFCNT;
    t.ob_base.ob_base.ob_type = type_type;
    t.tp_name = leak_cstr(short);
    t.tp_flags = Py_TPFLAGS_READY | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_BASE_EXC_SUBCLASS;
    t.tp_dealloc = Some(crate::bridge::object::proxy_dealloc);
    // SAFETY: see the function's contract.
    unsafe { sym.addr.cast::<*mut PyObject>().write((t as *mut PyTypeObject).cast()) };
}

/// SAFETY: `sym.addr` points at `sym.size` writable bytes of the singleton's storage.
unsafe fn init_singleton(sym: &DataSymbol) {
    let ty: *mut PyTypeObject = match sym.name {
        "_Py_NoneStruct" => (&raw mut data::_PyNone_Type).cast(),
        "_Py_NotImplementedStruct" => (&raw mut data::_PyNotImplemented_Type).cast(),
        "_Py_EllipsisObject" => (&raw mut data::PyEllipsis_Type).cast(),
        "_Py_TrueStruct" | "_Py_FalseStruct" => (&raw mut data::PyBool_Type).cast(),
        _ => return,
    };
    let o = sym.addr.cast::<PyObject>();
    // SAFETY: see the function's contract; bools are `struct _longobject` with one digit.
    unsafe {
        (*o).ob_refcnt = STATIC_REFCNT;
        (*o).ob_type = ty;
        if sym.name == "_Py_TrueStruct" {
            let l = sym.addr.cast::<PyLongObject1>();
            (*l).ob_base.ob_size = 1;
            (*l).ob_digit[0] = 1;
        }
    }
}

fn leak_cstr(s: &str) -> *const core::ffi::c_char {
    Box::leak(std::ffi::CString::new(s).expect("symbol names have no NUL").into_boxed_c_str()).as_ptr()
}

/// Address of an exported data symbol, by name.
pub fn address(name: &str) -> Option<*mut u8> {
    init();
    ADDRS.get().and_then(|a| a.0.get(name)).map(|&a| a as *mut u8)
}

/// Names of the exported exception pointers (`PyExc_TypeError`, ...).
pub fn exception_names() -> Vec<&'static str> {
    data::symbols().iter().filter(|s| s.kind == DataKind::Exception).map(|s| s.name).collect()
}

/// The exception type a `PyExc_*` symbol points at (what C reads through it).
pub fn exception(name: &str) -> *mut PyObject {
    let addr = address(name).unwrap_or_else(|| panic!("{name} is not an exported data symbol"));
    // SAFETY: exception symbols hold a `PyObject *` written by `init`.
    unsafe { addr.cast::<*mut PyObject>().read() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn singletons_and_types_have_cpython_headers() {
        init();
        let none = address("_Py_NoneStruct").unwrap().cast::<PyObject>();
        let t = address("_Py_TrueStruct").unwrap().cast::<PyLongObject1>();
        let long_type = address("PyLong_Type").unwrap().cast::<PyTypeObject>();
        // SAFETY: all three were filled by `init`.
        unsafe {
            assert_eq!((*none).ob_type.cast::<u8>(), address("_PyNone_Type").unwrap());
            assert_eq!((*t).ob_digit[0], 1);
            assert_eq!((*t).ob_base.ob_size, 1);
            assert_eq!(CStr::from_ptr((*long_type).tp_name), c"int");
            assert_ne!((*long_type).tp_flags & Py_TPFLAGS_LONG_SUBCLASS, 0);
            let exc = exception("PyExc_TypeError").cast::<PyTypeObject>();
            assert_eq!(CStr::from_ptr((*exc).tp_name), c"TypeError");
            assert_ne!((*exc).tp_flags & Py_TPFLAGS_BASE_EXC_SUBCLASS, 0);
            assert_eq!(exception("PyExc_IOError"), exception("PyExc_OSError"));
            assert_eq!(exception("PyExc_EnvironmentError"), exception("PyExc_OSError"));
        }
    }
}
