//! `Include/pystate.h`: the per-definition module registry of single-phase modules
//! (`PyState_*`); the registry itself lives with modules (moduleobject.rs).

use core::ffi::{c_int, c_void};

use dxpy_macros::capi;

use crate::bridge::errors::with_vm;
use crate::bridge::layout::PyObject;
use crate::capi::moduleobject::{PyModuleDef, PyModuleDef_Init, by_index};

const NULL: *mut PyObject = core::ptr::null_mut();

/// `PyState_FindModule`: the single-phase module registered for `def`, or NULL (without
/// an error), as in CPython; multi-phase definitions (with slots) never have one.
#[capi]
pub unsafe fn PyState_FindModule(def: *mut c_void) -> *mut PyObject {
    let def = def.cast::<PyModuleDef>();
    // SAFETY: the caller passes a valid definition (C-API contract).
    unsafe {
        if def.is_null() || !(*def).m_slots.is_null() || (*def).m_base.m_index == 0 {
            return NULL;
        }
        by_index().get(&(*def).m_base.m_index).map_or(NULL, |&m| m as *mut PyObject)
    }
}

#[capi]
pub unsafe fn PyState_AddModule(module: *mut PyObject, def: *mut c_void) -> c_int {
    let def = def.cast::<PyModuleDef>();
    with_vm(-1, |vm| {
        if def.is_null() {
            return Err(vm.new_system_error("module definition is NULL".to_owned()));
        }
        // SAFETY: the caller passes a valid definition (C-API contract).
        unsafe {
            if !(*def).m_slots.is_null() {
                return Err(vm.new_system_error("PyState_AddModule called on module with slots".to_owned()));
            }
            PyModuleDef_Init(def.cast());
            crate::capi::object::Py_IncRef(module);
            let old = by_index().insert((*def).m_base.m_index, module as usize);
            crate::capi::object::Py_DecRef(old.map_or(NULL, |m| m as *mut PyObject));
        }
        Ok(0)
    })
}

#[capi]
pub unsafe fn PyState_RemoveModule(def: *mut c_void) -> c_int {
    let def = def.cast::<PyModuleDef>();
    with_vm(-1, |vm| {
        // SAFETY: the caller passes a valid definition (C-API contract).
        unsafe {
            if !(*def).m_slots.is_null() {
                return Err(vm.new_system_error("PyState_RemoveModule called on module with slots".to_owned()));
            }
            let index = (*def).m_base.m_index;
            if index == 0 {
                return Err(vm.new_system_error("PyState_RemoveModule: Module index invalid.".to_owned()));
            }
            match by_index().remove(&index) {
                Some(m) => crate::capi::object::Py_DecRef(m as *mut PyObject),
                None => return Err(vm.new_system_error("PyState_RemoveModule: Module index out of bounds.".to_owned())),
            }
        }
        Ok(0)
    })
}
