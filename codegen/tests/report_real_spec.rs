//! The coverage report of the real `api-spec/`, snapshotted: a change in the spec's
//! numbers shows up as a snapshot diff.

use std::path::Path;

use dxpy_codegen::Spec;
use dxpy_codegen::report::{self, Report};

use dxpy_codegen::spec::PRIORITY_RULE as RULE;

#[test]
fn coverage_real_spec() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../api-spec");
    let yaml_count = std::fs::read_dir(dir.join("cpython"))
        .map(|rd| rd.filter_map(|e| e.ok()).filter(|e| e.path().extension().is_some_and(|x| x == "yaml")).count())
        .unwrap_or(0);
    assert!(
        yaml_count > 0,
        "{} holds no YAML files: run `cargo xtask import-spec` first",
        dir.join("cpython").display()
    );
    let spec = Spec::load_dir(&dir).unwrap_or_else(|errs| {
        let lines: Vec<String> = errs.iter().map(|e| e.to_string()).collect();
        panic!("api-spec/ does not load ({} problems):\n{}", errs.len(), lines.join("\n"))
    });
    let items = report::items_from_spec(&spec);
    let r = Report::build(&items, &[], Vec::new());
    assert_eq!(r.coverage.cpython.totals.total as usize, spec.functions().count() + spec.data().count());
    let md = report::render_markdown(&r, RULE);
    insta::with_settings!({
        snapshot_path => concat!(env!("CARGO_MANIFEST_DIR"), "/../snapshots"),
        prepend_module_to_snapshot => false,
    }, {
        insta::assert_snapshot!("coverage_real_spec", md);
    });
}
