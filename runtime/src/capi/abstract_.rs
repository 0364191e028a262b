//! `Include/abstract.h`: the abstract object protocols (calls, items, iteration, numbers,
//! sequences), with CPython 3.11's semantics on top of the interpreter's own operations.

use dxpy_macros::capi;
use rustpython_vm::builtins::{PyDict, PyStr, PyTuple};
use rustpython_vm::function::{FuncArgs, KwArgs};
use rustpython_vm::protocol::{PyIter, PyIterReturn};
use rustpython_vm::{AsObject, PyObjectRef, PyResult, VirtualMachine};

use crate::bridge::errors::with_vm;
use crate::bridge::layout::*;
use crate::bridge::object::{from_c, to_c};

const NULL: *mut PyObject = core::ptr::null_mut();

/// `PY_VECTORCALL_ARGUMENTS_OFFSET`: a flag in `nargsf`, not part of the count.
const PY_VECTORCALL_ARGUMENTS_OFFSET: usize = 1 << (usize::BITS - 1);

/// The interpreter object behind `p`, or CPython's `null_error()` SystemError for NULL.
///
/// # Safety
/// `p` is NULL or a live object.
pub(crate) unsafe fn live(vm: &VirtualMachine, p: *mut PyObject) -> PyResult<PyObjectRef> {
    if p.is_null() {
        return Err(vm.new_system_error("null argument to internal routine".to_owned()));
    }
    // SAFETY: see the function's contract.
    Ok(unsafe { from_c(vm, p) })
}

/// Runs `f` on the objects behind one argument and returns its result as a new reference.
///
/// # Safety
/// `o` is NULL or a live object.
unsafe fn unary(o: *mut PyObject, f: impl FnOnce(&VirtualMachine, PyObjectRef) -> PyResult) -> *mut PyObject {
    with_vm(NULL, |vm| {
        // SAFETY: forwards the caller's contract.
        let o = unsafe { live(vm, o) }?;
        Ok(to_c(vm, &f(vm, o)?))
    })
}

/// As `unary`, for two arguments.
///
/// # Safety
/// `a` and `b` are NULL or live objects.
unsafe fn binary(
    a: *mut PyObject,
    b: *mut PyObject,
    f: impl FnOnce(&VirtualMachine, &PyObjectRef, &PyObjectRef) -> PyResult,
) -> *mut PyObject {
    with_vm(NULL, |vm| {
        // SAFETY: forwards the caller's contract.
        let (a, b) = unsafe { (live(vm, a)?, live(vm, b)?) };
        Ok(to_c(vm, &f(vm, &a, &b)?))
    })
}

fn type_name(obj: &PyObjectRef) -> String {
    obj.class().name().to_string()
}

/// Calls `callable` and hands the result to C as a new reference.
/// Python code runs in between, so mirrored containers are reconciled around it and the
/// lock C runs under is let go.
fn call(vm: &VirtualMachine, callable: &PyObjectRef, args: FuncArgs) -> PyResult<*mut PyObject> {
    crate::bridge::mirror::leaving_c(vm);
    // Other threads may run C while this one runs Python, as under CPython's GIL.
    let result = crate::bridge::gil::released(|| callable.call_with_args(args, vm));
    crate::bridge::mirror::entering_c(vm);
    Ok(to_c(vm, &result?))
}

/// Keyword arguments from a dict, as `f(**kwargs)` takes them (str keys only).
fn kwargs_of(vm: &VirtualMachine, kwargs: Option<PyObjectRef>) -> PyResult<KwArgs> {
    let Some(kwargs) = kwargs else {
        return Ok(KwArgs::default());
    };
    let Some(dict) = kwargs.downcast_ref::<PyDict>() else {
        return Err(vm.new_type_error(format!("keyword list must be a dictionary, not {}", type_name(&kwargs))));
    };
    dict.into_iter()
        .map(|(k, v)| match k.downcast_ref::<PyStr>() {
            Some(k) => Ok((k.to_string(), v)),
            None => Err(vm.new_type_error("keywords must be strings".to_owned())),
        })
        .collect()
}

/// The items of a tuple argument list.
fn tuple_items(vm: &VirtualMachine, args: &PyObjectRef) -> PyResult<Vec<PyObjectRef>> {
    match args.downcast_ref::<PyTuple>() {
        Some(t) => Ok(t.as_slice().to_vec()),
        None => Err(vm.new_type_error("argument list must be a tuple".to_owned())),
    }
}

#[capi]
pub unsafe fn PyObject_Type(o: *mut PyObject) -> *mut PyObject {
    // SAFETY: the caller passes a live object (C-API contract).
    unsafe { unary(o, |_, o| Ok(o.class().to_owned().into())) }
}

#[capi]
pub unsafe fn PyObject_IsInstance(object: *mut PyObject, typeorclass: *mut PyObject) -> core::ffi::c_int {
    with_vm(-1, |vm| {
        // SAFETY: the caller passes live objects (C-API contract).
        let (o, cls) = unsafe { (live(vm, object)?, live(vm, typeorclass)?) };
        Ok(o.is_instance(&cls, vm)?.into())
    })
}

#[capi]
pub unsafe fn PyObject_IsSubclass(object: *mut PyObject, typeorclass: *mut PyObject) -> core::ffi::c_int {
    with_vm(-1, |vm| {
        // SAFETY: the caller passes live objects (C-API contract).
        let (o, cls) = unsafe { (live(vm, object)?, live(vm, typeorclass)?) };
        Ok(o.is_subclass(&cls, vm)?.into())
    })
}

#[capi]
pub unsafe fn PyObject_GetIter(o: *mut PyObject) -> *mut PyObject {
    // SAFETY: the caller passes a live object (C-API contract).
    unsafe { unary(o, |vm, o| Ok(o.get_iter(vm)?.into())) }
}

/// The next item, or NULL: with an error set if the iterator failed, without one when it
/// is exhausted (StopIteration is swallowed, as CPython's `tp_iternext` contract says).
#[capi]
pub unsafe fn PyIter_Next(o: *mut PyObject) -> *mut PyObject {
    with_vm(NULL, |vm| {
        // SAFETY: the caller passes a live iterator (C-API contract).
        let o = unsafe { live(vm, o) }?;
        Ok(match PyIter::new(o).next(vm)? {
            PyIterReturn::Return(item) => to_c(vm, &item),
            PyIterReturn::StopIteration(_) => NULL,
        })
    })
}

#[capi]
pub unsafe fn PyObject_GetItem(o: *mut PyObject, key: *mut PyObject) -> *mut PyObject {
    // SAFETY: the caller passes live objects (C-API contract).
    unsafe { binary(o, key, |vm, o, key| o.get_item(key.as_object(), vm)) }
}

#[capi]
pub unsafe fn PyObject_SetItem(o: *mut PyObject, key: *mut PyObject, v: *mut PyObject) -> core::ffi::c_int {
    with_vm(-1, |vm| {
        // SAFETY: the caller passes live objects (C-API contract).
        let (o, key, v) = unsafe { (live(vm, o)?, live(vm, key)?, live(vm, v)?) };
        o.set_item(key.as_object(), v, vm)?;
        Ok(0)
    })
}

#[capi]
pub unsafe fn PyObject_DelItem(o: *mut PyObject, key: *mut PyObject) -> core::ffi::c_int {
    with_vm(-1, |vm| {
        // SAFETY: the caller passes live objects (C-API contract).
        let (o, key) = unsafe { (live(vm, o)?, live(vm, key)?) };
        o.del_item(key.as_object(), vm)?;
        Ok(0)
    })
}

#[capi]
pub unsafe fn PyObject_Size(o: *mut PyObject) -> Py_ssize_t {
    with_vm(-1, |vm| {
        // SAFETY: the caller passes a live object (C-API contract).
        let o = unsafe { live(vm, o) }?;
        Ok(o.length(vm)? as Py_ssize_t)
    })
}

#[capi]
pub unsafe fn PyObject_Length(o: *mut PyObject) -> Py_ssize_t {
    // SAFETY: forwards the caller's contract.
    unsafe { PyObject_Size(o) }
}

/// `callable(*args, **kwargs)`: `args` a tuple, `kwargs` a dict or NULL.
#[capi]
pub unsafe fn PyObject_Call(callable: *mut PyObject, args: *mut PyObject, kwargs: *mut PyObject) -> *mut PyObject {
    with_vm(NULL, |vm| {
        // SAFETY: the caller passes live objects, `kwargs` possibly NULL (C-API contract).
        let (f, args, kwargs) =
            unsafe { (live(vm, callable)?, live(vm, args)?, (!kwargs.is_null()).then(|| from_c(vm, kwargs))) };
        let args = tuple_items(vm, &args)?;
        call(vm, &f, FuncArgs::new(args, kwargs_of(vm, kwargs)?))
    })
}

/// `callable(*args)`, `args` a tuple or NULL for no arguments.
#[capi]
pub unsafe fn PyObject_CallObject(callable: *mut PyObject, args: *mut PyObject) -> *mut PyObject {
    with_vm(NULL, |vm| {
        // SAFETY: the caller passes live objects, `args` possibly NULL (C-API contract).
        let (f, args) = unsafe { (live(vm, callable)?, (!args.is_null()).then(|| from_c(vm, args))) };
        let args = match args {
            Some(args) => tuple_items(vm, &args)?,
            None => Vec::new(),
        };
        call(vm, &f, FuncArgs::from(args))
    })
}

#[capi]
pub unsafe fn PyObject_CallNoArgs(func: *mut PyObject) -> *mut PyObject {
    with_vm(NULL, |vm| {
        // SAFETY: the caller passes a live object (C-API contract).
        let f = unsafe { live(vm, func) }?;
        call(vm, &f, FuncArgs::default())
    })
}

#[capi]
pub unsafe fn PyObject_CallOneArg(func: *mut PyObject, arg: *mut PyObject) -> *mut PyObject {
    with_vm(NULL, |vm| {
        // SAFETY: the caller passes live objects (C-API contract).
        let (f, a) = unsafe { (live(vm, func)?, live(vm, arg)?) };
        call(vm, &f, FuncArgs::from(vec![a]))
    })
}

/// The arguments of a vectorcall: `nargs` positionals, then one value per name in
/// `kwnames` (a tuple of str, or NULL).
///
/// # Safety
/// `args` holds `nargs + len(kwnames)` live objects.
unsafe fn vector_args(
    vm: &VirtualMachine,
    args: *const *mut PyObject,
    nargsf: usize,
    kwnames: *mut PyObject,
) -> PyResult<FuncArgs> {
    let nargs = nargsf & !PY_VECTORCALL_ARGUMENTS_OFFSET;
    let names = if kwnames.is_null() {
        Vec::new()
    } else {
        // SAFETY: see the function's contract.
        let kwnames = unsafe { from_c(vm, kwnames) };
        tuple_items(vm, &kwnames)?
            .into_iter()
            .map(|n| match n.downcast_ref::<PyStr>() {
                Some(s) => Ok(s.to_string()),
                None => Err(vm.new_type_error("keywords must be strings".to_owned())),
            })
            .collect::<PyResult<Vec<String>>>()?
    };
    let total = nargs + names.len();
    let values: Vec<PyObjectRef> = if total == 0 {
        Vec::new()
    } else {
        // SAFETY: see the function's contract.
        let slice = unsafe { core::slice::from_raw_parts(args, total) };
        // SAFETY: each slot holds a live object (the function's contract).
        slice.iter().map(|&p| unsafe { live(vm, p) }).collect::<PyResult<_>>()?
    };
    Ok(FuncArgs::with_kwargs_names(values.into_iter(), names.into_iter()))
}

#[capi]
pub unsafe fn PyObject_Vectorcall(
    callable: *mut PyObject,
    args: *const *mut PyObject,
    nargsf: usize,
    kwnames: *mut PyObject,
) -> *mut PyObject {
    with_vm(NULL, |vm| {
        // SAFETY: the caller passes a live callable and the arguments vectorcall
        // describes (C-API contract).
        let (f, args) = unsafe { (live(vm, callable)?, vector_args(vm, args, nargsf, kwnames)?) };
        call(vm, &f, args)
    })
}

/// `args[0].name(*args[1:], **kw)`.
#[capi]
pub unsafe fn PyObject_VectorcallMethod(
    name: *mut PyObject,
    args: *const *mut PyObject,
    nargsf: usize,
    kwnames: *mut PyObject,
) -> *mut PyObject {
    with_vm(NULL, |vm| {
        // SAFETY: the caller passes a live name and the arguments vectorcall describes,
        // the first of them the object (C-API contract).
        let (name, mut args) = unsafe { (live(vm, name)?, vector_args(vm, args, nargsf, kwnames)?) };
        if args.args.is_empty() {
            return Err(vm.new_system_error("PyObject_VectorcallMethod() called without an object".to_owned()));
        }
        let obj = args.args.remove(0);
        let Some(name) = name.downcast_ref::<PyStr>() else {
            return Err(vm.new_type_error(format!("attribute name must be string, not '{}'", type_name(&name))));
        };
        let method = obj.get_attr(name, vm)?;
        call(vm, &method, args)
    })
}

#[capi]
pub unsafe fn PyNumber_Add(o1: *mut PyObject, o2: *mut PyObject) -> *mut PyObject {
    // SAFETY: the caller passes live objects (C-API contract).
    unsafe { binary(o1, o2, |vm, a, b| vm._add(a, b)) }
}

#[capi]
pub unsafe fn PyNumber_Subtract(o1: *mut PyObject, o2: *mut PyObject) -> *mut PyObject {
    // SAFETY: the caller passes live objects (C-API contract).
    unsafe { binary(o1, o2, |vm, a, b| vm._sub(a, b)) }
}

#[capi]
pub unsafe fn PyNumber_Multiply(o1: *mut PyObject, o2: *mut PyObject) -> *mut PyObject {
    // SAFETY: the caller passes live objects (C-API contract).
    unsafe { binary(o1, o2, |vm, a, b| vm._mul(a, b)) }
}

#[capi]
pub unsafe fn PyNumber_TrueDivide(o1: *mut PyObject, o2: *mut PyObject) -> *mut PyObject {
    // SAFETY: the caller passes live objects (C-API contract).
    unsafe { binary(o1, o2, |vm, a, b| vm._truediv(a, b)) }
}

#[capi]
pub unsafe fn PyNumber_FloorDivide(o1: *mut PyObject, o2: *mut PyObject) -> *mut PyObject {
    // SAFETY: the caller passes live objects (C-API contract).
    unsafe { binary(o1, o2, |vm, a, b| vm._floordiv(a, b)) }
}

#[capi]
pub unsafe fn PyNumber_Remainder(o1: *mut PyObject, o2: *mut PyObject) -> *mut PyObject {
    // SAFETY: the caller passes live objects (C-API contract).
    unsafe { binary(o1, o2, |vm, a, b| vm._mod(a, b)) }
}

#[capi]
pub unsafe fn PyNumber_Negative(o: *mut PyObject) -> *mut PyObject {
    // SAFETY: the caller passes a live object (C-API contract).
    unsafe { unary(o, |vm, o| vm._neg(&o)) }
}

#[capi]
pub unsafe fn PyNumber_Index(o: *mut PyObject) -> *mut PyObject {
    // SAFETY: the caller passes a live object (C-API contract).
    unsafe { unary(o, |vm, o| Ok(o.try_index(vm)?.into())) }
}

/// `int(o)`, strings and bytes included.
#[capi]
pub unsafe fn PyNumber_Long(o: *mut PyObject) -> *mut PyObject {
    // SAFETY: the caller passes a live object (C-API contract).
    unsafe { unary(o, |vm, o| vm.ctx.types.int_type.as_object().call((o,), vm)) }
}

/// `float(o)`, strings included.
#[capi]
pub unsafe fn PyNumber_Float(o: *mut PyObject) -> *mut PyObject {
    // SAFETY: the caller passes a live object (C-API contract).
    unsafe { unary(o, |vm, o| vm.ctx.types.float_type.as_object().call((o,), vm)) }
}

#[capi]
pub unsafe fn PySequence_Size(o: *mut PyObject) -> Py_ssize_t {
    with_vm(-1, |vm| {
        // SAFETY: the caller passes a live object (C-API contract).
        let o = unsafe { live(vm, o) }?;
        if let Some(len) = o.sequence_unchecked().length_opt(vm) {
            return Ok(len? as Py_ssize_t);
        }
        if o.mapping_unchecked().length_opt(vm).is_some() {
            return Err(vm.new_type_error(format!("{} is not a sequence", type_name(&o))));
        }
        Err(vm.new_type_error(format!("object of type '{}' has no len()", type_name(&o))))
    })
}

#[capi]
pub unsafe fn PySequence_Length(o: *mut PyObject) -> Py_ssize_t {
    // SAFETY: forwards the caller's contract.
    unsafe { PySequence_Size(o) }
}

/// `o[i]` through the sequence protocol: a negative `i` counts from the end.
#[capi]
pub unsafe fn PySequence_GetItem(o: *mut PyObject, i: Py_ssize_t) -> *mut PyObject {
    with_vm(NULL, |vm| {
        // SAFETY: the caller passes a live object (C-API contract).
        let o = unsafe { live(vm, o) }?;
        let seq = o.sequence_unchecked();
        if seq.slots().item.load().is_some() {
            let mut i = i;
            if i < 0
                && let Some(len) = o.sequence_unchecked().length_opt(vm)
            {
                let len = len? as isize;
                i += len;
                if i < 0 && counts_once(vm, &o) {
                    // Still negative: out of range for these types in CPython, but the
                    // interpreter's would count from the end again; the first index past
                    // the end gets their "index out of range" error (worded as `o[i]`
                    // words it) instead.
                    return Ok(to_c(vm, &o.get_item(vm.ctx.new_int(len).as_object(), vm)?));
                }
            }
            return Ok(to_c(vm, &seq.get_item(i, vm)?));
        }
        if o.mapping_unchecked().check() {
            return Err(vm.new_type_error(format!("{} is not a sequence", type_name(&o))));
        }
        Err(vm.new_type_error(format!("'{}' object does not support indexing", type_name(&o))))
    })
}

/// Whether `o` is one of the builtin sequences whose CPython `sq_item` rejects a
/// negative index (after `PySequence_GetItem` added the length once). Others (range,
/// subclasses, classes written in Python) take it as CPython passes it.
fn counts_once(vm: &VirtualMachine, o: &PyObjectRef) -> bool {
    let t = &vm.ctx.types;
    [t.list_type, t.tuple_type, t.str_type, t.bytes_type, t.bytearray_type].iter().any(|c| o.class().is(*c))
}

/// `ob in seq`.
#[capi]
pub unsafe fn PySequence_Contains(seq: *mut PyObject, ob: *mut PyObject) -> core::ffi::c_int {
    with_vm(-1, |vm| {
        // SAFETY: the caller passes live objects (C-API contract).
        let (seq, ob) = unsafe { (live(vm, seq)?, live(vm, ob)?) };
        Ok(vm._contains(&seq, &ob)?.into())
    })
}

/// `tuple(o)`.
#[capi]
pub unsafe fn PySequence_Tuple(o: *mut PyObject) -> *mut PyObject {
    // SAFETY: the caller passes a live object (C-API contract).
    unsafe { unary(o, |vm, o| vm.ctx.types.tuple_type.as_object().call((o,), vm)) }
}

/// `list(o)`.
#[capi]
pub unsafe fn PySequence_List(o: *mut PyObject) -> *mut PyObject {
    // SAFETY: the caller passes a live object (C-API contract).
    unsafe { unary(o, |vm, o| vm.ctx.types.list_type.as_object().call((o,), vm)) }
}

/// Whether `o` is an iterator: its class defines `__next__` (CPython: `tp_iternext` is
/// set and is not the "not implemented" placeholder).
#[capi]
pub unsafe fn PyIter_Check(o: *mut PyObject) -> core::ffi::c_int {
    if o.is_null() {
        return 0;
    }
    // SAFETY: the caller passes a live object (C-API contract).
    crate::bridge::vm::with(|vm| unsafe { from_c(vm, o) }.class().has_attr(vm.ctx.intern_str("__next__")) as _)
        .unwrap_or(0)
}

/// `n` in base 2, 8, 10 or 16 with Python's prefixes (`bin`, `oct`, `str`, `hex`).
#[capi]
pub unsafe fn PyNumber_ToBase(n: *mut PyObject, base: core::ffi::c_int) -> *mut PyObject {
    with_vm(NULL, |vm| {
        let builtin = match base {
            2 => "bin",
            8 => "oct",
            10 => "str",
            16 => "hex",
            _ => return Err(vm.new_system_error("PyNumber_ToBase: base must be 2, 8, 10 or 16".to_owned())),
        };
        // SAFETY: the caller passes a live object (C-API contract).
        let index: PyObjectRef = unsafe { live(vm, n) }?.try_index(vm)?.into();
        Ok(to_c(vm, &vm.builtins.get_attr(builtin, vm)?.call((index,), vm)?))
    })
}
