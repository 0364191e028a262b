//! `METH_COEXIST` methods named after a slot (`__len__`, `__getitem__`, `__contains__`):
//! the method takes the class attribute, and the interpreter's own slot, which would look
//! the dunder up and find the method, is pointed at the C slot instead, so `len(v)` calls
//! `sq_length` while `v.__len__()` calls the method, as in CPython. A Python subclass's
//! C type (overrides.rs) calls the method, as CPython's slot update finds it in the MRO.

use core::ffi::c_void;

use rustpython_vm::builtins::PyType;
use rustpython_vm::protocol::{PyMapping, PySequence};
use rustpython_vm::{Py, PyObject, PyResult, VirtualMachine};

use super::*;
use crate::bridge::call::result_of;

/// Points the class's slots for the COEXIST method `name` at the C slots.
pub(super) fn keep_c_slots(class: &Py<PyType>, name: &str) {
    let (sq, mp) = (&class.slots.as_sequence, &class.slots.as_mapping);
    match name {
        "__len__" => {
            sq.length.store(Some(|s: PySequence<'_>, vm: &VirtualMachine| length(vm, s.obj)));
            mp.length.store(Some(|m: PyMapping<'_>, vm: &VirtualMachine| length(vm, m.obj)));
        }
        "__getitem__" => {
            mp.subscript.store(Some(subscript));
            sq.item.store(Some(item));
        }
        "__contains__" => sq.contains.store(Some(contains)),
        _ => {}
    }
}

/// The slot at `offset` of the suite at `field` of `obj`'s C type (NULL if none).
fn c_slot(vm: &VirtualMachine, obj: &PyObject, field: usize, offset: usize) -> *mut c_void {
    let tp = crate::bridge::object::type_object(vm, &obj.class().to_owned());
    // SAFETY: type objects are live; their suites are NULL or live tables.
    unsafe { slot_at(suite(tp, field).cast(), offset) }
}

fn no_slot(vm: &VirtualMachine, obj: &PyObject) -> rustpython_vm::builtins::PyBaseExceptionRef {
    vm.new_type_error(format!("'{}' object does not support this operation", tp_name(vm, obj.class())))
}

fn length(vm: &VirtualMachine, obj: &PyObject) -> PyResult<usize> {
    let mut f = c_slot(vm, obj, 104, 0);
    if f.is_null() {
        f = c_slot(vm, obj, 112, 0);
    }
    if f.is_null() {
        return Err(no_slot(vm, obj));
    }
    // SAFETY: a `lenfunc`.
    let f = unsafe { core::mem::transmute::<*mut c_void, LenFn>(f) };
    // SAFETY: the slot has this C signature; the pointers are live references for the call.
    let n = with_c(vm, &[&obj.to_owned()], |p| unsafe { f(p[0]) });
    Ok(int_result(vm, n)?.max(0) as usize)
}

fn subscript(m: PyMapping<'_>, key: &PyObject, vm: &VirtualMachine) -> PyResult {
    let f = c_slot(vm, m.obj, 112, 8);
    if f.is_null() {
        let i = key.try_index(vm)?.try_to_primitive::<isize>(vm)?;
        return item(PySequence { obj: m.obj }, i, vm);
    }
    // SAFETY: a `binaryfunc`.
    let f = unsafe { core::mem::transmute::<*mut c_void, Binary>(f) };
    // SAFETY: the slot has this C signature; the pointers are live references for the call.
    let r = with_c(vm, &[&m.obj.to_owned(), &key.to_owned()], |p| unsafe { f(p[0], p[1]) });
    // SAFETY: the slot returned NULL or a new reference.
    unsafe { result_of(vm, r) }
}

fn item(s: PySequence<'_>, i: isize, vm: &VirtualMachine) -> PyResult {
    let f = c_slot(vm, s.obj, 104, 24);
    if f.is_null() {
        return Err(no_slot(vm, s.obj));
    }
    // SAFETY: a `ssizeargfunc`.
    let f = unsafe { core::mem::transmute::<*mut c_void, SsizeArg>(f) };
    // SAFETY: the slot has this C signature; the pointers are live references for the call.
    let r = with_c(vm, &[&s.obj.to_owned()], |p| unsafe { f(p[0], i) });
    // SAFETY: the slot returned NULL or a new reference.
    unsafe { result_of(vm, r) }
}

fn contains(s: PySequence<'_>, needle: &PyObject, vm: &VirtualMachine) -> PyResult<bool> {
    let f = c_slot(vm, s.obj, 104, 56);
    if f.is_null() {
        return Err(no_slot(vm, s.obj));
    }
    // SAFETY: an `objobjproc`.
    let f = unsafe { core::mem::transmute::<*mut c_void, ObjObj>(f) };
    // SAFETY: the slot has this C signature; the pointers are live references for the call.
    let r = with_c(vm, &[&s.obj.to_owned(), &needle.to_owned()], |p| unsafe { f(p[0], p[1]) });
    Ok(int_result(vm, r as isize)? != 0)
}
