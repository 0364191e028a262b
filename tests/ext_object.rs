//! The object and abstract protocols (object.h, abstract.h, import.h) called from a C
//! extension: attributes, text, truth, hashing, comparison, types, iteration, items,
//! sizes, calls, numbers, sequences and imports, with their errors, as CPython 3.11 does.

mod common;

use common::*;

const TAG: &str = ".cpython-311-x86_64-linux-gnu.so";

#[test]
fn object_protocol_like_cpython() {
    let so = compile_fixture("ext_object");
    let dir = scratch("ext-ext_object");
    std::fs::copy(&so, dir.join(format!("ext_object{TAG}"))).unwrap();
    let script = repo().join("tests/scripts/use_ext_object.py");
    let script = script.to_str().unwrap();
    let env = [("PYTHONPATH", dir.to_str().unwrap())];
    let py = run_in(python(), &[script], &dir, &env);
    let dx = run_in(dx_py(), &["run", script], &dir, &env);
    assert_eq!(py.code, 0, "{}", py.stderr);
    assert!(py.stdout.lines().count() > 400, "{}", py.stdout);
    for (p, d) in py.stdout.lines().zip(dx.stdout.lines()) {
        assert_eq!(d, p, "{}", dx.stderr);
    }
    assert_eq!(dx.stdout, py.stdout, "{}", dx.stderr);
    assert_eq!(dx.code, 0, "{}", dx.stderr);
    // Leak check: the script prints how many proxies its calls left alive.
    assert_eq!(dx.stderr, "live proxies added: 0\n");
}
