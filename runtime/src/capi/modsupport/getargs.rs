//! Python/getargs.c's format parsing: `PyArg_Parse*` (through `dxpy_getargs`, called by
//! capi/getargs.c). Messages are CPython 3.11's, word for word.
//!
//! Outputs follow CPython's lifetime rules: `O`, `S`, `U`... give borrowed references
//! and `s` the str's cached UTF-8, valid while the argument lives. Positional arguments
//! are read from the argument tuple's items, which the tuple owns. An object that C has
//! no reference to yet (a keyword argument's value, an item of a nested sequence) gets
//! its reference from [`borrowed`], which the call from Python into C releases when the
//! C function returns (`bridge::call`).

use core::ffi::{CStr, c_char, c_int, c_void};
use std::cell::RefCell;

use rustpython_vm::builtins::{PyBaseExceptionRef, PyByteArray, PyBytes, PyDict, PyDictRef, PyStr};
use rustpython_vm::{AsObject, PyObjectRef, PyResult, TryFromObject, VirtualMachine};

use super::{Slot, Slots, guard};
use crate::bridge::errors::{bad_internal_call, with_vm};
use crate::bridge::layout::*;
use crate::bridge::object::{PyTupleObject, from_c, has_type_flag, to_c, utf8_of};

const FLAG_COMPAT: c_int = 1;
const FLAG_SIZE_T: c_int = 2;
const FLAG_KEYWORDS: c_int = 4;
/// `Py_CLEANUP_SUPPORTED`: an `O&` converter that wants to be called again with NULL to
/// release what it made when parsing fails later.
const CLEANUP_SUPPORTED: c_int = 0x20000;

thread_local! {
    /// References [`borrowed`] took for C, released by [`release_borrowed`].
    static BORROWED: RefCell<Vec<usize>> = const { RefCell::new(Vec::new()) };
}

/// A C pointer for `obj` that stays valid until the current call into C returns (the
/// caller of that call runs [`release_borrowed`] with the mark it took before).
pub(super) fn borrowed(vm: &VirtualMachine, obj: &PyObjectRef) -> *mut PyObject {
    let p = to_c(vm, obj);
    BORROWED.with(|b| b.borrow_mut().push(p as usize));
    p
}

/// Where the borrowed references of a call into C start.
pub fn borrow_mark() -> usize {
    BORROWED.with(|b| b.borrow().len())
}

/// Releases the references [`borrowed`] took since `mark`.
pub fn release_borrowed(mark: usize) {
    let taken: Vec<usize> = BORROWED.with(|b| {
        let mut b = b.borrow_mut();
        let mark = mark.min(b.len());
        b.split_off(mark)
    });
    for p in taken {
        // SAFETY: each is a reference `borrowed` took and nothing else releases.
        unsafe { crate::capi::object::Py_DecRef(p as *mut PyObject) };
    }
}

/// Why converting one argument failed: an exception already raised, or CPython's
/// message for `seterror` with the item numbers of the nested sequences it is in.
pub(super) enum Fail {
    Raised(PyBaseExceptionRef),
    Msg(Vec<usize>, String),
}

impl From<PyBaseExceptionRef> for Fail {
    fn from(e: PyBaseExceptionRef) -> Self {
        Fail::Raised(e)
    }
}

/// At most `n` characters of `s` (C's `%.Ns`, counted in characters here).
pub(super) fn trunc(s: &str, n: usize) -> &str {
    s.char_indices().nth(n).map_or(s, |(i, _)| &s[..i])
}

/// # Safety
/// `p` is NULL or NUL-terminated.
pub(super) unsafe fn c_str<'a>(p: *const c_char) -> Option<&'a str> {
    // SAFETY: see the function's contract; formats and names are ASCII in practice.
    (!p.is_null()).then(|| unsafe { CStr::from_ptr(p) }.to_str().unwrap_or("?"))
}

/// The `tp_name` CPython shows for `arg` in "must be X, not Y" ("None" for None).
///
/// # Safety
/// `arg` is a live object.
pub(super) unsafe fn type_name(vm: &VirtualMachine, arg: *mut PyObject) -> String {
    // SAFETY: see the function's contract.
    let obj = unsafe { from_c(vm, arg) };
    if vm.is_none(&obj) {
        return "None".into();
    }
    // SAFETY: a live object has a live type whose `tp_name` is NUL-terminated.
    unsafe {
        let name = (*(*arg).ob_type).tp_name;
        c_str(name).map_or_else(|| obj.class().name().to_string(), str::to_owned)
    }
}

fn converterr(vm: &VirtualMachine, expected: &str, arg: *mut PyObject) -> Fail {
    if expected.starts_with('(') {
        return Fail::Msg(vec![], trunc(expected, 100).to_owned());
    }
    // SAFETY: conversion only runs on live arguments.
    let actual = unsafe { type_name(vm, arg) };
    Fail::Msg(vec![], format!("must be {}, not {}", trunc(expected, 50), trunc(&actual, 50)))
}

fn not_implemented(vm: &VirtualMachine, code: &str) -> Fail {
    Fail::Raised(vm.new_system_error(format!("DX-Py: PyArg format code '{code}' is not implemented yet")))
}

fn require_size_t(vm: &VirtualMachine, flags: c_int) -> Result<(), Fail> {
    if flags & FLAG_SIZE_T == 0 {
        return Err(Fail::Raised(
            vm.new_system_error("PY_SSIZE_T_CLEAN macro must be defined for '#' formats".to_owned()),
        ));
    }
    Ok(())
}

/// `PyLong_AsLong`'s value (through `__index__`) and its overflow error.
fn as_long(vm: &VirtualMachine, obj: &PyObjectRef) -> PyResult<i64> {
    let v = obj.try_index(vm)?;
    i64::try_from(v.as_bigint())
        .map_err(|_| vm.new_overflow_error("Python int too large to convert to C long".to_owned()))
}

/// `PyComplex_AsCComplex`: a complex, `__complex__` (which must return a complex), or
/// `float()` of the object with a zero imaginary part.
fn as_complex(vm: &VirtualMachine, obj: &PyObjectRef) -> PyResult<[f64; 2]> {
    use rustpython_vm::builtins::PyComplex;
    let parts = |c: &PyComplex| {
        let v = c.to_complex();
        [v.re, v.im]
    };
    if let Some(c) = obj.downcast_ref::<PyComplex>() {
        return Ok(parts(c));
    }
    if obj.class().has_attr(vm.ctx.intern_str("__complex__")) {
        let r = vm.call_method(obj, "__complex__", ())?;
        return match r.downcast_ref::<PyComplex>() {
            Some(c) => Ok(parts(c)),
            None => Err(vm.new_type_error(format!("__complex__ returned non-complex (type {})", r.class().name()))),
        };
    }
    Ok([obj.try_float(vm)?.to_f64(), 0.0])
}

/// `PyLong_AsUnsignedLong(Long)Mask`: the low 64 bits, in two's complement.
fn as_mask(vm: &VirtualMachine, obj: &PyObjectRef) -> PyResult<u64> {
    let v = obj.try_index(vm)?;
    let m = malachite_bigint::BigInt::from(1u8) << 64u32;
    let r = ((v.as_bigint() % &m) + &m) % &m;
    Ok(u64::try_from(&r).unwrap_or(0))
}

/// A bytes object's data and size, or getargs.c's `convertbuffer` failure (only bytes
/// export a buffer without `bf_releasebuffer`).
///
/// # Safety
/// `arg` is a live object.
unsafe fn convertbuffer(vm: &VirtualMachine, arg: *mut PyObject) -> Result<(*const c_char, usize), Fail> {
    // SAFETY: see the function's contract.
    if unsafe { has_type_flag(arg, Py_TPFLAGS_BYTES_SUBCLASS) } {
        // SAFETY: a bytes proxy is a `PyBytesObject`: size at 16, data at 32.
        return Ok(unsafe { (arg.cast::<u8>().add(32).cast(), (*arg.cast::<PyVarObject>()).ob_size as usize) });
    }
    // SAFETY: as above.
    let obj = unsafe { from_c(vm, arg) };
    if obj.class().slots.as_buffer.is_some() {
        return Err(converterr(vm, "read-only bytes-like object", arg));
    }
    // PyObject_GetBuffer's own error, which `seterror` keeps.
    Err(Fail::Raised(vm.new_type_error(format!("a bytes-like object is required, not '{}'", obj.class().name()))))
}

/// The UTF-8 of a str argument (cached in the object, as `PyUnicode_AsUTF8AndSize`),
/// or None when `arg` is not a str.
///
/// # Safety
/// `arg` is a live object.
unsafe fn str_utf8(vm: &VirtualMachine, arg: *mut PyObject) -> Result<Option<(*const c_char, usize)>, Fail> {
    // SAFETY: see the function's contract.
    let obj = unsafe { from_c(vm, arg) };
    let Some(s) = obj.downcast_ref::<PyStr>() else { return Ok(None) };
    let Some(text) = s.to_str() else {
        // Lone surrogates: the UTF-8 codec's own error.
        let s = rustpython_vm::builtins::PyStrRef::try_from_object(vm, obj.clone())?;
        let err = vm.state.codec_registry.encode_text(s, "utf-8", None, vm).err();
        return Err(Fail::Raised(
            err.unwrap_or_else(|| vm.new_unicode_encode_error("surrogates not allowed".to_owned())),
        ));
    };
    // SAFETY: `arg` is a str proxy in compact form (`bridge::object::unicode`).
    let p = unsafe { utf8_of(arg, text) };
    Ok(Some((p, text.len())))
}

/// One parse: the format, the output pointers, and the `O&` converters to call again
/// with NULL if it fails (`Py_CLEANUP_SUPPORTED`).
pub(super) struct Parser<'a> {
    pub(super) vm: &'a VirtualMachine,
    fmt: &'a [u8],
    out: Slots<'a>,
    flags: c_int,
    cleanups: Vec<(Converter, *mut c_void)>,
}

type Converter = unsafe extern "C" fn(*mut PyObject, *mut c_void) -> c_int;

/// An output pointer of the parse: the caller's variable of the C type its format code
/// documents (the PyArg_Parse* contract), written once the argument converted.
struct Dest<T>(*mut T);

impl<T> Dest<T> {
    fn set(&self, value: T) {
        // SAFETY: the caller passed this pointer for this code's output (see `Dest`).
        unsafe { self.0.write(value) }
    }
}

impl<'a> Parser<'a> {
    pub(super) fn new(vm: &'a VirtualMachine, fmt: &'a [u8], out: Slots<'a>, flags: c_int) -> Self {
        Parser { vm, fmt, out, flags, cleanups: Vec::new() }
    }

    pub(super) fn at(&self, pos: usize) -> u8 {
        self.fmt.get(pos).copied().unwrap_or(0)
    }

    fn out<T>(&mut self) -> PyResult<Dest<T>> {
        Ok(Dest(self.out.ptr(self.vm)?.cast()))
    }

    /// After a failed parse: converters that asked for it release what they made.
    pub(super) fn clean_up(&mut self) {
        for (convert, addr) in self.cleanups.drain(..).rev() {
            // SAFETY: the converter accepted `Py_CLEANUP_SUPPORTED` calls with NULL.
            unsafe { convert(core::ptr::null_mut(), addr) };
        }
    }

    /// getargs.c's `convertitem`: a nested tuple format or one simple code.
    pub(super) fn convertitem(&mut self, arg: *mut PyObject, pos: &mut usize) -> Result<(), Fail> {
        if self.at(*pos) == b'(' {
            let mut p = *pos + 1;
            self.converttuple(arg, &mut p)?;
            *pos = p + 1;
            Ok(())
        } else {
            self.convertsimple(arg, pos)
        }
    }

    fn converttuple(&mut self, arg: *mut PyObject, pos: &mut usize) -> Result<(), Fail> {
        let vm = self.vm;
        let (mut level, mut n, mut p) = (0, 0usize, *pos);
        loop {
            let c = self.at(p);
            p += 1;
            match c {
                b'(' => {
                    if level == 0 {
                        n += 1;
                    }
                    level += 1;
                }
                b')' if level == 0 => break,
                b')' => level -= 1,
                b':' | b';' | 0 => break,
                c if level == 0 && c.is_ascii_alphabetic() => n += 1,
                _ => {}
            }
        }
        // SAFETY: conversion only runs on live arguments.
        let obj = unsafe { from_c(vm, arg) };
        let is_bytes = obj.downcast_ref::<PyBytes>().is_some();
        let is_sequence = obj.downcast_ref::<PyDict>().is_none() && obj.sequence_unchecked().check();
        if !is_sequence || is_bytes {
            // SAFETY: as above.
            let actual = unsafe { type_name(vm, arg) };
            return Err(Fail::Msg(vec![], format!("must be {n}-item sequence, not {}", trunc(&actual, 50))));
        }
        let len = obj.length(vm)?;
        if len != n {
            return Err(Fail::Msg(vec![], format!("must be sequence of length {n}, not {len}")));
        }
        for i in 0..n {
            let item = match obj.get_item(&i, vm) {
                Ok(item) => item,
                Err(_) => return Err(Fail::Msg(vec![i + 1], "is not retrievable".to_owned())),
            };
            let item = borrowed(vm, &item);
            if let Err(fail) = self.convertitem(item, pos) {
                return Err(match fail {
                    Fail::Msg(mut levels, msg) => {
                        levels.insert(0, i + 1);
                        Fail::Msg(levels, msg)
                    }
                    raised => raised,
                });
            }
        }
        Ok(())
    }

    /// getargs.c's `convertsimple`: one code at `*pos`, advanced past it on success.
    fn convertsimple(&mut self, arg: *mut PyObject, pos: &mut usize) -> Result<(), Fail> {
        let vm = self.vm;
        let mut f = *pos;
        let c = self.at(f);
        f += 1;
        // SAFETY: conversion only runs on live arguments.
        let obj = unsafe { from_c(vm, arg) };
        let overflow = |msg: &str| Fail::Raised(vm.new_overflow_error(msg.to_owned()));
        match c {
            b'b' => {
                let p = self.out::<u8>()?;
                let v = as_long(vm, &obj)?;
                if v < 0 {
                    return Err(overflow("unsigned byte integer is less than minimum"));
                }
                if v > u8::MAX as i64 {
                    return Err(overflow("unsigned byte integer is greater than maximum"));
                }
                p.set(v as u8);
            }
            b'B' => {
                let p = self.out::<u8>()?;
                let v = as_mask(vm, &obj)?;
                p.set(v as u8);
            }
            b'h' => {
                let p = self.out::<i16>()?;
                let v = as_long(vm, &obj)?;
                if v < i16::MIN as i64 {
                    return Err(overflow("signed short integer is less than minimum"));
                }
                if v > i16::MAX as i64 {
                    return Err(overflow("signed short integer is greater than maximum"));
                }
                p.set(v as i16);
            }
            b'H' => {
                let p = self.out::<u16>()?;
                let v = as_mask(vm, &obj)?;
                p.set(v as u16);
            }
            b'i' => {
                let p = self.out::<i32>()?;
                let v = as_long(vm, &obj)?;
                if v > i32::MAX as i64 {
                    return Err(overflow("signed integer is greater than maximum"));
                }
                if v < i32::MIN as i64 {
                    return Err(overflow("signed integer is less than minimum"));
                }
                p.set(v as i32);
            }
            b'I' => {
                let p = self.out::<u32>()?;
                let v = as_mask(vm, &obj)?;
                p.set(v as u32);
            }
            b'n' => {
                let p = self.out::<isize>()?;
                let v = obj.try_index(vm)?;
                let v = isize::try_from(v.as_bigint())
                    .map_err(|_| overflow("Python int too large to convert to C ssize_t"))?;
                p.set(v);
            }
            b'l' => {
                let p = self.out::<i64>()?;
                let v = as_long(vm, &obj)?;
                p.set(v);
            }
            b'k' | b'K' => {
                let p = self.out::<u64>()?;
                if obj.downcast_ref::<rustpython_vm::builtins::PyInt>().is_none() {
                    return Err(converterr(vm, "int", arg));
                }
                let v = as_mask(vm, &obj)?;
                p.set(v);
            }
            b'L' => {
                let p = self.out::<i64>()?;
                let v = obj.try_index(vm)?;
                let v = i64::try_from(v.as_bigint()).map_err(|_| overflow("int too big to convert"))?;
                p.set(v);
            }
            b'f' => {
                let p = self.out::<f32>()?;
                let v = obj.try_float(vm)?.to_f64();
                p.set(v as f32);
            }
            b'd' => {
                let p = self.out::<f64>()?;
                let v = obj.try_float(vm)?.to_f64();
                p.set(v);
            }
            b'D' => {
                let p = self.out::<[f64; 2]>()?;
                let v = as_complex(vm, &obj)?;
                p.set(v);
            }
            b'c' => {
                let p = self.out::<u8>()?;
                let byte = if let Some(b) = obj.downcast_ref::<PyBytes>() {
                    (b.as_bytes().len() == 1).then(|| b.as_bytes()[0])
                } else if let Some(b) = obj.downcast_ref::<PyByteArray>() {
                    let b = b.borrow_buf();
                    (b.len() == 1).then(|| b[0])
                } else {
                    None
                };
                let byte = byte.ok_or_else(|| converterr(vm, "a byte string of length 1", arg))?;
                p.set(byte);
            }
            b'C' => {
                let p = self.out::<c_int>()?;
                let ch = obj
                    .downcast_ref::<PyStr>()
                    .filter(|s| s.char_len() == 1)
                    .and_then(|s| s.as_wtf8().code_points().next())
                    .ok_or_else(|| converterr(vm, "a unicode character", arg))?;
                p.set(ch.to_u32() as c_int);
            }
            b'p' => {
                let p = self.out::<c_int>()?;
                let v = obj.clone().is_true(vm)?;
                p.set(v as c_int);
            }
            b'y' => {
                if self.at(f) == b'*' {
                    return Err(not_implemented(vm, "y*"));
                }
                let p = self.out::<*const c_char>()?;
                // SAFETY: `arg` is live.
                let (data, len) = unsafe { convertbuffer(vm, arg) }?;
                if self.at(f) == b'#' {
                    require_size_t(vm, self.flags)?;
                    let size = self.out::<isize>()?;
                    size.set(len as isize);
                    f += 1;
                } else {
                    // SAFETY: the bytes data is `len` bytes long.
                    if unsafe { core::slice::from_raw_parts(data.cast::<u8>(), len) }.contains(&0) {
                        return Err(Fail::Raised(vm.new_value_error("embedded null byte".to_owned())));
                    }
                }
                p.set(data);
            }
            b's' | b'z' => {
                if self.at(f) == b'*' {
                    return Err(not_implemented(vm, &format!("{}*", c as char)));
                }
                let none = c == b'z' && vm.is_none(&obj);
                if self.at(f) == b'#' {
                    let p = self.out::<*const c_char>()?;
                    require_size_t(vm, self.flags)?;
                    let size = self.out::<isize>()?;
                    // SAFETY: `arg` is live.
                    let (data, len) = if none {
                        (core::ptr::null(), 0)
                    } else if let Some(utf8) = unsafe { str_utf8(vm, arg) }? {
                        utf8
                    } else {
                        // SAFETY: `arg` is live.
                        unsafe { convertbuffer(vm, arg) }?
                    };
                    p.set(data);
                    size.set(len as isize);
                    f += 1;
                } else {
                    let p = self.out::<*const c_char>()?;
                    // SAFETY: `arg` is live.
                    let utf8 = if none { None } else { unsafe { str_utf8(vm, arg) }? };
                    let data = if none {
                        core::ptr::null()
                    } else if let Some((data, len)) = utf8 {
                        // SAFETY: the UTF-8 is `len` bytes long.
                        if unsafe { core::slice::from_raw_parts(data.cast::<u8>(), len) }.contains(&0) {
                            return Err(Fail::Raised(vm.new_value_error("embedded null character".to_owned())));
                        }
                        data
                    } else {
                        return Err(converterr(vm, if c == b'z' { "str or None" } else { "str" }, arg));
                    };
                    p.set(data);
                }
            }
            b'e' => return Err(not_implemented(vm, &format!("e{}", self.at(f) as char))),
            b'u' | b'Z' => return Err(not_implemented(vm, &(c as char).to_string())),
            b'S' | b'Y' | b'U' => {
                let p = self.out::<*mut PyObject>()?;
                let (ok, expected) = match c {
                    b'S' => (obj.downcast_ref::<PyBytes>().is_some(), "bytes"),
                    b'Y' => (obj.downcast_ref::<PyByteArray>().is_some(), "bytearray"),
                    _ => (obj.downcast_ref::<PyStr>().is_some(), "str"),
                };
                if !ok {
                    return Err(converterr(vm, expected, arg));
                }
                p.set(arg);
            }
            b'O' => match self.at(f) {
                b'!' => {
                    let ty = self.out::<PyObject>()?.0;
                    let p = self.out::<*mut PyObject>()?;
                    f += 1;
                    // SAFETY: the caller passes a live type object.
                    let class = unsafe { from_c(vm, ty) };
                    let class = rustpython_vm::builtins::PyTypeRef::try_from_object(vm, class)?;
                    if !obj.class().fast_issubclass(&class) {
                        // SAFETY: a type object's `tp_name` is NUL-terminated.
                        let name = unsafe { c_str((*ty.cast::<PyTypeObject>()).tp_name) }.unwrap_or("?");
                        return Err(converterr(vm, name, arg));
                    }
                    p.set(arg);
                }
                b'&' => {
                    let convert = self.out::<c_void>()?.0;
                    let addr = self.out::<c_void>()?.0;
                    f += 1;
                    if convert.is_null() {
                        return Err(Fail::Raised(bad_internal_call(vm)));
                    }
                    // SAFETY: `O&` passes a converter `int (*)(PyObject *, void *)`.
                    let convert: Converter = unsafe { core::mem::transmute::<*mut c_void, Converter>(convert) };
                    // SAFETY: the converter gets the borrowed argument and its address.
                    let res = unsafe { convert(arg, addr) };
                    if res == 0 {
                        return Err(match crate::bridge::errors::take() {
                            Some(p) => Fail::Raised(crate::bridge::call::exception(vm, &p)),
                            None => converterr(vm, "(unspecified)", arg),
                        });
                    }
                    if res == CLEANUP_SUPPORTED {
                        self.cleanups.push((convert, addr));
                    }
                }
                _ => {
                    let p = self.out::<*mut PyObject>()?;
                    p.set(arg);
                }
            },
            b'w' => {
                if self.at(f) != b'*' {
                    return Err(converterr(vm, "(invalid use of 'w' format character)", arg));
                }
                return Err(not_implemented(vm, "w*"));
            }
            _ => return Err(converterr(vm, "(impossible<bad format char>)", arg)),
        }
        *pos = f;
        Ok(())
    }

    /// getargs.c's `skipitem`: steps over one item of the format (and its outputs) for an
    /// optional argument that was not given, or names what is wrong with it.
    pub(super) fn skipitem(&mut self, pos: &mut usize) -> Result<(), String> {
        let mut f = *pos;
        let c = self.at(f);
        f += 1;
        let vm = self.vm;
        let take = |n: usize, parser: &mut Self| {
            for _ in 0..n {
                let _ = parser.out.next(vm);
            }
        };
        match c {
            b'b' | b'B' | b'h' | b'H' | b'i' | b'I' | b'l' | b'k' | b'L' | b'K' | b'n' | b'f' | b'd' | b'D' | b'c'
            | b'C' | b'p' | b'S' | b'Y' | b'U' => take(1, self),
            b'e' => {
                take(1, self);
                if self.at(f) == b's' || self.at(f) == b't' {
                    f += 1;
                    take(1, self);
                    if self.at(f) == b'#' {
                        if self.flags & FLAG_SIZE_T == 0 {
                            return Err("PY_SSIZE_T_CLEAN macro must be defined for '#' formats".to_owned());
                        }
                        take(1, self);
                        f += 1;
                    }
                }
            }
            b's' | b'z' | b'y' | b'u' | b'Z' | b'w' => {
                take(1, self);
                if self.at(f) == b'#' {
                    if self.flags & FLAG_SIZE_T == 0 {
                        return Err("PY_SSIZE_T_CLEAN macro must be defined for '#' formats".to_owned());
                    }
                    take(1, self);
                    f += 1;
                } else if self.at(f) == b'*' {
                    f += 1;
                }
            }
            b'O' => {
                if self.at(f) == b'!' || self.at(f) == b'&' {
                    take(1, self);
                    f += 1;
                }
                take(1, self);
            }
            b'(' => {
                loop {
                    if self.at(f) == b')' {
                        break;
                    }
                    if matches!(self.at(f), 0 | b';' | b':') {
                        return Err("Unmatched left paren in format string".to_owned());
                    }
                    self.skipitem(&mut f)?;
                }
                f += 1;
            }
            b')' => return Err("Unmatched right paren in format string".to_owned()),
            _ => return Err("impossible<bad format char>".to_owned()),
        }
        *pos = f;
        Ok(())
    }
}

/// getargs.c's `seterror`: the exception for a failed conversion of argument `iarg`.
pub(super) fn seterror(
    vm: &VirtualMachine,
    iarg: usize,
    fail: Fail,
    fname: Option<&str>,
    message: Option<&str>,
) -> PyBaseExceptionRef {
    let (levels, msg) = match fail {
        Fail::Raised(e) => return e,
        Fail::Msg(levels, msg) => (levels, msg),
    };
    let text = match message {
        Some(m) => m.to_owned(),
        None => {
            let mut buf = String::new();
            if let Some(f) = fname {
                buf += &format!("{}() ", trunc(f, 200));
            }
            if iarg != 0 {
                buf += &format!("argument {iarg}");
                for &l in levels.iter().take(32) {
                    if l == 0 || buf.len() >= 220 {
                        break;
                    }
                    buf += &format!(", item {}", l - 1);
                }
            } else {
                buf += "argument";
            }
            buf += &format!(" {}", trunc(&msg, 256));
            buf
        }
    };
    if msg.starts_with('(') { vm.new_system_error(text) } else { vm.new_type_error(text) }
}

/// "name()" or "function" (and the same for "this function") as CPython words it.
pub(super) fn func(fname: Option<&str>, anonymous: &str) -> String {
    fname.map_or_else(|| anonymous.to_owned(), |f| format!("{}()", trunc(f, 200)))
}

/// The items of a tuple proxy (borrowed: the tuple owns them).
///
/// # Safety
/// `args` is a live tuple proxy.
pub(super) unsafe fn tuple_items<'a>(args: *mut PyObject) -> &'a [*mut PyObject] {
    // SAFETY: see the function's contract.
    unsafe {
        let t = args.cast::<PyTupleObject>();
        let n = (*t).ob_base.ob_size.max(0) as usize;
        if n == 0 { &[] } else { core::slice::from_raw_parts((*t).ob_item.as_ptr(), n) }
    }
}

/// `vgetargs1_impl`: positional arguments (`stack`), or the single object of `PyArg_Parse`.
fn parse_positional(
    p: &mut Parser<'_>,
    stack: &[*mut PyObject],
    compat: Option<*mut PyObject>,
) -> Result<(), PyBaseExceptionRef> {
    let vm = p.vm;
    let (mut min, mut max, mut level) = (-1i64, 0i64, 0);
    let (mut fname, mut message) = (None, None);
    let text = |from: usize| String::from_utf8_lossy(&p.fmt[from..]).into_owned();
    for (i, &c) in p.fmt.iter().enumerate() {
        match c {
            b'(' => {
                if level == 0 {
                    max += 1;
                }
                level += 1;
                if level >= 30 {
                    return Err(
                        vm.new_system_error("too many tuple nesting levels in argument format string".to_owned())
                    );
                }
            }
            b')' if level == 0 => return Err(vm.new_system_error("excess ')' in getargs format".to_owned())),
            b')' => level -= 1,
            b':' => {
                fname = Some(text(i + 1));
                break;
            }
            b';' => {
                message = Some(text(i + 1));
                break;
            }
            b'|' if level == 0 => min = max,
            c if level == 0 && c.is_ascii_alphabetic() && c != b'e' => max += 1,
            _ => {}
        }
    }
    if level != 0 {
        return Err(vm.new_system_error("missing ')' in getargs format".to_owned()));
    }
    if min < 0 {
        min = max;
    }
    let (fname, message) = (fname.as_deref(), message.as_deref());
    let mut pos = 0;
    if let Some(arg) = compat {
        if max == 0 {
            if arg.is_null() {
                return Ok(());
            }
            return Err(vm.new_type_error(format!("{} takes no arguments", func(fname, "function"))));
        }
        if min == 1 && max == 1 {
            if arg.is_null() {
                return Err(vm.new_type_error(format!("{} takes at least one argument", func(fname, "function"))));
            }
            return p.convertitem(arg, &mut pos).map_err(|fail| match fail {
                Fail::Msg(levels, msg) => {
                    let iarg = levels.first().copied().unwrap_or(0);
                    seterror(vm, iarg, Fail::Msg(levels.get(1..).unwrap_or(&[]).to_vec(), msg), fname, message)
                }
                raised => seterror(vm, 0, raised, fname, message),
            });
        }
        return Err(vm.new_system_error("old style getargs format uses new features".to_owned()));
    }
    let nargs = stack.len() as i64;
    if nargs < min || max < nargs {
        return Err(vm.new_type_error(match message {
            Some(m) => m.to_owned(),
            None => {
                let n = if nargs < min { min } else { max };
                format!(
                    "{} takes {} {n} argument{} ({nargs} given)",
                    fname.map_or_else(|| "function".to_owned(), |f| format!("{}()", trunc(f, 150))),
                    if min == max {
                        "exactly"
                    } else if nargs < min {
                        "at least"
                    } else {
                        "at most"
                    },
                    if n == 1 { "" } else { "s" }
                )
            }
        }));
    }
    for (i, &arg) in stack.iter().enumerate() {
        if p.at(pos) == b'|' {
            pos += 1;
        }
        p.convertitem(arg, &mut pos).map_err(|fail| seterror(vm, i + 1, fail, fname, message))?;
    }
    let c = p.at(pos);
    if c != 0 && !c.is_ascii_alphabetic() && !matches!(c, b'(' | b'|' | b':' | b';') {
        return Err(vm.new_system_error(format!("bad format string: {}", trunc(&text(0), 200))));
    }
    Ok(())
}

/// `vgetargskeywords`: positional arguments from the tuple, the others by name from
/// `kwargs`, driven by `kwlist`.
fn parse_keywords(
    p: &mut Parser<'_>,
    stack: &[*mut PyObject],
    kwargs: Option<PyDictRef>,
    kwlist: &[&str],
) -> Result<(), PyBaseExceptionRef> {
    let vm = p.vm;
    let full = String::from_utf8_lossy(p.fmt).into_owned();
    let (fname, custom) = match full.find(':') {
        Some(i) => (Some(&full[i + 1..]), None),
        None => (None, full.find(';').map(|i| &full[i + 1..])),
    };
    let end = |c: u8| matches!(c, 0 | b';' | b':');
    let (mut min, mut max) = (i64::MAX, i64::MAX);
    let pos = kwlist.iter().take_while(|k| k.is_empty()).count();
    let len = kwlist.len();
    if kwlist[pos..].iter().any(|k| k.is_empty()) {
        return Err(vm.new_system_error("Empty keyword parameter name".to_owned()));
    }
    let nargs = stack.len();
    let mut nkwargs = kwargs.as_ref().map_or(0, |d| d.__len__());
    let fn_name = func(fname, "function");
    if nargs + nkwargs > len {
        return Err(vm.new_type_error(format!(
            "{fn_name} takes at most {len} {}argument{} ({} given)",
            if nargs == 0 { "keyword " } else { "" },
            if len == 1 { "" } else { "s" },
            nargs + nkwargs
        )));
    }
    let mut f = 0;
    let mut skip = false;
    let mut i = 0;
    while i < len {
        if p.at(f) == b'|' {
            if min != i64::MAX {
                return Err(vm.new_system_error("Invalid format string (| specified twice)".to_owned()));
            }
            min = i as i64;
            f += 1;
            if max != i64::MAX {
                return Err(vm.new_system_error("Invalid format string ($ before |)".to_owned()));
            }
        }
        if p.at(f) == b'$' {
            if max != i64::MAX {
                return Err(vm.new_system_error("Invalid format string ($ specified twice)".to_owned()));
            }
            max = i as i64;
            f += 1;
            if (max as usize) < pos {
                return Err(vm.new_system_error("Empty parameter name after $".to_owned()));
            }
            if skip {
                break;
            }
            if (max as usize) < nargs {
                return Err(vm.new_type_error(if max == 0 {
                    format!("{fn_name} takes no positional arguments")
                } else {
                    format!(
                        "{fn_name} takes {} {max} positional argument{} ({nargs} given)",
                        if min != i64::MAX { "at most" } else { "exactly" },
                        if max == 1 { "" } else { "s" }
                    )
                }));
            }
        }
        if end(p.at(f)) {
            return Err(vm.new_system_error(format!("More keyword list entries ({len}) than format specifiers ({i})")));
        }
        if !skip {
            let current = if i < nargs {
                Some(stack[i])
            } else if nkwargs > 0 && i >= pos {
                let d = kwargs.as_ref().expect("nkwargs > 0 means a dict");
                let v = d.get_item_opt(kwlist[i], vm)?;
                v.map(|v| {
                    nkwargs -= 1;
                    borrowed(vm, &v)
                })
            } else {
                None
            };
            if let Some(arg) = current {
                p.convertitem(arg, &mut f).map_err(|fail| seterror(vm, i + 1, fail, fname, custom))?;
                i += 1;
                continue;
            }
            if (i as i64) < min {
                if i < pos {
                    skip = true;
                } else {
                    return Err(vm.new_type_error(format!(
                        "{fn_name} missing required argument '{}' (pos {})",
                        kwlist[i],
                        i + 1
                    )));
                }
            }
            if nkwargs == 0 && !skip {
                return Ok(());
            }
        }
        if let Err(msg) = p.skipitem(&mut f) {
            return Err(vm.new_system_error(format!("{msg}: '{}'", String::from_utf8_lossy(&p.fmt[f..]))));
        }
        i += 1;
    }
    if skip {
        let m = pos.min(min.max(0) as usize);
        return Err(vm.new_type_error(format!(
            "{fn_name} takes {} {m} positional argument{} ({nargs} given)",
            if m < i { "at least" } else { "exactly" },
            if m == 1 { "" } else { "s" }
        )));
    }
    let c = p.at(f);
    if !end(c) && c != b'|' && c != b'$' {
        return Err(vm.new_system_error(format!(
            "more argument specifiers than keyword list entries (remaining format:'{}')",
            String::from_utf8_lossy(&p.fmt[f..])
        )));
    }
    if nkwargs > 0 {
        let d = kwargs.expect("nkwargs > 0 means a dict");
        for (i, name) in kwlist.iter().enumerate().take(nargs).skip(pos) {
            if d.get_item_opt(*name, vm)?.is_some() {
                return Err(vm.new_type_error(format!(
                    "argument for {fn_name} given by name ('{name}') and position ({})",
                    i + 1
                )));
            }
        }
        let this = func(fname, "this function");
        for key in d.keys_vec() {
            let Some(k) = key.downcast_ref::<PyStr>() else {
                return Err(vm.new_type_error("keywords must be strings".to_owned()));
            };
            if !kwlist[pos..].iter().any(|n| k.as_wtf8() == *n) {
                return Err(vm.new_type_error(format!("'{}' is an invalid keyword argument for {this}", k.as_wtf8())));
            }
        }
        return Err(vm.new_type_error(format!("invalid keyword argument for {this}")));
    }
    Ok(())
}

/// The semantics of every `PyArg_Parse*` variant (capi/getargs.c): `out` holds the
/// output pointers in format order; `flags` say compat (`PyArg_Parse`), `#` lengths are
/// Py_ssize_t (`_SizeT`), and keywords.
///
/// # Safety
/// The arguments are what the C-API function received; `out` has `n` slots.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn dxpy_getargs(
    args: *mut PyObject,
    kwargs: *mut PyObject,
    format: *const c_char,
    kwlist: *const *const c_char,
    out: *const Slot,
    n: usize,
    flags: c_int,
) -> c_int {
    guard("PyArg_Parse", 0, || {
        with_vm(0, |vm| {
            if format.is_null() {
                return Err(bad_internal_call(vm));
            }
            // SAFETY: `format` is NUL-terminated; `out` has `n` slots (caller's contract).
            let fmt = unsafe { CStr::from_ptr(format) }.to_bytes();
            // SAFETY: as above.
            let slots = unsafe { Slots::new(out, n) };
            let mut p = Parser { vm, fmt, out: slots, flags, cleanups: Vec::new() };
            let result = if flags & FLAG_KEYWORDS != 0 {
                // SAFETY: live objects or NULL (C-API contract).
                let is_tuple = unsafe { has_type_flag(args, Py_TPFLAGS_TUPLE_SUBCLASS) };
                let kw = if kwargs.is_null() {
                    Some(None)
                } else {
                    // SAFETY: as above.
                    unsafe { from_c(vm, kwargs) }.downcast::<PyDict>().ok().map(Some)
                };
                let (Some(kw), true, false) = (kw, is_tuple, kwlist.is_null()) else {
                    return Err(bad_internal_call(vm));
                };
                let mut names = Vec::new();
                // SAFETY: `kwlist` is a NULL-terminated array of C strings.
                unsafe {
                    let mut k = kwlist;
                    while !(*k).is_null() {
                        names.push(c_str(*k).unwrap_or(""));
                        k = k.add(1);
                    }
                }
                // SAFETY: checked to be a tuple.
                parse_keywords(&mut p, unsafe { tuple_items(args) }, kw, &names)
            } else if flags & FLAG_COMPAT != 0 {
                parse_positional(&mut p, &[], Some(args))
            } else {
                // SAFETY: `args` is NULL or live.
                if !unsafe { has_type_flag(args, Py_TPFLAGS_TUPLE_SUBCLASS) } {
                    return Err(vm.new_system_error("new style getargs format but argument is not a tuple".to_owned()));
                }
                // SAFETY: checked to be a tuple.
                parse_positional(&mut p, unsafe { tuple_items(args) }, None)
            };
            if result.is_err() {
                p.clean_up();
            }
            result.map(|()| 1)
        })
    })
}

/// `_PyArg_ParseStack(_SizeT)`: `PyArg_ParseTuple` on a vector of `nargs` arguments.
///
/// # Safety
/// `args` holds `nargs` live objects; `format` is NUL-terminated; `out` has `n` slots.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn dxpy_getargs_stack(
    args: *const *mut PyObject,
    nargs: Py_ssize_t,
    format: *const c_char,
    out: *const Slot,
    n: usize,
    flags: c_int,
) -> c_int {
    guard("_PyArg_ParseStack", 0, || {
        with_vm(0, |vm| {
            if format.is_null() || (args.is_null() && nargs > 0) || nargs < 0 {
                return Err(bad_internal_call(vm));
            }
            // SAFETY: see the function's contract.
            let (fmt, slots) = unsafe { (CStr::from_ptr(format).to_bytes(), Slots::new(out, n)) };
            // SAFETY: as above.
            let stack = if nargs == 0 { &[][..] } else { unsafe { core::slice::from_raw_parts(args, nargs as usize) } };
            let mut p = Parser { vm, fmt, out: slots, flags, cleanups: Vec::new() };
            let result = parse_positional(&mut p, stack, None);
            if result.is_err() {
                p.clean_up();
            }
            result.map(|()| 1)
        })
    })
}
