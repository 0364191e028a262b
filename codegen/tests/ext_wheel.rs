//! Extension reports on a real wheel: MarkupSafe 2.1.5 for CPython 3.11, downloaded from
//! PyPI with pip at test time (cached under the target's test tmpdir). A pip failure
//! fails the test with pip's stderr.

use std::path::{Path, PathBuf};
use std::process::Command;

use dxpy_codegen::Spec;
use dxpy_codegen::extscan;
use dxpy_codegen::load::parse_header;
use dxpy_codegen::report::{self, ItemKind};

const WHEEL_PREFIX: &str = "markupsafe-2.1.5-cp311-cp311-";
const SPEEDUPS: &str = "markupsafe/_speedups.cpython-311-x86_64-linux-gnu.so";

fn cached_wheel(dir: &Path) -> Option<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let n = p.file_name().and_then(|n| n.to_str()).unwrap_or("").to_ascii_lowercase();
            n.starts_with(WHEEL_PREFIX) && n.ends_with(".whl")
        })
        .collect();
    found.sort();
    found.pop()
}

fn markupsafe_wheel() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("test-wheels");
    std::fs::create_dir_all(&dir).unwrap();
    if let Some(w) = cached_wheel(&dir) {
        return w;
    }
    let out = Command::new("python3.11")
        .args(["-m", "pip", "download", "--only-binary=:all:", "--python-version", "3.11"])
        .args(["--platform", "manylinux2014_x86_64", "--no-deps", "-d"])
        .arg(&dir)
        .arg("markupsafe==2.1.5")
        .output()
        .unwrap_or_else(|e| panic!("cannot run `python3.11 -m pip`: {e}"));
    assert!(
        out.status.success(),
        "pip download of markupsafe==2.1.5 failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    cached_wheel(&dir).unwrap_or_else(|| {
        panic!(
            "pip succeeded but no {WHEEL_PREFIX}*.whl in {}; pip said:\n{}",
            dir.display(),
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

/// A small spec: some of what `_speedups` imports is implemented, some is a stub, and the
/// rest is left out of the spec (so it is reported as missing).
const OBJECT_YAML: &str = "\
functions:
- name: PyUnicode_New
  header: unicodeobject.h
  returns: PyObject *
  ref: new
  params:
  - name: size
    type: Py_ssize_t
  - name: maxchar
    type: Py_UCS4
  error: 'NULL'
  private: false
  priority: critical
  status: implemented
- name: _Py_Dealloc
  header: object.h
  returns: void
  params:
  - name: op
    type: PyObject *
  error: none
  private: true
  priority: critical
  status: implemented
- name: PyObject_GetAttr
  header: abstract.h
  returns: PyObject *
  ref: new
  params:
  - name: o
    type: PyObject *
  - name: attr
    type: PyObject *
  error: 'NULL'
  stable_abi: '3.2'
  private: false
  priority: critical
  status: stub
- name: PyObject_Str
  header: object.h
  returns: PyObject *
  ref: new
  params:
  - name: o
    type: PyObject *
  error: 'NULL'
  stable_abi: '3.2'
  private: false
  priority: critical
  status: unsupported
  reason: test fixture
data:
- name: _Py_NoneStruct
  header: object.h
  type: PyObject
  kind: singleton
  size: 16
  private: true
  priority: critical
  status: implemented
";

fn small_spec() -> Spec {
    let h = parse_header(Path::new("api-spec/cpython/object.yaml"), OBJECT_YAML).expect("fixture parses");
    Spec { headers: vec![h], numpy: vec![] }
}

#[test]
fn markupsafe_wheel_ext_report() {
    let wheel = markupsafe_wheel();
    let exts = extscan::scan(&wheel).unwrap_or_else(|e| panic!("scan {}: {e}", wheel.display()));
    assert!(!exts.is_empty(), "no extension found in {}", wheel.display());
    let speedups = exts
        .iter()
        .find(|e| e.name.ends_with(&format!("!{SPEEDUPS}")))
        .unwrap_or_else(|| panic!("{SPEEDUPS} not found; got {:?}", exts.iter().map(|e| &e.name).collect::<Vec<_>>()));
    // Checked with `nm -D --undefined-only` on this wheel's _speedups.
    for sym in ["PyUnicode_New", "_Py_Dealloc", "_Py_NoneStruct", "PyModule_Create2", "_PyUnicode_Ready"] {
        assert!(speedups.symbols.contains(sym), "{sym} not among {:?}", speedups.symbols);
    }

    let items = report::items_from_spec(&small_spec());
    assert_eq!(items.len(), 5);
    assert_eq!(items.iter().filter(|i| i.kind == ItemKind::Data).count(), 1);
    let reports = report::ext_reports(&exts, &items);
    assert_eq!(reports.len(), exts.len());
    for r in &reports {
        let mut all: Vec<&String> = r.implemented.iter().chain(&r.stubbed).chain(&r.missing).collect();
        all.sort();
        assert_eq!(
            all,
            r.required.iter().collect::<Vec<_>>(),
            "{}: required = implemented + stubbed + missing",
            r.name
        );
    }
    let r = reports.iter().find(|r| r.name == speedups.name).unwrap();
    assert_eq!(r.implemented, ["PyUnicode_New", "_Py_Dealloc", "_Py_NoneStruct"]);
    assert_eq!(r.stubbed, ["PyObject_GetAttr", "PyObject_Str"]);
    assert!(r.missing.iter().any(|s| s == "PyModule_Create2"), "{:?}", r.missing);
    assert!(r.missing.iter().any(|s| s == "_PyUnicode_Ready"), "{:?}", r.missing);
    assert_eq!(r.required.len(), r.implemented.len() + r.stubbed.len() + r.missing.len());

    // The rendered report lists the extension and its stubbed names.
    let rep = report::Report::build(&items, &exts, Vec::new());
    let md = report::render_markdown(&rep, "rule");
    assert!(md.contains(SPEEDUPS), "{md}");
    assert!(md.contains("`PyObject_GetAttr`, `PyObject_Str`"), "{md}");
}
