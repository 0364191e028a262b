//! Hand-written C-API semantics, one module per spec file (`object.rs` holds what
//! `api-spec/cpython/object.yaml` marks `implemented`). Each function carries `#[capi]`,
//! which checks it against the spec; the generated export in `generated::exports` calls it.

pub mod abstract_;
pub mod boolobject;
pub mod bytesobject;
pub mod ceval;
pub mod complexobject;
pub mod dictobject;
pub mod floatobject;
pub mod import;
pub mod iterobject;
pub mod listobject;
pub mod longobject;
pub mod modsupport;
pub mod moduleobject;
pub mod object;
pub mod objimpl;
pub mod pybuffer;
pub mod pycapsule;
pub mod pycore_namespace;
pub mod pyerrors;
pub mod pymem;
pub mod pystate;
pub mod setobject;
pub mod sliceobject;
pub mod structmember;
pub mod tupleobject;
pub mod typeobject;
pub mod unicodeobject;
pub mod warnings;

/// A C string argument as text (invalid UTF-8 replaced), or None for NULL.
///
/// # Safety
/// `p` is NULL or a NUL-terminated string.
pub(crate) unsafe fn c_text(p: *const core::ffi::c_char) -> Option<String> {
    // SAFETY: see the function's contract.
    (!p.is_null()).then(|| unsafe { core::ffi::CStr::from_ptr(p) }.to_string_lossy().into_owned())
}
