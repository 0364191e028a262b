//! Objects/unicodeobject.c's `PyUnicode_FromFormatV` as CPython 3.11 has it (through
//! `dxpy_fromformat`), and what Python/errors.c and Python/_warnings.c build on it
//! (`PyErr_Format`, `PyErr_WarnFormat`). capi/getargs.c has read each argument with the
//! C type its conversion says into a slot.
//!
//! 3.11's conversions: `%%`, `%c`, `%d %i %u` (with `l`, `ll`, `z`), `%x`, `%p`, `%s`,
//! `%U`, `%V`, `%S`, `%R`, `%A`, each with an optional `0` flag, width and `.precision`
//! (no `-` flag: that came in 3.12). An unknown conversion copies the rest of the format.

use core::ffi::{CStr, c_char, c_int};

use rustpython_vm::builtins::{PyStr, PyStrRef, PyTypeRef};
use rustpython_vm::common::wtf8::{CodePoint, Wtf8Buf};
use rustpython_vm::{PyResult, TryFromObject, VirtualMachine};

use super::{Slot, Slots, guard};
use crate::bridge::errors::{self, with_vm};
use crate::bridge::layout::*;
use crate::bridge::object::{from_c, to_c};

/// Appends `text` (whose characters are `chars`) right-justified in `width`, cut to
/// `precision` characters (`unicode_fromformat_write_str`).
fn write_str(out: &mut Wtf8Buf, chars: Vec<CodePoint>, width: i64, precision: i64) {
    let len = if precision >= 0 { chars.len().min(precision as usize) } else { chars.len() };
    if width > len as i64 {
        for _ in 0..(width as usize - len) {
            out.push_char(' ');
        }
    }
    for c in chars.into_iter().take(len) {
        out.push(c);
    }
}

fn chars_of(s: &PyStr) -> Vec<CodePoint> {
    s.as_wtf8().code_points().collect()
}

/// `%s`: UTF-8 text (decoded with "replace", at most `precision` bytes).
///
/// # Safety
/// `p` is NUL-terminated.
unsafe fn cstr_chars(p: *const c_char, precision: i64) -> Vec<CodePoint> {
    // SAFETY: see the function's contract.
    let mut bytes = unsafe { CStr::from_ptr(p) }.to_bytes();
    if precision >= 0 && bytes.len() > precision as usize {
        bytes = &bytes[..precision as usize];
    }
    String::from_utf8_lossy(bytes).chars().map(CodePoint::from_char).collect()
}

fn render(vm: &VirtualMachine, fmt: &[u8], args: &mut Slots<'_>) -> PyResult<Wtf8Buf> {
    let at = |i: usize| fmt.get(i).copied().unwrap_or(0);
    let mut out = Wtf8Buf::new();
    let mut f = 0;
    while f < fmt.len() {
        if at(f) != b'%' {
            let start = f;
            while f < fmt.len() && at(f) != b'%' {
                if at(f) > 127 {
                    return Err(vm.new_value_error(format!(
                        "PyUnicode_FromFormatV() expects an ASCII-encoded format string, got a non-ASCII byte: 0x{:02x}",
                        at(f)
                    )));
                }
                f += 1;
            }
            out.push_str(core::str::from_utf8(&fmt[start..f]).unwrap_or(""));
            continue;
        }
        let p = f;
        f += 1;
        let zeropad = at(f) == b'0';
        if zeropad {
            f += 1;
        }
        let digits = |f: &mut usize, what: &str| -> PyResult<i64> {
            let mut v: i64 = 0;
            while at(*f).is_ascii_digit() {
                let d = (at(*f) - b'0') as i64;
                if v > (isize::MAX as i64 - d) / 10 {
                    return Err(vm.new_value_error(format!("{what} too big")));
                }
                v = v * 10 + d;
                *f += 1;
            }
            Ok(v)
        };
        let width = if at(f).is_ascii_digit() { digits(&mut f, "width")? } else { -1 };
        let mut precision = -1;
        if at(f) == b'.' {
            f += 1;
            if at(f).is_ascii_digit() {
                precision = digits(&mut f, "precision")?;
            }
            if at(f) == b'%' {
                f -= 1;
            }
        }
        if at(f) == 0 {
            f -= 1;
        }
        let (mut long, mut longlong, mut size_t) = (false, false, false);
        if at(f) == b'l' {
            if matches!(at(f + 1), b'd' | b'u' | b'i') {
                long = true;
                f += 1;
            } else if at(f + 1) == b'l' && matches!(at(f + 2), b'd' | b'u' | b'i') {
                longlong = true;
                f += 2;
            }
        } else if at(f) == b'z' && matches!(at(f + 1), b'd' | b'u' | b'i') {
            size_t = true;
            f += 1;
        }
        let _ = (long, longlong, size_t); // all integers arrive widened to 64 bits
        match at(f) {
            b'c' => {
                let ordinal = args.int(vm)? as i32;
                let c = u32::try_from(ordinal)
                    .ok()
                    .and_then(CodePoint::from_u32)
                    .ok_or_else(|| vm.new_overflow_error("character argument not in range(0x110000)".to_owned()))?;
                out.push(c);
            }
            c @ (b'i' | b'd' | b'u' | b'x') => {
                let digits = match c {
                    b'u' if long || longlong || size_t => args.uint(vm)?.to_string(),
                    b'u' => (args.uint(vm)? as u32).to_string(),
                    b'x' => format!("{:x}", args.int(vm)? as i32 as u32),
                    _ if long || longlong || size_t => args.int(vm)?.to_string(),
                    _ => (args.int(vm)? as i32).to_string(),
                };
                let len = digits.len() as i64;
                let precision = precision.max(len);
                if width > precision {
                    let fill = if zeropad { '0' } else { ' ' };
                    for _ in 0..(width - precision) {
                        out.push_char(fill);
                    }
                }
                for _ in 0..(precision - len) {
                    out.push_char('0');
                }
                out.push_str(&digits);
            }
            b'p' => {
                let p = args.ptr(vm)?;
                // glibc prints NULL as "(nil)", which CPython prefixes with "0x" too.
                let text = if p.is_null() { "0x(nil)".to_owned() } else { format!("{:#x}", p as usize) };
                out.push_str(&text);
            }
            b's' => {
                let s = args.ptr(vm)?.cast::<c_char>();
                if s.is_null() {
                    return Err(vm.new_system_error("PyUnicode_FromFormat: NULL string for %s".to_owned()));
                }
                // SAFETY: `%s` passes a NUL-terminated string.
                write_str(&mut out, unsafe { cstr_chars(s, precision) }, width, -1);
            }
            b'U' => {
                let obj = args.ptr(vm)?.cast::<PyObject>();
                let s = str_arg(vm, obj)?;
                write_str(&mut out, chars_of(&s), width, precision);
            }
            b'V' => {
                let obj = args.ptr(vm)?.cast::<PyObject>();
                let s = args.ptr(vm)?.cast::<c_char>();
                if !obj.is_null() {
                    let s = str_arg(vm, obj)?;
                    write_str(&mut out, chars_of(&s), width, precision);
                } else if !s.is_null() {
                    // SAFETY: `%V` passes a NUL-terminated fallback string.
                    write_str(&mut out, unsafe { cstr_chars(s, precision) }, width, -1);
                } else {
                    return Err(vm.new_system_error("PyUnicode_FromFormat: NULL object and string for %V".to_owned()));
                }
            }
            c @ (b'S' | b'R' | b'A') => {
                let p = args.ptr(vm)?.cast::<PyObject>();
                let s: PyStrRef = if p.is_null() {
                    // PyObject_Str/Repr(NULL) give "<NULL>".
                    vm.ctx.new_str("<NULL>")
                } else {
                    // SAFETY: the caller passes a live object.
                    let obj = unsafe { from_c(vm, p) };
                    match c {
                        b'S' => obj.str(vm)?,
                        b'R' => obj.repr(vm)?,
                        _ => rustpython_vm::stdlib::builtins::ascii(obj, vm)?,
                    }
                };
                write_str(&mut out, chars_of(&s), width, precision);
            }
            b'%' => out.push_char('%'),
            _ => {
                // CPython copies the rest of the format as Latin-1 and stops.
                for &b in &fmt[p..] {
                    out.push_char(b as char);
                }
                return Ok(out);
            }
        }
        f += 1;
    }
    Ok(out)
}

fn str_arg(vm: &VirtualMachine, obj: *mut PyObject) -> PyResult<PyStrRef> {
    if obj.is_null() {
        return Err(vm.new_system_error("PyUnicode_FromFormat: NULL object for %U".to_owned()));
    }
    // SAFETY: the caller passes a live object.
    PyStrRef::try_from_object(vm, unsafe { from_c(vm, obj) })
}

/// # Safety
/// `format` is NULL or NUL-terminated; `args` has `n` slots.
unsafe fn build(vm: &VirtualMachine, format: *const c_char, args: *const Slot, n: usize) -> PyResult<PyStrRef> {
    if format.is_null() {
        return Err(errors::bad_internal_call(vm));
    }
    // SAFETY: see the function's contract.
    let (fmt, mut slots) = unsafe { (CStr::from_ptr(format).to_bytes(), Slots::new(args, n)) };
    Ok(vm.ctx.new_str(render(vm, fmt, &mut slots)?))
}

/// `PyUnicode_FromFormat(V)`.
///
/// # Safety
/// `format` is NUL-terminated; `args` holds the `n` arguments its conversions read.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn dxpy_fromformat(format: *const c_char, args: *const Slot, n: usize) -> *mut PyObject {
    guard("PyUnicode_FromFormat", core::ptr::null_mut(), || {
        with_vm(core::ptr::null_mut(), |vm| {
            // SAFETY: forwards the caller's contract.
            let s = unsafe { build(vm, format, args, n) }?;
            Ok(to_c(vm, &s.into()))
        })
    })
}

/// `PyErr_Format(V)`: clears the error indicator, formats, and raises `exception` with
/// the text; if formatting fails, its error is the one left set. Returns NULL.
///
/// # Safety
/// `exception` is a live exception class; `format` and `args` as for `dxpy_fromformat`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn dxpy_err_format(
    exception: *mut PyObject,
    format: *const c_char,
    args: *const Slot,
    n: usize,
) -> *mut PyObject {
    guard("PyErr_Format", core::ptr::null_mut(), || {
        errors::clear();
        // SAFETY: forwards the caller's contract.
        let s = with_vm(core::ptr::null_mut(), |vm| unsafe { build(vm, format, args, n) }.map(|s| to_c(vm, &s.into())));
        if !s.is_null() {
            // SAFETY: `s` is a new reference we own; `exception` is the caller's class.
            unsafe {
                crate::capi::pyerrors::PyErr_SetObject(exception, s);
                crate::capi::object::Py_DecRef(s);
            }
        }
        core::ptr::null_mut()
    })
}

/// `PyErr_WarnFormat`: `PyErr_WarnEx` with a formatted message.
///
/// # Safety
/// `category` is NULL or a warning class; `format` and `args` as for `dxpy_fromformat`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn dxpy_warn_format(
    category: *mut PyObject,
    stack_level: Py_ssize_t,
    format: *const c_char,
    args: *const Slot,
    n: usize,
) -> c_int {
    guard("PyErr_WarnFormat", -1, || {
        with_vm(-1, |vm| {
            // SAFETY: forwards the caller's contract.
            let message = unsafe { build(vm, format, args, n) }?;
            let category = if category.is_null() {
                vm.ctx.exceptions.runtime_warning.to_owned()
            } else {
                // SAFETY: the caller passes a live object.
                PyTypeRef::try_from_object(vm, unsafe { from_c(vm, category) })?
            };
            rustpython_vm::warn::warn(message.into(), Some(category), stack_level, None, vm)?;
            Ok(0)
        })
    })
}
