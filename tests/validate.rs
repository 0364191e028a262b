//! `dx-py validate DIR` on the validator's sample project: the matrix, and regression
//! detection against a previous run.

mod common;

use common::*;
use serde_json::Value;

#[test]
fn validate_sample_project_and_detect_regressions() {
    let project = repo().join("validator/tests/sample_project");
    let out = run(dx_py(), &["validate", project.to_str().unwrap(), "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let matrix: Value = serde_json::from_str(&out.stdout).unwrap();
    let fw = &matrix["frameworks"][0];
    assert_eq!(fw["collected"], 19);
    assert_eq!(fw["cpython"]["passed"], 13);
    // Honest numbers of today: one test needs `sys.addaudithook`, which the interpreter
    // lacks; the rest pass.
    assert_eq!(fw["dxpy"]["passed"], 12);
    assert_eq!(fw["top_categories"][0]["category"], "interpreter_gap");

    // A previous run in which one of today's failures passed: that is a regression.
    let mut previous = matrix.clone();
    let tests = previous["frameworks"][0]["tests"].as_array_mut().unwrap();
    let failing = tests.iter_mut().find(|t| t["cpython"] == "passed" && t["dxpy"] != "passed").unwrap();
    failing["dxpy"] = Value::from("passed");
    let prev_path = scratch("validate").join("previous.json");
    std::fs::write(&prev_path, previous.to_string()).unwrap();
    let out = run(
        dx_py(),
        &["validate", project.to_str().unwrap(), "--json", "--fail-on-regression", prev_path.to_str().unwrap()],
    );
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.to_lowercase().contains("regress"), "{}", out.stderr);
}
