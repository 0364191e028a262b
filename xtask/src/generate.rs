//! `cargo xtask gen [--check]`: regenerate `runtime/src/generated/` from `api-spec/`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use dxpy_codegen::Spec;

#[derive(clap::Args)]
pub struct Args {
    /// Do not write; fail if the committed output differs from what the spec generates.
    #[arg(long)]
    check: bool,
}

pub fn run(args: Args) -> Result<(), String> {
    let root = crate::repo_root();
    let spec = load(&root.join("api-spec"))?;
    let files = dxpy_codegen::emit::generate(&spec);
    let out = root.join("runtime/src/generated");
    let stale = differences(&out, &files);
    if args.check {
        if stale.is_empty() {
            println!("runtime/src/generated/ is up to date ({} files)", files.len());
            return Ok(());
        }
        return Err(format!("runtime/src/generated/ is stale; run `cargo xtask gen`. Differs: {}", stale.join(", ")));
    }
    for rel in existing(&out) {
        if !files.contains_key(&rel) {
            std::fs::remove_file(out.join(&rel)).map_err(|e| format!("{rel}: {e}"))?;
        }
    }
    for (rel, text) in &files {
        let path = out.join(rel);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
        }
    }
    println!(
        "generated {} files from {} functions and {} data symbols ({} changed)",
        files.len(),
        spec.functions().count(),
        spec.data().count(),
        stale.len()
    );
    Ok(())
}

pub fn load(dir: &Path) -> Result<Spec, String> {
    Spec::load_dir(dir).map_err(|errs| errs.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n"))
}

/// Files under `out` that would change: written differently, missing, or left over.
fn differences(out: &Path, files: &BTreeMap<String, String>) -> Vec<String> {
    let mut stale: Vec<String> = files
        .iter()
        .filter(|(rel, text)| std::fs::read_to_string(out.join(rel)).ok().as_deref() != Some(text.as_str()))
        .map(|(rel, _)| rel.clone())
        .collect();
    stale.extend(existing(out).into_iter().filter(|rel| !files.contains_key(rel)));
    stale
}

/// Generated files currently on disk, relative to `out`.
fn existing(out: &Path) -> Vec<String> {
    fn walk(dir: &Path, base: &Path, acc: &mut Vec<String>) {
        let Ok(rd) = std::fs::read_dir(dir) else { return };
        for e in rd.flatten() {
            let p: PathBuf = e.path();
            if p.is_dir() {
                walk(&p, base, acc);
            } else if let Ok(rel) = p.strip_prefix(base) {
                acc.push(rel.to_string_lossy().into_owned());
            }
        }
    }
    let mut acc = Vec::new();
    walk(out, out, &mut acc);
    acc.sort();
    acc
}
