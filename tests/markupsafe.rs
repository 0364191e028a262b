//! A real wheel nobody here wrote: MarkupSafe 2.1.5's C speedups, installed from PyPI
//! into a CPython 3.11 venv, run under CPython and under DX-Py (`--venv`).

mod common;

use common::*;

#[test]
fn markupsafe_speedups_like_cpython() {
    let venv = venv_with("markupsafe==2.1.5", "markupsafe._speedups");
    let py = venv.join("bin/python");
    let py = py.to_str().unwrap();
    let script = repo().join("tests/scripts/use_markupsafe.py");
    let script = script.to_str().unwrap();
    let cpython = run(py, &[script]);
    assert_eq!(cpython.code, 0, "{}", cpython.stderr);
    assert!(cpython.stdout.starts_with("speedups active: True\n"));
    let dx = run(dx_py(), &["--venv", venv.to_str().unwrap(), "run", script]);
    assert_eq!(dx.stderr, "");
    assert_eq!(dx.stdout, cpython.stdout);
}
