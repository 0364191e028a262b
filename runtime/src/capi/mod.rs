//! Hand-written C-API semantics, one module per spec file (`object.rs` holds what
//! `api-spec/cpython/object.yaml` marks `implemented`). Each function carries `#[capi]`,
//! which checks it against the spec; the generated export in `generated::exports` calls it.

pub mod object;
pub mod pyerrors;
