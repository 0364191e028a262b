//! Interpreter objects as C sees them, and back (DESIGN.md, bridge decisions 1–5).
//!
//! Every `PyObject *` DX-Py hands to C points into a block laid out as CPython 3.11 lays
//! the object out, preceded by a hidden [`PreHeader`] that holds a strong reference to the
//! interpreter object (the way CPython puts `PyGC_Head` before GC objects). One interpreter
//! object has at most one live proxy (the `by_object` table), so C's pointer comparisons
//! hold. The proxy keeps the interpreter object alive while `ob_refcnt` counts C references;
//! at zero, `tp_dealloc` (here `proxy_dealloc`, installed on every type C sees) frees it.
//! Immutable values (int, float, str, bytes, tuple) are materialised in full CPython form
//! when they cross, because C macros read them directly; list, dict and set are mirrored
//! (`mirror`). Static objects (`Py_None`, the
//! exported type objects) have no pre-header and are found through the `statics` table.

use std::ptr::NonNull;
use std::sync::{Mutex, MutexGuard, OnceLock};

use rustpython_vm::builtins::{PyBytes, PyFloat, PyInt, PyStr, PyTuple, PyType, PyTypeRef};
use rustpython_vm::{AsObject, PyObjectRef, TryFromObject, VirtualMachine};

use crate::bridge::layout::*;
use crate::bridge::{mirror, statics};

/// What precedes every proxy. `object` is an owned (`into_raw`) interpreter reference, or
/// null for an object C created that has not crossed into Python yet. `size` is the
/// allocation's size (a multiple of 16), with `PARKED_BIT` set while the proxy is parked.
#[repr(C)]
struct PreHeader {
    object: *mut rustpython_vm::PyObject,
    size: usize,
}

const PARKED_BIT: usize = 1;

const PRE: usize = size_of::<PreHeader>();
const ALIGN: usize = 16;
const _: () = assert!(PRE.is_multiple_of(ALIGN));

/// Keys are addresses, hashed with a fast non-cryptographic hash (the tables are on the
/// hot path of every crossing; nothing adversarial chooses addresses).
type HashMap<K, V> = rustc_hash::FxHashMap<K, V>;

/// How many proxies of immutable values are kept after C let go of them, so that the same
/// value crossing again reuses its proxy (bridge decision 10) instead of materialising it
/// anew. They keep their values alive; 256 small objects at most.
const PARKED: usize = 256;

/// The bridge's tables. Keys are addresses: interpreter objects by `as_raw` address,
/// C objects by pointer.
#[derive(Default)]
struct Tables {
    /// Proxies of immutable values whose `ob_refcnt` reached zero, oldest first; each is
    /// still in `by_object` and marked in its pre-header (`PARKED_BIT`).
    parked: std::collections::VecDeque<usize>,
    /// Interpreter object → its live proxy.
    by_object: HashMap<usize, usize>,
    /// Static C object → interpreter object (`Py_None` → None, `PyLong_Type` → int).
    statics: HashMap<usize, PyObjectRef>,
    /// Interpreter object → static C object (the reverse of `statics`).
    static_of: HashMap<usize, usize>,
    /// Interpreter classes without a static type object → their heap `PyTypeObject`.
    heap_types: HashMap<usize, usize>,
}

// SAFETY: the raw addresses are only dereferenced by the thread that holds the lock (or
// holds a reference counted by `ob_refcnt`); interpreter objects are `Send + Sync` under
// RustPython's `threading` feature.
unsafe impl Send for Tables {}

fn tables() -> MutexGuard<'static, Tables> {
    static TABLES: OnceLock<Mutex<Tables>> = OnceLock::new();
    TABLES.get_or_init(Default::default).lock().unwrap_or_else(|e| e.into_inner())
}

fn addr(obj: &PyObjectRef) -> usize {
    obj.as_object() as *const rustpython_vm::PyObject as usize
}

/// Links the exported static objects to their interpreter counterparts. Called once per
/// process when the interpreter starts.
pub fn init(vm: &VirtualMachine) {
    statics::init();
    let mut t = tables();
    if !t.statics.is_empty() {
        return;
    }
    let mut link = |c: *mut u8, obj: PyObjectRef| {
        if !c.is_null() {
            t.static_of.insert(addr(&obj), c as usize);
            t.statics.insert(c as usize, obj);
        }
    };
    link(statics::address("_Py_NoneStruct").unwrap_or_default(), vm.ctx.none());
    link(statics::address("_Py_TrueStruct").unwrap_or_default(), vm.ctx.new_bool(true).into());
    link(statics::address("_Py_FalseStruct").unwrap_or_default(), vm.ctx.new_bool(false).into());
    link(statics::address("_Py_NotImplementedStruct").unwrap_or_default(), vm.ctx.not_implemented());
    link(statics::address("_Py_EllipsisObject").unwrap_or_default(), vm.ctx.ellipsis.clone().into());
    for (symbol, class) in static_types(vm) {
        link(statics::address(symbol).unwrap_or_default(), class.into());
    }
    for name in statics::exception_names() {
        if let Ok(class) = vm.builtins.get_attr(&vm.ctx.new_str(name.trim_start_matches("PyExc_")), vm) {
            link(statics::exception(name).cast(), class);
        }
    }
}

/// The exported type objects that stand for builtin classes.
fn static_types(vm: &VirtualMachine) -> Vec<(&'static str, PyTypeRef)> {
    let t = &vm.ctx.types;
    vec![
        ("PyType_Type", t.type_type.to_owned()),
        ("PyBaseObject_Type", t.object_type.to_owned()),
        ("PyLong_Type", t.int_type.to_owned()),
        ("PyBool_Type", t.bool_type.to_owned()),
        ("PyFloat_Type", t.float_type.to_owned()),
        ("PyComplex_Type", t.complex_type.to_owned()),
        ("PyUnicode_Type", t.str_type.to_owned()),
        ("PyBytes_Type", t.bytes_type.to_owned()),
        ("PyByteArray_Type", t.bytearray_type.to_owned()),
        ("PyTuple_Type", t.tuple_type.to_owned()),
        ("PyList_Type", t.list_type.to_owned()),
        ("PyDict_Type", t.dict_type.to_owned()),
        ("PySet_Type", t.set_type.to_owned()),
        ("PyFrozenSet_Type", t.frozenset_type.to_owned()),
        ("PySlice_Type", t.slice_type.to_owned()),
        ("PyRange_Type", t.range_type.to_owned()),
        ("PyModule_Type", t.module_type.to_owned()),
        ("PyMemoryView_Type", t.memoryview_type.to_owned()),
        ("PyProperty_Type", t.property_type.to_owned()),
        ("_PyNone_Type", t.none_type.to_owned()),
        ("_PyNotImplemented_Type", t.not_implemented_type.to_owned()),
        ("PyEllipsis_Type", t.ellipsis_type.to_owned()),
        ("PyCapsule_Type", crate::capi::pycapsule::class(vm)),
    ]
}

/// A new C reference to `obj` (the caller owns one `ob_refcnt`).
pub fn to_c(vm: &VirtualMachine, obj: &PyObjectRef) -> *mut PyObject {
    let key = addr(obj);
    {
        let t = tables();
        let existing = t.static_of.get(&key).or_else(|| t.by_object.get(&key)).copied();
        if let Some(p) = existing {
            let p = p as *mut PyObject;
            // SAFETY: a live proxy or a static object; the table lock orders us with
            // `proxy_dealloc`, which removes a proxy before freeing it.
            unsafe { (*p).ob_refcnt += 1 };
            if mirror::kind_of(obj).is_some() {
                // SAFETY: we now hold a reference to `p`.
                unsafe { mirror::refresh(vm, p) };
            }
            return p;
        }
    }
    let p = materialise(vm, obj);
    tables().by_object.insert(key, p as usize);
    if mirror::kind_of(obj).is_some() {
        // Filled only now that the proxy is the list's identity: a list may contain itself.
        // SAFETY: `p` was just materialised and is ours.
        unsafe { mirror::linked(vm, p) };
    }
    p
}

/// The interpreter object behind a C pointer (a new interpreter reference).
///
/// # Safety
/// `p` is a live object: static, or allocated by this module.
pub unsafe fn from_c(vm: &VirtualMachine, p: *mut PyObject) -> PyObjectRef {
    if let Some(obj) = tables().statics.get(&(p as usize)) {
        return obj.clone();
    }
    // SAFETY: not static, so `p` was allocated by `allocate` and has a pre-header.
    let pre = unsafe { pre_header(p) };
    // SAFETY: see above; `object` is an owned reference or null.
    unsafe {
        if let Some(obj) = NonNull::new((*pre).object) {
            let owned = PyObjectRef::from_raw(obj);
            let clone = owned.clone();
            let _ = owned.into_raw();
            if mirror::kind_of(&clone).is_some() {
                // The interpreter is about to use a container C may have written to.
                mirror::flush(vm, p);
                mirror::touched(p);
            }
            return clone;
        }
        // An instance of a C-defined type: its interpreter object is a wrapper (ctype.rs).
        if let Some(obj) = crate::bridge::ctype::wrap_instance(vm, p) {
            return obj;
        }
        // Created by C (`PyTuple_New`), crossing into Python for the first time.
        let obj = build_from_c(vm, p);
        (*pre).object = obj.clone().into_raw().as_ptr();
        // A value the interpreter shares (a cached singleton) may already have a proxy;
        // that one stays its C identity.
        tables().by_object.entry(addr(&obj)).or_insert(p as usize);
        obj
    }
}

/// The interpreter object a proxy is linked to, if it has one yet (not for static objects).
///
/// # Safety
/// `p` is a live proxy made by `allocate`.
pub unsafe fn linked_object(p: *mut PyObject) -> Option<PyObjectRef> {
    // SAFETY: see the function's contract; `object` is an owned reference or null.
    unsafe {
        let obj = NonNull::new((*pre_header(p)).object)?;
        let owned = PyObjectRef::from_raw(obj);
        let clone = owned.clone();
        let _ = owned.into_raw();
        Some(clone)
    }
}

/// # Safety
/// `p` was allocated by `allocate`.
unsafe fn pre_header(p: *mut PyObject) -> *mut PreHeader {
    // SAFETY: the pre-header sits right before the object (see `allocate`).
    unsafe { p.cast::<u8>().sub(PRE).cast() }
}

/// Allocates a zeroed proxy of `size` bytes with the given type, refcount 1, linked to
/// `object` (which it then owns), or to nothing yet.
pub fn allocate(size: usize, ty: *mut PyTypeObject, object: Option<PyObjectRef>) -> *mut PyObject {
    // A multiple of 16, so the low bits of `size` are free for `PARKED_BIT`.
    let total = (PRE + size.max(size_of::<PyObject>())).next_multiple_of(ALIGN);
    let layout = std::alloc::Layout::from_size_align(total, ALIGN).expect("object size fits a layout");
    // SAFETY: `layout` has a non-zero size.
    let base = unsafe { std::alloc::alloc_zeroed(layout) };
    if base.is_null() {
        std::alloc::handle_alloc_error(layout);
    }
    let object = object.map_or(core::ptr::null_mut(), |o| o.into_raw().as_ptr());
    // SAFETY: `base` is a fresh block of `total` bytes, 16-aligned.
    unsafe {
        base.cast::<PreHeader>().write(PreHeader { object, size: total });
        let p = base.add(PRE).cast::<PyObject>();
        (*p).ob_refcnt = 1;
        (*p).ob_type = ty;
        p
    }
}

/// Makes the static (or immortal) C object `p` the C identity of `obj`, both ways: a C
/// type object and its interpreter class (ctype.rs).
pub fn link_static(p: *mut PyObject, obj: PyObjectRef) {
    let mut t = tables();
    t.static_of.insert(addr(&obj), p as usize);
    t.statics.insert(p as usize, obj);
}

/// A zeroed block of `size` bytes with a pre-header linked to nothing (`PyObject_Malloc`,
/// and the instances of C-defined types), or NULL if it cannot be allocated.
pub fn allocate_block(size: usize) -> *mut u8 {
    // A multiple of 16, as in `allocate` (the low bits of `size` carry `PARKED_BIT`).
    let Some(total) = size.max(size_of::<PyObject>()).checked_add(PRE).and_then(|t| t.checked_next_multiple_of(ALIGN))
    else {
        return core::ptr::null_mut();
    };
    let Ok(layout) = std::alloc::Layout::from_size_align(total, ALIGN) else {
        return core::ptr::null_mut();
    };
    // SAFETY: `layout` has a non-zero size.
    let base = unsafe { std::alloc::alloc_zeroed(layout) };
    if base.is_null() {
        return base;
    }
    // SAFETY: `base` is a fresh block of `total` bytes, 16-aligned.
    unsafe {
        base.cast::<PreHeader>().write(PreHeader { object: core::ptr::null_mut(), size: total });
        base.add(PRE)
    }
}

/// The usable size of a block from [`allocate_block`] or [`allocate`].
///
/// # Safety
/// `p` is such a block.
pub unsafe fn block_size(p: *mut u8) -> usize {
    // SAFETY: see the function's contract.
    unsafe { ((*pre_header(p.cast())).size & !PARKED_BIT) - PRE }
}

/// Frees a block from [`allocate_block`] or [`allocate`] without touching what it links to
/// (`PyObject_Free`: the type's `tp_dealloc` has already released the object's parts).
///
/// # Safety
/// `p` is such a block, not used afterwards.
pub unsafe fn free_block(p: *mut u8) {
    // SAFETY: see the function's contract; the layout is the one `allocate*` used.
    unsafe {
        let pre = pre_header(p.cast());
        let layout = std::alloc::Layout::from_size_align_unchecked((*pre).size & !PARKED_BIT, ALIGN);
        std::alloc::dealloc(pre.cast(), layout);
    }
}

/// Links the instance `p` of a C-defined type to its interpreter wrapper without owning it
/// (the wrapper owns `p`, see ctype.rs), or unlinks it (`None`).
///
/// # Safety
/// `p` is a live block from [`allocate_block`]; `obj` is the wrapper that owns it.
pub unsafe fn link_borrowed(p: *mut PyObject, obj: Option<&PyObjectRef>) {
    // SAFETY: see the function's contract.
    let pre = unsafe { pre_header(p) };
    let mut t = tables();
    match obj {
        Some(obj) => {
            // SAFETY: see the function's contract.
            unsafe { (*pre).object = obj.as_object() as *const rustpython_vm::PyObject as *mut _ };
            t.by_object.insert(addr(obj), p as usize);
        }
        None => {
            // SAFETY: see the function's contract.
            let old = unsafe { core::mem::replace(&mut (*pre).object, core::ptr::null_mut()) };
            t.by_object.remove(&(old as usize));
        }
    }
}

/// Whether `p` is a static C object the bridge knows (an exported or registered type).
pub fn is_static(p: *mut PyObject) -> bool {
    tables().statics.contains_key(&(p as usize))
}

/// The live C block of an interpreter object, if it has one (no new reference).
pub fn proxy_of(obj: &PyObjectRef) -> Option<*mut PyObject> {
    let t = tables();
    t.by_object.get(&addr(obj)).or_else(|| t.static_of.get(&addr(obj))).map(|&p| p as *mut PyObject)
}

/// `tp_dealloc` of every proxy. The proxy of an immutable value is parked (see `PARKED`)
/// for the next crossing of the same value; any other proxy is freed.
///
/// # Safety
/// Called with a proxy whose `ob_refcnt` reached zero.
pub unsafe extern "C" fn proxy_dealloc(p: *mut PyObject) {
    // SAFETY: a dead proxy: nothing else refers to it (C holds no reference), and its
    // pre-header is ours.
    unsafe {
        let pre = pre_header(p);
        let reusable = !(*pre).object.is_null() && is_immutable_value(p);
        if reusable {
            let evicted = {
                let mut t = tables();
                let key = (*pre).object as usize;
                if t.by_object.get(&key) == Some(&(p as usize)) {
                    if (*pre).size & PARKED_BIT == 0 {
                        (*pre).size |= PARKED_BIT;
                        t.parked.push_back(p as usize);
                    }
                    let evicted = if t.parked.len() > PARKED { t.parked.pop_front() } else { None };
                    evicted.and_then(|e| unpark(&mut t, e as *mut PyObject))
                } else {
                    Some(p)
                }
            };
            if let Some(dead) = evicted {
                free_proxy(dead);
            }
            return;
        }
        free_proxy(p);
    }
}

/// Whether `p` is an exact int, float, str or bytes: values whose proxy can outlive C's
/// references unobservably (no `__del__`, no weak references, immutable).
///
/// # Safety
/// `p` is a live object.
unsafe fn is_immutable_value(p: *mut PyObject) -> bool {
    static TYPES: OnceLock<[usize; 4]> = OnceLock::new();
    let types = TYPES.get_or_init(|| {
        ["PyLong_Type", "PyFloat_Type", "PyUnicode_Type", "PyBytes_Type"].map(|s| type_ptr(s) as usize)
    });
    // SAFETY: see the function's contract.
    let ty = unsafe { (*p).ob_type } as usize;
    types.contains(&ty)
}

/// Takes `p` off the parked list's books: it is to be freed (returned) if C has not taken
/// it back meanwhile, else it simply stops being parked.
///
/// # Safety
/// `p` is a parked proxy; the caller holds the tables.
unsafe fn unpark(t: &mut Tables, p: *mut PyObject) -> Option<*mut PyObject> {
    // SAFETY: parked proxies are live allocations (freed only here).
    unsafe {
        let pre = pre_header(p);
        (*pre).size &= !PARKED_BIT;
        if (*p).ob_refcnt > 0 {
            return None;
        }
        let key = (*pre).object as usize;
        if t.by_object.get(&key) == Some(&(p as usize)) {
            t.by_object.remove(&key);
        }
        Some(p)
    }
}

/// Frees every parked proxy C has not taken back (for leak checks: what is left is what
/// C still holds).
pub fn drain_parked() {
    let dead: Vec<*mut PyObject> = {
        let mut t = tables();
        let parked: Vec<usize> = t.parked.drain(..).collect();
        // SAFETY: each was parked, so it is live; we hold the tables.
        parked.into_iter().filter_map(|p| unsafe { unpark(&mut t, p as *mut PyObject) }).collect()
    };
    // SAFETY: unparked and unlinked: nothing refers to them any more.
    dead.into_iter().for_each(|p| unsafe { free_proxy(p) });
}

/// Frees a proxy: unlinks it, releases the interpreter object and what the layout owns
/// (a tuple's items, a str's UTF-8 cache, a container's mirror), and frees the block.
///
/// # Safety
/// `p` is a proxy nothing refers to any more.
unsafe fn free_proxy(p: *mut PyObject) {
    // SAFETY: see the function's contract.
    unsafe {
        let pre = pre_header(p);
        let object = NonNull::new((*pre).object).map(|o| PyObjectRef::from_raw(o));
        if let Some(obj) = &object {
            // Only if it is this proxy: a C-created object whose value turned out to be a
            // shared singleton already had another proxy (see `from_c`).
            let mut t = tables();
            if t.by_object.get(&addr(obj)) == Some(&(p as usize)) {
                t.by_object.remove(&addr(obj));
            }
        }
        if has_type_flag(p, Py_TPFLAGS_TUPLE_SUBCLASS) {
            let t = p.cast::<PyTupleObject>();
            for i in 0..(*t).ob_base.ob_size {
                let item = *(*t).ob_item.as_mut_ptr().offset(i);
                crate::capi::object::Py_DecRef(item);
            }
        }
        mirror::dealloc(p, has_type_flag(p, Py_TPFLAGS_LIST_SUBCLASS));
        static SLICE: OnceLock<usize> = OnceLock::new();
        if (*p).ob_type as usize == *SLICE.get_or_init(|| type_ptr("PySlice_Type") as usize) {
            for i in 0..3 {
                crate::capi::object::Py_DecRef(p.cast::<u8>().add(16).cast::<*mut PyObject>().add(i).read());
            }
        }
        if has_type_flag(p, Py_TPFLAGS_UNICODE_SUBCLASS) {
            // A non-ASCII str owns its UTF-8 cache (`utf8_of`).
            let base = p.cast::<u8>();
            if base.add(32).cast::<u32>().read() & (1 << 6) == 0 {
                libc::free(base.add(56).cast::<*mut libc::c_void>().read());
            }
        }
        drop(object);
        let layout = std::alloc::Layout::from_size_align_unchecked((*pre).size & !PARKED_BIT, ALIGN);
        std::alloc::dealloc(pre.cast(), layout);
    }
}

pub(crate) fn type_ptr(symbol: &str) -> *mut PyTypeObject {
    statics::address(symbol).unwrap_or_default().cast()
}

/// Whether `p` is non-NULL and its type has `flag` (the `Py*_Check` test: subclass bits
/// in `tp_flags`, which also tell the bridge's layouts apart).
///
/// # Safety
/// `p` is NULL or a live object.
pub unsafe fn has_type_flag(p: *mut PyObject, flag: core::ffi::c_ulong) -> bool {
    // SAFETY: a live object has a live type.
    !p.is_null() && unsafe { (*(*p).ob_type).tp_flags & flag != 0 }
}

/// Character `i` of compact str data of `kind` bytes per character.
///
/// # Safety
/// `data` holds more than `i` characters of `kind` bytes.
pub unsafe fn read_char(data: *const u8, kind: usize, i: usize) -> u32 {
    // SAFETY: see the function's contract.
    unsafe {
        match kind {
            1 => data.add(i).read() as u32,
            2 => data.cast::<u16>().add(i).read() as u32,
            _ => data.cast::<u32>().add(i).read(),
        }
    }
}

/// `PyTupleObject` (header of a tuple; items follow).
#[repr(C)]
pub struct PyTupleObject {
    pub ob_base: PyVarObject,
    pub ob_item: [*mut PyObject; 0],
}

/// Allocates a tuple of `n` NULL items, as `PyTuple_New` does.
pub fn new_tuple(n: usize) -> *mut PyObject {
    let p = allocate(size_of::<PyVarObject>() + n * size_of::<usize>(), type_ptr("PyTuple_Type"), None);
    // SAFETY: just allocated with room for `n` items.
    unsafe { (*p.cast::<PyVarObject>()).ob_size = n as isize };
    p
}

/// The CPython form of an interpreter object, with a fresh proxy.
fn materialise(vm: &VirtualMachine, obj: &PyObjectRef) -> *mut PyObject {
    let class = obj.class().to_owned();
    let ty = type_object(vm, &class);
    if let Some(i) = obj.downcast_ref::<PyInt>() {
        return long(i.as_bigint(), ty, obj.clone());
    }
    if let Some(f) = obj.downcast_ref::<PyFloat>() {
        let p = allocate(24, ty, Some(obj.clone()));
        // SAFETY: `PyFloatObject` is `PyObject` + `double ob_fval` (24 bytes).
        unsafe { p.cast::<u8>().add(16).cast::<f64>().write(f.to_f64()) };
        return p;
    }
    if let Some(s) = obj.downcast_ref::<PyStr>() {
        return unicode(s, ty, obj.clone());
    }
    if let Some(b) = obj.downcast_ref::<PyBytes>() {
        let data = b.as_bytes();
        let p = new_bytes(data.len(), ty, Some(obj.clone()));
        // SAFETY: `PyBytesObject`: the bytes follow the 32-byte header, within the allocation.
        unsafe { core::ptr::copy_nonoverlapping(data.as_ptr(), p.cast::<u8>().add(32), data.len()) };
        return p;
    }
    if let Some(tuple) = obj.downcast_ref::<PyTuple>() {
        let items: Vec<*mut PyObject> = tuple.iter().map(|item| to_c(vm, item)).collect();
        let p = allocate(size_of::<PyVarObject>() + items.len() * size_of::<usize>(), ty, Some(obj.clone()));
        // SAFETY: room for the items; the tuple owns one reference to each (`to_c`).
        unsafe {
            (*p.cast::<PyVarObject>()).ob_size = items.len() as isize;
            let slots = (*p.cast::<PyTupleObject>()).ob_item.as_mut_ptr();
            core::ptr::copy_nonoverlapping(items.as_ptr(), slots, items.len());
        }
        return p;
    }
    if let Some(kind) = mirror::kind_of(obj) {
        return mirror::materialise(obj, kind, ty);
    }
    if let Some(c) = obj.downcast_ref::<rustpython_vm::builtins::PyComplex>() {
        // `PyComplexObject`: the header, then `Py_complex cval`.
        let p = allocate(32, ty, Some(obj.clone()));
        let c = c.to_complex();
        // SAFETY: 32 bytes were allocated; the two doubles follow the 16-byte header.
        unsafe { p.cast::<u8>().add(16).cast::<Py_complex>().write(Py_complex { real: c.re, imag: c.im }) };
        return p;
    }
    if let Some(s) = obj.downcast_ref::<rustpython_vm::builtins::PySlice>() {
        // `PySliceObject`: the header, then `start`, `stop`, `step`, each owned.
        let none = vm.ctx.none();
        let parts = [s.start.as_ref().unwrap_or(&none), &s.stop, s.step.as_ref().unwrap_or(&none)].map(|o| to_c(vm, o));
        let p = allocate(40, ty, Some(obj.clone()));
        // SAFETY: 40 bytes were allocated; the three pointers follow the header.
        unsafe { core::ptr::copy_nonoverlapping(parts.as_ptr(), p.cast::<u8>().add(16).cast::<*mut PyObject>(), 3) };
        return p;
    }
    if let Some(capsule) = obj.downcast_ref::<crate::capi::pycapsule::PyCapsule>() {
        return crate::capi::pycapsule::materialise(obj, capsule);
    }
    if obj.downcast_ref::<PyType>().is_some() {
        // A class without a static type object: its heap type object stands for it.
        let p = ty_for_class(vm, obj);
        // SAFETY: heap type objects live for the process.
        unsafe { (*p.cast::<PyObject>()).ob_refcnt += 1 };
        return p.cast();
    }
    allocate(size_of::<PyObject>(), ty, Some(obj.clone()))
}

fn ty_for_class(vm: &VirtualMachine, class: &PyObjectRef) -> *mut PyTypeObject {
    let class = PyTypeRef::try_from_object(vm, class.clone()).expect("checked to be a class");
    type_object(vm, &class)
}

/// The `PyTypeObject` C sees for an interpreter class: the exported static one for
/// builtin classes, otherwise one allocated (once) with the class's name and the
/// subclass flags of its bases.
pub fn type_object(vm: &VirtualMachine, class: &PyTypeRef) -> *mut PyTypeObject {
    let obj: PyObjectRef = class.clone().into();
    let key = addr(&obj);
    {
        let t = tables();
        if let Some(&p) = t.static_of.get(&key).or_else(|| t.heap_types.get(&key)) {
            return p as *mut PyTypeObject;
        }
    }
    if let Some(p) = crate::bridge::ctype::subclass_type(vm, class) {
        return p;
    }
    let flags_of = |c: &PyTypeRef| {
        let ctx = &vm.ctx.types;
        let mut flags = 0;
        for (base, flag) in [
            (ctx.int_type, Py_TPFLAGS_LONG_SUBCLASS),
            (ctx.list_type, Py_TPFLAGS_LIST_SUBCLASS),
            (ctx.tuple_type, Py_TPFLAGS_TUPLE_SUBCLASS),
            (ctx.bytes_type, Py_TPFLAGS_BYTES_SUBCLASS),
            (ctx.str_type, Py_TPFLAGS_UNICODE_SUBCLASS),
            (ctx.dict_type, Py_TPFLAGS_DICT_SUBCLASS),
            (ctx.type_type, Py_TPFLAGS_TYPE_SUBCLASS),
        ] {
            if c.fast_issubclass(base) {
                flags |= flag;
            }
        }
        if c.fast_issubclass(vm.ctx.exceptions.base_exception_type) {
            flags |= Py_TPFLAGS_BASE_EXC_SUBCLASS;
        }
        flags
    };
    // SAFETY: PyTypeObject is plain data; all-zero is "no slots".
    let t: &'static mut PyTypeObject = Box::leak(Box::new(unsafe { core::mem::zeroed() }));
    t.ob_base.ob_base.ob_refcnt = 1 << 40;
    t.ob_base.ob_base.ob_type = type_ptr("PyType_Type");
    t.tp_name =
        Box::leak(std::ffi::CString::new(class.name().to_string()).unwrap_or_default().into_boxed_c_str()).as_ptr();
    t.tp_basicsize = size_of::<PyObject>() as isize;
    t.tp_flags = Py_TPFLAGS_READY | Py_TPFLAGS_BASETYPE | flags_of(class);
    t.tp_dealloc = Some(proxy_dealloc);
    let p = t as *mut PyTypeObject;
    let mut tables = tables();
    tables.heap_types.insert(key, p as usize);
    // The type object is the class's C identity, both ways.
    tables.statics.insert(p as usize, obj);
    p
}

/// `PyLongObject`: 30-bit digits, least significant first; `ob_size` is the digit count
/// with the number's sign.
fn long(value: &malachite_bigint::BigInt, ty: *mut PyTypeObject, obj: PyObjectRef) -> *mut PyObject {
    let (negative, digits) = digits30(value);
    let p = allocate(24 + 4 * digits.len().max(1), ty, Some(obj));
    // SAFETY: room for the digits (at least one, as CPython allocates for zero).
    unsafe {
        (*p.cast::<PyVarObject>()).ob_size = if negative { -(digits.len() as isize) } else { digits.len() as isize };
        core::ptr::copy_nonoverlapping(digits.as_ptr(), p.cast::<u8>().add(24).cast::<u32>(), digits.len());
    }
    p
}

/// The sign and base-2**30 digits (least significant first, none for zero) of `value`.
fn digits30(value: &malachite_bigint::BigInt) -> (bool, Vec<u32>) {
    let (sign, words) = value.to_u64_digits();
    let mut digits = Vec::new();
    let (mut acc, mut bits) = (0u128, 0u32);
    for w in words {
        acc |= (w as u128) << bits;
        bits += 64;
        while bits >= 30 {
            digits.push((acc & 0x3fff_ffff) as u32);
            acc >>= 30;
            bits -= 30;
        }
    }
    if acc != 0 {
        digits.push(acc as u32);
    }
    while digits.last() == Some(&0) {
        digits.pop();
    }
    (sign == malachite_bigint::Sign::Minus, digits)
}

/// A str in PEP 393 compact form: ASCII data after `PyASCIIObject` (48 bytes), other
/// kinds after `PyCompactUnicodeObject` (72 bytes), NUL-terminated; ASCII strings double
/// as their own UTF-8.
fn unicode(s: &PyStr, ty: *mut PyTypeObject, obj: PyObjectRef) -> *mut PyObject {
    let points: Vec<u32> = s.as_wtf8().code_points().map(|c| c.to_u32()).collect();
    let max = points.iter().copied().max().unwrap_or(0);
    let ascii = max < 0x80;
    let kind: usize = if max < 0x100 {
        1
    } else if max < 0x10000 {
        2
    } else {
        4
    };
    let p = compact_unicode(points.len(), kind, ascii, ty, Some(obj));
    // SAFETY: `compact_unicode` left room for `len + 1` characters of `kind` bytes.
    unsafe {
        let data = unicode_data(p);
        for (i, &c) in points.iter().enumerate() {
            match kind {
                1 => data.add(i).write(c as u8),
                2 => data.cast::<u16>().add(i).write(c as u16),
                _ => data.cast::<u32>().add(i).write(c),
            }
        }
    }
    p
}

/// A compact str proxy of `len` characters of `kind` bytes (NUL-terminated, zero-filled)
/// with its header written; `object` is None for `PyUnicode_New`, which C fills in.
fn compact_unicode(
    len: usize,
    kind: usize,
    ascii: bool,
    ty: *mut PyTypeObject,
    object: Option<PyObjectRef>,
) -> *mut PyObject {
    let header = if ascii { 48 } else { 72 };
    let p = allocate(header + (len + 1) * kind, ty, object);
    // SAFETY: `header` bytes of unicode object were just allocated.
    unsafe {
        let base = p.cast::<u8>();
        base.add(16).cast::<isize>().write(len as isize);
        base.add(24).cast::<isize>().write(-1);
        // state: kind (bits 2-4), compact (5), ascii (6), ready (7); not interned.
        let state = ((kind as u32) << 2) | 1 << 5 | (ascii as u32) << 6 | 1 << 7;
        base.add(32).cast::<u32>().write(state);
    }
    p
}

/// `PyUnicode_New`: an empty-filled compact str for C to write into, with no interpreter
/// object until it crosses (`build_from_c`). `maxchar` picks the kind as CPython does.
pub fn new_unicode(len: usize, maxchar: u32) -> *mut PyObject {
    let kind = if maxchar < 0x100 {
        1
    } else if maxchar < 0x10000 {
        2
    } else {
        4
    };
    compact_unicode(len, kind, maxchar < 0x80, type_ptr("PyUnicode_Type"), None)
}

/// The character data of a compact str proxy, its kind (1, 2 or 4) and its length.
///
/// # Safety
/// `p` is a live str proxy (made by `compact_unicode`).
pub unsafe fn unicode_parts(p: *mut PyObject) -> (*mut u8, usize, usize) {
    // SAFETY: see the function's contract and the layout notes in `unicode`.
    unsafe {
        let base = p.cast::<u8>();
        let kind = (base.add(32).cast::<u32>().read() >> 2 & 7) as usize;
        (unicode_data(p), kind, base.add(16).cast::<isize>().read() as usize)
    }
}

/// # Safety
/// `p` is a live str proxy (made by `compact_unicode`).
unsafe fn unicode_data(p: *mut PyObject) -> *mut u8 {
    // SAFETY: the ascii bit says which header precedes the data.
    unsafe {
        let base = p.cast::<u8>();
        let ascii = base.add(32).cast::<u32>().read() & (1 << 6) != 0;
        base.add(if ascii { 48 } else { 72 })
    }
}

/// A `PyBytesObject` of `len` bytes (zero-filled, plus the trailing NUL) linked to `object`,
/// or to nothing yet for bytes C creates and fills (`PyBytes_FromStringAndSize(NULL, n)`).
pub fn new_bytes(len: usize, ty: *mut PyTypeObject, object: Option<PyObjectRef>) -> *mut PyObject {
    let ty = if ty.is_null() { type_ptr("PyBytes_Type") } else { ty };
    let p = allocate(32 + len + 1, ty, object);
    // SAFETY: var header and `ob_shash` (-1: not computed) are within the allocation.
    unsafe {
        (*p.cast::<PyVarObject>()).ob_size = len as isize;
        p.cast::<u8>().add(24).cast::<isize>().write(-1);
    }
    p
}

/// Whether C may still write into `p` as CPython allows for a fresh object: it was created
/// by C and has not crossed into Python (so nothing else can have seen its contents).
///
/// # Safety
/// `p` is a live object.
pub unsafe fn is_fresh(p: *mut PyObject) -> bool {
    if tables().statics.contains_key(&(p as usize)) {
        return false;
    }
    // SAFETY: not static, so `p` has a pre-header.
    unsafe { (*pre_header(p)).object.is_null() }
}

/// The UTF-8 of the str proxy `p` (whose text is `text`), cached in the object: ASCII
/// data is already UTF-8; other strings get a NUL-terminated buffer in the `utf8` field,
/// freed with the proxy.
///
/// # Safety
/// `p` is a str proxy made by `unicode`.
pub unsafe fn utf8_of(p: *mut PyObject, text: &str) -> *const core::ffi::c_char {
    // SAFETY: see the function's contract and the layout notes in `unicode`.
    unsafe {
        let base = p.cast::<u8>();
        if base.add(32).cast::<u32>().read() & (1 << 6) != 0 {
            return base.add(48).cast();
        }
        let cached = base.add(56).cast::<*mut u8>();
        if (*cached).is_null() {
            let buf = libc::malloc(text.len() + 1).cast::<u8>();
            if buf.is_null() {
                return core::ptr::null();
            }
            core::ptr::copy_nonoverlapping(text.as_ptr(), buf, text.len());
            *buf.add(text.len()) = 0;
            base.add(48).cast::<isize>().write(text.len() as isize);
            *cached = buf;
        }
        (*cached).cast()
    }
}

/// Builds the interpreter object for an object C created and filled in place: tuples
/// from `PyTuple_New` (`PyTuple_SET_ITEM`), str from `PyUnicode_New` (`PyUnicode_WRITE`),
/// bytes from `PyBytes_FromStringAndSize(NULL, n)` (`PyBytes_AS_STRING`). The layout is
/// read once, here; from then on the interpreter object is the value.
///
/// # Safety
/// `p` is a live proxy without an interpreter object.
unsafe fn build_from_c(vm: &VirtualMachine, p: *mut PyObject) -> PyObjectRef {
    // SAFETY: see the function's contract.
    unsafe {
        if has_type_flag(p, Py_TPFLAGS_TUPLE_SUBCLASS) {
            let t = p.cast::<PyTupleObject>();
            let items = (0..(*t).ob_base.ob_size)
                .map(|i| {
                    let item = *(*t).ob_item.as_mut_ptr().offset(i);
                    if item.is_null() { vm.ctx.none() } else { from_c(vm, item) }
                })
                .collect();
            return vm.ctx.new_tuple(items).into();
        }
        if has_type_flag(p, Py_TPFLAGS_UNICODE_SUBCLASS) {
            let (data, kind, len) = unicode_parts(p);
            use rustpython_vm::common::wtf8::{CodePoint, Wtf8Buf};
            let mut text = Wtf8Buf::with_capacity(len);
            for i in 0..len {
                let c = read_char(data, kind, i);
                // C wrote only valid code points (CPython asserts the same); anything
                // larger becomes U+FFFD rather than undefined behaviour.
                let c = CodePoint::from_u32(c).unwrap_or(CodePoint::from_char('\u{fffd}'));
                text.push(c);
            }
            return vm.ctx.new_str(text).into();
        }
        if has_type_flag(p, Py_TPFLAGS_LIST_SUBCLASS) {
            return mirror::build_list(vm, p);
        }
        if has_type_flag(p, Py_TPFLAGS_BYTES_SUBCLASS) {
            let len = (*p.cast::<PyVarObject>()).ob_size as usize;
            let data = core::slice::from_raw_parts(p.cast::<u8>().add(32), len);
            return vm.ctx.new_bytes(data.to_vec()).into();
        }
    }
    vm.ctx.none()
}

/// Number of live proxies (for leak checks in tests): parked ones C let go of are freed
/// first, so what is counted is what C holds.
pub fn live_proxies() -> usize {
    drain_parked();
    tables().by_object.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thirty_bit_digits() {
        let check = |text: &str, negative: bool, want: &[u32]| {
            let v: malachite_bigint::BigInt = text.parse().unwrap();
            assert_eq!(digits30(&v), (negative, want.to_vec()), "{text}");
        };
        check("0", false, &[]);
        check("1", false, &[1]);
        check("-5", true, &[5]);
        check("1073741823", false, &[0x3fff_ffff]);
        check("1073741824", false, &[0, 1]);
        check("-18446744073709551616", true, &[0, 0, 16]);
    }
}
