//! The per-thread error indicator (CPython's `tstate->curexc_*`).
//!
//! The pending error is its type (a pointer to a type object, which lives as long as the
//! process), a message for diagnostics, and, when there is one, the value object C or the
//! interpreter gave (an exception instance, or the raw argument of `PyErr_SetObject`),
//! with its traceback.

use std::any::Any;
use std::cell::RefCell;

use rustpython_vm::PyObjectRef;

use crate::bridge::layout::PyObject;
use crate::bridge::statics;

#[derive(Debug, Clone)]
pub struct Pending {
    pub exc_type: *mut PyObject,
    /// `str()` of the value, for messages that name the error.
    pub message: String,
    /// CPython's `curexc_value`: None means NULL when `message` is empty, else the message
    /// as a str (errors set where no interpreter is at hand).
    pub value: Option<PyObjectRef>,
    /// CPython's `curexc_traceback`.
    pub traceback: Option<PyObjectRef>,
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
    restore(Some(Pending { exc_type, message, value: None, traceback: None }));
}

/// Replaces the error indicator (`PyErr_Restore`); None clears it.
pub fn restore(pending: Option<Pending>) {
    let old = PENDING.with(|p| core::mem::replace(&mut *p.borrow_mut(), pending));
    // Dropped outside the borrow: releasing a value may run code that sets errors.
    drop(old);
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
    restore(None);
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

/// Sets the error indicator from an interpreter exception: the exception object itself,
/// so that it keeps its identity and attributes when it comes back out of C.
pub fn set_from_exception(vm: &rustpython_vm::VirtualMachine, exc: &rustpython_vm::builtins::PyBaseExceptionRef) {
    use rustpython_vm::AsObject;
    let class = exc.class().to_owned();
    let ty = crate::bridge::object::type_object(vm, &class);
    let message = exc.as_object().str(vm).map(|s| s.to_string()).unwrap_or_default();
    let traceback = exc.__traceback__().map(Into::into);
    restore(Some(Pending { exc_type: ty.cast(), message, value: Some(exc.clone().into()), traceback }));
}

/// CPython's `PyErr_BadInternalCall` error: a C-API function got an argument of the
/// wrong kind (a non-tuple for `PyTuple_Size`, NULL where an object is required).
pub fn bad_internal_call(vm: &rustpython_vm::VirtualMachine) -> rustpython_vm::builtins::PyBaseExceptionRef {
    vm.new_system_error("bad argument to internal function".to_owned())
}

/// Sets [`bad_internal_call`]'s error and returns `error`, for C-API bodies that fail
/// before they need the interpreter otherwise.
pub fn fail_bad_internal_call<T>(error: T) -> T {
    with_vm(error, |vm| Err(bad_internal_call(vm)))
}

/// Runs the body of a C-API function with this thread's interpreter. An interpreter
/// exception becomes the pending C error and the function returns `error` (the spec's
/// error value), as CPython's C-API does.
pub fn with_vm<T>(error: T, f: impl FnOnce(&rustpython_vm::VirtualMachine) -> rustpython_vm::PyResult<T>) -> T {
    let result = crate::bridge::vm::with(|vm| {
        let call = crate::bridge::mirror::open_call();
        let result = f(vm).map_err(|exc| set_from_exception(vm, &exc)).ok();
        crate::bridge::mirror::settle(vm, call);
        result
    });
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

/// An instance of exception class `class` for a raw error value, as CPython's
/// `_PyErr_CreateException` and normalization make it: an instance of the class is kept as
/// it is, NULL or None calls the class without arguments, a tuple is its arguments, any
/// other value the single argument.
pub fn instantiate(
    vm: &rustpython_vm::VirtualMachine,
    class: &rustpython_vm::builtins::PyTypeRef,
    value: Option<PyObjectRef>,
) -> rustpython_vm::PyResult<rustpython_vm::builtins::PyBaseExceptionRef> {
    use rustpython_vm::AsObject;
    use rustpython_vm::builtins::{PyBaseException, PyTuple};
    let args = match value {
        None => vec![],
        Some(v) if vm.is_none(&v) => vec![],
        Some(v) => match v.downcast::<PyBaseException>() {
            Ok(exc) if exc.as_object().fast_isinstance(class) => return Ok(exc),
            Ok(exc) => vec![exc.into()],
            Err(v) => match v.downcast::<PyTuple>() {
                Ok(t) => t.to_vec(),
                Err(v) => vec![v],
            },
        },
    };
    vm.invoke_exception(class.clone(), args)
}

impl Pending {
    /// The value as CPython holds it: the object, or the message as a str, or None for NULL.
    pub fn value_object(&self, vm: &rustpython_vm::VirtualMachine) -> Option<PyObjectRef> {
        self.value.clone().or_else(|| (!self.message.is_empty()).then(|| vm.ctx.new_str(self.message.clone()).into()))
    }
}
