//! The number, sequence and mapping suites of a C type as protocol methods: `nb_add` as
//! `__add__`/`__radd__`, `sq_item` as `__getitem__` with negative indices, and so on.

use core::ffi::c_void;

use rustpython_vm::builtins::PyType;
use rustpython_vm::{Py, PyObjectRef, PyResult, VirtualMachine};

use super::*;
use crate::bridge::call::result_of;
use crate::bridge::errors;
use crate::bridge::object::to_c;
use crate::capi::object::Py_DecRef;

/// # Safety
/// `nb` is NULL or a live `PyNumberMethods`.
pub(super) unsafe fn add_number(vm: &VirtualMachine, class: &'static Py<PyType>, nb: *const u8) -> PyResult<()> {
    if nb.is_null() {
        return Ok(());
    }
    // (index in PyNumberMethods, method, reflected method)
    const BINARY: &[(usize, &str, &str)] = &[
        (0, "__add__", "__radd__"),
        (1, "__sub__", "__rsub__"),
        (2, "__mul__", "__rmul__"),
        (3, "__mod__", "__rmod__"),
        (4, "__divmod__", "__rdivmod__"),
        (11, "__lshift__", "__rlshift__"),
        (12, "__rshift__", "__rrshift__"),
        (13, "__and__", "__rand__"),
        (14, "__xor__", "__rxor__"),
        (15, "__or__", "__ror__"),
        (29, "__floordiv__", "__rfloordiv__"),
        (30, "__truediv__", "__rtruediv__"),
        (34, "__matmul__", "__rmatmul__"),
    ];
    const INPLACE: &[(usize, &str)] = &[
        (19, "__iadd__"),
        (20, "__isub__"),
        (21, "__imul__"),
        (22, "__imod__"),
        (24, "__ilshift__"),
        (25, "__irshift__"),
        (26, "__iand__"),
        (27, "__ixor__"),
        (28, "__ior__"),
        (31, "__ifloordiv__"),
        (32, "__itruediv__"),
        (35, "__imatmul__"),
    ];
    const UNARY: &[(usize, &str)] = &[
        (6, "__neg__"),
        (7, "__pos__"),
        (8, "__abs__"),
        (10, "__invert__"),
        (16, "__int__"),
        (18, "__float__"),
        (33, "__index__"),
    ];
    // SAFETY (all reads): `nb` is a live PyNumberMethods (36 function pointers).
    for &(i, name, rname) in BINARY {
        let p = unsafe { slot_at(nb, i * 8) };
        if p.is_null() {
            continue;
        }
        // SAFETY: a binary number slot.
        let f = unsafe { core::mem::transmute::<*mut c_void, Binary>(p) };
        for (mname, reflected) in [(name, false), (rname, true)] {
            set(
                vm,
                class,
                mname,
                method(vm, class, mname, move |args, vm| {
                    let (zelf, rest) = self_and(vm, args, mname, 1)?;
                    let (a, b) = if reflected { (&rest[0], &zelf) } else { (&zelf, &rest[0]) };
                    // SAFETY: the slot has this C signature; the pointers are live references for the call.
                    let r = with_c(vm, &[a, b], |p| unsafe { f(p[0], p[1]) });
                    unsafe { result_of(vm, r) }
                }),
            )?;
        }
    }
    for &(i, name) in INPLACE {
        // SAFETY: `nb` is a live PyNumberMethods (36 function pointers).
        let p = unsafe { slot_at(nb, i * 8) };
        if p.is_null() {
            continue;
        }
        // SAFETY: a binary number slot.
        let f = unsafe { core::mem::transmute::<*mut c_void, Binary>(p) };
        set(
            vm,
            class,
            name,
            method(vm, class, name, move |args, vm| {
                let (zelf, rest) = self_and(vm, args, name, 1)?;
                // SAFETY: the slot has this C signature; the pointers are live references for the call.
                let r = with_c(vm, &[&zelf, &rest[0]], |p| unsafe { f(p[0], p[1]) });
                unsafe { result_of(vm, r) }
            }),
        )?;
    }
    for &(i, name) in UNARY {
        // SAFETY: `nb` is a live PyNumberMethods (36 function pointers).
        let p = unsafe { slot_at(nb, i * 8) };
        if p.is_null() {
            continue;
        }
        // SAFETY: a unary number slot.
        let f = unsafe { core::mem::transmute::<*mut c_void, Unary>(p) };
        set(
            vm,
            class,
            name,
            method(vm, class, name, move |args, vm| {
                let (zelf, _) = self_and(vm, args, name, 0)?;
                // SAFETY: the slot has this C signature; the pointers are live references for the call.
                let r = with_c(vm, &[&zelf], |p| unsafe { f(p[0]) });
                unsafe { result_of(vm, r) }
            }),
        )?;
    }
    // SAFETY: `nb` is a live PyNumberMethods (36 function pointers).
    let p = unsafe { slot_at(nb, 9 * 8) };
    if !p.is_null() {
        // SAFETY: nb_bool is an inquiry.
        let f = unsafe { core::mem::transmute::<*mut c_void, Inquiry>(p) };
        set(
            vm,
            class,
            "__bool__",
            method(vm, class, "__bool__", move |args, vm| {
                let (zelf, _) = self_and(vm, args, "__bool__", 0)?;
                // SAFETY: the slot has this C signature; the pointers are live references for the call.
                let r = with_c(vm, &[&zelf], |p| unsafe { f(p[0]) });
                Ok(vm.ctx.new_bool(int_result(vm, r as isize)? != 0).into())
            }),
        )?;
    }
    // SAFETY: `nb` is a live PyNumberMethods (36 function pointers).
    let p = unsafe { slot_at(nb, 5 * 8) };
    if !p.is_null() {
        // SAFETY: nb_power is ternary.
        let f = unsafe { core::mem::transmute::<*mut c_void, Ternary>(p) };
        for (name, reflected) in [("__pow__", false), ("__rpow__", true)] {
            set(
                vm,
                class,
                name,
                method(vm, class, name, move |mut args, vm| {
                    let zelf = take_self(vm, &mut args)?;
                    let other = args.args.first().cloned().unwrap_or_else(|| vm.ctx.none());
                    let m = args.args.get(1).cloned().unwrap_or_else(|| vm.ctx.none());
                    let (a, b) = if reflected { (&other, &zelf) } else { (&zelf, &other) };
                    // SAFETY: the slot has this C signature; the pointers are live references for the call.
                    let r = with_c(vm, &[a, b, &m], |p| unsafe { f(p[0], p[1], p[2]) });
                    unsafe { result_of(vm, r) }
                }),
            )?;
        }
    }
    Ok(())
}

/// Converts a `__getitem__` key to a C index as `sq_item`'s wrapper does (negative
/// indices count from `sq_length`).
fn seq_index(vm: &VirtualMachine, zelf: &PyObjectRef, key: &PyObjectRef, len: Option<LenFn>) -> PyResult<isize> {
    let i = key.try_index(vm)?.try_to_primitive::<isize>(vm)?;
    if i < 0
        && let Some(len) = len
    {
        // SAFETY: the slot has this C signature; the pointers are live references for the call.
        let n = with_c(vm, &[zelf], |p| unsafe { len(p[0]) });
        return Ok(i + int_result(vm, n)?);
    }
    Ok(i)
}

/// # Safety
/// `mp` and `sq` are NULL or live method suites.
pub(super) unsafe fn add_mapping_and_sequence(
    vm: &VirtualMachine,
    class: &'static Py<PyType>,
    mp: *const u8,
    sq: *const u8,
) -> PyResult<()> {
    // SAFETY: see the function's contract.
    let get = |base: *const u8, i: usize| unsafe { slot_at(base, i * 8) };
    let (mp_len, mp_sub, mp_ass) = (get(mp, 0), get(mp, 1), get(mp, 2));
    let (sq_len, sq_concat, sq_repeat, sq_item, sq_ass, sq_contains) =
        (get(sq, 0), get(sq, 1), get(sq, 2), get(sq, 3), get(sq, 5), get(sq, 7));
    // SAFETY (transmutes): each slot has the signature of its name.
    let len_fn = (!sq_len.is_null()).then(|| unsafe { core::mem::transmute::<*mut c_void, LenFn>(sq_len) });
    let any_len = if mp_len.is_null() { sq_len } else { mp_len };
    if !any_len.is_null() {
        // SAFETY: the slot holds a function of this signature (typeslots.h).
        let f = unsafe { core::mem::transmute::<*mut c_void, LenFn>(any_len) };
        set(
            vm,
            class,
            "__len__",
            method(vm, class, "__len__", move |args, vm| {
                let (zelf, _) = self_and(vm, args, "__len__", 0)?;
                // SAFETY: the slot has this C signature; the pointers are live references for the call.
                let r = with_c(vm, &[&zelf], |p| unsafe { f(p[0]) });
                Ok(vm.ctx.new_int(int_result(vm, r)?).into())
            }),
        )?;
    }
    if !mp_sub.is_null() {
        // SAFETY: the slot holds a function of this signature (typeslots.h).
        let f = unsafe { core::mem::transmute::<*mut c_void, Binary>(mp_sub) };
        set(
            vm,
            class,
            "__getitem__",
            method(vm, class, "__getitem__", move |args, vm| {
                let (zelf, rest) = self_and(vm, args, "__getitem__", 1)?;
                // SAFETY: the slot has this C signature; the pointers are live references for the call.
                let r = with_c(vm, &[&zelf, &rest[0]], |p| unsafe { f(p[0], p[1]) });
                unsafe { result_of(vm, r) }
            }),
        )?;
    } else if !sq_item.is_null() {
        // SAFETY: the slot holds a function of this signature (typeslots.h).
        let f = unsafe { core::mem::transmute::<*mut c_void, SsizeArg>(sq_item) };
        set(
            vm,
            class,
            "__getitem__",
            method(vm, class, "__getitem__", move |args, vm| {
                let (zelf, rest) = self_and(vm, args, "__getitem__", 1)?;
                let i = seq_index(vm, &zelf, &rest[0], len_fn)?;
                // SAFETY: the slot has this C signature; the pointers are live references for the call.
                let r = with_c(vm, &[&zelf], |p| unsafe { f(p[0], i) });
                unsafe { result_of(vm, r) }
            }),
        )?;
    }
    if !mp_ass.is_null() || !sq_ass.is_null() {
        // SAFETY: the slot holds a function of this signature (typeslots.h).
        let mp_f = (!mp_ass.is_null()).then(|| unsafe { core::mem::transmute::<*mut c_void, ObjObjArg>(mp_ass) });
        let sq_f = (!sq_ass.is_null()).then(|| unsafe { core::mem::transmute::<*mut c_void, SsizeObjArg>(sq_ass) });
        for (name, n) in [("__setitem__", 2), ("__delitem__", 1)] {
            set(
                vm,
                class,
                name,
                method(vm, class, name, move |args, vm| {
                    let (zelf, rest) = self_and(vm, args, name, n)?;
                    let value = rest.get(1).cloned();
                    let r = with_c(vm, &[&zelf, &rest[0]], |p| {
                        let v = value.as_ref().map_or(NULL, |v| to_c(vm, v));
                        let r = match (mp_f, sq_f) {
                            // SAFETY: the slot has this C signature; the pointers are live references for the call.
                            (Some(f), _) => unsafe { f(p[0], p[1], v) },
                            (None, Some(f)) => match seq_index(vm, &zelf, &rest[0], len_fn) {
                                Ok(i) => unsafe { f(p[0], i, v) },
                                Err(e) => {
                                    errors::set_from_exception(vm, &e);
                                    -1
                                }
                            },
                            (None, None) => 0,
                        };
                        // SAFETY: releases the reference made for the call.
                        unsafe { Py_DecRef(v) };
                        r
                    });
                    int_result(vm, r as isize).map(|_| vm.ctx.none())
                }),
            )?;
        }
    }
    if !sq_contains.is_null() {
        // SAFETY: the slot holds a function of this signature (typeslots.h).
        let f = unsafe { core::mem::transmute::<*mut c_void, ObjObj>(sq_contains) };
        set(
            vm,
            class,
            "__contains__",
            method(vm, class, "__contains__", move |args, vm| {
                let (zelf, rest) = self_and(vm, args, "__contains__", 1)?;
                // SAFETY: the slot has this C signature; the pointers are live references for the call.
                let r = with_c(vm, &[&zelf, &rest[0]], |p| unsafe { f(p[0], p[1]) });
                Ok(vm.ctx.new_bool(int_result(vm, r as isize)? != 0).into())
            }),
        )?;
    }
    if !sq_concat.is_null() && class.get_direct_attr(vm.ctx.intern_str("__add__")).is_none() {
        // SAFETY: the slot holds a function of this signature (typeslots.h).
        let f = unsafe { core::mem::transmute::<*mut c_void, Binary>(sq_concat) };
        set(
            vm,
            class,
            "__add__",
            method(vm, class, "__add__", move |args, vm| {
                let (zelf, rest) = self_and(vm, args, "__add__", 1)?;
                // SAFETY: the slot has this C signature; the pointers are live references for the call.
                let r = with_c(vm, &[&zelf, &rest[0]], |p| unsafe { f(p[0], p[1]) });
                unsafe { result_of(vm, r) }
            }),
        )?;
    }
    if !sq_repeat.is_null() && class.get_direct_attr(vm.ctx.intern_str("__mul__")).is_none() {
        // SAFETY: the slot holds a function of this signature (typeslots.h).
        let f = unsafe { core::mem::transmute::<*mut c_void, SsizeArg>(sq_repeat) };
        for name in ["__mul__", "__rmul__"] {
            set(
                vm,
                class,
                name,
                method(vm, class, name, move |args, vm| {
                    let (zelf, rest) = self_and(vm, args, name, 1)?;
                    let n = rest[0].try_index(vm)?.try_to_primitive::<isize>(vm)?;
                    // SAFETY: the slot has this C signature; the pointers are live references for the call.
                    let r = with_c(vm, &[&zelf], |p| unsafe { f(p[0], n) });
                    unsafe { result_of(vm, r) }
                }),
            )?;
        }
    }
    Ok(())
}
