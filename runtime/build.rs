//! Links `dx-py` so extensions can resolve the C-API at `dlopen` time, and checks that
//! every spec entry marked `implemented` has its hand-written semantics.

use std::path::Path;

fn main() {
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let manifest = Path::new(&manifest);
    let list = manifest.join("src/generated/exports.list");
    // Export exactly the spec's symbols (the list is generated from api-spec/), so
    // extensions bind to them and to nothing else of the binary.
    println!("cargo:rustc-link-arg-bins=-Wl,--dynamic-list={}", list.display());
    println!("cargo:rerun-if-changed={}", list.display());
    println!("cargo:rerun-if-changed=../api-spec");
    println!("cargo:rerun-if-changed=src/capi");

    let spec = match dxpy_codegen::Spec::load_dir(&manifest.join("../api-spec")) {
        Ok(s) => s,
        Err(errs) => {
            for e in &errs {
                println!("cargo:warning={e}");
            }
            panic!("api-spec/ does not load: {}", errs[0]);
        }
    };
    // Variadic functions are implemented in C (see the file's header).
    let c_source = manifest.join("src/capi/varargs.c");
    println!("cargo:rerun-if-changed={}", c_source.display());
    cc::Build::new().file(&c_source).warnings(true).extra_warnings(true).compile("dxpy_varargs");
    let c_text = std::fs::read_to_string(&c_source).unwrap_or_default();

    let mut problems = Vec::new();
    for (h, f) in spec.functions() {
        if f.status != dxpy_codegen::spec::Status::Implemented {
            continue;
        }
        if f.implemented_in_c {
            if !c_text.contains(&format!("PyObject *{}(", f.name)) && !c_text.contains(&format!(" {}(", f.name)) {
                problems.push(format!(
                    "{}:{}: `{}` is `implemented_in_c` but runtime/src/capi/varargs.c does not define it",
                    h.path.display(),
                    h.line_of(&f.name),
                    f.name
                ));
            }
            continue;
        }
        let module = dxpy_codegen::emit::module_name(&h.stem);
        let file = manifest.join("src/capi").join(format!("{module}.rs"));
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        let has_impl = text.match_indices(&format!("fn {}(", f.name)).any(|(i, _)| {
            let before = &text[i.saturating_sub(200)..i];
            before.rfind("#[capi]").is_some_and(|c| !before[c..].contains("\n\n"))
        });
        if !has_impl {
            problems.push(format!(
                "{}:{}: `{}` is `implemented` but runtime/src/capi/{module}.rs has no `#[capi] unsafe fn {}`: write it there (and add `pub mod {module};` to capi/mod.rs), or set the entry back to `status: stub`",
                h.path.display(),
                h.line_of(&f.name),
                f.name,
                f.name
            ));
        }
    }
    if !problems.is_empty() {
        for p in &problems {
            println!("cargo:warning={p}");
        }
        panic!("{}", problems.join("\n"));
    }
}
