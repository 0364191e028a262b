//! `Include/moduleobject.h`: module objects made from a `PyModuleDef`, their per-module
//! state, and multi-phase initialisation (PEP 489).
//!
//! Modules are interpreter modules. A module made from a definition is registered here
//! with its definition and its state block; the registry owns one C reference to it, so
//! its `PyObject *` (which C code keeps, e.g. in `PyType_GetModule`) stays the same for
//! the whole process. Such modules are never freed (as in practice in CPython, where
//! `sys.modules` keeps them), so their `m_free` is never called: a documented leak.

use core::ffi::{CStr, c_char, c_int, c_void};
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, OnceLock};

use dxpy_macros::capi;
use rustpython_vm::builtins::{PyModule, PyStr};
use rustpython_vm::{AsObject, PyObjectRef, PyPayload, PyResult, VirtualMachine};

use crate::bridge::call::{self, PyMethodDef};
use crate::bridge::errors::with_vm;
use crate::bridge::layout::*;
use crate::bridge::object::{from_c, to_c};
use crate::capi::c_text as text;

const NULL: *mut PyObject = core::ptr::null_mut();

/// `PyModuleDef_Base`.
#[repr(C)]
pub struct PyModuleDefBase {
    pub ob_base: PyObject,
    pub m_init: *mut c_void,
    pub m_index: Py_ssize_t,
    pub m_copy: *mut PyObject,
}

/// `PyModuleDef` (Include/moduleobject.h).
#[repr(C)]
pub struct PyModuleDef {
    pub m_base: PyModuleDefBase,
    pub m_name: *const c_char,
    pub m_doc: *const c_char,
    pub m_size: Py_ssize_t,
    pub m_methods: *const PyMethodDef,
    pub m_slots: *const PyModuleDefSlot,
    pub m_traverse: *mut c_void,
    pub m_clear: *mut c_void,
    pub m_free: *mut c_void,
}

/// `PyModuleDef_Slot`.
#[repr(C)]
pub struct PyModuleDefSlot {
    pub slot: c_int,
    pub value: *mut c_void,
}

const PY_MOD_CREATE: c_int = 1;
const PY_MOD_EXEC: c_int = 2;
/// `_Py_mod_LAST_SLOT` in 3.11.
const LAST_SLOT: c_int = 2;

/// What the registry knows about a module made from a definition.
struct ModuleInfo {
    def: usize,
    state: usize,
    /// C references the registry keeps for borrowed results (`PyModule_GetDict`).
    keep: Vec<usize>,
}

#[derive(Default)]
struct Registry {
    /// Module `PyObject *` (one reference owned here) → its definition and state.
    modules: HashMap<usize, ModuleInfo>,
    /// `m_index` → module, for `PyState_FindModule` (single-phase modules only).
    by_index: HashMap<isize, usize>,
    next_index: isize,
}

fn registry() -> MutexGuard<'static, Registry> {
    static R: OnceLock<Mutex<Registry>> = OnceLock::new();
    R.get_or_init(Default::default).lock().unwrap_or_else(|e| e.into_inner())
}

/// Records `module` (a C reference the registry takes over) as made from `def`.
pub fn register(module: *mut PyObject, def: *mut PyModuleDef) {
    registry().modules.entry(module as usize).or_insert(ModuleInfo { def: def as usize, state: 0, keep: Vec::new() });
}

/// The definition `module` was made from, if any.
pub fn def_of(module: *mut PyObject) -> Option<*mut PyModuleDef> {
    registry().modules.get(&(module as usize)).map(|i| i.def as *mut PyModuleDef)
}

/// Keeps a C reference alive as long as `module` (forever, see the module docs).
fn keep(module: *mut PyObject, p: *mut PyObject) {
    if let Some(info) = registry().modules.get_mut(&(module as usize)) {
        info.keep.push(p as usize);
    } else {
        // Borrowed results of modules not made from a definition live for the process:
        // the reference is never released.
        let _ = p;
    }
}

/// The interpreter module behind `m`, or a `TypeError` as `PyModule_Check` failing gives.
///
/// # Safety
/// `m` is NULL or a live object.
unsafe fn module(vm: &VirtualMachine, m: *mut PyObject) -> PyResult<PyObjectRef> {
    if m.is_null() {
        return Err(crate::bridge::errors::bad_internal_call(vm));
    }
    // SAFETY: see the function's contract.
    let obj = unsafe { from_c(vm, m) };
    if obj.downcast_ref::<PyModule>().is_none() {
        return Err(vm.new_type_error("bad argument type for built-in operation".to_owned()));
    }
    Ok(obj)
}

/// Sets the definition's type and index, as CPython does once per definition.
#[capi]
pub unsafe fn PyModuleDef_Init(def: *mut c_void) -> *mut PyObject {
    let def = def.cast::<PyModuleDef>();
    // SAFETY: the caller passes a static PyModuleDef (C-API contract).
    unsafe {
        if (*def).m_base.m_index == 0 {
            let mut r = registry();
            r.next_index += 1;
            (*def).m_base.m_index = r.next_index;
            (*def).m_base.ob_base.ob_type =
                crate::bridge::statics::address("PyModuleDef_Type").unwrap_or_default().cast();
            if (*def).m_base.ob_base.ob_refcnt == 0 {
                (*def).m_base.ob_base.ob_refcnt = 1;
            }
        }
    }
    def.cast()
}

/// The module's state block: zeroed memory of `m_size` bytes made by `PyModule_ExecDef`
/// (or `PyModule_Create2`), NULL before that.
#[capi]
pub unsafe fn PyModule_GetState(module: *mut PyObject) -> *mut c_void {
    with_vm(core::ptr::null_mut(), |vm| {
        // SAFETY: the caller passes a live object (C-API contract).
        unsafe { self::module(vm, module) }?;
        Ok(registry().modules.get(&(module as usize)).map_or(0, |i| i.state) as *mut c_void)
    })
}

#[capi]
pub unsafe fn PyModule_GetDef(module: *mut PyObject) -> *mut c_void {
    with_vm(core::ptr::null_mut(), |vm| {
        // SAFETY: the caller passes a live object (C-API contract).
        unsafe { self::module(vm, module) }?;
        Ok(def_of(module).unwrap_or_default().cast())
    })
}

fn new_module(vm: &VirtualMachine, name: PyObjectRef) -> PyResult<*mut PyObject> {
    let module: PyObjectRef = vm.ctx.types.module_type.as_object().call((name,), vm)?;
    for attr in ["__package__", "__loader__", "__spec__"] {
        module.set_attr(attr, vm.ctx.none(), vm)?;
    }
    Ok(to_c(vm, &module))
}

#[capi]
pub unsafe fn PyModule_NewObject(name: *mut PyObject) -> *mut PyObject {
    // SAFETY: the caller passes a live object (C-API contract).
    with_vm(NULL, |vm| new_module(vm, unsafe { crate::capi::abstract_::live(vm, name) }?))
}

#[capi]
pub unsafe fn PyModule_New(name: *const c_char) -> *mut PyObject {
    with_vm(NULL, |vm| {
        // SAFETY: the caller passes a NUL-terminated name (C-API contract).
        let name = unsafe { text(name) }.ok_or_else(|| crate::bridge::errors::bad_internal_call(vm))?;
        new_module(vm, vm.ctx.new_str(name).into())
    })
}

/// `__name__` from the module's dict, which must be a str.
fn name_of(vm: &VirtualMachine, module: &PyObjectRef) -> PyResult<PyObjectRef> {
    let dict = module.dict().ok_or_else(|| vm.new_system_error("nameless module".to_owned()))?;
    match dict.get_item_opt("__name__", vm)? {
        Some(n) if n.downcast_ref::<PyStr>().is_some() => Ok(n),
        _ => Err(vm.new_system_error("nameless module".to_owned())),
    }
}

#[capi]
pub unsafe fn PyModule_GetNameObject(module: *mut PyObject) -> *mut PyObject {
    with_vm(NULL, |vm| {
        // SAFETY: the caller passes a live object (C-API contract).
        let m = unsafe { self::module(vm, module) }?;
        Ok(to_c(vm, &name_of(vm, &m)?))
    })
}

#[capi]
pub unsafe fn PyModule_GetName(module: *mut PyObject) -> *const c_char {
    with_vm(core::ptr::null(), |vm| {
        // SAFETY: the caller passes a live object (C-API contract).
        let m = unsafe { self::module(vm, module) }?;
        let name = to_c(vm, &name_of(vm, &m)?);
        keep(module, name);
        // SAFETY: `name` is a live str proxy, kept alive with the module.
        Ok(unsafe { crate::capi::unicodeobject::PyUnicode_AsUTF8(name) })
    })
}

/// The module's namespace (borrowed: the registry keeps the reference).
#[capi]
pub unsafe fn PyModule_GetDict(module: *mut PyObject) -> *mut PyObject {
    with_vm(NULL, |vm| {
        // SAFETY: the caller passes a live object (C-API contract).
        let m = unsafe { self::module(vm, module) }?;
        let dict = m.dict().ok_or_else(|| vm.new_system_error("module has no dict".to_owned()))?;
        let p = to_c(vm, &dict.into());
        keep(module, p);
        Ok(p)
    })
}

/// The `__file__` of the module (a new reference), as CPython checks it.
#[capi]
pub unsafe fn PyModule_GetFilenameObject(module: *mut PyObject) -> *mut PyObject {
    with_vm(NULL, |vm| {
        // SAFETY: the caller passes a live object (C-API contract).
        let m = unsafe { self::module(vm, module) }?;
        let file = m.dict().and_then(|d| d.get_item_opt("__file__", vm).ok().flatten());
        match file {
            Some(f) if f.downcast_ref::<PyStr>().is_some() => Ok(to_c(vm, &f)),
            _ => Err(vm.new_system_error("module filename missing".to_owned())),
        }
    })
}

/// `__file__` as UTF-8, kept alive with the module (deprecated in CPython, still used).
#[capi]
pub unsafe fn PyModule_GetFilename(module: *mut PyObject) -> *const c_char {
    // SAFETY: the caller passes a live object (C-API contract).
    let file = unsafe { PyModule_GetFilenameObject(module) };
    if file.is_null() {
        return core::ptr::null();
    }
    keep(module, file);
    // SAFETY: a live str, kept with the module.
    unsafe { crate::capi::unicodeobject::PyUnicode_AsUTF8(file) }
}

/// Adds one function per method-table entry to `m`, bound to `m`, as CPython's
/// `_add_methods_to_object` does.
///
/// # Safety
/// `m` is a live object; `methods` NULL or a method table ending with a NULL name.
pub unsafe fn add_methods(vm: &VirtualMachine, m: *mut PyObject, mut methods: *const PyMethodDef) -> PyResult<()> {
    // SAFETY: see the function's contract.
    let obj = unsafe { from_c(vm, m) };
    let owner = match name_of(vm, &obj) {
        Ok(n) => n.str(vm)?.to_string(),
        Err(_) => obj.get_attr("__name__", vm).and_then(|n| n.str(vm)).map(|s| s.to_string()).unwrap_or_default(),
    };
    // SAFETY: see the function's contract.
    unsafe {
        while !methods.is_null() && !(*methods).ml_name.is_null() {
            let f = call::function(vm, methods, m, &owner);
            let name = CStr::from_ptr((*methods).ml_name).to_string_lossy().into_owned();
            obj.set_attr(&vm.ctx.new_str(name), f, vm)?;
            methods = methods.add(1);
        }
    }
    Ok(())
}

/// The `SystemError` for a C function that returned success with an exception set. The
/// exception is discarded: CPython 3.11 clears it (3.12 chains it as `__cause__`).
fn system_error_from_cause(vm: &VirtualMachine, message: String) -> rustpython_vm::builtins::PyBaseExceptionRef {
    crate::bridge::errors::clear();
    vm.new_system_error(message)
}

/// The slots of `def`, up to the `{0, NULL}` terminator.
///
/// # Safety
/// `def` is a valid definition.
unsafe fn slots(def: *const PyModuleDef) -> Vec<(c_int, *mut c_void)> {
    let mut out = Vec::new();
    // SAFETY: see the function's contract; the slot array ends with slot 0.
    unsafe {
        let mut s = (*def).m_slots;
        while !s.is_null() && (*s).slot != 0 {
            out.push(((*s).slot, (*s).value));
            s = s.add(1);
        }
    }
    out
}

/// Multi-phase creation (PEP 489): the module from `Py_mod_create`, or a plain module
/// named after the spec, with the definition's functions and doc.
///
/// # Safety
/// `def` is a valid definition; `spec` a live object.
pub unsafe fn from_def_and_spec(
    vm: &VirtualMachine,
    def: *mut PyModuleDef,
    spec: *mut PyObject,
) -> PyResult<*mut PyObject> {
    // SAFETY: see the function's contract.
    unsafe {
        PyModuleDef_Init(def.cast());
        let spec_obj = from_c(vm, spec);
        let name_obj = spec_obj.get_attr("name", vm)?;
        let name = name_obj.str(vm)?.to_string();
        if (*def).m_size < 0 {
            return Err(vm.new_system_error(format!(
                "module {name}: m_size may not be negative for multi-phase initialization"
            )));
        }
        let mut create: Option<*mut c_void> = None;
        let mut has_exec = false;
        for (slot, value) in slots(def) {
            match slot {
                PY_MOD_CREATE if create.is_some() => {
                    return Err(vm.new_system_error(format!("module {name} has multiple create slots")));
                }
                PY_MOD_CREATE => create = Some(value),
                _ if !(0..=LAST_SLOT).contains(&slot) => {
                    return Err(vm.new_system_error(format!("module {name} uses unknown slot ID {slot}")));
                }
                _ => has_exec = true,
            }
        }
        let m = match create {
            Some(f) => {
                type Create = unsafe extern "C" fn(*mut PyObject, *mut PyModuleDef) -> *mut PyObject;
                let f = core::mem::transmute::<*mut c_void, Create>(f);
                let m = crate::bridge::vm::enter(vm, || f(spec, def));
                if m.is_null() {
                    return Err(match crate::bridge::errors::take() {
                        Some(p) => call::exception(vm, &p),
                        None => vm
                            .new_system_error(format!("creation of module {name} failed without setting an exception")),
                    });
                }
                if !crate::bridge::errors::occurred().is_null() {
                    crate::capi::object::Py_DecRef(m);
                    return Err(system_error_from_cause(
                        vm,
                        format!("creation of module {name} raised unreported exception"),
                    ));
                }
                m
            }
            None => new_module(vm, name_obj)?,
        };
        let is_module = from_c(vm, m).downcast_ref::<PyModule>().is_some();
        if is_module {
            // The registry's own reference (see the module docs).
            crate::capi::object::Py_IncRef(m);
            register(m, def);
        } else {
            let d = &*def;
            let fail = |msg: String| {
                crate::capi::object::Py_DecRef(m);
                Err(vm.new_system_error(msg))
            };
            if d.m_size > 0 || !d.m_traverse.is_null() || !d.m_clear.is_null() || !d.m_free.is_null() {
                return fail(format!("module {name} is not a module object, but requests module state"));
            }
            if has_exec {
                return fail(format!(
                    "module {name} specifies execution slots, but did not create a ModuleType instance"
                ));
            }
        }
        add_methods(vm, m, (*def).m_methods)?;
        if let Some(doc) = text((*def).m_doc) {
            from_c(vm, m).set_attr("__doc__", vm.ctx.new_str(doc), vm)?;
        }
        Ok(m)
    }
}

/// Runs the definition's `Py_mod_exec` slots on `module`, after giving it its state.
///
/// # Safety
/// `module` is a live object; `def` a valid definition.
pub unsafe fn exec_def(vm: &VirtualMachine, module: *mut PyObject, def: *mut PyModuleDef) -> PyResult<()> {
    // SAFETY: see the function's contract.
    unsafe {
        let obj = from_c(vm, module);
        let name = name_of(vm, &obj)?.str(vm)?.to_string();
        if (*def).m_size >= 0 {
            ensure_state(module, def);
        }
        for (slot, value) in slots(def) {
            match slot {
                PY_MOD_CREATE => {}
                PY_MOD_EXEC => {
                    type Exec = unsafe extern "C" fn(*mut PyObject) -> c_int;
                    let f = core::mem::transmute::<*mut c_void, Exec>(value);
                    let ret = crate::bridge::vm::enter(vm, || f(module));
                    if ret != 0 {
                        return Err(match crate::bridge::errors::take() {
                            Some(p) => call::exception(vm, &p),
                            None => vm.new_system_error(format!(
                                "execution of module {name} failed without setting an exception"
                            )),
                        });
                    }
                    if !crate::bridge::errors::occurred().is_null() {
                        return Err(system_error_from_cause(
                            vm,
                            format!("execution of module {name} raised unreported exception"),
                        ));
                    }
                }
                _ => {
                    return Err(vm.new_system_error(format!("module {name} initialized with unknown slot {slot}")));
                }
            }
        }
        Ok(())
    }
}

/// Gives a registered module its zeroed state block of `m_size` bytes, once (CPython
/// always sets a state pointer, even for size 0, to mark the module executed).
///
/// # Safety
/// `def` is a valid definition.
pub unsafe fn ensure_state(module: *mut PyObject, def: *mut PyModuleDef) {
    let mut r = registry();
    let info = r.modules.entry(module as usize).or_insert(ModuleInfo { def: def as usize, state: 0, keep: Vec::new() });
    if info.state == 0 {
        // SAFETY: see the function's contract.
        let size = unsafe { (*def).m_size }.max(0) as usize;
        info.state = crate::bridge::object::allocate_block(size) as usize;
    }
}

/// `m_index` → module, for `PyState_*` (the map's lock is held by the guard).
pub fn by_index() -> impl core::ops::DerefMut<Target = HashMap<isize, usize>> {
    struct Guard(MutexGuard<'static, Registry>);
    impl core::ops::Deref for Guard {
        type Target = HashMap<isize, usize>;
        fn deref(&self) -> &Self::Target {
            &self.0.by_index
        }
    }
    impl core::ops::DerefMut for Guard {
        fn deref_mut(&mut self) -> &mut Self::Target {
            &mut self.0.by_index
        }
    }
    Guard(registry())
}

/// Records a single-phase module for `PyState_FindModule`, as CPython's import does
/// after `PyInit_*` returns.
///
/// # Safety
/// `module` is a live module made from `def`, a valid definition.
pub unsafe fn remember_single_phase(module: *mut PyObject, def: *mut PyModuleDef) {
    // SAFETY: see the function's contract.
    let index = unsafe {
        PyModuleDef_Init(def.cast());
        (*def).m_base.m_index
    };
    // SAFETY: see the function's contract; the map keeps one reference.
    unsafe { crate::capi::object::Py_IncRef(module) };
    let old = by_index().insert(index, module as usize);
    // SAFETY: the reference the map kept for the module it replaces.
    unsafe { crate::capi::object::Py_DecRef(old.map_or(NULL, |m| m as *mut PyObject)) };
}

/// Copies of the namespaces of single-phase modules that do not support repeated
/// initialisation (`m_size == -1`), by (file, name): CPython's `m_copy`.
fn m_copies() -> MutexGuard<'static, HashMap<(String, String), rustpython_vm::builtins::PyDictRef>> {
    static C: OnceLock<Mutex<HashMap<(String, String), rustpython_vm::builtins::PyDictRef>>> = OnceLock::new();
    C.get_or_init(Default::default).lock().unwrap_or_else(|e| e.into_inner())
}

/// What CPython's import does after a single-phase `PyInit_*`: `__file__`, the module in
/// `sys.modules`, and for `m_size == -1` a copy of its namespace for the next load.
///
/// # Safety
/// `module` is a live module made from `def`, a valid definition.
pub unsafe fn fixup_single_phase(
    vm: &VirtualMachine,
    module: *mut PyObject,
    def: *mut PyModuleDef,
    file: &str,
    name: &str,
) -> PyResult<()> {
    // SAFETY: see the function's contract.
    let obj = unsafe { from_c(vm, module) };
    // CPython ignores a failure to set `__file__`.
    let _ = obj.set_attr("__file__", vm.ctx.new_str(file), vm);
    vm.sys_module.get_attr("modules", vm)?.set_item(name, obj.clone(), vm)?;
    // SAFETY: see the function's contract.
    if unsafe { (*def).m_size } == -1
        && let Some(dict) = obj.dict()
    {
        m_copies().insert((file.to_owned(), name.to_owned()), dict.copy().into_ref(&vm.ctx));
    }
    Ok(())
}

/// A single-phase `m_size == -1` module loaded before from `file` as `name`: CPython does
/// not run its `PyInit_*` again but gives `sys.modules[name]` (or a new module there) the
/// saved namespace.
pub fn reuse_single_phase(vm: &VirtualMachine, file: &str, name: &str) -> PyResult<Option<PyObjectRef>> {
    let Some(copy) = m_copies().get(&(file.to_owned(), name.to_owned())).cloned() else {
        return Ok(None);
    };
    let modules = vm.sys_module.get_attr("modules", vm)?;
    let module = match modules.get_item(name, vm) {
        Ok(m) => m,
        Err(_) => {
            let m: PyObjectRef = vm.ctx.types.module_type.as_object().call((name,), vm)?;
            modules.set_item(name, m.clone(), vm)?;
            m
        }
    };
    if let Some(dict) = module.dict() {
        for (k, v) in &copy {
            dict.set_item(&*k, v, vm)?;
        }
    }
    Ok(Some(module))
}

/// Whether multi-phase `module` still needs its exec slots run (no state yet).
pub fn needs_exec(module: *mut PyObject) -> Option<*mut PyModuleDef> {
    let r = registry();
    let info = r.modules.get(&(module as usize))?;
    (info.state == 0).then_some(info.def as *mut PyModuleDef)
}
