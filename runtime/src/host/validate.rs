//! `dx-py validate DIR`: a project's tests under DX-Py and CPython 3.11, compared (the
//! `validator` crate does the work).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Runs the comparison and prints the matrix (Markdown, or JSON with `json`). Exit 1
/// when `previous` is given and a test that passed there fails now; 2 on bad input.
pub fn run(dir: &Path, python: &Path, venv: Option<PathBuf>, json: bool, previous: Option<&Path>) -> ExitCode {
    let dx_py = match std::env::current_exe() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("dx-py validate: cannot find the dx-py binary: {e}");
            return ExitCode::from(2);
        }
    };
    let opts = validator::Options { venv, ..Default::default() };
    let report = match validator::validate_dir(dir, &dx_py, python, &opts) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("dx-py validate: {e}");
            return ExitCode::from(2);
        }
    };
    for note in &report.notes {
        eprintln!("note: {note}");
    }
    println!("{}", if json { report.matrix.to_json() } else { report.matrix.to_markdown() });
    let Some(previous) = previous else { return ExitCode::SUCCESS };
    let prev = match std::fs::read_to_string(previous)
        .map_err(|e| e.to_string())
        .and_then(|text| validator::matrix::Matrix::from_json(&text))
    {
        Ok(m) => m,
        Err(e) => {
            eprintln!("dx-py validate: {}: {e}", previous.display());
            return ExitCode::from(2);
        }
    };
    let regressions = validator::regress::compare(&prev, &report.matrix);
    eprint!("{}", regressions.render());
    if regressions.has_regressions() { ExitCode::from(1) } else { ExitCode::SUCCESS }
}
