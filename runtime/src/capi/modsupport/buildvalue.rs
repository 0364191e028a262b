//! Python/modsupport.c's value building (`Py_BuildValue` and friends, through
//! `dxpy_buildvalue`) and Objects/call.c's `PyObject_CallFunction`/`PyObject_CallMethod`
//! built on it. capi/getargs.c has read each vararg with its C type into a slot.
//!
//! As in CPython, when building fails midway the rest of the enclosing containers is
//! still built and thrown away (`do_ignore`), so every `N` argument's reference is
//! released whatever happens.

use core::ffi::{CStr, c_char, c_int, c_void};

use rustpython_vm::builtins::{PyBaseExceptionRef, PyTuple};
use rustpython_vm::{AsObject, PyObjectRef, PyResult, TryFromObject, VirtualMachine};

use super::{Slot, Slots, guard, pending_or};
use crate::bridge::errors::{self, with_vm};
use crate::bridge::layout::*;
use crate::bridge::object::{from_c, to_c};
use crate::capi::object::Py_DecRef;

const FLAG_SIZE_T: c_int = 2;

struct Builder<'a> {
    vm: &'a VirtualMachine,
    fmt: &'a [u8],
    pos: usize,
    args: Slots<'a>,
    flags: c_int,
}

impl Builder<'_> {
    fn at(&self, pos: usize) -> u8 {
        self.fmt.get(pos).copied().unwrap_or(0)
    }

    fn system(&self, msg: &str) -> PyBaseExceptionRef {
        self.vm.new_system_error(msg.to_owned())
    }

    /// modsupport.c's `countformat`: the number of items before `endchar` at this level.
    fn countformat(&self, endchar: u8) -> PyResult<usize> {
        let (mut count, mut level, mut p) = (0, 0i32, self.pos);
        while level > 0 || self.at(p) != endchar {
            match self.at(p) {
                0 => return Err(self.system("unmatched paren in format")),
                b'(' | b'[' | b'{' => {
                    if level == 0 {
                        count += 1;
                    }
                    level += 1;
                }
                b')' | b']' | b'}' => level -= 1,
                b'#' | b'&' | b',' | b':' | b' ' | b'\t' => {}
                _ => {
                    if level == 0 {
                        count += 1;
                    }
                }
            }
            p += 1;
        }
        Ok(count)
    }

    /// The Py_ssize_t length after `s#`-style codes; without PY_SSIZE_T_CLEAN, 3.11
    /// raises SystemError (before reading a length, as capi/getargs.c reads none).
    fn length(&mut self) -> PyResult<Option<i64>> {
        if self.at(self.pos) != b'#' {
            return Ok(None);
        }
        self.pos += 1;
        if self.flags & FLAG_SIZE_T == 0 {
            return Err(self.system("PY_SSIZE_T_CLEAN macro must be defined for '#' formats"));
        }
        Ok(Some(self.args.int(self.vm)?))
    }

    /// C text of `n` bytes (or up to its NUL when `n` is None or negative).
    ///
    /// # Safety
    /// `p` is NUL-terminated, or has `n` readable bytes.
    unsafe fn bytes<'b>(p: *const c_char, n: Option<i64>) -> &'b [u8] {
        // SAFETY: see the function's contract.
        unsafe {
            match n {
                Some(n) if n >= 0 => core::slice::from_raw_parts(p.cast(), n as usize),
                _ => CStr::from_ptr(p).to_bytes(),
            }
        }
    }

    /// modsupport.c's `do_mkvalue`: the next value of the format.
    fn mkvalue(&mut self) -> PyResult {
        let vm = self.vm;
        loop {
            let c = self.at(self.pos);
            self.pos += 1;
            let int = |v: i64| -> PyResult { Ok(vm.ctx.new_int(v).into()) };
            return match c {
                b'(' => {
                    let n = self.countformat(b')')?;
                    self.mkseq(b')', n).map(|items| vm.ctx.new_tuple(items).into())
                }
                b'[' => {
                    let n = self.countformat(b']')?;
                    self.mkseq(b']', n).map(|items| vm.ctx.new_list(items).into())
                }
                b'{' => {
                    let n = self.countformat(b'}')?;
                    self.mkdict(b'}', n)
                }
                b'b' | b'B' | b'h' | b'i' => int(self.args.int(vm)? as i32 as i64),
                b'H' | b'I' => int(self.args.uint(vm)? as u32 as i64),
                b'n' | b'l' | b'L' => int(self.args.int(vm)?),
                b'k' | b'K' => Ok(vm.ctx.new_int(self.args.uint(vm)?).into()),
                b'f' | b'd' => Ok(vm.ctx.new_float(self.args.double(vm)?).into()),
                b'D' => {
                    let p = self.args.ptr(vm)?.cast::<[f64; 2]>();
                    if p.is_null() {
                        return Err(errors::bad_internal_call(vm));
                    }
                    // SAFETY: `D` passes a `Py_complex *` (two doubles).
                    let [re, im] = unsafe { p.read() };
                    vm.ctx.types.complex_type.as_object().call((re, im), vm)
                }
                b'c' => Ok(vm.ctx.new_bytes(vec![self.args.int(vm)? as u8]).into()),
                b'C' => {
                    let v = self.args.int(vm)? as i32;
                    let ch = u32::try_from(v).ok().and_then(rustpython_vm::common::wtf8::CodePoint::from_u32);
                    let ch = ch.ok_or_else(|| vm.new_value_error("chr() arg not in range(0x110000)".to_owned()))?;
                    let mut s = rustpython_vm::common::wtf8::Wtf8Buf::new();
                    s.push(ch);
                    Ok(vm.ctx.new_str(s).into())
                }
                b'u' => {
                    let p = self.args.ptr(vm)?.cast::<u32>();
                    let n = self.length()?;
                    if p.is_null() {
                        return Ok(vm.ctx.none());
                    }
                    let mut s = rustpython_vm::common::wtf8::Wtf8Buf::new();
                    let mut i = 0usize;
                    loop {
                        if n.is_some_and(|n| n >= 0 && i >= n as usize) {
                            break;
                        }
                        // SAFETY: `u` passes a wchar_t (4-byte) string: NUL-terminated, or
                        // `n` characters long.
                        let c = unsafe { p.add(i).read() };
                        if n.is_none_or(|n| n < 0) && c == 0 {
                            break;
                        }
                        let cp = rustpython_vm::common::wtf8::CodePoint::from_u32(c).ok_or_else(|| {
                            vm.new_value_error(format!("character U+{c:x} is not in range [U+0000; U+10ffff]"))
                        })?;
                        s.push(cp);
                        i += 1;
                    }
                    Ok(vm.ctx.new_str(s).into())
                }
                b's' | b'z' | b'U' | b'y' => {
                    let p = self.args.ptr(vm)?.cast::<c_char>();
                    let n = self.length()?;
                    if p.is_null() {
                        return Ok(vm.ctx.none());
                    }
                    // SAFETY: a C string, or `n` bytes (the C-API contract).
                    let data = unsafe { Self::bytes(p, n) }.to_vec();
                    if c == b'y' {
                        return Ok(vm.ctx.new_bytes(data).into());
                    }
                    match String::from_utf8(data) {
                        Ok(s) => Ok(vm.ctx.new_str(s).into()),
                        // The UTF-8 codec's own error, as PyUnicode_FromStringAndSize raises it.
                        Err(e) => {
                            let b: PyObjectRef = vm.ctx.new_bytes(e.into_bytes()).into();
                            vm.state.codec_registry.decode_text(b, "utf-8", None, vm).map(Into::into)
                        }
                    }
                }
                b'N' | b'S' | b'O' => {
                    if self.at(self.pos) == b'&' {
                        let func = self.args.ptr(vm)?;
                        let arg = self.args.ptr(vm)?;
                        self.pos += 1;
                        if func.is_null() {
                            return Err(errors::bad_internal_call(vm));
                        }
                        type Convert = unsafe extern "C" fn(*mut c_void) -> *mut PyObject;
                        // SAFETY: `O&` passes a converter `PyObject *(*)(void *)` and its argument.
                        let r = unsafe { core::mem::transmute::<*mut c_void, Convert>(func)(arg) };
                        // SAFETY: the converter returns a new reference or NULL with an error.
                        return unsafe { taken(vm, r) };
                    }
                    let p = self.args.ptr(vm)?.cast::<PyObject>();
                    if p.is_null() {
                        return Err(pending_or(vm, || self.system("NULL object passed to Py_BuildValue")));
                    }
                    // SAFETY: the caller passes a live object.
                    let obj = unsafe { from_c(vm, p) };
                    if c == b'N' {
                        // SAFETY: `N` steals the caller's reference; the value lives on in `obj`.
                        unsafe { Py_DecRef(p) };
                    }
                    Ok(obj)
                }
                b':' | b',' | b' ' | b'\t' => continue,
                _ => Err(self.system("bad format char passed to Py_BuildValue")),
            };
        }
    }

    /// modsupport.c's `do_ignore`: builds (and drops) the `n` items left at this level
    /// after an error, so their `N` references are released; the error stays `err`
    /// unless the level is not closed where it should be.
    fn ignore(&mut self, endchar: u8, n: usize, err: PyBaseExceptionRef) -> PyBaseExceptionRef {
        for _ in 0..n {
            let _ = self.mkvalue();
            errors::clear();
        }
        if self.at(self.pos) != endchar {
            return self.system("Unmatched paren in format");
        }
        if endchar != 0 {
            self.pos += 1;
        }
        err
    }

    /// `do_mktuple`/`do_mklist`/`do_mkstack`: `n` values, then `endchar`.
    fn mkseq(&mut self, endchar: u8, n: usize) -> PyResult<Vec<PyObjectRef>> {
        let mut items = Vec::with_capacity(n);
        for i in 0..n {
            match self.mkvalue() {
                Ok(v) => items.push(v),
                Err(e) => return Err(self.ignore(endchar, n - i - 1, e)),
            }
        }
        if self.at(self.pos) != endchar {
            return Err(self.system("Unmatched paren in format"));
        }
        if endchar != 0 {
            self.pos += 1;
        }
        Ok(items)
    }

    fn mkdict(&mut self, endchar: u8, n: usize) -> PyResult {
        let vm = self.vm;
        if !n.is_multiple_of(2) {
            let e = self.system("Bad dict format");
            return Err(self.ignore(endchar, n, e));
        }
        let d = vm.ctx.new_dict();
        let mut i = 0;
        while i < n {
            let k = match self.mkvalue() {
                Ok(k) => k,
                Err(e) => return Err(self.ignore(endchar, n - i - 1, e)),
            };
            let set = self.mkvalue().and_then(|v| d.set_item(&*k, v, vm));
            if let Err(e) = set {
                return Err(self.ignore(endchar, n - i - 2, e));
            }
            i += 2;
        }
        if self.at(self.pos) != endchar {
            return Err(self.system("Unmatched paren in format"));
        }
        if endchar != 0 {
            self.pos += 1;
        }
        Ok(d.into())
    }

    /// `va_build_value`: None for an empty format, the value for one item, else a tuple.
    fn value(&mut self) -> PyResult {
        let n = self.countformat(0)?;
        match n {
            0 => Ok(self.vm.ctx.none()),
            1 => self.mkvalue(),
            n => self.mkseq(0, n).map(|items| self.vm.ctx.new_tuple(items).into()),
        }
    }

    /// `va_build_stack`: the arguments of `PyObject_CallFunction`.
    fn stack(&mut self) -> PyResult<Vec<PyObjectRef>> {
        let n = self.countformat(0)?;
        if n == 0 {
            return Ok(Vec::new());
        }
        self.mkseq(0, n)
    }
}

/// The interpreter object for a new reference C returned (releasing it), or the
/// pending error for NULL.
///
/// # Safety
/// `r` is NULL or a new reference.
unsafe fn taken(vm: &VirtualMachine, r: *mut PyObject) -> PyResult {
    if r.is_null() {
        return Err(pending_or(vm, || vm.new_system_error("error return without exception set".to_owned())));
    }
    // SAFETY: see the function's contract.
    unsafe {
        let obj = from_c(vm, r);
        Py_DecRef(r);
        Ok(obj)
    }
}

/// # Safety
/// `format` is NULL or NUL-terminated; `args` has `n` slots.
unsafe fn builder<'a>(
    vm: &'a VirtualMachine,
    format: *const c_char,
    args: *const Slot,
    n: usize,
    flags: c_int,
) -> Builder<'a> {
    // SAFETY: see the function's contract.
    let fmt = if format.is_null() { &[][..] } else { unsafe { CStr::from_ptr(format) }.to_bytes() };
    // SAFETY: as above.
    Builder { vm, fmt, pos: 0, args: unsafe { Slots::new(args, n) }, flags }
}

/// `Py_BuildValue` and its variants (capi/getargs.c gathers the arguments).
///
/// # Safety
/// `format` is NUL-terminated; `args` holds the `n` arguments its codes read.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn dxpy_buildvalue(
    format: *const c_char,
    args: *const Slot,
    n: usize,
    flags: c_int,
) -> *mut PyObject {
    guard("Py_BuildValue", core::ptr::null_mut(), || {
        with_vm(core::ptr::null_mut(), |vm| {
            if format.is_null() {
                return Err(errors::bad_internal_call(vm));
            }
            // SAFETY: forwards the caller's contract.
            let value = unsafe { builder(vm, format, args, n, flags) }.value()?;
            Ok(to_c(vm, &value))
        })
    })
}

/// Objects/call.c's `_PyObject_CallFunctionVa`: builds the arguments and calls; a single
/// tuple argument is spread into the call (CPython's backward-compatible special case).
fn call_built(vm: &VirtualMachine, callable: &PyObjectRef, b: Option<Builder<'_>>) -> PyResult<*mut PyObject> {
    let args = match b {
        Some(mut b) if !b.fmt.is_empty() => b.stack()?,
        _ => Vec::new(),
    };
    let args = match args.as_slice() {
        [only] if only.downcast_ref::<PyTuple>().is_some() => {
            only.downcast_ref::<PyTuple>().map(|t| t.as_slice().to_vec()).unwrap_or_default()
        }
        _ => args,
    };
    let result = callable.call(args, vm)?;
    Ok(to_c(vm, &result))
}

fn null_error(vm: &VirtualMachine) -> PyBaseExceptionRef {
    pending_or(vm, || vm.new_system_error("null argument to internal routine".to_owned()))
}

/// `PyObject_CallFunction` and `_PyObject_CallFunction_SizeT`.
///
/// # Safety
/// `callable` is NULL or live; `format` NULL or NUL-terminated; `args` has `n` slots.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn dxpy_callfunction(
    callable: *mut PyObject,
    format: *const c_char,
    args: *const Slot,
    n: usize,
    flags: c_int,
) -> *mut PyObject {
    guard("PyObject_CallFunction", core::ptr::null_mut(), || {
        with_vm(core::ptr::null_mut(), |vm| {
            if callable.is_null() {
                return Err(null_error(vm));
            }
            // SAFETY: forwards the caller's contract.
            let (callable, b) = unsafe { (from_c(vm, callable), builder(vm, format, args, n, flags)) };
            call_built(vm, &callable, Some(b))
        })
    })
}

/// `PyObject_CallMethod` (the name as C text) and `_PyObject_CallMethod` (the name as a
/// str object), with their `_SizeT` and identifier forms.
///
/// # Safety
/// `obj` is NULL or live; `name` and `format` NULL or NUL-terminated; `name_obj` NULL or
/// live; `args` has `n` slots.
#[allow(clippy::too_many_arguments)] // what the C entry points pass on
#[unsafe(no_mangle)]
pub unsafe extern "C" fn dxpy_callmethod(
    obj: *mut PyObject,
    name: *const c_char,
    name_obj: *mut PyObject,
    args: *const Slot,
    n: usize,
    format: *const c_char,
    flags: c_int,
) -> *mut PyObject {
    guard("PyObject_CallMethod", core::ptr::null_mut(), || {
        with_vm(core::ptr::null_mut(), |vm| {
            if obj.is_null() || (name.is_null() && name_obj.is_null()) {
                return Err(null_error(vm));
            }
            // SAFETY: forwards the caller's contract.
            let obj = unsafe { from_c(vm, obj) };
            let name: PyObjectRef = if name_obj.is_null() {
                // SAFETY: as above.
                vm.ctx.new_str(unsafe { CStr::from_ptr(name) }.to_string_lossy().into_owned()).into()
            } else {
                // SAFETY: as above.
                unsafe { from_c(vm, name_obj) }
            };
            let name = rustpython_vm::builtins::PyStrRef::try_from_object(vm, name.clone()).map_err(|_| {
                vm.new_type_error(format!("attribute name must be string, not '{}'", name.class().name()))
            })?;
            let callable = obj.get_attr(&name, vm)?;
            if !callable.is_callable() {
                return Err(
                    vm.new_type_error(format!("attribute of type '{}' is not callable", callable.class().name()))
                );
            }
            // SAFETY: forwards the caller's contract.
            let b = unsafe { builder(vm, format, args, n, flags) };
            call_built(vm, &callable, Some(b))
        })
    })
}
