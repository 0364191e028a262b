//! The bridge between C extensions and the interpreter: CPython 3.11's memory layouts,
//! the exported static objects, and the per-thread error indicator. All unsafe code that
//! touches C-visible memory lives here.

pub mod call;
pub mod crash;
pub mod ctype;
pub mod errors;
pub mod gil;
pub mod layout;
pub mod members;
pub mod mirror;
pub mod object;
pub mod statics;
pub mod vm;
