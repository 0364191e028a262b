//! The type-object part of `Include/object.h` (CPython's `Objects/typeobject.c`): types
//! from specs, `PyType_Ready` for static types, slot lookup and generic allocation.
//! The class side is `bridge/ctype.rs`. The spec puts these functions in object.yaml, so
//! the `#[capi]` entry points are at the end of object.rs, calling these.

use core::ffi::{c_char, c_int, c_uint, c_ulong, c_void};

use rustpython_vm::builtins::PyTuple;
use rustpython_vm::{AsObject, PyObjectRef, PyResult, VirtualMachine};

use crate::bridge::ctype::{self, AS_ASYNC, AS_BUFFER, AS_MAPPING, AS_NUMBER, AS_SEQUENCE, HEAP_TYPE_SIZE, HT_MODULE};
use crate::bridge::errors::bad_internal_call;
use crate::bridge::layout::*;
use crate::bridge::object::{from_c, to_c};
use crate::capi::object::Py_IncRef;

/// `PyType_Spec`.
#[repr(C)]
struct PyTypeSpec {
    name: *const c_char,
    basicsize: c_int,
    itemsize: c_int,
    flags: c_uint,
    slots: *const PyTypeSlot,
}

/// `PyType_Slot`.
#[repr(C)]
struct PyTypeSlot {
    slot: c_int,
    pfunc: *mut c_void,
}

const PY_TP_BASE: c_int = 48;
const PY_TP_BASES: c_int = 49;
const PY_TP_DOC: c_int = 56;

/// Where slot `id` (typeslots.h) lives: `(suite field of PyTypeObject, or None for a
/// field of the type itself; byte offset)`, as CPython's `pyslot_offsets` table says.
pub(crate) fn slot_location(id: c_int) -> Option<(Option<usize>, usize)> {
    const NB: usize = 96;
    const SQ: usize = 104;
    const MP: usize = 112;
    const BF: usize = 160;
    const AM: usize = 80;
    let nb = |i: usize| (Some(NB), i * 8);
    let tp = |off: usize| (None, off);
    Some(match id {
        1 => (Some(BF), 0),
        2 => (Some(BF), 8),
        3 => (Some(MP), 16),
        4 => (Some(MP), 0),
        5 => (Some(MP), 8),
        6 => nb(8),
        7 => nb(0),
        8 => nb(13),
        9 => nb(9),
        10 => nb(4),
        11 => nb(18),
        12 => nb(29),
        13 => nb(33),
        14 => nb(19),
        15 => nb(26),
        16 => nb(31),
        17 => nb(24),
        18 => nb(21),
        19 => nb(28),
        20 => nb(23),
        21 => nb(22),
        22 => nb(25),
        23 => nb(20),
        24 => nb(32),
        25 => nb(27),
        26 => nb(16),
        27 => nb(10),
        28 => nb(11),
        29 => nb(2),
        30 => nb(6),
        31 => nb(15),
        32 => nb(7),
        33 => nb(5),
        34 => nb(3),
        35 => nb(12),
        36 => nb(1),
        37 => nb(30),
        38 => nb(14),
        39 => (Some(SQ), 40),
        40 => (Some(SQ), 8),
        41 => (Some(SQ), 56),
        42 => (Some(SQ), 64),
        43 => (Some(SQ), 72),
        44 => (Some(SQ), 24),
        45 => (Some(SQ), 0),
        46 => (Some(SQ), 16),
        47 => tp(304),
        48 => tp(256),
        49 => tp(336),
        50 => tp(128),
        51 => tp(192),
        52 => tp(48),
        53 => tp(376),
        54 => tp(272),
        55 => tp(280),
        56 => tp(176),
        57 => tp(64),
        58 => tp(144),
        59 => tp(120),
        60 => tp(296),
        61 => tp(328),
        62 => tp(216),
        63 => tp(224),
        64 => tp(232),
        65 => tp(312),
        66 => tp(88),
        67 => tp(200),
        68 => tp(72),
        69 => tp(152),
        70 => tp(136),
        71 => tp(184),
        72 => tp(240),
        73 => tp(248),
        74 => tp(320),
        75 => nb(34),
        76 => nb(35),
        77 => (Some(AM), 0),
        78 => (Some(AM), 8),
        79 => (Some(AM), 16),
        80 => tp(392),
        81 => (Some(AM), 24),
        _ => return None,
    })
}

/// Where a heap type keeps each method suite (its `PyHeapTypeObject`).
const SUITES: [(usize, usize); 5] =
    [(80, AS_ASYNC), (96, AS_NUMBER), (112, AS_MAPPING), (104, AS_SEQUENCE), (160, AS_BUFFER)];

/// `PyType_FromModuleAndSpec` and friends: a heap type object filled from `spec`, and its
/// interpreter class.
///
/// # Safety
/// `spec` is a valid spec; `module` and `bases` are NULL or live objects.
pub(crate) unsafe fn from_spec(
    vm: &VirtualMachine,
    module: *mut PyObject,
    spec: *const c_void,
    bases: *mut PyObject,
) -> PyResult<*mut PyObject> {
    // SAFETY: see the function's contract.
    let spec = unsafe { &*spec.cast::<PyTypeSpec>() };
    // SAFETY: as above.
    let Some(name) = (unsafe { crate::capi::c_text(spec.name) }) else {
        return Err(vm.new_system_error("Type spec does not define the name field.".to_owned()));
    };
    let block: &'static mut [u64; HEAP_TYPE_SIZE / 8] = Box::leak(Box::new([0; HEAP_TYPE_SIZE / 8]));
    let base = block.as_mut_ptr().cast::<u8>();
    let tp = base.cast::<PyTypeObject>();
    // SAFETY: `tp` is a fresh, zeroed PyHeapTypeObject-sized block.
    unsafe {
        let t = &mut *tp;
        t.ob_base.ob_base.ob_refcnt = 1 << 40;
        t.ob_base.ob_base.ob_type = crate::bridge::statics::address("PyType_Type").unwrap_or_default().cast();
        t.tp_name = ctype::leak_cstr(&name);
        t.tp_basicsize = spec.basicsize as isize;
        t.tp_itemsize = spec.itemsize as isize;
        t.tp_flags = spec.flags as c_ulong | ctype::Py_TPFLAGS_HEAPTYPE;
        for (field, at) in SUITES {
            base.add(field).cast::<*mut u8>().write(base.add(at));
        }
        if !module.is_null() {
            Py_IncRef(module);
            base.add(HT_MODULE).cast::<*mut PyObject>().write(module);
        }
        let mut s = spec.slots;
        while !s.is_null() && (*s).slot != 0 {
            let (id, value) = ((*s).slot, (*s).pfunc);
            s = s.add(1);
            match id {
                PY_TP_BASE => t.tp_base = value.cast(),
                PY_TP_BASES => t.tp_bases = value.cast(),
                PY_TP_DOC => {
                    let doc = crate::capi::c_text(value.cast()).map(|d| ctype::leak_cstr(&d));
                    t.tp_doc = doc.unwrap_or(core::ptr::null());
                }
                _ => {
                    let Some((suite, offset)) = slot_location(id) else {
                        return Err(vm.new_runtime_error("invalid slot offset".to_owned()));
                    };
                    let at = match suite {
                        None => offset,
                        Some(field) => SUITES.iter().find(|(f, _)| *f == field).map_or(0, |(_, at)| at + offset),
                    };
                    base.add(at).cast::<*mut c_void>().write(value);
                }
            }
        }
        if !bases.is_null() {
            let b = from_c(vm, bases);
            if let Some(tuple) = b.downcast_ref::<PyTuple>() {
                t.tp_bases = bases;
                Py_IncRef(bases);
                if let Some(first) = tuple.first() {
                    t.tp_base = to_c(vm, first).cast();
                }
            } else {
                t.tp_base = bases.cast();
            }
        }
        if !t.tp_bases.is_null() && t.tp_base.is_null() {
            let tuple = from_c(vm, t.tp_bases);
            if let Some(first) = tuple.downcast_ref::<PyTuple>().and_then(|t| t.first().cloned()) {
                t.tp_base = to_c(vm, &first).cast();
            }
        }
        ctype::make_class(vm, tp)?;
    }
    Ok(tp.cast())
}

/// # Safety
/// `tp` is a live type object.
pub(crate) unsafe fn ready(vm: &VirtualMachine, tp: *mut PyTypeObject) -> PyResult<()> {
    if tp.is_null() {
        return Err(bad_internal_call(vm));
    }
    if ctype::is_c_type(tp) || crate::bridge::object::is_static(tp.cast()) {
        return Ok(());
    }
    // SAFETY: see the function's contract.
    unsafe {
        if (*tp).tp_name.is_null() {
            return Err(vm.new_system_error("Type does not define the tp_name field.".to_owned()));
        }
        if (*tp).ob_base.ob_base.ob_type.is_null() {
            (*tp).ob_base.ob_base.ob_type = crate::bridge::statics::address("PyType_Type").unwrap_or_default().cast();
        }
        if (*tp).ob_base.ob_base.ob_refcnt < 1 << 30 {
            (*tp).ob_base.ob_base.ob_refcnt += 1 << 40;
        }
        let base = (*tp).tp_base;
        if !base.is_null() {
            ready(vm, base)?;
        }
        ctype::make_class(vm, tp)?;
    }
    Ok(())
}

/// # Safety
/// `tp` is a live type object.
pub(crate) unsafe fn name_of(tp: *mut PyTypeObject) -> String {
    // SAFETY: see the function's contract.
    unsafe { crate::capi::c_text((*tp).tp_name) }.unwrap_or_default()
}

/// # Safety
/// `tp` is a live type object.
pub(crate) unsafe fn module_of(vm: &VirtualMachine, tp: *mut PyTypeObject) -> PyResult<*mut PyObject> {
    // SAFETY: see the function's contract.
    unsafe {
        if (*tp).tp_flags & ctype::Py_TPFLAGS_HEAPTYPE == 0 {
            return Err(vm.new_type_error(format!("PyType_GetModule: Type '{}' is not a heap type", name_of(tp))));
        }
        let m = tp.cast::<u8>().add(HT_MODULE).cast::<*mut PyObject>().read();
        if m.is_null() {
            return Err(vm.new_type_error(format!("PyType_GetModule: Type '{}' has no associated module", name_of(tp))));
        }
        Ok(m)
    }
}

pub(crate) fn object_method(vm: &VirtualMachine, name: &str) -> PyResult<PyObjectRef> {
    vm.ctx.types.object_type.as_object().get_attr(vm.ctx.intern_str(name), vm)
}

/// CPython's `PyObject_GenericGetAttr` names the type by its full `tp_name`
/// (`'xxlimited.Xxo' object has no attribute 'x'`); the interpreter's own message (short
/// name) is rewritten to that, other attribute errors (from properties) are kept.
pub(crate) fn no_attribute(
    vm: &VirtualMachine,
    e: rustpython_vm::builtins::PyBaseExceptionRef,
    obj: &PyObjectRef,
    name: &PyObjectRef,
) -> rustpython_vm::builtins::PyBaseExceptionRef {
    if !e.fast_isinstance(vm.ctx.exceptions.attribute_error) {
        return e;
    }
    let short = format!(
        "'{}' object has no attribute '{}'",
        obj.class().name(),
        name.str(vm).map(|s| s.to_string()).unwrap_or_default()
    );
    let message = e.as_object().str(vm).map(|s| s.to_string()).unwrap_or_default();
    if message != short {
        return e;
    }
    let tp = crate::bridge::object::type_object(vm, &obj.class().to_owned());
    // SAFETY: type objects are live and their `tp_name` NUL-terminated.
    let full = unsafe { name_of(tp) };
    let exc = vm.new_attribute_error(format!(
        "'{full}' object has no attribute '{}'",
        name.str(vm).map(|s| s.to_string()).unwrap_or_default()
    ));
    let _ = exc.as_object().set_attr("name", name.clone(), vm);
    let _ = exc.as_object().set_attr("obj", obj.clone(), vm);
    exc
}
