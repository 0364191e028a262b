//! The buffer protocol and other helpers wheels use (`PyObject_GetBuffer`, `PyIter_Check`,
//! `PyNumber_ToBase`, `PyLong_FromString`, `PyUnicode_AsEncodedString`, `PyTuple_Pack`), as
//! CPython 3.11 does.

mod common;

use common::*;

#[test]
fn protocols_like_cpython() {
    let dx = same_output_as_cpython("ext_protocols", 40);
    assert_eq!(dx.stderr, "live proxies added: 0\n");
}
