//! `Include/structmember.h`: reading and writing a `PyMemberDef` field of an object, as
//! the member descriptors of C types do (bridge/members.rs).

use core::ffi::{c_char, c_int, c_void};

use dxpy_macros::capi;

use crate::bridge::errors::with_vm;
use crate::bridge::layout::PyObject;
use crate::bridge::object::{from_c, to_c};

/// `PyMemberDef`'s fields this module reads.
#[repr(C)]
struct PyMemberDef {
    name: *const c_char,
    type_: c_int,
    offset: isize,
    flags: c_int,
    doc: *const c_char,
}

/// The member `arg1` of the object at `arg0` (a new reference).
#[capi]
pub unsafe fn PyMember_GetOne(arg0: *const c_char, arg1: *mut c_void) -> *mut PyObject {
    with_vm(core::ptr::null_mut(), |vm| {
        let m = arg1.cast::<PyMemberDef>();
        // SAFETY: the caller passes an object and one of its type's member definitions.
        unsafe {
            let name = crate::capi::c_text((*m).name).unwrap_or_default();
            let owner = from_c(vm, arg0.cast_mut().cast());
            let v = crate::bridge::members::get(
                vm,
                arg0.cast_mut().cast::<u8>().offset((*m).offset),
                (*m).type_,
                &name,
                &owner,
            )?;
            Ok(to_c(vm, &v))
        }
    })
}

/// Stores `arg2` (NULL: deletes) into member `arg1` of the object at `arg0`.
#[capi]
pub unsafe fn PyMember_SetOne(arg0: *mut c_char, arg1: *mut c_void, arg2: *mut PyObject) -> c_int {
    with_vm(-1, |vm| {
        let m = arg1.cast::<PyMemberDef>();
        // SAFETY: the caller passes an object, one of its type's member definitions and a
        // live value or NULL.
        unsafe {
            if (*m).flags & 1 != 0 {
                return Err(vm.new_attribute_error("readonly attribute".to_owned()));
            }
            let name = crate::capi::c_text((*m).name).unwrap_or_default();
            let value = (!arg2.is_null()).then(|| from_c(vm, arg2));
            crate::bridge::members::set(vm, arg0.cast::<u8>().offset((*m).offset), (*m).type_, &name, value)?;
        }
        Ok(0)
    })
}
