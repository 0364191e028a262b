//! Virtual environments: `--venv DIR` or `$VIRTUAL_ENV` adds that environment's
//! `site-packages`, so users run with the wheels they already installed.

use std::path::{Path, PathBuf};

/// The `site-packages` directories of the selected environment (none when no
/// environment is selected).
pub fn site_packages(explicit: Option<&Path>) -> Result<Vec<String>, String> {
    let (dir, origin) = match explicit {
        Some(d) => (d.to_path_buf(), "--venv"),
        None => match std::env::var_os("VIRTUAL_ENV") {
            Some(d) if !d.is_empty() => (PathBuf::from(d), "VIRTUAL_ENV"),
            _ => return Ok(Vec::new()),
        },
    };
    let shown = dir.display();
    if !dir.is_dir() {
        return Err(format!("{origin} {shown}: no such directory"));
    }
    if !dir.join("pyvenv.cfg").is_file() {
        return Err(format!("{origin} {shown}: not a virtual environment (no pyvenv.cfg)"));
    }
    let lib = dir.join("lib");
    let mut found: Vec<PathBuf> = std::fs::read_dir(&lib)
        .map_err(|e| format!("{origin} {shown}: cannot read {}: {e}", lib.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("python3")))
        .map(|p| p.join("site-packages"))
        .filter(|p| p.is_dir())
        .collect();
    // An environment made by CPython 3.11 is the one whose wheels match our ABI.
    found.sort_by_key(|p| !p.to_string_lossy().contains("python3.11/"));
    if found.is_empty() {
        return Err(format!("{origin} {shown}: no lib/python3.*/site-packages inside"));
    }
    Ok(found.into_iter().map(|p| p.to_string_lossy().into_owned()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_what_is_not_a_venv() {
        let dir = std::env::temp_dir().join(format!("dxpy-notvenv-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let e = site_packages(Some(&dir)).unwrap_err();
        assert!(e.contains("not a virtual environment (no pyvenv.cfg)"), "{e}");
        std::fs::write(dir.join("pyvenv.cfg"), "home = /usr\n").unwrap();
        let e = site_packages(Some(&dir)).unwrap_err();
        assert!(e.contains("cannot read") || e.contains("no lib/python3"), "{e}");
        std::fs::create_dir_all(dir.join("lib/python3.11/site-packages")).unwrap();
        let sp = site_packages(Some(&dir)).unwrap();
        assert_eq!(sp, vec![dir.join("lib/python3.11/site-packages").to_string_lossy().into_owned()]);
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(site_packages(Some(&dir)).unwrap_err().contains("no such directory"));
    }
}
