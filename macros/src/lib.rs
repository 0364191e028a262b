//! `#[capi]`: marks the hand-written semantics of a C-API function.
//!
//! The attribute reads the function's entry in `api-spec/` at compile time and fails the
//! build, naming the YAML file, line and entry, when the Rust signature does not match
//! the spec's C signature or the entry is not `status: implemented`. It wraps the body so
//! a Rust panic becomes a Python `SystemError` and the spec's error value instead of
//! unwinding into C (which is undefined behaviour).

use std::path::PathBuf;
use std::sync::OnceLock;

use dxpy_codegen::Spec;
use dxpy_codegen::ctype::{CType, canonical_rust};
use dxpy_codegen::emit::error_expr;
use dxpy_codegen::spec::{Function, Status};
use proc_macro::TokenStream;
use proc_macro2::Span;
use quote::{ToTokens, quote};
use syn::{FnArg, ItemFn, ReturnType, parse_macro_input};

fn spec_dir() -> PathBuf {
    // Tests of the macro itself point it at a small spec.
    if let Some(dir) = std::env::var_os("DXPY_API_SPEC") {
        return PathBuf::from(dir);
    }
    // The runtime crate sits one level below the workspace root, beside api-spec/.
    let manifest = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".into());
    PathBuf::from(manifest).join("..").join("api-spec")
}

fn spec() -> &'static Result<Spec, String> {
    static SPEC: OnceLock<Result<Spec, String>> = OnceLock::new();
    SPEC.get_or_init(|| {
        Spec::load_dir(&spec_dir()).map_err(|errs| errs.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n"))
    })
}

fn error(span: Span, msg: String) -> TokenStream {
    syn::Error::new(span, msg).to_compile_error().into()
}

#[proc_macro_attribute]
pub fn capi(attr: TokenStream, item: TokenStream) -> TokenStream {
    if !attr.is_empty() {
        return error(Span::call_site(), "#[capi] takes no arguments".into());
    }
    let func = parse_macro_input!(item as ItemFn);
    let name = func.sig.ident.to_string();
    let span = func.sig.ident.span();
    let spec = match spec() {
        Ok(s) => s,
        Err(e) => return error(span, format!("api-spec/ does not load:\n{e}")),
    };
    let Some((file, entry)) = spec.function(&name) else {
        return error(
            span,
            format!(
                "`{name}` has no entry in api-spec/: add it to the YAML file of its header (see `cargo xtask import-spec`)"
            ),
        );
    };
    let at = format!("{}:{} (entry `{name}`)", rel(&file.path), file.line_of(&name));
    if entry.status != Status::Implemented {
        return error(
            span,
            format!(
                "{at} has `status: {}`; set `status: implemented` there, then run `cargo xtask gen`",
                entry.status.as_str()
            ),
        );
    }
    if func.sig.variadic.is_some() || func.sig.abi.is_some() {
        return error(
            span,
            format!("{at}: write the semantics as a plain `unsafe fn`; the generated export is the `extern \"C\"` one"),
        );
    }
    if func.sig.unsafety.is_none() {
        return error(span, format!("{at}: C-API semantics take raw pointers from C; declare it `unsafe fn`"));
    }

    // Arity and types against the spec.
    let mut types = Vec::new();
    for arg in &func.sig.inputs {
        let FnArg::Typed(pat) = arg else {
            return error(span, format!("{at}: C-API functions take no `self`"));
        };
        types.push((pat.ty.to_token_stream().to_string(), syn::spanned::Spanned::span(&pat.ty)));
    }
    let ret = match &func.sig.output {
        ReturnType::Default => "()".to_string(),
        ReturnType::Type(_, t) => t.to_token_stream().to_string(),
    };
    let names: Vec<String> = types.iter().map(|(t, _)| t.clone()).collect();
    if let Err(Mismatch { param, message }) = check_signature(entry, &names, &ret) {
        let at_span = param.and_then(|i| types.get(i)).map(|(_, s)| *s).unwrap_or(span);
        return error(at_span, format!("{at}: {message}"));
    }

    // A void function has nothing to return after the error is set.
    let on_panic: proc_macro2::TokenStream = match entry.returns.as_str() {
        "void" => proc_macro2::TokenStream::new(),
        _ => {
            // Spell the cast with the implementation's own return type, which is in scope.
            let expr = error_expr(entry);
            let expr = match expr.split_once(" as ") {
                Some((value, _)) => format!("{value} as {ret}"),
                None => expr,
            };
            expr.parse().expect("error_expr is Rust")
        }
    };
    let yaml = file.path.canonicalize().unwrap_or_else(|_| file.path.clone());
    let yaml = yaml.to_string_lossy().into_owned();
    let attrs = &func.attrs;
    let vis = &func.vis;
    let sig = &func.sig;
    let body = &func.block;
    quote! {
        #(#attrs)*
        // The error value is spelled `(-1i64) as T` for every integer T.
        #[allow(non_snake_case, clippy::unnecessary_cast)]
        #vis #sig {
            // Rebuild when the spec entry changes.
            const _: &[u8] = include_bytes!(#yaml);
            match ::std::panic::catch_unwind(::std::panic::AssertUnwindSafe(move || #body)) {
                Ok(value) => value,
                Err(payload) => {
                    crate::bridge::errors::panicked(#name, payload);
                    #on_panic
                }
            }
        }
    }
    .into()
}

/// A signature that disagrees with the spec; `param` is the index of the parameter at
/// fault, if one is.
#[derive(Debug, PartialEq, Eq)]
struct Mismatch {
    param: Option<usize>,
    message: String,
}

/// Compares an implementation's Rust parameter and return types with the spec entry.
fn check_signature(entry: &Function, params: &[String], ret: &str) -> Result<(), Mismatch> {
    if params.len() != entry.params.len() {
        return Err(Mismatch {
            param: None,
            message: format!(
                "the spec declares {} parameter(s), this function takes {}",
                entry.params.len(),
                params.len()
            ),
        });
    }
    for (i, (have, param)) in params.iter().zip(&entry.params).enumerate() {
        let want = CType::parse(&param.ctype).map(|t| t.rust()).unwrap_or_default();
        if canonical_rust(have) != canonical_rust(&want) {
            return Err(Mismatch {
                param: Some(i),
                message: format!(
                    "parameter `{}` is `{}` in C, so `{want}` in Rust; found `{have}`",
                    param.name, param.ctype
                ),
            });
        }
    }
    let want = CType::parse(&entry.returns).map(|t| t.rust()).unwrap_or_default();
    if canonical_rust(ret) != canonical_rust(&want) {
        return Err(Mismatch {
            param: None,
            message: format!("returns `{}` in C, so `{want}` in Rust; found `{ret}`", entry.returns),
        });
    }
    Ok(())
}

fn rel(path: &std::path::Path) -> String {
    let s = path.to_string_lossy();
    match s.find("api-spec/") {
        Some(i) => s[i..].to_string(),
        None => s.into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dxpy_codegen::spec::{Param, Priority};

    fn entry() -> Function {
        Function {
            name: "PyList_GetItem".into(),
            header: Some("listobject.h".into()),
            returns: "PyObject *".into(),
            ret_ref: None,
            params: vec![
                Param { name: "list".into(), ctype: "PyObject *".into() },
                Param { name: "index".into(), ctype: "Py_ssize_t".into() },
            ],
            variadic: false,
            implemented_in_c: false,
            steals: vec![],
            error: "NULL".into(),
            stable_abi: None,
            abi_only: false,
            private: false,
            priority: Priority::Critical,
            priority_override: None,
            status: Status::Implemented,
            reason: None,
            notes: None,
        }
    }

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn accepts_equivalent_spellings() {
        let e = entry();
        assert_eq!(
            check_signature(&e, &strings(&["*mut PyObject", "isize"]), "*mut crate::bridge::layout::PyObject"),
            Ok(())
        );
        assert_eq!(check_signature(&e, &strings(&["* mut PyObject", "Py_ssize_t"]), "*mut PyObject"), Ok(()));
    }

    #[test]
    fn names_what_differs() {
        let e = entry();
        let m = check_signature(&e, &strings(&["*mut PyObject"]), "*mut PyObject").unwrap_err();
        assert_eq!(m.message, "the spec declares 2 parameter(s), this function takes 1");
        let m = check_signature(&e, &strings(&["*mut PyObject", "i32"]), "*mut PyObject").unwrap_err();
        assert_eq!(m.param, Some(1));
        assert_eq!(m.message, "parameter `index` is `Py_ssize_t` in C, so `Py_ssize_t` in Rust; found `i32`");
        let m = check_signature(&e, &strings(&["*mut PyObject", "isize"]), "*const PyObject").unwrap_err();
        assert!(m.message.starts_with("returns `PyObject *` in C, so `*mut PyObject` in Rust"), "{}", m.message);
    }
}
