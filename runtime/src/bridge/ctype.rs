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

use core::ffi::{c_char, c_int, c_void};
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, OnceLock};

use rustpython_vm::builtins::{PyTuple, PyType, PyTypeRef};
use rustpython_vm::function::{FuncArgs, PyMethodFlags, PySetterValue};
use rustpython_vm::types::{PyTypeFlags, PyTypeSlots};
use rustpython_vm::{AsObject, Py, PyObjectRef, PyResult, TryFromObject, VirtualMachine};

use crate::bridge::call::{self, PyMethodDef, result_of};
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
    let dict = class.slots.flags.has_feature(PyTypeFlags::HAS_DICT).then(|| vm.ctx.new_dict());
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
        // SAFETY: `p` is the wrapper's block; the wrapper owns one reference to it.
        unsafe {
            link_borrowed(p, None);
            drop(owned);
            current::enter(vm, || Py_DecRef(p));
        }
        // An error `tp_dealloc` left has nowhere to go, as in CPython's dealloc.
        errors::clear();
    }
    Ok(())
}

/// The C type object for a Python subclass of a C-layout type: a copy of its nearest C
/// base's, named after the class (so `tp_alloc` gives the subclass's instances the C
/// layout). None if `class` has no such base.
pub fn subclass_type(vm: &VirtualMachine, class: &PyTypeRef) -> Option<*mut PyTypeObject> {
    let _ = vm;
    let base_tp = {
        let r = registry();
        class.mro_map_collect(|c| c.to_owned()).into_iter().skip(1).find_map(|c| {
            let obj: PyObjectRef = c.into();
            let tp = crate::bridge::object::proxy_of(&obj)?;
            r.get(&(tp as usize)).filter(|i| i.c_layout).map(|_| tp as *mut PyTypeObject)
        })?
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
    }
    let leaked: &'static Py<PyType> = Box::leak(Box::new(class.clone()));
    registry().insert(tp as usize, Info { class: leaked, c_layout: true });
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
        let tuple = tuple.downcast::<PyTuple>().map_err(|_| vm.new_type_error("tp_bases must be a tuple".to_owned()))?;
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
    registry().insert(tp as usize, Info { class: leaked, c_layout });
    link_static(tp.cast(), class.clone().into());
    // SAFETY: see the function's contract.
    unsafe {
        add_slot_methods(vm, leaked, tp, c_layout)?;
        add_methods(vm, leaked, tp, &name)?;
        add_members(vm, leaked, tp)?;
        add_getsets(vm, leaked, tp)?;
        // After the protocol methods, so that only the type's own slots got a method.
        inherit_slots(tp, base_tp);
    }
    if c_layout {
        class.slots.del.store(Some(unlink));
    }
    Ok(class)
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

/// `PyType_GenericAlloc`: a zeroed instance block of the type's size, one reference.
///
/// # Safety
/// `tp` is a live type object.
pub unsafe extern "C" fn generic_alloc(tp: *mut PyTypeObject, nitems: isize) -> *mut PyObject {
    // SAFETY: see the function's contract.
    unsafe {
        let size = (*tp).tp_basicsize as usize + (nitems.max(0) as usize + 1) * (*tp).tp_itemsize as usize;
        let p = crate::bridge::object::allocate_block(size.next_multiple_of(8)).cast::<PyObject>();
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
fn method(
    vm: &VirtualMachine,
    class: &'static Py<PyType>,
    name: &str,
    f: impl Fn(FuncArgs, &VirtualMachine) -> PyResult + Send + Sync + 'static,
) -> PyObjectRef {
    let def = vm.ctx.new_method_def(leak_str(name.to_owned()), f, PyMethodFlags::METHOD, None);
    def.build_method(class, vm).into()
}

fn set(vm: &VirtualMachine, class: &'static Py<PyType>, name: &str, value: PyObjectRef) -> PyResult<()> {
    class.as_object().set_attr(vm.ctx.intern_str(name), value, vm)
}

/// Splits `self` off a method call's arguments, with the count CPython's wrappers check.
fn self_and(vm: &VirtualMachine, mut args: FuncArgs, name: &str, n: usize) -> PyResult<(PyObjectRef, Vec<PyObjectRef>)> {
    if args.args.is_empty() {
        return Err(vm.new_type_error(format!("descriptor '{name}' needs an argument")));
    }
    let zelf = args.args.remove(0);
    if args.args.len() != n || !args.kwargs.is_empty() {
        return Err(vm.new_type_error(format!("expected {n} argument{}, got {}", if n == 1 { "" } else { "s" }, args.args.len())));
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

/// `__new__` for `tp`: calls `tp_new` with the C type of the class being instantiated.
fn new_function(vm: &VirtualMachine, tp: *mut PyTypeObject, full: String) -> PyObjectRef {
    let tp = tp as usize;
    let f = move |mut args: FuncArgs, vm: &VirtualMachine| -> PyResult {
        if args.args.is_empty() {
            return Err(vm.new_type_error(format!("{full}.__new__(): not enough arguments")));
        }
        let cls = PyTypeRef::try_from_object(vm, args.args.remove(0))?;
        let sub = crate::bridge::object::type_object(vm, &cls);
        // SAFETY: `tp` is a registered, immortal type object.
        let new = unsafe { (*(tp as *mut PyTypeObject)).tp_new };
        let Some(new) = new else {
            return Err(vm.new_type_error(format!("cannot create '{full}' instances")));
        };
        let (tuple, kwargs) = c_args(vm, &args);
        // SAFETY: `tp_new` has the `newfunc` signature; the arguments are live references.
        let r = current::enter(vm, || unsafe { core::mem::transmute::<unsafe extern "C" fn(), NewFn>(new)(sub, tuple, kwargs) });
        // SAFETY: releases `c_args`'s references; `r` is NULL or a new reference.
        unsafe {
            Py_DecRef(tuple);
            Py_DecRef(kwargs);
            result_of(vm, r)
        }
    };
    let f: PyObjectRef = vm.new_function("__new__", f).into();
    vm.ctx.types.staticmethod_type.as_object().call((f,), vm).unwrap_or_else(|_| vm.ctx.none())
}

/// `object.__new__` for C-layout heap types without `tp_new`: `tp_alloc`, refusing
/// arguments when the type has no `tp_init`, as CPython's `object_new` does.
unsafe extern "C" fn object_new(tp: *mut PyTypeObject, args: *mut PyObject, kwds: *mut PyObject) -> *mut PyObject {
    errors::with_vm(NULL, |vm| {
        // SAFETY: `tp` is a live type; args/kwds are NULL or live.
        unsafe {
            let excess = (!args.is_null() && (*args.cast::<PyVarObject>()).ob_size > 0)
                || (!kwds.is_null() && from_c(vm, kwds).length(vm)? > 0);
            if excess && (*tp).tp_init.is_none() {
                let full = text((*tp).tp_name).unwrap_or_default();
                return Err(vm.new_type_error(format!("{full}() takes no arguments")));
            }
            let alloc = (*tp).tp_alloc.map_or(generic_alloc as AllocFn, |a| core::mem::transmute::<unsafe extern "C" fn(), AllocFn>(a));
            let p = alloc(tp, 0);
            if p.is_null() {
                return Err(match errors::take() {
                    Some(p) => call::exception(vm, &p),
                    None => vm.new_memory_error(String::new()),
                });
            }
            Ok(p)
        }
    })
}

/// The address of `object_new`, the `tp_new` C-layout heap types inherit.
pub fn object_new_slot() -> unsafe extern "C" fn() {
    // SAFETY: same ABI as the `newfunc` the slot is called with.
    unsafe { core::mem::transmute::<NewFn, unsafe extern "C" fn()>(object_new) }
}

/// # Safety
/// `tp` is a live, filled type object registered for `class`.
unsafe fn add_slot_methods(vm: &VirtualMachine, class: &'static Py<PyType>, tp: *mut PyTypeObject, c_layout: bool) -> PyResult<()> {
    // SAFETY: see the function's contract.
    let t = unsafe { &mut *tp };
    let full = unsafe { text(t.tp_name) }.unwrap_or_default();
    let heap = t.tp_flags & Py_TPFLAGS_HEAPTYPE != 0;
    if t.tp_new.is_none() && c_layout && class.base.as_ref().is_some_and(|b| b.is(vm.ctx.types.object_type)) {
        if heap {
            t.tp_new = Some(object_new_slot());
        } else {
            t.tp_flags |= Py_TPFLAGS_DISALLOW_INSTANTIATION;
        }
    }
    if t.tp_flags & Py_TPFLAGS_DISALLOW_INSTANTIATION != 0 {
        t.tp_new = None;
        set(vm, class, "__new__", new_function(vm, tp, full.clone()))?;
    } else if t.tp_new.is_some() && c_layout {
        set(vm, class, "__new__", new_function(vm, tp, full.clone()))?;
    }
    macro_rules! slot {
        ($ptr:expr, $ty:ty) => {{
            let p = $ptr as *mut c_void;
            // SAFETY: the slot holds a function of the C signature its name implies.
            (!p.is_null()).then(|| unsafe { core::mem::transmute::<*mut c_void, $ty>(p) })
        }};
    }
    let fp = |f: Option<unsafe extern "C" fn()>| f.map_or(core::ptr::null_mut(), |f| f as *mut c_void);
    if let Some(f) = slot!(fp(t.tp_init), InitFn) {
        set(vm, class, "__init__", method(vm, class, "__init__", move |mut args, vm| {
            let zelf = args.args.remove(0);
            let (tuple, kwargs) = c_args(vm, &args);
            let r = with_c(vm, &[&zelf], |p| unsafe { f(p[0], tuple, kwargs) });
            // SAFETY: releases `c_args`'s references.
            unsafe { Py_DecRef(tuple); Py_DecRef(kwargs) };
            int_result(vm, r as isize).map(|_| vm.ctx.none())
        }))?;
    }
    for (name, f) in [("__repr__", fp(t.tp_repr)), ("__str__", fp(t.tp_str)), ("__iter__", fp(t.tp_iter))] {
        if let Some(f) = slot!(f, Unary) {
            set(vm, class, name, method(vm, class, name, move |args, vm| {
                let (zelf, _) = self_and(vm, args, name, 0)?;
                let r = with_c(vm, &[&zelf], |p| unsafe { f(p[0]) });
                unsafe { result_of(vm, r) }
            }))?;
        }
    }
    if let Some(f) = slot!(fp(t.tp_iternext), Unary) {
        set(vm, class, "__next__", method(vm, class, "__next__", move |args, vm| {
            let (zelf, _) = self_and(vm, args, "__next__", 0)?;
            let r = with_c(vm, &[&zelf], |p| unsafe { f(p[0]) });
            if r.is_null() && errors::occurred().is_null() {
                return Err(vm.new_stop_iteration(None));
            }
            unsafe { result_of(vm, r) }
        }))?;
    }
    if let Some(f) = slot!(fp(t.tp_hash), HashFn) {
        set(vm, class, "__hash__", method(vm, class, "__hash__", move |args, vm| {
            let (zelf, _) = self_and(vm, args, "__hash__", 0)?;
            let r = with_c(vm, &[&zelf], |p| unsafe { f(p[0]) });
            Ok(vm.ctx.new_int(int_result(vm, r)?).into())
        }))?;
    }
    if let Some(f) = slot!(fp(t.tp_richcompare), RichCmp) {
        for (op, name) in ["__lt__", "__le__", "__eq__", "__ne__", "__gt__", "__ge__"].into_iter().enumerate() {
            set(vm, class, name, method(vm, class, name, move |args, vm| {
                let (zelf, rest) = self_and(vm, args, name, 1)?;
                let r = with_c(vm, &[&zelf, &rest[0]], |p| unsafe { f(p[0], p[1], op as c_int) });
                unsafe { result_of(vm, r) }
            }))?;
        }
    }
    if let Some(f) = slot!(fp(t.tp_call), Ternary) {
        set(vm, class, "__call__", method(vm, class, "__call__", move |mut args, vm| {
            let zelf = args.args.remove(0);
            let (tuple, kwargs) = c_args(vm, &args);
            let r = with_c(vm, &[&zelf], |p| unsafe { f(p[0], tuple, kwargs) });
            unsafe { Py_DecRef(tuple); Py_DecRef(kwargs); result_of(vm, r) }
        }))?;
    }
    if let Some(f) = slot!(fp(t.tp_getattro), Binary) {
        set(vm, class, "__getattribute__", method(vm, class, "__getattribute__", move |args, vm| {
            let (zelf, rest) = self_and(vm, args, "__getattribute__", 1)?;
            let r = with_c(vm, &[&zelf, &rest[0]], |p| unsafe { f(p[0], p[1]) });
            unsafe { result_of(vm, r) }
        }))?;
    } else if let Some(f) = slot!(fp(t.tp_getattr), GetAttr) {
        set(vm, class, "__getattribute__", method(vm, class, "__getattribute__", move |args, vm| {
            let (zelf, rest) = self_and(vm, args, "__getattribute__", 1)?;
            let name = std::ffi::CString::new(rest[0].str(vm)?.to_string()).unwrap_or_default();
            let r = with_c(vm, &[&zelf], |p| unsafe { f(p[0], name.as_ptr().cast_mut()) });
            unsafe { result_of(vm, r) }
        }))?;
    }
    let setattro = slot!(fp(t.tp_setattro), ObjObjArg);
    let setattr = slot!(fp(t.tp_setattr), SetAttr);
    if setattro.is_some() || setattr.is_some() {
        for (name, n) in [("__setattr__", 2), ("__delattr__", 1)] {
            set(vm, class, name, method(vm, class, name, move |args, vm| {
                let (zelf, rest) = self_and(vm, args, name, n)?;
                let value = rest.get(1).cloned();
                let r = match (setattro, setattr) {
                    (Some(f), _) => with_c(vm, &[&zelf, &rest[0]], |p| {
                        let v = value.as_ref().map_or(NULL, |v| to_c(vm, v));
                        let r = unsafe { f(p[0], p[1], v) };
                        unsafe { Py_DecRef(v) };
                        r
                    }),
                    (None, Some(f)) => {
                        let cname = std::ffi::CString::new(rest[0].str(vm)?.to_string()).unwrap_or_default();
                        with_c(vm, &[&zelf], |p| {
                            let v = value.as_ref().map_or(NULL, |v| to_c(vm, v));
                            let r = unsafe { f(p[0], cname.as_ptr().cast_mut(), v) };
                            unsafe { Py_DecRef(v) };
                            r
                        })
                    }
                    (None, None) => 0,
                };
                int_result(vm, r as isize).map(|_| vm.ctx.none())
            }))?;
        }
    }
    if let Some(f) = slot!(fp(t.tp_descr_get), Ternary) {
        set(vm, class, "__get__", method(vm, class, "__get__", move |mut args, vm| {
            let zelf = args.args.remove(0);
            let obj = args.args.first().cloned().filter(|o| !vm.is_none(o));
            let ty = args.args.get(1).cloned().filter(|o| !vm.is_none(o));
            let r = with_c(vm, &[&zelf], |p| {
                let (o, t) = (obj.as_ref().map_or(NULL, |o| to_c(vm, o)), ty.as_ref().map_or(NULL, |o| to_c(vm, o)));
                let r = unsafe { f(p[0], o, t) };
                unsafe { Py_DecRef(o); Py_DecRef(t) };
                r
            });
            unsafe { result_of(vm, r) }
        }))?;
    }
    // SAFETY: the suites are NULL or live method tables of the type.
    unsafe {
        add_number(vm, class, suite(tp, 96))?;
        add_mapping_and_sequence(vm, class, suite(tp, 112), suite(tp, 104))?;
    }
    Ok(())
}

/// # Safety
/// `nb` is NULL or a live `PyNumberMethods`.
unsafe fn add_number(vm: &VirtualMachine, class: &'static Py<PyType>, nb: *const u8) -> PyResult<()> {
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
    const UNARY: &[(usize, &str)] =
        &[(6, "__neg__"), (7, "__pos__"), (8, "__abs__"), (10, "__invert__"), (16, "__int__"), (18, "__float__"), (33, "__index__")];
    // SAFETY (all reads): `nb` is a live PyNumberMethods (36 function pointers).
    for &(i, name, rname) in BINARY {
        let p = unsafe { slot_at(nb, i * 8) };
        if p.is_null() {
            continue;
        }
        // SAFETY: a binary number slot.
        let f = unsafe { core::mem::transmute::<*mut c_void, Binary>(p) };
        for (mname, reflected) in [(name, false), (rname, true)] {
            set(vm, class, mname, method(vm, class, mname, move |args, vm| {
                let (zelf, rest) = self_and(vm, args, mname, 1)?;
                let (a, b) = if reflected { (&rest[0], &zelf) } else { (&zelf, &rest[0]) };
                let r = with_c(vm, &[a, b], |p| unsafe { f(p[0], p[1]) });
                unsafe { result_of(vm, r) }
            }))?;
        }
    }
    for &(i, name) in INPLACE {
        let p = unsafe { slot_at(nb, i * 8) };
        if p.is_null() {
            continue;
        }
        // SAFETY: a binary number slot.
        let f = unsafe { core::mem::transmute::<*mut c_void, Binary>(p) };
        set(vm, class, name, method(vm, class, name, move |args, vm| {
            let (zelf, rest) = self_and(vm, args, name, 1)?;
            let r = with_c(vm, &[&zelf, &rest[0]], |p| unsafe { f(p[0], p[1]) });
            unsafe { result_of(vm, r) }
        }))?;
    }
    for &(i, name) in UNARY {
        let p = unsafe { slot_at(nb, i * 8) };
        if p.is_null() {
            continue;
        }
        // SAFETY: a unary number slot.
        let f = unsafe { core::mem::transmute::<*mut c_void, Unary>(p) };
        set(vm, class, name, method(vm, class, name, move |args, vm| {
            let (zelf, _) = self_and(vm, args, name, 0)?;
            let r = with_c(vm, &[&zelf], |p| unsafe { f(p[0]) });
            unsafe { result_of(vm, r) }
        }))?;
    }
    let p = unsafe { slot_at(nb, 9 * 8) };
    if !p.is_null() {
        // SAFETY: nb_bool is an inquiry.
        let f = unsafe { core::mem::transmute::<*mut c_void, Inquiry>(p) };
        set(vm, class, "__bool__", method(vm, class, "__bool__", move |args, vm| {
            let (zelf, _) = self_and(vm, args, "__bool__", 0)?;
            let r = with_c(vm, &[&zelf], |p| unsafe { f(p[0]) });
            Ok(vm.ctx.new_bool(int_result(vm, r as isize)? != 0).into())
        }))?;
    }
    let p = unsafe { slot_at(nb, 5 * 8) };
    if !p.is_null() {
        // SAFETY: nb_power is ternary.
        let f = unsafe { core::mem::transmute::<*mut c_void, Ternary>(p) };
        for (name, reflected) in [("__pow__", false), ("__rpow__", true)] {
            set(vm, class, name, method(vm, class, name, move |mut args, vm| {
                let zelf = args.args.remove(0);
                let other = args.args.first().cloned().unwrap_or_else(|| vm.ctx.none());
                let m = args.args.get(1).cloned().unwrap_or_else(|| vm.ctx.none());
                let (a, b) = if reflected { (&other, &zelf) } else { (&zelf, &other) };
                let r = with_c(vm, &[a, b, &m], |p| unsafe { f(p[0], p[1], p[2]) });
                unsafe { result_of(vm, r) }
            }))?;
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
        let n = with_c(vm, &[zelf], |p| unsafe { len(p[0]) });
        return Ok(i + int_result(vm, n)?);
    }
    Ok(i)
}

/// # Safety
/// `mp` and `sq` are NULL or live method suites.
unsafe fn add_mapping_and_sequence(vm: &VirtualMachine, class: &'static Py<PyType>, mp: *const u8, sq: *const u8) -> PyResult<()> {
    // SAFETY: see the function's contract.
    let get = |base: *const u8, i: usize| unsafe { slot_at(base, i * 8) };
    let (mp_len, mp_sub, mp_ass) = (get(mp, 0), get(mp, 1), get(mp, 2));
    let (sq_len, sq_concat, sq_repeat, sq_item, sq_ass, sq_contains) =
        (get(sq, 0), get(sq, 1), get(sq, 2), get(sq, 3), get(sq, 5), get(sq, 7));
    // SAFETY (transmutes): each slot has the signature of its name.
    let len_fn = (!sq_len.is_null()).then(|| unsafe { core::mem::transmute::<*mut c_void, LenFn>(sq_len) });
    let any_len = if mp_len.is_null() { sq_len } else { mp_len };
    if !any_len.is_null() {
        let f = unsafe { core::mem::transmute::<*mut c_void, LenFn>(any_len) };
        set(vm, class, "__len__", method(vm, class, "__len__", move |args, vm| {
            let (zelf, _) = self_and(vm, args, "__len__", 0)?;
            let r = with_c(vm, &[&zelf], |p| unsafe { f(p[0]) });
            Ok(vm.ctx.new_int(int_result(vm, r)?).into())
        }))?;
    }
    if !mp_sub.is_null() {
        let f = unsafe { core::mem::transmute::<*mut c_void, Binary>(mp_sub) };
        set(vm, class, "__getitem__", method(vm, class, "__getitem__", move |args, vm| {
            let (zelf, rest) = self_and(vm, args, "__getitem__", 1)?;
            let r = with_c(vm, &[&zelf, &rest[0]], |p| unsafe { f(p[0], p[1]) });
            unsafe { result_of(vm, r) }
        }))?;
    } else if !sq_item.is_null() {
        let f = unsafe { core::mem::transmute::<*mut c_void, SsizeArg>(sq_item) };
        set(vm, class, "__getitem__", method(vm, class, "__getitem__", move |args, vm| {
            let (zelf, rest) = self_and(vm, args, "__getitem__", 1)?;
            let i = seq_index(vm, &zelf, &rest[0], len_fn)?;
            let r = with_c(vm, &[&zelf], |p| unsafe { f(p[0], i) });
            unsafe { result_of(vm, r) }
        }))?;
    }
    if !mp_ass.is_null() || !sq_ass.is_null() {
        let mp_f = (!mp_ass.is_null()).then(|| unsafe { core::mem::transmute::<*mut c_void, ObjObjArg>(mp_ass) });
        let sq_f = (!sq_ass.is_null()).then(|| unsafe { core::mem::transmute::<*mut c_void, SsizeObjArg>(sq_ass) });
        for (name, n) in [("__setitem__", 2), ("__delitem__", 1)] {
            set(vm, class, name, method(vm, class, name, move |args, vm| {
                let (zelf, rest) = self_and(vm, args, name, n)?;
                let value = rest.get(1).cloned();
                let r = with_c(vm, &[&zelf, &rest[0]], |p| {
                    let v = value.as_ref().map_or(NULL, |v| to_c(vm, v));
                    let r = match (mp_f, sq_f) {
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
                    unsafe { Py_DecRef(v) };
                    r
                });
                int_result(vm, r as isize).map(|_| vm.ctx.none())
            }))?;
        }
    }
    if !sq_contains.is_null() {
        let f = unsafe { core::mem::transmute::<*mut c_void, ObjObj>(sq_contains) };
        set(vm, class, "__contains__", method(vm, class, "__contains__", move |args, vm| {
            let (zelf, rest) = self_and(vm, args, "__contains__", 1)?;
            let r = with_c(vm, &[&zelf, &rest[0]], |p| unsafe { f(p[0], p[1]) });
            Ok(vm.ctx.new_bool(int_result(vm, r as isize)? != 0).into())
        }))?;
    }
    if !sq_concat.is_null() && class.get_direct_attr(vm.ctx.intern_str("__add__")).is_none() {
        let f = unsafe { core::mem::transmute::<*mut c_void, Binary>(sq_concat) };
        set(vm, class, "__add__", method(vm, class, "__add__", move |args, vm| {
            let (zelf, rest) = self_and(vm, args, "__add__", 1)?;
            let r = with_c(vm, &[&zelf, &rest[0]], |p| unsafe { f(p[0], p[1]) });
            unsafe { result_of(vm, r) }
        }))?;
    }
    if !sq_repeat.is_null() && class.get_direct_attr(vm.ctx.intern_str("__mul__")).is_none() {
        let f = unsafe { core::mem::transmute::<*mut c_void, SsizeArg>(sq_repeat) };
        for name in ["__mul__", "__rmul__"] {
            set(vm, class, name, method(vm, class, name, move |args, vm| {
                let (zelf, rest) = self_and(vm, args, name, 1)?;
                let n = rest[0].try_index(vm)?.try_to_primitive::<isize>(vm)?;
                let r = with_c(vm, &[&zelf], |p| unsafe { f(p[0], n) });
                unsafe { result_of(vm, r) }
            }))?;
        }
    }
    Ok(())
}

type MethMethod = unsafe extern "C" fn(*mut PyObject, *mut PyTypeObject, *const *mut PyObject, isize, *mut PyObject) -> *mut PyObject;

/// Calls a `METH_METHOD | METH_FASTCALL | METH_KEYWORDS` method: `(self, defining_class,
/// args, nargs, kwnames)`, keyword values after the positional ones.
fn call_meth_method(vm: &VirtualMachine, f: MethMethod, tp: *mut PyTypeObject, zelf: *mut PyObject, args: FuncArgs) -> PyResult {
    let names: Vec<PyObjectRef> = args.kwargs.keys().map(|k| vm.ctx.new_str(k.as_str()).into()).collect();
    let mut all: Vec<PyObjectRef> = args.args.clone();
    all.extend(args.kwargs.values().cloned());
    let ps: Vec<*mut PyObject> = all.iter().map(|o| to_c(vm, o)).collect();
    let kwnames = if names.is_empty() { NULL } else { to_c(vm, &vm.ctx.new_tuple(names).into()) };
    // SAFETY: the method has this signature (its flags say so); the pointers are live.
    let r = current::enter(vm, || unsafe { f(zelf, tp, ps.as_ptr(), args.args.len() as isize, kwnames) });
    // SAFETY: releases the references made above; `r` is NULL or a new reference.
    unsafe {
        for p in ps {
            Py_DecRef(p);
        }
        Py_DecRef(kwnames);
        result_of(vm, r)
    }
}

const METH_VARARGS_KEYWORDS: c_int = call::METH_VARARGS | call::METH_KEYWORDS;
const METH_FASTCALL_KEYWORDS: c_int = call::METH_FASTCALL | call::METH_KEYWORDS;
type InitTernary = unsafe extern "C" fn(*mut PyObject, *mut PyObject, *mut PyObject) -> *mut PyObject;
type FastKw = unsafe extern "C" fn(*mut PyObject, *const *mut PyObject, isize, *mut PyObject) -> *mut PyObject;

/// Calls a `METH_FASTCALL | METH_KEYWORDS` function with keyword arguments: their values
/// after the positional ones, their names in a tuple.
fn call_fast_keywords(vm: &VirtualMachine, f: FastKw, zelf: *mut PyObject, args: FuncArgs) -> PyResult {
    let names: Vec<PyObjectRef> = args.kwargs.keys().map(|k| vm.ctx.new_str(k.as_str()).into()).collect();
    let mut all: Vec<PyObjectRef> = args.args.clone();
    all.extend(args.kwargs.values().cloned());
    let ps: Vec<*mut PyObject> = all.iter().map(|o| to_c(vm, o)).collect();
    let kwnames = to_c(vm, &vm.ctx.new_tuple(names).into());
    // SAFETY: the function has this signature (its flags say so); the pointers are live.
    let r = current::enter(vm, || unsafe { f(zelf, ps.as_ptr(), args.args.len() as isize, kwnames) });
    // SAFETY: releases the references made above; `r` is NULL or a new reference.
    unsafe {
        for p in ps {
            Py_DecRef(p);
        }
        Py_DecRef(kwnames);
        result_of(vm, r)
    }
}

/// # Safety
/// `tp` is a live type whose `tp_methods` is NULL or a table ending with a NULL name.
unsafe fn add_methods(vm: &VirtualMachine, class: &'static Py<PyType>, tp: *mut PyTypeObject, short: &str) -> PyResult<()> {
    // SAFETY: see the function's contract.
    let mut def = unsafe { (*tp).tp_methods }.cast::<PyMethodDef>().cast_const();
    let tp_addr = tp as usize;
    // SAFETY: see the function's contract.
    while !def.is_null() && unsafe { !(*def).ml_name.is_null() } {
        // SAFETY: a live entry.
        let (name, meth, flags) = unsafe { (text((*def).ml_name).unwrap_or_default(), (*def).ml_meth as usize, (*def).ml_flags) };
        let qual: &'static str = leak_str(format!("{short}.{name}"));
        let exists = class.get_direct_attr(vm.ctx.intern_str(name.as_str())).is_some();
        // SAFETY: advancing within the table.
        def = unsafe { def.add(1) };
        if exists && flags & METH_COEXIST == 0 {
            continue;
        }
        let convention = flags & !(METH_CLASS | METH_STATIC | METH_COEXIST);
        let call_it = move |zelf: *mut PyObject, args: FuncArgs, vm: &VirtualMachine| -> PyResult {
            if convention & METH_METHOD != 0 {
                // SAFETY: METH_METHOD functions have this signature.
                let f = unsafe { core::mem::transmute::<usize, MethMethod>(meth) };
                return call_meth_method(vm, f, tp_addr as *mut PyTypeObject, zelf, args);
            }
            if !args.kwargs.is_empty() && convention == METH_VARARGS_KEYWORDS {
                // SAFETY: the function has the `PyCFunctionWithKeywords` signature.
                let f = unsafe { core::mem::transmute::<usize, InitTernary>(meth) };
                let (tuple, kwargs) = c_args(vm, &args);
                let r = current::enter(vm, || unsafe { f(zelf, tuple, kwargs) });
                // SAFETY: releases `c_args`'s references; `r` is NULL or a new reference.
                return unsafe {
                    Py_DecRef(tuple);
                    Py_DecRef(kwargs);
                    result_of(vm, r)
                };
            }
            if !args.kwargs.is_empty() && convention == METH_FASTCALL_KEYWORDS {
                // SAFETY: the same call as METH_METHOD's without the defining class.
                let f = unsafe { core::mem::transmute::<usize, FastKw>(meth) };
                return call_fast_keywords(vm, f, zelf, args);
            }
            // SAFETY: the function has the signature its flags declare.
            unsafe { call::call(vm, qual, meth as *mut c_void, convention, zelf, args) }
        };
        let value: PyObjectRef = if flags & (METH_CLASS | METH_STATIC) != 0 {
            let is_class = flags & METH_CLASS != 0;
            let f = vm.new_function(leak_str(name.clone()), move |mut args: FuncArgs, vm: &VirtualMachine| {
                if is_class {
                    let cls = args.args.remove(0);
                    let c = to_c(vm, &cls);
                    let r = call_it(c, args, vm);
                    // SAFETY: releases `to_c`'s reference.
                    unsafe { Py_DecRef(c) };
                    r
                } else {
                    call_it(NULL, args, vm)
                }
            });
            let wrapper = if is_class { vm.ctx.types.classmethod_type } else { vm.ctx.types.staticmethod_type };
            wrapper.as_object().call((f,), vm)?
        } else {
            let mname = name.clone();
            method(vm, class, &mname, move |mut args, vm| {
                if args.args.is_empty() {
                    return Err(vm.new_type_error(format!("descriptor '{name}' needs an argument")));
                }
                let zelf = args.args.remove(0);
                let c = to_c(vm, &zelf);
                let r = call_it(c, args, vm);
                // SAFETY: releases `to_c`'s reference.
                unsafe { Py_DecRef(c) };
                r
            })
        };
        if exists {
            // METH_COEXIST: the method sits beside the slot wrapper it shadows, without
            // changing the slot (`len(v)` still calls `sq_length`), as in CPython.
            class.attributes.write().insert(vm.ctx.intern_str(&qual[short.len() + 1..]), value);
        } else {
            set(vm, class, &qual[short.len() + 1..], value)?;
        }
    }
    Ok(())
}

/// `PyMemberDef` (structmember.h).
#[repr(C)]
struct PyMemberDef {
    name: *const c_char,
    type_: c_int,
    offset: isize,
    flags: c_int,
    doc: *const c_char,
}

/// `PyGetSetDef` (descrobject.h).
#[repr(C)]
struct PyGetSetDef {
    name: *const c_char,
    get: *mut c_void,
    set: *mut c_void,
    doc: *const c_char,
    closure: *mut c_void,
}

const READONLY: c_int = 1;

/// # Safety
/// `tp` is a live type whose `tp_members` is NULL or a table ending with a NULL name.
unsafe fn add_members(vm: &VirtualMachine, class: &'static Py<PyType>, tp: *mut PyTypeObject) -> PyResult<()> {
    // SAFETY: see the function's contract.
    let mut m = unsafe { (*tp).tp_members }.cast::<PyMemberDef>().cast_const();
    // SAFETY: see the function's contract.
    while !m.is_null() && unsafe { !(*m).name.is_null() } {
        // SAFETY: a live entry.
        let (name, kind, offset, flags) = unsafe { (text((*m).name).unwrap_or_default(), (*m).type_, (*m).offset as usize, (*m).flags) };
        // SAFETY: advancing within the table.
        m = unsafe { m.add(1) };
        if matches!(name.as_str(), "__dictoffset__" | "__weaklistoffset__" | "__vectorcalloffset__") {
            continue;
        }
        let getter_name = name.clone();
        let getter = move |obj: PyObjectRef, vm: &VirtualMachine| -> PyResult {
            let p = to_c(vm, &obj);
            // SAFETY: `p` is an instance of the type, whose layout has the member at `offset`.
            let r = unsafe { crate::bridge::members::get(vm, p.cast::<u8>().add(offset), kind, &getter_name, &obj) };
            // SAFETY: releases `to_c`'s reference.
            unsafe { Py_DecRef(p) };
            r
        };
        let readonly = flags & READONLY != 0;
        let setter_name = name.clone();
        let setter = move |obj: PyObjectRef, value: PySetterValue, vm: &VirtualMachine| -> PyResult<()> {
            if readonly {
                return Err(vm.new_attribute_error("readonly attribute".to_owned()));
            }
            let p = to_c(vm, &obj);
            let value = match value {
                PySetterValue::Assign(v) => Some(v),
                PySetterValue::Delete => None,
            };
            // SAFETY: as in the getter.
            let r = unsafe { crate::bridge::members::set(vm, p.cast::<u8>().add(offset), kind, &setter_name, value) };
            // SAFETY: releases `to_c`'s reference.
            unsafe { Py_DecRef(p) };
            r
        };
        // SAFETY: the getset is owned by `class`, which is immortal.
        let descr = unsafe { vm.ctx.new_getset(name.clone(), class, getter, setter) };
        set(vm, class, &name, descr.into())?;
    }
    Ok(())
}

type Getter = unsafe extern "C" fn(*mut PyObject, *mut c_void) -> *mut PyObject;
type Setter = unsafe extern "C" fn(*mut PyObject, *mut PyObject, *mut c_void) -> c_int;

/// # Safety
/// `tp` is a live type whose `tp_getset` is NULL or a table ending with a NULL name.
unsafe fn add_getsets(vm: &VirtualMachine, class: &'static Py<PyType>, tp: *mut PyTypeObject) -> PyResult<()> {
    // SAFETY: see the function's contract.
    let mut g = unsafe { (*tp).tp_getset }.cast::<PyGetSetDef>().cast_const();
    // SAFETY: see the function's contract.
    let full = unsafe { text((*tp).tp_name) }.unwrap_or_default();
    // SAFETY: see the function's contract.
    while !g.is_null() && unsafe { !(*g).name.is_null() } {
        // SAFETY: a live entry.
        let (name, get, set_fn, closure) =
            unsafe { (text((*g).name).unwrap_or_default(), (*g).get as usize, (*g).set as usize, (*g).closure as usize) };
        // SAFETY: advancing within the table.
        g = unsafe { g.add(1) };
        let (gname, sname, full) = (name.clone(), name.clone(), full.clone());
        let getter = move |obj: PyObjectRef, vm: &VirtualMachine| -> PyResult {
            if get == 0 {
                return Err(vm.new_attribute_error(format!("attribute '{gname}' of '{full}' objects is not readable")));
            }
            // SAFETY: a `getter` function.
            let f = unsafe { core::mem::transmute::<usize, Getter>(get) };
            let r = with_c(vm, &[&obj], |p| unsafe { f(p[0], closure as *mut c_void) });
            // SAFETY: NULL or a new reference.
            unsafe { result_of(vm, r) }
        };
        let full2 = unsafe { text((*tp).tp_name) }.unwrap_or_default();
        let setter = move |obj: PyObjectRef, value: PySetterValue, vm: &VirtualMachine| -> PyResult<()> {
            if set_fn == 0 {
                return Err(vm.new_attribute_error(format!("attribute '{sname}' of '{full2}' objects is not writable")));
            }
            // SAFETY: a `setter` function.
            let f = unsafe { core::mem::transmute::<usize, Setter>(set_fn) };
            let value = match value {
                PySetterValue::Assign(v) => Some(v),
                PySetterValue::Delete => None,
            };
            let r = with_c(vm, &[&obj], |p| {
                let v = value.as_ref().map_or(NULL, |v| to_c(vm, v));
                let r = unsafe { f(p[0], v, closure as *mut c_void) };
                unsafe { Py_DecRef(v) };
                r
            });
            int_result(vm, r as isize).map(|_| ())
        };
        // SAFETY: the getset is owned by `class`, which is immortal.
        let descr = unsafe { vm.ctx.new_getset(name.clone(), class, getter, setter) };
        set(vm, class, &name, descr.into())?;
    }
    Ok(())
}

