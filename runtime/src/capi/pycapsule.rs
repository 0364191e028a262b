//! `Include/pycapsule.h`. A capsule is an interpreter object (`PyCapsule` below) that
//! holds the pointer, name, context and destructor; its proxy carries a copy of them in
//! CPython's (private) layout, which the functions here read. Setters write both. The
//! destructor runs when the interpreter object dies, with a temporary proxy that has
//! the fields, as CPython passes the dying capsule.

use core::ffi::{CStr, c_char, c_int, c_void};
use std::sync::Mutex;

use dxpy_macros::capi;
use rustpython_vm::class::{PyClassImpl, StaticType};
use rustpython_vm::types::Representable;
use rustpython_vm::{Py, PyObjectRef, PyPayload, PyResult, VirtualMachine, pyclass};

use crate::bridge::errors::with_vm;
use crate::bridge::layout::*;
use crate::bridge::object::{allocate, linked_object, to_c, type_ptr};
use crate::capi::object::Py_DecRef;

type Destructor = Option<unsafe extern "C" fn(*mut PyObject)>;

/// The fields, as CPython's `PyCapsule` lays them out after the object header.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
struct Fields {
    pointer: *mut c_void,
    name: *const c_char,
    context: *mut c_void,
    destructor: Destructor,
}

#[repr(C)]
struct CapsuleObject {
    ob_base: PyObject,
    fields: Fields,
}

#[pyclass(module = false, name = "PyCapsule")]
#[derive(Debug, PyPayload)]
pub struct PyCapsule {
    fields: Mutex<Fields>,
}

// SAFETY: the fields are C pointers the extension owns; CPython shares capsules between
// threads the same way.
unsafe impl Send for PyCapsule {}
// SAFETY: as above; the mutex serialises changes.
unsafe impl Sync for PyCapsule {}

#[pyclass(with(Representable))]
impl PyCapsule {}

impl Representable for PyCapsule {
    fn repr_str(zelf: &Py<Self>, _vm: &VirtualMachine) -> PyResult<String> {
        let fields = *zelf.fields.lock().unwrap_or_else(|e| e.into_inner());
        let addr = zelf as *const Py<Self> as usize;
        if fields.name.is_null() {
            return Ok(format!("<capsule object NULL at {addr:#x}>"));
        }
        // SAFETY: a capsule's name is a NUL-terminated string the extension keeps alive.
        let name = unsafe { CStr::from_ptr(fields.name) }.to_string_lossy();
        Ok(format!("<capsule object \"{name}\" at {addr:#x}>"))
    }
}

impl Drop for PyCapsule {
    fn drop(&mut self) {
        let fields = *self.fields.get_mut().unwrap_or_else(|e| e.into_inner());
        let Some(destructor) = fields.destructor else { return };
        let p = proxy(fields, None);
        // The destructor runs wherever the capsule dies; an error it leaves is not
        // anyone's to handle, and the one pending before is kept.
        let pending = crate::bridge::errors::take();
        // SAFETY: the destructor takes the capsule, here a proxy with its fields that
        // lives until the release below.
        unsafe {
            destructor(p);
            Py_DecRef(p);
        }
        crate::bridge::errors::restore(pending);
    }
}

/// The class capsules are instances of (made once per process).
pub fn class(_vm: &VirtualMachine) -> rustpython_vm::builtins::PyTypeRef {
    static INIT: std::sync::Once = std::sync::Once::new();
    INIT.call_once(|| {
        let class = PyCapsule::init_builtin_type();
        PyCapsule::extend_class(rustpython_vm::Context::genesis(), class);
    });
    PyCapsule::static_type().to_owned()
}

fn proxy(fields: Fields, object: Option<PyObjectRef>) -> *mut PyObject {
    let p = allocate(size_of::<CapsuleObject>(), type_ptr("PyCapsule_Type"), object);
    // SAFETY: just allocated with room for the fields.
    unsafe { (*p.cast::<CapsuleObject>()).fields = fields };
    p
}

/// The proxy of a capsule crossing into C: its fields in the layout.
pub fn materialise(obj: &PyObjectRef, capsule: &PyCapsule) -> *mut PyObject {
    proxy(*capsule.fields.lock().unwrap_or_else(|e| e.into_inner()), Some(obj.clone()))
}

/// `p` as a capsule if it is a valid one (exactly `PyCapsule_Type`, non-NULL pointer),
/// else CPython's `ValueError("<function> called with invalid PyCapsule object")`, set as
/// the pending error. Valid capsules need no interpreter: their destructors run when
/// nothing is calling C.
///
/// # Safety
/// `p` is NULL or a live object.
unsafe fn valid(p: *mut PyObject, function: &str) -> Option<*mut CapsuleObject> {
    // SAFETY: see the function's contract; a capsule proxy has the fields.
    if unsafe { is_capsule(p) } {
        return Some(p.cast());
    }
    fail::<()>(format!("{function} called with invalid PyCapsule object"), ());
    None
}

/// # Safety
/// `p` is NULL or a live object.
unsafe fn is_capsule(p: *mut PyObject) -> bool {
    // SAFETY: see the function's contract; a capsule proxy has the fields.
    !p.is_null()
        && unsafe {
            (*p).ob_type == type_ptr("PyCapsule_Type") && !(*p.cast::<CapsuleObject>()).fields.pointer.is_null()
        }
}

/// Sets `ValueError(message)` and returns `error`.
fn fail<T>(message: String, error: T) -> T {
    match crate::bridge::vm::with(|_| ()) {
        Some(()) => with_vm(error, |vm| Err(vm.new_value_error(message))),
        None => {
            crate::bridge::errors::set(crate::bridge::statics::exception("PyExc_ValueError"), message);
            error
        }
    }
}

/// CPython's `name_matches`: both NULL, or equal strings.
///
/// # Safety
/// Both are NULL or NUL-terminated.
unsafe fn name_matches(a: *const c_char, b: *const c_char) -> bool {
    match (a.is_null(), b.is_null()) {
        (true, true) => true,
        // SAFETY: see the function's contract.
        (false, false) => unsafe { CStr::from_ptr(a) == CStr::from_ptr(b) },
        _ => false,
    }
}

/// Changes a field on the proxy and on the interpreter capsule behind it.
///
/// # Safety
/// `c` is a live capsule proxy.
unsafe fn update(c: *mut CapsuleObject, change: impl Fn(&mut Fields)) {
    // SAFETY: see the function's contract.
    unsafe {
        change(&mut (*c).fields);
        let obj = linked_object(c.cast());
        if let Some(capsule) = obj.as_ref().and_then(|o| o.downcast_ref::<PyCapsule>()) {
            change(&mut capsule.fields.lock().unwrap_or_else(|e| e.into_inner()));
        }
    }
}

#[capi]
pub unsafe fn PyCapsule_New(pointer: *mut c_void, name: *const c_char, destructor: *mut c_void) -> *mut PyObject {
    with_vm(core::ptr::null_mut(), |vm| {
        if pointer.is_null() {
            return Err(vm.new_value_error("PyCapsule_New called with null pointer".to_owned()));
        }
        // SAFETY: a destructor is NULL or a function of this signature (C-API contract).
        let destructor: Destructor = unsafe { core::mem::transmute::<*mut c_void, Destructor>(destructor) };
        let fields = Fields { pointer, name, context: core::ptr::null_mut(), destructor };
        let obj: PyObjectRef = PyCapsule { fields: Mutex::new(fields) }.into_ref_with_type(vm, class(vm))?.into();
        Ok(to_c(vm, &obj))
    })
}

#[capi]
pub unsafe fn PyCapsule_GetPointer(capsule: *mut PyObject, name: *const c_char) -> *mut c_void {
    // SAFETY: the caller passes a live object and a C string or NULL (C-API contract).
    unsafe {
        let Some(c) = valid(capsule, "PyCapsule_GetPointer") else { return core::ptr::null_mut() };
        if !name_matches(name, (*c).fields.name) {
            return fail("PyCapsule_GetPointer called with incorrect name".to_owned(), core::ptr::null_mut());
        }
        (*c).fields.pointer
    }
}

#[capi]
pub unsafe fn PyCapsule_GetName(capsule: *mut PyObject) -> *const c_char {
    // SAFETY: the caller passes a live object (C-API contract).
    unsafe { valid(capsule, "PyCapsule_GetName").map_or(core::ptr::null(), |c| (*c).fields.name) }
}

#[capi]
pub unsafe fn PyCapsule_GetContext(capsule: *mut PyObject) -> *mut c_void {
    // SAFETY: the caller passes a live object (C-API contract).
    unsafe { valid(capsule, "PyCapsule_GetContext").map_or(core::ptr::null_mut(), |c| (*c).fields.context) }
}

#[capi]
pub unsafe fn PyCapsule_GetDestructor(capsule: *mut PyObject) -> *mut c_void {
    // SAFETY: the caller passes a live object (C-API contract).
    let d = unsafe { valid(capsule, "PyCapsule_GetDestructor").and_then(|c| (*c).fields.destructor) };
    d.map_or(core::ptr::null_mut(), |f| f as *mut c_void)
}

/// 1 if `capsule` is a valid capsule named `name`, else 0 (never an error).
#[capi]
pub unsafe fn PyCapsule_IsValid(capsule: *mut PyObject, name: *const c_char) -> c_int {
    // SAFETY: the caller passes NULL or a live object, and a C string or NULL.
    unsafe { (is_capsule(capsule) && name_matches(name, (*capsule.cast::<CapsuleObject>()).fields.name)) as c_int }
}

#[capi]
pub unsafe fn PyCapsule_SetPointer(capsule: *mut PyObject, pointer: *mut c_void) -> c_int {
    with_vm(-1, |vm| {
        if pointer.is_null() {
            return Err(vm.new_value_error("PyCapsule_SetPointer called with null pointer".to_owned()));
        }
        // SAFETY: the caller passes a live object (C-API contract).
        match unsafe { valid(capsule, "PyCapsule_SetPointer") } {
            // SAFETY: a live capsule proxy.
            Some(c) => unsafe { update(c, |f| f.pointer = pointer) },
            None => return Ok(-1),
        }
        Ok(0)
    })
}

#[capi]
pub unsafe fn PyCapsule_SetName(capsule: *mut PyObject, name: *const c_char) -> c_int {
    // SAFETY: the caller passes a live object (C-API contract).
    match unsafe { valid(capsule, "PyCapsule_SetName") } {
        // SAFETY: a live capsule proxy.
        Some(c) => unsafe { update(c, |f| f.name = name) },
        None => return -1,
    }
    0
}

#[capi]
pub unsafe fn PyCapsule_SetContext(capsule: *mut PyObject, context: *mut c_void) -> c_int {
    // SAFETY: the caller passes a live object (C-API contract).
    match unsafe { valid(capsule, "PyCapsule_SetContext") } {
        // SAFETY: a live capsule proxy.
        Some(c) => unsafe { update(c, |f| f.context = context) },
        None => return -1,
    }
    0
}

#[capi]
pub unsafe fn PyCapsule_SetDestructor(capsule: *mut PyObject, destructor: *mut c_void) -> c_int {
    // SAFETY: a destructor is NULL or a function of this signature (C-API contract).
    let d: Destructor = unsafe { core::mem::transmute::<*mut c_void, Destructor>(destructor) };
    // SAFETY: the caller passes a live object (C-API contract).
    match unsafe { valid(capsule, "PyCapsule_SetDestructor") } {
        // SAFETY: a live capsule proxy.
        Some(c) => unsafe { update(c, |f| f.destructor = d) },
        None => return -1,
    }
    0
}

/// Imports `"package.module.attr..."` and returns the pointer of the capsule found there,
/// which must be named exactly `name`.
#[capi]
pub unsafe fn PyCapsule_Import(name: *const c_char, no_block: c_int) -> *mut c_void {
    let _ = no_block; // ignored by CPython 3.11 as well
    with_vm(core::ptr::null_mut(), |vm| {
        // SAFETY: the caller passes a NUL-terminated name (C-API contract).
        let full = unsafe { crate::capi::c_text(name) }.unwrap_or_default();
        // As CPython 3.11: import the first component, then follow attributes.
        let mut parts = full.split('.');
        let first = parts.next().unwrap_or_default().to_owned();
        let mut object = vm.import(&*vm.ctx.new_str(first.as_str()), 0).map_err(|_| {
            vm.new_import_error(
                format!("PyCapsule_Import could not import module \"{first}\""),
                vm.ctx.new_str(first.as_str()),
            )
        })?;
        for part in parts {
            object = object.get_attr(&*vm.ctx.new_str(part), vm)?;
        }
        let p = to_c(vm, &object);
        // SAFETY: `p` is a live reference we own; `name` as above.
        let result = unsafe {
            if PyCapsule_IsValid(p, name) == 1 { Ok((*p.cast::<CapsuleObject>()).fields.pointer) } else { Err(()) }
        };
        // SAFETY: releases `to_c`'s reference; the module keeps the capsule alive.
        unsafe { Py_DecRef(p) };
        result.map_err(|_| vm.new_attribute_error(format!("PyCapsule_Import \"{full}\" is not valid")))
    })
}
