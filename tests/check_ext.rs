//! `dx-py check-ext`: per-extension verdicts on real wheels from PyPI, CPython's own
//! lib-dynload, and files DX-Py cannot load.

mod common;

use common::*;
use serde_json::Value;

fn check_json(target: &str) -> (i32, Vec<Value>) {
    let out = run(dx_py(), &["check-ext", "--json", target]);
    let parsed: Value =
        serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}{}", out.stdout, out.stderr));
    (out.code, parsed.as_array().unwrap().clone())
}

#[test]
fn real_wheel_from_pypi() {
    let whl = wheel("ujson==5.10.0");
    let (code, verdicts) = check_json(whl.to_str().unwrap());
    assert_eq!(verdicts.len(), 1, "{verdicts:?}");
    let v = &verdicts[0];
    assert!(v["name"].as_str().unwrap().ends_with("!ujson.cpython-311-x86_64-linux-gnu.so"), "{v}");
    assert!(v["abi_problem"].is_null());
    let n = |k: &str| v[k].as_array().unwrap().len();
    assert_eq!(v["required"].as_u64().unwrap() as usize, n("implemented") + n("stubbed") + n("missing"));
    // Every C-API function ujson needs is implemented now, and the exit code says so.
    assert_eq!(n("implemented"), v["required"].as_u64().unwrap() as usize, "{v}");
    assert_eq!(code, 0);
    assert_eq!(v["outcome"].as_str().unwrap(), "ok", "{v}");
}

#[test]
fn lib_dynload_directory_and_text_output() {
    let out = run(python(), &["-c", "import sysconfig; print(sysconfig.get_path('platstdlib') + '/lib-dynload')"]);
    let dynload = out.stdout.trim().to_string();
    let (_, verdicts) = check_json(&dynload);
    assert!(verdicts.len() > 40, "{} extensions", verdicts.len());
    assert!(verdicts.iter().all(|v| v["abi_problem"].is_null()), "CPython 3.11's own modules are ABI-compatible");
    let text = run(dx_py(), &["check-ext", &format!("{dynload}/xxlimited.cpython-311-x86_64-linux-gnu.so")]);
    assert!(text.stdout.contains("  ABI: ok (CPython 3.11, x86-64)\n"), "{}", text.stdout);
    assert!(text.stdout.contains("  C-API: 29 required: "), "{}", text.stdout);
    // Multi-phase init and C types are implemented (tests/ext_types.rs).
    for name in ["PyModuleDef_Init", "PyType_FromModuleAndSpec", "PyModule_GetState", "_PyObject_GC_New"] {
        assert!(!text.stdout.contains(name), "{name}: {}", text.stdout);
    }
}

#[test]
fn incompatible_files_say_why() {
    let dir = scratch("check-ext-bad");
    let real = std::fs::read(compile_fixture("ext_noinit")).unwrap();
    std::fs::write(dir.join("newer.cpython-312-x86_64-linux-gnu.so"), &real).unwrap();
    std::fs::write(dir.join("text.so"), "not a shared object").unwrap();
    let (code, verdicts) = check_json(dir.to_str().unwrap());
    assert_eq!(code, 1);
    let problem = |suffix: &str| {
        verdicts.iter().find(|v| v["name"].as_str().unwrap().ends_with(suffix)).unwrap()["abi_problem"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert!(problem("newer.cpython-312-x86_64-linux-gnu.so").contains("CPython 3.12"));
    assert!(problem("text.so").contains("not an ELF"));
    let missing = run(dx_py(), &["check-ext", "/nonexistent/x.so"]);
    assert_eq!(missing.code, 2);
    assert!(missing.stderr.contains("/nonexistent/x.so"), "{}", missing.stderr);
}
