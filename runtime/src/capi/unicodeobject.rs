//! `Include/unicodeobject.h`: str from and to UTF-8, str C creates with `PyUnicode_New` and
//! fills in place, and the small str operations.

use core::ffi::{CStr, c_char, c_int, c_void};

use dxpy_macros::capi;
use rustpython_vm::builtins::PyStr;
use rustpython_vm::common::wtf8::{CodePoint, Wtf8Buf};
use rustpython_vm::protocol::PyIterReturn;
use rustpython_vm::{AsObject, PyObjectRef, PyResult, VirtualMachine};

use crate::bridge::errors::{bad_internal_call, with_vm};
use crate::bridge::layout::*;
use crate::bridge::object::{from_c, has_type_flag, is_fresh, new_unicode, read_char, to_c, unicode_parts};
use crate::capi::c_text;

/// # Safety
/// `bytes` is UTF-8 text of `len` bytes.
unsafe fn from_utf8(bytes: &[u8]) -> *mut PyObject {
    with_vm(core::ptr::null_mut(), |vm| {
        let text = std::str::from_utf8(bytes)
            .map_err(|e| vm.new_unicode_decode_error(format!("'utf-8' codec can't decode bytes: {e}")))?;
        Ok(to_c(vm, &vm.ctx.new_str(text).into()))
    })
}

#[capi]
pub unsafe fn PyUnicode_FromString(u: *const c_char) -> *mut PyObject {
    // SAFETY: the caller passes a NUL-terminated string (C-API contract).
    unsafe { from_utf8(CStr::from_ptr(u).to_bytes()) }
}

#[capi]
pub unsafe fn PyUnicode_FromStringAndSize(u: *const c_char, size: Py_ssize_t) -> *mut PyObject {
    if size < 0 {
        return with_vm(core::ptr::null_mut(), |vm| {
            Err(vm.new_system_error("Negative size passed to PyUnicode_FromStringAndSize".to_owned()))
        });
    }
    if u.is_null() {
        // CPython 3.11 returns an empty string to be filled in only for size 0.
        return unsafe { from_utf8(&[]) };
    }
    // SAFETY: the caller passes `size` readable bytes (C-API contract).
    unsafe { from_utf8(core::slice::from_raw_parts(u.cast::<u8>(), size as usize)) }
}

/// UTF-8 of a str, cached in the object as CPython does: ASCII strings are their own
/// UTF-8 (the data after the header); others get a buffer the object owns.
#[capi]
pub unsafe fn PyUnicode_AsUTF8AndSize(unicode: *mut PyObject, size: *mut Py_ssize_t) -> *const c_char {
    with_vm(core::ptr::null(), |vm| {
        if unicode.is_null() {
            return Err(vm.new_type_error("bad argument type for built-in operation".to_owned()));
        }
        // SAFETY: the caller passes a live object (C-API contract).
        let obj = unsafe { from_c(vm, unicode) };
        let Some(s) = obj.downcast_ref::<PyStr>() else {
            return Err(vm.new_type_error("bad argument type for built-in operation".to_owned()));
        };
        let Some(text) = s.to_str() else {
            return Err(vm.new_unicode_encode_error("'utf-8' codec can't encode surrogates".to_owned()));
        };
        // SAFETY: `unicode` is a str proxy in compact form (see bridge::object::unicode).
        let data = unsafe { crate::bridge::object::utf8_of(unicode, text) };
        if !size.is_null() {
            // SAFETY: the caller passes a writable Py_ssize_t (C-API contract).
            unsafe { *size = text.len() as Py_ssize_t };
        }
        Ok(data)
    })
}

#[capi]
pub unsafe fn PyUnicode_AsUTF8(unicode: *mut PyObject) -> *const c_char {
    // SAFETY: forwards the caller's contract.
    unsafe { PyUnicode_AsUTF8AndSize(unicode, core::ptr::null_mut()) }
}

/// # Safety
/// `p` is NULL or a live object.
unsafe fn is_str(p: *mut PyObject) -> bool {
    // SAFETY: see the function's contract.
    unsafe { has_type_flag(p, Py_TPFLAGS_UNICODE_SUBCLASS) }
}

fn bad_argument<T>(error: T) -> T {
    with_vm(error, |vm| Err(vm.new_type_error("bad argument type for built-in operation".to_owned())))
}

/// The interpreter str behind `p`, or CPython's `ensure_unicode` TypeError.
///
/// # Safety
/// `p` is NULL or a live object.
unsafe fn ensure_str(vm: &VirtualMachine, p: *mut PyObject) -> PyResult<PyObjectRef> {
    if p.is_null() {
        return Err(bad_internal_call(vm));
    }
    // SAFETY: see the function's contract.
    let obj = unsafe { from_c(vm, p) };
    if obj.downcast_ref::<PyStr>().is_none() {
        return Err(vm.new_type_error(format!("must be str, not {}", obj.class().name())));
    }
    Ok(obj)
}

/// A str C fills in place (`PyUnicode_WRITE`, `PyUnicode_WriteChar`); it becomes an
/// interpreter str when it first crosses into Python (`bridge::object::build_from_c`).
#[capi]
pub unsafe fn PyUnicode_New(size: Py_ssize_t, maxchar: u32) -> *mut PyObject {
    if size == 0 {
        // CPython returns its empty-string singleton.
        // SAFETY: an empty byte string is valid UTF-8.
        return unsafe { from_utf8(&[]) };
    }
    if size < 0 {
        return with_vm(core::ptr::null_mut(), |vm| {
            Err(vm.new_system_error("Negative size passed to PyUnicode_New".to_owned()))
        });
    }
    if maxchar > 0x10ffff {
        return with_vm(core::ptr::null_mut(), |vm| {
            Err(vm.new_system_error("invalid maximum character passed to PyUnicode_New".to_owned()))
        });
    }
    new_unicode(size as usize, maxchar)
}

/// Every str DX-Py hands out is compact and ready.
#[capi]
pub unsafe fn _PyUnicode_Ready(unicode: *mut PyObject) -> c_int {
    let _ = unicode;
    0
}

#[capi]
pub unsafe fn PyUnicode_GetLength(unicode: *mut PyObject) -> Py_ssize_t {
    // SAFETY: the caller passes a live object or NULL (C-API contract); a str proxy is compact.
    unsafe {
        if !is_str(unicode) {
            return bad_argument(-1);
        }
        unicode_parts(unicode).2 as Py_ssize_t
    }
}

#[capi]
pub unsafe fn PyUnicode_ReadChar(unicode: *mut PyObject, index: Py_ssize_t) -> u32 {
    // SAFETY: the caller passes a live object or NULL (C-API contract); the index is
    // checked against the length before reading.
    unsafe {
        if !is_str(unicode) {
            return bad_argument(u32::MAX);
        }
        let (data, kind, len) = unicode_parts(unicode);
        if index < 0 || index as usize >= len {
            return with_vm(u32::MAX, |vm| Err(vm.new_index_error("string index out of range".to_owned())));
        }
        read_char(data, kind, index as usize)
    }
}

/// Writes only into a str nothing else has seen: CPython requires refcount 1; here also
/// that it has not crossed into Python (its interpreter value is fixed from then on).
#[capi]
pub unsafe fn PyUnicode_WriteChar(unicode: *mut PyObject, index: Py_ssize_t, character: u32) -> c_int {
    // SAFETY: the caller passes a live object or NULL (C-API contract); the index is
    // checked against the length before writing.
    unsafe {
        if !is_str(unicode) {
            return bad_argument(-1);
        }
        let (data, kind, len) = unicode_parts(unicode);
        if index < 0 || index as usize >= len {
            return with_vm(-1, |vm| Err(vm.new_index_error("string index out of range".to_owned())));
        }
        if (*unicode).ob_refcnt != 1 || !is_fresh(unicode) {
            return with_vm(-1, |vm| Err(vm.new_system_error("Cannot modify a string currently used".to_owned())));
        }
        let ascii = (*unicode.cast::<u8>().add(32).cast::<u32>()) & (1 << 6) != 0;
        let max = match kind {
            1 if ascii => 0x7f,
            1 => 0xff,
            2 => 0xffff,
            _ => 0x10ffff,
        };
        if character > max {
            return with_vm(-1, |vm| Err(vm.new_value_error("character out of range".to_owned())));
        }
        match kind {
            1 => data.add(index as usize).write(character as u8),
            2 => data.cast::<u16>().add(index as usize).write(character as u16),
            _ => data.cast::<u32>().add(index as usize).write(character),
        }
    }
    0
}

#[capi]
pub unsafe fn PyUnicode_FromKindAndData(kind: c_int, buffer: *const c_void, size: Py_ssize_t) -> *mut PyObject {
    with_vm(core::ptr::null_mut(), |vm| {
        if size < 0 {
            return Err(vm.new_value_error("size must be positive".to_owned()));
        }
        if !matches!(kind, 1 | 2 | 4) {
            return Err(vm.new_system_error("invalid kind".to_owned()));
        }
        let mut text = Wtf8Buf::with_capacity(size as usize);
        for i in 0..size as usize {
            // SAFETY: the caller passes `size` characters of `kind` bytes (C-API contract).
            let c = unsafe { read_char(buffer.cast_mut().cast(), kind as usize, i) };
            let Some(c) = CodePoint::from_u32(c) else {
                // CPython finds the maximum first and passes it to PyUnicode_New.
                return Err(vm.new_system_error("invalid maximum character passed to PyUnicode_New".to_owned()));
            };
            text.push(c);
        }
        Ok(to_c(vm, &vm.ctx.new_str(text).into()))
    })
}

/// Interning is not modelled: an equal, ordinary str (identity of interned strings is
/// not guaranteed to C by DX-Py).
#[capi]
pub unsafe fn PyUnicode_InternFromString(u: *const c_char) -> *mut PyObject {
    // SAFETY: forwards the caller's contract.
    unsafe { PyUnicode_FromString(u) }
}

/// Interning is not modelled: leaves `*string` as it is (still a valid str).
#[capi]
pub unsafe fn PyUnicode_InternInPlace(string: *mut *mut PyObject) {
    let _ = string;
}

#[capi]
pub unsafe fn PyUnicode_Concat(left: *mut PyObject, right: *mut PyObject) -> *mut PyObject {
    with_vm(core::ptr::null_mut(), |vm| {
        // SAFETY: the caller passes live objects or NULL (C-API contract).
        let l = unsafe { ensure_str(vm, left)? };
        if right.is_null() {
            return Err(bad_internal_call(vm));
        }
        // SAFETY: as above.
        let r = unsafe { from_c(vm, right) };
        let (Some(ls), Some(rs)) = (l.downcast_ref::<PyStr>(), r.downcast_ref::<PyStr>()) else {
            return Err(vm.new_type_error(format!("can only concatenate str (not \"{}\") to str", r.class().name())));
        };
        let mut text = ls.as_wtf8().to_owned();
        text.push_wtf8(rs.as_wtf8());
        Ok(to_c(vm, &vm.ctx.new_str(text).into()))
    })
}

#[capi]
pub unsafe fn PyUnicode_DecodeUTF8(string: *const c_char, length: Py_ssize_t, errors: *const c_char) -> *mut PyObject {
    with_vm(core::ptr::null_mut(), |vm| {
        // SAFETY: the caller passes `length` readable bytes and a NUL-terminated or NULL
        // `errors` (C-API contract).
        let (data, errors) = unsafe {
            (
                core::slice::from_raw_parts(string.cast::<u8>(), length.max(0) as usize),
                if errors.is_null() {
                    "strict".to_owned()
                } else {
                    CStr::from_ptr(errors).to_string_lossy().into_owned()
                },
            )
        };
        let bytes: PyObjectRef = vm.ctx.new_bytes(data.to_vec()).into();
        let s = vm.call_method(&bytes, "decode", (vm.ctx.new_str("utf-8"), vm.ctx.new_str(errors)))?;
        Ok(to_c(vm, &s))
    })
}

#[capi]
pub unsafe fn PyUnicode_AsUTF8String(unicode: *mut PyObject) -> *mut PyObject {
    // SAFETY: the caller passes a live object or NULL (C-API contract).
    if !unsafe { is_str(unicode) } {
        return bad_argument(core::ptr::null_mut());
    }
    with_vm(core::ptr::null_mut(), |vm| {
        // SAFETY: as above.
        let s = unsafe { from_c(vm, unicode) };
        let b = vm.call_method(&s, "encode", (vm.ctx.new_str("utf-8"),))?;
        Ok(to_c(vm, &b))
    })
}

/// `unicode.encode(encoding or "utf-8", errors or "strict")`.
#[capi]
pub unsafe fn PyUnicode_AsEncodedString(
    unicode: *mut PyObject,
    encoding: *const c_char,
    errors: *const c_char,
) -> *mut PyObject {
    // SAFETY: the caller passes a live object or NULL (C-API contract).
    if !unsafe { is_str(unicode) } {
        return bad_argument(core::ptr::null_mut());
    }
    with_vm(core::ptr::null_mut(), |vm| {
        // SAFETY: as above; the names are NULL or NUL-terminated.
        let (s, encoding, errors) = unsafe { (from_c(vm, unicode), c_text(encoding), c_text(errors)) };
        let encoding = encoding.unwrap_or_else(|| "utf-8".into());
        let errors = errors.unwrap_or_else(|| "strict".into());
        // UTF-8 with "surrogatepass" is the str's own WTF-8 (lone surrogates as 3-byte
        // sequences); done here because the interpreter's codec does not finish on it.
        let utf8 = matches!(encoding.to_ascii_lowercase().replace('_', "-").as_str(), "utf-8" | "utf8");
        if let (true, "surrogatepass", Some(text)) = (utf8, errors.as_str(), s.downcast_ref::<PyStr>()) {
            return Ok(to_c(vm, &vm.ctx.new_bytes(text.as_wtf8().as_bytes().to_vec()).into()));
        }
        let (encoding, errors) = (vm.ctx.new_str(encoding), vm.ctx.new_str(errors));
        Ok(to_c(vm, &vm.call_method(&s, "encode", (encoding, errors))?))
    })
}

/// Compares code points with the bytes of `right`; never fails (CPython's contract).
#[capi]
pub unsafe fn PyUnicode_CompareWithASCIIString(left: *mut PyObject, right: *const c_char) -> c_int {
    // SAFETY: the caller passes a str and a NUL-terminated string (C-API contract).
    unsafe {
        let (data, kind, len) = unicode_parts(left);
        let right = CStr::from_ptr(right).to_bytes();
        for i in 0..len {
            let Some(&b) = right.get(i) else { return 1 };
            let c = read_char(data, kind, i);
            if c != b as u32 {
                return if c < b as u32 { -1 } else { 1 };
            }
        }
        if right.len() > len { -1 } else { 0 }
    }
}

#[capi]
pub unsafe fn PyUnicode_Compare(left: *mut PyObject, right: *mut PyObject) -> c_int {
    with_vm(-1, |vm| {
        // SAFETY: the caller passes live objects (C-API contract).
        let (l, r) = unsafe { (from_c(vm, left), from_c(vm, right)) };
        match (l.downcast_ref::<PyStr>(), r.downcast_ref::<PyStr>()) {
            (Some(a), Some(b)) => Ok(match a.as_wtf8().cmp(b.as_wtf8()) {
                core::cmp::Ordering::Less => -1,
                core::cmp::Ordering::Equal => 0,
                core::cmp::Ordering::Greater => 1,
            }),
            _ => Err(vm.new_type_error(format!("Can't compare {} and {}", l.class().name(), r.class().name()))),
        }
    })
}

/// As CPython's `_PyUnicode_JoinArray`: the items are collected first, a single exact
/// str item is returned as it is (without looking at the separator), then types are checked.
#[capi]
pub unsafe fn PyUnicode_Join(separator: *mut PyObject, seq: *mut PyObject) -> *mut PyObject {
    with_vm(core::ptr::null_mut(), |vm| {
        // SAFETY: the caller passes a live object (C-API contract).
        let seq = unsafe { from_c(vm, seq) };
        let Ok(iter) = seq.get_iter(vm) else {
            return Err(vm.new_type_error("can only join an iterable".to_owned()));
        };
        let mut items = Vec::new();
        while let PyIterReturn::Return(item) = iter.next(vm)? {
            items.push(item);
        }
        if let [only] = items.as_slice()
            && only.class().is(vm.ctx.types.str_type)
        {
            return Ok(to_c(vm, only));
        }
        let sep: PyObjectRef = if separator.is_null() {
            vm.ctx.new_str(" ").into()
        } else {
            // SAFETY: the caller passes a live object (C-API contract).
            unsafe { from_c(vm, separator) }
        };
        let Some(sep) = sep.downcast_ref::<PyStr>() else {
            return Err(vm.new_type_error(format!("separator: expected str instance, {} found", sep.class().name())));
        };
        let mut text = Wtf8Buf::new();
        for (i, item) in items.iter().enumerate() {
            let Some(s) = item.downcast_ref::<PyStr>() else {
                return Err(vm.new_type_error(format!(
                    "sequence item {i}: expected str instance, {} found",
                    item.class().name()
                )));
            };
            if i > 0 {
                text.push_wtf8(sep.as_wtf8());
            }
            text.push_wtf8(s.as_wtf8());
        }
        Ok(to_c(vm, &vm.ctx.new_str(text).into()))
    })
}

#[capi]
pub unsafe fn PyUnicode_Contains(container: *mut PyObject, element: *mut PyObject) -> c_int {
    with_vm(-1, |vm| {
        // SAFETY: the caller passes live objects (C-API contract).
        let (c, e) = unsafe { (from_c(vm, container), from_c(vm, element)) };
        if e.downcast_ref::<PyStr>().is_none() {
            return Err(
                vm.new_type_error(format!("'in <string>' requires string as left operand, not {}", e.class().name()))
            );
        }
        let Some(cs) = c.downcast_ref::<PyStr>() else {
            return Err(vm.new_type_error(format!("must be str, not {}", c.class().name())));
        };
        let es = e.downcast_ref::<PyStr>().expect("checked above");
        Ok(cs.as_wtf8().find(es.as_wtf8()).is_some() as c_int)
    })
}
