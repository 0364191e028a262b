//! Why a test did not pass under DX-Py: a [`Category`], a normalised signature (the same
//! failure in two tests gives the same signature) and, where one can be named, what would
//! unblock it (a C-API function, a missing module, an interpreter feature).
//!
//! Rules, first match wins (on the outcome, then the message and traceback text):
//!
//! | rule | category |
//! | --- | --- |
//! | outcome `crashed` / `timed_out` | crash/timeout |
//! | `C-API function NAME() is not implemented in DX-Py yet` / `is not supported by DX-Py` | C extension (unblock: NAME) |
//! | `datetime_CAPI` (an extension's `PyDateTime_IMPORT`) | C extension (unblock: the datetime C-API capsule) |
//! | extension load errors (`cpython-311-*.so`, `.abi3.so`, `dynamic module does not define`, `undefined symbol`, `object bridge`) | C extension |
//! | `No module named 'X'` where X is a standard-library module | interpreter gap (unblock: stdlib X) |
//! | `No module named 'X'`, `cannot import name` | import |
//! | `asyncio`, `coroutine`, `event loop`, `never awaited`, `async` in the exception message, or the innermost frame in asyncio/trio/anyio | async |
//! | `SyntaxError`, `NotImplementedError`, `AttributeError: module 'X'` (stdlib X), missing builtins, and any other exception in an `error` outcome | interpreter gap |
//! | `failed` outcome (an assertion) | assertion |

use serde::{Deserialize, Serialize};

use crate::model::{Outcome, TestResult};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    CExtension,
    Import,
    Async,
    InterpreterGap,
    CrashTimeout,
    Assertion,
    /// CPython ran the test; the DX-Py run never reported it (runner difference, or the
    /// file's collection stopped early without a crash).
    NotCollected,
}

impl Category {
    pub const ALL: [Category; 7] = [
        Category::CExtension,
        Category::Import,
        Category::Async,
        Category::InterpreterGap,
        Category::CrashTimeout,
        Category::Assertion,
        Category::NotCollected,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Category::CExtension => "C extension",
            Category::Import => "import",
            Category::Async => "async",
            Category::InterpreterGap => "interpreter gap",
            Category::CrashTimeout => "crash/timeout",
            Category::Assertion => "assertion",
            Category::NotCollected => "not collected",
        }
    }
}

/// What would make a failure go away.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "name", rename_all = "snake_case")]
pub enum Unblocker {
    /// Implement this C-API function.
    CApi(String),
    /// Install or provide this (non-stdlib) module.
    Module(String),
    /// An interpreter feature: a stdlib module or behaviour, a syntax form, a builtin.
    Feature(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Classification {
    pub category: Category,
    pub signature: String,
    pub unblocks: Option<Unblocker>,
}

/// Standard-library top-level modules (CPython 3.11) that tests commonly import; a
/// missing one is an interpreter gap, not a missing dependency.
const STDLIB: &[&str] = &[
    "_ctypes",
    "_decimal",
    "_sqlite3",
    "_ssl",
    "_hashlib",
    "_curses",
    "_tkinter",
    "_lzma",
    "_bz2",
    "_multiprocessing",
    "_posixsubprocess",
    "_socket",
    "_asyncio",
    "_json",
    "_pickle",
    "_elementtree",
    "abc",
    "argparse",
    "array",
    "ast",
    "asyncio",
    "base64",
    "bisect",
    "binascii",
    "builtins",
    "bz2",
    "calendar",
    "cmath",
    "codecs",
    "collections",
    "concurrent",
    "contextlib",
    "contextvars",
    "copy",
    "csv",
    "ctypes",
    "curses",
    "dataclasses",
    "datetime",
    "dbm",
    "decimal",
    "difflib",
    "dis",
    "email",
    "encodings",
    "enum",
    "errno",
    "faulthandler",
    "fcntl",
    "fnmatch",
    "fractions",
    "functools",
    "gc",
    "getpass",
    "gettext",
    "glob",
    "gzip",
    "hashlib",
    "heapq",
    "hmac",
    "html",
    "http",
    "imaplib",
    "importlib",
    "inspect",
    "io",
    "ipaddress",
    "itertools",
    "json",
    "keyword",
    "locale",
    "logging",
    "lzma",
    "mailbox",
    "marshal",
    "math",
    "mimetypes",
    "mmap",
    "multiprocessing",
    "numbers",
    "operator",
    "os",
    "pathlib",
    "pickle",
    "pkgutil",
    "platform",
    "plistlib",
    "pprint",
    "queue",
    "random",
    "re",
    "readline",
    "resource",
    "secrets",
    "select",
    "selectors",
    "shlex",
    "shutil",
    "signal",
    "smtplib",
    "socket",
    "socketserver",
    "sqlite3",
    "ssl",
    "stat",
    "statistics",
    "string",
    "struct",
    "subprocess",
    "sys",
    "sysconfig",
    "tempfile",
    "termios",
    "textwrap",
    "threading",
    "time",
    "timeit",
    "tkinter",
    "token",
    "tokenize",
    "tomllib",
    "traceback",
    "types",
    "typing",
    "unicodedata",
    "unittest",
    "urllib",
    "uuid",
    "warnings",
    "weakref",
    "wsgiref",
    "xml",
    "zipfile",
    "zlib",
    "zoneinfo",
];

pub fn is_stdlib(module: &str) -> bool {
    let top = module.split('.').next().unwrap_or(module);
    STDLIB.contains(&top)
}

/// Classifies a result that did not pass under DX-Py.
pub fn classify(r: &TestResult) -> Classification {
    let msg = unwrap_phase(r.message.as_deref().unwrap_or(""));
    let text = match r.details.as_deref() {
        Some(d) => format!("{msg}\n{d}"),
        None => msg.to_string(),
    };
    classify_text(r.outcome, msg, &text)
}

/// The innermost traceback frame's location line: CPython's `  File "PATH", line N` or
/// pytest's `PATH:N: in NAME`.
fn innermost_frame(text: &str) -> Option<&str> {
    text.lines().rev().find(|l| {
        let t = l.trim_start();
        t.starts_with("File \"") || (t.contains(".py:") && t.contains(": in "))
    })
}

/// pytest's JUnit message for an error in a fixture, `failed on setup with "X"` (or
/// teardown), is X: the same failure in a test body and in a fixture gets one signature.
pub fn unwrap_phase(msg: &str) -> &str {
    ["failed on setup with \"", "failed on teardown with \""]
        .iter()
        .find_map(|p| msg.strip_prefix(p))
        .map(|m| m.strip_suffix('"').unwrap_or(m))
        .unwrap_or(msg)
}

/// The rules on an outcome, its short message and all its text (message + traceback).
pub fn classify_text(outcome: Outcome, msg: &str, text: &str) -> Classification {
    let c = |category, signature: String, unblocks| Classification { category, signature, unblocks };
    match outcome {
        Outcome::Crashed => return c(Category::CrashTimeout, format!("crash: {}", normalise(msg)), None),
        Outcome::TimedOut => return c(Category::CrashTimeout, "timeout".into(), None),
        _ => {}
    }
    if let Some(name) = capi_function(text) {
        return c(Category::CExtension, format!("C-API {name}() not implemented"), Some(Unblocker::CApi(name)));
    }
    const EXT_MARKERS: [&str; 6] = [
        "cpython-311-x86_64-linux-gnu.so",
        ".abi3.so",
        "dynamic module does not define",
        "undefined symbol",
        "object bridge",
        "needs C-API symbols",
    ];
    // An extension's `PyDateTime_IMPORT` imports the datetime C-API capsule.
    if text.contains("datetime_CAPI") {
        return c(
            Category::CExtension,
            normalise(exception_line_with(text, &["datetime_CAPI"]).unwrap_or(msg)),
            Some(Unblocker::Feature("datetime C-API capsule (datetime.datetime_CAPI, PyDateTime_IMPORT)".into())),
        );
    }
    if EXT_MARKERS.iter().any(|m| text.contains(m)) {
        let line = exception_line_with(text, &EXT_MARKERS).unwrap_or(msg);
        return c(Category::CExtension, normalise(line), None);
    }
    if let Some(module) = missing_module(text) {
        let top = module.split('.').next().unwrap_or(&module).to_string();
        return if is_stdlib(&module) {
            c(
                Category::InterpreterGap,
                format!("No module named '{module}'"),
                Some(Unblocker::Feature(format!("stdlib {module}"))),
            )
        } else {
            c(Category::Import, format!("No module named '{top}'"), Some(Unblocker::Module(top)))
        };
    }
    if let Some(line) = text.lines().find(|l| l.contains("ImportError: cannot import name")) {
        let line = line.trim().trim_start_matches("E ").trim();
        let from = between(line, "from '", "'").unwrap_or_default();
        if is_stdlib(&from) {
            return c(Category::InterpreterGap, normalise(line), Some(Unblocker::Feature(format!("stdlib {from}"))));
        }
        return c(Category::Import, normalise(line), None);
    }
    // Async: the exception says so, or it was raised inside an event-loop library. A
    // traceback that merely passes through `import asyncio` is not an async failure.
    const ASYNC_MARKERS: [&str; 6] = ["asyncio", "coroutine", "event loop", "never awaited", "async ", "await"];
    let in_loop_library = innermost_frame(text)
        .is_some_and(|f| ["/asyncio/", "/trio/", "/anyio/", "/_asyncio"].iter().any(|m| f.contains(m)));
    let lower = msg.to_lowercase();
    if outcome != Outcome::Failed && (ASYNC_MARKERS.iter().any(|m| lower.contains(m)) || in_loop_library) {
        return c(Category::Async, normalise(msg), Some(Unblocker::Feature("async machinery".into())));
    }
    let exc = exception_type(msg);
    let is_assert =
        exc.is_some_and(|e| e.ends_with("AssertionError") || e == "Failed" || e.ends_with("AssertionFailedError"));
    if outcome == Outcome::Failed && (is_assert || exc.is_none()) {
        return c(Category::Assertion, format!("assertion: {}", exc.unwrap_or("AssertionError")), None);
    }
    // Anything else raised where CPython passes is something the interpreter does not do.
    let feature = match exc {
        Some("SyntaxError") => Some(format!("syntax: {}", normalise(msg.trim_start_matches("SyntaxError:").trim()))),
        Some("NotImplementedError") => Some(normalise(msg)),
        Some("AttributeError") => between(msg, "module '", "'")
            .filter(|m| is_stdlib(m))
            .map(|m| format!("stdlib {m}.{}", between(msg, "attribute '", "'").unwrap_or_default())),
        Some("NameError") => between(msg, "name '", "'").map(|n| format!("builtin {n}")),
        _ => None,
    };
    c(
        Category::InterpreterGap,
        normalise(if msg.is_empty() { "error without message" } else { msg }),
        feature.map(Unblocker::Feature),
    )
}

/// `C-API function PyModule_Create2() is not implemented in DX-Py yet (...)` → `PyModule_Create2`.
pub fn capi_function(text: &str) -> Option<String> {
    let start = text.find("C-API function ")? + "C-API function ".len();
    let rest = &text[start..];
    let end = rest.find("()")?;
    let name = &rest[..end];
    let tail = &rest[end..];
    let ok = !name.is_empty()
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && (tail.starts_with("() is not implemented") || tail.starts_with("() is not supported"));
    ok.then(|| name.to_string())
}

/// `ModuleNotFoundError: No module named 'x.y'` → `x.y`.
pub fn missing_module(text: &str) -> Option<String> {
    between(text, "No module named '", "'").filter(|m| !m.is_empty())
}

fn between(s: &str, open: &str, close: &str) -> Option<String> {
    let a = s.find(open)? + open.len();
    let b = s[a..].find(close)?;
    Some(s[a..a + b].to_string())
}

fn exception_line_with<'a>(text: &'a str, markers: &[&str]) -> Option<&'a str> {
    text.lines().find(|l| markers.iter().any(|m| l.contains(m))).map(|l| l.trim().trim_start_matches("E ").trim())
}

/// `KeyError: 'x'` → `KeyError`; `pkg.mod.Error: boom` → `pkg.mod.Error`.
fn exception_type(msg: &str) -> Option<&str> {
    let head = msg.split(':').next()?.trim();
    let ok = !head.is_empty()
        && head.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
        && head.rsplit('.').next().is_some_and(|n| n.chars().next().is_some_and(|c| c.is_ascii_uppercase()));
    ok.then_some(head)
}

/// A message with the parts that differ between runs and tests removed: addresses
/// (`0x7f..` → `0x…`), paths (`/a/b/c.py` → `c.py`), numbers (→ `N`), cut at 160 chars.
pub fn normalise(msg: &str) -> String {
    let first = msg.lines().next().unwrap_or("").trim();
    let first = &mask_names(first);
    let mut out = String::with_capacity(first.len());
    for word in first.split(' ') {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&normalise_word(word));
    }
    if out.chars().count() > 160 {
        out = out.chars().take(159).collect::<String>() + "…";
    }
    out
}

/// Message texts whose next word is the user's function or variable name, which says
/// nothing about the failure: the name becomes `<name>` so one gap gives one signature.
const NAME_SLOTS: &[&str] = &["no symbol table available in "];

fn mask_names(line: &str) -> String {
    let mut s = line.to_string();
    for slot in NAME_SLOTS {
        if let Some(at) = s.find(slot) {
            let start = at + slot.len();
            let end = s[start..]
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.'))
                .map_or(s.len(), |e| start + e);
            s.replace_range(start..end, "<name>");
        }
    }
    s
}

fn normalise_word(word: &str) -> String {
    // Paths: keep the last component.
    let w = if word.contains('/') && word.len() > 1 {
        let trimmed = word.trim_matches(|c: char| "'\"(),".contains(c));
        let (pre, post) = word.split_once(trimmed).unwrap_or(("", ""));
        format!("{pre}{}{post}", trimmed.rsplit('/').next().unwrap_or(trimmed))
    } else {
        word.to_string()
    };
    let mut out = String::with_capacity(w.len());
    let chars: Vec<char> = w.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '0' && chars.get(i + 1) == Some(&'x') && chars.get(i + 2).is_some_and(|c| c.is_ascii_hexdigit()) {
            out.push_str("0x…");
            i += 2;
            while i < chars.len() && chars[i].is_ascii_hexdigit() {
                i += 1;
            }
            continue;
        }
        // Digits standing alone (not inside an identifier such as `PyModule_Create2`).
        let prev_ident = i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_');
        if c.is_ascii_digit() && !prev_ident {
            out.push('N');
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                i += 1;
            }
            continue;
        }
        out.push(c);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cls(outcome: Outcome, msg: &str) -> Classification {
        classify_text(outcome, msg, msg)
    }

    #[test]
    fn async_only_when_the_error_is_async() {
        let mut r = TestResult::new("t.a", Outcome::Error).with_message("TypeError: descriptor needs a type");
        r.details = Some("tests/test_async.py:1: in <module>\n    import asyncio\nsite-packages/attr/_make.py:2525: in __init__\n    x\nE   TypeError: descriptor needs a type".into());
        assert_eq!(classify(&r).category, Category::InterpreterGap);
        r.details = Some("x.py:3: in t\n    run()\n/usr/lib/python3.11/asyncio/base_events.py:9: in run\n    y\nE   TypeError: descriptor needs a type".into());
        assert_eq!(classify(&r).category, Category::Async);
        let r = TestResult::new("t.a", Outcome::Error).with_message("RuntimeError: no running event loop");
        assert_eq!(classify(&r).category, Category::Async);
        let r = TestResult::new("t.a", Outcome::Error)
            .with_message("AttributeError: module 'datetime' has no attribute 'datetime_CAPI'");
        assert_eq!(classify(&r).category, Category::CExtension);
    }

    #[test]
    fn fixture_errors_share_the_body_signature() {
        let body = TestResult::new("t.a", Outcome::Failed).with_message("TypeError: required field \"value\" missing");
        let setup = TestResult::new("t.b", Outcome::Error)
            .with_message("failed on setup with \"TypeError: required field \"value\" missing\"");
        assert_eq!(unwrap_phase(setup.message.as_deref().unwrap()), body.message.as_deref().unwrap());
        assert_eq!(classify(&setup).signature, classify(&body).signature);
    }

    #[test]
    fn capi_message() {
        let m = "SystemError: C-API function PyModule_Create2() is not implemented in DX-Py yet (declared in modsupport.h, high priority; spec entry in api-spec/cpython/modsupport.yaml), called by /x/_speedups.cpython-311-x86_64-linux-gnu.so";
        let c = cls(Outcome::Error, m);
        assert_eq!(c.category, Category::CExtension);
        assert_eq!(c.unblocks, Some(Unblocker::CApi("PyModule_Create2".into())));
        assert_eq!(c.signature, "C-API PyModule_Create2() not implemented");
    }

    #[test]
    fn imports_and_gaps() {
        let c = cls(Outcome::Error, "ModuleNotFoundError: No module named 'numpy.core'");
        assert_eq!((c.category, c.signature.as_str()), (Category::Import, "No module named 'numpy'"));
        let c = cls(Outcome::Error, "ModuleNotFoundError: No module named '_ctypes'");
        assert_eq!(c.category, Category::InterpreterGap);
        let c = cls(Outcome::Error, "AttributeError: module 'os' has no attribute 'sched_getaffinity'");
        assert_eq!(c.unblocks, Some(Unblocker::Feature("stdlib os.sched_getaffinity".into())));
        let c = cls(Outcome::Error, "RuntimeError: no running event loop");
        assert_eq!(c.category, Category::Async);
        let c = cls(Outcome::Failed, "AssertionError: 2 != 3");
        assert_eq!(c.category, Category::Assertion);
        let c = cls(Outcome::Crashed, "killed by signal 11");
        assert_eq!(c.category, Category::CrashTimeout);
    }

    #[test]
    fn normalisation() {
        assert_eq!(
            normalise("ValueError: object at 0x7f3a12 in /usr/lib/python3.11/foo.py line 42"),
            "ValueError: object at 0x… in foo.py line N"
        );
        assert_eq!(normalise("PyModule_Create2 failed"), "PyModule_Create2 failed");
        assert_eq!(
            normalise("SyntaxError: no symbol table available in first (type: Function)"),
            "SyntaxError: no symbol table available in <name> (type: Function)"
        );
    }
}
