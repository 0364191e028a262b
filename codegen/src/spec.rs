//! The data model of `api-spec/`: one YAML file per CPython header (or NumPy API table),
//! each a list of entries. Field order here is the order the importer writes.

use serde::{Deserialize, Serialize};

/// Reference semantics of a function's return value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RefKind {
    /// The caller owns a new reference.
    New,
    /// The reference is owned by someone else (usually an argument).
    Borrowed,
    /// Always NULL (some `PyErr_*` helpers).
    Null,
}

/// How `cargo xtask import-spec` computes `priority` (the coverage report states it).
pub const PRIORITY_RULE: &str = "critical: imported by at least one extension of the reference set \
(every .so in CPython 3.11's lib-dynload plus the wheels pinned in api-spec/reference-wheels.txt); \
important: otherwise in the stable ABI; optional: the rest. \
NumPy slots: important when present in both the 1.26 and the 2.x table layouts, optional otherwise.";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Priority {
    Critical,
    Important,
    Optional,
}

impl Priority {
    pub const ALL: [Priority; 3] = [Priority::Critical, Priority::Important, Priority::Optional];
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Critical => "critical",
            Priority::Important => "important",
            Priority::Optional => "optional",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Hand-written semantics exist (`#[capi]` in `runtime/src/capi/`).
    Implemented,
    /// Exported; calling it raises an error that names it.
    Stub,
    /// Exported like a stub, but will not be implemented; `reason` says why.
    Unsupported,
}

impl Status {
    pub const ALL: [Status; 3] = [Status::Implemented, Status::Stub, Status::Unsupported];
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Implemented => "implemented",
            Status::Stub => "stub",
            Status::Unsupported => "unsupported",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Param {
    pub name: String,
    #[serde(rename = "type")]
    pub ctype: String,
}

/// One exported function of `libpython3.11.so`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Function {
    pub name: String,
    /// Header that declares it, relative to CPython's include dir (`cpython/object.h`);
    /// `null` when no installed header declares it.
    pub header: Option<String>,
    /// C return type (`void` for none).
    pub returns: String,
    /// Reference semantics of the return value; only for `PyObject *` returns.
    #[serde(rename = "ref", default, skip_serializing_if = "Option::is_none")]
    pub ret_ref: Option<RefKind>,
    pub params: Vec<Param>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub variadic: bool,
    /// Hand-set for variadic functions DX-Py implements: the implementation is C
    /// (`runtime/src/capi/varargs.c`), because stable Rust cannot read C varargs. The C
    /// code gathers the arguments and calls a non-variadic C-API function.
    #[serde(default, skip_serializing_if = "is_false")]
    pub implemented_in_c: bool,
    /// Parameters whose reference the function steals.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steals: Vec<String>,
    /// The value returned on error, as C source (`NULL`, `-1`, `0`), or `none` when the
    /// function cannot report an error.
    pub error: String,
    /// Python version that added it to the stable ABI; absent = full ABI only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stable_abi: Option<String>,
    /// Part of the stable ABI but not of the limited API (called by public macros).
    #[serde(default, skip_serializing_if = "is_false")]
    pub abi_only: bool,
    pub private: bool,
    /// Computed by the importer's rule (see `priority_rule` in the coverage report).
    pub priority: Priority,
    /// Hand-set; wins over `priority` and survives re-import.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority_override: Option<Priority>,
    pub status: Status,
    /// Required when `status: unsupported`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

/// What an exported data symbol is, which decides how the runtime fills it at start-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DataKind {
    /// A static `PyTypeObject` (`PyLong_Type`).
    TypeObject,
    /// A `PyObject *` pointing at an exception type (`PyExc_TypeError`).
    Exception,
    /// A static object (`_Py_NoneStruct`, `_Py_TrueStruct`).
    Singleton,
    /// Anything else: flags, tables, function pointers.
    Other,
}

/// One exported data symbol of `libpython3.11.so`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Data {
    pub name: String,
    pub header: Option<String>,
    /// Declared C type (`PyTypeObject`, `PyObject *`).
    #[serde(rename = "type")]
    pub ctype: String,
    pub kind: DataKind,
    /// Object size in bytes, from the export table of `libpython3.11.so`.
    pub size: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stable_abi: Option<String>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub abi_only: bool,
    pub private: bool,
    pub priority: Priority,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority_override: Option<Priority>,
    pub status: Status,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

/// `api-spec/cpython/<header>.yaml`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeaderFile {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub functions: Vec<Function>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub data: Vec<Data>,
}

/// Section of a NumPy API table slot (`numpy_api.py`'s dictionaries).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlotKind {
    Function,
    Type,
    GlobalVar,
    BoolValues,
    Unused,
}

/// One slot of `_ARRAY_API` or `_UFUNC_API`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Slot {
    pub name: String,
    pub kind: SlotKind,
    /// Slot index in NumPy 1.26's table; absent = not in 1.x.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slot_v1: Option<u32>,
    /// Slot index in NumPy 2.x's table; absent = dropped in 2.x.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slot_v2: Option<u32>,
    /// `MinVersion` guard from `numpy_api.py`, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_version: Option<String>,
    /// C return type for functions, C type for globals and types.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub ctype: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub params: Option<Vec<Param>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steals: Vec<String>,
    pub priority: Priority,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority_override: Option<Priority>,
    pub status: Status,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

/// `api-spec/numpy/<table>.yaml`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NumpyTable {
    /// `_ARRAY_API` or `_UFUNC_API`.
    pub table: String,
    pub slots: Vec<Slot>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl Function {
    pub fn effective_priority(&self) -> Priority {
        self.priority_override.unwrap_or(self.priority)
    }
}

impl Data {
    pub fn effective_priority(&self) -> Priority {
        self.priority_override.unwrap_or(self.priority)
    }
}

impl Slot {
    pub fn effective_priority(&self) -> Priority {
        self.priority_override.unwrap_or(self.priority)
    }
}
