//! Extension modules: which files are extension modules, whether DX-Py can load them.
//!
//! `abi` holds the file-name rules (CPython's `EXTENSION_SUFFIXES` and the ABI tags in
//! names such as `foo.cpython-311-x86_64-linux-gnu.so`); `elf` reads a shared object's
//! header, exports and imports without loading it, so a wheel built for another Python,
//! another machine or linked against another `libpython` is refused with a message that
//! says why, instead of crashing inside `dlopen` or the module's init function.

pub mod abi;
pub mod elf;
pub mod loader;
pub mod punycode;
