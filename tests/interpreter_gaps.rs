//! Workarounds for interpreter gaps (runtime/src/host/interpreter_gaps.py): code RustPython
//! 0.5 cannot compile as written runs as under CPython 3.11.

mod common;

use common::*;

/// `finally:` blocks with comprehensions after a `return` in the `try:` (in a script, in
/// `compile()`d source, in a generator and a method), and f-string ASTs with plain
/// expressions as values, as CPython runs them.
#[test]
fn worked_around_gaps_like_cpython() {
    let dir = scratch("interpreter-gaps");
    let script = repo().join("tests/scripts/use_interpreter_gaps.py");
    let script = script.to_str().unwrap();
    let py = run_in(python(), &[script], &dir, &[]);
    let dx = run_in(dx_py(), &["run", script], &dir, &[]);
    assert_eq!(py.code, 0, "{}", py.stderr);
    assert!(py.stdout.lines().count() >= 10, "{}", py.stdout);
    assert_eq!(dx.stdout, py.stdout, "{}", dx.stderr);
    // `-c` and modules compiled by the import system take the same path.
    let code = "def f(a):\n    try:\n        return 1\n    finally:\n        n = [t for t in a]\nprint(f([2]))\n";
    let dx = run(dx_py(), &["-c", code]);
    assert_eq!((dx.code, dx.stdout.as_str()), (0, "1\n"), "{}", dx.stderr);
}

/// Expected to fail until the interpreter compiles it: a `finally:` body that itself
/// returns cannot move into a helper, so the interpreter's error stands, and it is clear.
#[test]
fn return_inside_finally_is_still_a_clear_syntax_error() {
    let code = "def f(a):\n    try:\n        return 1\n    finally:\n        return [t for t in a]\n";
    let dx = run(dx_py(), &["-c", code]);
    assert_ne!(dx.code, 0);
    assert!(dx.stderr.contains("SyntaxError: no symbol table available in f"), "{}", dx.stderr);
}
