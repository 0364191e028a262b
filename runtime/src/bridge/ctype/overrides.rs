//! Python subclasses of C types, as C sees them: the subclass's type object gets its own
//! method suites, and each special method the Python classes above the C base define
//! (`__add__`, `__repr__`, `__len__`, ...) becomes a slot that calls through the
//! interpreter, as CPython's `slot_nb_add` and friends do. So C code reading
//! `Py_TYPE(o)->tp_as_number->nb_add` on an instance of a subclass that overrides
//! `__add__` runs the override (DESIGN.md, decision 7); slots the subclass does not
//! override stay the C base's.

use core::ffi::{c_int, c_void};

use rustpython_vm::builtins::{PyDict, PyTuple, PyTypeRef};
use rustpython_vm::function::{FuncArgs, KwArgs};
use rustpython_vm::types::PyComparisonOp;
use rustpython_vm::{AsObject, PyObjectRef, PyResult, VirtualMachine};

use super::*;
use crate::bridge::errors::with_vm;
use crate::bridge::object::{from_c, to_c};

/// (offset of the `tp_as_*` field, offset of the suite in a `PyHeapTypeObject`, size).
const SUITES: [(usize, usize, usize); 5] =
    [(80, AS_ASYNC, 32), (96, AS_NUMBER, 288), (112, AS_MAPPING, 24), (104, AS_SEQUENCE, 80), (160, AS_BUFFER, 16)];

const NB: Option<usize> = Some(96);
const SQ: Option<usize> = Some(104);
const MP: Option<usize> = Some(112);

/// Gives `tp` (a copy of its C base's type object, in a `PyHeapTypeObject`-sized block)
/// its own suites, then the slots for the special methods `class` defines in Python.
///
/// # Safety
/// `tp` is such a block; `base` the live C base type it was copied from.
pub(super) unsafe fn install(vm: &VirtualMachine, class: &PyTypeRef, tp: *mut PyTypeObject) {
    let block = tp.cast::<u8>();
    // SAFETY: see the function's contract; a base suite has the size its kind has.
    unsafe {
        for (field, at, size) in SUITES {
            let own = block.add(at);
            let base_suite = block.add(field).cast::<*mut u8>().read();
            if !base_suite.is_null() {
                core::ptr::copy_nonoverlapping(base_suite, own, size);
            }
            block.add(field).cast::<*mut u8>().write(own);
        }
    }
    for name in python_dunders(vm, class) {
        for &(suite, offset, f) in slots_for(&name) {
            // SAFETY: the suites now live in `tp`'s own block; offsets are within them.
            unsafe {
                let base = match suite {
                    None => block,
                    Some(field) => block.add(field).cast::<*mut u8>().read(),
                };
                base.add(offset).cast::<*mut c_void>().write(f);
            }
        }
    }
}

/// Names of the special methods defined by the Python classes of `class`'s MRO that come
/// before its first C type.
fn python_dunders(vm: &VirtualMachine, class: &PyTypeRef) -> Vec<String> {
    let mut names = Vec::new();
    for c in class.mro_map_collect(|c| c.to_owned()) {
        let obj: PyObjectRef = c.clone().into();
        if let Some(p) = crate::bridge::object::proxy_of(&obj).filter(|p| is_c_type(p.cast())) {
            // The C type's own slots stay, except those a COEXIST method took over.
            for name in coexisting(p.cast()) {
                if !names.contains(&name) {
                    names.push(name);
                }
            }
            break;
        }
        let _ = vm;
        for key in c.attributes.read().keys() {
            let k = key.as_str();
            if k.starts_with("__") && k.ends_with("__") && !names.iter().any(|n| n == k) {
                names.push(k.to_owned());
            }
        }
    }
    names
}

/// The slots a special method stands for: (suite field or None for the type itself,
/// offset, slot function).
fn slots_for(name: &str) -> &'static [(Option<usize>, usize, *mut c_void)] {
    macro_rules! s {
        ($($suite:expr, $offset:expr, $f:expr);*) => {{
            const N: usize = [$($offset),*].len();
            static TABLE: SyncSlots<N> = SyncSlots([$(($suite, $offset, $f as *mut c_void)),*]);
            &TABLE.0
        }};
    }
    match name {
        "__add__" | "__radd__" => s!(NB, 0, nb_add as Binary),
        "__sub__" | "__rsub__" => s!(NB, 8, nb_subtract as Binary),
        "__mul__" | "__rmul__" => s!(NB, 16, nb_multiply as Binary),
        "__mod__" | "__rmod__" => s!(NB, 24, nb_remainder as Binary),
        "__neg__" => s!(NB, 48, nb_negative as Unary),
        "__bool__" => s!(NB, 72, nb_bool as Inquiry),
        "__int__" => s!(NB, 128, nb_int as Unary),
        "__float__" => s!(NB, 144, nb_float as Unary),
        "__floordiv__" | "__rfloordiv__" => s!(NB, 232, nb_floor_divide as Binary),
        "__truediv__" | "__rtruediv__" => s!(NB, 240, nb_true_divide as Binary),
        "__index__" => s!(NB, 264, nb_index as Unary),
        "__repr__" => s!(None, 88, tp_repr as Unary),
        "__str__" => s!(None, 136, tp_str as Unary),
        "__hash__" => s!(None, 120, tp_hash as HashFn),
        "__call__" => s!(None, 128, tp_call as Ternary),
        "__iter__" => s!(None, 216, tp_iter as Unary),
        "__next__" => s!(None, 224, tp_iternext as Unary),
        "__eq__" | "__ne__" | "__lt__" | "__le__" | "__gt__" | "__ge__" => s!(None, 200, tp_richcompare as RichCmp),
        "__len__" => s!(SQ, 0, sq_length as LenFn; MP, 0, sq_length as LenFn),
        "__getitem__" => s!(MP, 8, mp_subscript as Binary; SQ, 24, sq_item as SsizeArg),
        "__contains__" => s!(SQ, 56, sq_contains as ObjObj),
        _ => &[],
    }
}

/// A static table of slot functions (plain code addresses, shared by every thread).
struct SyncSlots<const N: usize>([(Option<usize>, usize, *mut c_void); N]);

// SAFETY: the table holds addresses of functions, never written after initialisation.
unsafe impl<const N: usize> Sync for SyncSlots<N> {}

/// Runs a slot's body with the interpreter: an exception becomes the pending C error and
/// the slot returns NULL.
fn object_slot(f: impl FnOnce(&VirtualMachine) -> PyResult) -> *mut PyObject {
    with_vm(NULL, |vm| Ok(to_c(vm, &f(vm)?)))
}

/// # Safety
/// `p` is a live object (C passes live objects to slots).
unsafe fn obj(vm: &VirtualMachine, p: *mut PyObject) -> PyObjectRef {
    // SAFETY: see the function's contract.
    unsafe { from_c(vm, p) }
}

macro_rules! binary_slot {
    ($name:ident, $op:ident) => {
        /// A number slot calling the Python special method through the interpreter.
        unsafe extern "C" fn $name(a: *mut PyObject, b: *mut PyObject) -> *mut PyObject {
            // SAFETY: C passes live objects to a slot.
            object_slot(|vm| unsafe { vm.$op(&obj(vm, a), &obj(vm, b)) })
        }
    };
}

binary_slot!(nb_add, _add);
binary_slot!(nb_subtract, _sub);
binary_slot!(nb_multiply, _mul);
binary_slot!(nb_remainder, _mod);
binary_slot!(nb_floor_divide, _floordiv);
binary_slot!(nb_true_divide, _truediv);

unsafe extern "C" fn nb_negative(a: *mut PyObject) -> *mut PyObject {
    // SAFETY: C passes live objects to a slot.
    object_slot(|vm| unsafe { vm._neg(&obj(vm, a)) })
}

unsafe extern "C" fn nb_bool(a: *mut PyObject) -> c_int {
    // SAFETY: C passes live objects to a slot.
    with_vm(-1, |vm| Ok(unsafe { obj(vm, a) }.is_true(vm)?.into()))
}

unsafe extern "C" fn nb_int(a: *mut PyObject) -> *mut PyObject {
    // SAFETY: C passes live objects to a slot.
    object_slot(|vm| vm.call_method(&*unsafe { obj(vm, a) }, "__int__", ()))
}

unsafe extern "C" fn nb_float(a: *mut PyObject) -> *mut PyObject {
    // SAFETY: C passes live objects to a slot.
    object_slot(|vm| vm.call_method(&*unsafe { obj(vm, a) }, "__float__", ()))
}

unsafe extern "C" fn nb_index(a: *mut PyObject) -> *mut PyObject {
    // SAFETY: C passes live objects to a slot.
    object_slot(|vm| Ok(unsafe { obj(vm, a) }.try_index(vm)?.into()))
}

unsafe extern "C" fn tp_repr(a: *mut PyObject) -> *mut PyObject {
    // SAFETY: C passes live objects to a slot.
    object_slot(|vm| Ok(unsafe { obj(vm, a) }.repr(vm)?.into()))
}

unsafe extern "C" fn tp_str(a: *mut PyObject) -> *mut PyObject {
    // SAFETY: C passes live objects to a slot.
    object_slot(|vm| Ok(unsafe { obj(vm, a) }.str(vm)?.into()))
}

unsafe extern "C" fn tp_hash(a: *mut PyObject) -> isize {
    // SAFETY: C passes live objects to a slot.
    with_vm(-1, |vm| Ok(unsafe { obj(vm, a) }.hash(vm)? as isize))
}

unsafe extern "C" fn tp_call(a: *mut PyObject, args: *mut PyObject, kwargs: *mut PyObject) -> *mut PyObject {
    object_slot(|vm| {
        // SAFETY: C passes live objects to a slot: a tuple, and a dict or NULL.
        let (callable, args) = unsafe { (obj(vm, a), obj(vm, args)) };
        let args =
            args.downcast::<PyTuple>().map_err(|_| vm.new_type_error("argument list must be a tuple".to_owned()))?;
        let mut pairs = Vec::new();
        if !kwargs.is_null() {
            // SAFETY: as above.
            let d = unsafe { obj(vm, kwargs) };
            let d =
                d.downcast::<PyDict>().map_err(|_| vm.new_type_error("keyword arguments must be a dict".to_owned()))?;
            for (k, v) in &d {
                pairs.push((k.str(vm)?.to_string(), v));
            }
        }
        let kw: KwArgs = pairs.into_iter().collect();
        callable.call(FuncArgs::new(args.to_vec(), kw), vm)
    })
}

unsafe extern "C" fn tp_iter(a: *mut PyObject) -> *mut PyObject {
    // SAFETY: C passes live objects to a slot.
    object_slot(|vm| Ok(unsafe { obj(vm, a) }.get_iter(vm)?.into()))
}

/// `tp_iternext`: NULL without an error when the iterator is exhausted.
unsafe extern "C" fn tp_iternext(a: *mut PyObject) -> *mut PyObject {
    with_vm(NULL, |vm| {
        // SAFETY: C passes live objects to a slot.
        match vm.call_method(&*unsafe { obj(vm, a) }, "__next__", ()) {
            Ok(v) => Ok(to_c(vm, &v)),
            Err(e) if e.fast_isinstance(vm.ctx.exceptions.stop_iteration) => Ok(NULL),
            Err(e) => Err(e),
        }
    })
}

unsafe extern "C" fn tp_richcompare(a: *mut PyObject, b: *mut PyObject, op: c_int) -> *mut PyObject {
    object_slot(|vm| {
        let op = match op {
            0 => PyComparisonOp::Lt,
            1 => PyComparisonOp::Le,
            2 => PyComparisonOp::Eq,
            3 => PyComparisonOp::Ne,
            4 => PyComparisonOp::Gt,
            5 => PyComparisonOp::Ge,
            _ => return Err(crate::bridge::errors::bad_internal_call(vm)),
        };
        // SAFETY: C passes live objects to a slot.
        let (a, b) = unsafe { (obj(vm, a), obj(vm, b)) };
        a.rich_compare(b, op, vm)
    })
}

/// `__len__` looked up and called, as CPython's `slot_sq_length` (not the interpreter's
/// `len()`, whose slot may be this type's C slot again).
unsafe extern "C" fn sq_length(a: *mut PyObject) -> isize {
    with_vm(-1, |vm| {
        // SAFETY: C passes live objects to a slot.
        let n = vm.call_method(&*unsafe { obj(vm, a) }, "__len__", ())?;
        let n = n.try_index(vm)?.try_to_primitive::<isize>(vm)?;
        if n < 0 {
            return Err(vm.new_value_error("__len__() should return >= 0".to_owned()));
        }
        Ok(n)
    })
}

unsafe extern "C" fn mp_subscript(a: *mut PyObject, key: *mut PyObject) -> *mut PyObject {
    // SAFETY: C passes live objects to a slot.
    object_slot(|vm| vm.call_method(&*unsafe { obj(vm, a) }, "__getitem__", (unsafe { obj(vm, key) },)))
}

unsafe extern "C" fn sq_item(a: *mut PyObject, i: isize) -> *mut PyObject {
    // SAFETY: C passes live objects to a slot.
    object_slot(|vm| vm.call_method(&*unsafe { obj(vm, a) }, "__getitem__", (i,)))
}

unsafe extern "C" fn sq_contains(a: *mut PyObject, value: *mut PyObject) -> c_int {
    with_vm(-1, |vm| {
        // SAFETY: C passes live objects to a slot.
        let r = vm.call_method(&*unsafe { obj(vm, a) }, "__contains__", (unsafe { obj(vm, value) },))?;
        Ok(r.is_true(vm)?.into())
    })
}
