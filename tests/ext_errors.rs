//! The error indicator and exception objects across the C boundary (pyerrors.h): a C
//! extension sets, fetches, restores, normalizes, matches and chains errors, and makes
//! exception classes; CPython 3.11 and DX-Py must print the same.

mod common;

use common::*;

#[test]
fn errors_like_cpython() {
    let dx = same_output_as_cpython("ext_errors", 80);
    // Under DX-Py the script also checks that repeating every call leaves no proxy behind.
    assert_eq!(dx.stderr, "live proxies added: 0\n");
}
