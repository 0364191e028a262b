//! The lock C code runs under (DESIGN.md, bridge decision 9).
//!
//! RustPython runs Python threads in parallel, but C extensions are written for CPython's
//! GIL: they update `ob_refcnt` and shared state without atomics. So one global,
//! re-entrant lock is held whenever a thread runs C code or converts objects for it: from
//! a call into C until it returns (`bridge::vm::enter`), released when C calls back into
//! Python through the call API and when C releases it itself (`PyEval_SaveThread`,
//! `Py_BEGIN_ALLOW_THREADS`), and taken by threads C started (`PyGILState_Ensure`).

use std::cell::Cell;
use std::sync::{Condvar, Mutex, OnceLock};
use std::thread::ThreadId;

struct Gil {
    owner: Mutex<Option<ThreadId>>,
    free: Condvar,
}

fn gil() -> &'static Gil {
    static GIL: OnceLock<Gil> = OnceLock::new();
    GIL.get_or_init(|| Gil { owner: Mutex::new(None), free: Condvar::new() })
}

thread_local! {
    /// How many times this thread holds the lock (0: not at all).
    static DEPTH: Cell<usize> = const { Cell::new(0) };
}

/// Takes the lock (again, if this thread holds it already).
pub fn acquire() {
    let depth = DEPTH.get();
    if depth == 0 {
        let g = gil();
        let mut owner = g.owner.lock().unwrap_or_else(|e| e.into_inner());
        while owner.is_some() {
            owner = g.free.wait(owner).unwrap_or_else(|e| e.into_inner());
        }
        *owner = Some(std::thread::current().id());
    }
    DEPTH.set(depth + 1);
}

/// Gives back one [`acquire`]; the lock is free when this thread's count reaches zero.
pub fn release() {
    let depth = DEPTH.get();
    match depth {
        0 => {}
        1 => {
            DEPTH.set(0);
            let g = gil();
            *g.owner.lock().unwrap_or_else(|e| e.into_inner()) = None;
            g.free.notify_one();
        }
        _ => DEPTH.set(depth - 1),
    }
}

/// Runs `f` holding the lock.
pub fn hold<R>(f: impl FnOnce() -> R) -> R {
    struct Release;
    impl Drop for Release {
        fn drop(&mut self) {
            release();
        }
    }
    acquire();
    let _release = Release;
    f()
}

/// Lets go of the lock entirely, whatever this thread's count; returns the count for
/// [`restore`] (0 if the thread did not hold it).
pub fn save() -> usize {
    let depth = DEPTH.get();
    if depth > 0 {
        DEPTH.set(1);
        release();
    }
    depth
}

/// Takes the lock back with the count [`save`] returned.
pub fn restore(depth: usize) {
    if depth > 0 {
        acquire();
        DEPTH.set(depth);
    }
}

/// Runs `f` (Python code C calls) without the lock, so other threads may run C meanwhile,
/// as CPython lets the GIL go while Python code runs.
pub fn released<R>(f: impl FnOnce() -> R) -> R {
    let depth = save();
    let result = f();
    restore(depth);
    result
}

/// Whether this thread holds the lock.
pub fn held() -> bool {
    DEPTH.get() > 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn reentrant_and_exclusive() {
        acquire();
        acquire();
        assert!(held());
        let saved = save();
        assert_eq!(saved, 2);
        assert!(!held());
        // Another thread can take it while this one saved it.
        std::thread::spawn(|| hold(|| assert!(held()))).join().unwrap();
        restore(saved);
        release();
        release();
        assert!(!held());

        // Non-atomic increments under the lock are never lost.
        let counter = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let c = counter.clone();
                std::thread::spawn(move || {
                    for _ in 0..1000 {
                        hold(|| {
                            let v = c.load(Ordering::Relaxed);
                            std::hint::spin_loop();
                            c.store(v + 1, Ordering::Relaxed);
                        });
                    }
                })
            })
            .collect();
        threads.into_iter().for_each(|t| t.join().unwrap());
        assert_eq!(counter.load(Ordering::Relaxed), 4000);
    }
}
