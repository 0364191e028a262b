//! `Include/modsupport.h`: creating modules from a `PyModuleDef` (single-phase init), and
//! the format-string families: argument parsing (`getargs`), value building and the calls
//! built on it (`buildvalue`), and `PyUnicode_FromFormat`/`PyErr_Format` (`format`). The
//! variadic entry points of those are C (`capi/getargs.c`), which gathers the varargs into
//! [`Slot`]s and calls the `dxpy_*` functions here.

mod buildvalue;
mod checks;
mod fast;
mod format;
mod getargs;

pub use checks::*;
pub use getargs::{borrow_mark, release_borrowed};

use core::ffi::{CStr, c_char, c_int, c_long, c_void};

use dxpy_macros::capi;
use rustpython_vm::{AsObject, PyObjectRef, PyResult, VirtualMachine};

use crate::bridge::call::{self, PyMethodDef};
use crate::bridge::errors::with_vm;
use crate::bridge::layout::*;
use crate::bridge::object::{from_c, to_c};
use crate::capi::object::Py_DecRef;

/// `PyModuleDef` (Include/moduleobject.h): `PyModuleDef_Base` (40 bytes), then these.
#[repr(C)]
struct PyModuleDef {
    m_base: [u8; 40],
    m_name: *const c_char,
    m_doc: *const c_char,
    m_size: Py_ssize_t,
    m_methods: *const PyMethodDef,
    m_slots: *mut c_void,
}

use crate::capi::c_text as text;

/// Creates the module: its name and doc from the definition, a function for each
/// method-table entry bound to the module.
#[capi]
pub unsafe fn PyModule_Create2(def: *mut c_void, apiver: c_int) -> *mut PyObject {
    let _ = apiver; // every 3.x extension passes 1013; CPython only warns on a mismatch.
    with_vm(core::ptr::null_mut(), |vm| {
        let def = def.cast::<PyModuleDef>();
        // SAFETY: the caller passes a static, initialised PyModuleDef (C-API contract).
        let (name, doc, size, mut method) =
            unsafe { (text((*def).m_name), text((*def).m_doc), (*def).m_size, (*def).m_methods) };
        let name = name.ok_or_else(|| vm.new_system_error("module definition without a name".to_owned()))?;
        let module = vm.new_module(&name, vm.ctx.new_dict(), doc.map(|d| vm.ctx.new_str(d)));
        let module: PyObjectRef = module.into();
        let c_module = to_c(vm, &module);
        // Per-module state and `PyModule_GetDef` (moduleobject.rs keeps the module's C identity).
        crate::capi::moduleobject::register(to_c(vm, &module), def.cast());
        if size >= 0 {
            // SAFETY: a valid definition (see above).
            unsafe { crate::capi::moduleobject::ensure_state(c_module, def.cast()) };
        }
        // SAFETY: the method table ends with an entry whose name is NULL.
        unsafe {
            while !method.is_null() && !(*method).ml_name.is_null() {
                let f = call::function(vm, method, c_module, &name);
                let fname = CStr::from_ptr((*method).ml_name).to_string_lossy().into_owned();
                module.set_attr(&vm.ctx.new_str(fname), f, vm)?;
                method = method.add(1);
            }
        }
        Ok(c_module)
    })
}

/// # Safety
/// `module` is a live object; `name` NUL-terminated.
unsafe fn add(vm: &VirtualMachine, module: *mut PyObject, name: *const c_char, value: PyObjectRef) -> PyResult<c_int> {
    // SAFETY: see the function's contract.
    let (module, name) = unsafe { (from_c(vm, module), text(name)) };
    let name = name.ok_or_else(|| vm.new_type_error("module attribute name must not be NULL".to_owned()))?;
    module.as_object().set_attr(&vm.ctx.new_str(name), value, vm)?;
    Ok(0)
}

#[capi]
pub unsafe fn PyModule_AddIntConstant(module: *mut PyObject, name: *const c_char, value: c_long) -> c_int {
    // SAFETY: forwards the caller's contract.
    with_vm(-1, |vm| unsafe { add(vm, module, name, vm.ctx.new_int(value).into()) })
}

#[capi]
pub unsafe fn PyModule_AddStringConstant(module: *mut PyObject, name: *const c_char, value: *const c_char) -> c_int {
    with_vm(-1, |vm| {
        // SAFETY: forwards the caller's contract.
        let value = unsafe { text(value) }.unwrap_or_default();
        // SAFETY: forwards the caller's contract.
        unsafe { add(vm, module, name, vm.ctx.new_str(value).into()) }
    })
}

/// Adds `value` and steals its reference, but only on success (the 3.11 contract).
#[capi]
pub unsafe fn PyModule_AddObject(module: *mut PyObject, name: *const c_char, value: *mut PyObject) -> c_int {
    with_vm(-1, |vm| {
        if value.is_null() {
            return Err(vm.new_type_error(
                "PyModule_AddObject() must be called with an exception raised if value is NULL".to_owned(),
            ));
        }
        // SAFETY: the caller passes live objects (C-API contract).
        let result = unsafe { add(vm, module, name, from_c(vm, value)) };
        if result.is_ok() {
            // SAFETY: the reference we steal on success.
            unsafe { Py_DecRef(value) };
        }
        result
    })
}

/// One C vararg as `capi/getargs.c` stores it: integers widened to 64 bits, doubles,
/// pointers. Which member is valid follows from the format, which both sides read alike.
#[repr(C)]
#[derive(Clone, Copy)]
pub union Slot {
    pub i: i64,
    pub u: u64,
    pub d: f64,
    pub p: *mut c_void,
}

/// The varargs of one call, read in order.
pub(crate) struct Slots<'a> {
    slots: &'a [Slot],
    next: usize,
}

impl<'a> Slots<'a> {
    /// # Safety
    /// `p` points at `n` slots (or `n` is 0) that outlive the returned value.
    pub(crate) unsafe fn new(p: *const Slot, n: usize) -> Self {
        // SAFETY: see the function's contract.
        let slots = if n == 0 || p.is_null() { &[][..] } else { unsafe { core::slice::from_raw_parts(p, n) } };
        Slots { slots, next: 0 }
    }

    /// No arguments (for walks of a format that only check it).
    pub(crate) fn empty() -> Self {
        Slots { slots: &[], next: 0 }
    }

    /// The next slot; running out means the C walk and the Rust walk of the format
    /// disagree, which is reported rather than read past the end.
    pub(crate) fn next(&mut self, vm: &VirtualMachine) -> PyResult<Slot> {
        let s = self.slots.get(self.next).copied().ok_or_else(|| {
            vm.new_system_error("DX-Py: format walk read more arguments than were gathered".to_owned())
        })?;
        self.next += 1;
        Ok(s)
    }

    pub(crate) fn ptr(&mut self, vm: &VirtualMachine) -> PyResult<*mut c_void> {
        // SAFETY: every slot is 8 bytes of initialised data; the format says it is a pointer.
        Ok(unsafe { self.next(vm)?.p })
    }

    pub(crate) fn int(&mut self, vm: &VirtualMachine) -> PyResult<i64> {
        // SAFETY: as for `ptr`.
        Ok(unsafe { self.next(vm)?.i })
    }

    pub(crate) fn uint(&mut self, vm: &VirtualMachine) -> PyResult<u64> {
        // SAFETY: as for `ptr`.
        Ok(unsafe { self.next(vm)?.u })
    }

    pub(crate) fn double(&mut self, vm: &VirtualMachine) -> PyResult<f64> {
        // SAFETY: as for `ptr`.
        Ok(unsafe { self.next(vm)?.d })
    }
}

/// Runs the body of a `dxpy_*` entry point called from C: a panic must not unwind into
/// C, so it becomes a `SystemError` naming the function, and `error` is returned.
pub(crate) fn guard<T>(function: &str, error: T, f: impl FnOnce() -> T) -> T {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(v) => v,
        Err(payload) => {
            crate::bridge::errors::panicked(function, payload);
            error
        }
    }
}

/// The pending C error as an interpreter exception (for C callbacks such as `O&`
/// converters that fail), or `fallback` when none is set.
pub(crate) fn pending_or(
    vm: &VirtualMachine,
    fallback: impl FnOnce() -> rustpython_vm::builtins::PyBaseExceptionRef,
) -> rustpython_vm::builtins::PyBaseExceptionRef {
    match crate::bridge::errors::take() {
        Some(p) => call::exception(vm, &p),
        None => fallback(),
    }
}

// Multi-phase initialisation and types (moduleobject.rs, ctype.rs hold the semantics).

#[capi]
pub unsafe fn PyModule_FromDefAndSpec2(
    def: *mut c_void,
    spec: *mut PyObject,
    module_api_version: c_int,
) -> *mut PyObject {
    let _ = module_api_version;
    // SAFETY: the caller passes a valid definition and a live spec (C-API contract).
    with_vm(core::ptr::null_mut(), |vm| unsafe { crate::capi::moduleobject::from_def_and_spec(vm, def.cast(), spec) })
}

#[capi]
pub unsafe fn PyModule_ExecDef(module: *mut PyObject, def: *mut c_void) -> c_int {
    // SAFETY: the caller passes a live module and its definition (C-API contract).
    with_vm(-1, |vm| unsafe { crate::capi::moduleobject::exec_def(vm, module, def.cast()) }.map(|()| 0))
}

/// Adds `value` under `name` without stealing the reference.
#[capi]
pub unsafe fn PyModule_AddObjectRef(mod_: *mut PyObject, name: *const c_char, value: *mut PyObject) -> c_int {
    with_vm(-1, |vm| {
        if value.is_null() {
            return Err(vm.new_system_error(
                "PyModule_AddObjectRef() must be called with an exception raised if value is NULL".to_owned(),
            ));
        }
        // SAFETY: the caller passes live objects (C-API contract).
        unsafe { add(vm, mod_, name, from_c(vm, value)) }
    })
}

/// Adds the type under its short name (after the last dot of `tp_name`).
#[capi]
pub unsafe fn PyModule_AddType(module: *mut PyObject, type_: *mut PyTypeObject) -> c_int {
    with_vm(-1, |vm| {
        // SAFETY: the caller passes a ready type object (C-API contract).
        let full = unsafe { text((*type_).tp_name) }.unwrap_or_default();
        let short = full.rsplit('.').next().unwrap_or_default().to_owned();
        let short = std::ffi::CString::new(short).unwrap_or_default();
        // SAFETY: see above.
        unsafe { add(vm, module, short.as_ptr(), from_c(vm, type_.cast())) }
    })
}

#[capi]
pub unsafe fn PyModule_SetDocString(module: *mut PyObject, docstring: *const c_char) -> c_int {
    with_vm(-1, |vm| {
        // SAFETY: the caller passes a NUL-terminated string (C-API contract).
        let doc = unsafe { text(docstring) }.unwrap_or_default();
        // SAFETY: the caller passes a live module (C-API contract).
        unsafe { add(vm, module, c"__doc__".as_ptr(), vm.ctx.new_str(doc).into()) }
    })
}

#[capi]
pub unsafe fn PyModule_AddFunctions(module: *mut PyObject, functions: *mut c_void) -> c_int {
    // SAFETY: the caller passes a live module and a method table (C-API contract).
    with_vm(-1, |vm| unsafe { crate::capi::moduleobject::add_methods(vm, module, functions.cast()) }.map(|()| 0))
}
