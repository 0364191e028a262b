//! The `dx-py` binary's dynamic symbol table is exactly the spec: every function and data
//! symbol CPython 3.11's `libpython3.11.so` exports, and nothing else, so extensions
//! resolve the C-API to DX-Py at `dlopen` time.

mod common;

use std::collections::BTreeSet;

use object::{Object, ObjectSymbol, SymbolKind};

#[test]
fn binary_exports_exactly_the_spec() {
    let spec = dxpy_codegen::Spec::load_dir(&common::repo().join("api-spec")).expect("spec loads");
    let want_fns: BTreeSet<String> = spec.functions().map(|(_, f)| f.name.clone()).collect();
    let want_data: BTreeSet<String> = spec.data().map(|(_, d)| d.name.clone()).collect();
    assert_eq!(want_fns.len(), 1444, "functions in the spec");
    assert_eq!(want_data.len(), 211, "data symbols in the spec");

    let bytes = std::fs::read(common::dx_py()).unwrap();
    let file = object::File::parse(&*bytes).unwrap();
    let mut fns = BTreeSet::new();
    let mut data = BTreeSet::new();
    let mut other = BTreeSet::new();
    for sym in file.dynamic_symbols().filter(|s| s.is_definition() && s.is_global()) {
        let name = sym.name().unwrap().to_string();
        match sym.kind() {
            SymbolKind::Text => fns.insert(name),
            SymbolKind::Data => data.insert(name),
            _ => other.insert(name),
        };
    }
    assert_eq!(fns, want_fns, "exported functions differ from the spec");
    assert_eq!(data, want_data, "exported data symbols differ from the spec");
    assert!(other.is_empty(), "unexpected exports: {other:?}");
}

/// Data symbols are as large as CPython's (inline macros index into them).
#[test]
fn data_symbols_have_cpython_sizes() {
    let spec = dxpy_codegen::Spec::load_dir(&common::repo().join("api-spec")).expect("spec loads");
    let bytes = std::fs::read(common::dx_py()).unwrap();
    let file = object::File::parse(&*bytes).unwrap();
    for (_, d) in spec.data() {
        let sym = file
            .dynamic_symbols()
            .find(|s| s.name() == Ok(d.name.as_str()))
            .unwrap_or_else(|| panic!("{} not exported", d.name));
        assert!(sym.size() >= d.size, "{}: {} bytes, CPython has {}", d.name, sym.size(), d.size);
    }
}
