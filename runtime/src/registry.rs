//! Call counts of the coverage registry (`generated::registry::ROWS`): how often each
//! exported function was called in this process.

use std::sync::atomic::{AtomicUsize, Ordering};

use dxpy_codegen::registry::Row;
use dxpy_codegen::report::{Item, ItemKind};

use crate::generated::registry::{CALLS, ROWS};

/// Row index of the most recent C-API call in the process (`usize::MAX`: none yet), for
/// the crash report (`bridge::crash`). Process-wide, not per thread: the report is a hint.
static LAST_CALL: AtomicUsize = AtomicUsize::new(usize::MAX);

/// Counts one call. Relaxed: counts are statistics, not synchronisation.
#[inline(always)]
pub fn record_call(idx: usize) {
    CALLS[idx].fetch_add(1, Ordering::Relaxed);
    LAST_CALL.store(idx, Ordering::Relaxed);
}

/// Name of the most recent C-API call. Async-signal-safe: one atomic load, static data.
pub fn last_call() -> Option<&'static str> {
    ROWS.get(LAST_CALL.load(Ordering::Relaxed)).map(|r| r.name)
}

pub fn calls(idx: usize) -> u64 {
    CALLS[idx].load(Ordering::Relaxed)
}

pub fn rows() -> &'static [Row] {
    &ROWS
}

/// Row index of a symbol, by name.
pub fn index_of(name: &str) -> Option<usize> {
    ROWS.iter().position(|r| r.name == name)
}

/// The registry as coverage-report items, with this process's call counts.
pub fn items() -> Vec<Item> {
    ROWS.iter()
        .enumerate()
        .map(|(i, r)| Item {
            name: r.name.to_string(),
            header: r.header.to_string(),
            kind: if r.function { ItemKind::Function } else { ItemKind::Data },
            priority: r.priority,
            status: r.status,
            stable_abi: r.stable_abi,
            private: r.private(),
            calls: calls(i),
        })
        .collect()
}

/// "API coverage tracking accuracy" on the real registry: arbitrary sequences of calls
/// into implemented and stubbed exports are counted exactly, and the coverage report
/// computed from the registry agrees with what was called.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::bridge::errors;
    use crate::bridge::layout::{PyObject, PyTypeObject};
    use crate::generated::exports::{bytearrayobject, context, floatobject, longobject, object, pyerrors};
    use dxpy_codegen::report::compute;
    use proptest::prelude::*;

    /// (function name, implemented?, call it and check its return value)
    type Case = (&'static str, bool, fn(*mut PyObject));

    // SAFETY (all cases): the exports are called with the arguments their C contract
    // allows: a live object with a type that has no `tp_dealloc`, or NULL where a stub
    // never looks at its argument.
    const CASES: [Case; 8] = [
        ("Py_IncRef", true, |o| unsafe { object::Py_IncRef(o) }),
        ("Py_DecRef", true, |o| unsafe { object::Py_DecRef(o) }),
        ("PyErr_Clear", true, |_| unsafe { pyerrors::PyErr_Clear() }),
        ("PyFloat_GetInfo", false, |_| assert!(unsafe { floatobject::PyFloat_GetInfo() }.is_null())),
        ("PyContext_CopyCurrent", false, |_| assert!(unsafe { context::PyContext_CopyCurrent() }.is_null())),
        ("PyByteArray_Size", false, |o| assert_eq!(unsafe { bytearrayobject::PyByteArray_Size(o) }, -1)),
        ("PyByteArray_AsString", false, |o| assert!(unsafe { bytearrayobject::PyByteArray_AsString(o) }.is_null())),
        ("PyLong_AsUnsignedLongMask", false, |o| {
            assert_eq!(unsafe { longobject::PyLong_AsUnsignedLongMask(o) }, u64::MAX)
        }),
    ];

    proptest! {
        #[test]
        fn api_coverage_tracking_accuracy(seq in proptest::collection::vec(0..CASES.len(), 0..60)) {
            crate::bridge::statics::init();
            for (name, implemented, _) in CASES {
                let status = ROWS[index_of(name).unwrap()].status;
                // A stub that got implemented needs replacing here with one that is not.
                prop_assert_eq!(status == dxpy_codegen::spec::Status::Implemented, implemented, "{}", name);
            }
            // SAFETY: PyTypeObject is plain data; a zeroed type has no slots to call.
            let mut ty: PyTypeObject = unsafe { core::mem::zeroed() };
            let mut obj = PyObject { ob_refcnt: 1000, ob_type: &mut ty };
            let before: Vec<u64> = CASES.iter().map(|(n, ..)| calls(index_of(n).unwrap())).collect();
            let report_before = compute(&items());
            for &i in &seq {
                let (name, implemented, call) = CASES[i];
                errors::clear();
                call(&mut obj);
                let pending = errors::take();
                if implemented {
                    prop_assert!(pending.is_none());
                } else {
                    let p = pending.expect("a stub sets an error");
                    prop_assert_eq!(p.type_name(), "SystemError");
                    prop_assert!(p.message.contains(&format!("C-API function {name}()")), "{}", p.message);
                }
            }
            for (k, (name, ..)) in CASES.iter().enumerate() {
                let want = seq.iter().filter(|&&i| i == k).count() as u64;
                prop_assert_eq!(calls(index_of(name).unwrap()) - before[k], want, "{}", name);
            }
            let report = compute(&items());
            let stub_calls = seq.iter().filter(|&&i| !CASES[i].1).count() as u64;
            prop_assert_eq!(report.calls - report_before.calls, seq.len() as u64);
            prop_assert_eq!(report.calls_not_implemented - report_before.calls_not_implemented, stub_calls);
            prop_assert_eq!(report.cpython.totals.total, ROWS.len() as u64);
            let implemented = ROWS.iter().filter(|r| r.status == dxpy_codegen::spec::Status::Implemented).count();
            prop_assert_eq!(report.cpython.totals.implemented, implemented as u64);
        }
    }
}
