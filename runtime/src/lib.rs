//! DX-Py: a Python runtime on RustPython that runs CPython 3.11 C extensions.
//!
//! `host` drives the embedded interpreter; `bridge` holds CPython's memory layouts and
//! the exported objects; `capi` the hand-written C-API semantics; `generated` the code
//! `cargo xtask gen` derives from `api-spec/` (exports, data symbols, the coverage
//! registry); `missing` the error path of what is not implemented.

pub mod bridge;
pub mod capi;
pub mod ext;
// Generated code is checked byte for byte against the generator; rustfmt must not touch it.
#[rustfmt::skip]
pub mod generated;
pub mod host;
pub mod missing;
pub mod registry;
