//! Which C-API symbols an extension module needs: the undefined `Py*`/`_Py*` symbols in
//! the dynamic symbol table of a `.so`, found in a file, inside a wheel, or under a
//! directory (`site-packages`).

use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};

use object::{Object, ObjectSymbol};

/// One extension module and the C-API symbols it imports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtImports {
    /// `path/to/x.so`, or `wheel.whl!pkg/x.so` for a member of a wheel.
    pub name: String,
    /// Undefined dynamic symbols that belong to the Python C-API (sorted).
    pub symbols: BTreeSet<String>,
}

/// Whether a symbol name belongs to the C-API namespace (as opposed to libc's).
pub fn is_capi_symbol(name: &str) -> bool {
    name.starts_with("Py") || name.starts_with("_Py")
}

/// The undefined C-API symbols of an ELF shared object held in `data`.
pub fn imports_of_elf(data: &[u8]) -> Result<BTreeSet<String>, String> {
    let file = object::File::parse(data).map_err(|e| format!("not a readable ELF file: {e}"))?;
    let mut out = BTreeSet::new();
    for sym in file.dynamic_symbols() {
        if sym.is_undefined()
            && let Ok(name) = sym.name()
            && is_capi_symbol(name)
        {
            out.insert(name.to_string());
        }
    }
    Ok(out)
}

fn is_extension_name(name: &str) -> bool {
    name.ends_with(".so")
}

/// An extension module's file: `path/x.so`, or `wheel.whl!pkg/x.so` for a wheel member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtFile {
    pub name: String,
    pub data: Vec<u8>,
}

/// The extension files of `target`: a `.so`, a `.whl`, or a directory searched
/// recursively for both. Sorted by name so reports are stable.
pub fn collect(target: &Path) -> Result<Vec<ExtFile>, String> {
    let mut out = Vec::new();
    collect_into(target, &mut out)?;
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// The C-API imports of every extension file of `target` (see [`collect`]).
pub fn scan(target: &Path) -> Result<Vec<ExtImports>, String> {
    collect(target)?
        .into_iter()
        .map(|f| {
            let symbols = imports_of_elf(&f.data).map_err(|e| format!("{}: {e}", f.name))?;
            Ok(ExtImports { name: f.name, symbols })
        })
        .collect()
}

fn collect_into(target: &Path, out: &mut Vec<ExtFile>) -> Result<(), String> {
    let shown = target.display();
    if target.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(target)
            .map_err(|e| format!("{shown}: {e}"))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        entries.sort();
        for p in entries {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if p.is_dir() || is_extension_name(name) || name.ends_with(".whl") {
                collect_into(&p, out)?;
            }
        }
        return Ok(());
    }
    let name = target.file_name().and_then(|n| n.to_str()).unwrap_or("");
    if name.ends_with(".whl") {
        return collect_wheel(target, out);
    }
    let data = std::fs::read(target).map_err(|e| format!("{shown}: {e}"))?;
    out.push(ExtFile { name: shown.to_string(), data });
    Ok(())
}

fn collect_wheel(path: &Path, out: &mut Vec<ExtFile>) -> Result<(), String> {
    let shown = path.display();
    let file = std::fs::File::open(path).map_err(|e| format!("{shown}: {e}"))?;
    let mut zip = zip::ZipArchive::new(file).map_err(|e| format!("{shown}: not a wheel (zip): {e}"))?;
    for i in 0..zip.len() {
        let mut member = zip.by_index(i).map_err(|e| format!("{shown}: {e}"))?;
        let mname = member.name().map_err(|e| format!("{shown}: {e}"))?.to_string();
        if !is_extension_name(&mname) {
            continue;
        }
        let mut data = Vec::new();
        member.read_to_end(&mut data).map_err(|e| format!("{shown}!{mname}: {e}"))?;
        out.push(ExtFile { name: format!("{shown}!{mname}"), data });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_elf_is_an_error_naming_the_file() {
        let dir = std::env::temp_dir().join(format!("dxpy-extscan-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let bad = dir.join("bad.so");
        std::fs::write(&bad, b"definitely not ELF").unwrap();
        let err = scan(&bad).unwrap_err();
        assert!(err.contains("bad.so") && err.contains("not a readable ELF"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn capi_namespace() {
        assert!(is_capi_symbol("PyList_New"));
        assert!(is_capi_symbol("_Py_NoneStruct"));
        assert!(!is_capi_symbol("malloc"));
    }
}
