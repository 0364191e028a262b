//! `cargo xtask validate [FRAMEWORK...]`: the framework compatibility matrix. Each framework
//! of `validator/frameworks.toml` gets an isolated venv under `target/validate/<name>/`
//! (cp311 wheels, reused while its pins are unchanged) and its test suite (from its sdist,
//! or from the installed wheel for numpy/pandas); the `validator` crate runs it under
//! CPython (the venv's python) and DX-Py (`--venv`), compares and classifies. Writes
//! `matrix.{md,json}` (default `reports/compat/`), prints improvements and regressions
//! against the previous `matrix.json` there, and with `--fail-on-regression` fails on any.
//!
//! Frameworks not named on the command line keep their last result
//! (`target/validate/<name>/last-run.json`, same version only) so a partial run still
//! writes a whole matrix; the notes say which rows were not re-run.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde::Deserialize;
use validator::matrix::{self, FrameworkRun, Matrix};
use validator::model::{Runner, Runtime};
use validator::{Interpreter, Options, run};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Frameworks to run (default: all in the data file).
    #[arg(value_name = "FRAMEWORK")]
    frameworks: Vec<String>,
    /// The dx-py binary (default: target/release/dx-py if it exists, else target/debug/dx-py).
    #[arg(long = "dx-py", value_name = "PATH")]
    dx_py: Option<PathBuf>,
    /// CPython 3.11, used to create the venvs and download sdists.
    #[arg(long, value_name = "PATH", default_value = "python3.11")]
    python: PathBuf,
    /// Where matrix.md and matrix.json go (default: reports/compat, or target/validate/smoke with --smoke).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Exit non-zero when a test that passed under DX-Py in the previous matrix.json does not now.
    #[arg(long)]
    fail_on_regression: bool,
    /// The CI smoke subset: each framework's `smoke` files only (markupsafe today).
    #[arg(long)]
    smoke: bool,
    /// Timeout for one test file (one Django module) under one runtime, in seconds.
    #[arg(long, value_name = "S", default_value_t = 300)]
    file_timeout: u64,
    /// Deadline for one framework's whole suite (both runtimes), in seconds.
    #[arg(long, value_name = "S", default_value_t = 1800)]
    suite_timeout: u64,
    /// The framework list (default: validator/frameworks.toml).
    #[arg(long, value_name = "FILE")]
    frameworks_file: Option<PathBuf>,
    /// Where venvs, sdists and cached runs live (default: <workspace>/target/validate).
    #[arg(long, value_name = "DIR")]
    work: Option<PathBuf>,
    /// Run nothing: rebuild matrix.{md,json} from each framework's last run
    /// (target/validate/<name>/last-run.json), e.g. after changing the feature table.
    #[arg(long, conflicts_with = "smoke")]
    no_run: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FrameworkFile {
    pub framework: Vec<Framework>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TestsFrom {
    Sdist,
    Package,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SuiteRunner {
    Pytest,
    Django,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Framework {
    pub name: String,
    pub version: String,
    pub requirement: String,
    #[serde(default)]
    pub deps: Vec<String>,
    #[serde(default)]
    pub sdist_ok: Vec<String>,
    pub tests_from: TestsFrom,
    pub runner: SuiteRunner,
    pub tests_dir: Option<String>,
    pub files: Option<Vec<String>>,
    /// Path prefixes (relative to the test root) left out of discovery.
    #[serde(default)]
    pub exclude: Vec<String>,
    #[serde(default)]
    pub modules: Vec<String>,
    pub subset: Option<String>,
    #[serde(default)]
    pub pytest_args: Vec<String>,
    #[serde(default)]
    pub smoke: Vec<String>,
}

/// Parses and checks the data file: unique names, a runner's inputs present, every
/// restricted suite explaining its subset.
pub fn parse_frameworks(text: &str) -> Result<Vec<Framework>, String> {
    let file: FrameworkFile = toml::from_str(text).map_err(|e| format!("frameworks file: {e}"))?;
    let mut seen = std::collections::BTreeSet::new();
    for f in &file.framework {
        if !seen.insert(f.name.to_lowercase()) {
            return Err(format!("framework {} listed twice", f.name));
        }
        if !f.requirement.contains(&format!("=={}", f.version)) {
            return Err(format!("{}: requirement {} does not pin version {}", f.name, f.requirement, f.version));
        }
        match f.runner {
            SuiteRunner::Django if f.modules.is_empty() => {
                return Err(format!("{}: the django runner needs `modules`", f.name));
            }
            SuiteRunner::Django if f.tests_from != TestsFrom::Sdist => {
                return Err(format!("{}: the django runner runs tests/runtests.py from the sdist", f.name));
            }
            SuiteRunner::Pytest if f.files.is_none() && f.tests_dir.is_none() => {
                return Err(format!("{}: give `files` or `tests_dir`", f.name));
            }
            _ => {}
        }
        let restricted = f.files.is_some() || !f.modules.is_empty() || !f.exclude.is_empty();
        if restricted && f.subset.as_deref().is_none_or(|s| s.trim().is_empty()) {
            return Err(format!("{}: a chosen subset of tests must say what and why (`subset`)", f.name));
        }
    }
    Ok(file.framework)
}

/// The pip arguments installing a framework and its pins into a venv.
pub fn pip_install_args(f: &Framework) -> Vec<String> {
    let mut a: Vec<String> = ["-m", "pip", "install", "-q", "--disable-pip-version-check", "--only-binary", ":all:"]
        .map(String::from)
        .into();
    for p in &f.sdist_ok {
        a.push("--no-binary".into());
        a.push(p.clone());
    }
    a.push(f.requirement.clone());
    a.extend(f.deps.iter().cloned());
    a
}

/// What the venv was built from; a venv whose stamp differs is rebuilt.
pub fn venv_stamp(f: &Framework, python: &Path) -> String {
    format!("python={}\n{}\n", python.display(), pip_install_args(f).join("\n"))
}

/// Django's runner for one test module: the arguments after the interpreter.
pub fn django_args(module: &str) -> Vec<String> {
    ["runtests.py", "--settings=test_sqlite", "-v", "2", "--parallel=1", module].map(String::from).into()
}

/// DX-Py with a venv: `dx-py --venv DIR ...`.
pub fn dxpy_interpreter(dx_py: &Path, venv: &Path) -> Interpreter {
    Interpreter {
        runtime: Runtime::DxPy,
        exe: dx_py.to_path_buf(),
        pre_args: vec!["--venv".into(), venv.to_string_lossy().into_owned()],
    }
}

struct Prepared {
    venv: PathBuf,
    python: PathBuf,
    /// The directory tests run in (sdist root or site-packages).
    test_root: PathBuf,
}

fn run_checked(c: Command, what: &str, timeout: Duration) -> Result<(), String> {
    let o = run::run_with_timeout(c, timeout)?;
    if o.exit != run::Exit::Code(0) {
        let tail: Vec<&str> = o.stderr.lines().rev().take(15).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        return Err(format!("{what}: {}\n{}", o.exit.describe(), tail.join("\n")));
    }
    Ok(())
}

fn prepare(work: &Path, f: &Framework, python: &Path) -> Result<Prepared, String> {
    let dir = work.join(&f.name);
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let venv = dir.join("venv");
    let vpython = venv.join("bin").join("python");
    let stamp_path = dir.join("venv.stamp");
    let stamp = venv_stamp(f, python);
    if std::fs::read_to_string(&stamp_path).ok().as_deref() == Some(stamp.as_str()) && vpython.exists() {
        eprintln!("[{}] venv up to date ({})", f.name, venv.display());
    } else {
        eprintln!("[{}] creating venv and installing {} + {} pins", f.name, f.requirement, f.deps.len());
        let _ = std::fs::remove_file(&stamp_path);
        let _ = std::fs::remove_dir_all(&venv);
        let mut c = Command::new(python);
        c.arg("-m").arg("venv").arg(&venv);
        run_checked(c, "python -m venv", Duration::from_secs(300))?;
        let mut c = Command::new(&vpython);
        c.args(pip_install_args(f));
        run_checked(c, &format!("pip install for {}", f.name), Duration::from_secs(1800))?;
        std::fs::write(&stamp_path, &stamp).map_err(|e| e.to_string())?;
    }
    let test_root = match f.tests_from {
        TestsFrom::Package => site_packages(&venv)?,
        TestsFrom::Sdist => sdist(&dir, f, python)?,
    };
    Ok(Prepared { venv, python: vpython, test_root })
}

fn site_packages(venv: &Path) -> Result<PathBuf, String> {
    let lib = venv.join("lib");
    let entries = std::fs::read_dir(&lib).map_err(|e| format!("{}: {e}", lib.display()))?;
    entries
        .flatten()
        .map(|e| e.path().join("site-packages"))
        .find(|p| p.is_dir())
        .ok_or_else(|| format!("no site-packages under {}", lib.display()))
}

/// Downloads (once) and extracts (once per requirement) the framework's sdist; its root.
fn sdist(dir: &Path, f: &Framework, python: &Path) -> Result<PathBuf, String> {
    let src = dir.join("src");
    let stamp_path = dir.join("src.stamp");
    if std::fs::read_to_string(&stamp_path).ok().as_deref() == Some(f.requirement.as_str()) && src.is_dir() {
        return Ok(src);
    }
    let dl = dir.join("sdist");
    let find = || -> Option<PathBuf> {
        let want = format!("-{}.tar.gz", f.version);
        std::fs::read_dir(&dl).ok()?.flatten().map(|e| e.path()).find(|p| p.to_string_lossy().ends_with(&want))
    };
    let tarball = match find() {
        Some(t) => t,
        None => {
            eprintln!("[{}] downloading the sdist of {}", f.name, f.requirement);
            let mut c = Command::new(python);
            c.args(["-m", "pip", "download", "-q", "--disable-pip-version-check", "--no-binary", ":all:", "--no-deps"]);
            c.arg("-d").arg(&dl).arg(&f.requirement);
            run_checked(c, &format!("pip download {}", f.requirement), Duration::from_secs(900))?;
            find().ok_or_else(|| format!("pip download {} gave no .tar.gz in {}", f.requirement, dl.display()))?
        }
    };
    let _ = std::fs::remove_dir_all(&src);
    std::fs::create_dir_all(&src).map_err(|e| e.to_string())?;
    let mut c = Command::new("tar");
    c.arg("xzf").arg(&tarball).arg("-C").arg(&src).arg("--strip-components=1");
    run_checked(c, &format!("extracting {}", tarball.display()), Duration::from_secs(300))?;
    std::fs::write(&stamp_path, &f.requirement).map_err(|e| e.to_string())?;
    Ok(src)
}

/// Runs one framework's suite (or its smoke files) under both runtimes.
fn run_framework(
    f: &Framework,
    p: &Prepared,
    dx_py: &Path,
    smoke: bool,
    file_timeout: Duration,
    suite_timeout: Duration,
) -> Result<FrameworkRun, String> {
    let start = Instant::now();
    let mut notes = Vec::new();
    if smoke {
        notes.push(format!("smoke subset: {}", f.smoke.join(", ")));
    } else if let Some(s) = &f.subset {
        notes.push(format!("subset: {s}"));
    } else {
        notes.push("full test suite".to_string());
    }
    if f.tests_from == TestsFrom::Package {
        notes.push("tests from the installed wheel (the same files as the sdist's)".into());
    }
    let mut run = match f.runner {
        SuiteRunner::Pytest => {
            let files = if smoke {
                Some(f.smoke.iter().map(PathBuf::from).collect())
            } else {
                f.files.as_ref().map(|v| v.iter().map(PathBuf::from).collect())
            };
            let files: Vec<PathBuf> = match files {
                Some(v) => v,
                None => {
                    let td = f.tests_dir.as_deref().unwrap_or("tests");
                    let found = validator::discover(&p.test_root.join(td)).into_iter().map(|r| Path::new(td).join(r));
                    found.filter(|r| !f.exclude.iter().any(|x| r.starts_with(x))).collect()
                }
            };
            let opts = Options {
                file_timeout,
                suite_timeout,
                venv: Some(p.venv.clone()),
                cpython_runner: Some(Runner::Pytest),
                dxpy_runner: None,
                progress: true,
                framework: Some(f.name.clone()),
                version: Some(f.version.clone()),
                files: Some(files),
                pytest_args: f.pytest_args.clone(),
            };
            let report = validator::validate_dir(&p.test_root, dx_py, &p.python, &opts)?;
            FrameworkRun {
                framework: f.name.clone(),
                version: f.version.clone(),
                comparison: report.comparison,
                notes: report.notes,
            }
        }
        SuiteRunner::Django => run_django(f, p, dx_py, file_timeout, suite_timeout)?,
    };
    notes.push(format!("run took {:.0} s (both runtimes)", start.elapsed().as_secs_f64()));
    notes.append(&mut run.notes);
    run.notes = notes;
    Ok(run)
}

fn run_django(
    f: &Framework,
    p: &Prepared,
    dx_py: &Path,
    file_timeout: Duration,
    suite_timeout: Duration,
) -> Result<FrameworkRun, String> {
    let tests = p.test_root.join("tests");
    if !tests.join("runtests.py").is_file() {
        return Err(format!("{}: no tests/runtests.py in the sdist ({})", f.name, tests.display()));
    }
    let cp = Interpreter { runtime: Runtime::CPython, exe: p.python.clone(), pre_args: Vec::new() };
    let dx = dxpy_interpreter(dx_py, &p.venv);
    let deadline = Instant::now() + suite_timeout;
    let (mut cp_results, mut dx_results, mut notes) = (Vec::new(), Vec::new(), Vec::new());
    let n = f.modules.len();
    for (i, m) in f.modules.iter().enumerate() {
        eprintln!("[{}/{n}] {} {m}", i + 1, f.name);
        let left = || deadline.saturating_duration_since(Instant::now()).min(file_timeout);
        if left().is_zero() {
            notes.push(format!("suite timeout: module {m} not run"));
            continue;
        }
        let args = django_args(m);
        let c = validator::run_unittest_command(&cp, &tests, &args, m, left());
        let mut d = if left().is_zero() {
            validator::FileRun {
                results: Vec::new(),
                exit: run::Exit::TimedOut,
                abnormal: true,
                notes: vec![format!("suite timeout before DX-Py ran {m}")],
            }
        } else {
            validator::run_unittest_command(&dx, &tests, &args, m, left())
        };
        validator::reconcile(&c.results, &mut d, m);
        notes.extend(c.notes.iter().map(|s| format!("CPython: {s}")));
        notes.extend(d.notes.iter().cloned());
        cp_results.extend(c.results);
        dx_results.extend(d.results);
    }
    Ok(FrameworkRun {
        framework: f.name.clone(),
        version: f.version.clone(),
        comparison: validator::compare::compare_results(&cp_results, &dx_results),
        notes,
    })
}

/// The previous matrix at `path`, if any (the committed snapshot in a clean checkout).
fn previous_matrix(path: &Path) -> Option<Matrix> {
    let text = std::fs::read_to_string(path).ok()?;
    match Matrix::from_json(&text) {
        Ok(m) => Some(m),
        Err(e) => {
            eprintln!("warning: {}: {e}; no regression check", path.display());
            None
        }
    }
}

/// The matrix as JSON for a committed snapshot: indented, except that each test row is
/// one line (a snapshot diff then shows one line per changed test, at half the size).
pub fn snapshot_json(m: &Matrix) -> String {
    // Rows serialised from the typed rows keep their field order (`id` first).
    let rows: Vec<Vec<String>> = m
        .frameworks
        .iter()
        .map(|f| f.tests.iter().map(|t| serde_json::to_string(t).expect("row serialises")).collect())
        .collect();
    let mut v = serde_json::to_value(m).expect("matrix serialises");
    if let Some(fws) = v.get_mut("frameworks").and_then(|f| f.as_array_mut()) {
        for (i, f) in fws.iter_mut().enumerate() {
            f["tests"] = serde_json::Value::String(format!("@@tests-{i}@@"));
        }
    }
    let mut s = serde_json::to_string_pretty(&v).expect("matrix serialises");
    for (i, lines) in rows.iter().enumerate() {
        let body = if lines.is_empty() {
            "[]".to_string()
        } else {
            let rows: Vec<String> = lines.iter().map(|l| format!("        {l}")).collect();
            format!("[\n{}\n      ]", rows.join(",\n"))
        };
        s = s.replacen(&format!("\"@@tests-{i}@@\""), &body, 1);
    }
    s.push('\n');
    s
}

/// `previous` restricted to the frameworks `current` has (a framework not run is not a
/// regression of every one of its tests).
pub fn restrict_to(previous: &Matrix, current: &Matrix) -> Matrix {
    let mut m = previous.clone();
    m.frameworks.retain(|f| current.frameworks.iter().any(|c| c.framework == f.framework));
    m
}

pub fn run(args: Args) -> Result<(), String> {
    let root = crate::repo_root();
    let data = args.frameworks_file.clone().unwrap_or_else(|| root.join("validator/frameworks.toml"));
    let text = std::fs::read_to_string(&data).map_err(|e| format!("{}: {e}", data.display()))?;
    let all = parse_frameworks(&text)?;
    for name in &args.frameworks {
        if !all.iter().any(|f| f.name.eq_ignore_ascii_case(name)) {
            let names: Vec<&str> = all.iter().map(|f| f.name.as_str()).collect();
            return Err(format!("unknown framework {name} (known: {})", names.join(", ")));
        }
    }
    let named =
        |f: &Framework| args.frameworks.is_empty() || args.frameworks.iter().any(|n| n.eq_ignore_ascii_case(&f.name));
    let selected: Vec<&Framework> = all.iter().filter(|f| named(f) && (!args.smoke || !f.smoke.is_empty())).collect();
    if selected.is_empty() {
        return Err("no framework selected (with --smoke: none has `smoke` files)".into());
    }
    let dx_py = match &args.dx_py {
        Some(p) => p.clone(),
        None => crate::bench::default_dx_py(&root)
            .ok_or("no dx-py binary in target/{release,debug}: build it (cargo build -p dx-py) or pass --dx-py")?,
    };
    let dx_py = std::path::absolute(&dx_py).map_err(|e| e.to_string())?;
    let work = args.work.clone().unwrap_or_else(|| root.join("target/validate"));
    let out =
        args.out.clone().unwrap_or_else(|| if args.smoke { work.join("smoke") } else { root.join("reports/compat") });
    eprintln!("validate: DX-Py {}, CPython {}, work {}", dx_py.display(), args.python.display(), work.display());
    let (ft, st) = (Duration::from_secs(args.file_timeout), Duration::from_secs(args.suite_timeout));
    let mut runs = Vec::new();
    let mut failures = Vec::new();
    for f in selected.iter().filter(|_| !args.no_run) {
        let t0 = Instant::now();
        let result = prepare(&work, f, &args.python).and_then(|p| run_framework(f, &p, &dx_py, args.smoke, ft, st));
        match result {
            Ok(r) => {
                if !args.smoke {
                    let cache = work.join(&f.name).join("last-run.json");
                    let json = serde_json::to_string(&r).map_err(|e| e.to_string())?;
                    std::fs::write(&cache, json).map_err(|e| format!("{}: {e}", cache.display()))?;
                }
                eprintln!(
                    "[{}] done in {:.0} s: {} tests",
                    f.name,
                    t0.elapsed().as_secs_f64(),
                    r.comparison.tests.len()
                );
                runs.push(r);
            }
            Err(e) => {
                eprintln!("[{}] FAILED: {e}", f.name);
                failures.push(format!("{}: {e}", f.name));
            }
        }
    }
    // Frameworks not run now keep their last run (the matrix stays whole).
    if !args.smoke {
        for f in &all {
            if runs.iter().any(|r| r.framework == f.name) {
                continue;
            }
            let cache = work.join(&f.name).join("last-run.json");
            let cached: Option<FrameworkRun> =
                std::fs::read_to_string(&cache).ok().and_then(|t| serde_json::from_str(&t).ok());
            match cached {
                Some(mut r) if r.version == f.version => {
                    if !args.no_run {
                        r.notes.insert(0, "not re-run in the latest invocation: results of the previous run".into());
                    }
                    runs.push(r);
                }
                _ => eprintln!("[{}] not run and no cached run: left out of the matrix", f.name),
            }
        }
        // Data-file order.
        runs.sort_by_key(|r| all.iter().position(|f| f.name == r.framework));
    }
    if runs.is_empty() {
        return Err(format!("no framework ran: {}", failures.join("; ")));
    }
    let m = matrix::build(&runs);
    std::fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    let json_path = out.join("matrix.json");
    let previous = previous_matrix(&json_path);
    std::fs::write(&json_path, snapshot_json(&m)).map_err(|e| format!("{}: {e}", json_path.display()))?;
    std::fs::write(out.join("matrix.md"), m.to_markdown()).map_err(|e| e.to_string())?;
    eprintln!("wrote {} and matrix.md", json_path.display());
    for f in &m.frameworks {
        let pct = f.pct_of_cpython.map(|p| format!("{p:.1}%")).unwrap_or_else(|| "n/a".into());
        eprintln!(
            "  {:<11} {:<8} collected {:>5}  CPython passed {:>5}  DX-Py passed {:>5}  {pct}",
            f.framework, f.version, f.collected, f.cpython_passed, f.dxpy.passed
        );
    }
    let mut regressed = false;
    if let Some(prev) = previous {
        let report = validator::regress::compare(&restrict_to(&prev, &m), &m);
        eprint!("against the previous matrix: {}", report.render());
        regressed = report.has_regressions();
    }
    if !failures.is_empty() {
        return Err(format!("frameworks that could not run: {}", failures.join("; ")));
    }
    if args.smoke {
        for f in &m.frameworks {
            if f.collected == 0 || f.cpython_passed == 0 {
                return Err(format!(
                    "smoke: {} collected {} tests, CPython passed {}",
                    f.framework, f.collected, f.cpython_passed
                ));
            }
        }
    }
    if regressed && args.fail_on_regression {
        return Err("regressions against the previous matrix (--fail-on-regression)".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"
[[framework]]
name = "markupsafe"
version = "3.0.2"
requirement = "markupsafe==3.0.2"
deps = ["pytest==8.3.4"]
sdist_ok = ["ephemeral-port-reserve"]
tests_from = "sdist"
runner = "pytest"
tests_dir = "tests"
smoke = ["tests/test_escape.py"]

[[framework]]
name = "django"
version = "5.1.4"
requirement = "django==5.1.4"
tests_from = "sdist"
runner = "django"
modules = ["basic"]
subset = "one module"
"#;

    #[test]
    fn parses_the_committed_data_file() {
        let text = std::fs::read_to_string(crate::repo_root().join("validator/frameworks.toml")).unwrap();
        let fws = parse_frameworks(&text).unwrap();
        let names: Vec<&str> = fws.iter().map(|f| f.name.as_str()).collect();
        for want in ["flask", "django", "fastapi", "pandas", "numpy", "markupsafe", "jinja2", "werkzeug"] {
            assert!(names.contains(&want), "{want} missing from {names:?}");
        }
        assert!(fws.iter().any(|f| !f.smoke.is_empty()), "a smoke subset for CI");
    }

    #[test]
    fn parses_and_builds_commands() {
        let fws = parse_frameworks(SAMPLE).unwrap();
        assert_eq!(fws.len(), 2);
        let m = &fws[0];
        assert_eq!(
            pip_install_args(m),
            [
                "-m",
                "pip",
                "install",
                "-q",
                "--disable-pip-version-check",
                "--only-binary",
                ":all:",
                "--no-binary",
                "ephemeral-port-reserve",
                "markupsafe==3.0.2",
                "pytest==8.3.4"
            ]
        );
        assert!(venv_stamp(m, Path::new("python3.11")).starts_with("python=python3.11\n"));
        assert_ne!(venv_stamp(m, Path::new("python3.11")), venv_stamp(&fws[1], Path::new("python3.11")));
        assert_eq!(django_args("basic"), ["runtests.py", "--settings=test_sqlite", "-v", "2", "--parallel=1", "basic"]);
        let dx = dxpy_interpreter(Path::new("/bin/dx-py"), Path::new("/v"));
        let c = dx.command();
        let args: Vec<_> = c.get_args().map(|a| a.to_string_lossy().into_owned()).collect();
        assert_eq!(args, ["--venv", "/v"]);
        assert_eq!(fws[1].runner, SuiteRunner::Django);
    }

    #[test]
    fn regression_check_covers_only_frameworks_run() {
        use validator::model::{Outcome, TestResult};
        let run = |name: &str, dx: Outcome| FrameworkRun {
            framework: name.into(),
            version: "1".into(),
            comparison: validator::compare::compare_results(
                &[TestResult::new("t.test_a", Outcome::Passed)],
                &[TestResult::new("t.test_a", dx)],
            ),
            notes: vec![],
        };
        let previous = matrix::build(&[run("flask", Outcome::Passed), run("django", Outcome::Passed)]);
        let current = matrix::build(&[run("flask", Outcome::Passed)]);
        let r = validator::regress::compare(&restrict_to(&previous, &current), &current);
        assert!(!r.has_regressions(), "{}", r.render());
        // Without the restriction every django test would be a regression.
        assert!(validator::regress::compare(&previous, &current).has_regressions());
        let worse = matrix::build(&[run("flask", Outcome::Crashed)]);
        let r = validator::regress::compare(&restrict_to(&previous, &worse), &worse);
        assert_eq!(r.regressions.len(), 1);
    }

    #[test]
    fn snapshot_json_round_trips_one_line_per_test() {
        use validator::model::{Outcome, TestResult};
        let cp = [TestResult::new("t.test_a", Outcome::Passed), TestResult::new("t.test_b", Outcome::Passed)];
        let dx = [TestResult::new("t.test_a", Outcome::Passed)];
        let run = FrameworkRun {
            framework: "flask".into(),
            version: "1".into(),
            comparison: validator::compare::compare_results(&cp, &dx),
            notes: vec!["n".into()],
        };
        let empty =
            FrameworkRun { framework: "x".into(), version: "1".into(), comparison: Default::default(), notes: vec![] };
        let m = matrix::build(&[run, empty]);
        let s = snapshot_json(&m);
        assert_eq!(Matrix::from_json(&s).unwrap(), m);
        assert_eq!(s.lines().filter(|l| l.trim_start().starts_with("{\"id\"")).count(), 2, "{s}");
        assert!(!s.contains("@@tests"));
    }

    #[test]
    fn rejects_bad_data() {
        let dup = format!(
            "{SAMPLE}\n[[framework]]\nname = \"django\"\nversion = \"1\"\nrequirement = \"django==1\"\ntests_from = \"sdist\"\nrunner = \"django\"\nmodules = [\"x\"]\nsubset = \"x\"\n"
        );
        assert!(parse_frameworks(&dup).unwrap_err().contains("twice"));
        let unpinned = SAMPLE.replace("requirement = \"markupsafe==3.0.2\"", "requirement = \"markupsafe\"");
        assert!(parse_frameworks(&unpinned).unwrap_err().contains("does not pin"));
        let silent_subset = SAMPLE.replace("subset = \"one module\"", "");
        assert!(parse_frameworks(&silent_subset).unwrap_err().contains("subset"));
        let silent_exclude =
            SAMPLE.replace("tests_dir = \"tests\"", "tests_dir = \"tests\"\nexclude = [\"tests/slow/\"]");
        assert!(parse_frameworks(&silent_exclude).unwrap_err().contains("subset"));
        let no_modules = SAMPLE.replace("modules = [\"basic\"]", "");
        assert!(parse_frameworks(&no_modules).unwrap_err().contains("modules"));
        let unknown = SAMPLE.replace("runner = \"pytest\"", "runner = \"nose\"");
        assert!(parse_frameworks(&unknown).is_err());
        let typo = SAMPLE.replace("tests_dir =", "test_dir =");
        assert!(parse_frameworks(&typo).is_err());
    }
}
