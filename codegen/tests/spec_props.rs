//! Properties of the spec pipeline: load → write → load is the identity, and `gen` is a
//! pure function of the spec (same spec, byte-identical output).

use std::path::Path;

use dxpy_codegen::spec::*;
use dxpy_codegen::{LoadedHeader, Spec, emit, load, write};
use proptest::prelude::*;

const TYPES: &[&str] = &[
    "PyObject *",
    "const char *",
    "Py_ssize_t",
    "int",
    "double",
    "PyObject **",
    "PyObject *const *",
    "unsigned long",
    "void *",
    "PyTypeObject *",
    "struct _frame *",
    "Py_UCS4",
    "int (*)(PyObject *, void *)",
];
const RETURNS: &[&str] = &["PyObject *", "int", "void", "Py_ssize_t", "double", "const char *", "unsigned long"];

fn priority() -> impl Strategy<Value = Priority> {
    prop_oneof![Just(Priority::Critical), Just(Priority::Important), Just(Priority::Optional)]
}

fn text() -> impl Strategy<Value = String> {
    // Notes are free text: quotes, colons, leading dashes, unicode and newlines must survive.
    "[a-zA-Z0-9 :#'\"\\-é\n]{1,40}"
}

fn function(name: String) -> impl Strategy<Value = Function> {
    (
        proptest::sample::select(RETURNS),
        proptest::collection::vec(proptest::sample::select(TYPES), 0..5),
        any::<bool>(),
        priority(),
        proptest::option::of(priority()),
        0..3u8,
        proptest::option::of(text()),
        proptest::option::of(proptest::sample::select(&["3.2", "3.7", "3.11"][..])),
        any::<bool>(),
    )
        .prop_map(move |(ret, ptypes, variadic, priority, priority_override, st, notes, stable, steal)| {
            let params: Vec<Param> =
                ptypes.iter().enumerate().map(|(i, t)| Param { name: format!("p{i}"), ctype: t.to_string() }).collect();
            let ctype = dxpy_codegen::ctype::CType::parse(ret).unwrap();
            let error = if ctype.is_void() {
                "none"
            } else if ctype.is_pointer() {
                "NULL"
            } else if ctype.is_float() {
                "-1.0"
            } else {
                "-1"
            };
            let status = [Status::Implemented, Status::Stub, Status::Unsupported][st as usize];
            Function {
                name: name.clone(),
                header: Some("object.h".into()),
                returns: ret.to_string(),
                ret_ref: ctype.is_object_pointer().then_some(RefKind::New),
                variadic: variadic && !params.is_empty(),
                implemented_in_c: false,
                steals: if steal && !params.is_empty() { vec![params[0].name.clone()] } else { vec![] },
                params,
                error: error.into(),
                stable_abi: stable.map(str::to_string),
                abi_only: false,
                private: name.starts_with('_'),
                priority,
                priority_override,
                reason: (status == Status::Unsupported).then(|| "needs a real frame object".into()),
                status,
                notes,
            }
        })
}

fn header_file() -> impl Strategy<Value = HeaderFile> {
    proptest::collection::btree_set("_?Py[A-Z][a-z]{1,8}_[A-Z][a-z]{1,8}", 1..12).prop_flat_map(|names| {
        let fns: Vec<_> = names.into_iter().map(function).collect();
        (fns, proptest::collection::vec((priority(), 16u64..512), 0..3)).prop_map(|(functions, data)| HeaderFile {
            functions,
            data: data
                .into_iter()
                .enumerate()
                .map(|(i, (priority, size))| Data {
                    name: format!("PyData{i}_Type"),
                    header: None,
                    ctype: "PyTypeObject".into(),
                    kind: DataKind::TypeObject,
                    size,
                    stable_abi: None,
                    abi_only: false,
                    private: false,
                    priority,
                    priority_override: None,
                    status: Status::Stub,
                    reason: None,
                    notes: None,
                })
                .collect(),
        })
    })
}

fn loaded(file: &HeaderFile) -> LoadedHeader {
    let text = write::header_file(file);
    load::parse_header(Path::new("api-spec/cpython/object.yaml"), &text).expect("written spec parses")
}

proptest! {
    #[test]
    fn load_write_load_is_identity(file in header_file()) {
        let once = loaded(&file);
        prop_assert_eq!(&once.file, &file);
        let spec = Spec { headers: vec![once.clone()], numpy: vec![] };
        prop_assert!(spec.check().is_ok(), "{:?}", spec.check());
        // Every entry is located at its own line.
        for f in &file.functions {
            let line = once.line_of(&f.name);
            let text = write::header_file(&file);
            let want = format!("- name: {}", f.name);
            prop_assert_eq!(text.lines().nth(line - 1), Some(want.as_str()));
        }
        let twice = loaded(&once.file);
        prop_assert_eq!(write::header_file(&twice.file), write::header_file(&file));
    }

    #[test]
    fn gen_is_deterministic(file in header_file()) {
        let a = Spec { headers: vec![loaded(&file)], numpy: vec![] };
        let b = Spec { headers: vec![loaded(&file.clone())], numpy: vec![] };
        prop_assert_eq!(emit::generate(&a), emit::generate(&b));
    }
}
