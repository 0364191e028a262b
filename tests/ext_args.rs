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
