//! `dx-py check-ext TARGET...`: for each extension module in a `.so`, a wheel or a
//! directory (`site-packages`), whether DX-Py can load it: its ABI, and the C-API
//! functions it needs that DX-Py implements, stubs, or does not know.

use std::path::PathBuf;
use std::process::ExitCode;

use dxpy_codegen::extscan::{self, ExtImports};
use dxpy_codegen::report::{ExtReport, ext_reports};
use serde::Serialize;

use crate::ext::{abi, elf};
use crate::registry;

/// One extension's verdict.
#[derive(Debug, Serialize)]
pub struct Verdict {
    pub name: String,
    /// `None` when the file is one DX-Py can load; otherwise why not.
    pub abi_problem: Option<String>,
    pub required: usize,
    pub implemented: Vec<String>,
    pub stubbed: Vec<String>,
    pub missing: Vec<String>,
    /// `ok`, `fails: ...`.
    pub outcome: String,
}

/// Checks every extension under `targets`.
pub fn check(targets: &[PathBuf]) -> Result<Vec<Verdict>, String> {
    let items = registry::items();
    let mut verdicts = Vec::new();
    for target in targets {
        for file in extscan::collect(target)? {
            let member = file.name.rsplit(['/', '!']).next().unwrap_or(&file.name);
            let tag_problem =
                abi::parse_file_name(member).and_then(|n| abi::check_tag(&n.tag).err()).map(|e| e.to_string());
            let info = elf::inspect_bytes(&file.data);
            let elf_problem = match &info {
                Ok(i) => elf::check(std::path::Path::new(member), i).err().map(|e| e.to_string()),
                Err(e) => Some(e.to_string()),
            };
            let symbols = info.map(|i| i.imports).unwrap_or_default();
            let report = ext_reports(&[ExtImports { name: file.name.clone(), symbols }], &items).remove(0);
            verdicts.push(verdict(report, tag_problem.or(elf_problem)));
        }
    }
    Ok(verdicts)
}

fn verdict(r: ExtReport, abi_problem: Option<String>) -> Verdict {
    let outcome = if let Some(p) = &abi_problem {
        format!("fails: cannot load ({p})")
    } else if !r.missing.is_empty() {
        format!("fails: needs {} symbol(s) CPython 3.11 does not export", r.missing.len())
    } else if !r.stubbed.is_empty() {
        format!("fails when it uses any of {} C-API entries DX-Py does not implement yet", r.stubbed.len())
    } else {
        "ok".into()
    };
    Verdict {
        name: r.name,
        abi_problem,
        required: r.required.len(),
        implemented: r.implemented,
        stubbed: r.stubbed,
        missing: r.missing,
        outcome,
    }
}

/// The command: text or `--json` on stdout. Exit 0 when every extension is ok, 1 when
/// some will fail, 2 when a target cannot be read.
pub fn run(targets: &[PathBuf], json: bool) -> ExitCode {
    let verdicts = match check(targets) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("dx-py check-ext: {e}");
            return ExitCode::from(2);
        }
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&verdicts).expect("verdicts serialise"));
    } else {
        for v in &verdicts {
            println!("{}", v.name);
            println!("  ABI: {}", v.abi_problem.as_deref().unwrap_or("ok (CPython 3.11, x86-64)"));
            println!(
                "  C-API: {} required: {} implemented, {} stub, {} unknown",
                v.required,
                v.implemented.len(),
                v.stubbed.len(),
                v.missing.len()
            );
            if !v.missing.is_empty() {
                println!("  unknown to CPython 3.11: {}", v.missing.join(", "));
            }
            if !v.stubbed.is_empty() {
                println!("  not implemented yet: {}", v.stubbed.join(", "));
            }
            println!("  verdict: {}", v.outcome);
        }
        if verdicts.is_empty() {
            println!("no extension modules found");
        }
    }
    if verdicts.iter().all(|v| v.outcome == "ok") { ExitCode::SUCCESS } else { ExitCode::from(1) }
}
