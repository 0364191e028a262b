//! `Include/object.h`: reference counting, attributes, conversions to str, truth,
//! hashing and comparison.

use core::ffi::{CStr, c_char, c_int};

use dxpy_macros::capi;
use rustpython_vm::builtins::PyStr;
use rustpython_vm::types::PyComparisonOp;
use rustpython_vm::{AsObject, PyObjectRef, PyResult, VirtualMachine};

use crate::bridge::errors::with_vm;
use crate::bridge::layout::*;
use crate::bridge::object::{from_c, to_c};
use crate::capi::abstract_::live;

const NULL: *mut PyObject = core::ptr::null_mut();

/// `Py_IncRef`: the function form of `Py_XINCREF`, for callers that cannot use macros.
#[capi]
pub unsafe fn Py_IncRef(o: *mut PyObject) {
    if !o.is_null() {
        // SAFETY: a non-NULL argument is a live object whose header the caller may write.
        unsafe { (*o).ob_refcnt += 1 };
    }
}

/// `Py_NewRef`: a new reference to `obj` (function form of the 3.10+ inline).
#[capi]
pub unsafe fn Py_NewRef(obj: *mut PyObject) -> *mut PyObject {
    // SAFETY: forwards the caller's contract (a live object).
    unsafe { Py_IncRef(obj) };
    obj
}

/// `Py_XNewRef`: as `Py_NewRef`, NULL-tolerant.
#[capi]
pub unsafe fn Py_XNewRef(obj: *mut PyObject) -> *mut PyObject {
    // SAFETY: `Py_IncRef` ignores NULL; otherwise a live object.
    unsafe { Py_IncRef(obj) };
    obj
}

/// `Py_DecRef`: the function form of `Py_XDECREF`.
#[capi]
pub unsafe fn Py_DecRef(o: *mut PyObject) {
    if o.is_null() {
        return;
    }
    // SAFETY: a non-NULL argument is a live object the caller owns a reference to.
    unsafe {
        (*o).ob_refcnt -= 1;
        if (*o).ob_refcnt == 0 {
            _Py_Dealloc(o);
        }
    }
}

/// `_Py_Dealloc`: what `Py_DECREF` calls when the count reaches zero: the type's
/// `tp_dealloc`.
#[capi]
pub unsafe fn _Py_Dealloc(o: *mut PyObject) {
    // SAFETY: `o` is an object whose last reference was just dropped; its type is live.
    unsafe {
        let ty = (*o).ob_type;
        if let Some(dealloc) = (*ty).tp_dealloc {
            dealloc(o);
        }
    }
}

/// An attribute name given as `PyObject *`: it must be a str.
fn attr_name(vm: &VirtualMachine, name: PyObjectRef) -> PyResult<rustpython_vm::PyRef<PyStr>> {
    name.downcast::<PyStr>()
        .map_err(|name| vm.new_type_error(format!("attribute name must be string, not '{}'", name.class().name())))
}

/// An attribute name given as a C string.
///
/// # Safety
/// `name` is NUL-terminated.
unsafe fn c_name(vm: &VirtualMachine, name: *const c_char) -> PyResult<rustpython_vm::PyRef<PyStr>> {
    if name.is_null() {
        return Err(vm.new_system_error("null argument to internal routine".to_owned()));
    }
    // SAFETY: see the function's contract.
    let text = unsafe { CStr::from_ptr(name) }
        .to_str()
        .map_err(|e| vm.new_unicode_decode_error(format!("'utf-8' codec can't decode attribute name: {e}")))?;
    Ok(vm.ctx.new_str(text))
}

fn get_attr(vm: &VirtualMachine, o: PyObjectRef, name: &rustpython_vm::Py<PyStr>) -> PyResult<*mut PyObject> {
    Ok(to_c(vm, &o.get_attr(name, vm)?))
}

/// Sets the attribute, or deletes it when `v` is NULL (as CPython does).
///
/// # Safety
/// `v` is NULL or a live object.
unsafe fn set_attr(
    vm: &VirtualMachine,
    o: PyObjectRef,
    name: &rustpython_vm::Py<PyStr>,
    v: *mut PyObject,
) -> PyResult<c_int> {
    if v.is_null() {
        o.del_attr(name, vm)?;
    } else {
        // SAFETY: see the function's contract.
        o.set_attr(name, unsafe { from_c(vm, v) }, vm)?;
    }
    Ok(0)
}

#[capi]
pub unsafe fn PyObject_GetAttr(o: *mut PyObject, attr_name: *mut PyObject) -> *mut PyObject {
    with_vm(NULL, |vm| {
        // SAFETY: the caller passes live objects (C-API contract).
        let (o, name) = unsafe { (live(vm, o)?, live(vm, attr_name)?) };
        get_attr(vm, o, &*self::attr_name(vm, name)?)
    })
}

#[capi]
pub unsafe fn PyObject_GetAttrString(o: *mut PyObject, attr_name: *const c_char) -> *mut PyObject {
    with_vm(NULL, |vm| {
        // SAFETY: the caller passes a live object and a NUL-terminated name (C-API contract).
        let (o, name) = unsafe { (live(vm, o)?, c_name(vm, attr_name)?) };
        get_attr(vm, o, &name)
    })
}

#[capi]
pub unsafe fn PyObject_SetAttr(o: *mut PyObject, attr_name: *mut PyObject, v: *mut PyObject) -> c_int {
    with_vm(-1, |vm| {
        // SAFETY: the caller passes live objects, `v` possibly NULL (C-API contract).
        unsafe {
            let (o, name) = (live(vm, o)?, live(vm, attr_name)?);
            set_attr(vm, o, &*self::attr_name(vm, name)?, v)
        }
    })
}

#[capi]
pub unsafe fn PyObject_SetAttrString(o: *mut PyObject, attr_name: *const c_char, v: *mut PyObject) -> c_int {
    with_vm(-1, |vm| {
        // SAFETY: the caller passes a live object, a NUL-terminated name and a live value
        // or NULL (C-API contract).
        unsafe {
            let (o, name) = (live(vm, o)?, c_name(vm, attr_name)?);
            set_attr(vm, o, &name, v)
        }
    })
}

/// 1 if the attribute exists; 0 otherwise, including when looking it up fails (the
/// error is discarded, as CPython 3.11 does).
#[capi]
pub unsafe fn PyObject_HasAttr(o: *mut PyObject, attr_name: *mut PyObject) -> c_int {
    with_vm(0, |vm| {
        // SAFETY: the caller passes live objects (C-API contract).
        let found = unsafe { live(vm, o).and_then(|o| Ok((o, live(vm, attr_name)?))) }
            .and_then(|(o, name)| Ok((o, self::attr_name(vm, name)?)))
            .and_then(|(o, name)| o.get_attr(&name, vm))
            .is_ok();
        Ok(found.into())
    })
}

#[capi]
pub unsafe fn PyObject_HasAttrString(o: *mut PyObject, attr_name: *const c_char) -> c_int {
    with_vm(0, |vm| {
        // SAFETY: the caller passes a live object and a NUL-terminated name (C-API contract).
        let found = unsafe { live(vm, o).and_then(|o| Ok((o, c_name(vm, attr_name)?))) }
            .and_then(|(o, name)| o.get_attr(&name, vm))
            .is_ok();
        Ok(found.into())
    })
}

/// `repr`, `str` or `ascii` of `o`; NULL gives `"<NULL>"`, as in CPython.
///
/// # Safety
/// `o` is NULL or a live object.
unsafe fn text_of(
    o: *mut PyObject,
    f: impl FnOnce(&VirtualMachine, &PyObjectRef) -> PyResult<rustpython_vm::PyRef<PyStr>>,
) -> *mut PyObject {
    with_vm(NULL, |vm| {
        if o.is_null() {
            return Ok(to_c(vm, &vm.ctx.new_str("<NULL>").into()));
        }
        // SAFETY: see the function's contract.
        let o = unsafe { from_c(vm, o) };
        Ok(to_c(vm, &f(vm, &o)?.into()))
    })
}

#[capi]
pub unsafe fn PyObject_Repr(o: *mut PyObject) -> *mut PyObject {
    // SAFETY: the caller passes a live object or NULL (C-API contract).
    unsafe { text_of(o, |vm, o| o.repr(vm)) }
}

#[capi]
pub unsafe fn PyObject_Str(o: *mut PyObject) -> *mut PyObject {
    // SAFETY: the caller passes a live object or NULL (C-API contract).
    unsafe { text_of(o, |vm, o| o.str(vm)) }
}

#[capi]
pub unsafe fn PyObject_ASCII(o: *mut PyObject) -> *mut PyObject {
    // SAFETY: the caller passes a live object or NULL (C-API contract).
    unsafe { text_of(o, |vm, o| o.ascii(vm)) }
}

#[capi]
pub unsafe fn PyObject_IsTrue(o: *mut PyObject) -> c_int {
    with_vm(-1, |vm| {
        // SAFETY: the caller passes a live object (C-API contract).
        let o = unsafe { live(vm, o) }?;
        Ok(o.is_true(vm)?.into())
    })
}

#[capi]
pub unsafe fn PyObject_Not(o: *mut PyObject) -> c_int {
    with_vm(-1, |vm| {
        // SAFETY: the caller passes a live object (C-API contract).
        let o = unsafe { live(vm, o) }?;
        Ok(o.not(vm)?.into())
    })
}

#[capi]
pub unsafe fn PyObject_Hash(o: *mut PyObject) -> Py_hash_t {
    with_vm(-1, |vm| {
        // SAFETY: the caller passes a live object (C-API contract).
        let o = unsafe { live(vm, o) }?;
        Ok(o.hash(vm)? as Py_hash_t)
    })
}

/// CPython's `Py_LT` … `Py_GE` (0–5).
fn comparison(vm: &VirtualMachine, opid: c_int) -> PyResult<PyComparisonOp> {
    Ok(match opid {
        0 => PyComparisonOp::Lt,
        1 => PyComparisonOp::Le,
        2 => PyComparisonOp::Eq,
        3 => PyComparisonOp::Ne,
        4 => PyComparisonOp::Gt,
        5 => PyComparisonOp::Ge,
        _ => return Err(crate::bridge::errors::bad_internal_call(vm)),
    })
}

#[capi]
pub unsafe fn PyObject_RichCompare(o1: *mut PyObject, o2: *mut PyObject, opid: c_int) -> *mut PyObject {
    with_vm(NULL, |vm| {
        // SAFETY: the caller passes live objects (C-API contract).
        let (a, b) = unsafe { (live(vm, o1)?, live(vm, o2)?) };
        Ok(to_c(vm, &a.rich_compare(b, comparison(vm, opid)?, vm)?))
    })
}

/// The comparison as 1/0, or -1 on error. Identical objects are equal (and not unequal)
/// without calling `__eq__`, as in CPython.
#[capi]
pub unsafe fn PyObject_RichCompareBool(o1: *mut PyObject, o2: *mut PyObject, opid: c_int) -> c_int {
    with_vm(-1, |vm| {
        // SAFETY: the caller passes live objects (C-API contract).
        let (a, b) = unsafe { (live(vm, o1)?, live(vm, o2)?) };
        let op = comparison(vm, opid)?;
        if a.is(&b) {
            if op == PyComparisonOp::Eq {
                return Ok(1);
            }
            if op == PyComparisonOp::Ne {
                return Ok(0);
            }
        }
        Ok(a.rich_compare_bool(&b, op, vm)?.into())
    })
}

#[capi]
pub unsafe fn PyCallable_Check(o: *mut PyObject) -> c_int {
    if o.is_null() {
        return 0;
    }
    // SAFETY: the caller passes a live object (C-API contract).
    with_vm(0, |vm| Ok(unsafe { from_c(vm, o) }.is_callable().into()))
}

/// `x is y`: the bridge gives every object one C address, so identity is pointer equality.
#[capi]
pub unsafe fn Py_Is(x: *mut PyObject, y: *mut PyObject) -> c_int {
    (x == y).into()
}

// Type objects (CPython's typeobject.c; the spec lists them in object.yaml). The
// machinery is in capi/typeobject.rs and bridge/ctype.rs.

use core::ffi::{c_ulong, c_void};

use rustpython_vm::TryFromObject;
use rustpython_vm::builtins::{PyType, PyTypeRef};

use crate::bridge::ctype::{self, HT_MODULE};
use crate::bridge::errors::bad_internal_call;
use crate::capi::typeobject::{from_spec, module_of, name_of, object_method, ready, slot_location};

#[capi]
pub unsafe fn PyType_FromModuleAndSpec(
    module: *mut PyObject,
    spec: *mut c_void,
    bases: *mut PyObject,
) -> *mut PyObject {
    // SAFETY: the caller passes a valid spec and live objects or NULL (C-API contract).
    with_vm(NULL, |vm| unsafe { from_spec(vm, module, spec.cast(), bases) })
}

#[capi]
pub unsafe fn PyType_FromSpecWithBases(spec: *mut c_void, bases: *mut PyObject) -> *mut PyObject {
    // SAFETY: as above.
    with_vm(NULL, |vm| unsafe { from_spec(vm, NULL, spec.cast(), bases) })
}

#[capi]
pub unsafe fn PyType_FromSpec(spec: *mut c_void) -> *mut PyObject {
    // SAFETY: as above.
    with_vm(NULL, |vm| unsafe { from_spec(vm, NULL, spec.cast(), NULL) })
}

/// Readies a static type: fills what it inherits and makes its interpreter class, once.
#[capi]
pub unsafe fn PyType_Ready(type_: *mut PyTypeObject) -> c_int {
    with_vm(-1, |vm| {
        // SAFETY: the caller passes a type object (C-API contract).
        unsafe { ready(vm, type_) }.map(|()| 0)
    })
}

/// `PyType_GetSlot`: the function (or value) in slot `slot`, NULL if the type has none.
#[capi]
pub unsafe fn PyType_GetSlot(type_: *mut PyTypeObject, slot: c_int) -> *mut c_void {
    let Some((suite, offset)) = slot_location(slot) else {
        return crate::bridge::errors::fail_bad_internal_call(core::ptr::null_mut());
    };
    // SAFETY: the caller passes a live type object (C-API contract); suites are NULL or live.
    unsafe {
        match suite {
            None => ctype::slot_at(type_.cast(), offset),
            Some(field) => ctype::slot_at(ctype::slot_at(type_.cast(), field).cast(), offset),
        }
    }
}

#[capi]
pub unsafe fn PyType_GetFlags(type_: *mut PyTypeObject) -> c_ulong {
    // SAFETY: the caller passes a live type object (C-API contract).
    unsafe { (*type_).tp_flags }
}

/// The module the type was made with (borrowed).
#[capi]
pub unsafe fn PyType_GetModule(type_: *mut PyTypeObject) -> *mut PyObject {
    // SAFETY: the caller passes a live type object (C-API contract).
    with_vm(NULL, |vm| unsafe { module_of(vm, type_) })
}

#[capi]
pub unsafe fn PyType_GetModuleState(type_: *mut PyTypeObject) -> *mut c_void {
    // SAFETY: as above.
    match with_vm(NULL, |vm| unsafe { module_of(vm, type_) }) {
        NULL => core::ptr::null_mut(),
        // SAFETY: a live module.
        m => unsafe { crate::capi::moduleobject::PyModule_GetState(m) },
    }
}

/// The module of the first class in the type's MRO made with a module of definition
/// `def` (borrowed).
#[capi]
pub unsafe fn PyType_GetModuleByDef(type_: *mut PyTypeObject, def: *mut c_void) -> *mut PyObject {
    with_vm(NULL, |vm| {
        // SAFETY: the caller passes a live type object (C-API contract).
        let class = PyTypeRef::try_from_object(vm, unsafe { from_c(vm, type_.cast()) })?;
        for c in class.mro_map_collect(|c| c.to_owned()) {
            let tp = crate::bridge::object::type_object(vm, &c);
            // SAFETY: type objects of the MRO are live; the module slot exists for heap types.
            unsafe {
                if (*tp).tp_flags & ctype::Py_TPFLAGS_HEAPTYPE == 0 || !ctype::is_c_type(tp) {
                    continue;
                }
                let m = tp.cast::<u8>().add(HT_MODULE).cast::<*mut PyObject>().read();
                if !m.is_null() && crate::capi::moduleobject::def_of(m) == Some(def.cast()) {
                    return Ok(m);
                }
            }
        }
        // SAFETY: as above.
        Err(vm.new_type_error(format!("PyType_GetModuleByDef: No superclass of '{}' has the given module", unsafe {
            name_of(type_)
        })))
    })
}

#[capi]
pub unsafe fn PyType_GenericAlloc(type_: *mut PyTypeObject, nitems: Py_ssize_t) -> *mut PyObject {
    // SAFETY: the caller passes a live type object (C-API contract).
    unsafe { ctype::generic_alloc(type_, nitems) }
}

/// `tp_alloc(type, 0)`, ignoring the arguments, as CPython's does.
#[capi]
pub unsafe fn PyType_GenericNew(type_: *mut PyTypeObject, args: *mut PyObject, kwds: *mut PyObject) -> *mut PyObject {
    let _ = (args, kwds);
    // SAFETY: the caller passes a live type object (C-API contract).
    unsafe {
        match (*type_).tp_alloc {
            Some(a) => core::mem::transmute::<
                unsafe extern "C" fn(),
                unsafe extern "C" fn(*mut PyTypeObject, isize) -> *mut PyObject,
            >(a)(type_, 0),
            None => ctype::generic_alloc(type_, 0),
        }
    }
}

#[capi]
pub unsafe fn PyType_IsSubtype(a: *mut PyTypeObject, b: *mut PyTypeObject) -> c_int {
    use crate::bridge::object::is_static;
    if !is_static(a.cast()) || !is_static(b.cast()) {
        // A static type not readied yet has no class: its `tp_base` chain, as CPython
        // uses before `tp_mro` exists.
        let mut t = a;
        while !t.is_null() {
            if t == b {
                return 1;
            }
            // SAFETY: the caller passes live type objects; bases are live too.
            t = unsafe { (*t).tp_base };
        }
        return 0;
    }
    with_vm(0, |vm| {
        // SAFETY: the caller passes live type objects (C-API contract).
        let (a, b) = unsafe { (from_c(vm, a.cast()), from_c(vm, b.cast())) };
        let a = PyTypeRef::try_from_object(vm, a)?;
        Ok(a.fast_issubclass(&b).into())
    })
}

/// The attribute lookup of `object` (descriptors, then the instance dict), bypassing a
/// type's own `tp_getattro` (which is usually the caller).
#[capi]
pub unsafe fn PyObject_GenericGetAttr(o: *mut PyObject, name: *mut PyObject) -> *mut PyObject {
    with_vm(NULL, |vm| {
        // SAFETY: the caller passes live objects (C-API contract).
        let (o, name) = unsafe { (live(vm, o)?, live(vm, name)?) };
        match object_method(vm, "__getattribute__")?.call((o.clone(), name.clone()), vm) {
            Ok(r) => Ok(to_c(vm, &r)),
            Err(e) => Err(crate::capi::typeobject::no_attribute(vm, e, &o, &name)),
        }
    })
}

#[capi]
pub unsafe fn PyObject_GenericSetAttr(o: *mut PyObject, name: *mut PyObject, value: *mut PyObject) -> c_int {
    with_vm(-1, |vm| {
        // SAFETY: the caller passes live objects, `value` possibly NULL (C-API contract).
        let (o, name) = unsafe { (live(vm, o)?, live(vm, name)?) };
        if value.is_null() {
            object_method(vm, "__delattr__")?.call((o, name), vm)?;
        } else {
            // SAFETY: as above.
            let v = unsafe { from_c(vm, value) };
            object_method(vm, "__setattr__")?.call((o, name, v), vm)?;
        }
        Ok(0)
    })
}

/// The type's `__name__` (a new reference).
#[capi]
pub unsafe fn PyType_GetName(type_: *mut PyTypeObject) -> *mut PyObject {
    with_vm(NULL, |vm| {
        // SAFETY: the caller passes a live type object (C-API contract).
        let class = unsafe { from_c(vm, type_.cast()) };
        let class = class.downcast::<PyType>().map_err(|_| bad_internal_call(vm))?;
        Ok(to_c(vm, &vm.ctx.new_str(class.name().to_string()).into()))
    })
}

#[capi]
pub unsafe fn PyType_GetQualName(type_: *mut PyTypeObject) -> *mut PyObject {
    with_vm(NULL, |vm| {
        // SAFETY: the caller passes a live type object (C-API contract).
        let class = unsafe { from_c(vm, type_.cast()) };
        Ok(to_c(vm, &class.get_attr("__qualname__", vm)?))
    })
}

/// `tp_iter` of iterators: the object itself (a new reference).
#[capi]
pub unsafe fn PyObject_SelfIter(arg0: *mut PyObject) -> *mut PyObject {
    // SAFETY: the caller passes a live object (C-API contract).
    unsafe { Py_IncRef(arg0) };
    arg0
}

/// `tp_hash` of unhashable types: a `TypeError`, as CPython's.
#[capi]
pub unsafe fn PyObject_HashNotImplemented(o: *mut PyObject) -> Py_hash_t {
    with_vm(-1, |vm| {
        // SAFETY: the caller passes a live object (C-API contract).
        let o = unsafe { live(vm, o) }?;
        let tp = crate::bridge::object::type_object(vm, &o.class().to_owned());
        // SAFETY: type objects are live.
        Err(vm.new_type_error(format!("unhashable type: '{}'", unsafe { name_of(tp) })))
    })
}

/// Nothing to invalidate: DX-Py reads a C type's slots when it calls them.
#[capi]
pub unsafe fn PyType_Modified(type_: *mut PyTypeObject) {
    let _ = type_;
}

/// Runs the type's `tp_finalize` (PEP 442) from `tp_dealloc`; 0: the object stays dead.
/// DX-Py finalizes once per call; C objects are never resurrected here.
#[capi]
pub unsafe fn PyObject_CallFinalizerFromDealloc(arg0: *mut PyObject) -> c_int {
    // SAFETY: the caller passes an object being deallocated (C-API contract).
    unsafe { PyObject_CallFinalizer(arg0) };
    0
}

#[capi]
pub unsafe fn PyObject_CallFinalizer(arg0: *mut PyObject) {
    // SAFETY: the caller passes a live object; `tp_finalize` is a `destructor`.
    unsafe {
        if let Some(f) = (*(*arg0).ob_type).tp_finalize {
            core::mem::transmute::<unsafe extern "C" fn(), unsafe extern "C" fn(*mut PyObject)>(f)(arg0);
        }
    }
}

/// The interpreter keeps the weak references of C instances (on their interpreter
/// object, cleared when it dies), so the C-level list a type's `tp_dealloc` clears is
/// always empty: nothing to do.
#[capi]
pub unsafe fn PyObject_ClearWeakRefs(arg0: *mut PyObject) {
    let _ = arg0;
}
