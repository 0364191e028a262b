//! `#[capi]` rejects implementations that disagree with the spec, at compile time, with
//! the YAML file, line and entry in the message. Runs against the small spec in
//! `tests/api-spec/` so line numbers are stable.

#[test]
fn capi_mismatches_are_build_errors() {
    // SAFETY: set before trybuild spawns the compiler, while no other thread reads the
    // environment; only this test runs in this binary.
    unsafe { std::env::set_var("DXPY_API_SPEC", concat!(env!("CARGO_MANIFEST_DIR"), "/tests/api-spec")) };
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
