//! Generated code is committed and never edited by hand: regenerating from the spec
//! must reproduce `runtime/src/generated/` byte for byte.

mod common;

#[test]
fn generated_code_is_current() {
    let root = common::repo();
    let spec = dxpy_codegen::Spec::load_dir(&root.join("api-spec")).expect("spec loads");
    let files = dxpy_codegen::emit::generate(&spec);
    let dir = root.join("runtime/src/generated");
    let mut stale = Vec::new();
    for (rel, text) in &files {
        if std::fs::read_to_string(dir.join(rel)).ok().as_deref() != Some(text.as_str()) {
            stale.push(rel.clone());
        }
    }
    assert!(stale.is_empty(), "stale generated files (run `cargo xtask gen`): {stale:?}");
}
