//! `Include/ceval.h`: letting go of the lock C code runs under (`Py_BEGIN_ALLOW_THREADS`
//! is `PyEval_SaveThread` … `PyEval_RestoreThread`), see `bridge::gil`.

use core::cell::Cell;
use core::ffi::{c_int, c_void};

use dxpy_macros::capi;

use crate::bridge::gil;
use crate::capi::pystate::thread_state;

thread_local! {
    /// The lock count `PyEval_SaveThread` gave up, for `PyEval_RestoreThread`.
    static SAVED: Cell<usize> = const { Cell::new(0) };
}

#[capi]
pub unsafe fn PyEval_SaveThread() -> *mut c_void {
    SAVED.set(gil::save());
    thread_state()
}

#[capi]
pub unsafe fn PyEval_RestoreThread(tstate: *mut c_void) {
    let _ = tstate;
    gil::restore(SAVED.replace(0).max(1));
}

/// The lock exists from the start (as in CPython 3.9+).
#[capi]
pub unsafe fn PyEval_InitThreads() {}

#[capi]
pub unsafe fn PyEval_ThreadsInitialized() -> c_int {
    1
}
