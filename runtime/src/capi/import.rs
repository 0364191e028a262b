//! `Include/import.h`: importing modules from C.

use core::ffi::{CStr, c_char};

use dxpy_macros::capi;
use rustpython_vm::builtins::PyStr;
use rustpython_vm::{AsObject, PyResult, VirtualMachine};

use crate::bridge::errors::with_vm;
use crate::bridge::layout::*;
use crate::bridge::object::to_c;
use crate::capi::abstract_::live;

/// Imports `name` and returns the module it names (for `a.b`, the submodule `a.b`, not the
/// package `a` that `__import__` returns), as CPython's `PyImport_Import` does.
fn import(vm: &VirtualMachine, name: &rustpython_vm::Py<PyStr>) -> PyResult<*mut PyObject> {
    let top = vm.import(name, 0)?;
    if !name.to_string().contains('.') {
        return Ok(to_c(vm, &top));
    }
    let modules = vm.sys_module.get_attr("modules", vm)?;
    let module = modules.get_item(name.as_object(), vm)?;
    Ok(to_c(vm, &module))
}

#[capi]
pub unsafe fn PyImport_ImportModule(name: *const c_char) -> *mut PyObject {
    with_vm(core::ptr::null_mut(), |vm| {
        if name.is_null() {
            return Err(vm.new_system_error("null argument to internal routine".to_owned()));
        }
        // SAFETY: the caller passes a NUL-terminated name (C-API contract).
        let text = unsafe { CStr::from_ptr(name) }
            .to_str()
            .map_err(|e| vm.new_unicode_decode_error(format!("'utf-8' codec can't decode module name: {e}")))?;
        import(vm, &vm.ctx.new_str(text))
    })
}

#[capi]
pub unsafe fn PyImport_Import(name: *mut PyObject) -> *mut PyObject {
    with_vm(core::ptr::null_mut(), |vm| {
        // SAFETY: the caller passes a live object (C-API contract).
        let name = unsafe { live(vm, name) }?;
        let name =
            name.downcast::<PyStr>().map_err(|_| vm.new_type_error("module name must be a string".to_owned()))?;
        import(vm, &name)
    })
}
