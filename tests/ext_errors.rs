//! The error indicator and exception objects across the C boundary (pyerrors.h): a C
//! extension sets, fetches, restores, normalizes, matches and chains errors, and makes
//! exception classes; CPython 3.11 and DX-Py must print the same.

mod common;

use common::*;

#[test]
fn errors_like_cpython() {
    let so = compile_fixture("ext_errors");
    let dir = scratch("ext-errors");
    std::fs::copy(&so, dir.join("ext_errors.cpython-311-x86_64-linux-gnu.so")).unwrap();
    let script = repo().join("tests/scripts/use_ext_errors.py");
    let script = script.to_str().unwrap();
    let env = [("PYTHONPATH", dir.to_str().unwrap())];
    let py = run_in(python(), &[script], &dir, &env);
    let dx = run_in(dx_py(), &["run", script], &dir, &env);
    assert_eq!(py.code, 0, "{}", py.stderr);
    assert!(py.stdout.lines().count() > 80, "{}", py.stdout);
    assert_eq!(dx.code, 0, "{}", dx.stderr);
    for (p, d) in py.stdout.lines().zip(dx.stdout.lines()) {
        assert_eq!(d, p);
    }
    assert_eq!(dx.stdout, py.stdout);
    // Under DX-Py the script also checks that repeating every call leaves no proxy behind.
    assert_eq!(dx.stderr, "live proxies added: 0\n");
}
