//! The DX-Py validator: runs a project's tests under DX-Py and under CPython 3.11,
//! compares them test by test, classifies every DX-Py failure, and builds the
//! compatibility matrix (JSON + Markdown) and regression reports.
//!
//! # Flow
//!
//! 1. [`discover`] finds `test_*.py` / `*_test.py` under the project (skipping hidden
//!    directories, `__pycache__`, virtualenvs, `site-packages`, `node_modules`).
//! 2. For each file, [`run`] starts CPython, then DX-Py, as subprocesses with a per-file
//!    timeout (process group killed on timeout), inside a per-suite deadline:
//!    pytest (`-m pytest -p no:cacheprovider -v --capture=sys --junitxml=FILE`, parsed by [`junit`],
//!    with the `-v` console output as fallback when the XML is missing or cut short,
//!    [`pytest_log`]) when the runtime can run it, else `-m unittest -v MODULE` (parsed by
//!    [`unittest`]).
//!    A crash or timeout of DX-Py marks the test that was running `crashed`/`timed_out`
//!    (with the Rust panic message when there is one: `--capture=sys` leaves file
//!    descriptor 2 alone); under pytest the file is then resumed without the tests already
//!    reported ([`resume_after_crash`], up to [`MAX_RESUMES`] times), so one crash costs
//!    one test. Tests CPython ran that DX-Py still never reported are `crashed`/`timed_out`
//!    (or get the file's import error); the run goes on with the next file.
//! 3. [`compare`] pairs the two runs by [`model::TestId`] (`module.Class.test`); a test
//!    CPython does not pass is not counted against DX-Py. Each DX-Py failure gets a
//!    category and a normalised signature from [`classify`].
//! 4. [`matrix`] aggregates (counts, % of CPython's passes, top categories and signatures,
//!    the C-API functions and features that would unblock the most tests, the feature
//!    table from `validator/features.yaml`). [`regress`] compares two matrices.
//!
//! pytest runs under DX-Py through a workaround for a RustPython 0.5 compiler bug (a
//! comprehension inside a `finally:` block whose `try:` returns, which `_pytest/pytester.py`
//! has: see runtime/src/host/interpreter_gaps.py). [`validate_dir`] still probes
//! (`-c "import pytest"`) and falls back to unittest where pytest cannot run (not
//! installed, or broken), saying so in [`Report::notes`].
//!
//! Test ids: both runners give `module.Class.test` (pytest's JUnit `classname.name`), so
//! CPython under pytest and DX-Py under unittest pair up for unittest-style tests; plain
//! pytest functions (`module.test_fn`) have no unittest counterpart and show as
//! `not collected` under DX-Py. A test neither runtime reported (after a crash in both)
//! is not in the matrix; the crash is in the notes.
//!
//! `dx-py validate DIR [--json] [--fail-on-regression PREV.json]` (runtime/src/host/validate.rs)
//! is [`validate_dir`] plus [`matrix::Matrix::to_markdown`]/`to_json` and [`regress::compare`].
//!
//! For the framework matrix (`cargo xtask validate`), build one [`matrix::FrameworkRun`]
//! per framework (from [`validate_dir`]'s [`Report::comparison`], or from
//! [`run_unittest_command`] + [`reconcile`] + [`compare::compare_results`] for custom
//! runners such as Django's `runtests.py`, whose `-v 2` output [`unittest::parse`] reads)
//! and call [`matrix::build`]. [`Options::files`] restricts a suite to a chosen subset.

pub mod classify;
pub mod compare;
pub mod file_run;
pub mod junit;
pub mod matrix;
pub mod model;
pub mod pytest_log;
pub mod regress;
pub mod run;
pub mod unittest;

pub use file_run::{
    FileRun, MAX_RESUMES, pytest_node_id, reconcile, resume_after_crash, run_file, run_file_with, run_unittest_command,
};

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use model::{Runner, Runtime, SuiteRun};

/// Options for [`validate_dir`].
#[derive(Debug, Clone)]
pub struct Options {
    /// Timeout for one test file under one runtime.
    pub file_timeout: Duration,
    /// Deadline for the whole suite (both runtimes); files not started by then are
    /// marked `timed_out` under DX-Py (CPython's tests of them are not run).
    pub suite_timeout: Duration,
    /// A virtualenv whose site-packages DX-Py should see (`dx-py --venv DIR`).
    pub venv: Option<PathBuf>,
    /// Force a runner for CPython / DX-Py; `None` picks pytest when it works there.
    pub cpython_runner: Option<Runner>,
    pub dxpy_runner: Option<Runner>,
    /// Print `[i/n] file` progress lines on stderr.
    pub progress: bool,
    /// Name and version in the matrix (default: the directory's name, `local`).
    pub framework: Option<String>,
    pub version: Option<String>,
    /// Run only these test files (relative to the directory) instead of [`discover`]ing
    /// them: a framework's chosen subset.
    pub files: Option<Vec<PathBuf>>,
    /// Extra pytest arguments (before the file), for both runtimes.
    pub pytest_args: Vec<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            file_timeout: Duration::from_secs(300),
            suite_timeout: Duration::from_secs(3600),
            venv: None,
            cpython_runner: None,
            dxpy_runner: None,
            progress: true,
            framework: None,
            version: None,
            files: None,
            pytest_args: Vec::new(),
        }
    }
}

/// The result of [`validate_dir`].
#[derive(Debug, Clone)]
pub struct Report {
    pub cpython: SuiteRun,
    pub dxpy: SuiteRun,
    pub comparison: compare::Comparison,
    /// The one-framework matrix for this directory.
    pub matrix: matrix::Matrix,
    /// Choices and problems worth telling the user (runner fallbacks, crashes, timeouts).
    pub notes: Vec<String>,
}

/// One runtime as a command: the executable and the arguments before `-m`.
#[derive(Debug, Clone)]
pub struct Interpreter {
    pub runtime: Runtime,
    pub exe: PathBuf,
    pub pre_args: Vec<String>,
}

impl Interpreter {
    pub fn command(&self) -> Command {
        let mut c = Command::new(&self.exe);
        c.args(&self.pre_args);
        c
    }
}

/// The test files under `dir`, relative to it, sorted.
pub fn discover(dir: &Path) -> Vec<PathBuf> {
    fn walk(root: &Path, d: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(d) else { return };
        for e in entries.flatten() {
            let p = e.path();
            let name = e.file_name().to_string_lossy().into_owned();
            let Ok(ft) = e.file_type() else { continue };
            if ft.is_dir() {
                let skip = name.starts_with('.')
                    || matches!(name.as_str(), "__pycache__" | "site-packages" | "node_modules" | "venv" | "build")
                    || p.join("pyvenv.cfg").exists();
                if !skip {
                    walk(root, &p, out);
                }
            } else if name.ends_with(".py") && (name.starts_with("test_") || name.ends_with("_test.py")) {
                out.push(p.strip_prefix(root).unwrap_or(&p).to_path_buf());
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// `tests/test_x.py` → `tests.test_x`.
pub fn module_name(rel: &Path) -> String {
    let s = rel.with_extension("").to_string_lossy().into_owned();
    s.replace(['/', '\\'], ".")
}

/// Whether `interp` can run pytest: `Ok(())` or the reason it cannot (last line of
/// stderr). Imports pytest rather than running `-m pytest --version`: `dx-py` takes a
/// `--version` after `-m MODULE` as its own option (prints `dx-py 0.1.0`, exit 0).
pub fn probe_pytest(interp: &Interpreter, dir: &Path) -> Result<(), String> {
    let mut c = interp.command();
    c.args(["-c", "import pytest"]).current_dir(dir);
    let o = run::run_with_timeout(c, Duration::from_secs(120))?;
    if o.exit == run::Exit::Code(0) {
        return Ok(());
    }
    let last = o.stderr.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("").trim().to_string();
    Err(format!("{} ({last})", o.exit.describe()))
}

/// Runs every test file under `dir` under CPython (`python`) and DX-Py (`dx_py`),
/// compares them and builds the matrix. `Err` only when nothing can run at all (no test
/// files, an executable missing).
pub fn validate_dir(dir: &Path, dx_py: &Path, python: &Path, opts: &Options) -> Result<Report, String> {
    let dir = dir.canonicalize().map_err(|e| format!("{}: {e}", dir.display()))?;
    // Tests run with the project as working directory: make relative paths absolute
    // (without resolving symlinks, which would take a venv's python out of its venv).
    let absolute =
        |p: &Path| if p.components().count() > 1 { std::path::absolute(p).unwrap_or(p.into()) } else { p.into() };
    let (dx_py, python) = (absolute(dx_py), absolute(python));
    if !dx_py.exists() {
        return Err(format!("DX-Py binary not found at {} (build it: cargo build -p dx-py)", dx_py.display()));
    }
    let mut check = Command::new(&python);
    check.args(["-c", "pass"]);
    match run::run_with_timeout(check, Duration::from_secs(60)) {
        Ok(o) if o.exit == run::Exit::Code(0) => {}
        Ok(o) => return Err(format!("{} -c pass: {}", python.display(), o.exit.describe())),
        Err(e) => return Err(e),
    }
    let files = opts.files.clone().unwrap_or_else(|| discover(&dir));
    if files.is_empty() {
        return Err(format!("no test files (test_*.py, *_test.py) under {}", dir.display()));
    }
    let start = Instant::now();
    let deadline = start + opts.suite_timeout;
    let cp = Interpreter { runtime: Runtime::CPython, exe: python, pre_args: Vec::new() };
    let mut dx_pre = Vec::new();
    if let Some(v) = &opts.venv {
        dx_pre.push("--venv".to_string());
        dx_pre.push(v.to_string_lossy().into_owned());
    }
    let dx = Interpreter { runtime: Runtime::DxPy, exe: dx_py, pre_args: dx_pre };
    let mut notes = Vec::new();
    let mut pick = |interp: &Interpreter, forced: Option<Runner>| match forced {
        Some(r) => r,
        None => match probe_pytest(interp, &dir) {
            Ok(()) => Runner::Pytest,
            Err(why) => {
                notes.push(format!("{}: pytest unusable, using unittest: {why}", interp.runtime));
                Runner::Unittest
            }
        },
    };
    let cp_runner = pick(&cp, opts.cpython_runner);
    let dx_runner = pick(&dx, opts.dxpy_runner);
    let mut cp_run = SuiteRun::new(Runtime::CPython, cp_runner);
    let mut dx_run = SuiteRun::new(Runtime::DxPy, dx_runner);
    let n = files.len();
    for (i, rel) in files.iter().enumerate() {
        let module = module_name(rel);
        if opts.progress {
            eprintln!("[{}/{n}] {}", i + 1, rel.display());
        }
        let remaining = |now: Instant| deadline.saturating_duration_since(now).min(opts.file_timeout);
        let t = remaining(Instant::now());
        if t.is_zero() {
            notes.push(format!("suite timeout: {} not run", rel.display()));
            continue;
        }
        let c = run_file_with(&cp, cp_runner, &dir, rel, &opts.pytest_args, t);
        cp_run.notes.extend(c.notes.iter().cloned());
        let t = remaining(Instant::now());
        let mut d = if t.is_zero() {
            FileRun {
                results: Vec::new(),
                exit: run::Exit::TimedOut,
                abnormal: true,
                notes: vec![format!("suite timeout before DX-Py ran {}", rel.display())],
            }
        } else {
            run_file_with(&dx, dx_runner, &dir, rel, &opts.pytest_args, t)
        };
        if dx_runner == Runner::Pytest {
            resume_after_crash(&dx, &dir, rel, &opts.pytest_args, &c.results, &mut d, || remaining(Instant::now()));
        }
        reconcile(&c.results, &mut d, &module);
        dx_run.notes.extend(d.notes.iter().cloned());
        cp_run.results.extend(c.results);
        dx_run.results.extend(d.results);
    }
    cp_run.duration = start.elapsed().as_secs_f64();
    dx_run.duration = cp_run.duration;
    notes.extend(cp_run.notes.iter().cloned());
    notes.extend(dx_run.notes.iter().cloned());
    let comparison = compare::compare(&cp_run, &dx_run);
    let framework = opts.framework.clone().unwrap_or_else(|| {
        dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "project".into())
    });
    let run = matrix::FrameworkRun {
        framework,
        version: opts.version.clone().unwrap_or_else(|| "local".into()),
        comparison: comparison.clone(),
        notes: notes.clone(),
    };
    let matrix = matrix::build(std::slice::from_ref(&run));
    Ok(Report { cpython: cp_run, dxpy: dx_run, comparison, matrix, notes })
}
