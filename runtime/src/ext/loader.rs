//! Loading an extension module the way CPython's `_imp.create_dynamic` does: checks of
//! the file (name tag, ELF, needed C-API), `dlopen` with the flags `sys.setdlopenflags`
//! set, then the module's `PyInit_<name>` (or `PyInitU_<punycode>`).

use std::ffi::c_int;
use std::fmt;
use std::path::Path;
use std::sync::atomic::{AtomicI32, Ordering};

use crate::bridge::errors::{self, Pending};
use crate::bridge::layout::PyObject;
use crate::ext::{abi, elf, punycode};
use crate::registry;

/// `sys.getdlopenflags()`; CPython's default on Linux is `RTLD_NOW`.
static DLOPEN_FLAGS: AtomicI32 = AtomicI32::new(libc::RTLD_NOW);

pub fn dlopen_flags() -> c_int {
    DLOPEN_FLAGS.load(Ordering::Relaxed)
}

pub fn set_dlopen_flags(flags: c_int) {
    DLOPEN_FLAGS.store(flags, Ordering::Relaxed);
}

/// Why an extension did not load. `Display` is the message the user sees.
#[derive(Debug)]
pub enum LoadError {
    /// The file cannot be an extension DX-Py loads (name tag, ELF class, architecture,
    /// libpython version, unreadable or truncated file): an `ImportError`.
    Incompatible(String),
    /// It imports symbols that are not CPython 3.11's C-API (a newer CPython's, say).
    UnknownSymbols { path: String, names: Vec<String> },
    /// `dlopen` failed.
    Dlopen(String),
    /// No `PyInit_<name>`: CPython's message, an `ImportError`.
    NoInitFunction { symbol: String },
    /// `PyInit_<name>` failed and set an exception (re-raised as it is).
    InitRaised(Pending),
    /// `PyInit_<name>` returned NULL without setting an exception: a `SystemError`.
    InitFailedSilently { name: String },
    /// `PyInit_<name>` returned a result with an exception set: a `SystemError` (CPython
    /// 3.11 discards the exception; 3.12 chains it).
    InitUnreported { name: String },
    /// Any other `SystemError` CPython raises while loading, with its message.
    System(String),
    /// Multi-phase creation (PEP 489) raised this exception.
    Raised(rustpython_vm::builtins::PyBaseExceptionRef),
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::Incompatible(msg) | LoadError::Dlopen(msg) => f.write_str(msg),
            LoadError::UnknownSymbols { path, names } => write!(
                f,
                "{path} needs C-API symbols that CPython 3.11 does not export, so no 3.11 runtime can load it: {}",
                names.join(", ")
            ),
            LoadError::NoInitFunction { symbol } => {
                write!(f, "dynamic module does not define module export function ({symbol})")
            }
            LoadError::InitRaised(p) => write!(f, "{}: {}", p.type_name(), p.message),
            LoadError::InitFailedSilently { name } => {
                write!(f, "initialization of {name} failed without raising an exception")
            }
            LoadError::InitUnreported { name } => write!(f, "initialization of {name} raised unreported exception"),
            LoadError::System(msg) => f.write_str(msg),
            LoadError::Raised(_) => f.write_str("module creation raised an exception"),
        }
    }
}

/// The entry point CPython looks up for module `name` (the last dotted component).
pub fn init_symbol(name: &str) -> String {
    let short = name.rsplit('.').next().unwrap_or(name);
    if short.is_ascii() {
        format!("PyInit_{short}")
    } else {
        // PEP 489: non-ASCII names use punycode with `-` replaced by `_`.
        let encoded = punycode::encode(short).unwrap_or_default();
        format!("PyInitU_{}", encoded.replace('-', "_"))
    }
}

/// Checks `path` without loading it: what importing it would fail on, if anything.
pub fn check(path: &Path) -> Result<elf::ElfInfo, LoadError> {
    let shown = path.display();
    let file_name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    if let Some(parsed) = abi::parse_file_name(file_name) {
        abi::check_tag(&parsed.tag).map_err(|e| LoadError::Incompatible(format!("{shown}: {e}")))?;
    }
    let info = elf::inspect(path).map_err(|e| LoadError::Incompatible(format!("{shown}: {e}")))?;
    elf::check(path, &info).map_err(|e| LoadError::Incompatible(format!("{shown}: {e}")))?;
    let unknown: Vec<String> = info.imports.iter().filter(|s| registry::index_of(s).is_none()).cloned().collect();
    if !unknown.is_empty() {
        return Err(LoadError::UnknownSymbols { path: shown.to_string(), names: unknown });
    }
    Ok(info)
}

/// Loads the extension module `name` from `path` and runs its init function. A
/// multi-phase module (PEP 489: the init function returned its `PyModuleDef`) is created
/// from `spec`; its exec slots run later (`exec_module`, see `moduleobject::exec_def`).
pub fn load(
    vm: &rustpython_vm::VirtualMachine,
    name: &str,
    path: &Path,
    spec: Option<&rustpython_vm::PyObjectRef>,
) -> Result<*mut PyObject, LoadError> {
    check(path)?;
    let file = path.to_string_lossy().into_owned();
    match crate::capi::moduleobject::reuse_single_phase(vm, &file, name) {
        Ok(Some(module)) => return Ok(crate::bridge::object::to_c(vm, &module)),
        Ok(None) => {}
        Err(e) => return Err(LoadError::Raised(e)),
    }
    // SAFETY: loading a shared object runs its constructors; that is what importing an
    // extension means, and the file passed the checks above.
    let lib = unsafe { libloading::os::unix::Library::open(Some(path), dlopen_flags()) }
        .map_err(|e| LoadError::Dlopen(format!("{}: {e}", path.display())))?;
    let symbol = init_symbol(name);
    type InitFn = unsafe extern "C" fn() -> *mut PyObject;
    // SAFETY: `PyInit_*` has this signature by the C-API's definition (PEP 3121/489).
    let init = match unsafe { lib.get::<InitFn>(symbol.as_bytes()) } {
        Ok(f) => *f,
        Err(_) => return Err(LoadError::NoInitFunction { symbol }),
    };
    // CPython never unloads extension modules: their code and static objects must
    // outlive every object they create.
    std::mem::forget(lib);
    errors::clear();
    // SAFETY: calling the module's init function is the loading protocol.
    let module = crate::bridge::vm::enter(vm, || {
        crate::missing::calling_extension(&path.to_string_lossy(), || unsafe { init() })
    });
    let short = name.rsplit('.').next().unwrap_or(name).to_string();
    if module.is_null() {
        return Err(match errors::take() {
            Some(p) => LoadError::InitRaised(p),
            None => LoadError::InitFailedSilently { name: short },
        });
    }
    if errors::take().is_some() {
        return Err(LoadError::InitUnreported { name: short });
    }
    // SAFETY: a non-NULL result is a live object (or a definition C forgot to initialise,
    // whose type is NULL).
    let ty = unsafe { (*module).ob_type };
    if ty.is_null() {
        return Err(LoadError::System(format!("init function of {short} returned uninitialized object")));
    }
    if ty == crate::bridge::statics::address("PyModuleDef_Type").unwrap_or_default().cast() {
        let Some(spec) = spec else {
            return Err(LoadError::System(format!("{name}: multi-phase initialisation needs a module spec")));
        };
        let spec = crate::bridge::object::to_c(vm, spec);
        // SAFETY: the init function returned its (initialised) definition; `spec` is live.
        let created = unsafe { crate::capi::moduleobject::from_def_and_spec(vm, module.cast(), spec) };
        // SAFETY: releases the reference `to_c` gave.
        unsafe { crate::capi::object::Py_DecRef(spec) };
        return created.map_err(LoadError::Raised);
    }
    if !short.is_ascii() {
        // SAFETY: the module's reference, not used afterwards.
        unsafe { crate::capi::object::Py_DecRef(module) };
        return Err(LoadError::System(format!("Module {short}: legacy init for non-ASCII module names not allowed")));
    }
    let Some(def) = crate::capi::moduleobject::def_of(module) else {
        // SAFETY: as above.
        unsafe { crate::capi::object::Py_DecRef(module) };
        return Err(LoadError::System(format!("initialization of {short} did not return an extension module")));
    };
    // SAFETY: a live module and the definition it was made from.
    unsafe {
        crate::capi::moduleobject::remember_single_phase(module, def);
        if let Err(e) = crate::capi::moduleobject::fixup_single_phase(vm, module, def, &file, name) {
            crate::capi::object::Py_DecRef(module);
            return Err(LoadError::Raised(e));
        }
    }
    Ok(module)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn init_symbols_follow_pep_489() {
        assert_eq!(init_symbol("pkg.sub._speedups"), "PyInit__speedups");
        assert_eq!(init_symbol("bücher"), "PyInitU_bcher_kva");
        assert_eq!(init_symbol("日本語"), "PyInitU_wgv71a119e");
    }
}
