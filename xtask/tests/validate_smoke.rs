//! The CI smoke subset of the framework matrix: `cargo xtask validate --smoke` end to end
//! (venv with cp311 wheels from PyPI, the sdist's tests, CPython 3.11 and the dx-py binary
//! the workspace build produced, or `$DXPY_BIN`), then the matrix it wrote. Needs PyPI the
//! first time (the venv and sdist are cached under target/validate/).

use std::path::PathBuf;
use std::process::Command;

#[test]
fn smoke_subset_runs_end_to_end() {
    let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("validate-smoke");
    let _ = std::fs::remove_dir_all(&out);
    let mut c = Command::new(env!("CARGO_BIN_EXE_xtask"));
    c.args(["validate", "--smoke", "--file-timeout", "90", "--suite-timeout", "110", "--out"]).arg(&out);
    // Like the validator's tests: DXPY_BIN overrides the workspace's target/{release,debug}/dx-py.
    if let Some(bin) = std::env::var_os("DXPY_BIN") {
        c.arg("--dx-py").arg(bin);
    }
    let o = c.output().expect("xtask runs");
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "cargo xtask validate --smoke failed:\n{stderr}");
    let json = std::fs::read_to_string(out.join("matrix.json")).expect("matrix.json written");
    let m = validator::matrix::Matrix::from_json(&json).unwrap();
    let md = std::fs::read_to_string(out.join("matrix.md")).expect("matrix.md written");
    let f = m.frameworks.iter().find(|f| f.framework == "markupsafe").expect("markupsafe in the smoke matrix");
    // markupsafe's test_escape.py + test_markupsafe.py: 74 tests under CPython 3.11.
    assert!(f.collected >= 50, "{} tests collected", f.collected);
    assert_eq!(f.cpython.not_collected, 0, "CPython ran every test");
    assert!(f.cpython_passed >= 50, "CPython passed {}", f.cpython_passed);
    assert_eq!(f.dxpy.sum(), f.collected, "every collected test has a DX-Py outcome or not_collected");
    assert!(f.notes.iter().any(|n| n.starts_with("smoke subset:")), "{:?}", f.notes);
    assert!(md.contains("| markupsafe | 3.0.2 |"), "{md}");
    // The comparison really ran DX-Py: it reported tests of its own (passing or not).
    assert!(f.dxpy.not_collected < f.collected, "DX-Py reported no test: {stderr}");

    // The dx-py and venv the smoke run used (its first stderr line names the binary).
    let dx_py = stderr
        .lines()
        .find_map(|l| l.strip_prefix("validate: DX-Py ")?.split(", CPython").next())
        .map(PathBuf::from)
        .expect("the run names its dx-py");
    let venv = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/validate/markupsafe/venv");
    resume_after_a_dxpy_only_crash(&venv, &dx_py);
}

/// After the smoke run (whose venv has pytest): a file where one test kills DX-Py only. The
/// run resumes the file without the crashed test, so the tests after it get real results.
fn resume_after_a_dxpy_only_crash(venv: &std::path::Path, dx_py: &std::path::Path) {
    use std::time::Duration;
    use validator::model::Outcome;
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("validate-resume");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("test_r.py"),
        "import os, sys\n\
         def test_1_ok(): pass\n\
         def test_2_dies_on_dxpy():\n    if sys.implementation.name != 'cpython': os.kill(os.getpid(), 9)\n\
         def test_3_after(): pass\n\
         def test_4_fails(): assert sys.implementation.name == 'cpython'\n",
    )
    .unwrap();
    let opts = validator::Options {
        file_timeout: Duration::from_secs(60),
        venv: Some(venv.to_path_buf()),
        progress: false,
        ..Default::default()
    };
    let report = validator::validate_dir(&dir, dx_py, &venv.join("bin/python"), &opts).unwrap();
    let dx = |id: &str| report.dxpy.results.iter().find(|t| t.id.as_str() == id).map(|t| t.outcome);
    assert_eq!(report.dxpy.runner, validator::model::Runner::Pytest, "{:#?}", report.notes);
    assert_eq!(dx("test_r.test_1_ok"), Some(Outcome::Passed), "{:#?}", report.dxpy);
    assert_eq!(dx("test_r.test_2_dies_on_dxpy"), Some(Outcome::Crashed), "{:#?}", report.dxpy);
    assert_eq!(dx("test_r.test_3_after"), Some(Outcome::Passed), "{:#?}", report.dxpy);
    assert_eq!(dx("test_r.test_4_fails"), Some(Outcome::Failed), "{:#?}", report.dxpy);
    assert!(report.notes.iter().any(|n| n.contains("resumed")), "{:#?}", report.notes);
    let _ = std::fs::remove_dir_all(&dir);
}
