//! Snapshot of the coverage report rendered from a small fixed in-memory spec.

use std::collections::BTreeSet;

use dxpy_codegen::extscan::ExtImports;
use dxpy_codegen::report::{self, HistoryEntry, Item, ItemKind, Report};
use dxpy_codegen::spec::{Priority, Status};

const RULE: &str =
    "critical: imported by a reference extension; important: otherwise in the stable ABI; optional: the rest.";

fn item(
    name: &str,
    header: &str,
    kind: ItemKind,
    priority: Priority,
    status: Status,
    stable_abi: bool,
    calls: u64,
) -> Item {
    Item {
        name: name.into(),
        header: header.into(),
        kind,
        priority,
        status,
        stable_abi,
        private: name.starts_with('_'),
        calls,
    }
}

fn fixture() -> Report {
    use ItemKind::*;
    use Priority::*;
    use Status::*;
    let items = vec![
        item("Py_IncRef", "object.h", Function, Critical, Implemented, true, 120),
        item("PyObject_GetAttr", "abstract.h", Function, Critical, Stub, true, 7),
        item("PyLong_FromLong", "longobject.h", Function, Critical, Implemented, true, 40),
        item("_PyObject_GC_New", "cpython/objimpl.h", Function, Critical, Stub, false, 3),
        item("PyUnicode_AsUTF8", "unicodeobject.h", Function, Important, Implemented, true, 0),
        item("PyCode_New", "cpython/code.h", Function, Important, Unsupported, false, 0),
        item("_Py_HashBytes", "(none)", Function, Optional, Stub, false, 0),
        item("PyFrame_GetCode", "cpython/frameobject.h", Function, Optional, Implemented, true, 0),
        item("PyLong_Type", "longobject.h", Data, Critical, Implemented, true, 0),
        item("_Py_NoneStruct", "object.h", Data, Critical, Implemented, false, 0),
        item("PyExc_TypeError", "pyerrors.h", Data, Important, Stub, true, 0),
        item("PyArray_New", "_ARRAY_API", NumpySlot, Critical, Implemented, false, 2),
        item("PyArray_GetNDArrayCFeatureVersion", "_ARRAY_API", NumpySlot, Important, Stub, false, 0),
        item("PyUFunc_FromFuncAndData", "_UFUNC_API", NumpySlot, Optional, Stub, false, 0),
    ];
    let ext = |name: &str, syms: &[&str]| ExtImports {
        name: name.into(),
        symbols: syms.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>(),
    };
    let exts = vec![
        ext(
            "site-packages/fast/_ready.cpython-311-x86_64-linux-gnu.so",
            &["PyLong_FromLong", "Py_IncRef", "_Py_NoneStruct"],
        ),
        ext(
            "wheels/slow-1.0-cp311-cp311-manylinux2014_x86_64.whl!slow/_core.cpython-311-x86_64-linux-gnu.so",
            &["PyCode_New", "PyLong_Type", "PyObject_GetAttr", "PyUnstable_Code_New", "Py_IncRef"],
        ),
    ];
    let h = |date: &str, git: &str, implemented: u64, critical: f64| HistoryEntry {
        date: date.into(),
        git: Some(git.into()),
        total: 11,
        implemented,
        percent: report::percent(implemented, 11),
        critical,
        important: 33.3,
        optional: 50.0,
        numpy_total: 3,
        numpy_implemented: 1,
        numpy_percent: 33.3,
    };
    let history = vec![
        h("2025-01-01", "aaaaaaa", 3, 33.3),
        h("2025-01-08", "bbbbbbb", 5, 50.0),
        h("2025-01-15", "ccccccc", 6, 66.7),
    ];
    Report::build(&items, &exts, history)
}

macro_rules! snapshot {
    ($name:expr, $value:expr) => {
        insta::with_settings!({
            snapshot_path => concat!(env!("CARGO_MANIFEST_DIR"), "/../snapshots"),
            prepend_module_to_snapshot => false,
        }, {
            insta::assert_snapshot!($name, $value);
        })
    };
}

#[test]
fn coverage_markdown_fixture() {
    let r = fixture();
    let md = report::render_markdown(&r, RULE);
    assert_eq!(md, report::render_markdown(&fixture(), RULE), "rendering is deterministic");
    snapshot!("coverage_markdown_fixture", md);
}

#[test]
fn coverage_json_fixture() {
    let r = fixture();
    let json = report::render_json(&r, RULE);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["coverage"]["cpython"]["totals"]["total"], 11);
    assert_eq!(v["coverage"]["numpy"]["totals"]["total"], 3);
    assert_eq!(v["extensions"][1]["missing"][0], "PyUnstable_Code_New");
    snapshot!("coverage_json_fixture", json);
}

#[test]
fn coverage_trend_svg_fixture() {
    let svg = report::svg_trend(&fixture().history);
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    snapshot!("coverage_trend_svg_fixture", svg);
}

#[test]
fn ext_reports_classify_every_symbol() {
    let r = fixture();
    let slow = &r.extensions[1];
    assert_eq!(slow.implemented, ["PyLong_Type", "Py_IncRef"]);
    assert_eq!(slow.stubbed, ["PyCode_New", "PyObject_GetAttr"]);
    assert_eq!(slow.missing, ["PyUnstable_Code_New"]);
    assert!(r.extensions[0].ready());
}

#[test]
fn long_lists_are_collapsed() {
    let items: Vec<Item> = (0..25)
        .map(|i| {
            item(&format!("PyThing_{i:02}"), "thing.h", ItemKind::Function, Priority::Critical, Status::Stub, true, 0)
        })
        .collect();
    let r = Report::build(&items, &[], Vec::new());
    let md = report::render_markdown(&r, RULE);
    assert!(md.contains("<details><summary>25 entries</summary>\n\n`PyThing_00`, `PyThing_01`"), "{md}");
    assert!(md.contains("`PyThing_24`\n\n</details>"), "{md}");
    assert!(md.contains("No NumPy API slots in the spec yet."), "{md}");
    assert!(md.contains("No history yet."), "{md}");
    assert!(!md.contains("## Extensions"), "{md}");
}

#[test]
fn empty_input_is_all_zeros() {
    let cov = report::compute(&[]);
    assert_eq!(cov.cpython.totals.total, 0);
    assert_eq!(cov.cpython.totals.percent_implemented, 0.0);
    assert!(cov.cpython.by_priority.iter().all(|r| r.counts.percent_implemented == 0.0));
    assert!(cov.cpython.by_header.is_empty());
}
