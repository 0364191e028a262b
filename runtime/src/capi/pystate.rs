//! `Include/pystate.h`: thread states and the GIL-state API, and the per-definition
//! module registry of single-phase modules (`PyState_*`; the registry itself lives with
//! modules, moduleobject.rs). A thread state is a zeroed block per thread with its
//! `interp` pointer set (extensions pass it around and rarely look inside); the lock
//! behind it is `bridge::gil`.

use core::ffi::{c_int, c_void};

use dxpy_macros::capi;

use crate::bridge::errors::with_vm;
use crate::bridge::gil;
use crate::bridge::layout::*;
use crate::bridge::object::to_c;
use crate::capi::moduleobject::{PyModuleDef, PyModuleDef_Init, by_index};

/// `PyGILState_LOCKED` / `PyGILState_UNLOCKED`.
const LOCKED: c_int = 0;
const UNLOCKED: c_int = 1;

/// Bytes set aside for a `PyThreadState` / `PyInterpreterState` (larger than CPython
/// 3.11's structures, all zero but for `interp`).
const STATE_SIZE: usize = 1024;

/// The one interpreter state.
pub fn interpreter_state() -> *mut c_void {
    struct Block(*mut c_void);
    // SAFETY: the block is never written after creation; it only stands for the interpreter.
    unsafe impl Send for Block {}
    // SAFETY: as above.
    unsafe impl Sync for Block {}
    static INTERP: std::sync::OnceLock<Block> = std::sync::OnceLock::new();
    INTERP.get_or_init(|| Block(Box::leak(Box::new([0u8; STATE_SIZE])).as_mut_ptr().cast())).0
}

thread_local! {
    static THREAD_STATE: *mut c_void = {
        let block: &'static mut [u8; STATE_SIZE] = Box::leak(Box::new([0u8; STATE_SIZE]));
        // `PyThreadState.interp` follows the `prev` and `next` pointers.
        // SAFETY: the block has room for three pointers.
        unsafe { block.as_mut_ptr().add(16).cast::<*mut c_void>().write(interpreter_state()) };
        block.as_mut_ptr().cast()
    };
    /// `PyThreadState_GetDict`'s dict, as a C reference the thread state owns.
    static THREAD_DICT: core::cell::Cell<*mut PyObject> = const { core::cell::Cell::new(core::ptr::null_mut()) };
}

/// This thread's state.
pub fn thread_state() -> *mut c_void {
    THREAD_STATE.with(|t| *t)
}

/// Takes the lock for this thread, giving a thread C started an interpreter first.
#[capi]
pub unsafe fn PyGILState_Ensure() -> c_int {
    if gil::held() {
        gil::acquire();
        return LOCKED;
    }
    gil::acquire();
    if !crate::bridge::vm::attach_thread() {
        // No thread has entered C yet, so there is no interpreter to lend this thread;
        // calls that need one will say so (`with_vm`).
        eprintln!("dx-py: PyGILState_Ensure() on a thread C started before any call into C");
    }
    UNLOCKED
}

#[capi]
pub unsafe fn PyGILState_Release(oldstate: c_int) {
    let _ = oldstate; // each Ensure is matched by one release, whatever it returned
    gil::release();
}

#[capi]
pub unsafe fn PyGILState_Check() -> c_int {
    gil::held() as c_int
}

#[capi]
pub unsafe fn PyGILState_GetThisThreadState() -> *mut c_void {
    thread_state()
}

#[capi]
pub unsafe fn PyThreadState_Get() -> *mut c_void {
    thread_state()
}

#[capi]
pub unsafe fn _PyThreadState_UncheckedGet() -> *mut c_void {
    thread_state()
}

#[capi]
pub unsafe fn PyThreadState_GetInterpreter(tstate: *mut c_void) -> *mut c_void {
    let _ = tstate;
    interpreter_state()
}

#[capi]
pub unsafe fn PyInterpreterState_Get() -> *mut c_void {
    interpreter_state()
}

#[capi]
pub unsafe fn PyInterpreterState_Main() -> *mut c_void {
    interpreter_state()
}

/// The main interpreter's id, 0.
#[capi]
pub unsafe fn PyInterpreterState_GetID(interp: *mut c_void) -> i64 {
    let _ = interp;
    0
}

/// A dict private to this thread (borrowed: the thread state keeps it).
#[capi]
pub unsafe fn PyThreadState_GetDict() -> *mut PyObject {
    let existing = THREAD_DICT.with(|d| d.get());
    if !existing.is_null() {
        return existing;
    }
    // CPython returns NULL without an error when it cannot make the dict.
    let saved = crate::bridge::errors::take();
    let dict = with_vm(core::ptr::null_mut(), |vm| Ok(to_c(vm, &vm.ctx.new_dict().into())));
    crate::bridge::errors::restore(saved);
    THREAD_DICT.with(|d| d.set(dict));
    dict
}

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
