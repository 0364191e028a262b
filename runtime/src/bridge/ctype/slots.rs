//! `tp_new`, `tp_init` and the other `tp_*` slots of a C type as the protocol methods
//! of its class (`__new__`, `__init__`, `__repr__`, `__getattribute__`, `__get__`, ...).

use core::ffi::{c_int, c_void};

use rustpython_vm::builtins::{PyType, PyTypeRef};
use rustpython_vm::function::FuncArgs;
use rustpython_vm::{AsObject, Py, PyObjectRef, PyResult, TryFromObject, VirtualMachine};

use super::*;
use crate::bridge::call::{self, result_of};
use crate::bridge::layout::*;
use crate::bridge::object::to_c;
use crate::bridge::{errors, vm as current};
use crate::capi::object::Py_DecRef;

/// `__new__` for `tp`: calls `tp_new` with the C type of the class being instantiated.
const PY_TPFLAGS_HAVE_VECTORCALL: core::ffi::c_ulong = 1 << 11;

type VectorcallFn = unsafe extern "C" fn(*mut PyObject, *const *mut PyObject, usize, *mut PyObject) -> *mut PyObject;

/// Calls `zelf` through the `vectorcallfunc` it stores at `offset`: positional arguments,
/// then keyword values, with their names in a tuple (NULL without keywords). An instance
/// whose pointer is NULL is called through `tp_call`, as CPython's `PyVectorcall_Call`.
fn vectorcall(
    vm: &VirtualMachine,
    zelf: &PyObjectRef,
    offset: usize,
    fallback: Option<Ternary>,
    args: FuncArgs,
) -> PyResult {
    let c = to_c(vm, zelf);
    // SAFETY: `c` is an instance of the type, whose layout has a function pointer there.
    let f = unsafe { c.cast::<u8>().add(offset).cast::<Option<VectorcallFn>>().read() };
    let r = match (f, fallback) {
        (Some(f), _) => {
            let names: Vec<PyObjectRef> = args.kwargs.keys().map(|k| vm.ctx.new_str(k.as_str()).into()).collect();
            let mut all = args.args.clone();
            all.extend(args.kwargs.values().cloned());
            let ps: Vec<*mut PyObject> = all.iter().map(|o| to_c(vm, o)).collect();
            let kwnames = if names.is_empty() { NULL } else { to_c(vm, &vm.ctx.new_tuple(names).into()) };
            // SAFETY: a `vectorcallfunc` called as PEP 590 says; the pointers are live.
            let r = current::enter(vm, || unsafe { f(c, ps.as_ptr(), args.args.len(), kwnames) });
            // SAFETY: releases the references made for the call.
            unsafe {
                for p in ps {
                    Py_DecRef(p);
                }
                Py_DecRef(kwnames);
            }
            Ok(r)
        }
        (None, Some(call)) => {
            let (tuple, kwargs) = c_args(vm, &args);
            // SAFETY: `tp_call` has the `ternaryfunc` signature; the pointers are live.
            let r = current::enter(vm, || unsafe { call(c, tuple, kwargs) });
            // SAFETY: releases `c_args`'s references.
            unsafe {
                Py_DecRef(tuple);
                Py_DecRef(kwargs);
            }
            Ok(r)
        }
        (None, None) => Err(vm.new_type_error(format!("'{}' object is not callable", tp_name(vm, zelf.class())))),
    };
    // SAFETY: releases `to_c`'s reference.
    unsafe { Py_DecRef(c) };
    // SAFETY: NULL or a new reference.
    unsafe { result_of(vm, r?) }
}

/// Whether `cls` is the class of `tp` or a subclass of it.
fn is_subtype_of(vm: &VirtualMachine, cls: &PyTypeRef, tp: *mut PyTypeObject) -> bool {
    // SAFETY: `tp` is a registered type object, a static object of the bridge.
    let class = unsafe { crate::bridge::object::from_c(vm, tp.cast()) };
    cls.fast_issubclass(&class)
}

fn new_function(vm: &VirtualMachine, tp: *mut PyTypeObject, full: String) -> PyObjectRef {
    let tp = tp as usize;
    let f = move |mut args: FuncArgs, vm: &VirtualMachine| -> PyResult {
        if args.args.is_empty() {
            return Err(vm.new_type_error(format!("{full}.__new__(): not enough arguments")));
        }
        let first = args.args.remove(0);
        let Ok(cls) = PyTypeRef::try_from_object(vm, first.clone()) else {
            let shown = first.class().name().to_string();
            return Err(vm.new_type_error(format!("{full}.__new__(X): X is not a type object ({shown})")));
        };
        let sub = crate::bridge::object::type_object(vm, &cls);
        // The class must have this type's layout: C's `tp_new` allocates with it.
        if sub != tp as *mut PyTypeObject && !is_subtype_of(vm, &cls, tp as *mut PyTypeObject) {
            // SAFETY: type objects are live and their `tp_name` NUL-terminated.
            let name = unsafe { text((*sub).tp_name) }.unwrap_or_default();
            return Err(vm.new_type_error(format!("{full}.__new__({name}): {name} is not a subtype of {full}")));
        }
        // SAFETY: `tp` is a registered, immortal type object.
        let new = unsafe { (*(tp as *mut PyTypeObject)).tp_new };
        let Some(new) = new else {
            return Err(vm.new_type_error(format!("cannot create '{full}' instances")));
        };
        let (tuple, kwargs) = c_args(vm, &args);
        // SAFETY: `tp_new` has the `newfunc` signature; the arguments are live references.
        let r = current::enter(vm, || unsafe {
            core::mem::transmute::<unsafe extern "C" fn(), NewFn>(new)(sub, tuple, kwargs)
        });
        // SAFETY: releases `c_args`'s references; `r` is NULL or a new reference.
        unsafe {
            Py_DecRef(tuple);
            Py_DecRef(kwargs);
            result_of(vm, r)
        }
    };
    let f: PyObjectRef = vm.new_function("__new__", f).into();
    vm.ctx.types.staticmethod_type.as_object().call((f,), vm).unwrap_or_else(|_| vm.ctx.none())
}

/// `object.__new__` for C-layout heap types without `tp_new`: `tp_alloc`, refusing
/// arguments when the type has no `tp_init`, as CPython's `object_new` does.
unsafe extern "C" fn object_new(tp: *mut PyTypeObject, args: *mut PyObject, kwds: *mut PyObject) -> *mut PyObject {
    errors::with_vm(NULL, |vm| {
        // SAFETY: `tp` is a live type; args/kwds are NULL or live.
        unsafe {
            let excess = (!args.is_null() && (*args.cast::<PyVarObject>()).ob_size > 0)
                || (!kwds.is_null() && from_c(vm, kwds).length(vm)? > 0);
            if excess && (*tp).tp_init.is_none() {
                let full = text((*tp).tp_name).unwrap_or_default();
                return Err(vm.new_type_error(format!("{full}() takes no arguments")));
            }
            let alloc = (*tp)
                .tp_alloc
                .map_or(generic_alloc as AllocFn, |a| core::mem::transmute::<unsafe extern "C" fn(), AllocFn>(a));
            let p = alloc(tp, 0);
            if p.is_null() {
                return Err(match errors::take() {
                    Some(p) => call::exception(vm, &p),
                    None => vm.new_memory_error(String::new()),
                });
            }
            Ok(p)
        }
    })
}

/// The address of `object_new`, the `tp_new` C-layout heap types inherit.
pub fn object_new_slot() -> unsafe extern "C" fn() {
    // SAFETY: same ABI as the `newfunc` the slot is called with.
    unsafe { core::mem::transmute::<NewFn, unsafe extern "C" fn()>(object_new) }
}

/// # Safety
/// `tp` is a live, filled type object registered for `class`.
pub(super) unsafe fn add_slot_methods(
    vm: &VirtualMachine,
    class: &'static Py<PyType>,
    tp: *mut PyTypeObject,
    c_layout: bool,
) -> PyResult<()> {
    // SAFETY: see the function's contract.
    let t = unsafe { &mut *tp };
    let full = unsafe { text(t.tp_name) }.unwrap_or_default();
    let heap = t.tp_flags & Py_TPFLAGS_HEAPTYPE != 0;
    if t.tp_new.is_none() && c_layout && class.base.as_ref().is_some_and(|b| b.is(vm.ctx.types.object_type)) {
        if heap {
            t.tp_new = Some(object_new_slot());
        } else {
            t.tp_flags |= Py_TPFLAGS_DISALLOW_INSTANTIATION;
        }
    }
    if t.tp_flags & Py_TPFLAGS_DISALLOW_INSTANTIATION != 0 {
        t.tp_new = None;
        set(vm, class, "__new__", new_function(vm, tp, full.clone()))?;
    } else if t.tp_new.is_some() && c_layout {
        set(vm, class, "__new__", new_function(vm, tp, full.clone()))?;
    }
    macro_rules! slot {
        ($ptr:expr, $ty:ty) => {{
            let p = $ptr as *mut c_void;
            // SAFETY: the slot holds a function of the C signature its name implies.
            (!p.is_null()).then(|| unsafe { core::mem::transmute::<*mut c_void, $ty>(p) })
        }};
    }
    let fp = |f: Option<unsafe extern "C" fn()>| f.map_or(core::ptr::null_mut(), |f| f as *mut c_void);
    if let Some(f) = slot!(fp(t.tp_init), InitFn) {
        set(
            vm,
            class,
            "__init__",
            method(vm, class, "__init__", move |mut args, vm| {
                let zelf = take_self(vm, &mut args)?;
                let (tuple, kwargs) = c_args(vm, &args);
                // SAFETY: the slot has this C signature; the pointers are live references for the call.
                let r = with_c(vm, &[&zelf], |p| unsafe { f(p[0], tuple, kwargs) });
                // SAFETY: releases `c_args`'s references.
                unsafe {
                    Py_DecRef(tuple);
                    Py_DecRef(kwargs)
                };
                int_result(vm, r as isize).map(|_| vm.ctx.none())
            }),
        )?;
    }
    for (name, f) in [("__repr__", fp(t.tp_repr)), ("__str__", fp(t.tp_str)), ("__iter__", fp(t.tp_iter))] {
        if let Some(f) = slot!(f, Unary) {
            set(
                vm,
                class,
                name,
                method(vm, class, name, move |args, vm| {
                    let (zelf, _) = self_and(vm, args, name, 0)?;
                    // SAFETY: the slot has this C signature; the pointers are live references for the call.
                    let r = with_c(vm, &[&zelf], |p| unsafe { f(p[0]) });
                    unsafe { result_of(vm, r) }
                }),
            )?;
        }
    }
    if let Some(f) = slot!(fp(t.tp_iternext), Unary) {
        set(
            vm,
            class,
            "__next__",
            method(vm, class, "__next__", move |args, vm| {
                let (zelf, _) = self_and(vm, args, "__next__", 0)?;
                // SAFETY: the slot has this C signature; the pointers are live references for the call.
                let r = with_c(vm, &[&zelf], |p| unsafe { f(p[0]) });
                if r.is_null() && errors::occurred().is_null() {
                    return Err(vm.new_stop_iteration(None));
                }
                // SAFETY: the slot returned NULL or a new reference.
                unsafe { result_of(vm, r) }
            }),
        )?;
    }
    // C functions that stand for the interpreter's own behaviour need no wrapper.
    let exported = |f: *mut c_void, export: *mut c_void| !f.is_null() && f == export;
    use crate::generated::exports::object as api;
    if exported(fp(t.tp_hash), api::PyObject_HashNotImplemented as *mut c_void) {
        // Unhashable, as CPython marks it: `__hash__ = None`.
        set(vm, class, "__hash__", vm.ctx.none())?;
    } else if let Some(f) = slot!(fp(t.tp_hash), HashFn) {
        set(
            vm,
            class,
            "__hash__",
            method(vm, class, "__hash__", move |args, vm| {
                let (zelf, _) = self_and(vm, args, "__hash__", 0)?;
                // SAFETY: the slot has this C signature; the pointers are live references for the call.
                let r = with_c(vm, &[&zelf], |p| unsafe { f(p[0]) });
                Ok(vm.ctx.new_int(int_result(vm, r)?).into())
            }),
        )?;
    }
    if let Some(f) = slot!(fp(t.tp_richcompare), RichCmp) {
        for (op, name) in ["__lt__", "__le__", "__eq__", "__ne__", "__gt__", "__ge__"].into_iter().enumerate() {
            set(
                vm,
                class,
                name,
                method(vm, class, name, move |args, vm| {
                    let (zelf, rest) = self_and(vm, args, name, 1)?;
                    // SAFETY: the slot has this C signature; the pointers are live references for the call.
                    let r = with_c(vm, &[&zelf, &rest[0]], |p| unsafe { f(p[0], p[1], op as c_int) });
                    unsafe { result_of(vm, r) }
                }),
            )?;
        }
    }
    let vectorcall_offset = t.tp_vectorcall_offset;
    if vectorcall_offset > 0
        && (t.tp_flags & PY_TPFLAGS_HAVE_VECTORCALL != 0
            || exported(fp(t.tp_call), crate::generated::exports::abstract_::PyVectorcall_Call as *mut c_void))
    {
        // PEP 590: each instance holds its `vectorcallfunc` at `tp_vectorcall_offset`.
        let fallback = slot!(fp(t.tp_call), Ternary).filter(|f| {
            !exported(*f as *mut c_void, crate::generated::exports::abstract_::PyVectorcall_Call as *mut c_void)
        });
        set(
            vm,
            class,
            "__call__",
            method(vm, class, "__call__", move |mut args, vm| {
                let zelf = take_self(vm, &mut args)?;
                vectorcall(vm, &zelf, vectorcall_offset as usize, fallback, args)
            }),
        )?;
    } else if let Some(f) = slot!(fp(t.tp_call), Ternary) {
        set(
            vm,
            class,
            "__call__",
            method(vm, class, "__call__", move |mut args, vm| {
                let zelf = take_self(vm, &mut args)?;
                let (tuple, kwargs) = c_args(vm, &args);
                // SAFETY: the slot has this C signature; the pointers are live references for the call.
                let r = with_c(vm, &[&zelf], |p| unsafe { f(p[0], tuple, kwargs) });
                unsafe {
                    Py_DecRef(tuple);
                    Py_DecRef(kwargs);
                    result_of(vm, r)
                }
            }),
        )?;
    }
    let generic_get = exported(fp(t.tp_getattro), api::PyObject_GenericGetAttr as *mut c_void);
    let generic_set = exported(fp(t.tp_setattro), api::PyObject_GenericSetAttr as *mut c_void);
    if generic_get {
        // `object`'s lookup, which the class has already.
    } else if let Some(f) = slot!(fp(t.tp_getattro), Binary) {
        set(
            vm,
            class,
            "__getattribute__",
            method(vm, class, "__getattribute__", move |args, vm| {
                let (zelf, rest) = self_and(vm, args, "__getattribute__", 1)?;
                // SAFETY: the slot has this C signature; the pointers are live references for the call.
                let r = with_c(vm, &[&zelf, &rest[0]], |p| unsafe { f(p[0], p[1]) });
                unsafe { result_of(vm, r) }
            }),
        )?;
    } else if let Some(f) = slot!(fp(t.tp_getattr), GetAttr) {
        set(
            vm,
            class,
            "__getattribute__",
            method(vm, class, "__getattribute__", move |args, vm| {
                let (zelf, rest) = self_and(vm, args, "__getattribute__", 1)?;
                let name = std::ffi::CString::new(rest[0].str(vm)?.to_string()).unwrap_or_default();
                // SAFETY: the slot has this C signature; the pointers are live references for the call.
                let r = with_c(vm, &[&zelf], |p| unsafe { f(p[0], name.as_ptr().cast_mut()) });
                unsafe { result_of(vm, r) }
            }),
        )?;
    }
    let setattro = slot!(fp(t.tp_setattro), ObjObjArg).filter(|_| !generic_set);
    let setattr = slot!(fp(t.tp_setattr), SetAttr);
    if setattro.is_some() || setattr.is_some() {
        for (name, n) in [("__setattr__", 2), ("__delattr__", 1)] {
            set(
                vm,
                class,
                name,
                method(vm, class, name, move |args, vm| {
                    let (zelf, rest) = self_and(vm, args, name, n)?;
                    let value = rest.get(1).cloned();
                    let r = match (setattro, setattr) {
                        (Some(f), _) => with_c(vm, &[&zelf, &rest[0]], |p| {
                            let v = value.as_ref().map_or(NULL, |v| to_c(vm, v));
                            // SAFETY: the slot has this C signature; the pointers are live references for the call.
                            let r = unsafe { f(p[0], p[1], v) };
                            unsafe { Py_DecRef(v) };
                            r
                        }),
                        (None, Some(f)) => {
                            let cname = std::ffi::CString::new(rest[0].str(vm)?.to_string()).unwrap_or_default();
                            with_c(vm, &[&zelf], |p| {
                                let v = value.as_ref().map_or(NULL, |v| to_c(vm, v));
                                // SAFETY: the slot has this C signature; the pointers are live references for the call.
                                let r = unsafe { f(p[0], cname.as_ptr().cast_mut(), v) };
                                unsafe { Py_DecRef(v) };
                                r
                            })
                        }
                        (None, None) => 0,
                    };
                    int_result(vm, r as isize).map(|_| vm.ctx.none())
                }),
            )?;
        }
    }
    if let Some(f) = slot!(fp(t.tp_descr_get), Ternary) {
        set(
            vm,
            class,
            "__get__",
            method(vm, class, "__get__", move |mut args, vm| {
                let zelf = take_self(vm, &mut args)?;
                let obj = args.args.first().cloned().filter(|o| !vm.is_none(o));
                let ty = args.args.get(1).cloned().filter(|o| !vm.is_none(o));
                let r = with_c(vm, &[&zelf], |p| {
                    let (o, t) =
                        (obj.as_ref().map_or(NULL, |o| to_c(vm, o)), ty.as_ref().map_or(NULL, |o| to_c(vm, o)));
                    // SAFETY: the slot has this C signature; the pointers are live references for the call.
                    let r = unsafe { f(p[0], o, t) };
                    unsafe {
                        Py_DecRef(o);
                        Py_DecRef(t)
                    };
                    r
                });
                // SAFETY: the slot returned NULL or a new reference.
                unsafe { result_of(vm, r) }
            }),
        )?;
    }
    // SAFETY: the suites are NULL or live method tables of the type.
    unsafe {
        protocols::add_number(vm, class, suite(tp, 96))?;
        protocols::add_mapping_and_sequence(vm, class, suite(tp, 112), suite(tp, 104))?;
    }
    Ok(())
}
