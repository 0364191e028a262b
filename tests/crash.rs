//! Graceful crashes: a segfault or abort inside an extension prints which extension and
//! function was running and the last C-API call, then the process dies of that signal.

mod common;

use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use common::*;

fn fixture() -> &'static PathBuf {
    static SO: OnceLock<PathBuf> = OnceLock::new();
    SO.get_or_init(|| compile_fixture("crash"))
}

struct Crash {
    signal: Option<i32>,
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs `dx-py -c "ctypes.PyDLL(fixture).<function>()"` and returns how it ended.
fn call(function: &str) -> Crash {
    let code = format!("import ctypes\nprint(ctypes.PyDLL({:?}).{function}())\n", fixture().to_str().unwrap());
    // Through `sh` only to switch core dumps off (a crash test must not leave cores
    // behind); `exec` keeps dx-py's own exit status.
    let out = Command::new("sh")
        .args(["-c", "ulimit -c 0; exec \"$0\" \"$@\"", dx_py(), "-c", &code])
        .current_dir(scratch("crash"))
        .env_remove("VIRTUAL_ENV")
        .env_remove("PYTHONPATH")
        .stdin(Stdio::null())
        .output()
        .expect("sh runs");
    Crash {
        signal: out.status.signal(),
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn assert_contains(stderr: &str, wants: &[&str]) {
    for want in wants {
        assert!(stderr.contains(want), "stderr lacks {want:?}:\n{stderr}");
    }
}

#[test]
fn segfault_names_extension_function_and_last_call() {
    let out = call("crash_segv");
    assert_eq!(out.signal, Some(libc::SIGSEGV), "exit code {:?}, stderr:\n{}", out.code, out.stderr);
    assert_contains(
        &out.stderr,
        &[
            "Fatal Python error: Segmentation fault (fault address 0x0)",
            &format!("in extension {}, function crash_segv (pc 0x", fixture().display()),
            "last C-API call: Py_IncRef\n",
        ],
    );
}

#[test]
fn abort_names_the_calling_extension_and_last_call() {
    let out = call("crash_abort");
    assert_eq!(out.signal, Some(libc::SIGABRT), "exit code {:?}, stderr:\n{}", out.code, out.stderr);
    assert_contains(
        &out.stderr,
        &[
            "Fatal Python error: Aborted\n",
            &format!("called from extension {}, function crash_abort (pc 0x", fixture().display()),
            "last C-API call: PyErr_Clear\n",
        ],
    );
}

/// The handler runs on its alternate stack, so even a blown stack is reported.
#[test]
fn stack_overflow_is_reported() {
    let out = call("crash_stack_overflow");
    assert_eq!(out.signal, Some(libc::SIGSEGV), "exit code {:?}, stderr:\n{}", out.code, out.stderr);
    assert_contains(
        &out.stderr,
        &[
            "Fatal Python error: Segmentation fault",
            &format!("in extension {}, function crash_recurse", fixture().display()),
            "most likely a stack overflow",
            "last C-API call: Py_DecRef\n",
        ],
    );
}

#[test]
fn normal_run_reports_nothing() {
    let out = call("no_crash");
    assert_eq!((out.signal, out.code), (None, Some(0)), "{}", out.stderr);
    assert!(!out.stderr.contains("Fatal Python error"), "{}", out.stderr);
    assert_eq!(out.stderr, "");
    assert_eq!(out.stdout, "7\n");
}
