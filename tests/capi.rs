//! The C-API through the real `dx-py` binary: C fixtures compiled at test time, loaded
//! with ctypes, calling the exported functions and reading the exported statics.

mod common;

use common::*;

/// The same C-API checks under CPython 3.11 and DX-Py print the same.
#[test]
fn basics_match_cpython() {
    let so = compile_fixture("capi_basics");
    let script = repo().join("tests/scripts/capi_basics.py");
    let args = [script.to_str().unwrap(), so.to_str().unwrap()];
    let cpython = run(python(), &args);
    assert_eq!(cpython.code, 0, "CPython: {}", cpython.stderr);
    // Guard against a vacuous comparison: the checks hold under CPython.
    assert_eq!(cpython.stdout, "refcount_deltas 120\nerror_indicator 15\nstatic_layouts 511\n");
    let dx = run(dx_py(), &["run", args[0], args[1]]);
    assert_eq!(dx.code, 0, "dx-py: {}", dx.stderr);
    assert_eq!(dx.stdout, cpython.stdout);
}

/// A stubbed function fails the way the spec says, with a message naming the function,
/// its header, its priority and the extension that called it; the call is counted.
#[test]
fn missing_function_names_itself_and_its_caller() {
    let so = compile_fixture("capi_missing");
    let code = format!(
        "import ctypes, _dxpy\n\
         lib = ctypes.PyDLL({so:?})\n\
         before = _dxpy.capi_calls('PyByteArray_FromStringAndSize')\n\
         print('result', lib.call_missing())\n\
         print('calls', _dxpy.capi_calls('PyByteArray_FromStringAndSize') - before)\n\
         print('status', _dxpy.capi_status('PyByteArray_FromStringAndSize'))\n\
         kind, msg = _dxpy.take_capi_error()\n\
         print(kind)\n\
         print(msg)\n\
         print('after', _dxpy.take_capi_error())\n",
        so = so.to_str().unwrap()
    );
    let out = run(dx_py(), &["-c", &code]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(&lines[..4], ["result 0", "calls 1", "status stub", "SystemError"], "{}", out.stdout);
    let msg = lines[4];
    for want in [
        "PyByteArray_FromStringAndSize()",
        "not implemented",
        "bytearrayobject.h",
        "critical priority",
        "api-spec/cpython/bytearrayobject.yaml",
        so.to_str().unwrap(),
    ] {
        assert!(msg.contains(want), "message lacks {want:?}: {msg}");
    }
    assert_eq!(lines[5], "after None");
}
