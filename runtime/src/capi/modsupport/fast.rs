//! Python/getargs.c's `_PyArg_Parser` (3.11 layout) and the parses driven by one:
//! `_PyArg_ParseTupleAndKeywordsFast`, `_PyArg_ParseStackAndKeywords` and their `_SizeT`
//! and `va_list` forms (through `dxpy_getargs_fast`, called by capi/getargs.c). The parser
//! is also what `_PyArg_UnpackKeywords` (checks.rs) reads.

use core::ffi::{CStr, c_char, c_int, c_void};

use rustpython_vm::builtins::{PyBaseExceptionRef, PyDict};
use rustpython_vm::{AsObject, PyObjectRef, PyResult, VirtualMachine};

use super::getargs::{Parser, borrowed, c_str, func, seterror, tuple_items};
use super::{Slot, Slots, guard};
use crate::bridge::errors::{bad_internal_call, with_vm};
use crate::bridge::layout::*;
use crate::bridge::object::{from_c, has_type_flag, to_c};

const FLAG_SIZE_T: c_int = 2;

/// `_PyArg_Parser` as CPython 3.11 lays it out (Include/cpython/modsupport.h); Argument
/// Clinic code declares one static parser per function.
#[repr(C)]
pub(super) struct ArgParser {
    pub(super) format: *const c_char,
    pub(super) keywords: *const *const c_char,
    pub(super) fname: *const c_char,
    pub(super) custom_msg: *const c_char,
    pub(super) pos: c_int,
    pub(super) min: c_int,
    pub(super) max: c_int,
    pub(super) kwtuple: *mut PyObject,
    pub(super) next: *mut ArgParser,
}

/// 3.11's `parser_init`: the positional-only count, the name, and the tuple of keyword
/// names (kept for the process, as CPython keeps it until finalization).
///
/// # Safety
/// `parser` points at a static `_PyArg_Parser` whose keywords are NULL-terminated.
pub(super) unsafe fn parser_init(vm: &VirtualMachine, parser: *mut ArgParser) -> PyResult<()> {
    // SAFETY: see the function's contract.
    unsafe {
        if !(*parser).kwtuple.is_null() {
            return Ok(());
        }
        let mut names = Vec::new();
        let mut k = (*parser).keywords;
        while !k.is_null() && !(*k).is_null() {
            names.push(c_str(*k).unwrap_or("").to_owned());
            k = k.add(1);
        }
        let pos = names.iter().take_while(|n| n.is_empty()).count();
        if names[pos..].iter().any(|n| n.is_empty()) {
            return Err(vm.new_system_error("Empty keyword parameter name".to_owned()));
        }
        (*parser).pos = pos as c_int;
        let format = (*parser).format;
        if !format.is_null() {
            let bytes = CStr::from_ptr(format).to_bytes();
            if let Some(i) = bytes.iter().position(|&c| c == b':') {
                (*parser).fname = format.add(i + 1);
            } else if let Some(i) = bytes.iter().position(|&c| c == b';') {
                (*parser).custom_msg = format.add(i + 1);
            }
            let (min, max) = format_bounds(vm, bytes, names.len(), pos)?;
            (*parser).min = min as c_int;
            (*parser).max = max as c_int;
        }
        let tuple = vm.ctx.new_tuple(names[pos..].iter().map(|n| vm.ctx.new_str(n.as_str()).into()).collect());
        (*parser).kwtuple = to_c(vm, &tuple.into());
        Ok(())
    }
}

fn is_end(c: u8) -> bool {
    matches!(c, 0 | b';' | b':')
}

/// 3.11 `parser_init`'s walk of the format: the minimum number of arguments and the
/// maximum number of positional ones, checking the format against the keywords.
fn format_bounds(vm: &VirtualMachine, fmt: &[u8], len: usize, pos: usize) -> PyResult<(usize, usize)> {
    let mut p = Parser::new(vm, fmt, Slots::empty(), FLAG_SIZE_T);
    let (mut min, mut max) = (usize::MAX, usize::MAX);
    let mut f = 0;
    for i in 0..len {
        if p.at(f) == b'|' {
            if min != usize::MAX {
                return Err(vm.new_system_error("Invalid format string (| specified twice)".to_owned()));
            }
            if max != usize::MAX {
                return Err(vm.new_system_error("Invalid format string ($ before |)".to_owned()));
            }
            min = i;
            f += 1;
        }
        if p.at(f) == b'$' {
            if max != usize::MAX {
                return Err(vm.new_system_error("Invalid format string ($ specified twice)".to_owned()));
            }
            if i < pos {
                return Err(vm.new_system_error("Empty parameter name after $".to_owned()));
            }
            max = i;
            f += 1;
        }
        if is_end(p.at(f)) {
            return Err(vm.new_system_error(format!("More keyword list entries ({len}) than format specifiers ({i})")));
        }
        if let Err(msg) = p.skipitem(&mut f) {
            return Err(vm.new_system_error(format!("{msg}: '{}'", String::from_utf8_lossy(&fmt[f..]))));
        }
    }
    let c = p.at(f);
    if !is_end(c) && c != b'|' && c != b'$' {
        return Err(vm.new_system_error(format!(
            "more argument specifiers than keyword list entries (remaining format:'{}')",
            String::from_utf8_lossy(&fmt[f..])
        )));
    }
    Ok((min.min(len), max.min(len)))
}

/// `vgetargskeywordsfast_impl`: positional arguments from `stack`, the others by name
/// from `kwargs` (a dict) or from `kwnames` (values after the positionals).
fn parse_fast(
    p: &mut Parser<'_>,
    stack: &[*mut PyObject],
    kwargs: Option<&rustpython_vm::Py<PyDict>>,
    kwnames: &[*mut PyObject],
    kwstack: *const *mut PyObject,
    parser: *mut ArgParser,
) -> Result<(), PyBaseExceptionRef> {
    let vm = p.vm;
    // SAFETY: an initialised parser (`parser_init`).
    let (kwtuple, pos, fname, custom, pmin, pmax) = unsafe {
        let q = &*parser;
        (q.kwtuple, q.pos as usize, c_str(q.fname), c_str(q.custom_msg), q.min as usize, q.max as usize)
    };
    // SAFETY: the tuple `parser_init` made.
    let keywords: Vec<PyObjectRef> =
        unsafe { tuple_items(kwtuple) }.iter().map(|&k| unsafe { from_c(vm, k) }).collect();
    let len = pos + keywords.len();
    let nargs = stack.len();
    let mut nkwargs = kwargs.map_or(kwnames.len(), |d| d.__len__());
    let fn_name = func(fname, "function");
    if nargs + nkwargs > len {
        return Err(vm.new_type_error(format!(
            "{fn_name} takes at most {len} {}argument{} ({} given)",
            if nargs == 0 { "keyword " } else { "" },
            if len == 1 { "" } else { "s" },
            nargs + nkwargs
        )));
    }
    if pmax < nargs {
        return Err(vm.new_type_error(if pmax == 0 {
            format!("{fn_name} takes no positional arguments")
        } else {
            format!(
                "{fn_name} takes {} {pmax} positional argument{} ({nargs} given)",
                if pmin < pmax { "at most" } else { "exactly" },
                if pmax == 1 { "" } else { "s" }
            )
        }));
    }
    // The value given by name for keyword `key`, if any.
    let find = |key: &PyObjectRef| -> PyResult<Option<*mut PyObject>> {
        if let Some(d) = kwargs {
            return Ok(d.get_item_opt(&**key, vm)?.map(|v| borrowed(vm, &v)));
        }
        for (i, &name) in kwnames.iter().enumerate() {
            // SAFETY: items of a live tuple.
            let name = unsafe { from_c(vm, name) };
            if name.is(key) || vm.bool_eq(&name, key)? {
                // SAFETY: the keyword values follow the positionals.
                return Ok(Some(unsafe { *kwstack.add(i) }));
            }
        }
        Ok(None)
    };
    let mut f = 0;
    for i in 0..len {
        if p.at(f) == b'|' {
            f += 1;
        }
        if p.at(f) == b'$' {
            f += 1;
        }
        let current = if i < nargs {
            Some(stack[i])
        } else if nkwargs > 0 && i >= pos {
            let v = find(&keywords[i - pos])?;
            if v.is_some() {
                nkwargs -= 1;
            }
            v
        } else {
            None
        };
        if let Some(arg) = current {
            p.convertitem(arg, &mut f).map_err(|fail| seterror(vm, i + 1, fail, fname, custom))?;
            continue;
        }
        if i < pmin {
            if i < pos {
                let min = pos.min(pmin);
                return Err(vm.new_type_error(format!(
                    "{fn_name} takes {} {min} positional argument{} ({nargs} given)",
                    if min < pmax { "at least" } else { "exactly" },
                    if min == 1 { "" } else { "s" }
                )));
            }
            let key = keywords[i - pos].str(vm)?;
            return Err(vm.new_type_error(format!(
                "{fn_name} missing required argument '{}' (pos {})",
                key.as_wtf8(),
                i + 1
            )));
        }
        if nkwargs == 0 {
            return Ok(());
        }
        if let Err(msg) = p.skipitem(&mut f) {
            return Err(vm.new_system_error(msg));
        }
    }
    if nkwargs > 0 {
        for i in pos..nargs {
            if find(&keywords[i - pos])?.is_some() {
                let key = keywords[i - pos].str(vm)?;
                return Err(vm.new_type_error(format!(
                    "argument for {fn_name} given by name ('{}') and position ({})",
                    key.as_wtf8(),
                    i + 1
                )));
            }
        }
        return Err(unexpected_keyword(vm, kwargs, kwnames, &keywords, fname)?);
    }
    Ok(())
}

/// getargs.c's `error_unexpected_keyword_arg`.
pub(super) fn unexpected_keyword(
    vm: &VirtualMachine,
    kwargs: Option<&rustpython_vm::Py<PyDict>>,
    kwnames: &[*mut PyObject],
    keywords: &[PyObjectRef],
    fname: Option<&str>,
) -> PyResult<PyBaseExceptionRef> {
    let given: Vec<PyObjectRef> = match kwargs {
        Some(d) => d.keys_vec(),
        // SAFETY: items of a live tuple.
        None => kwnames.iter().map(|&k| unsafe { from_c(vm, k) }).collect(),
    };
    let this = func(fname, "this function");
    for key in given {
        if key.downcast_ref::<rustpython_vm::builtins::PyStr>().is_none() {
            return Ok(vm.new_type_error("keywords must be strings".to_owned()));
        }
        let mut known = false;
        for k in keywords {
            if vm.bool_eq(k, &key)? {
                known = true;
                break;
            }
        }
        if !known {
            let s = key.str(vm)?;
            return Ok(vm.new_type_error(format!("'{}' is an invalid keyword argument for {this}", s.as_wtf8())));
        }
    }
    Ok(vm.new_type_error(format!("invalid keyword argument for {this}")))
}

/// `_PyArg_ParseTupleAndKeywordsFast` (`args` a tuple, `kwargs` a dict or NULL) and
/// `_PyArg_ParseStackAndKeywords` (`stack` of `nargs`, `kwnames` or NULL), with `out`
/// holding the output pointers of the parser's format.
///
/// # Safety
/// The arguments are what the C-API function received; `out` has `n` slots.
#[allow(clippy::too_many_arguments)] // what the C entry points pass on
#[unsafe(no_mangle)]
pub unsafe extern "C" fn dxpy_getargs_fast(
    args: *mut PyObject,
    stack: *const *mut PyObject,
    nargs: Py_ssize_t,
    kwargs: *mut PyObject,
    kwnames: *mut PyObject,
    parser: *mut c_void,
    out: *const Slot,
    n: usize,
    flags: c_int,
) -> c_int {
    guard("_PyArg_ParseTupleAndKeywordsFast", 0, || {
        with_vm(0, |vm| {
            let parser = parser.cast::<ArgParser>();
            let stack_ptr = stack;
            let (stack, dict): (&[*mut PyObject], _) = if stack.is_null() && nargs < 0 {
                // The tuple form.
                // SAFETY: NULL or live objects (C-API contract).
                let dict =
                    if kwargs.is_null() { None } else { unsafe { from_c(vm, kwargs) }.downcast::<PyDict>().ok() };
                // SAFETY: as above.
                if !unsafe { has_type_flag(args, Py_TPFLAGS_TUPLE_SUBCLASS) } || (!kwargs.is_null() && dict.is_none()) {
                    return Err(bad_internal_call(vm));
                }
                // SAFETY: checked to be a tuple.
                (unsafe { tuple_items(args) }, dict)
            } else if nargs <= 0 {
                (&[][..], None)
            } else {
                // SAFETY: the caller passes `nargs` arguments.
                (unsafe { core::slice::from_raw_parts(stack, nargs as usize) }, None)
            };
            // SAFETY: NULL or live (C-API contract).
            if parser.is_null() || (!kwnames.is_null() && !unsafe { has_type_flag(kwnames, Py_TPFLAGS_TUPLE_SUBCLASS) })
            {
                return Err(bad_internal_call(vm));
            }
            // SAFETY: a static parser (C-API contract).
            unsafe { parser_init(vm, parser)? };
            // SAFETY: initialised; a NULL format means no arguments.
            let format = unsafe { (*parser).format };
            let fmt = if format.is_null() { &b""[..] } else { unsafe { CStr::from_ptr(format) }.to_bytes() };
            // SAFETY: `kwnames` is a tuple (checked above).
            let names: &[*mut PyObject] = if kwnames.is_null() { &[] } else { unsafe { tuple_items(kwnames) } };
            // The stack form's keyword values follow its positionals.
            let kwstack = if names.is_empty() || stack_ptr.is_null() {
                core::ptr::null()
            } else {
                // SAFETY: the caller passes `nargs` positionals, then the keyword values.
                unsafe { stack_ptr.add(nargs.max(0) as usize) }
            };
            // SAFETY: `out` has `n` slots (caller's contract).
            let mut p = Parser::new(vm, fmt, unsafe { Slots::new(out, n) }, flags);
            let result = parse_fast(&mut p, stack, dict.as_deref(), names, kwstack, parser);
            if result.is_err() {
                p.clean_up();
            }
            result.map(|()| 1)
        })
    })
}
