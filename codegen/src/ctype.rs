//! C types as written in the spec, and the Rust types they are passed as.
//!
//! The mapping only has to be ABI-exact (same size, alignment and register class on
//! x86-64 System V); pointees that Rust code never dereferences become `c_void`.

use std::fmt;

/// A C type from the spec, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CType {
    Void,
    /// A scalar or struct passed by value, named by its canonical Rust spelling.
    Value(&'static str),
    /// A pointer; `konst` when the pointee is const-qualified.
    Pointer {
        pointee: Box<CType>,
        konst: bool,
    },
    /// A pointee we only ever handle through a pointer (opaque structs, function types).
    Opaque,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CTypeError(pub String);

impl fmt::Display for CTypeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Scalars and by-value structs, C spelling → Rust spelling. Rust spellings use
/// `core::ffi` names where C's width is platform-defined and the `ffi` module's names for
/// structs, so generated code reads like the header.
const VALUES: &[(&str, &str)] = &[
    ("int", "c_int"),
    ("signed int", "c_int"),
    ("unsigned int", "c_uint"),
    ("unsigned", "c_uint"),
    ("long", "c_long"),
    ("long int", "c_long"),
    ("unsigned long", "c_ulong"),
    ("long long", "c_longlong"),
    ("unsigned long long", "c_ulonglong"),
    ("short", "c_short"),
    ("unsigned short", "c_ushort"),
    ("char", "c_char"),
    ("signed char", "c_schar"),
    ("unsigned char", "c_uchar"),
    ("float", "c_float"),
    ("double", "c_double"),
    ("_Bool", "bool"),
    ("size_t", "usize"),
    ("ssize_t", "isize"),
    ("Py_ssize_t", "Py_ssize_t"),
    ("Py_hash_t", "Py_hash_t"),
    ("Py_uhash_t", "usize"),
    ("intptr_t", "isize"),
    ("uintptr_t", "usize"),
    ("int8_t", "i8"),
    ("int16_t", "i16"),
    ("int32_t", "i32"),
    ("int64_t", "i64"),
    ("uint8_t", "u8"),
    ("uint16_t", "u16"),
    ("uint32_t", "u32"),
    ("uint64_t", "u64"),
    ("PY_INT32_T", "i32"),
    ("PY_INT64_T", "i64"),
    ("PY_UINT32_T", "u32"),
    ("PY_UINT64_T", "u64"),
    ("PY_LONG_LONG", "c_longlong"),
    ("wchar_t", "wchar_t"),
    ("Py_UNICODE", "wchar_t"),
    ("Py_UCS1", "u8"),
    ("Py_UCS2", "u16"),
    ("Py_UCS4", "u32"),
    ("digit", "u32"),
    ("sdigit", "i32"),
    ("twodigits", "u64"),
    ("stwodigits", "i64"),
    ("_PyTime_t", "i64"),
    ("time_t", "i64"),
    ("pid_t", "i32"),
    ("mode_t", "u32"),
    ("off_t", "i64"),
    ("uid_t", "u32"),
    ("gid_t", "u32"),
    ("PyThread_type_lock", "*mut c_void"),
    ("PyThread_type_sema", "*mut c_void"),
    ("va_list", "*mut c_void"),
    ("Py_complex", "Py_complex"),
    ("PyStatus", "PyStatus"),
    ("_PyTime_round_t", "c_int"),
    ("_Py_error_handler", "c_int"),
    ("PyGILState_STATE", "c_int"),
    ("PyLockStatus", "c_int"),
    ("PySendResult", "c_int"),
    ("PyMemAllocatorDomain", "c_int"),
    ("PyFrameState", "c_int"),
    ("_PyStatus_TYPE", "c_int"),
    ("Py_tracefunc", "*mut c_void"),
    ("PyCFunction", "*mut c_void"),
    ("PyOS_sighandler_t", "*mut c_void"),
    ("Py_OpenCodeHookFunction", "*mut c_void"),
    ("Py_AuditHookFunction", "*mut c_void"),
    ("PyFrameEvalFunction", "*mut c_void"),
    ("_PyFrameEvalFunction", "*mut c_void"),
    ("PyType_WatchCallback", "*mut c_void"),
    ("PyDict_WatchCallback", "*mut c_void"),
    ("Py_tss_t", "Py_tss_t"),
    // --- function-pointer typedefs (passed as a pointer) ---
    ("PyCapsule_Destructor", "*mut c_void"),
    ("vectorcallfunc", "*mut c_void"),
    ("freefunc", "*mut c_void"),
    ("destructor", "*mut c_void"),
    ("crossinterpdatafunc", "*mut c_void"),
    ("_Py_hashtable_hash_func", "*mut c_void"),
    ("_Py_hashtable_compare_func", "*mut c_void"),
    ("_Py_hashtable_destroy_func", "*mut c_void"),
    ("_Py_hashtable_foreach_func", "*mut c_void"),
    ("PyMemAllocatorName", "c_int"),
    // --- NumPy scalars and enums (`npy_common.h`, `ndarraytypes.h`) ---
    ("npy_intp", "isize"),
    ("npy_uintp", "usize"),
    ("npy_hash_t", "isize"),
    ("npy_bool", "u8"),
    ("npy_byte", "i8"),
    ("npy_ubyte", "u8"),
    ("npy_short", "c_short"),
    ("npy_ushort", "c_ushort"),
    ("npy_int", "c_int"),
    ("npy_uint", "c_uint"),
    ("npy_long", "c_long"),
    ("npy_ulong", "c_ulong"),
    ("npy_longlong", "c_longlong"),
    ("npy_ulonglong", "c_ulonglong"),
    ("npy_int8", "i8"),
    ("npy_int16", "i16"),
    ("npy_int32", "i32"),
    ("npy_int64", "i64"),
    ("npy_uint8", "u8"),
    ("npy_uint16", "u16"),
    ("npy_uint32", "u32"),
    ("npy_uint64", "u64"),
    ("npy_half", "u16"),
    ("npy_float", "c_float"),
    ("npy_double", "c_double"),
    ("npy_datetime", "i64"),
    ("npy_timedelta", "i64"),
    ("npy_ucs4", "u32"),
    ("NPY_ORDER", "c_int"),
    ("NPY_CASTING", "c_int"),
    ("NPY_DATETIMEUNIT", "c_int"),
    ("NPY_SCALARKIND", "c_int"),
    ("NPY_CLIPMODE", "c_int"),
    ("NPY_SORTKIND", "c_int"),
    ("NPY_SELECTKIND", "c_int"),
    ("NPY_SEARCHSIDE", "c_int"),
    ("NPY_TYPES", "c_int"),
    ("NPY_ARRAYMETHOD_FLAGS", "c_int"),
    ("PyUFuncGenericFunction", "*mut c_void"),
];

/// Pointees that Rust code dereferences, so their pointers are typed.
const TYPED_POINTEES: &[&str] = &["PyObject", "PyTypeObject", "PyVarObject"];

/// Names that are structs or typedefs only ever used behind a pointer.
fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
}

impl CType {
    /// Parses a C type as the spec writes it: `const char *`, `PyObject **`,
    /// `PyObject *const *`, `struct _frame *`, `int (*)(PyObject *)`.
    pub fn parse(text: &str) -> Result<CType, CTypeError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(CTypeError("empty C type".into()));
        }
        // A function pointer (`R (*)(A, B)`) is passed like any pointer.
        if let Some(open) = text.find("(*") {
            if text.ends_with(')') && text[open..].contains(")(") {
                return Ok(CType::Pointer { pointee: Box::new(CType::Opaque), konst: false });
            }
            return Err(CTypeError(format!("malformed function pointer type `{text}`")));
        }
        // Arrays in parameter position decay to pointers.
        let text = text.replace("[]", "*");
        // Split off the outermost pointer: `T *` or `T *const`.
        let trimmed = text.trim_end();
        let (rest, top_const) = match trimmed.strip_suffix("const") {
            Some(r) if r.trim_end().ends_with('*') => (r.trim_end(), true),
            _ => (trimmed, false),
        };
        let _ = top_const; // a const pointer variable passes exactly like a mutable one
        if let Some(inner) = rest.strip_suffix('*') {
            let pointee = CType::parse_pointee(inner)?;
            let konst = CType::leading_const(inner);
            return Ok(CType::Pointer { pointee: Box::new(pointee), konst });
        }
        CType::parse_value(rest)
    }

    /// Whether the pointee at this level is const: a `const` after the last `*` of the
    /// pointee text (`T *const`), or anywhere in it when it has no `*` (`const T`).
    fn leading_const(inner: &str) -> bool {
        let level = inner.rsplit('*').next().unwrap_or(inner);
        level.split_whitespace().any(|w| w == "const")
    }

    fn parse_pointee(inner: &str) -> Result<CType, CTypeError> {
        let inner = inner.trim();
        if inner.ends_with('*') || inner.ends_with("const") && inner.contains('*') {
            return CType::parse(inner);
        }
        let base = strip_qualifiers(inner);
        if base == "void" {
            return Ok(CType::Void);
        }
        if TYPED_POINTEES.contains(&base.as_str()) {
            return Ok(CType::Value(TYPED_POINTEES.iter().find(|t| **t == base).unwrap()));
        }
        match CType::parse_value(&base) {
            Ok(v) => Ok(v),
            Err(_) if is_identifier(base.trim_start_matches("struct ").trim_start_matches("enum ")) => {
                Ok(CType::Opaque)
            }
            Err(e) => Err(e),
        }
    }

    fn parse_value(text: &str) -> Result<CType, CTypeError> {
        let base = strip_qualifiers(text);
        if base == "void" {
            return Ok(CType::Void);
        }
        if let Some(e) = base.strip_prefix("enum ")
            && is_identifier(e.trim())
        {
            return Ok(CType::Value("c_int"));
        }
        VALUES
            .iter()
            .find(|(c, _)| *c == base)
            .map(|(_, r)| CType::Value(r))
            .ok_or_else(|| CTypeError(format!("unknown C type `{base}` passed by value")))
    }

    /// Parses the declared type of an exported object (a data symbol, a NumPy type
    /// slot): any type `parse` accepts, or a struct name such as `PyTypeObject` or
    /// `struct _PyRuntimeState`. Objects are never passed by value, so their layout is
    /// not this module's concern (their size comes from the export table).
    pub fn parse_object(text: &str) -> Result<CType, CTypeError> {
        CType::parse(text).or_else(|e| {
            let base = strip_qualifiers(text);
            let name = base.trim_start_matches("struct ");
            if is_identifier(name) { Ok(CType::Opaque) } else { Err(e) }
        })
    }

    /// The Rust spelling used in generated code and checked by `#[capi]`.
    pub fn rust(&self) -> String {
        match self {
            CType::Void => "()".into(),
            CType::Value(r) => (*r).into(),
            CType::Opaque => "c_void".into(),
            CType::Pointer { pointee, konst } => {
                let inner = match &**pointee {
                    CType::Void | CType::Opaque => "c_void".to_string(),
                    other => other.rust(),
                };
                format!("*{} {}", if *konst { "const" } else { "mut" }, inner)
            }
        }
    }

    pub fn is_void(&self) -> bool {
        matches!(self, CType::Void)
    }

    pub fn is_pointer(&self) -> bool {
        matches!(self, CType::Pointer { .. }) || matches!(self, CType::Value(r) if r.starts_with('*'))
    }

    pub fn is_object_pointer(&self) -> bool {
        matches!(self, CType::Pointer { pointee, .. } if **pointee == CType::Value("PyObject"))
    }

    pub fn is_float(&self) -> bool {
        matches!(self, CType::Value("c_double" | "c_float"))
    }

    pub fn is_struct(&self) -> bool {
        matches!(self, CType::Value("Py_complex" | "PyStatus" | "Py_tss_t"))
    }
}

/// Drops `const`/`volatile` and folds white space: `const  unsigned   char` → `unsigned char`.
fn strip_qualifiers(text: &str) -> String {
    text.split_whitespace()
        .filter(|w| *w != "const" && *w != "volatile" && *w != "restrict" && *w != "__restrict")
        .collect::<Vec<_>>()
        .join(" ")
}

/// Canonical spelling of a Rust type for comparing an implementation's signature with the
/// spec: paths are dropped and `core::ffi` aliases folded to their x86-64 Linux width.
pub fn canonical_rust(ty: &str) -> String {
    // Token streams print paths as `core :: ffi :: c_int`.
    let ty = ty.split("::").map(str::trim).collect::<Vec<_>>().join("::");
    let spaced = ty.replace('*', " * ");
    let words: Vec<String> = spaced
        .split_whitespace()
        .map(|w| {
            let last = w.rsplit("::").next().unwrap_or(w);
            match last {
                "c_int" | "i32" => "i32",
                "c_uint" | "u32" => "u32",
                "c_long" | "c_longlong" | "i64" => "i64",
                "c_ulong" | "c_ulonglong" | "u64" => "u64",
                "c_short" | "i16" => "i16",
                "c_ushort" | "u16" => "u16",
                "c_char" | "c_schar" | "i8" => "i8",
                "c_uchar" | "u8" => "u8",
                "c_float" | "f32" => "f32",
                "c_double" | "f64" => "f64",
                "Py_ssize_t" | "Py_hash_t" | "isize" => "isize",
                "usize" => "usize",
                "wchar_t" => "i32",
                other => other,
            }
            .to_string()
        })
        .collect();
    words.join(" ").replace("* ", "*")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rust(t: &str) -> String {
        CType::parse(t).unwrap().rust()
    }

    #[test]
    fn maps_common_types() {
        assert_eq!(rust("PyObject *"), "*mut PyObject");
        assert_eq!(rust("PyObject*"), "*mut PyObject");
        assert_eq!(rust("const char *"), "*const c_char");
        assert_eq!(rust("char const *"), "*const c_char");
        assert_eq!(rust("PyObject **"), "*mut *mut PyObject");
        assert_eq!(rust("PyObject *const *"), "*const *mut PyObject");
        assert_eq!(rust("struct _frame *"), "*mut c_void");
        assert_eq!(rust("const PyConfig *"), "*const c_void");
        assert_eq!(rust("void *"), "*mut c_void");
        assert_eq!(rust("Py_ssize_t"), "Py_ssize_t");
        assert_eq!(rust("unsigned long long"), "c_ulonglong");
        assert_eq!(rust("enum PyUnicode_Kind"), "c_int");
        assert_eq!(rust("int (*)(PyObject *, void *)"), "*mut c_void");
        assert_eq!(rust("char *[]"), "*mut *mut c_char");
        assert_eq!(rust("void"), "()");
        assert_eq!(rust("Py_complex"), "Py_complex");
    }

    #[test]
    fn rejects_unknown_by_value() {
        let e = CType::parse("struct Mystery").unwrap_err();
        assert!(e.0.contains("unknown C type `struct Mystery`"), "{e}");
        assert!(CType::parse("Frobnicator").is_err());
        assert!(CType::parse("").is_err());
        assert_eq!(CType::parse_object("PyTypeObject"), Ok(CType::Opaque));
        assert_eq!(CType::parse_object("struct _PyRuntimeState"), Ok(CType::Opaque));
        assert!(CType::parse_object("PyObject (").is_err());
    }

    #[test]
    fn canonical_folds_aliases_and_paths() {
        assert_eq!(canonical_rust("*mut crate::ffi::PyObject"), "*mut PyObject");
        assert_eq!(canonical_rust("core::ffi::c_int"), "i32");
        assert_eq!(canonical_rust("core :: ffi :: c_int"), "i32");
        assert_eq!(canonical_rust("* const  c_char"), canonical_rust("*const i8"));
        assert_eq!(canonical_rust("Py_ssize_t"), "isize");
    }
}
