//! The interpreter a thread is running C code for. C-API functions take no interpreter
//! argument, so each crossing from Python into C records it here for the C-API calls
//! that C code makes before it returns. Threads that C itself started get an interpreter
//! of their own when they first take the lock (`PyGILState_Ensure`).

use std::cell::{Cell, RefCell};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use rustpython_vm::VirtualMachine;
use rustpython_vm::vm::thread::ThreadedVirtualMachine;

use crate::bridge::gil;

thread_local! {
    static CURRENT: Cell<*const VirtualMachine> = const { Cell::new(core::ptr::null()) };
    /// The interpreter of a thread C started, alive as long as the thread.
    static FOREIGN: RefCell<Option<Box<ThreadedVirtualMachine>>> = const { RefCell::new(None) };
}

/// Interpreters made ready for threads C starts: one is made (on a thread that has an
/// interpreter) whenever none is left, since only such a thread can make one.
static SPARES: Mutex<Vec<ThreadedVirtualMachine>> = Mutex::new(Vec::new());
static HAVE_SPARE: AtomicBool = AtomicBool::new(false);

/// Runs `f` (a call into C) with `vm` as this thread's interpreter, holding the lock C
/// code runs under.
pub fn enter<R>(vm: &VirtualMachine, f: impl FnOnce() -> R) -> R {
    gil::hold(|| {
        if !HAVE_SPARE.load(Ordering::Relaxed) {
            SPARES.lock().unwrap_or_else(|e| e.into_inner()).push(vm.new_thread());
            HAVE_SPARE.store(true, Ordering::Relaxed);
        }
        let outer = CURRENT.with(|c| c.replace(vm));
        // Every crossing into C is a reconciliation point for mirrored containers.
        crate::bridge::mirror::entering_c(vm);
        let result = f();
        crate::bridge::mirror::leaving_c(vm);
        CURRENT.with(|c| c.set(outer));
        result
    })
}

/// This thread's interpreter, if C code is running on behalf of one.
pub fn with<R>(f: impl FnOnce(&VirtualMachine) -> R) -> Option<R> {
    let vm = CURRENT.with(|c| c.get());
    // SAFETY: `CURRENT` is set inside `enter`, whose caller holds `&VirtualMachine` for
    // the whole call, and restored before `enter` returns; or by `attach_thread` to the
    // thread's own interpreter, which lives as long as the thread.
    (!vm.is_null()).then(|| f(unsafe { &*vm }))
}

/// Gives a thread that C started (and that has no interpreter) one of its own, for the
/// C-API calls it makes holding the lock. False if none could be made: no thread has
/// called into C yet.
pub fn attach_thread() -> bool {
    if with(|_| ()).is_some() {
        return true;
    }
    let spare = {
        let mut spares = SPARES.lock().unwrap_or_else(|e| e.into_inner());
        let spare = spares.pop();
        HAVE_SPARE.store(!spares.is_empty(), Ordering::Relaxed);
        spare
    };
    let Some(spare) = spare else { return false };
    let spare = Box::new(spare);
    // The interpreter lives in the box, which `FOREIGN` keeps until the thread ends.
    let vm = spare.run(|vm| vm as *const VirtualMachine);
    FOREIGN.with(|f| *f.borrow_mut() = Some(spare));
    CURRENT.with(|c| c.set(vm));
    true
}
