//! Mirrored mutable containers: list, dict and set (DESIGN.md, bridge decision 6).
//!
//! C reads a list's items straight from `ob_item` (`PyList_GET_ITEM`) and writes them with
//! `PyList_SET_ITEM`, with no call into DX-Py; it reads a dict's and a set's sizes from
//! `ma_used` and `used` (`PyDict_GET_SIZE`, `PySet_GET_SIZE`). Those fields are mirrors of
//! the interpreter object, reconciled by these rules:
//!
//! 1. A list C creates (`PyList_New`) belongs to C until it first crosses into Python: C
//!    fills and grows `ob_item` (`PyList_SET_ITEM`, `PyList_SetItem`, `PyList_Append`), and
//!    the interpreter list is built from it when it crosses (`object::from_c`). From then
//!    on the list is *linked*, like every list that came from Python.
//! 2. A linked list's `ob_item` holds one C reference per item, owned by the proxy, and
//!    the mirror remembers what the bridge last wrote to each slot (its `shadow`).
//! 3. **C → Python** ("flush"): slots that no longer hold what the shadow says were written
//!    by C; their objects go into the interpreter list. A list is flushed when it crosses
//!    into Python (`from_c`); every linked mirror is flushed when C returns to Python and
//!    before C calls Python code through the call API (`PyObject_Call*`).
//! 4. **Python → C** ("refresh"): a flush, then the interpreter list is copied into
//!    `ob_item` where it differs from the shadow (reallocating it when it grows). A list is
//!    refreshed when it crosses into C (`to_c`) and when a C-API call that handed it to the
//!    interpreter returns ([`settle`]); every linked mirror is refreshed when Python calls
//!    into C and when a call from C back into Python returns.
//! 5. Where both sides changed the same slot between two reconciliations, C's write wins.
//! 6. Dicts and sets mirror only their size, at the same points. Borrowed references the
//!    dict and set API returns (`PyDict_GetItem`, `PyDict_Next`) are kept alive by the
//!    container's proxy until it is freed, as CPython's entries keep them alive.
//!
//! Not covered: Python code that runs inside C-API calls other than the call family (a
//! `__getattr__` or `__eq__`) and mutates a list that C holds but did not pass to that
//! call; C sees the change at the next crossing.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock};

use rustpython_vm::builtins::{PyDict, PyFrozenSet, PyList, PySet};
use rustpython_vm::{PyObjectRef, VirtualMachine};

use crate::bridge::layout::*;
use crate::bridge::object::{self, allocate, from_c, linked_object, to_c};
use crate::capi::object::{Py_DecRef, Py_IncRef};

/// `PyListObject`: the var header, `ob_item`, `allocated`.
#[repr(C)]
pub struct PyListObject {
    pub ob_base: PyVarObject,
    pub ob_item: *mut *mut PyObject,
    pub allocated: Py_ssize_t,
}

/// Bytes of `PyDictObject` (header, `ma_used`, `ma_version_tag`, `ma_keys`, `ma_values`).
pub const DICT_SIZE: usize = 48;
/// Offset of `ma_used` in `PyDictObject`.
const MA_USED: usize = 16;
/// Bytes of `PySetObject` (header, fill, used, mask, table, hash, finger, an 8-entry
/// small table, weakreflist).
pub const SET_SIZE: usize = 200;
/// Offset of `used` in `PySetObject`.
const SET_USED: usize = 24;

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    List,
    Dict,
    Set,
}

/// What the bridge keeps beside a linked container's proxy.
struct Mirror {
    kind: Kind,
    /// Per list slot: the C pointer the bridge last wrote (holding a reference of its own,
    /// so that the address cannot be reused for another object while it is remembered) and
    /// the address of its interpreter object.
    shadow: Vec<(usize, usize)>,
    /// Set while the list is being refreshed (it may contain itself).
    busy: bool,
    /// Borrowed references handed out by the dict/set API, one owned reference per object.
    kept: HashMap<usize, usize>,
    /// `PyDict_Next`/`_PySet_NextEntry`'s snapshot of (key, value) references (value NULL
    /// for sets), taken when iteration starts at position 0.
    entries: Vec<(usize, usize)>,
}

/// Live linked mirrors by proxy address. The count lets the hot path skip the lock.
fn mirrors() -> MutexGuard<'static, HashMap<usize, Box<Mirror>>> {
    static MIRRORS: OnceLock<Mutex<HashMap<usize, Box<Mirror>>>> = OnceLock::new();
    MIRRORS.get_or_init(Default::default).lock().unwrap_or_else(|e| e.into_inner())
}
static LIVE: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// Containers handed to the interpreter during the C-API calls under way on this
    /// thread (innermost last), refreshed and released when the call returns ([`settle`]).
    static TOUCHED: std::cell::RefCell<Vec<usize>> = const { std::cell::RefCell::new(Vec::new()) };
    /// How many C-API calls are under way on this thread.
    static CALLS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// A shadow entry's reference to `p`.
///
/// # Safety
/// `p` is NULL or a live object.
unsafe fn hold(p: *mut PyObject) -> usize {
    // SAFETY: see the function's contract.
    unsafe { Py_IncRef(p) };
    p as usize
}

fn addr(obj: &PyObjectRef) -> usize {
    &**obj as *const rustpython_vm::PyObject as usize
}

/// The mirror of `p`, if it is a linked container. The pointer stays valid while the
/// caller holds a reference to `p`: mirrors are removed only when their proxy is freed.
fn mirror_of(p: *mut PyObject) -> Option<*mut Mirror> {
    if LIVE.load(Ordering::Relaxed) == 0 {
        return None;
    }
    mirrors().get_mut(&(p as usize)).map(|m| &mut **m as *mut Mirror)
}

fn register(p: *mut PyObject, kind: Kind) -> *mut Mirror {
    let mut m = Box::new(Mirror { kind, shadow: Vec::new(), busy: false, kept: HashMap::new(), entries: Vec::new() });
    let ptr = &mut *m as *mut Mirror;
    mirrors().insert(p as usize, m);
    LIVE.fetch_add(1, Ordering::Relaxed);
    ptr
}

/// The kind of container `obj` is, if the bridge mirrors it.
pub fn kind_of(obj: &PyObjectRef) -> Option<Kind> {
    if obj.downcast_ref::<PyList>().is_some() {
        Some(Kind::List)
    } else if obj.downcast_ref::<PyDict>().is_some() {
        Some(Kind::Dict)
    } else if obj.downcast_ref::<PySet>().is_some() || obj.downcast_ref::<PyFrozenSet>().is_some() {
        Some(Kind::Set)
    } else {
        None
    }
}

/// A proxy for a container that crosses into C for the first time. Its contents are
/// filled by [`linked`], once the proxy is the object's identity (a list may contain
/// itself).
pub fn materialise(obj: &PyObjectRef, kind: Kind, ty: *mut PyTypeObject) -> *mut PyObject {
    let size = match kind {
        Kind::List => size_of::<PyListObject>(),
        Kind::Dict => DICT_SIZE,
        Kind::Set => SET_SIZE,
    };
    let p = allocate(size, ty, Some(obj.clone()));
    register(p, kind);
    p
}

/// Fills a freshly materialised container's mirror.
///
/// # Safety
/// `p` was just made by [`materialise`] and the caller owns it.
pub unsafe fn linked(vm: &VirtualMachine, p: *mut PyObject) {
    // SAFETY: `p` was just materialised and is owned by the caller.
    unsafe { refresh(vm, p) };
}

/// `PyList_New(n)`: a list of `n` NULL slots that belongs to C until it crosses.
pub fn new_list(n: usize) -> *mut PyObject {
    let p = allocate(size_of::<PyListObject>(), object::type_ptr("PyList_Type"), None);
    // SAFETY: `p` is a fresh list proxy; `calloc` gives `n` NULL slots (or NULL for none).
    unsafe {
        let l = p.cast::<PyListObject>();
        if n > 0 {
            (*l).ob_item = libc::calloc(n, size_of::<usize>()).cast();
            if (*l).ob_item.is_null() {
                std::alloc::handle_alloc_error(
                    std::alloc::Layout::array::<usize>(n).unwrap_or(std::alloc::Layout::new::<usize>()),
                );
            }
        }
        (*l).ob_base.ob_size = n as isize;
        (*l).allocated = n as isize;
    }
    p
}

/// Makes room for `n` items in a list proxy's `ob_item`, over-allocating as CPython does so
/// that appends are amortised O(1).
///
/// # Safety
/// `p` is a live list proxy.
unsafe fn reserve(p: *mut PyObject, n: usize) {
    // SAFETY: see the function's contract; `realloc` keeps the existing items.
    unsafe {
        let l = p.cast::<PyListObject>();
        if n as isize <= (*l).allocated {
            return;
        }
        let capacity = (n + (n >> 3) + 6) & !3;
        let items = libc::realloc((*l).ob_item.cast(), capacity * size_of::<usize>()).cast::<*mut PyObject>();
        if items.is_null() {
            std::alloc::handle_alloc_error(
                std::alloc::Layout::array::<usize>(capacity).unwrap_or(std::alloc::Layout::new::<usize>()),
            );
        }
        (*l).ob_item = items;
        (*l).allocated = capacity as isize;
    }
}

/// `PyList_Append`: C's own list grows in place; a linked list gets the item on both sides
/// at once, so earlier slots C wrote through the macro are still found by the next flush.
///
/// # Safety
/// `p` is a live list proxy, `item` a live object (the list takes a new reference).
pub unsafe fn append(vm: Option<&VirtualMachine>, p: *mut PyObject, item: *mut PyObject) {
    // SAFETY: see the function's contract.
    unsafe {
        let l = p.cast::<PyListObject>();
        let n = (*l).ob_base.ob_size as usize;
        reserve(p, n + 1);
        Py_IncRef(item);
        *(*l).ob_item.add(n) = item;
        (*l).ob_base.ob_size = n as isize + 1;
        if let (Some(vm), Some(m), Some(list)) = (vm, mirror_of(p), linked_object(p)) {
            let obj = from_c(vm, item);
            (*m).shadow.push((hold(item), addr(&obj)));
            if let Some(list) = list.downcast_ref::<PyList>() {
                list.borrow_vec_mut().push(obj);
            }
        }
    }
}

/// `PyList_Insert` on a list that belongs to C (linked lists go through the interpreter).
///
/// # Safety
/// `p` is a live list proxy without an interpreter object; `item` a live object.
pub unsafe fn insert_fresh(p: *mut PyObject, index: usize, item: *mut PyObject) {
    // SAFETY: see the function's contract; `index <= ob_size` (clamped by the caller).
    unsafe {
        let l = p.cast::<PyListObject>();
        let n = (*l).ob_base.ob_size as usize;
        reserve(p, n + 1);
        let items = (*l).ob_item;
        core::ptr::copy(items.add(index), items.add(index + 1), n - index);
        Py_IncRef(item);
        *items.add(index) = item;
        (*l).ob_base.ob_size = n as isize + 1;
    }
}

/// The interpreter list built from C's list when it first crosses (rule 1).
///
/// # Safety
/// `p` is a live list proxy without an interpreter object.
pub unsafe fn build_list(vm: &VirtualMachine, p: *mut PyObject) -> PyObjectRef {
    // SAFETY: see the function's contract.
    unsafe {
        let l = p.cast::<PyListObject>();
        let n = (*l).ob_base.ob_size.max(0) as usize;
        let mut shadow = Vec::with_capacity(n);
        let mut items = Vec::with_capacity(n);
        for i in 0..n {
            let item = *(*l).ob_item.add(i);
            // A NULL slot C never filled (CPython would crash on it) reads as None.
            let obj = if item.is_null() { vm.ctx.none() } else { from_c(vm, item) };
            shadow.push((hold(item), addr(&obj)));
            items.push(obj);
        }
        let m = register(p, Kind::List);
        (*m).shadow = shadow;
        vm.ctx.new_list(items).into()
    }
}

/// Rule 3 for one container.
///
/// # Safety
/// `p` is a live proxy.
pub unsafe fn flush(vm: &VirtualMachine, p: *mut PyObject) {
    let Some(m) = mirror_of(p) else { return };
    // SAFETY: `m` lives while `p` does; a list proxy has `ob_size` slots.
    unsafe {
        if (*m).kind != Kind::List {
            return;
        }
        let Some(list) = linked_object(p) else { return };
        let Some(list) = list.downcast_ref::<PyList>() else { return };
        let l = p.cast::<PyListObject>();
        let n = (*l).ob_base.ob_size.max(0) as usize;
        let shadow = &mut (*m).shadow;
        let mut changes = Vec::new();
        for i in 0..n {
            let item = *(*l).ob_item.add(i) as usize;
            if shadow.get(i).is_none_or(|s| s.0 != item) && item != 0 {
                changes.push((i, from_c(vm, item as *mut PyObject)));
            }
        }
        if changes.is_empty() && n == shadow.len() {
            return;
        }
        let mut released: Vec<usize> = shadow.drain(n.min(shadow.len())..).map(|s| s.0).collect();
        shadow.resize(n, (0, 0));
        {
            let mut vec = list.borrow_vec_mut();
            // C changed the length (`Py_SET_SIZE`): C's view is the list.
            if vec.len() != n {
                vec.resize(n, vm.ctx.none());
            }
            for (i, obj) in changes {
                released.push(shadow[i].0);
                shadow[i] = (hold(*(*l).ob_item.add(i)), addr(&obj));
                vec[i] = obj;
            }
        }
        release(released);
    }
}

/// Drops shadow references, after the caller's bookkeeping is done (freeing an object may
/// run Python code, `__del__`).
///
/// # Safety
/// Each entry is 0 or an owned reference.
unsafe fn release(refs: Vec<usize>) {
    for r in refs {
        // SAFETY: see the function's contract.
        unsafe { Py_DecRef(r as *mut PyObject) };
    }
}

/// Rule 4 for one container (dicts and sets: their size).
///
/// # Safety
/// `p` is a live proxy.
pub unsafe fn refresh(vm: &VirtualMachine, p: *mut PyObject) {
    let Some(m) = mirror_of(p) else { return };
    // SAFETY: `m` lives while `p` does; the size fields are within the proxy's layout.
    unsafe {
        let Some(obj) = linked_object(p) else { return };
        match (*m).kind {
            Kind::Dict => {
                let n = obj.downcast_ref::<PyDict>().map_or(0, |d| d.__len__());
                p.cast::<u8>().add(MA_USED).cast::<isize>().write(n as isize);
            }
            Kind::Set => {
                let n = obj.length(vm).unwrap_or(0);
                p.cast::<u8>().add(SET_USED).cast::<isize>().write(n as isize);
            }
            Kind::List if (*m).busy => {}
            Kind::List => {
                (*m).busy = true;
                flush(vm, p);
                let Some(list) = obj.downcast_ref::<PyList>() else { return };
                let items: Vec<PyObjectRef> = list.borrow_vec().to_vec();
                let shadow = &mut (*m).shadow;
                let l = p.cast::<PyListObject>();
                let old = (*l).ob_base.ob_size.max(0) as usize;
                if items.len() == old && items.iter().zip(shadow.iter()).all(|(o, s)| addr(o) == s.1) {
                    (*m).busy = false;
                    return;
                }
                reserve(p, items.len());
                let mut released = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    if i < old && shadow[i].1 == addr(item) {
                        continue;
                    }
                    let c = to_c(vm, item);
                    let slot = (*l).ob_item.add(i);
                    if i < old {
                        released.push(*slot as usize);
                    }
                    *slot = c;
                    if i < shadow.len() {
                        released.push(shadow[i].0);
                        shadow[i] = (hold(c), addr(item));
                    } else {
                        shadow.push((hold(c), addr(item)));
                    }
                }
                for i in items.len()..old {
                    released.push(*(*l).ob_item.add(i) as usize);
                }
                released.extend(shadow.drain(items.len().min(shadow.len())..).map(|s| s.0));
                (*l).ob_base.ob_size = items.len() as isize;
                (*m).busy = false;
                release(released);
            }
        }
    }
}

/// Every linked mirror, each held by a reference while the caller works on it.
fn all_live() -> Vec<*mut PyObject> {
    if LIVE.load(Ordering::Relaxed) == 0 {
        return Vec::new();
    }
    let live: Vec<*mut PyObject> = mirrors().keys().map(|&p| p as *mut PyObject).collect();
    // SAFETY: every registered proxy is live (it is removed before it is freed).
    live.iter().for_each(|&p| unsafe { Py_IncRef(p) });
    live
}

fn for_each_live(vm: &VirtualMachine, f: unsafe fn(&VirtualMachine, *mut PyObject)) {
    for p in all_live() {
        // SAFETY: `all_live` holds a reference to `p` until the release below.
        unsafe {
            f(vm, p);
            Py_DecRef(p);
        }
    }
}

/// Python is about to run C code: C sees the interpreter's current lists and sizes.
pub fn entering_c(vm: &VirtualMachine) {
    for_each_live(vm, refresh);
}

/// C is about to hand control to Python code: Python sees what C wrote.
pub fn leaving_c(vm: &VirtualMachine) {
    for_each_live(vm, flush);
}

/// Records that the current C-API call handed container `p` to the interpreter, which
/// may change it before the call returns. Outside C-API calls (a C function's result
/// crossing into Python) there is nothing to record: the next crossing into C refreshes.
///
/// # Safety
/// `p` is a live linked container proxy.
pub unsafe fn touched(p: *mut PyObject) {
    if CALLS.get() == 0 {
        return;
    }
    // SAFETY: held until `settle` releases it.
    unsafe { Py_IncRef(p) };
    TOUCHED.with(|t| t.borrow_mut().push(p as usize));
}

/// A C-API call begins; what it touches is settled by [`settle`] with the returned mark.
pub fn open_call() -> usize {
    CALLS.set(CALLS.get() + 1);
    TOUCHED.with(|t| t.borrow().len())
}

/// The end of a C-API call: refreshes the containers it handed to the interpreter.
pub fn settle(vm: &VirtualMachine, mark: usize) {
    CALLS.set(CALLS.get().saturating_sub(1));
    let touched = TOUCHED.with(|t| {
        let mut t = t.borrow_mut();
        let mark = mark.min(t.len());
        t.split_off(mark)
    });
    for p in touched {
        let p = p as *mut PyObject;
        // SAFETY: `touched` took a reference to `p`, released here.
        unsafe {
            refresh(vm, p);
            Py_DecRef(p);
        }
    }
}

/// Whether `p` is a linked mirror (a container the interpreter knows).
pub fn is_linked(p: *mut PyObject) -> bool {
    mirror_of(p).is_some()
}

/// Keeps one reference to `item` (a new reference the caller gives up) alive for as long
/// as container `p`'s proxy lives, and returns it as the borrowed reference the API
/// promises.
///
/// # Safety
/// `p` is a live linked container proxy; `item` a new reference.
pub unsafe fn keep(p: *mut PyObject, item: *mut PyObject) -> *mut PyObject {
    let Some(m) = mirror_of(p) else { return item };
    // SAFETY: `m` lives while `p` does.
    unsafe {
        if (*m).kept.insert(item as usize, item as usize).is_some() {
            // Already kept by an earlier call: one reference is enough.
            Py_DecRef(item);
        }
    }
    item
}

/// Entry `pos` of the snapshot `PyDict_Next`/`_PySet_NextEntry` iterate over, taking a new
/// snapshot when iteration starts (`pos == 0`). The references are borrowed from the proxy.
///
/// # Safety
/// `p` is a live linked dict or set proxy.
pub unsafe fn entry(
    vm: &VirtualMachine,
    p: *mut PyObject,
    pos: usize,
    snapshot: impl FnOnce() -> Vec<(PyObjectRef, Option<PyObjectRef>)>,
) -> Option<(*mut PyObject, *mut PyObject)> {
    let m = mirror_of(p)?;
    // SAFETY: `m` lives while `p` does; old snapshot references move to `kept`, since C
    // may still hold them as borrowed.
    unsafe {
        if pos == 0 {
            let old = core::mem::take(&mut (*m).entries);
            for (k, v) in old {
                for r in [k, v] {
                    if r != 0 {
                        keep(p, r as *mut PyObject);
                    }
                }
            }
            let fresh: Vec<(usize, usize)> = snapshot()
                .into_iter()
                .map(|(k, v)| (to_c(vm, &k) as usize, v.map_or(0, |v| to_c(vm, &v) as usize)))
                .collect();
            (*m).entries = fresh;
        }
        let entries = &(*m).entries;
        entries.get(pos).map(|&(k, v)| (k as *mut PyObject, v as *mut PyObject))
    }
}

/// The mirror part of `proxy_dealloc`: a list's items and buffer, what a dict or set kept.
///
/// # Safety
/// `p` is a container proxy whose reference count reached zero.
pub unsafe fn dealloc(p: *mut PyObject, is_list: bool) {
    let removed = if LIVE.load(Ordering::Relaxed) == 0 { None } else { mirrors().remove(&(p as usize)) };
    if removed.is_some() {
        LIVE.fetch_sub(1, Ordering::Relaxed);
    }
    // SAFETY: the proxy owns one reference per list slot and per kept or snapshot entry.
    unsafe {
        if is_list {
            let l = p.cast::<PyListObject>();
            for i in 0..(*l).ob_base.ob_size.max(0) as usize {
                Py_DecRef(*(*l).ob_item.add(i));
            }
            libc::free((*l).ob_item.cast());
            (*l).ob_item = core::ptr::null_mut();
        }
        if let Some(m) = removed {
            let shadow = m.shadow.into_iter().map(|s| s.0);
            let entries = m.entries.into_iter().flat_map(|(k, v)| [k, v]);
            release(m.kept.into_values().chain(entries).chain(shadow).collect());
        }
    }
}
