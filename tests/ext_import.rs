//! Importing C extension modules: the finder's suffixes, the loader's checks and the
//! init protocol, against CPython 3.11 where both must behave the same, and DX-Py's own
//! messages where it cannot load a module yet.

mod common;

use std::path::{Path, PathBuf};

use common::*;

/// Compiles fixture `name` and installs it as module `module` in a fresh directory.
fn install(fixture: &str, module_file: &str) -> PathBuf {
    let so = compile_fixture(fixture);
    let dir = scratch(&format!("ext-{fixture}"));
    let target = dir.join(module_file);
    if let Some(parent) = target.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::copy(&so, &target).unwrap();
    dir
}

/// Runs `import <module>` in `dir` and prints the exception's type and message.
fn import_script(module: &str) -> String {
    format!(
        "try:\n    import {module}\n    print('imported')\nexcept BaseException as e:\n    print(type(e).__name__)\n    print(e)\n"
    )
}

fn both(dir: &Path, code: &str) -> (Out, Out) {
    (run_in(python(), &["-c", code], dir, &[]), run_in(dx_py(), &["-c", code], dir, &[]))
}

#[test]
fn suffixes_and_dlopen_flags_are_cpythons() {
    let code = "import importlib.machinery as m, sys\nprint(m.EXTENSION_SUFFIXES)\nf = sys.getdlopenflags()\nsys.setdlopenflags(f | 0x100)\nprint(f, sys.getdlopenflags() == f | 0x100)";
    let (py, dx) = both(&repo(), code);
    assert_eq!(py.code, 0);
    assert_eq!(dx.stdout, py.stdout, "{}", dx.stderr);
}

#[test]
fn missing_init_function_is_cpythons_import_error() {
    let dir = install("ext_noinit", &format!("ext_noinit{TAG}"));
    let (py, dx) = both(&dir, &import_script("ext_noinit"));
    assert_eq!(py.stdout, "ImportError\ndynamic module does not define module export function (PyInit_ext_noinit)\n");
    assert_eq!(dx.stdout, py.stdout, "{}", dx.stderr);
}

#[test]
fn init_failing_silently_is_a_system_error() {
    let dir = install("ext_silent", &format!("ext_silent{TAG}"));
    let (py, dx) = both(&dir, &import_script("ext_silent"));
    assert_eq!(py.stdout, "SystemError\ninitialization of ext_silent failed without raising an exception\n");
    assert_eq!(dx.stdout, py.stdout, "{}", dx.stderr);
}

#[test]
fn init_exception_propagates() {
    let dir = install("ext_raises", &format!("ext_raises{TAG}"));
    let (py, dx) = both(&dir, &import_script("ext_raises"));
    assert_eq!(py.stdout, "ValueError\next_raises refuses to load\n");
    assert_eq!(dx.stdout, py.stdout, "{}", dx.stderr);
}

/// The untagged `.so` and the package layout are found like CPython finds them.
#[test]
fn found_in_packages_and_untagged() {
    let dir = install("ext_noinit", "pkg/ext_noinit.so");
    std::fs::write(dir.join("pkg/__init__.py"), "").unwrap();
    let (py, dx) = both(&dir, &import_script("pkg.ext_noinit"));
    assert!(py.stdout.starts_with("ImportError\n"), "{}", py.stdout);
    assert_eq!(dx.stdout, py.stdout, "{}", dx.stderr);
}

/// A single-phase module: created, its functions called with each calling convention,
/// values converted both ways, errors raised: all as CPython does.
#[test]
fn single_phase_module_runs_like_cpython() {
    let dir = install("ext_single", &format!("ext_single{TAG}"));
    let (py, dx) = both(&dir, "import ext_single\nprint(ext_single.answer())");
    assert_eq!(py.stdout, "42\n");
    assert_eq!((dx.code, dx.stdout.as_str()), (0, "42\n"), "{}", dx.stderr);

    let dx = same_output_as_cpython("ext_calls", 40);
    assert_eq!(dx.stderr, "");
}

#[test]
fn symbols_cpython_311_lacks_are_named() {
    let dir = install("ext_future", &format!("ext_future{TAG}"));
    let (py, dx) = both(&dir, &import_script("ext_future"));
    assert!(
        py.stdout.starts_with("ImportError\n") && py.stdout.contains("undefined symbol: PyList_Extend"),
        "{}",
        py.stdout
    );
    assert!(dx.stdout.starts_with("ImportError\n"), "{}", dx.stdout);
    assert!(dx.stdout.contains("CPython 3.11 does not export") && dx.stdout.contains("PyList_Extend"), "{}", dx.stdout);
}

#[test]
fn broken_files_are_import_errors_naming_the_file() {
    let dir = scratch("ext-broken");
    std::fs::write(dir.join(format!("notelf{TAG}")), "this is text, not a shared object\n").unwrap();
    let real = std::fs::read(compile_fixture("ext_noinit")).unwrap();
    std::fs::write(dir.join(format!("truncated{TAG}")), &real[..200]).unwrap();
    for (module, want) in [("notelf", "not an ELF"), ("truncated", "truncated")] {
        let dx = run_in(dx_py(), &["-c", &import_script(module)], &dir, &[]);
        let mut lines = dx.stdout.lines();
        assert_eq!(lines.next(), Some("ImportError"), "{module}: {}{}", dx.stdout, dx.stderr);
        let msg = lines.next().unwrap_or_default();
        assert!(msg.contains(&format!("{module}{TAG}")) && msg.contains(want), "{module}: {msg}");
    }
}

/// CPython's own extension modules from its lib-dynload: a single-phase one, and the
/// multi-phase ones (PEP 489; tests/ext_types.rs exercises them), import.
#[test]
fn cpython_lib_dynload_modules() {
    let out = run(python(), &["-c", "import sysconfig; print(sysconfig.get_path('platstdlib') + '/lib-dynload')"]);
    let dynload = out.stdout.trim().to_string();
    let code = format!(
        "import sys\nsys.path.insert(0, {dynload:?})\nimport _testimportmultiple as m\nprint(m.__name__, m.__doc__)"
    );
    let (py, dx) = (run(python(), &["-c", &code]), run(dx_py(), &["-c", &code]));
    assert_eq!(py.stdout, "_testimportmultiple _testimportmultiple doc\n");
    assert_eq!(dx.stdout, py.stdout, "{}", dx.stderr);
    for module in ["xxlimited", "xxlimited_35", "_testmultiphase"] {
        let code = format!("import sys\nsys.path.insert(0, {dynload:?})\n{}", import_script(module));
        let (py, dx) = (run(python(), &["-c", &code]), run(dx_py(), &["-c", &code]));
        assert_eq!(py.stdout.lines().next(), Some("imported"), "{module}: {}", py.stderr);
        assert_eq!(dx.stdout, py.stdout, "{module}: {}", dx.stderr);
    }
}
