//! The lock C code runs under (DESIGN.md decision 9): held during calls into C, let go by
//! `Py_BEGIN_ALLOW_THREADS`, taken by threads C starts (`PyGILState_Ensure`), so that C
//! called from several Python threads behaves as under CPython's GIL.

mod common;

use common::*;

#[test]
fn threads_like_cpython() {
    same_output_as_cpython("ext_threads", 8);
}
