//! Shared helpers of the integration tests: the built `dx-py`, CPython 3.11 as the
//! reference, and C fixtures compiled at test time.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

pub fn dx_py() -> &'static str {
    env!("CARGO_BIN_EXE_dx-py")
}

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A scratch directory for this test binary under cargo's target dir.
pub fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The CPython 3.11 the machine has (the reference runtime).
pub fn python() -> &'static str {
    static PY: OnceLock<String> = OnceLock::new();
    PY.get_or_init(|| std::env::var("DXPY_TEST_PYTHON").unwrap_or_else(|_| "python3.11".into()))
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `program args` in `cwd` with extra environment, stdin closed.
pub fn run_in(program: &str, args: &[&str], cwd: &Path, env: &[(&str, &str)]) -> Out {
    let mut cmd = Command::new(program);
    cmd.args(args).current_dir(cwd).stdin(Stdio::null());
    cmd.env_remove("VIRTUAL_ENV").env_remove("PYTHONPATH");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

pub fn run(program: &str, args: &[&str]) -> Out {
    run_in(program, args, &repo(), &[])
}

pub fn python_include() -> &'static str {
    static INC: OnceLock<String> = OnceLock::new();
    INC.get_or_init(|| {
        let out = run(python(), &["-c", "import sysconfig; print(sysconfig.get_paths()['include'])"]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        out.stdout.trim().to_string()
    })
}

/// Compiles `tests/fixtures/<name>.c` into a shared object (not linked to libpython, so
/// the C-API resolves to whichever runtime loads it) and returns its path.
pub fn compile_fixture(name: &str) -> PathBuf {
    let src = repo().join("tests/fixtures").join(format!("{name}.c"));
    let out = scratch("fixtures").join(format!("{name}.so"));
    let status = Command::new(std::env::var("CC").unwrap_or_else(|_| "cc".into()))
        .args(["-shared", "-fPIC", "-O1", "-Wall", "-Werror", "-I", python_include(), "-o"])
        .arg(&out)
        .arg(&src)
        .status()
        .expect("cc runs");
    assert!(status.success(), "compiling {} failed", src.display());
    out
}

/// Compiles `tests/fixtures/<name>.c` with extra `-D` definitions into `<variant>.so`.
pub fn compile_fixture_with(name: &str, variant: &str, defines: &[&str]) -> PathBuf {
    let src = repo().join("tests/fixtures").join(format!("{name}.c"));
    let out = scratch("fixtures").join(format!("{variant}.so"));
    let status = Command::new(std::env::var("CC").unwrap_or_else(|_| "cc".into()))
        .args(["-shared", "-fPIC", "-O1", "-Wall", "-Werror", "-I", python_include()])
        .args(defines.iter().map(|d| format!("-D{d}")))
        .arg("-o")
        .arg(&out)
        .arg(&src)
        .status()
        .expect("cc runs");
    assert!(status.success(), "compiling {} ({variant}) failed", src.display());
    out
}

/// A wheel from PyPI (`pip download`, cp311 manylinux x86-64), cached under the target dir.
/// Fails the test with pip's output when the download fails.
pub fn wheel(requirement: &str) -> PathBuf {
    let dir = scratch("wheels").join(requirement.replace(['=', '<', '>'], "_"));
    let find = |dir: &Path| {
        std::fs::read_dir(dir)
            .ok()?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .find(|p| p.extension().is_some_and(|x| x == "whl"))
    };
    if let Some(w) = find(&dir) {
        return w;
    }
    let out = run(
        python(),
        &[
            "-m",
            "pip",
            "download",
            "--quiet",
            "--disable-pip-version-check",
            "--no-deps",
            "--only-binary=:all:",
            "--python-version",
            "3.11",
            "--platform",
            "manylinux2014_x86_64",
            "-d",
            dir.to_str().unwrap(),
            requirement,
        ],
    );
    assert_eq!(out.code, 0, "pip download {requirement} failed:\n{}{}", out.stdout, out.stderr);
    find(&dir).unwrap_or_else(|| panic!("pip download {requirement} left no wheel in {}", dir.display()))
}

/// The unpacked source distribution of `requirement` from PyPI (its test suite is what
/// the real-suite tests run), cached under the target dir.
pub fn sdist(requirement: &str) -> PathBuf {
    let dir = scratch("sdists").join(requirement.replace(['=', '<', '>'], "_"));
    let unpacked =
        |dir: &Path| std::fs::read_dir(dir).ok()?.filter_map(|e| e.ok().map(|e| e.path())).find(|p| p.is_dir());
    if let Some(d) = unpacked(&dir) {
        return d;
    }
    let out = run(
        python(),
        &[
            "-m",
            "pip",
            "download",
            "--quiet",
            "--disable-pip-version-check",
            "--no-deps",
            "--no-binary=:all:",
            "-d",
            dir.to_str().unwrap(),
            requirement,
        ],
    );
    assert_eq!(out.code, 0, "pip download {requirement} failed:\n{}{}", out.stdout, out.stderr);
    let archive = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.to_string_lossy().ends_with(".tar.gz"))
        .unwrap_or_else(|| panic!("pip download {requirement} left no .tar.gz in {}", dir.display()));
    let out = run_in("tar", &["xzf", archive.to_str().unwrap()], &dir, &[]);
    assert_eq!(out.code, 0, "tar: {}", out.stderr);
    unpacked(&dir).unwrap()
}

/// File-name tag of the extension modules the tests install.
pub const TAG: &str = ".cpython-311-x86_64-linux-gnu.so";

/// A CPython 3.11 virtual environment with `requirement` installed by pip (cached under
/// the target dir); `module` is what must be importable for the cache to count.
pub fn venv_with(requirement: &str, module: &str) -> PathBuf {
    let venv = scratch(&format!("venv-{}", requirement.replace(['=', '.', ' '], "_")));
    if !venv.join("pyvenv.cfg").exists() {
        let out = run(python(), &["-m", "venv", venv.to_str().unwrap()]);
        assert_eq!(out.code, 0, "venv: {}", out.stderr);
    }
    let py = venv.join("bin/python");
    let py = py.to_str().unwrap();
    if run(py, &["-c", &format!("import {module}")]).code != 0 {
        let mut args = vec!["-m", "pip", "install", "--disable-pip-version-check", "--only-binary=:all:"];
        args.extend(requirement.split_whitespace());
        let out = run(py, &args);
        assert_eq!(out.code, 0, "pip install {requirement}: {}{}", out.stdout, out.stderr);
    }
    venv
}

/// Installs fixture `name` as extension module `name` and runs `tests/scripts/use_<name>.py`
/// under CPython 3.11 and under DX-Py with it on `PYTHONPATH`. Checks that CPython ran it
/// and printed more than `min_lines` lines (so the comparison is not vacuous), and that
/// DX-Py printed the same, line by line first for a readable failure; returns DX-Py's run.
pub fn same_output_as_cpython(name: &str, min_lines: usize) -> Out {
    let so = compile_fixture(name);
    let dir = scratch(&format!("ext-{name}"));
    std::fs::copy(&so, dir.join(format!("{name}{TAG}"))).unwrap();
    let script = repo().join(format!("tests/scripts/use_{name}.py"));
    let script = script.to_str().unwrap();
    let env = [("PYTHONPATH", dir.to_str().unwrap())];
    let py = run_in(python(), &[script], &dir, &env);
    let dx = run_in(dx_py(), &["run", script], &dir, &env);
    assert_eq!(py.code, 0, "{}", py.stderr);
    assert!(py.stdout.lines().count() > min_lines, "{}", py.stdout);
    for (p, d) in py.stdout.lines().zip(dx.stdout.lines()) {
        assert_eq!(d, p, "{}", dx.stderr);
    }
    assert_eq!(dx.stdout, py.stdout, "{}", dx.stderr);
    assert_eq!(dx.code, 0, "{}", dx.stderr);
    dx
}
