//! The per-thread error indicator (CPython's `tstate->curexc_*`).
//!
//! Until exception objects cross the bridge, the pending error is its type (a pointer to
//! one of the exported exception type objects) and a message.

use std::any::Any;
use std::cell::RefCell;

use crate::bridge::layout::PyObject;
use crate::bridge::statics;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    pub exc_type: *mut PyObject,
    pub message: String,
}

impl Pending {
    /// The exception type's `tp_name`.
    pub fn type_name(&self) -> String {
        if self.exc_type.is_null() {
            return "<NULL>".into();
        }
        // SAFETY: a pending type is an exported or extension-defined type object, which
        // lives as long as the process; `tp_name` is NUL-terminated when set.
        unsafe {
            let t = self.exc_type.cast::<crate::bridge::layout::PyTypeObject>();
            if (*t).tp_name.is_null() {
                return "<unnamed type>".into();
            }
            std::ffi::CStr::from_ptr((*t).tp_name).to_string_lossy().into_owned()
        }
    }
}

thread_local! {
    static PENDING: RefCell<Option<Pending>> = const { RefCell::new(None) };
}

/// Sets the error indicator, replacing any pending error (as `PyErr_SetString` does).
pub fn set(exc_type: *mut PyObject, message: String) {
    PENDING.with(|p| *p.borrow_mut() = Some(Pending { exc_type, message }));
}

/// Sets a `SystemError`: the C-API's exception for failures inside the runtime.
pub fn set_system_error(message: String) {
    set(statics::exception("PyExc_SystemError"), message);
}

/// The pending exception's type, or NULL (borrowed, as `PyErr_Occurred` returns it).
pub fn occurred() -> *mut PyObject {
    PENDING.with(|p| p.borrow().as_ref().map_or(core::ptr::null_mut(), |e| e.exc_type))
}

pub fn clear() {
    PENDING.with(|p| *p.borrow_mut() = None);
}

/// Removes and returns the pending error.
pub fn take() -> Option<Pending> {
    PENDING.with(|p| p.borrow_mut().take())
}

/// Called by `#[capi]` wrappers when hand-written semantics panic: a panic must not
/// unwind into C, so it becomes a `SystemError` that names the function.
pub fn panicked(function: &str, payload: Box<dyn Any + Send>) {
    let what = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into());
    set_system_error(format!("internal error in DX-Py's {function}: {what}"));
}

/// Sets the error indicator from an interpreter exception (its class and `str()`).
pub fn set_from_exception(vm: &rustpython_vm::VirtualMachine, exc: &rustpython_vm::builtins::PyBaseExceptionRef) {
    use rustpython_vm::AsObject;
    let class = exc.class().to_owned();
    let ty = crate::bridge::object::type_object(vm, &class);
    let message = exc.as_object().str(vm).map(|s| s.to_string()).unwrap_or_default();
    set(ty.cast(), message);
}

/// Runs the body of a C-API function with this thread's interpreter. An interpreter
/// exception becomes the pending C error and the function returns `error` (the spec's
/// error value), as CPython's C-API does.
pub fn with_vm<T>(error: T, f: impl FnOnce(&rustpython_vm::VirtualMachine) -> rustpython_vm::PyResult<T>) -> T {
    let result = crate::bridge::vm::with(|vm| f(vm).map_err(|exc| set_from_exception(vm, &exc)).ok());
    match result {
        Some(Some(value)) => value,
        Some(None) => error,
        None => {
            set_system_error(
                "a C-API function that needs the interpreter was called outside a call from Python".into(),
            );
            error
        }
    }
}
