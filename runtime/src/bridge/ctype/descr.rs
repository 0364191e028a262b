//! A C type's `tp_methods` (every calling convention, `METH_CLASS`, `METH_STATIC`,
//! `METH_COEXIST`, `METH_METHOD`), `tp_members` (structmember.h) and `tp_getset` as
//! descriptors of its class.

use core::ffi::{c_char, c_int, c_void};

use rustpython_vm::builtins::PyType;
use rustpython_vm::function::{FuncArgs, PySetterValue};
use rustpython_vm::{AsObject, Py, PyObjectRef, PyResult, VirtualMachine};

use super::*;
use crate::bridge::call::{self, PyMethodDef, result_of};
use crate::bridge::layout::*;
use crate::bridge::object::to_c;
use crate::bridge::vm as current;
use crate::capi::object::Py_DecRef;

type MethMethod =
    unsafe extern "C" fn(*mut PyObject, *mut PyTypeObject, *const *mut PyObject, isize, *mut PyObject) -> *mut PyObject;

/// Calls a `METH_METHOD | METH_FASTCALL | METH_KEYWORDS` method: `(self, defining_class,
/// args, nargs, kwnames)`, keyword values after the positional ones.
fn call_meth_method(
    vm: &VirtualMachine,
    f: MethMethod,
    tp: *mut PyTypeObject,
    zelf: *mut PyObject,
    args: FuncArgs,
) -> PyResult {
    let names: Vec<PyObjectRef> = args.kwargs.keys().map(|k| vm.ctx.new_str(k.as_str()).into()).collect();
    let mut all: Vec<PyObjectRef> = args.args.clone();
    all.extend(args.kwargs.values().cloned());
    let ps: Vec<*mut PyObject> = all.iter().map(|o| to_c(vm, o)).collect();
    let kwnames = if names.is_empty() { NULL } else { to_c(vm, &vm.ctx.new_tuple(names).into()) };
    // SAFETY: the method has this signature (its flags say so); the pointers are live.
    let r = current::enter(vm, || unsafe { f(zelf, tp, ps.as_ptr(), args.args.len() as isize, kwnames) });
    // SAFETY: releases the references made above; `r` is NULL or a new reference.
    unsafe {
        for p in ps {
            Py_DecRef(p);
        }
        Py_DecRef(kwnames);
        result_of(vm, r)
    }
}

const METH_VARARGS_KEYWORDS: c_int = call::METH_VARARGS | call::METH_KEYWORDS;
const METH_FASTCALL_KEYWORDS: c_int = call::METH_FASTCALL | call::METH_KEYWORDS;
type InitTernary = unsafe extern "C" fn(*mut PyObject, *mut PyObject, *mut PyObject) -> *mut PyObject;
type FastKw = unsafe extern "C" fn(*mut PyObject, *const *mut PyObject, isize, *mut PyObject) -> *mut PyObject;

/// Calls a `METH_FASTCALL | METH_KEYWORDS` function with keyword arguments: their values
/// after the positional ones, their names in a tuple.
fn call_fast_keywords(vm: &VirtualMachine, f: FastKw, zelf: *mut PyObject, args: FuncArgs) -> PyResult {
    let names: Vec<PyObjectRef> = args.kwargs.keys().map(|k| vm.ctx.new_str(k.as_str()).into()).collect();
    let mut all: Vec<PyObjectRef> = args.args.clone();
    all.extend(args.kwargs.values().cloned());
    let ps: Vec<*mut PyObject> = all.iter().map(|o| to_c(vm, o)).collect();
    let kwnames = to_c(vm, &vm.ctx.new_tuple(names).into());
    // SAFETY: the function has this signature (its flags say so); the pointers are live.
    let r = current::enter(vm, || unsafe { f(zelf, ps.as_ptr(), args.args.len() as isize, kwnames) });
    // SAFETY: releases the references made above; `r` is NULL or a new reference.
    unsafe {
        for p in ps {
            Py_DecRef(p);
        }
        Py_DecRef(kwnames);
        result_of(vm, r)
    }
}

/// Returns the names of `METH_COEXIST` methods that took a slot wrapper's place.
///
/// # Safety
/// `tp` is a live type whose `tp_methods` is NULL or a table ending with a NULL name.
pub(super) unsafe fn add_methods(
    vm: &VirtualMachine,
    class: &'static Py<PyType>,
    tp: *mut PyTypeObject,
    short: &str,
) -> PyResult<Vec<String>> {
    let mut coexisting = Vec::new();
    // SAFETY: see the function's contract.
    let mut def = unsafe { (*tp).tp_methods }.cast::<PyMethodDef>().cast_const();
    let tp_addr = tp as usize;
    // SAFETY: see the function's contract.
    while !def.is_null() && unsafe { !(*def).ml_name.is_null() } {
        // SAFETY: a live entry.
        let (name, meth, flags) =
            unsafe { (text((*def).ml_name).unwrap_or_default(), (*def).ml_meth as usize, (*def).ml_flags) };
        let qual: &'static str = leak_str(format!("{short}.{name}"));
        let exists = class.get_direct_attr(vm.ctx.intern_str(name.as_str())).is_some();
        // SAFETY: advancing within the table.
        def = unsafe { def.add(1) };
        if exists && flags & METH_COEXIST == 0 {
            continue;
        }
        let convention = flags & !(METH_CLASS | METH_STATIC | METH_COEXIST);
        let call_it = move |zelf: *mut PyObject, args: FuncArgs, vm: &VirtualMachine| -> PyResult {
            if convention & METH_METHOD != 0 {
                // SAFETY: METH_METHOD functions have this signature.
                let f = unsafe { core::mem::transmute::<usize, MethMethod>(meth) };
                return call_meth_method(vm, f, tp_addr as *mut PyTypeObject, zelf, args);
            }
            if !args.kwargs.is_empty() && convention == METH_VARARGS_KEYWORDS {
                // SAFETY: the function has the `PyCFunctionWithKeywords` signature.
                let f = unsafe { core::mem::transmute::<usize, InitTernary>(meth) };
                let (tuple, kwargs) = c_args(vm, &args);
                let r = current::enter(vm, || unsafe { f(zelf, tuple, kwargs) });
                // SAFETY: releases `c_args`'s references; `r` is NULL or a new reference.
                return unsafe {
                    Py_DecRef(tuple);
                    Py_DecRef(kwargs);
                    result_of(vm, r)
                };
            }
            if !args.kwargs.is_empty() && convention == METH_FASTCALL_KEYWORDS {
                // SAFETY: the same call as METH_METHOD's without the defining class.
                let f = unsafe { core::mem::transmute::<usize, FastKw>(meth) };
                return call_fast_keywords(vm, f, zelf, args);
            }
            // SAFETY: the function has the signature its flags declare.
            unsafe { call::call(vm, qual, meth as *mut c_void, convention, zelf, args) }
        };
        let value: PyObjectRef = if flags & (METH_CLASS | METH_STATIC) != 0 {
            let is_class = flags & METH_CLASS != 0;
            let f = vm.new_function(leak_str(name.clone()), move |mut args: FuncArgs, vm: &VirtualMachine| {
                if is_class {
                    let cls = take_self(vm, &mut args)?;
                    let c = to_c(vm, &cls);
                    let r = call_it(c, args, vm);
                    // SAFETY: releases `to_c`'s reference.
                    unsafe { Py_DecRef(c) };
                    r
                } else {
                    call_it(NULL, args, vm)
                }
            });
            let wrapper = if is_class { vm.ctx.types.classmethod_type } else { vm.ctx.types.staticmethod_type };
            wrapper.as_object().call((f,), vm)?
        } else {
            let mname = name.clone();
            method_of(
                vm,
                class,
                &mname,
                move |mut args, vm| {
                    if args.args.is_empty() {
                        return Err(vm.new_type_error(format!("descriptor '{name}' needs an argument")));
                    }
                    let zelf = take_self(vm, &mut args)?;
                    let c = to_c(vm, &zelf);
                    let r = call_it(c, args, vm);
                    // SAFETY: releases `to_c`'s reference.
                    unsafe { Py_DecRef(c) };
                    r
                },
                false,
            )
        };
        if exists {
            // METH_COEXIST: the method replaces the slot wrapper of the same name, without
            // a slot update (coexist.rs keeps the slot on the C function).
            class.attributes.write().insert(vm.ctx.intern_str(&qual[short.len() + 1..]), value);
            coexisting.push(qual[short.len() + 1..].to_owned());
        } else {
            set(vm, class, &qual[short.len() + 1..], value)?;
        }
    }
    Ok(coexisting)
}

/// `PyMemberDef` (structmember.h).
#[repr(C)]
struct PyMemberDef {
    name: *const c_char,
    type_: c_int,
    offset: isize,
    flags: c_int,
    doc: *const c_char,
}

/// `PyGetSetDef` (descrobject.h).
#[repr(C)]
struct PyGetSetDef {
    name: *const c_char,
    get: *mut c_void,
    set: *mut c_void,
    doc: *const c_char,
    closure: *mut c_void,
}

const READONLY: c_int = 1;

/// # Safety
/// `tp` is a live type whose `tp_members` is NULL or a table ending with a NULL name.
pub(super) unsafe fn add_members(
    vm: &VirtualMachine,
    class: &'static Py<PyType>,
    tp: *mut PyTypeObject,
) -> PyResult<()> {
    // SAFETY: see the function's contract.
    let mut m = unsafe { (*tp).tp_members }.cast::<PyMemberDef>().cast_const();
    // SAFETY: see the function's contract.
    while !m.is_null() && unsafe { !(*m).name.is_null() } {
        // SAFETY: a live entry.
        let (name, kind, offset, flags) =
            unsafe { (text((*m).name).unwrap_or_default(), (*m).type_, (*m).offset as usize, (*m).flags) };
        // SAFETY: advancing within the table.
        m = unsafe { m.add(1) };
        // Layout markers of heap-type specs, and the weak-reference list, which the
        // interpreter keeps itself (the C field stays NULL).
        if matches!(name.as_str(), "__dictoffset__" | "__weaklistoffset__" | "__vectorcalloffset__" | "__weakref__") {
            continue;
        }
        let getter_name = name.clone();
        let (descr_name, descr_name2) = (name.clone(), name.clone());
        let getter = move |obj: PyObjectRef, vm: &VirtualMachine| -> PyResult {
            check_instance(vm, class, &descr_name, &obj)?;
            let p = to_c(vm, &obj);
            // SAFETY: `p` is an instance of the type, whose layout has the member at `offset`.
            let r = unsafe { crate::bridge::members::get(vm, p.cast::<u8>().add(offset), kind, &getter_name, &obj) };
            // SAFETY: releases `to_c`'s reference.
            unsafe { Py_DecRef(p) };
            r
        };
        let readonly = flags & READONLY != 0;
        let setter_name = name.clone();
        let setter = move |obj: PyObjectRef, value: PySetterValue, vm: &VirtualMachine| -> PyResult<()> {
            check_instance(vm, class, &descr_name2, &obj)?;
            if readonly {
                return Err(vm.new_attribute_error("readonly attribute".to_owned()));
            }
            let p = to_c(vm, &obj);
            let value = match value {
                PySetterValue::Assign(v) => Some(v),
                PySetterValue::Delete => None,
            };
            // SAFETY: as in the getter.
            let r = unsafe { crate::bridge::members::set(vm, p.cast::<u8>().add(offset), kind, &setter_name, value) };
            // SAFETY: releases `to_c`'s reference.
            unsafe { Py_DecRef(p) };
            r
        };
        // SAFETY: the getset is owned by `class`, which is immortal.
        let descr = unsafe { vm.ctx.new_getset(name.clone(), class, getter, setter) };
        set(vm, class, &name, descr.into())?;
    }
    Ok(())
}

type Getter = unsafe extern "C" fn(*mut PyObject, *mut c_void) -> *mut PyObject;
type Setter = unsafe extern "C" fn(*mut PyObject, *mut PyObject, *mut c_void) -> c_int;

/// # Safety
/// `tp` is a live type whose `tp_getset` is NULL or a table ending with a NULL name.
pub(super) unsafe fn add_getsets(
    vm: &VirtualMachine,
    class: &'static Py<PyType>,
    tp: *mut PyTypeObject,
) -> PyResult<()> {
    // SAFETY: see the function's contract.
    let mut g = unsafe { (*tp).tp_getset }.cast::<PyGetSetDef>().cast_const();
    // SAFETY: see the function's contract.
    let full = unsafe { text((*tp).tp_name) }.unwrap_or_default();
    // SAFETY: see the function's contract.
    while !g.is_null() && unsafe { !(*g).name.is_null() } {
        // SAFETY: a live entry.
        let (name, get, set_fn, closure) = unsafe {
            (text((*g).name).unwrap_or_default(), (*g).get as usize, (*g).set as usize, (*g).closure as usize)
        };
        // SAFETY: advancing within the table.
        g = unsafe { g.add(1) };
        if name == "__dict__" {
            // `PyObject_GenericGetDict`/`SetDict` over `tp_dictoffset`: the instance dict
            // is the interpreter object's own (the class has `__dict__` already).
            continue;
        }
        let (gname, sname, full) = (name.clone(), name.clone(), full.clone());
        let (descr_name, descr_name2) = (name.clone(), name.clone());
        let getter = move |obj: PyObjectRef, vm: &VirtualMachine| -> PyResult {
            check_instance(vm, class, &descr_name, &obj)?;
            if get == 0 {
                return Err(vm.new_attribute_error(format!("attribute '{gname}' of '{full}' objects is not readable")));
            }
            // SAFETY: a `getter` function.
            let f = unsafe { core::mem::transmute::<usize, Getter>(get) };
            let r = with_c(vm, &[&obj], |p| unsafe { f(p[0], closure as *mut c_void) });
            // SAFETY: NULL or a new reference.
            unsafe { result_of(vm, r) }
        };
        let full2 = unsafe { text((*tp).tp_name) }.unwrap_or_default();
        let setter = move |obj: PyObjectRef, value: PySetterValue, vm: &VirtualMachine| -> PyResult<()> {
            check_instance(vm, class, &descr_name2, &obj)?;
            if set_fn == 0 {
                return Err(vm.new_attribute_error(format!("attribute '{sname}' of '{full2}' objects is not writable")));
            }
            // SAFETY: a `setter` function.
            let f = unsafe { core::mem::transmute::<usize, Setter>(set_fn) };
            let value = match value {
                PySetterValue::Assign(v) => Some(v),
                PySetterValue::Delete => None,
            };
            let r = with_c(vm, &[&obj], |p| {
                let v = value.as_ref().map_or(NULL, |v| to_c(vm, v));
                // SAFETY: the slot has this C signature; the pointers are live references for the call.
                let r = unsafe { f(p[0], v, closure as *mut c_void) };
                unsafe { Py_DecRef(v) };
                r
            });
            int_result(vm, r as isize).map(|_| ())
        };
        // SAFETY: the getset is owned by `class`, which is immortal.
        let descr = unsafe { vm.ctx.new_getset(name.clone(), class, getter, setter) };
        set(vm, class, &name, descr.into())?;
    }
    Ok(())
}

/// A member or getset of `class` only reads and writes instances of it (C reads them with
/// the type's layout), with CPython's message otherwise.
fn check_instance(vm: &VirtualMachine, class: &Py<PyType>, name: &str, obj: &PyObjectRef) -> PyResult<()> {
    if obj.fast_isinstance(class) {
        return Ok(());
    }
    Err(vm.new_type_error(format!(
        "descriptor '{name}' for '{}' objects doesn't apply to a '{}' object",
        tp_name(vm, class),
        tp_name(vm, obj.class())
    )))
}
