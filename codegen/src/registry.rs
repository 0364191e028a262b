//! The shape of the coverage registry the generator emits into the runtime: one row per
//! spec'd symbol. Call counts live beside it in the runtime (`registry::CALLS`), indexed
//! like the rows.

use crate::spec::{Priority, Status};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Row {
    pub name: &'static str,
    /// Declaring header relative to CPython's include dir, or `(none)`.
    pub header: &'static str,
    /// The spec file that holds the entry.
    pub spec_file: &'static str,
    pub priority: Priority,
    pub status: Status,
    pub stable_abi: bool,
    /// A function (as opposed to a data symbol).
    pub function: bool,
}

impl Row {
    pub fn private(&self) -> bool {
        self.name.starts_with('_')
    }
}
