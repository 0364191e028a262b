//! `Include/internal/pycore_namespace.h`: `types.SimpleNamespace` from C.

use dxpy_macros::capi;
use rustpython_vm::PyObjectRef;
use rustpython_vm::builtins::PyDict;
use rustpython_vm::function::{FuncArgs, KwArgs};

use crate::bridge::errors::with_vm;
use crate::bridge::layout::*;
use crate::bridge::object::{from_c, to_c};

/// `types.SimpleNamespace(**kwds)` (no keywords for NULL), as a new reference.
#[capi]
pub unsafe fn _PyNamespace_New(kwds: *mut PyObject) -> *mut PyObject {
    with_vm(core::ptr::null_mut(), |vm| {
        let mut kwargs = KwArgs::default();
        if !kwds.is_null() {
            // SAFETY: the caller passes a live dict or NULL (C-API contract).
            let kwds = unsafe { from_c(vm, kwds) };
            let dict = kwds.downcast_ref::<PyDict>().ok_or_else(|| crate::bridge::errors::bad_internal_call(vm))?;
            let pairs: Vec<(PyObjectRef, PyObjectRef)> = dict.items_vec();
            kwargs = pairs
                .into_iter()
                .map(|(k, v)| Ok((k.str(vm)?.to_string(), v)))
                .collect::<rustpython_vm::PyResult<KwArgs>>()?;
        }
        let class = vm.import("types", 0)?.get_attr("SimpleNamespace", vm)?;
        let ns = class.call_with_args(FuncArgs::new(Vec::new(), kwargs), vm)?;
        Ok(to_c(vm, &ns))
    })
}
