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

/// C-API functions other work adds: argument parsing (`PyArg_ParseTuple`,
/// `_PyArg_UnpackKeywords`) and dicts (`PyDict_*`, which `Xxo`/`Example` attributes and
/// the non-module creators use).
const PENDING_APIS: [&str; 3] = ["PyArg_ParseTuple()", "_PyArg_UnpackKeywords()", "PyDict_"];

/// Expected to fail until those land: the checks that need them, compared strictly.
#[test]
#[ignore = "needs PyArg_ParseTuple/_PyArg_UnpackKeywords (getargs) and PyDict_* (dict layouts)"]
fn cpython_examples_needing_getargs_and_dicts_like_cpython() {
    let (py, dx) = run_examples(&["pending"]);
    assert_eq!(dx.stdout, py.stdout, "{}", dx.stderr);
}

/// What those checks do today: every difference from CPython is one of the missing
/// functions' "not implemented" errors, or the value a failed call did not store.
#[test]
fn cpython_examples_needing_getargs_and_dicts_fail_only_on_those() {
    let (py, dx) = run_examples(&["pending"]);
    assert_eq!(dx.code, 0, "{}", dx.stderr);
    let (mut missing, mut differing) = (0, 0);
    for (p, d) in py.stdout.lines().zip(dx.stdout.lines()) {
        if p == d {
            continue;
        }
        differing += 1;
        if d.contains("is not implemented in DX-Py yet") {
            assert!(PENDING_APIS.iter().any(|api| d.contains(&format!("C-API function {api}"))), "{d}");
            missing += 1;
        } else {
            // Reading back what a failed PyDict_SetItem/keyword call did not store.
            let label = d.split(" -> ").next().unwrap_or(d).split(" = ").next().unwrap_or(d);
            assert!(["getattr set", "Example getattr", "get_count after"].contains(&label), "{p}\n{d}");
        }
    }
    assert_eq!(py.stdout.lines().count(), dx.stdout.lines().count(), "{}", dx.stdout);
    // Once nothing is missing, the strict test above replaces this one.
    assert!(missing > 0 && differing >= missing, "{}", dx.stdout);
}
