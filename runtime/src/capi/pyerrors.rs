//! `Include/pyerrors.h`: the error indicator, exception classes and exception chaining.
//! Semantics follow CPython 3.11's `Python/errors.c` and `Objects/exceptions.c`.

use core::ffi::{c_char, c_int};

use dxpy_macros::capi;
use rustpython_vm::builtins::{PyBaseException, PyBaseExceptionRef, PyTuple, PyTypeRef};
use rustpython_vm::{AsObject, PyObjectRef, PyResult, TryFromObject, VirtualMachine};

use crate::bridge::errors::{self, Pending, with_vm};
use crate::bridge::layout::*;
use crate::bridge::object::{from_c, to_c, type_object};
use crate::bridge::statics;
use crate::capi::object::{Py_DecRef, Py_IncRef};

/// A C string argument as text; NULL is empty.
///
/// # Safety
/// `p` is NULL or a NUL-terminated string.
unsafe fn text(p: *const c_char) -> String {
    // SAFETY: forwards the contract.
    unsafe { crate::capi::c_text(p) }.unwrap_or_default()
}

/// `str(value)` for the message diagnostics show; a failing `__str__` leaves it empty.
fn message_of(vm: &VirtualMachine, value: &PyObjectRef) -> String {
    value.str(vm).map(|s| s.to_string()).unwrap_or_default()
}

/// The C type object of `obj`'s class (never released: type objects live for the process).
fn c_type_of(vm: &VirtualMachine, obj: &PyObjectRef) -> *mut PyObject {
    type_object(vm, &obj.class().to_owned()).cast()
}

/// Makes `exc` the pending error, as `_PyErr_SetObject(Py_TYPE(exc), exc)` does.
fn set_exception(vm: &VirtualMachine, exc: &PyBaseExceptionRef) {
    errors::set_from_exception(vm, exc)
}

fn exception_class(vm: &VirtualMachine, obj: &PyObjectRef) -> Option<PyTypeRef> {
    PyTypeRef::try_from_object(vm, obj.clone())
        .ok()
        .filter(|c| c.fast_issubclass(vm.ctx.exceptions.base_exception_type))
}

/// `PyErr_Occurred`: the pending exception's type (borrowed), or NULL.
#[capi]
pub unsafe fn PyErr_Occurred() -> *mut PyObject {
    errors::occurred()
}

/// `PyErr_Clear`.
#[capi]
pub unsafe fn PyErr_Clear() {
    errors::clear()
}

/// `PyErr_SetString`: sets `exception` with a UTF-8 message (held as a str value, as
/// CPython holds it, when an interpreter is at hand).
#[capi]
pub unsafe fn PyErr_SetString(exception: *mut PyObject, string: *const c_char) {
    // SAFETY: the caller passes a NUL-terminated string or NULL (C-API contract).
    let message = unsafe { text(string) };
    let value = crate::bridge::vm::with(|vm| vm.ctx.new_str(message.clone()).into());
    errors::restore(Some(Pending { exc_type: exception, message, value, traceback: None }));
}

/// `PyErr_SetNone`: `exception` with a NULL value.
#[capi]
pub unsafe fn PyErr_SetNone(exception: *mut PyObject) {
    errors::set(exception, String::new());
}

/// `PyErr_SetObject`: `exception` with `value` kept as it is (normalized when raised).
#[capi]
pub unsafe fn PyErr_SetObject(type_: *mut PyObject, value: *mut PyObject) {
    if type_.is_null() {
        errors::set(type_, String::new());
        return;
    }
    with_vm((), |vm| {
        // SAFETY: the caller passes live objects or NULL for `value` (C-API contract).
        let ty = unsafe { from_c(vm, type_) };
        if exception_class(vm, &ty).is_none() {
            let repr = ty.repr(vm).map(|r| r.to_string()).unwrap_or_default();
            return Err(
                vm.new_system_error(format!("_PyErr_SetObject: exception {repr} is not a BaseException subclass"))
            );
        }
        // SAFETY: as above.
        let value = (!value.is_null()).then(|| unsafe { from_c(vm, value) });
        let message = value.as_ref().map(|v| message_of(vm, v)).unwrap_or_default();
        let traceback = value
            .as_ref()
            .and_then(|v| v.downcast_ref::<PyBaseException>())
            .and_then(|e| e.__traceback__())
            .map(Into::into);
        errors::restore(Some(Pending { exc_type: type_, message, value, traceback }));
        Ok(())
    })
}

/// `PyErr_Fetch`: moves the error indicator into new references (NULL where unset) and
/// clears it.
#[capi]
pub unsafe fn PyErr_Fetch(ptype: *mut *mut PyObject, pvalue: *mut *mut PyObject, ptraceback: *mut *mut PyObject) {
    let null = core::ptr::null_mut::<PyObject>();
    let (ty, value, tb) = match errors::take() {
        None => (null, null, null),
        Some(p) => {
            // SAFETY: a pending type is a live type object; C gets its own reference.
            unsafe { Py_IncRef(p.exc_type) };
            let refs = crate::bridge::vm::with(|vm| {
                let value = p.value_object(vm).map_or(null, |v| to_c(vm, &v));
                let tb = p.traceback.as_ref().map_or(null, |t| to_c(vm, t));
                (value, tb)
            });
            let (value, tb) = refs.unwrap_or((null, null));
            (p.exc_type, value, tb)
        }
    };
    // SAFETY: the caller passes writable pointers (C-API contract); NULL ones are skipped.
    unsafe {
        for (out, v) in [(ptype, ty), (pvalue, value), (ptraceback, tb)] {
            if out.is_null() {
                Py_DecRef(v);
            } else {
                *out = v;
            }
        }
    }
}

/// `PyErr_Restore`: sets the error indicator from three references it steals; a NULL
/// type clears it.
#[capi]
pub unsafe fn PyErr_Restore(type_: *mut PyObject, value: *mut PyObject, traceback: *mut PyObject) {
    if type_.is_null() {
        errors::clear();
    } else {
        let pending = crate::bridge::vm::with(|vm| {
            // SAFETY: the caller passes live objects or NULL (C-API contract).
            let value = (!value.is_null()).then(|| unsafe { from_c(vm, value) });
            // SAFETY: as above.
            let traceback = (!traceback.is_null()).then(|| unsafe { from_c(vm, traceback) });
            // CPython drops a traceback that is not one.
            let traceback = traceback.filter(|t| t.class().name().to_string() == "traceback");
            let message = value.as_ref().map(|v| message_of(vm, v)).unwrap_or_default();
            Pending { exc_type: type_, message, value, traceback }
        });
        errors::restore(Some(pending.unwrap_or(Pending {
            exc_type: type_,
            message: String::new(),
            value: None,
            traceback: None,
        })));
    }
    // SAFETY: the three references were given to us; the interpreter objects hold what we
    // keep, and type objects live for the process.
    unsafe {
        Py_DecRef(value);
        Py_DecRef(traceback);
        Py_DecRef(type_);
    }
}

/// `PyErr_NormalizeException`: turns `*exc`, `*val` into an exception class and an
/// instance of it, in place; a failure to make the instance takes their place instead.
#[capi]
pub unsafe fn PyErr_NormalizeException(exc: *mut *mut PyObject, val: *mut *mut PyObject, tb: *mut *mut PyObject) {
    // SAFETY: the caller passes pointers to live references or NULLs (C-API contract).
    unsafe {
        if exc.is_null() || val.is_null() || (*exc).is_null() {
            return;
        }
    }
    with_vm((), |vm| {
        // SAFETY: as above; every slot we overwrite releases the reference it held.
        unsafe {
            let ty = from_c(vm, *exc);
            let Some(class) = exception_class(vm, &ty) else {
                return Ok(());
            };
            let value = (!(*val).is_null()).then(|| from_c(vm, *val));
            let replace = |slot: *mut *mut PyObject, new: *mut PyObject| {
                if !slot.is_null() {
                    Py_DecRef(*slot);
                    *slot = new;
                } else {
                    Py_DecRef(new);
                }
            };
            match errors::instantiate(vm, &class, value.clone()) {
                Ok(e) => {
                    let e: PyObjectRef = e.into();
                    if value.is_some_and(|v| v.is(&e)) {
                        // Already an instance: the type becomes its (sub)class, as in
                        // CPython; a new instance leaves the type as it was.
                        if !e.class().is(&class) {
                            replace(exc, to_c(vm, &e.class().to_owned().into()));
                        }
                    } else {
                        replace(val, to_c(vm, &e));
                    }
                }
                Err(e) => {
                    let e_obj: PyObjectRef = e.clone().into();
                    replace(exc, to_c(vm, &e_obj.class().to_owned().into()));
                    replace(val, to_c(vm, &e_obj));
                    if let Some(t) = e.__traceback__() {
                        replace(tb, to_c(vm, &t.into()));
                    }
                }
            }
        }
        Ok(())
    })
}

/// Does `err` (a class or an instance) match `exc` (a class, or a tuple of them)?
fn matches(vm: &VirtualMachine, err: &PyObjectRef, exc: &PyObjectRef) -> bool {
    if let Some(t) = exc.downcast_ref::<PyTuple>() {
        return t.iter().any(|e| matches(vm, err, e));
    }
    let err = match err.downcast_ref::<PyBaseException>() {
        Some(_) => err.class().to_owned().into(),
        None => err.clone(),
    };
    match (exception_class(vm, &err), exception_class(vm, exc)) {
        (Some(e), Some(c)) => e.fast_issubclass(&c),
        _ => err.is(exc),
    }
}

/// `PyErr_GivenExceptionMatches`.
#[capi]
pub unsafe fn PyErr_GivenExceptionMatches(given: *mut PyObject, exc: *mut PyObject) -> c_int {
    if given.is_null() || exc.is_null() {
        return 0;
    }
    // SAFETY: the caller passes live objects (C-API contract).
    with_vm(0, |vm| Ok(matches(vm, &unsafe { from_c(vm, given) }, &unsafe { from_c(vm, exc) }) as c_int))
}

/// `PyErr_ExceptionMatches`: does the pending error match `exc`?
#[capi]
pub unsafe fn PyErr_ExceptionMatches(exc: *mut PyObject) -> c_int {
    // SAFETY: the pending type is live; `exc` is the caller's.
    unsafe { PyErr_GivenExceptionMatches(errors::occurred(), exc) }
}

/// `PyErr_NoMemory`: MemoryError; returns NULL.
#[capi]
pub unsafe fn PyErr_NoMemory() -> *mut PyObject {
    errors::set(statics::exception("PyExc_MemoryError"), String::new());
    core::ptr::null_mut()
}

/// `PyErr_BadArgument`: TypeError; returns 0.
#[capi]
pub unsafe fn PyErr_BadArgument() -> c_int {
    // SAFETY: a static string.
    unsafe {
        PyErr_SetString(statics::exception("PyExc_TypeError"), c"bad argument type for built-in operation".as_ptr())
    };
    0
}

/// `PyErr_BadInternalCall` (the function; C code reaches `_PyErr_BadInternalCall`
/// through the macro).
#[capi]
pub unsafe fn PyErr_BadInternalCall() {
    // SAFETY: a static string.
    unsafe { PyErr_SetString(statics::exception("PyExc_SystemError"), c"bad argument to internal function".as_ptr()) };
}

/// `_PyErr_BadInternalCall`: the SystemError names the C file and line.
#[capi]
pub unsafe fn _PyErr_BadInternalCall(filename: *const c_char, lineno: c_int) {
    // SAFETY: the macro passes `__FILE__`.
    let file = unsafe { text(filename) };
    let message =
        std::ffi::CString::new(format!("{file}:{lineno}: bad argument to internal function")).unwrap_or_default();
    // SAFETY: a NUL-terminated string we own for the call.
    unsafe { PyErr_SetString(statics::exception("PyExc_SystemError"), message.as_ptr()) };
}

/// `type(name, bases, dict)` for `PyErr_NewException*`: `name` is "module.Class",
/// `base` a class, a tuple of them or NULL (Exception), `dict` a dict or NULL.
fn new_exception(vm: &VirtualMachine, name: &str, base: Option<PyObjectRef>, dict: Option<PyObjectRef>) -> PyResult {
    let Some((module, class)) = name.rsplit_once('.') else {
        return Err(vm.new_system_error("PyErr_NewException: name must be module.class".to_owned()));
    };
    let base = base.unwrap_or_else(|| vm.ctx.exceptions.exception_type.to_owned().into());
    let bases: PyObjectRef =
        if base.downcast_ref::<PyTuple>().is_some() { base } else { vm.ctx.new_tuple(vec![base]).into() };
    let dict = dict.unwrap_or_else(|| vm.ctx.new_dict().into());
    if dict.get_item("__module__", vm).is_err() {
        dict.set_item("__module__", vm.ctx.new_str(module).into(), vm)?;
    }
    vm.ctx.types.type_type.as_object().call((vm.ctx.new_str(class), bases, dict), vm)
}

/// `PyErr_NewException`: a new exception class (new reference).
#[capi]
pub unsafe fn PyErr_NewException(name: *const c_char, base: *mut PyObject, dict: *mut PyObject) -> *mut PyObject {
    // SAFETY: the caller passes a NUL-terminated name.
    let name = unsafe { text(name) };
    with_vm(core::ptr::null_mut(), |vm| {
        // SAFETY: the caller passes live objects or NULL.
        let (base, dict) =
            unsafe { ((!base.is_null()).then(|| from_c(vm, base)), (!dict.is_null()).then(|| from_c(vm, dict))) };
        Ok(to_c(vm, &new_exception(vm, &name, base, dict)?))
    })
}

/// `PyErr_NewExceptionWithDoc`: as `PyErr_NewException`, with `__doc__` set.
#[capi]
pub unsafe fn PyErr_NewExceptionWithDoc(
    name: *const c_char,
    doc: *const c_char,
    base: *mut PyObject,
    dict: *mut PyObject,
) -> *mut PyObject {
    // SAFETY: the caller passes NUL-terminated strings (doc may be NULL).
    let (name, doc_text) = unsafe { (text(name), (!doc.is_null()).then(|| text(doc))) };
    with_vm(core::ptr::null_mut(), |vm| {
        // SAFETY: the caller passes live objects or NULL.
        let (base, dict) =
            unsafe { ((!base.is_null()).then(|| from_c(vm, base)), (!dict.is_null()).then(|| from_c(vm, dict))) };
        let dict = dict.unwrap_or_else(|| vm.ctx.new_dict().into());
        if let Some(doc) = doc_text {
            dict.set_item("__doc__", vm.ctx.new_str(doc).into(), vm)?;
        }
        Ok(to_c(vm, &new_exception(vm, &name, base, Some(dict))?))
    })
}

/// The exception instance behind `ex`.
///
/// # Safety
/// `ex` is a live object.
unsafe fn exception_of(vm: &VirtualMachine, ex: *mut PyObject) -> PyResult<PyBaseExceptionRef> {
    // SAFETY: see the function's contract.
    let obj = unsafe { from_c(vm, ex) };
    obj.downcast::<PyBaseException>()
        .map_err(|o| vm.new_type_error(format!("expected an exception instance, not {}", o.class().name())))
}

/// Takes over a reference C gave (`steal`), as the exception it must be, or None.
///
/// # Safety
/// `p` is NULL or a live reference the caller gives away.
unsafe fn steal_exception(vm: &VirtualMachine, p: *mut PyObject) -> Option<PyBaseExceptionRef> {
    if p.is_null() {
        return None;
    }
    // SAFETY: see the function's contract; the interpreter reference keeps the object.
    let obj = unsafe { from_c(vm, p) };
    // SAFETY: as above.
    unsafe { Py_DecRef(p) };
    obj.downcast::<PyBaseException>().ok()
}

fn new_ref_or_null(vm: &VirtualMachine, obj: Option<PyObjectRef>) -> *mut PyObject {
    obj.map_or(core::ptr::null_mut(), |o| to_c(vm, &o))
}

/// `PyException_GetCause`: new reference or NULL.
#[capi]
pub unsafe fn PyException_GetCause(ex: *mut PyObject) -> *mut PyObject {
    with_vm(core::ptr::null_mut(), |vm| {
        // SAFETY: the caller passes an exception instance.
        Ok(new_ref_or_null(vm, unsafe { exception_of(vm, ex) }?.__cause__().map(Into::into)))
    })
}

/// `PyException_SetCause`: steals `cause` (NULL clears it); sets `__suppress_context__`.
#[capi]
pub unsafe fn PyException_SetCause(ex: *mut PyObject, cause: *mut PyObject) {
    with_vm((), |vm| {
        // SAFETY: the caller passes an exception and gives us `cause`.
        let cause = unsafe { steal_exception(vm, cause) };
        // SAFETY: as above.
        unsafe { exception_of(vm, ex) }?.set___cause__(cause);
        Ok(())
    })
}

/// `PyException_GetContext`: new reference or NULL.
#[capi]
pub unsafe fn PyException_GetContext(ex: *mut PyObject) -> *mut PyObject {
    with_vm(core::ptr::null_mut(), |vm| {
        // SAFETY: the caller passes an exception instance.
        Ok(new_ref_or_null(vm, unsafe { exception_of(vm, ex) }?.__context__().map(Into::into)))
    })
}

/// `PyException_SetContext`: steals `context` (NULL clears it).
#[capi]
pub unsafe fn PyException_SetContext(ex: *mut PyObject, context: *mut PyObject) {
    with_vm((), |vm| {
        // SAFETY: the caller passes an exception and gives us `context`.
        let context = unsafe { steal_exception(vm, context) };
        // SAFETY: as above.
        unsafe { exception_of(vm, ex) }?.set___context__(context);
        Ok(())
    })
}

/// `PyException_GetTraceback`: new reference or NULL.
#[capi]
pub unsafe fn PyException_GetTraceback(ex: *mut PyObject) -> *mut PyObject {
    with_vm(core::ptr::null_mut(), |vm| {
        // SAFETY: the caller passes an exception instance.
        Ok(new_ref_or_null(vm, unsafe { exception_of(vm, ex) }?.__traceback__().map(Into::into)))
    })
}

/// `PyException_SetTraceback`: `tb` is a traceback or None (not stolen); 0 or -1.
#[capi]
pub unsafe fn PyException_SetTraceback(ex: *mut PyObject, tb: *mut PyObject) -> c_int {
    with_vm(-1, |vm| {
        if tb.is_null() {
            return Err(vm.new_type_error("__traceback__ may not be deleted".to_owned()));
        }
        // SAFETY: the caller passes live objects.
        let (exc, tb) = unsafe { (exception_of(vm, ex)?, from_c(vm, tb)) };
        exc.as_object().set_attr("__traceback__", tb, vm)?;
        Ok(0)
    })
}

/// `PyErr_WriteUnraisable`: reports the pending error through `sys.unraisablehook`
/// (which prints "Exception ignored in: ..." by default) and clears it.
#[capi]
pub unsafe fn PyErr_WriteUnraisable(obj: *mut PyObject) {
    let Some(pending) = errors::take() else { return };
    crate::bridge::vm::with(|vm| {
        let exc = crate::bridge::call::exception(vm, &pending);
        // SAFETY: the caller passes a live object or NULL.
        let object = if obj.is_null() { vm.ctx.none() } else { unsafe { from_c(vm, obj) } };
        vm.run_unraisable(exc, None, object);
    });
}

/// `OSError`-style error from `errno`: `type(errno, strerror[, filename])`, which
/// OSError turns into the subclass for that errno; returns NULL.
fn set_from_errno(errno: i32, type_: *mut PyObject, filename: Option<String>) -> *mut PyObject {
    with_vm(core::ptr::null_mut(), |vm| {
        let message = if errno == 0 {
            "Error".to_owned()
        } else {
            // SAFETY: strerror returns a NUL-terminated string valid until the next call.
            unsafe { text(libc::strerror(errno)) }
        };
        let mut args: Vec<PyObjectRef> = vec![vm.ctx.new_int(errno).into(), vm.ctx.new_str(message).into()];
        if let Some(f) = filename {
            args.push(vm.ctx.new_str(f).into());
        }
        // SAFETY: the caller passes a live exception class.
        let ty = unsafe { from_c(vm, type_) };
        let v = ty.call(args, vm)?;
        match v.downcast::<PyBaseException>() {
            Ok(exc) => set_exception(vm, &exc),
            Err(v) => errors::restore(Some(Pending {
                exc_type: c_type_of(vm, &v),
                message: message_of(vm, &v),
                value: Some(v),
                traceback: None,
            })),
        }
        Ok(core::ptr::null_mut())
    })
}

fn errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

/// `PyErr_SetFromErrno`.
#[capi]
pub unsafe fn PyErr_SetFromErrno(type_: *mut PyObject) -> *mut PyObject {
    set_from_errno(errno(), type_, None)
}

/// `PyErr_SetFromErrnoWithFilename`: `filename` (filesystem encoding) is the third
/// argument, or left out when NULL.
#[capi]
pub unsafe fn PyErr_SetFromErrnoWithFilename(type_: *mut PyObject, filename: *const c_char) -> *mut PyObject {
    let e = errno();
    // SAFETY: the caller passes a NUL-terminated string or NULL.
    let name = (!filename.is_null()).then(|| unsafe { text(filename) });
    set_from_errno(e, type_, name)
}
