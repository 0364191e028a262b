//! str and bytes that a C extension creates and fills in place (PyUnicode_New +
//! PyUnicode_WRITE, PyBytes_FromStringAndSize(NULL, n) + PyBytes_AS_STRING,
//! _PyBytes_Resize), and the small str/bytes/int/tuple functions, as CPython 3.11 does.

mod common;

use common::*;

const TAG: &str = ".cpython-311-x86_64-linux-gnu.so";

#[test]
fn text_like_cpython() {
    let so = compile_fixture("ext_text");
    let dir = scratch("ext-ext_text");
    std::fs::copy(&so, dir.join(format!("ext_text{TAG}"))).unwrap();
    let script = repo().join("tests/scripts/use_ext_text.py");
    let script = script.to_str().unwrap();
    let env = [("PYTHONPATH", dir.to_str().unwrap())];
    let py = run_in(python(), &[script], &dir, &env);
    let dx = run_in(dx_py(), &["run", script], &dir, &env);
    assert_eq!(py.code, 0, "{}", py.stderr);
    assert!(py.stdout.lines().count() > 200, "{}", py.stdout);
    for (p, d) in py.stdout.lines().zip(dx.stdout.lines()) {
        assert_eq!(d, p, "{}", dx.stderr);
    }
    assert_eq!(dx.stdout, py.stdout, "{}", dx.stderr);
    assert_eq!(dx.code, 0, "{}", dx.stderr);
    // Leak check: the script prints how many proxies its calls left alive.
    assert_eq!(dx.stderr, "live proxies added: 0\n");
}
