//! The C-API spec (`api-spec/`) and everything derived from it.
//!
//! `spec` is the model, `load` reads and checks it, `write` writes it back in the
//! canonical form, `emit` turns it into the runtime's generated Rust code, and `report`
//! computes and renders coverage. The proc-macros and `xtask` both build on this crate, so
//! a fact about an API function is read from one place.

pub mod ctype;
pub mod emit;
pub mod extscan;
pub mod load;
pub mod registry;
pub mod report;
pub mod spec;
pub mod write;

pub use load::{LoadedHeader, LoadedNumpy, Spec, SpecError};
