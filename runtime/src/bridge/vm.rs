//! The interpreter a thread is running C code for. C-API functions take no interpreter
//! argument, so each crossing from Python into C records it here for the C-API calls
//! that C code makes before it returns.

use std::cell::Cell;

use rustpython_vm::VirtualMachine;

thread_local! {
    static CURRENT: Cell<*const VirtualMachine> = const { Cell::new(core::ptr::null()) };
}

/// Runs `f` (a call into C) with `vm` as this thread's interpreter.
pub fn enter<R>(vm: &VirtualMachine, f: impl FnOnce() -> R) -> R {
    let outer = CURRENT.with(|c| c.replace(vm));
    // Every crossing into C is a reconciliation point for mirrored containers.
    crate::bridge::mirror::entering_c(vm);
    let result = f();
    crate::bridge::mirror::leaving_c(vm);
    CURRENT.with(|c| c.set(outer));
    result
}

/// This thread's interpreter, if C code is running on behalf of one.
pub fn with<R>(f: impl FnOnce(&VirtualMachine) -> R) -> Option<R> {
    let vm = CURRENT.with(|c| c.get());
    // SAFETY: `CURRENT` is set only inside `enter`, whose caller holds `&VirtualMachine`
    // for the whole call, and restored before `enter` returns.
    (!vm.is_null()).then(|| f(unsafe { &*vm }))
}
