//! The format-string C-API families called from a C extension: PyArg_Parse* (every
//! format code DX-Py implements, counts, keywords, messages), PyArg_UnpackTuple and the
//! Argument Clinic helpers, Py_BuildValue (every code, N reference rules on failure),
//! PyObject_CallFunction/CallMethod, PyUnicode_FromFormat/PyErr_Format/PyErr_WarnFormat,
//! and keyword arguments passed into METH_VARARGS|METH_KEYWORDS and
//! METH_FASTCALL|METH_KEYWORDS functions, all compared with CPython 3.11.

mod common;

use common::*;

#[test]
fn format_string_families_like_cpython() {
    let dx = same_output_as_cpython("ext_args", 300);
    // Leak check: the script prints how many proxies its calls left alive.
    assert_eq!(dx.stderr, "live proxies added: 0\n");
}

/// The format codes DX-Py does not implement yet (they need `Py_buffer` with
/// `PyBuffer_Release`, or `PyMem_Free` for the caller, both still stubs; or the
/// deprecated `Py_UNICODE`) fail with a SystemError that names the code, never a crash,
/// and the parse goes on working afterwards. DX-Py only: CPython implements them.
#[test]
fn unimplemented_codes_raise_system_error() {
    let so = compile_fixture("ext_args");
    let dir = scratch("ext-args-unimplemented");
    let tag = ".cpython-311-x86_64-linux-gnu.so";
    std::fs::copy(&so, dir.join(format!("ext_args{tag}"))).unwrap();
    let script = dir.join("unimplemented.py");
    std::fs::write(
        &script,
        r#"import ext_args as m
for fmt, arg in [("s*", "x"), ("y*", b"x"), ("z*", None), ("w*", bytearray(b"x")),
                 ("es", "x"), ("et#", b"x"), ("u", "x"), ("Z#", "x")]:
    try:
        m.parse("tuple_sizet", fmt, (arg,), None, None, ())
        print(fmt, "parsed")
    except Exception as e:
        print(fmt, type(e).__name__, e)
print(m.parse("tuple_sizet", "is", (1, "ok"), None, None, ()))
"#,
    )
    .unwrap();
    let out = run_in(dx_py(), &["run", script.to_str().unwrap()], &dir, &[("PYTHONPATH", dir.to_str().unwrap())]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let expected: String = ["s*", "y*", "z*", "w*", "es", "et", "u", "Z"]
        .iter()
        .zip(["s*", "y*", "z*", "w*", "es", "et#", "u", "Z#"])
        .map(|(code, fmt)| format!("{fmt} SystemError DX-Py: PyArg format code '{code}' is not implemented yet\n"))
        .collect();
    assert_eq!(out.stdout, format!("{expected}(1, 'ok')\n"), "{}", out.stderr);
}
