//! str and bytes that a C extension creates and fills in place (PyUnicode_New +
//! PyUnicode_WRITE, PyBytes_FromStringAndSize(NULL, n) + PyBytes_AS_STRING,
//! _PyBytes_Resize), and the small str/bytes/int/tuple functions, as CPython 3.11 does.

mod common;

use common::*;

#[test]
fn text_like_cpython() {
    let dx = same_output_as_cpython("ext_text", 200);
    // Leak check: the script prints how many proxies its calls left alive.
    assert_eq!(dx.stderr, "live proxies added: 0\n");
}
