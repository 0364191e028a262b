//! Calls from Python into C: a `PyMethodDef` becomes an interpreter function that converts
//! its arguments for the method's calling convention, calls it, and turns the result (or
//! the error indicator) back into a Python value (or exception).

use core::ffi::{CStr, c_char, c_int, c_void};

use rustpython_vm::builtins::PyTypeRef;
use rustpython_vm::function::FuncArgs;
use rustpython_vm::{AsObject, PyObjectRef, PyResult, TryFromObject, VirtualMachine};

use crate::bridge::layout::PyObject;
use crate::bridge::object::{from_c, new_tuple, to_c};
use crate::bridge::{errors, vm as current};
use crate::capi::object::Py_DecRef;

pub const METH_VARARGS: c_int = 0x0001;
pub const METH_KEYWORDS: c_int = 0x0002;
pub const METH_NOARGS: c_int = 0x0004;
pub const METH_O: c_int = 0x0008;
pub const METH_FASTCALL: c_int = 0x0080;

/// `PyMethodDef` (Include/methodobject.h).
#[repr(C)]
pub struct PyMethodDef {
    pub ml_name: *const c_char,
    pub ml_meth: *mut c_void,
    pub ml_flags: c_int,
    pub ml_doc: *const c_char,
}

type NoArgs = unsafe extern "C" fn(*mut PyObject, *mut PyObject) -> *mut PyObject;
type VarArgsKw = unsafe extern "C" fn(*mut PyObject, *mut PyObject, *mut PyObject) -> *mut PyObject;
type Fast = unsafe extern "C" fn(*mut PyObject, *const *mut PyObject, isize) -> *mut PyObject;
type FastKw = unsafe extern "C" fn(*mut PyObject, *const *mut PyObject, isize, *mut PyObject) -> *mut PyObject;

/// An interpreter function for one entry of a C method table, bound to `self_` (the
/// module, for module functions; `owner` is its name, as CPython's messages show it).
/// The table and `self_` outlive the function: method tables are static in the
/// extension, and `self_` holds a reference the function never releases.
///
/// # Safety
/// `def` points at a valid `PyMethodDef` that lives as long as the process.
pub unsafe fn function(vm: &VirtualMachine, def: *const PyMethodDef, self_: *mut PyObject, owner: &str) -> PyObjectRef {
    // SAFETY: see the function's contract.
    let (name, meth, flags) = unsafe { (CStr::from_ptr((*def).ml_name), (*def).ml_meth, (*def).ml_flags) };
    let name: &'static str = Box::leak(name.to_string_lossy().into_owned().into_boxed_str());
    let qualified: &'static str = Box::leak(format!("{owner}.{name}").into_boxed_str());
    // The function keeps `self_` (the module) alive for as long as it may be called.
    // SAFETY: `self_` is NULL or a live object.
    unsafe { crate::capi::object::Py_IncRef(self_) };
    let (meth, self_) = (meth as usize, self_ as usize);
    let f = move |args: FuncArgs, vm: &VirtualMachine| -> PyResult {
        // SAFETY: `meth` is the C function of a live method table, called with the
        // convention its flags declare; `self_` is kept alive by this function.
        unsafe { call(vm, qualified, meth as *mut c_void, flags, self_ as *mut PyObject, args) }
    };
    vm.new_function(name, f).into()
}

/// # Safety
/// `meth` has the signature `flags` declare; `self_` is live.
pub(crate) unsafe fn call(
    vm: &VirtualMachine,
    name: &str,
    meth: *mut c_void,
    flags: c_int,
    self_: *mut PyObject,
    args: FuncArgs,
) -> PyResult {
    let convention = flags & (METH_VARARGS | METH_KEYWORDS | METH_NOARGS | METH_O | METH_FASTCALL);
    let has_kwargs = !args.kwargs.is_empty();
    // No allocation for the common arities (bridge decision 10).
    let positional: smallvec::SmallVec<[*mut PyObject; 6]> = args.args.iter().map(|a| to_c(vm, a)).collect();
    let n = positional.len();
    // Keyword values, in call order, each with a C reference held until the C function
    // returns (so the pointers it parses out of them stay valid, as in CPython, where the
    // caller's dict or stack owns them).
    let keywords: smallvec::SmallVec<[(String, *mut PyObject); 2]> =
        args.kwargs.iter().map(|(k, v)| (k.clone(), to_c(vm, v))).collect();
    let no_keywords = || vm.new_type_error(format!("{name}() takes no keyword arguments"));
    let mark = crate::capi::modsupport::borrow_mark();
    // SAFETY (each arm): the C function is called with the arguments its convention
    // declares; every pointer passed is a live reference we own until the release below.
    let result = current::enter(vm, || unsafe {
        match convention {
            METH_NOARGS if !has_kwargs && n == 0 => {
                Ok(core::mem::transmute::<*mut c_void, NoArgs>(meth)(self_, core::ptr::null_mut()))
            }
            METH_NOARGS if has_kwargs => Err(no_keywords()),
            METH_NOARGS => Err(vm.new_type_error(format!("{name}() takes no arguments ({n} given)"))),
            METH_O if !has_kwargs && n == 1 => {
                Ok(core::mem::transmute::<*mut c_void, NoArgs>(meth)(self_, positional[0]))
            }
            METH_O if has_kwargs => Err(no_keywords()),
            METH_O => Err(vm.new_type_error(format!("{name}() takes exactly one argument ({n} given)"))),
            // CPython's `cfunction_call` names the method without its module here.
            METH_VARARGS if has_kwargs => Err(
                vm.new_type_error(format!("{}() takes no keyword arguments", name.rsplit('.').next().unwrap_or(name)))
            ),
            METH_VARARGS => {
                let tuple = tuple_of(&positional);
                let r = core::mem::transmute::<*mut c_void, NoArgs>(meth)(self_, tuple);
                Py_DecRef(tuple);
                Ok(r)
            }
            c if c == METH_VARARGS | METH_KEYWORDS => {
                let tuple = tuple_of(&positional);
                // CPython passes NULL, not an empty dict, when there are no keywords.
                let kwargs = if has_kwargs {
                    let dict = vm.ctx.new_dict();
                    for (k, v) in &args.kwargs {
                        dict.set_item(k.as_str(), v.clone(), vm)?;
                    }
                    to_c(vm, &dict.into())
                } else {
                    core::ptr::null_mut()
                };
                let r = core::mem::transmute::<*mut c_void, VarArgsKw>(meth)(self_, tuple, kwargs);
                Py_DecRef(tuple);
                if !kwargs.is_null() {
                    Py_DecRef(kwargs);
                }
                Ok(r)
            }
            METH_FASTCALL if has_kwargs => Err(no_keywords()),
            METH_FASTCALL => {
                Ok(core::mem::transmute::<*mut c_void, Fast>(meth)(self_, positional.as_ptr(), n as isize))
            }
            c if c == METH_FASTCALL | METH_KEYWORDS => {
                // The keyword values follow the positionals; their names are a tuple.
                let mut stack = positional.to_vec();
                stack.extend(keywords.iter().map(|(_, v)| *v));
                let kwnames = if has_kwargs {
                    let names = keywords.iter().map(|(k, _)| vm.ctx.new_str(k.as_str()).into()).collect();
                    to_c(vm, &vm.ctx.new_tuple(names).into())
                } else {
                    core::ptr::null_mut()
                };
                let r = core::mem::transmute::<*mut c_void, FastKw>(meth)(self_, stack.as_ptr(), n as isize, kwnames);
                if !kwnames.is_null() {
                    Py_DecRef(kwnames);
                }
                Ok(r)
            }
            _ => Err(vm.new_system_error(format!(
                "{name}(): DX-Py cannot call C methods with flags {flags:#x} and these arguments yet"
            ))),
        }
    });
    crate::capi::modsupport::release_borrowed(mark);
    for p in positional.into_iter().chain(keywords.into_iter().map(|(_, v)| v)) {
        // SAFETY: releases the references `to_c` gave us.
        unsafe { Py_DecRef(p) };
    }
    // SAFETY: a non-NULL result is a new reference the C function gave us.
    unsafe { result_of(vm, result?) }
}

/// A tuple of `items` for METH_VARARGS, sharing (and increfing) their references.
fn tuple_of(items: &[*mut PyObject]) -> *mut PyObject {
    let tuple = new_tuple(items.len());
    // SAFETY: the tuple has `items.len()` slots; each slot takes its own reference.
    unsafe {
        let slots = (*tuple.cast::<crate::bridge::object::PyTupleObject>()).ob_item.as_mut_ptr();
        for (i, &item) in items.iter().enumerate() {
            crate::capi::object::Py_IncRef(item);
            *slots.add(i) = item;
        }
    }
    tuple
}

/// Turns what a C function returned into a Python result: the object (taking over the
/// reference C gave us), or the pending error as an exception. NULL without an error is
/// a `SystemError`, as in CPython.
///
/// # Safety
/// `result` is NULL or a new reference.
pub unsafe fn result_of(vm: &VirtualMachine, result: *mut PyObject) -> PyResult {
    if result.is_null() {
        return Err(match errors::take() {
            Some(pending) => exception(vm, &pending),
            None => vm.new_system_error("error return without exception set".to_owned()),
        });
    }
    // SAFETY: see the function's contract.
    unsafe {
        let obj = from_c(vm, result);
        Py_DecRef(result);
        if let Some(pending) = errors::take() {
            return Err(vm.new_system_error(format!(
                "a C function returned a result with an exception set ({}: {})",
                pending.type_name(),
                pending.message
            )));
        }
        Ok(obj)
    }
}

/// The pending C-level error as an interpreter exception of the same class: the value
/// itself when it is an instance of the class (so an exception keeps its identity through
/// C), otherwise an instance made from the value, as CPython normalizes it.
pub fn exception(vm: &VirtualMachine, pending: &errors::Pending) -> rustpython_vm::builtins::PyBaseExceptionRef {
    let class = (!pending.exc_type.is_null())
        // SAFETY: a pending type is a live type object (static or bridged).
        .then(|| unsafe { from_c(vm, pending.exc_type) })
        .and_then(|c| PyTypeRef::try_from_object(vm, c).ok())
        .filter(|c| c.fast_issubclass(vm.ctx.exceptions.base_exception_type));
    let Some(class) = class else {
        return vm.new_exception_msg(vm.ctx.exceptions.system_error.to_owned(), pending.message.clone().into());
    };
    let exc = errors::instantiate(vm, &class, pending.value_object(vm)).unwrap_or_else(|e| e);
    if let Some(tb) = &pending.traceback {
        // A traceback C restored goes with the exception, as CPython's unwinding sets it.
        let _ = exc.as_object().set_attr("__traceback__", tb.clone(), vm);
    }
    exc
}
