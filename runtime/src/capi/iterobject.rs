//! `Include/iterobject.h`: the iterators `iter(seq)` and `iter(callable, sentinel)` make.

use dxpy_macros::capi;
use rustpython_vm::PyPayload;
use rustpython_vm::builtins::PySequenceIterator;

use crate::bridge::errors::with_vm;
use crate::bridge::layout::*;
use crate::bridge::object::to_c;
use crate::capi::abstract_::live;

/// An iterator over `seq[0]`, `seq[1]`, ... until `IndexError` (not `seq.__iter__`).
#[capi]
pub unsafe fn PySeqIter_New(seq: *mut PyObject) -> *mut PyObject {
    with_vm(core::ptr::null_mut(), |vm| {
        // SAFETY: the caller passes a live object (C-API contract).
        let seq = unsafe { live(vm, seq) }?;
        // `PySequence_Check`: a `__getitem__`, and not a dict.
        let is_sequence = seq.class().has_attr(vm.ctx.intern_str("__getitem__"))
            && seq.downcast_ref::<rustpython_vm::builtins::PyDict>().is_none();
        if !is_sequence {
            return Err(crate::bridge::errors::bad_internal_call(vm));
        }
        let it = PySequenceIterator::new(seq, vm)?.into_ref(&vm.ctx);
        Ok(to_c(vm, &it.into()))
    })
}

/// `iter(callable, sentinel)`.
#[capi]
pub unsafe fn PyCallIter_New(callable: *mut PyObject, sentinel: *mut PyObject) -> *mut PyObject {
    with_vm(core::ptr::null_mut(), |vm| {
        // SAFETY: the caller passes live objects (C-API contract).
        let (f, s) = unsafe { (live(vm, callable)?, live(vm, sentinel)?) };
        Ok(to_c(vm, &vm.builtins.get_attr("iter", vm)?.call((f, s), vm)?))
    })
}
