//! Lists, dicts, sets and capsules from a C extension (listobject.h, dictobject.h,
//! setobject.h, pycapsule.h), including the macro-level reads and writes that the bridge
//! mirrors (DESIGN.md decision 6), as CPython 3.11 does.

mod common;

use common::*;

#[test]
fn containers_like_cpython() {
    let dx = same_output_as_cpython("ext_containers", 140);
    // Leak check: the script prints how many proxies its calls left alive.
    assert_eq!(dx.stderr, "live proxies added: 0\n");
}
