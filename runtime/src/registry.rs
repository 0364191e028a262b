//! Call counts of the coverage registry (`generated::registry::ROWS`): how often each
//! exported function was called in this process.

use std::sync::atomic::Ordering;

use dxpy_codegen::registry::Row;

use crate::generated::registry::{CALLS, ROWS};

/// Counts one call. Relaxed: counts are statistics, not synchronisation.
#[inline(always)]
pub fn record_call(idx: usize) {
    CALLS[idx].fetch_add(1, Ordering::Relaxed);
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
