//! The error path of every C-API function DX-Py does not implement yet: the generated
//! stub calls `called`, which sets a `SystemError` naming the function, its header, its
//! priority and the extension that called it. The stub then returns the spec's error
//! value, so the extension reports the failure like any other C-API error.

use core::ffi::{CStr, c_int, c_void};
use std::cell::RefCell;

use dxpy_codegen::spec::Status;

use crate::bridge::errors;
use crate::generated::registry::ROWS;

unsafe extern "C" {
    /// glibc's `backtrace(3)`: return addresses of the current call stack.
    fn backtrace(buffer: *mut *mut c_void, size: c_int) -> c_int;
}

/// The message for a call of the unimplemented function in row `idx`.
pub fn message(idx: usize, caller: Option<&str>) -> String {
    let row = &ROWS[idx];
    let what = match row.status {
        Status::Unsupported => "is not supported by DX-Py",
        _ => "is not implemented in DX-Py yet",
    };
    let by = caller.map(|c| format!(", called by {c}")).unwrap_or_default();
    format!(
        "C-API function {}() {what} (declared in {}, {} priority; spec entry in {}){by}",
        row.name,
        row.header,
        row.priority.as_str(),
        row.spec_file
    )
}

thread_local! {
    /// The extension DX-Py is running code of on this thread (set around calls into it),
    /// for when the stack does not show it: a C function that ends in a tail call to the
    /// C-API (`return PyModuleDef_Init(&def);`) has left the stack before the stub runs.
    static CURRENT_EXTENSION: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Runs `f`, a call into the extension at `path`, with that extension as the caller
/// stub errors name when the stack does not.
pub fn calling_extension<R>(path: &str, f: impl FnOnce() -> R) -> R {
    let outer = CURRENT_EXTENSION.with(|c| c.replace(Some(path.to_string())));
    let result = f();
    CURRENT_EXTENSION.with(|c| *c.borrow_mut() = outer);
    result
}

/// How many times any stub has been called (see [`calls`]).
static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// How many times stubs have been called so far: a change across an import tells that
/// the import failed on a C-API function DX-Py lacks (the import system then raises an
/// `ImportError`, so a package's pure-Python fallback takes over).
pub fn calls() -> usize {
    CALLS.load(std::sync::atomic::Ordering::Relaxed)
}

/// Called by a generated stub.
#[cold]
pub fn called(idx: usize) {
    CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let caller = caller_object().or_else(|| CURRENT_EXTENSION.with(|c| c.borrow().clone()));
    errors::set_system_error(message(idx, caller.as_deref()));
}

/// The shared object (extension module) of the nearest caller outside DX-Py's own binary,
/// found from the return addresses on the stack.
fn caller_object() -> Option<String> {
    let mut frames = [core::ptr::null_mut::<c_void>(); 32];
    // SAFETY: `frames` has room for the 32 entries we allow `backtrace` to write.
    let n = unsafe { backtrace(frames.as_mut_ptr(), frames.len() as c_int) };
    let own = object_of(caller_object as *const c_void)?;
    // The innermost frames are DX-Py's own (this function, the stub); the next one is
    // whoever called the stub. When that is the C library, no extension called us.
    let caller = frames[..n.max(0) as usize].iter().filter_map(|&pc| object_of(pc)).find(|obj| *obj != own)?;
    let file = caller.rsplit('/').next().unwrap_or(&caller);
    let system = ["libc.so", "ld-linux", "libpthread.so", "libdl.so", "libgcc_s.so"];
    (!system.iter().any(|s| file.starts_with(s))).then_some(caller)
}

fn object_of(addr: *const c_void) -> Option<String> {
    // SAFETY: `dladdr` only reads the loader's tables; `info` is plain data it fills.
    unsafe {
        let mut info: libc::Dl_info = core::mem::zeroed();
        if libc::dladdr(addr, &mut info) == 0 || info.dli_fname.is_null() {
            return None;
        }
        Some(CStr::from_ptr(info.dli_fname).to_string_lossy().into_owned())
    }
}
