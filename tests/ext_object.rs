//! The object and abstract protocols (object.h, abstract.h, import.h) called from a C
//! extension: attributes, text, truth, hashing, comparison, types, iteration, items,
//! sizes, calls, numbers, sequences and imports, with their errors, as CPython 3.11 does.

mod common;

use common::*;

#[test]
fn object_protocol_like_cpython() {
    let dx = same_output_as_cpython("ext_object", 400);
    // Leak check: the script prints how many proxies its calls left alive.
    assert_eq!(dx.stderr, "live proxies added: 0\n");
}
