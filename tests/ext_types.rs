//! C-defined types (`PyType_FromSpec*`, `PyType_Ready`) and multi-phase module init
//! (PEP 489): a fixture of our own (tests/fixtures/ext_types.c) and CPython's own
//! `xxlimited`, `xxlimited_35` and `_testmultiphase`, each compared with CPython 3.11.

mod common;

use common::*;

#[test]
fn types_and_multiphase_like_cpython() {
    let dx = same_output_as_cpython("ext_types", 75);
    // Leak check: the script prints how many proxies its calls left alive.
    assert_eq!(dx.stderr, "live proxies added: 0\n");
}

/// A scratch directory with CPython's `xxlimited`, `xxlimited_35` and `_testmultiphase`.
fn cpython_examples() -> std::path::PathBuf {
    let out = run(python(), &["-c", "import sysconfig; print(sysconfig.get_path('platstdlib'))"]);
    let dynload = std::path::PathBuf::from(out.stdout.trim()).join("lib-dynload");
    let dir = scratch("cpython-types");
    for name in ["xxlimited", "xxlimited_35", "_testmultiphase"] {
        let file = format!("{name}.cpython-311-x86_64-linux-gnu.so");
        std::fs::copy(dynload.join(&file), dir.join(&file)).unwrap_or_else(|e| panic!("{file}: {e}"));
    }
    dir
}

fn run_examples(extra: &[&str]) -> (Out, Out) {
    let dir = cpython_examples();
    let script = repo().join("tests/scripts/use_cpython_types.py");
    let script = script.to_str().unwrap();
    let env = [("PYTHONPATH", dir.to_str().unwrap())];
    let mut args = vec![script];
    args.extend(extra);
    let py = run_in(python(), &args, &dir, &env);
    let mut dx_args = vec!["run"];
    dx_args.extend(&args);
    let dx = run_in(dx_py(), &dx_args, &dir, &env);
    assert_eq!(py.code, 0, "{}", py.stderr);
    (py, dx)
}

#[test]
fn cpython_example_extensions_like_cpython() {
    let (py, dx) = run_examples(&[]);
    assert!(py.stdout.lines().count() > 50, "{}", py.stdout);
    for (p, d) in py.stdout.lines().zip(dx.stdout.lines()) {
        assert_eq!(d, p, "{}", dx.stderr);
    }
    assert_eq!(dx.stdout, py.stdout, "{}", dx.stderr);
    assert_eq!(dx.code, 0, "{}", dx.stderr);
}

/// The checks that need argument parsing (`PyArg_ParseTuple`, `_PyArg_UnpackKeywords`)
/// and dicts (`PyDict_*`, which `Xxo`/`Example` attributes and the non-module creators
/// use), compared strictly.
#[test]
fn cpython_examples_needing_getargs_and_dicts_like_cpython() {
    let (py, dx) = run_examples(&["pending"]);
    assert!(py.stdout.lines().count() > 5, "{}", py.stdout);
    for (p, d) in py.stdout.lines().zip(dx.stdout.lines()) {
        assert_eq!(d, p, "{}", dx.stderr);
    }
    assert_eq!(dx.stdout, py.stdout, "{}", dx.stderr);
}
