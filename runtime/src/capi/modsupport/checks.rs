//! Python/getargs.c's argument checks without a format: `PyArg_UnpackTuple`,
//! `_PyArg_UnpackStack` (through `dxpy_unpack`, called by capi/getargs.c), the small checks
//! Argument Clinic code calls, and `_PyArg_UnpackKeywords`. Messages are CPython 3.11's.

use core::ffi::{c_char, c_int, c_void};

use dxpy_macros::capi;
use rustpython_vm::builtins::{PyBaseExceptionRef, PyDict, PyDictRef, PyStr};
use rustpython_vm::{AsObject, PyObjectRef, PyResult, VirtualMachine};

use super::fast::{ArgParser, parser_init, unexpected_keyword};
use super::getargs::{borrowed, c_str, func, trunc, tuple_items, type_name};
use super::{Slot, Slots, guard};
use crate::bridge::errors::{bad_internal_call, with_vm};
use crate::bridge::layout::*;
use crate::bridge::object::{PyTupleObject, from_c, has_type_flag, new_tuple};

/// The size of a tuple, or -1 (no error set) for anything else.
///
/// # Safety
/// `args` is NULL or a live object.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn dxpy_tuple_len(args: *mut PyObject) -> Py_ssize_t {
    // SAFETY: see the function's contract.
    if unsafe { has_type_flag(args, Py_TPFLAGS_TUPLE_SUBCLASS) } {
        // SAFETY: a tuple proxy is a `PyVarObject`.
        unsafe { (*args.cast::<PyVarObject>()).ob_size }
    } else {
        -1
    }
}

/// `PyArg_UnpackTuple` (`tuple` set) and `_PyArg_UnpackStack` (`stack` set): `out`
/// holds a `PyObject **` for each argument given, up to `max`.
///
/// # Safety
/// The arguments are what the C-API function received; `out` has `n` slots.
#[allow(clippy::too_many_arguments)] // what the C entry points pass on
#[unsafe(no_mangle)]
pub unsafe extern "C" fn dxpy_unpack(
    tuple: *mut PyObject,
    stack: *const *mut PyObject,
    nargs: Py_ssize_t,
    name: *const c_char,
    min: Py_ssize_t,
    max: Py_ssize_t,
    out: *const Slot,
    n: usize,
) -> c_int {
    guard("PyArg_UnpackTuple", 0, || {
        with_vm(0, |vm| {
            let items: &[*mut PyObject] = if stack.is_null() {
                if nargs < 0 {
                    return Err(vm.new_system_error("PyArg_UnpackTuple() argument list is not a tuple".to_owned()));
                }
                // SAFETY: `nargs >= 0` means `tuple` is a tuple (`dxpy_tuple_len`).
                unsafe { tuple_items(tuple) }
            } else if nargs <= 0 {
                &[]
            } else {
                // SAFETY: the caller passes `nargs` arguments.
                unsafe { core::slice::from_raw_parts(stack, nargs as usize) }
            };
            // SAFETY: `name` is NULL or NUL-terminated.
            check_positional(vm, unsafe { c_str(name) }, items.len() as isize, min, max)?;
            // SAFETY: `out` has `n` slots of `PyObject **`, one per argument given.
            let mut slots = unsafe { Slots::new(out, n) };
            for &item in items {
                let p = slots.ptr(vm)?.cast::<*mut PyObject>();
                // SAFETY: the caller's variable for this argument.
                unsafe { p.write(item) };
            }
            Ok(1)
        })
    })
}

/// `_PyArg_CheckPositional`'s test and messages.
fn check_positional(vm: &VirtualMachine, name: Option<&str>, nargs: isize, min: isize, max: isize) -> PyResult<()> {
    let message = |bound: &str, n: isize| match name {
        Some(name) => format!(
            "{} expected {}{n} argument{}, got {nargs}",
            trunc(name, 200),
            if min == max { "" } else { bound },
            if n == 1 { "" } else { "s" }
        ),
        None => format!(
            "unpacked tuple should have {}{n} element{}, but has {nargs}",
            if min == max { "" } else { bound },
            if n == 1 { "" } else { "s" }
        ),
    };
    if nargs < min {
        return Err(vm.new_type_error(message("at least ", min)));
    }
    if nargs == 0 {
        return Ok(());
    }
    if nargs > max {
        return Err(vm.new_type_error(message("at most ", max)));
    }
    Ok(())
}

#[capi]
pub unsafe fn _PyArg_CheckPositional(
    arg0: *const c_char,
    arg1: Py_ssize_t,
    arg2: Py_ssize_t,
    arg3: Py_ssize_t,
) -> c_int {
    // SAFETY: the name is NULL or NUL-terminated (C-API contract).
    with_vm(0, |vm| check_positional(vm, unsafe { c_str(arg0) }, arg1, arg2, arg3).map(|()| 1))
}

#[capi]
pub unsafe fn _PyArg_NoKeywords(funcname: *const c_char, kwargs: *mut PyObject) -> c_int {
    if kwargs.is_null() {
        return 1;
    }
    with_vm(0, |vm| {
        // SAFETY: the caller passes a live object.
        let obj = unsafe { from_c(vm, kwargs) };
        if !obj.class().is(vm.ctx.types.dict_type) {
            return Err(bad_internal_call(vm));
        }
        if obj.downcast_ref::<PyDict>().is_some_and(|d| d.__len__() == 0) {
            return Ok(1);
        }
        // SAFETY: the name is NUL-terminated (C-API contract).
        let name = unsafe { c_str(funcname) }.unwrap_or("");
        Err(vm.new_type_error(format!("{}() takes no keyword arguments", trunc(name, 200))))
    })
}

#[capi]
pub unsafe fn _PyArg_NoKwnames(funcname: *const c_char, kwnames: *mut PyObject) -> c_int {
    if kwnames.is_null() {
        return 1;
    }
    with_vm(0, |vm| {
        // SAFETY: the caller passes a live object.
        if !unsafe { has_type_flag(kwnames, Py_TPFLAGS_TUPLE_SUBCLASS) } {
            return Err(bad_internal_call(vm));
        }
        // SAFETY: checked to be a tuple.
        if unsafe { tuple_items(kwnames) }.is_empty() {
            return Ok(1);
        }
        // SAFETY: the name is NUL-terminated (C-API contract).
        let name = unsafe { c_str(funcname) }.unwrap_or("");
        Err(vm.new_type_error(format!("{name}() takes no keyword arguments")))
    })
}

#[capi]
pub unsafe fn _PyArg_NoPositional(funcname: *const c_char, args: *mut PyObject) -> c_int {
    if args.is_null() {
        return 1;
    }
    with_vm(0, |vm| {
        // SAFETY: the caller passes a live object.
        if !unsafe { has_type_flag(args, Py_TPFLAGS_TUPLE_SUBCLASS) } {
            return Err(bad_internal_call(vm));
        }
        // SAFETY: checked to be a tuple.
        if unsafe { tuple_items(args) }.is_empty() {
            return Ok(1);
        }
        // SAFETY: the name is NUL-terminated (C-API contract).
        let name = unsafe { c_str(funcname) }.unwrap_or("");
        Err(vm.new_type_error(format!("{}() takes no positional arguments", trunc(name, 200))))
    })
}

#[capi]
pub unsafe fn _PyArg_BadArgument(arg0: *const c_char, arg1: *const c_char, arg2: *const c_char, arg3: *mut PyObject) {
    with_vm((), |vm| {
        // SAFETY: NUL-terminated strings and a live object (C-API contract).
        let (fname, display, expected) = unsafe { (c_str(arg0), c_str(arg1), c_str(arg2)) };
        // SAFETY: as above.
        let actual = unsafe { type_name(vm, arg3) };
        Err(vm.new_type_error(format!(
            "{}() {} must be {}, not {}",
            trunc(fname.unwrap_or(""), 200),
            trunc(display.unwrap_or(""), 200),
            trunc(expected.unwrap_or(""), 50),
            trunc(&actual, 50)
        )))
    })
}

#[capi]
pub unsafe fn PyArg_ValidateKeywordArguments(arg0: *mut PyObject) -> c_int {
    with_vm(0, |vm| {
        if arg0.is_null() {
            return Err(bad_internal_call(vm));
        }
        // SAFETY: the caller passes a live object.
        let obj = unsafe { from_c(vm, arg0) };
        let Some(d) = obj.downcast_ref::<PyDict>() else { return Err(bad_internal_call(vm)) };
        if d.keys_vec().iter().any(|k| k.downcast_ref::<PyStr>().is_none()) {
            return Err(vm.new_type_error("keywords must be strings".to_owned()));
        }
        Ok(1)
    })
}

/// What both `_PyArg_UnpackKeywords` forms start from: the parser's keywords and the
/// arguments given.
struct Given<'a> {
    vm: &'a VirtualMachine,
    args: *const *mut PyObject,
    nargs: usize,
    keywords: Vec<PyObjectRef>,
    posonly: usize,
    fname: Option<&'a str>,
    dict: Option<PyDictRef>,
    names: &'a [*mut PyObject],
    nkwargs: usize,
}

impl<'a> Given<'a> {
    /// # Safety
    /// The arguments are what the C-API function received.
    unsafe fn new(
        vm: &'a VirtualMachine,
        args: *const *mut PyObject,
        nargs: Py_ssize_t,
        kwargs: *mut PyObject,
        kwnames: *mut PyObject,
        parser: *mut c_void,
        buf: *mut *mut PyObject,
    ) -> PyResult<Self> {
        let parser = parser.cast::<ArgParser>();
        // SAFETY: NULL or live (C-API contract).
        if parser.is_null() || (!kwnames.is_null() && !unsafe { has_type_flag(kwnames, Py_TPFLAGS_TUPLE_SUBCLASS) }) {
            return Err(bad_internal_call(vm));
        }
        let args = if args.is_null() && nargs == 0 { buf.cast_const() } else { args };
        // SAFETY: a static parser (C-API contract).
        unsafe { parser_init(vm, parser)? };
        // SAFETY: initialised just above.
        let (kwtuple, posonly, fname) = unsafe { ((*parser).kwtuple, (*parser).pos as usize, c_str((*parser).fname)) };
        // SAFETY: `kwtuple` is the tuple `parser_init` made; its items are live.
        let keywords = unsafe { tuple_items(kwtuple) }.iter().map(|&k| unsafe { from_c(vm, k) }).collect();
        let dict = if kwargs.is_null() {
            None
        } else {
            // SAFETY: a live object.
            Some(unsafe { from_c(vm, kwargs) }.downcast::<PyDict>().map_err(|_| bad_internal_call(vm))?)
        };
        // SAFETY: `kwnames` is a tuple (checked above) whose values follow the positionals.
        let names: &[*mut PyObject] = if kwnames.is_null() { &[] } else { unsafe { tuple_items(kwnames) } };
        let nkwargs = dict.as_ref().map_or(names.len(), |d| d.__len__());
        Ok(Given { vm, args, nargs: nargs.max(0) as usize, keywords, posonly, fname, dict, names, nkwargs })
    }

    fn maxargs(&self) -> usize {
        self.posonly + self.keywords.len()
    }

    fn fn_name(&self) -> String {
        func(self.fname, "function")
    }

    /// The value given by name for parameter `i`, if any.
    fn find(&self, i: usize) -> PyResult<Option<*mut PyObject>> {
        if i < self.posonly {
            return Ok(None);
        }
        let (vm, key) = (self.vm, &self.keywords[i - self.posonly]);
        if let Some(d) = &self.dict {
            return Ok(d.get_item_opt(&**key, vm)?.map(|v| borrowed(vm, &v)));
        }
        for (k, &name) in self.names.iter().enumerate() {
            // SAFETY: items of a live tuple.
            let name = unsafe { from_c(vm, name) };
            if name.is(key) || vm.bool_eq(&name, key)? {
                // SAFETY: the keyword values follow the `nargs` positionals.
                return Ok(Some(unsafe { *self.args.add(self.nargs + k) }));
            }
        }
        Ok(None)
    }

    fn missing(&self, i: usize) -> PyResult<PyBaseExceptionRef> {
        let key = self.keywords[i - self.posonly].str(self.vm)?;
        Ok(self.vm.new_type_error(format!(
            "{} missing required argument '{}' (pos {})",
            self.fn_name(),
            key.as_wtf8(),
            i + 1
        )))
    }

    fn too_few(&self, minposonly: usize, maxpos: usize) -> PyBaseExceptionRef {
        self.vm.new_type_error(format!(
            "{} takes {} {minposonly} positional argument{} ({} given)",
            self.fn_name(),
            if minposonly < maxpos { "at least" } else { "exactly" },
            if minposonly == 1 { "" } else { "s" },
            self.nargs
        ))
    }

    fn unexpected(&self) -> PyResult<PyBaseExceptionRef> {
        unexpected_keyword(self.vm, self.dict.as_deref(), self.names, &self.keywords, self.fname)
    }

    /// "given by name and position" for a positional argument also given by name.
    fn given_twice(&self) -> PyResult<Option<PyBaseExceptionRef>> {
        for i in self.posonly..self.nargs {
            if self.find(i)?.is_some() {
                let key = self.keywords[i - self.posonly].str(self.vm)?;
                return Ok(Some(self.vm.new_type_error(format!(
                    "argument for {} given by name ('{}') and position ({})",
                    self.fn_name(),
                    key.as_wtf8(),
                    i + 1
                ))));
            }
        }
        Ok(None)
    }
}

/// `_PyArg_UnpackKeywords`: the arguments of a FASTCALL|KEYWORDS (or VARARGS|KEYWORDS)
/// function in parameter order, in `buf` (NULL for optional ones not given), or `args`
/// itself when there are no keywords and the count fits.
#[allow(clippy::too_many_arguments)] // CPython's signature
#[capi]
pub unsafe fn _PyArg_UnpackKeywords(
    args: *const *mut PyObject,
    nargs: Py_ssize_t,
    kwargs: *mut PyObject,
    kwnames: *mut PyObject,
    parser: *mut c_void,
    minpos: c_int,
    maxpos: c_int,
    minkw: c_int,
    buf: *mut *mut PyObject,
) -> *const *mut PyObject {
    with_vm(core::ptr::null(), |vm| {
        // SAFETY: forwards the caller's contract.
        let g = unsafe { Given::new(vm, args, nargs, kwargs, kwnames, parser, buf)? };
        let (nargs, maxargs) = (g.nargs, g.maxargs());
        let (minpos, maxpos, minkw) = (minpos as usize, maxpos as usize, minkw as usize);
        let reqlimit = if minkw > 0 { maxpos + minkw } else { minpos };
        let minposonly = g.posonly.min(minpos);
        let mut nkwargs = g.nkwargs;
        if nkwargs == 0 && minkw == 0 && minpos <= nargs && nargs <= maxpos {
            return Ok(g.args);
        }
        let fn_name = g.fn_name();
        if nargs + nkwargs > maxargs {
            return Err(vm.new_type_error(format!(
                "{fn_name} takes at most {maxargs} {}argument{} ({} given)",
                if nargs == 0 { "keyword " } else { "" },
                if maxargs == 1 { "" } else { "s" },
                nargs + nkwargs
            )));
        }
        if nargs > maxpos {
            return Err(vm.new_type_error(if maxpos == 0 {
                format!("{fn_name} takes no positional arguments")
            } else {
                format!(
                    "{fn_name} takes {} {maxpos} positional argument{} ({nargs} given)",
                    if minpos < maxpos { "at most" } else { "exactly" },
                    if maxpos == 1 { "" } else { "s" }
                )
            }));
        }
        if nargs < minposonly {
            return Err(g.too_few(minposonly, maxpos));
        }
        // SAFETY: `buf` has room for `maxargs` arguments (Argument Clinic sizes it).
        unsafe {
            for i in 0..nargs {
                *buf.add(i) = *g.args.add(i);
            }
        }
        for i in nargs.max(g.posonly)..maxargs {
            let current = if nkwargs > 0 {
                g.find(i)?
            } else if i >= reqlimit {
                break;
            } else {
                None
            };
            // SAFETY: as above.
            unsafe { *buf.add(i) = current.unwrap_or(core::ptr::null_mut()) };
            if current.is_some() {
                nkwargs -= 1;
            } else if i < minpos || (maxpos <= i && i < reqlimit) {
                return Err(g.missing(i)?);
            }
        }
        if nkwargs > 0 {
            return Err(match g.given_twice()? {
                Some(e) => e,
                None => g.unexpected()?,
            });
        }
        Ok(buf.cast_const())
    })
}

/// `_PyArg_UnpackKeywordsWithVararg` (3.11): as `_PyArg_UnpackKeywords` for a function
/// with `*args` at parameter `vararg`; `buf[vararg]` gets a new tuple of the extra
/// positionals, which the caller releases.
#[allow(clippy::too_many_arguments)] // CPython's signature
#[capi]
pub unsafe fn _PyArg_UnpackKeywordsWithVararg(
    args: *const *mut PyObject,
    nargs: Py_ssize_t,
    kwargs: *mut PyObject,
    kwnames: *mut PyObject,
    parser: *mut c_void,
    minpos: c_int,
    maxpos: c_int,
    minkw: c_int,
    vararg: c_int,
    buf: *mut *mut PyObject,
) -> *const *mut PyObject {
    with_vm(core::ptr::null(), |vm| {
        // SAFETY: forwards the caller's contract.
        let g = unsafe { Given::new(vm, args, nargs, kwargs, kwnames, parser, buf)? };
        let (nargs, maxargs) = (g.nargs, g.maxargs());
        let (minpos, maxpos, minkw, vararg) = (minpos as usize, maxpos as usize, minkw as usize, vararg as usize);
        let reqlimit = if minkw > 0 { maxpos + minkw } else { minpos };
        let minposonly = g.posonly.min(minpos);
        let mut nkwargs = g.nkwargs;
        if nargs < minposonly {
            return Err(g.too_few(minposonly, maxpos));
        }
        let varargssize = nargs.saturating_sub(maxpos);
        let tuple = new_tuple(varargssize);
        // SAFETY: `buf` has room for the parameters and the `*args` tuple; the tuple has
        // `varargssize` slots, each taking its own reference.
        unsafe {
            *buf.add(vararg) = tuple;
            let slots = (*tuple.cast::<PyTupleObject>()).ob_item.as_mut_ptr();
            for i in 0..nargs {
                let a = *g.args.add(i);
                if i >= vararg {
                    if i - vararg < varargssize {
                        crate::capi::object::Py_IncRef(a);
                        *slots.add(i - vararg) = a;
                    }
                } else {
                    *buf.add(i) = a;
                }
            }
        }
        let fail = |e: PyBaseExceptionRef| {
            // SAFETY: the tuple made above, not handed out on failure.
            unsafe { crate::capi::object::Py_DecRef(tuple) };
            e
        };
        for i in nargs.max(g.posonly).saturating_sub(varargssize)..maxargs {
            let current = if nkwargs > 0 { g.find(i).map_err(fail)? } else { None };
            let slot = if nargs < vararg { i } else { i + 1 };
            // SAFETY: as above.
            unsafe { *buf.add(slot) = current.unwrap_or(core::ptr::null_mut()) };
            if current.is_some() {
                nkwargs -= 1;
            } else if i < minpos || (maxpos <= i && i < reqlimit) {
                return Err(fail(g.missing(i)?));
            }
        }
        if nkwargs > 0 {
            return Err(fail(g.unexpected()?));
        }
        Ok(buf.cast_const())
    })
}
