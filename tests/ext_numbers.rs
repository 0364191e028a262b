//! Complex numbers, slices and iterators from a C extension (complexobject.h,
//! sliceobject.h, iterobject.h), including the fields C reads directly, as CPython 3.11.

mod common;

use common::*;

#[test]
fn numbers_slices_iterators_like_cpython() {
    let dx = same_output_as_cpython("ext_numbers", 60);
    assert_eq!(dx.stderr, "live proxies added: 0\n");
}
