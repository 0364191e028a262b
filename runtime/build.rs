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
    // Variadic functions are implemented in C (see varargs.c's header): every `.c` file
    // in src/capi is compiled into the binary.
    let mut c_sources: Vec<_> = std::fs::read_dir(manifest.join("src/capi"))
        .expect("src/capi is readable")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "c"))
        .collect();
    c_sources.sort();
    let mut build = cc::Build::new();
    build.warnings(true).extra_warnings(true);
    let mut c_text = String::new();
    for c in &c_sources {
        println!("cargo:rerun-if-changed={}", c.display());
        build.file(c);
        c_text += &std::fs::read_to_string(c).unwrap_or_default();
    }
    build.compile("dxpy_varargs");

    let mut problems = Vec::new();
    for (h, f) in spec.functions() {
        if f.status != dxpy_codegen::spec::Status::Implemented {
            continue;
        }
        if f.implemented_in_c {
            if !c_text.contains(&format!("PyObject *{}(", f.name)) && !c_text.contains(&format!(" {}(", f.name)) {
                problems.push(format!(
                    "{}:{}: `{}` is `implemented_in_c` but no runtime/src/capi/*.c file defines it",
                    h.path.display(),
                    h.line_of(&f.name),
                    f.name
                ));
            }
            continue;
        }
        let module = dxpy_codegen::emit::module_name(&h.stem);
        let text = module_source(&manifest.join("src/capi"), &module);
        let has_impl = text.match_indices(&format!("fn {}(", f.name)).any(|(i, _)| {
            let before = &text[i.saturating_sub(200)..i];
            before.rfind("#[capi]").is_some_and(|c| !before[c..].contains("\n\n"))
        });
        if !has_impl {
            problems.push(format!(
                "{}:{}: `{}` is `implemented` but runtime/src/capi/{module}.rs (or capi/{module}/*.rs) has no `#[capi] unsafe fn {}`: write it there (and add `pub mod {module};` to capi/mod.rs), or set the entry back to `status: stub`",
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

/// The text of `capi/<module>.rs`, or of every file of `capi/<module>/` when the module is
/// a directory (large headers such as modsupport.h are split by topic).
fn module_source(capi: &Path, module: &str) -> String {
    let dir = capi.join(module);
    let mut files: Vec<_> = match std::fs::read_dir(&dir) {
        Ok(entries) => entries.filter_map(|e| e.ok().map(|e| e.path())).collect(),
        Err(_) => vec![capi.join(format!("{module}.rs"))],
    };
    files.sort();
    files.iter().map(|f| std::fs::read_to_string(f).unwrap_or_default()).collect::<Vec<_>>().join("\n\n")
}
