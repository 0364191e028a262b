//! `validate_dir` end to end on `tests/sample_project/` with the real `dx-py` binary and
//! CPython 3.11.

use std::path::{Path, PathBuf};
use std::time::Duration;

use validator::model::Outcome;

fn dx_py() -> PathBuf {
    let p = std::env::var_os("DXPY_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/debug/dx-py"));
    assert!(
        p.exists(),
        "the dx-py binary is needed at {} (build it with `cargo build -p dx-py`, or set DXPY_BIN)",
        p.display()
    );
    p
}

#[test]
fn validate_sample_project() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sample_project");
    let opts = validator::Options {
        file_timeout: Duration::from_secs(120),
        progress: true,
        version: Some("1".into()),
        ..Default::default()
    };
    let report = validator::validate_dir(&dir, &dx_py(), Path::new("python3.11"), &opts).unwrap();
    eprintln!("{}", report.matrix.to_markdown());
    eprintln!("notes: {:#?}", report.notes);
    let m = &report.matrix;
    let f = &m.frameworks[0];
    assert_eq!(f.framework, "sample_project");
    // CPython: 19 tests in 4 files (unittest or pytest ids agree).
    assert_eq!(f.collected, 19, "{:#?}", report.comparison);
    assert_eq!(f.cpython.collected, 19);
    assert_eq!(f.cpython.not_collected, 0);
    let cp = |id: &str| report.comparison.tests.iter().find(|t| t.id.as_str() == id).unwrap().cpython;
    assert_eq!(cp("test_basic.Arithmetic.test_add"), Some(Outcome::Passed));
    assert_eq!(cp("test_basic.Arithmetic.test_skipped"), Some(Outcome::Skipped));
    assert!(matches!(cp("test_basic.Arithmetic.test_wrong"), Some(Outcome::Failed)));
    // DX-Py ran every test CPython ran and reported each once.
    assert_eq!(f.dxpy.not_collected, 0);
    assert_eq!(f.dxpy.sum(), f.collected);
    assert_eq!(f.cpython_passed, 13, "{f:#?}");
    // The comprehension-in-`finally` tests pass through DX-Py's compile workaround; the
    // audit-hook test fails, classified as an interpreter gap with its signature.
    assert_eq!(f.both_passed, 12, "{:#?}", report.comparison);
    let gaps: Vec<_> = report.comparison.tests.iter().filter(|t| t.is_dxpy_failure()).collect();
    assert_eq!(gaps.len(), 1, "{gaps:#?}");
    let c = gaps[0].classification.as_ref().unwrap();
    assert_eq!(c.category, validator::classify::Category::InterpreterGap, "{gaps:#?}");
    assert!(c.signature.contains("addaudithook"), "{gaps:#?}");
    let top = &report.matrix.top_signatures[0];
    assert_eq!(top.count, 1, "{:#?}", report.matrix.top_signatures);
    // The failing tests CPython also fails are not counted against DX-Py.
    let wrong = report.comparison.tests.iter().find(|t| t.id.as_str().ends_with("test_wrong")).unwrap();
    assert!(wrong.classification.is_none());
    // Features from features.yaml.
    let feats: Vec<&str> = f.features.iter().map(|x| x.feature.as_str()).collect();
    assert_eq!(feats, ["arithmetic", "strings", "stdlib", "syntax"]);
}

#[test]
fn crash_and_timeout_keep_other_results() {
    // A project whose second test file kills the interpreter under both runtimes and
    // whose third hangs: the first file's results survive, the crash is marked.
    let dir = std::env::temp_dir().join(format!("dxpy-validate-crash-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("test_a.py"),
        "import unittest\nclass A(unittest.TestCase):\n    def test_one(self): pass\n    def test_two(self): pass\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("test_b.py"),
        "import os, unittest\nclass B(unittest.TestCase):\n    def test_1_ok(self): pass\n    def test_2_die(self): os.kill(os.getpid(), 9)\n    def test_3_after(self): pass\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("test_c.py"),
        "import time, unittest\nclass C(unittest.TestCase):\n    def test_hang(self): time.sleep(60)\n",
    )
    .unwrap();
    let opts = validator::Options { file_timeout: Duration::from_secs(8), ..Default::default() };
    let report = validator::validate_dir(&dir, &dx_py(), Path::new("python3.11"), &opts).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let dx = |id: &str| report.dxpy.results.iter().find(|t| t.id.as_str() == id).map(|t| t.outcome);
    assert_eq!(dx("test_a.A.test_one"), Some(Outcome::Passed));
    assert_eq!(dx("test_b.B.test_1_ok"), Some(Outcome::Passed));
    assert_eq!(dx("test_b.B.test_2_die"), Some(Outcome::Crashed));
    assert_eq!(dx("test_c.C.test_hang"), Some(Outcome::TimedOut));
    assert!(report.notes.iter().any(|n| n.contains("signal 9")), "{:#?}", report.notes);
    let m = &report.matrix.frameworks[0];
    assert_eq!(m.dxpy.sum(), m.collected);
}
