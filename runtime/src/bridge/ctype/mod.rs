//! C-defined types as interpreter classes (DESIGN.md, bridge decision 7).
//!
//! A type an extension defines (`PyType_FromSpec*`, or a static `PyTypeObject` given to
//! `PyType_Ready`) becomes an interpreter class: the C type object is the class's C
//! identity both ways (the bridge's statics table), and each slot the type fills becomes
//! the Python protocol method that calls it (`tp_repr` → `__repr__`, `nb_add` →
//! `__add__`/`__radd__`, ...), with `tp_methods`, `tp_members` and `tp_getset` as
//! descriptors.
//!
//! Instances of a type whose instances have their own C layout (its chain of bases ends at
//! `object`) live in C memory (a bridge block, `tp_basicsize` bytes after the pre-header);
//! their interpreter object is a wrapper that owns one C reference to the block, and the
//! block points back at the wrapper without owning it. When the wrapper dies (its `del`
//! slot), it unlinks and drops its reference; if that was the last, the type's
//! `tp_dealloc` runs. If C still holds references, the block lives on, and its next
//! crossing into Python makes a fresh wrapper. Types based on a builtin with its own
//! layout (a `str` subclass) are ordinary interpreter objects, materialised as proxies.
//!
//! C types live for the whole process (their reference count is immortal), as do the
//! interpreter classes made for them.
//!
//! Here: the registry, instances and class creation; `slots.rs` maps `tp_*` slots to
//! protocol methods, `protocols.rs` the number, sequence and mapping suites, `descr.rs`
//! `tp_methods`, `tp_members` and `tp_getset`.

mod coexist;
mod descr;
mod overrides;
mod protocols;
mod slots;

use core::ffi::{c_char, c_int, c_void};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock};

use rustpython_vm::builtins::{PyTuple, PyType, PyTypeRef};
use rustpython_vm::function::{FuncArgs, PyMethodFlags, PySetterValue};
use rustpython_vm::types::{PyTypeFlags, PyTypeSlots};
use rustpython_vm::{AsObject, Py, PyObjectRef, PyResult, TryFromObject, VirtualMachine};

use crate::bridge::call;
use crate::bridge::layout::*;
use crate::bridge::object::{from_c, link_borrowed, link_static, to_c};
use crate::bridge::{errors, vm as current};
use crate::capi::object::{Py_DecRef, Py_IncRef};

const NULL: *mut PyObject = core::ptr::null_mut();
#[allow(non_upper_case_globals)]
pub const Py_TPFLAGS_HEAPTYPE: core::ffi::c_ulong = 1 << 9;
#[allow(non_upper_case_globals)]
pub const Py_TPFLAGS_HAVE_GC: core::ffi::c_ulong = 1 << 14;
#[allow(non_upper_case_globals)]
pub const Py_TPFLAGS_DISALLOW_INSTANTIATION: core::ffi::c_ulong = 1 << 7;
const METH_CLASS: c_int = 0x10;
const METH_STATIC: c_int = 0x20;
const METH_COEXIST: c_int = 0x40;
const METH_METHOD: c_int = 0x200;

/// Size of CPython 3.11's `PyHeapTypeObject`, and offsets of its method suites.
pub const HEAP_TYPE_SIZE: usize = 904;
pub const AS_ASYNC: usize = 408;
pub const AS_NUMBER: usize = 440;
pub const AS_MAPPING: usize = 728;
pub const AS_SEQUENCE: usize = 752;
pub const AS_BUFFER: usize = 832;
pub const HT_MODULE: usize = 880;

/// What the bridge knows about a C type.
struct Info {
    /// The interpreter class (immortal, like the type).
    class: &'static Py<PyType>,
    /// Whether instances are C blocks with an interpreter wrapper (see the module docs).
    c_layout: bool,
    /// `METH_COEXIST` methods named after a slot: a Python subclass's slot calls them, as
    /// CPython's slot update finds them in the MRO (overrides.rs).
    coexisting: Vec<String>,
}

fn registry() -> MutexGuard<'static, HashMap<usize, Info>> {
    static R: OnceLock<Mutex<HashMap<usize, Info>>> = OnceLock::new();
    R.get_or_init(Default::default).lock().unwrap_or_else(|e| e.into_inner())
}

/// Whether `tp` is a type this module made a class for.
pub fn is_c_type(tp: *mut PyTypeObject) -> bool {
    registry().contains_key(&(tp as usize))
}

/// The interpreter wrapper for `p`, an instance of a C-layout type crossing into Python
/// for the first time (or again after its previous wrapper died); None for other objects.
///
/// # Safety
/// `p` is a live block from `allocate_block` without a linked interpreter object.
pub unsafe fn wrap_instance(vm: &VirtualMachine, p: *mut PyObject) -> Option<PyObjectRef> {
    // SAFETY: see the function's contract.
    let tp = unsafe { (*p).ob_type };
    let class = {
        let r = registry();
        let info = r.get(&(tp as usize))?;
        if !info.c_layout {
            return None;
        }
        info.class.to_owned()
    };
    let dict = class
        .slots
        .flags
        .has_feature(PyTypeFlags::HAS_DICT)
        .then(|| stash().remove(&(p as usize)).unwrap_or_else(|| vm.ctx.new_dict()));
    let obj = vm.ctx.new_base_object(class, dict);
    // SAFETY: the wrapper takes one reference to the block, which it releases in `unlink`.
    unsafe {
        link_borrowed(p, Some(&obj));
        Py_IncRef(p);
    }
    Some(obj)
}

/// `del` slot of every C-layout class: the wrapper is dying, so it unlinks from its block
/// and releases its reference (which may run `tp_dealloc`).
fn unlink(obj: &rustpython_vm::PyObject, vm: &VirtualMachine) -> PyResult<()> {
    let owned = obj.to_owned();
    if let Some(p) = crate::bridge::object::proxy_of(&owned) {
        // A wrapper may die while an error is pending (C code dropping references on its
        // error path): `tp_dealloc` runs with the error set aside, as CPython's
        // `subtype_dealloc` does.
        let pending = errors::take();
        // SAFETY: `p` is the wrapper's block; the wrapper owns one reference to it.
        unsafe {
            if (*p).ob_refcnt > 1
                && let Some(dict) = owned.dict().filter(|d| d.__len__() > 0)
            {
                // C keeps the block: the attributes a Python subclass stored go with it.
                STASHED.fetch_add(1, Ordering::Relaxed);
                stash().insert(p as usize, dict);
            }
            link_borrowed(p, None);
            drop(owned);
            current::enter(vm, || Py_DecRef(p));
        }
        // An error `tp_dealloc` left has nowhere to go, as in CPython's dealloc.
        errors::restore(pending);
    }
    Ok(())
}

/// Instance dicts of Python-subclass instances whose wrapper died while C still held the
/// block, by block: the next wrapper gets the dict back, so the attributes survive (the
/// wrapper's identity does not). Dropped when the block is freed (`forget_stash`).
fn stash() -> MutexGuard<'static, HashMap<usize, rustpython_vm::builtins::PyDictRef>> {
    static S: OnceLock<Mutex<HashMap<usize, rustpython_vm::builtins::PyDictRef>>> = OnceLock::new();
    S.get_or_init(Default::default).lock().unwrap_or_else(|e| e.into_inner())
}

/// How many dicts were ever stashed: `forget_stash` costs nothing until one is.
static STASHED: AtomicUsize = AtomicUsize::new(0);

/// Drops the stashed dict of a block being freed (`PyObject_Free`).
pub fn forget_stash(p: *mut u8) {
    if STASHED.load(Ordering::Relaxed) == 0 {
        return;
    }
    let dict = stash().remove(&(p as usize));
    // Released outside the lock: dropping values may run Python code.
    drop(dict);
}

/// The `METH_COEXIST` slot methods of C type `tp` (see `Info::coexisting`).
fn coexisting(tp: *mut PyTypeObject) -> Vec<String> {
    registry().get(&(tp as usize)).map(|i| i.coexisting.clone()).unwrap_or_default()
}

/// The C type object for a Python subclass of a C-layout type: a copy of its nearest C
/// base's, named after the class (so `tp_alloc` gives the subclass's instances the C
/// layout). None if `class` has no such base.
pub fn subclass_type(vm: &VirtualMachine, class: &PyTypeRef) -> Option<*mut PyTypeObject> {
    let bases: Vec<usize> = (class.mro_map_collect(|c| c.to_owned()).into_iter().skip(1))
        .filter_map(|c| crate::bridge::object::proxy_of(&c.into()).map(|p| p as usize))
        .collect();
    let base_tp = {
        let r = registry();
        bases.into_iter().find(|tp| r.get(tp).is_some_and(|i| i.c_layout))? as *mut PyTypeObject
    };
    let block: &'static mut [u64; HEAP_TYPE_SIZE / 8] = Box::leak(Box::new([0; HEAP_TYPE_SIZE / 8]));
    let tp = block.as_mut_ptr().cast::<PyTypeObject>();
    // SAFETY: `base_tp` is a registered type object; the copy is of its PyTypeObject part.
    unsafe {
        core::ptr::copy_nonoverlapping(base_tp.cast::<u8>(), tp.cast::<u8>(), size_of::<PyTypeObject>());
        (*tp).tp_name = leak_cstr(&class.name());
        (*tp).tp_base = base_tp;
        (*tp).tp_flags |= Py_TPFLAGS_HEAPTYPE;
        (*tp).ob_base.ob_base.ob_refcnt = 1 << 40;
        overrides::install(vm, class, tp);
    }
    let leaked: &'static Py<PyType> = Box::leak(Box::new(class.clone()));
    registry().insert(tp as usize, Info { class: leaked, c_layout: true, coexisting: Vec::new() });
    link_static(tp.cast(), class.clone().into());
    Some(tp)
}

pub fn leak_cstr(s: &str) -> *const c_char {
    Box::leak(std::ffi::CString::new(s).unwrap_or_default().into_boxed_c_str()).as_ptr()
}

fn leak_str(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

/// # Safety
/// `p` is NULL or NUL-terminated.
unsafe fn text(p: *const c_char) -> Option<String> {
    // SAFETY: see the function's contract.
    unsafe { crate::capi::c_text(p) }
}

/// A slot function stored at byte `offset` of `base` (NULL when `base` is NULL).
///
/// # Safety
/// `base` is NULL or points at a method suite / type object with `offset` inside it.
pub unsafe fn slot_at(base: *const u8, offset: usize) -> *mut c_void {
    if base.is_null() {
        return core::ptr::null_mut();
    }
    // SAFETY: see the function's contract.
    unsafe { base.add(offset).cast::<*mut c_void>().read() }
}

/// The method-suite pointer of `tp` at `field` (`tp_as_number` is at 96, ...).
///
/// # Safety
/// `tp` is a live type object.
unsafe fn suite(tp: *mut PyTypeObject, field: usize) -> *const u8 {
    // SAFETY: see the function's contract.
    unsafe { tp.cast::<u8>().add(field).cast::<*const u8>().read() }
}

/// The type's `tp_name` split as CPython does: (module, name).
fn split_name(full: &str) -> (Option<String>, String) {
    match full.rsplit_once('.') {
        Some((m, n)) => (Some(m.to_owned()), n.to_owned()),
        None => (None, full.to_owned()),
    }
}

/// The doc without a leading `name(signature)\n--\n\n` (CPython's internal-doc form).
fn doc_of(name: &str, doc: &str) -> String {
    if doc.starts_with(&format!("{name}("))
        && let Some(end) = doc.find(")\n--\n\n")
    {
        return doc[end + 6..].to_owned();
    }
    doc.to_owned()
}

/// Makes the interpreter class for the filled type object `tp` (from a spec, or static
/// for `PyType_Ready`) and links the two.
///
/// # Safety
/// `tp` is a live type object with its slots filled (and, for heap types, `tp_as_*`
/// pointing into its `PyHeapTypeObject`).
pub unsafe fn make_class(vm: &VirtualMachine, tp: *mut PyTypeObject) -> PyResult<PyTypeRef> {
    // SAFETY: see the function's contract.
    let t = unsafe { &mut *tp };
    // SAFETY: `tp_name` is set (checked by the callers).
    let full = unsafe { text(t.tp_name) }.unwrap_or_default();
    let (module, name) = split_name(&full);
    let base_tp = if t.tp_base.is_null() {
        crate::bridge::statics::address("PyBaseObject_Type").unwrap_or_default().cast()
    } else {
        t.tp_base
    };
    t.tp_base = base_tp;
    let bases: Vec<PyTypeRef> = if t.tp_bases.is_null() {
        // SAFETY: a base type object is live (static or registered).
        vec![PyTypeRef::try_from_object(vm, unsafe { from_c(vm, base_tp.cast()) })?]
    } else {
        // SAFETY: `tp_bases` is a live tuple.
        let tuple = unsafe { from_c(vm, t.tp_bases) };
        let tuple =
            tuple.downcast::<PyTuple>().map_err(|_| vm.new_type_error("tp_bases must be a tuple".to_owned()))?;
        tuple.iter().map(|b| PyTypeRef::try_from_object(vm, b.clone())).collect::<PyResult<_>>()?
    };
    let object_type = vm.ctx.types.object_type;
    let base_class = bases[0].clone();
    // Instances have a C layout when the solid base is `object` or another C-layout type.
    let c_layout = base_class.is(object_type)
        || registry().get(&(base_tp as usize)).is_some_and(|i| i.c_layout)
            && base_class.slots.basicsize == object_type.slots.basicsize;
    // SAFETY: `base_tp` is a live type object.
    let base = unsafe { &*base_tp };
    if !c_layout && t.tp_basicsize > base.tp_basicsize && base.tp_basicsize > 0 {
        return Err(vm.new_system_error(format!(
            "DX-Py cannot give C type {full} its own fields on top of builtin base {}",
            base_class.name()
        )));
    }
    inherit(t, base, c_layout);
    let mut flags = PyTypeFlags::DEFAULT | PyTypeFlags::HEAPTYPE;
    if t.tp_flags & Py_TPFLAGS_BASETYPE != 0 {
        flags |= PyTypeFlags::BASETYPE;
    }
    if t.tp_dictoffset != 0 {
        flags |= PyTypeFlags::HAS_DICT;
    }
    if t.tp_weaklistoffset != 0 {
        flags |= PyTypeFlags::HAS_WEAKREF;
    }
    let slots = PyTypeSlots::new(leak_str(full.clone()), flags);
    let class = PyType::new_heap(&name, bases, Default::default(), slots, vm.ctx.types.type_type.to_owned(), &vm.ctx)
        .map_err(|e| vm.new_type_error(e))?;
    let module = module.unwrap_or_else(|| "builtins".to_owned());
    class.as_object().set_attr("__module__", vm.ctx.new_str(module), vm)?;
    // SAFETY: `tp_doc` is NULL or NUL-terminated.
    let doc = unsafe { text(t.tp_doc) }.map(|d| doc_of(&name, &d));
    class.as_object().set_attr("__doc__", doc.map_or(vm.ctx.none(), |d| vm.ctx.new_str(d).into()), vm)?;
    let leaked: &'static Py<PyType> = Box::leak(Box::new(class.clone()));
    registry().insert(tp as usize, Info { class: leaked, c_layout, coexisting: Vec::new() });
    link_static(tp.cast(), class.clone().into());
    // SAFETY: see the function's contract.
    unsafe {
        slots::add_slot_methods(vm, leaked, tp, c_layout)?;
        let coexisting = descr::add_methods(vm, leaked, tp, &name)?;
        for name in &coexisting {
            coexist::keep_c_slots(leaked, name);
        }
        if let Some(info) = registry().get_mut(&(tp as usize)) {
            info.coexisting = coexisting;
        }
        descr::add_members(vm, leaked, tp)?;
        descr::add_getsets(vm, leaked, tp)?;
        // After the protocol methods, so that only the type's own slots got a method.
        inherit_slots(tp, base_tp);
    }
    add_dict_and_weakref(vm, leaked)?;
    if c_layout {
        class.slots.del.store(Some(unlink));
    }
    Ok(class)
}

/// `__dict__` and `__weakref__` for a class whose C type has `tp_dictoffset` /
/// `tp_weaklistoffset` (the interpreter object keeps both), unless a base has them.
fn add_dict_and_weakref(vm: &VirtualMachine, class: &'static Py<PyType>) -> PyResult<()> {
    let inherited = |name: &str| {
        let name = vm.ctx.intern_str(name);
        class.mro.read().iter().any(|b| b.attributes.read().contains_key(name))
    };
    if class.slots.flags.has_feature(PyTypeFlags::HAS_DICT) && !inherited("__dict__") {
        let get = |obj: PyObjectRef, vm: &VirtualMachine| -> PyResult {
            obj.dict().map(Into::into).ok_or_else(|| vm.new_attribute_error("no __dict__".to_owned()))
        };
        let set = |obj: PyObjectRef, value: PySetterValue, vm: &VirtualMachine| -> PyResult<()> {
            let PySetterValue::Assign(value) = value else {
                return Err(vm.new_type_error("cannot delete __dict__".to_owned()));
            };
            let dict = value.downcast::<rustpython_vm::builtins::PyDict>().map_err(|v| {
                vm.new_type_error(format!("__dict__ must be set to a dictionary, not a '{}'", v.class().name()))
            })?;
            obj.set_dict(dict).map_err(|_| vm.new_attribute_error("no __dict__".to_owned()))
        };
        // SAFETY: the getset is owned by `class`, which is immortal.
        let descr = unsafe { vm.ctx.new_getset("__dict__", class, get, set) };
        class.attributes.write().insert(vm.ctx.intern_str("__dict__"), descr.into());
    }
    if class.slots.flags.has_feature(PyTypeFlags::HAS_WEAKREF) && !inherited("__weakref__") {
        let get = |obj: PyObjectRef, vm: &VirtualMachine| -> PyResult {
            let first = obj.get_weak_references().and_then(|refs| refs.into_iter().next());
            Ok(first.map_or_else(|| vm.ctx.none(), Into::into))
        };
        let full = tp_name(vm, class);
        let set = move |_obj: PyObjectRef, _value: PySetterValue, vm: &VirtualMachine| -> PyResult<()> {
            Err(vm.new_attribute_error(format!("attribute '__weakref__' of '{full}' objects is not writable")))
        };
        // SAFETY: the getset is owned by `class`, which is immortal.
        let descr = unsafe { vm.ctx.new_getset("__weakref__", class, get, set) };
        class.attributes.write().insert(vm.ctx.intern_str("__weakref__"), descr.into());
    }
    Ok(())
}

/// Fills what `tp` inherits and the defaults CPython's `PyType_Ready` gives.
fn inherit(t: &mut PyTypeObject, base: &PyTypeObject, c_layout: bool) {
    if t.tp_basicsize == 0 {
        t.tp_basicsize = base.tp_basicsize.max(size_of::<PyObject>() as isize);
    }
    if t.tp_itemsize == 0 {
        t.tp_itemsize = base.tp_itemsize;
    }
    t.tp_flags |= Py_TPFLAGS_READY
        | base.tp_flags
            & (Py_TPFLAGS_LONG_SUBCLASS
                | Py_TPFLAGS_LIST_SUBCLASS
                | Py_TPFLAGS_TUPLE_SUBCLASS
                | Py_TPFLAGS_BYTES_SUBCLASS
                | Py_TPFLAGS_UNICODE_SUBCLASS
                | Py_TPFLAGS_DICT_SUBCLASS
                | Py_TPFLAGS_BASE_EXC_SUBCLASS
                | Py_TPFLAGS_TYPE_SUBCLASS);
    if !c_layout {
        // Instances are interpreter objects with ordinary proxies.
        t.tp_dealloc = Some(crate::bridge::object::proxy_dealloc);
        return;
    }
    if t.tp_alloc.is_none() {
        // SAFETY: same ABI, the signature `allocfunc` has.
        t.tp_alloc = Some(unsafe { core::mem::transmute::<AllocFn, unsafe extern "C" fn()>(generic_alloc) });
    }
    if t.tp_free.is_none() {
        // SAFETY: same ABI, the signature `freefunc` has.
        t.tp_free = Some(unsafe { core::mem::transmute::<FreeFn, unsafe extern "C" fn()>(free) });
    }
    let proxy = crate::bridge::object::proxy_dealloc as unsafe extern "C" fn(*mut PyObject);
    if t.tp_dealloc.is_none_or(|d| std::ptr::fn_addr_eq(d, proxy)) {
        t.tp_dealloc = base.tp_dealloc.filter(|d| !std::ptr::fn_addr_eq(*d, proxy)).or(Some(default_dealloc));
    }
}

/// Slots CPython copies from the base when a type leaves them NULL (`inherit_slots`):
/// every slot of typeslots.h except the type's own tables, doc and bases, which are not
/// inherited, and `tp_dealloc`/`tp_alloc`/`tp_free`/`tp_new` (see `inherit` and
/// `add_slot_methods`). A suite's slots are copied only into a suite the type has.
///
/// # Safety
/// `tp` and `base` are live, filled type objects.
unsafe fn inherit_slots(tp: *mut PyTypeObject, base: *mut PyTypeObject) {
    const OWN: [c_int; 10] = [47, 48, 49, 52, 56, 64, 65, 72, 73, 74];
    for id in 1..=81 {
        if OWN.contains(&id) {
            continue;
        }
        let Some((suite, offset)) = crate::capi::typeobject::slot_location(id) else {
            continue;
        };
        // SAFETY: see the function's contract; suites are NULL or live tables.
        unsafe {
            let (to, from) = match suite {
                None => (tp.cast::<u8>(), base.cast::<u8>()),
                Some(field) => (suite_ptr(tp, field), suite_ptr(base, field)),
            };
            if to.is_null() || from.is_null() {
                continue;
            }
            let slot = to.add(offset).cast::<*mut c_void>();
            if slot.read().is_null() {
                slot.write(from.add(offset).cast::<*mut c_void>().read());
            }
        }
    }
}

/// # Safety
/// `tp` is a live type object; `field` the offset of one of its `tp_as_*` pointers.
unsafe fn suite_ptr(tp: *mut PyTypeObject, field: usize) -> *mut u8 {
    // SAFETY: see the function's contract.
    unsafe { tp.cast::<u8>().add(field).cast::<*mut u8>().read() }
}

type AllocFn = unsafe extern "C" fn(*mut PyTypeObject, isize) -> *mut PyObject;
type FreeFn = unsafe extern "C" fn(*mut c_void);

/// `tp_basicsize + n * tp_itemsize`, rounded up to a multiple of 8; None on overflow
/// (then the allocation fails with a `MemoryError`).
///
/// # Safety
/// `tp` is a live type object.
pub unsafe fn instance_size(tp: *mut PyTypeObject, n: usize) -> Option<usize> {
    // SAFETY: see the function's contract.
    let (basic, item) = unsafe { ((*tp).tp_basicsize.max(0) as usize, (*tp).tp_itemsize.unsigned_abs()) };
    basic.checked_add(n.checked_mul(item)?)?.checked_next_multiple_of(8)
}

/// `PyType_GenericAlloc`: a zeroed instance block of the type's size, one reference.
///
/// # Safety
/// `tp` is a live type object.
pub unsafe extern "C" fn generic_alloc(tp: *mut PyTypeObject, nitems: isize) -> *mut PyObject {
    // SAFETY: see the function's contract.
    unsafe {
        // Room for one item more, as CPython's `_PyObject_VAR_SIZE(type, nitems + 1)`.
        let size = instance_size(tp, nitems.max(0) as usize + 1).unwrap_or(usize::MAX);
        let p = crate::bridge::object::allocate_block(size).cast::<PyObject>();
        if p.is_null() {
            errors::set(crate::bridge::statics::exception("PyExc_MemoryError"), String::new());
            return NULL;
        }
        (*p).ob_refcnt = 1;
        (*p).ob_type = tp;
        if (*tp).tp_itemsize != 0 {
            (*p.cast::<PyVarObject>()).ob_size = nitems;
        }
        p
    }
}

/// `tp_free` of C-layout types (`PyObject_Free`).
unsafe extern "C" fn free(p: *mut c_void) {
    // SAFETY: `p` is an instance block, no longer used.
    unsafe { crate::capi::pymem::free(p) }
}

/// `tp_dealloc` of C-layout types that define none (CPython's `subtype_dealloc` for a
/// type without references of its own): the finalizer, then `tp_free`.
unsafe extern "C" fn default_dealloc(p: *mut PyObject) {
    // SAFETY: `p` is an instance whose last reference was dropped; its type is live.
    unsafe {
        let tp = (*p).ob_type;
        if let Some(fin) = (*tp).tp_finalize {
            core::mem::transmute::<unsafe extern "C" fn(), unsafe extern "C" fn(*mut PyObject)>(fin)(p);
        }
        match (*tp).tp_free {
            Some(f) => core::mem::transmute::<unsafe extern "C" fn(), FreeFn>(f)(p.cast()),
            None => crate::capi::pymem::free(p.cast()),
        }
    }
}

/// Calls `f` with C references to `objs`, released afterwards.
fn with_c<R>(vm: &VirtualMachine, objs: &[&PyObjectRef], f: impl FnOnce(&[*mut PyObject]) -> R) -> R {
    let ps: Vec<*mut PyObject> = objs.iter().map(|o| to_c(vm, o)).collect();
    let r = current::enter(vm, || f(&ps));
    for p in ps {
        // SAFETY: releases the references `to_c` gave.
        unsafe { Py_DecRef(p) };
    }
    r
}

/// An `int` result of a C slot: -1 with an error set is the error.
fn int_result(vm: &VirtualMachine, r: isize) -> PyResult<isize> {
    if r == -1
        && let Some(p) = errors::take()
    {
        return Err(call::exception(vm, &p));
    }
    Ok(r)
}

/// A method descriptor on `class` running `f` with the call's arguments (self first).
fn method_of(
    vm: &VirtualMachine,
    class: &'static Py<PyType>,
    name: &str,
    f: impl Fn(FuncArgs, &VirtualMachine) -> PyResult + Send + Sync + 'static,
    wrapper: bool,
) -> PyObjectRef {
    let name = leak_str(name.to_owned());
    // C reads `self` with the type's layout: anything else must not reach it.
    let checked = move |args: FuncArgs, vm: &VirtualMachine| -> PyResult {
        check_self(vm, class, name, wrapper, args.args.first())?;
        f(args, vm)
    };
    let def = vm.ctx.new_method_def(name, checked, PyMethodFlags::METHOD, None);
    def.build_method(class, vm).into()
}

/// A slot wrapper on `class` (`__add__` calling `nb_add`) running `f` with the call's
/// arguments (self first).
fn method(
    vm: &VirtualMachine,
    class: &'static Py<PyType>,
    name: &str,
    f: impl Fn(FuncArgs, &VirtualMachine) -> PyResult + Send + Sync + 'static,
) -> PyObjectRef {
    method_of(vm, class, name, f, true)
}

/// The `tp_name` of an interpreter class (`ext_types.Vec`, `int`), as CPython's messages
/// show types.
fn tp_name(vm: &VirtualMachine, class: &Py<PyType>) -> String {
    let tp = crate::bridge::object::type_object(vm, &class.to_owned());
    // SAFETY: type objects are live and their `tp_name` NUL-terminated.
    unsafe { text((*tp).tp_name) }.unwrap_or_default()
}

/// CPython's check that a descriptor of `class` gets an instance of it: a slot wrapper's
/// (`__add__`) or a method descriptor's message.
fn check_self(
    vm: &VirtualMachine,
    class: &Py<PyType>,
    name: &str,
    wrapper: bool,
    zelf: Option<&PyObjectRef>,
) -> PyResult<()> {
    match zelf {
        Some(o) if o.fast_isinstance(class) => Ok(()),
        Some(o) => {
            let (full, other) = (tp_name(vm, class), tp_name(vm, o.class()));
            Err(vm.new_type_error(if wrapper {
                format!("descriptor '{name}' requires a '{full}' object but received a '{other}'")
            } else {
                format!("descriptor '{name}' for '{full}' objects doesn't apply to a '{other}' object")
            }))
        }
        None if wrapper => {
            Err(vm.new_type_error(format!("descriptor '{name}' of '{}' object needs an argument", tp_name(vm, class))))
        }
        None => Err(vm.new_type_error(format!("unbound method {}.{name}() needs an argument", class.name()))),
    }
}

fn set(vm: &VirtualMachine, class: &'static Py<PyType>, name: &str, value: PyObjectRef) -> PyResult<()> {
    class.as_object().set_attr(vm.ctx.intern_str(name), value, vm)
}

/// The first argument (`self`) of a method call, which a caller may have left out
/// (`Vec.__init__()`).
fn take_self(vm: &VirtualMachine, args: &mut FuncArgs) -> PyResult<PyObjectRef> {
    if args.args.is_empty() {
        return Err(vm.new_type_error("descriptor needs an argument".to_owned()));
    }
    Ok(args.args.remove(0))
}

/// Splits `self` off a method call's arguments, with the count CPython's wrappers check.
fn self_and(
    vm: &VirtualMachine,
    mut args: FuncArgs,
    name: &str,
    n: usize,
) -> PyResult<(PyObjectRef, Vec<PyObjectRef>)> {
    if args.args.is_empty() {
        return Err(vm.new_type_error(format!("descriptor '{name}' needs an argument")));
    }
    let zelf = take_self(vm, &mut args)?;
    if args.args.len() != n || !args.kwargs.is_empty() {
        return Err(vm.new_type_error(format!(
            "expected {n} argument{}, got {}",
            if n == 1 { "" } else { "s" },
            args.args.len()
        )));
    }
    Ok((zelf, args.args))
}

type Unary = unsafe extern "C" fn(*mut PyObject) -> *mut PyObject;
type Binary = unsafe extern "C" fn(*mut PyObject, *mut PyObject) -> *mut PyObject;
type Ternary = unsafe extern "C" fn(*mut PyObject, *mut PyObject, *mut PyObject) -> *mut PyObject;
type Inquiry = unsafe extern "C" fn(*mut PyObject) -> c_int;
type LenFn = unsafe extern "C" fn(*mut PyObject) -> isize;
type HashFn = unsafe extern "C" fn(*mut PyObject) -> isize;
type RichCmp = unsafe extern "C" fn(*mut PyObject, *mut PyObject, c_int) -> *mut PyObject;
type SsizeArg = unsafe extern "C" fn(*mut PyObject, isize) -> *mut PyObject;
type SsizeObjArg = unsafe extern "C" fn(*mut PyObject, isize, *mut PyObject) -> c_int;
type ObjObj = unsafe extern "C" fn(*mut PyObject, *mut PyObject) -> c_int;
type ObjObjArg = unsafe extern "C" fn(*mut PyObject, *mut PyObject, *mut PyObject) -> c_int;
type GetAttr = unsafe extern "C" fn(*mut PyObject, *mut c_char) -> *mut PyObject;
type SetAttr = unsafe extern "C" fn(*mut PyObject, *mut c_char, *mut PyObject) -> c_int;
type InitFn = unsafe extern "C" fn(*mut PyObject, *mut PyObject, *mut PyObject) -> c_int;
type NewFn = unsafe extern "C" fn(*mut PyTypeObject, *mut PyObject, *mut PyObject) -> *mut PyObject;

/// A C tuple of `args` and a C dict of `kwargs` (NULL when empty), new references.
fn c_args(vm: &VirtualMachine, args: &FuncArgs) -> (*mut PyObject, *mut PyObject) {
    let tuple = to_c(vm, &vm.ctx.new_tuple(args.args.clone()).into());
    let kwargs = if args.kwargs.is_empty() {
        NULL
    } else {
        let d = vm.ctx.new_dict();
        for (k, v) in &args.kwargs {
            let _ = d.set_item(k.as_str(), v.clone(), vm);
        }
        to_c(vm, &d.into())
    };
    (tuple, kwargs)
}
