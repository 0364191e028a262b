//! `tp_members` fields (structmember.h `T_*` types) read and written as CPython's
//! `PyMember_GetOne`/`PyMember_SetOne` do, with the same messages.

use core::ffi::{c_char, c_int};

use rustpython_vm::builtins::{PyFloat, PyStr};
use rustpython_vm::{AsObject, PyObjectRef, PyResult, VirtualMachine};

use crate::bridge::layout::PyObject;
use crate::bridge::object::{from_c, to_c};
use crate::capi::object::Py_DecRef;

const T_SHORT: c_int = 0;
const T_INT: c_int = 1;
const T_LONG: c_int = 2;
const T_FLOAT: c_int = 3;
const T_DOUBLE: c_int = 4;
const T_STRING: c_int = 5;
const T_OBJECT: c_int = 6;
const T_CHAR: c_int = 7;
const T_BYTE: c_int = 8;
const T_UBYTE: c_int = 9;
const T_USHORT: c_int = 10;
const T_UINT: c_int = 11;
const T_ULONG: c_int = 12;
const T_STRING_INPLACE: c_int = 13;
const T_BOOL: c_int = 14;
const T_OBJECT_EX: c_int = 16;
const T_LONGLONG: c_int = 17;
const T_ULONGLONG: c_int = 18;
const T_PYSSIZET: c_int = 19;
const T_NONE: c_int = 20;

/// The member of `kind` at `addr` as a Python value.
///
/// # Safety
/// `addr` points at a field of `kind` inside a live object.
pub unsafe fn get(vm: &VirtualMachine, addr: *mut u8, kind: c_int, name: &str, owner: &PyObjectRef) -> PyResult {
    let int = |v: i128| -> PyResult { Ok(vm.ctx.new_int(v).into()) };
    // SAFETY: see the function's contract.
    unsafe {
        match kind {
            T_SHORT => int(addr.cast::<i16>().read() as i128),
            T_INT => int(addr.cast::<i32>().read() as i128),
            T_LONG | T_LONGLONG | T_PYSSIZET => int(addr.cast::<i64>().read() as i128),
            T_BYTE => int(addr.cast::<i8>().read() as i128),
            T_UBYTE => int(addr.read() as i128),
            T_USHORT => int(addr.cast::<u16>().read() as i128),
            T_UINT => int(addr.cast::<u32>().read() as i128),
            T_ULONG | T_ULONGLONG => int(addr.cast::<u64>().read() as i128),
            T_BOOL => Ok(vm.ctx.new_bool(addr.read() != 0).into()),
            T_FLOAT => Ok(vm.ctx.new_float(addr.cast::<f32>().read() as f64).into()),
            T_DOUBLE => Ok(vm.ctx.new_float(addr.cast::<f64>().read()).into()),
            T_CHAR => Ok(vm.ctx.new_str((addr.read() as char).to_string()).into()),
            T_STRING => {
                let s = addr.cast::<*const c_char>().read();
                Ok(crate::capi::c_text(s).map_or(vm.ctx.none(), |s| vm.ctx.new_str(s).into()))
            }
            T_STRING_INPLACE => Ok(vm.ctx.new_str(crate::capi::c_text(addr.cast()).unwrap_or_default()).into()),
            T_OBJECT | T_OBJECT_EX => {
                let p = addr.cast::<*mut PyObject>().read();
                if p.is_null() {
                    if kind == T_OBJECT {
                        return Ok(vm.ctx.none());
                    }
                    let tp = crate::bridge::object::type_object(vm, &owner.class().to_owned());
                    // SAFETY: type objects are live; `tp_name` is NUL-terminated.
                    let type_name = crate::capi::c_text((*tp).tp_name).unwrap_or_default();
                    return Err(vm.new_attribute_error(format!("'{type_name}' object has no attribute '{name}'")));
                }
                Ok(from_c(vm, p))
            }
            T_NONE => Ok(vm.ctx.none()),
            _ => Err(vm.new_system_error("bad memberdescr type".to_owned())),
        }
    }
}

/// Stores `value` (None: delete) into the member of `kind` at `addr`.
///
/// # Safety
/// `addr` points at a field of `kind` inside a live object.
pub unsafe fn set(
    vm: &VirtualMachine,
    addr: *mut u8,
    kind: c_int,
    name: &str,
    value: Option<PyObjectRef>,
) -> PyResult<()> {
    let Some(v) = value else {
        return match kind {
            T_OBJECT | T_OBJECT_EX => {
                // SAFETY: see the function's contract.
                let old = unsafe { addr.cast::<*mut PyObject>().replace(core::ptr::null_mut()) };
                if old.is_null() && kind == T_OBJECT_EX {
                    return Err(vm.new_attribute_error(name.to_owned()));
                }
                // SAFETY: the reference the field held.
                unsafe { Py_DecRef(old) };
                Ok(())
            }
            _ => Err(vm.new_type_error("can't delete numeric/char attribute".to_owned())),
        };
    };
    let long = |v: &PyObjectRef| -> PyResult<i128> { v.try_index(vm)?.try_to_primitive::<i128>(vm) };
    // SAFETY (all writes): see the function's contract.
    unsafe {
        match kind {
            T_SHORT => addr.cast::<i16>().write(long(&v)? as i16),
            T_INT => addr.cast::<i32>().write(long(&v)? as i32),
            T_LONG | T_LONGLONG | T_PYSSIZET => addr.cast::<i64>().write(long(&v)? as i64),
            T_BYTE => addr.cast::<i8>().write(long(&v)? as i8),
            T_UBYTE => addr.write(long(&v)? as u8),
            T_USHORT => addr.cast::<u16>().write(long(&v)? as u16),
            T_UINT => addr.cast::<u32>().write(long(&v)? as u32),
            T_ULONG | T_ULONGLONG => addr.cast::<u64>().write(long(&v)? as u64),
            T_BOOL => {
                if !v.class().is(vm.ctx.types.bool_type) {
                    return Err(vm.new_type_error("attribute value type must be bool".to_owned()));
                }
                addr.write(v.is_true(vm)? as u8)
            }
            T_FLOAT | T_DOUBLE => {
                let f = match v.downcast_ref::<PyFloat>() {
                    Some(f) => f.to_f64(),
                    None => match v.try_float(vm) {
                        Ok(f) => f.to_f64(),
                        Err(_) => {
                            return Err(vm.new_type_error(format!("must be real number, not {}", v.class().name())));
                        }
                    },
                };
                if kind == T_FLOAT { addr.cast::<f32>().write(f as f32) } else { addr.cast::<f64>().write(f) }
            }
            T_CHAR => match v.downcast_ref::<PyStr>().map(|s| s.as_bytes().to_vec()) {
                Some(b) if b.len() == 1 => addr.write(b[0]),
                _ => return Err(vm.new_type_error("bad argument type for built-in operation".to_owned())),
            },
            T_STRING | T_STRING_INPLACE => return Err(vm.new_type_error("readonly attribute".to_owned())),
            T_OBJECT | T_OBJECT_EX => {
                let new = to_c(vm, &v);
                let old = addr.cast::<*mut PyObject>().replace(new);
                Py_DecRef(old);
            }
            _ => return Err(vm.new_system_error("bad memberdescr type".to_owned())),
        }
    }
    Ok(())
}
