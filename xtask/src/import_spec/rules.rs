//! The importer's rules for the fields a header does not state: error convention,
//! stolen references, reference semantics of returns (`refcounts.dat`), data kinds.

use std::collections::HashMap;

use dxpy_codegen::ctype::CType;
use dxpy_codegen::spec::{DataKind, RefKind};

/// How a rule matches a function name.
#[derive(Debug, Clone, Copy)]
pub enum Match {
    Exact(&'static str),
    Prefix(&'static str),
    Suffix(&'static str),
}

impl Match {
    fn hits(self, name: &str) -> bool {
        match self {
            Match::Exact(s) => name == s,
            Match::Prefix(s) => name.starts_with(s),
            Match::Suffix(s) => name.ends_with(s),
        }
    }
}

/// Error-convention exceptions for functions returning an integer (or enum) type, checked
/// in order; the first match wins. Everything else follows the type rule in
/// [`error_value`]: pointer → `NULL`, void → `none`, struct by value → `none`,
/// `double`/`float` → `-1.0`, integer → `-1`.
///
/// `none` means "the result cannot signal an error" (predicates, counters, helpers that
/// never set an exception); `0` means "returns 0 with an exception set on failure".
pub const ERROR_RULES: &[(Match, &str)] = &[
    // --- argument parsing returns 0 (false) on failure ---
    (Match::Prefix("PyArg_"), "0"),
    (Match::Prefix("_PyArg_"), "0"),
    (Match::Exact("PyErr_BadArgument"), "0"),
    // --- predicates: the result is the answer, never an error ---
    (Match::Suffix("_Check"), "none"),
    (Match::Suffix("_CheckExact"), "none"),
    (Match::Exact("PyCallable_Check"), "none"),
    (Match::Exact("PyType_IsSubtype"), "none"),
    (Match::Exact("PyErr_ExceptionMatches"), "none"),
    (Match::Exact("PyErr_GivenExceptionMatches"), "none"),
    (Match::Exact("PyObject_TypeCheck"), "none"),
    (Match::Exact("PyType_HasFeature"), "none"),
    (Match::Exact("PyType_GetFlags"), "none"),
    (Match::Exact("PyEval_ThreadsInitialized"), "none"),
    (Match::Exact("PyObject_CheckBuffer"), "none"),
    (Match::Exact("PyBuffer_IsContiguous"), "none"),
    (Match::Exact("PyObject_HasAttr"), "none"),
    (Match::Exact("PyObject_HasAttrString"), "none"),
    (Match::Exact("PyMapping_HasKey"), "none"),
    (Match::Exact("PyMapping_HasKeyString"), "none"),
    (Match::Exact("PyObject_GC_IsTracked"), "none"),
    (Match::Exact("PyObject_GC_IsFinalized"), "none"),
    (Match::Exact("PyUnicode_IsIdentifier"), "none"),
    (Match::Exact("PyUnicode_CompareWithASCIIString"), "none"),
    (Match::Exact("_PyUnicode_EqualToASCIIString"), "none"),
    (Match::Exact("_PyUnicode_EqualToASCIIId"), "none"),
    (Match::Exact("_PyUnicode_EQ"), "none"),
    (Match::Exact("_PyUnicode_Equal"), "none"),
    (Match::Exact("_Py_IsFinalizing"), "none"),
    (Match::Prefix("Py_Is"), "none"), // Py_Is, Py_IsNone, Py_IsTrue, Py_IsFalse, Py_IsInitialized
    (Match::Prefix("_PyUnicode_Is"), "none"), // character classes
    (Match::Prefix("_PyUnicode_To"), "none"), // character mappings (-1 = "no digit", no exception)
    // --- state queries and counters ---
    (Match::Exact("Py_GetRecursionLimit"), "none"),
    (Match::Exact("PyOS_InterruptOccurred"), "none"),
    (Match::Exact("PyGILState_Ensure"), "none"),
    (Match::Exact("PyGC_Enable"), "none"),
    (Match::Exact("PyGC_Disable"), "none"),
    (Match::Exact("PyGC_IsEnabled"), "none"),
    (Match::Exact("PyThreadState_SetAsyncExc"), "none"),
    (Match::Exact("PySlice_AdjustIndices"), "none"),
    (Match::Exact("PyType_ClearCache"), "none"),
    (Match::Exact("PyEval_MergeCompilerFlags"), "none"),
    (Match::Exact("PyFrame_GetLineNumber"), "none"),
    (Match::Exact("PyCode_Addr2Line"), "none"),
    (Match::Exact("PyCodec_KnownEncoding"), "none"),
    (Match::Exact("_PyLong_Sign"), "none"),
    (Match::Exact("Py_Main"), "none"), // exit status
    (Match::Exact("Py_BytesMain"), "none"),
    (Match::Exact("Py_RunMain"), "none"),
    (Match::Exact("Py_FdIsInteractive"), "none"),
    (Match::Exact("PyOS_snprintf"), "none"),
    (Match::Exact("PyOS_vsnprintf"), "none"),
    (Match::Exact("PyOS_mystrnicmp"), "none"),
    (Match::Exact("PyOS_mystricmp"), "none"),
    (Match::Exact("_Py_HashBytes"), "none"),
    (Match::Exact("_Py_HashPointer"), "none"),
    (Match::Exact("_Py_HashDouble"), "none"),
    (Match::Prefix("PyThread_"), "none"), // thread primitives never set a Python exception
    (Match::Prefix("PyToken_"), "none"),
    (Match::Prefix("_Py_dg_"), "none"),
    // --- other error values ---
    (Match::Exact("PyUnicode_Find"), "-2"),
    (Match::Exact("PyUnicode_FindChar"), "-2"),
];

/// The value a function returns on error, from its name and return type.
pub fn error_value(name: &str, returns: &str) -> String {
    let Ok(ret) = CType::parse(returns) else { return "none".into() };
    if ret.is_void() || ret.is_struct() {
        return "none".into();
    }
    if ret.is_pointer() {
        return "NULL".into();
    }
    if ret.is_float() {
        return "-1.0".into();
    }
    for (m, e) in ERROR_RULES {
        if m.hits(name) {
            return (*e).into();
        }
    }
    if matches!(ret, CType::Value(r) if r.starts_with(|c: char| c.is_ascii_uppercase()) && !r.starts_with("Py_")) {
        // an unknown by-value struct: cannot signal errors
        return "none".into();
    }
    "-1".into()
}

/// Functions that steal a reference, from the C-API documentation ("steals a reference"),
/// by parameter position (0-based). Names are taken from the header.
pub const STEALS: &[(&str, &[usize])] = &[
    ("PyTuple_SetItem", &[2]),
    ("PyList_SetItem", &[2]),
    ("PyModule_AddObject", &[2]),
    ("PyStructSequence_SetItem", &[2]),
    ("PyErr_Restore", &[0, 1, 2]),
    ("PyErr_SetExcInfo", &[0, 1, 2]),
    ("PyException_SetCause", &[1]),
    ("PyException_SetContext", &[1]),
    ("PyUnicode_AppendAndDel", &[1]),
    ("PyBytes_ConcatAndDel", &[1]),
    ("Py_DecRef", &[0]),
    ("_PyErr_ChainExceptions", &[0, 1, 2]),
    ("_PyErr_Restore", &[1, 2, 3]), // (tstate, type, value, traceback), internal twin of PyErr_Restore
];

pub fn steals_for(name: &str, params: &[String]) -> Vec<String> {
    STEALS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, idx)| idx.iter().filter_map(|i| params.get(*i).cloned()).collect())
        .unwrap_or_default()
}

/// Parses `refcounts.dat`: the return-value line of each block (`func:type::refcount:`).
/// `+1` → new, `0` → borrowed, `null` → null. Other values are ignored.
pub fn parse_refcounts(text: &str) -> HashMap<String, RefKind> {
    let mut out = HashMap::new();
    let mut last = String::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let f: Vec<&str> = line.splitn(5, ':').collect();
        if f.len() < 4 {
            continue;
        }
        let func = f[0];
        // The first line of a block is the return value (parameter field empty).
        if func == last || !f[2].is_empty() {
            last = func.to_string();
            continue;
        }
        last = func.to_string();
        let kind = match f[3].trim() {
            "+1" => Some(RefKind::New),
            "0" => Some(RefKind::Borrowed),
            "null" => Some(RefKind::Null),
            _ => None,
        };
        if let Some(k) = kind {
            out.insert(func.to_string(), k);
        }
    }
    out
}

/// Parameter names per function as the C-API manual writes them (`refcounts.dat`), in
/// order, without the return line and without `...`.
pub fn parse_refcount_params(text: &str) -> HashMap<String, Vec<String>> {
    let mut out: HashMap<String, Vec<String>> = HashMap::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let f: Vec<&str> = line.splitn(5, ':').collect();
        if f.len() < 4 {
            continue;
        }
        let e = out.entry(f[0].to_string()).or_default();
        let p = f[2].trim();
        if !p.is_empty() && p != "..." {
            e.push(p.to_string());
        }
    }
    out
}

/// `ref` of a function: only for `PyObject *` returns. Rule: from refcounts.dat;
/// a `PyObject *` return absent from refcounts.dat is taken to be a new reference (the
/// common case in the C API; hand-correct the exceptions in the YAML).
pub fn ret_ref(name: &str, returns: &str, refcounts: &HashMap<String, RefKind>) -> Option<RefKind> {
    let ret = CType::parse(returns).ok()?;
    if !ret.is_object_pointer() {
        return None;
    }
    if BORROWED_UNLISTED.contains(&name) {
        return Some(RefKind::Borrowed);
    }
    Some(refcounts.get(name).copied().unwrap_or(RefKind::New))
}

/// Functions refcounts.dat does not list that return borrowed references (their CPython
/// sources say so: these are the dict lookups behind `PyDict_GetItemWithError`).
const BORROWED_UNLISTED: &[&str] = &[
    "_PyDict_GetItem_KnownHash",
    "_PyDict_GetItemWithError",
    "_PyDict_GetItemIdWithError",
    "_PyDict_GetItemStringWithError",
];

pub const SINGLETONS: &[&str] =
    &["_Py_NoneStruct", "_Py_NotImplementedStruct", "_Py_EllipsisObject", "_Py_TrueStruct", "_Py_FalseStruct"];

pub fn data_kind(name: &str, ctype: &str) -> DataKind {
    if ctype == "PyTypeObject" {
        DataKind::TypeObject
    } else if name.starts_with("PyExc_") {
        DataKind::Exception
    } else if SINGLETONS.contains(&name) {
        DataKind::Singleton
    } else {
        DataKind::Other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_conventions() {
        assert_eq!(error_value("PyObject_GetAttr", "PyObject *"), "NULL");
        assert_eq!(error_value("PyErr_Clear", "void"), "none");
        assert_eq!(error_value("PyComplex_AsCComplex", "Py_complex"), "none");
        assert_eq!(error_value("PyFloat_AsDouble", "double"), "-1.0");
        assert_eq!(error_value("PyLong_AsLong", "long"), "-1");
        assert_eq!(error_value("PyList_Append", "int"), "-1");
        assert_eq!(error_value("PyLong_Check", "int"), "none");
        assert_eq!(error_value("PyTuple_CheckExact", "int"), "none");
        assert_eq!(error_value("PyCallable_Check", "int"), "none");
        assert_eq!(error_value("Py_IsInitialized", "int"), "none");
        assert_eq!(error_value("PyType_GetFlags", "unsigned long"), "none");
        assert_eq!(error_value("PyArg_ParseTuple", "int"), "0");
        assert_eq!(error_value("_PyArg_ParseTuple_SizeT", "int"), "0");
        assert_eq!(error_value("_PyArg_NoKeywords", "int"), "0");
        assert_eq!(error_value("_PyArg_UnpackKeywords", "PyObject *const *"), "NULL");
        assert_eq!(error_value("PyUnicode_FindChar", "Py_ssize_t"), "-2");
        assert_eq!(error_value("PyGILState_Ensure", "PyGILState_STATE"), "none");
        assert_eq!(error_value("Py_InitializeFromConfig", "PyStatus"), "none");
    }

    #[test]
    fn refcounts() {
        let text = "\
# comment
PyList_GetItem:PyObject*::0:
PyList_GetItem:PyObject*:list:0:
PyList_GetItem:Py_ssize_t:index::

PyList_New:PyObject*::+1:
PyList_New:Py_ssize_t:len::

PyErr_NoMemory:PyObject*::null:

PyList_Append:int:::
PyList_Append:PyObject*:list:0:
PyList_Append:PyObject*:item:+1:
";
        let r = parse_refcounts(text);
        assert_eq!(r.get("PyList_GetItem"), Some(&RefKind::Borrowed));
        assert_eq!(r.get("PyList_New"), Some(&RefKind::New));
        assert_eq!(r.get("PyErr_NoMemory"), Some(&RefKind::Null));
        assert_eq!(r.get("PyList_Append"), None);
        let names = parse_refcount_params(text);
        assert_eq!(names["PyList_Append"], vec!["list", "item"]);
        assert!(names["PyErr_NoMemory"].is_empty());
        assert_eq!(ret_ref("PyList_GetItem", "PyObject *", &r), Some(RefKind::Borrowed));
        assert_eq!(ret_ref("PyUnknown_Make", "PyObject *", &r), Some(RefKind::New));
        assert_eq!(ret_ref("PyList_Append", "int", &r), None);
        assert_eq!(ret_ref("PyList_AsTuple2", "PyTypeObject *", &r), None);
    }

    #[test]
    fn steals_use_header_names() {
        let p = vec!["p".to_string(), "pos".into(), "o".into()];
        assert_eq!(steals_for("PyTuple_SetItem", &p), vec!["o"]);
        assert!(steals_for("PyTuple_GetItem", &p).is_empty());
    }
}
