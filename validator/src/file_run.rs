//! Running one test file (or one custom runner's unit) under one runtime and turning
//! what it printed into results: pytest's JUnit XML with the `-v` console as fallback,
//! unittest's verbose output; the file-level error when nothing ran; the crashed test and
//! the Rust panic when the process died; resuming a pytest file after a crash; filling in
//! DX-Py's missing tests ([`reconcile`]).

use std::path::Path;
use std::time::Duration;

use crate::model::{self, Outcome, Runner, TestResult};
use crate::{Interpreter, junit, module_name, pytest_log, run, unittest};

/// What running one test file gave.
#[derive(Debug, Clone)]
pub struct FileRun {
    pub results: Vec<TestResult>,
    pub exit: run::Exit,
    /// The run ended abnormally (signal, timeout, or no complete report).
    pub abnormal: bool,
    pub notes: Vec<String>,
}

/// Runs one test file (`rel`, relative to `dir`) under `interp` with `runner`.
pub fn run_file(interp: &Interpreter, runner: Runner, dir: &Path, rel: &Path, timeout: Duration) -> FileRun {
    run_file_with(interp, runner, dir, rel, &[], timeout)
}

/// [`run_file`] with extra pytest arguments (`pytest_args`, ignored by unittest).
pub fn run_file_with(
    interp: &Interpreter,
    runner: Runner,
    dir: &Path,
    rel: &Path,
    pytest_args: &[String],
    timeout: Duration,
) -> FileRun {
    let module = module_name(rel);
    let rel_s = rel.to_string_lossy().into_owned();
    let mut c = interp.command();
    c.current_dir(dir).env("PYTHONDONTWRITEBYTECODE", "1");
    // Unique per call: several validations may run at once in one process.
    static SEQ: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let xml_path = std::env::temp_dir().join(format!(
        "dxpy-validate-{}-{}-{}-{}.xml",
        std::process::id(),
        SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        interp.runtime,
        module.replace('.', "_")
    ));
    match runner {
        Runner::Pytest => {
            let _ = std::fs::remove_file(&xml_path);
            // `--capture=sys`: output written to file descriptor 2 (a Rust panic, a C-level
            // abort message) reaches us even when the process dies inside a test.
            c.args(["-m", "pytest", "-p", "no:cacheprovider", "-v", "--capture=sys", "--rootdir", "."]);
            c.args(pytest_args);
            c.arg(format!("--junitxml={}", xml_path.display())).arg(&rel_s);
        }
        Runner::Unittest => {
            c.args(["-m", "unittest", "-v", &module]);
        }
    }
    let out = match run::run_with_timeout(c, timeout) {
        Ok(o) => o,
        Err(e) => {
            return FileRun { results: Vec::new(), exit: run::Exit::Code(-1), abnormal: true, notes: vec![e] };
        }
    };
    let xml = match runner {
        Runner::Pytest => {
            let xml = std::fs::read_to_string(&xml_path).unwrap_or_default();
            let _ = std::fs::remove_file(&xml_path);
            Some(xml)
        }
        Runner::Unittest => None,
    };
    collect(interp, &out, xml.as_deref(), &module, &rel_s)
}

/// Runs a custom command whose output is unittest's verbose format (Django's
/// `runtests.py -v 2`): `args` after the interpreter's own arguments, in `dir`. `unit` names
/// what runs (a Django test module such as `basic`): it is the id of the unit-level error
/// when nothing is reported, and the `file` of every result.
pub fn run_unittest_command(
    interp: &Interpreter,
    dir: &Path,
    args: &[String],
    unit: &str,
    timeout: Duration,
) -> FileRun {
    let mut c = interp.command();
    c.current_dir(dir).env("PYTHONDONTWRITEBYTECODE", "1").args(args);
    match run::run_with_timeout(c, timeout) {
        Ok(out) => collect(interp, &out, None, unit, unit),
        Err(e) => FileRun { results: Vec::new(), exit: run::Exit::Code(-1), abnormal: true, notes: vec![e] },
    }
}

/// Turns a finished run into results: the JUnit XML (`xml`, pytest) with the console
/// output as fallback, or unittest's verbose output (`xml` is `None`).
fn collect(interp: &Interpreter, out: &run::Output, xml: Option<&str>, module: &str, rel_s: &str) -> FileRun {
    let mut notes = Vec::new();
    let last_err = out.stderr.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("").trim().to_string();
    let (mut results, truncated, in_progress) = match xml {
        Some(xml) => {
            let (mut results, truncated, mut in_progress) = match junit::parse(xml) {
                Ok(r) => {
                    if let Some(d) = &r.damage {
                        notes.push(format!("{rel_s} ({}): {d}", interp.runtime));
                    }
                    (r.results, r.truncated, r.in_progress)
                }
                Err(e) => {
                    // A run that died or timed out writes no XML: the note below says so.
                    if !(out.exit.is_crash() || out.exit == run::Exit::TimedOut || xml.is_empty()) {
                        notes.push(format!("{rel_s} ({}): no usable JUnit XML: {e}", interp.runtime));
                    }
                    (Vec::new(), true, None)
                }
            };
            // No complete XML (pytest writes it at the end of the session): keep what the
            // `-v` console output shows finished.
            if truncated {
                let log = pytest_log::parse(&out.stdout);
                for r in log.results {
                    if !results.iter().any(|x| x.id == r.id) {
                        results.push(r);
                    }
                }
                in_progress = in_progress.or(log.in_progress);
            }
            (results, truncated, in_progress)
        }
        None => {
            let r = unittest::parse(&format!("{}\n{}", out.stderr, out.stdout));
            // A module that fails to import is `unittest.loader._FailedTest.<module>`: one
            // file-level error with the module's id.
            let results = r
                .results
                .into_iter()
                .map(|mut t| {
                    if t.id.as_str().starts_with("unittest.loader._FailedTest.") {
                        t.id = model::TestId(module.to_string());
                        t.outcome = Outcome::Error;
                    }
                    t
                })
                .collect();
            (results, r.truncated, r.in_progress)
        }
    };
    // The runner exited by itself without reporting any test: the module did not import
    // or collect (`-m unittest MODULE` dies on a SyntaxError in MODULE). One file-level
    // error carrying the exception, which `reconcile` gives to each of the file's tests.
    let exited = matches!(out.exit, run::Exit::Code(c) if c != 0);
    if results.is_empty()
        && truncated
        && exited
        && let Some(exc) = last_exception(&out.stderr).or_else(|| pytest_error_line(&out.stderr))
    {
        let mut r = TestResult::new(module, Outcome::Error).with_message(exc);
        let tail: Vec<&str> = out.stderr.lines().rev().take(40).collect();
        r.details = Some(tail.into_iter().rev().collect::<Vec<_>>().join("\n"));
        results.push(r);
    }
    let abnormal = out.exit.is_crash() || out.exit == run::Exit::TimedOut || truncated;
    if abnormal {
        let why = format!("{} while running {rel_s}: {}", interp.runtime, out.exit.describe());
        let last = panic_message(&out.stderr).or_else(|| panic_message(&out.stdout)).unwrap_or(last_err);
        notes.push(if last.is_empty() { why } else { format!("{why}; {last}") });
        if let Some(id) = in_progress {
            let outcome = if out.exit == run::Exit::TimedOut { Outcome::TimedOut } else { Outcome::Crashed };
            let msg = match panic_message(&out.stderr).or_else(|| panic_message(&out.stdout)) {
                Some(p) => format!("{}: {p}", out.exit.describe()),
                None => out.exit.describe(),
            };
            results.push(TestResult::new(id.0, outcome).with_message(msg));
        }
    }
    for r in &mut results {
        r.file.get_or_insert_with(|| rel_s.to_string());
    }
    FileRun { results, exit: out.exit, abnormal, notes }
}

/// The exception line ending a Python traceback in `stderr` (`SyntaxError: ...`).
fn last_exception(stderr: &str) -> Option<String> {
    let lines: Vec<&str> = stderr.lines().collect();
    let tb = lines.iter().rposition(|l| l.starts_with("Traceback ") || l.starts_with("  File "))?;
    lines[tb..]
        .iter()
        .rev()
        .find(|l| !l.is_empty() && !l.starts_with(' ') && l.contains(':') && !l.starts_with("Traceback "))
        .map(|l| l.trim().to_string())
}

/// pytest's own report of an error outside any test (a conftest.py that does not import:
/// `E   ModuleNotFoundError: No module named '_ssl'`): the last `E   Name: ...` line.
fn pytest_error_line(text: &str) -> Option<String> {
    text.lines().rev().find_map(|l| {
        let e = l.strip_prefix("E ")?.trim();
        let name = e.split(':').next()?;
        let looks_like = !name.is_empty()
            && !name.contains(char::is_whitespace)
            && (name.ends_with("Error") || name.ends_with("Exception") || name.ends_with("Exit"));
        looks_like.then(|| e.to_string())
    })
}

/// A Rust panic's location and message (`panicked at src/x.rs:1:2:` + the next line), for
/// a run that died of one (exit code 101). Paths are cut to the crate-relative part.
fn panic_message(stderr: &str) -> Option<String> {
    let lines: Vec<&str> = stderr.lines().collect();
    let i = lines.iter().rposition(|l| l.contains(" panicked at "))?;
    let at = lines[i].split(" panicked at ").nth(1)?.trim_end_matches(':');
    let at = at.rsplit_once("/src/").map(|(krate, rest)| {
        let krate = krate.rsplit('/').next().unwrap_or(krate);
        format!("{krate}/src/{rest}")
    });
    let what = lines.get(i + 1).map(|l| l.trim()).unwrap_or("");
    Some(format!("Rust panic at {}: {what}", at.unwrap_or_default()))
}

/// Fills in DX-Py's results for tests CPython ran in the same file that DX-Py did not
/// report: an import failure of the whole module becomes that error on each of them; an
/// abnormal end (crash, timeout) becomes `crashed`/`timed_out`.
pub fn reconcile(cpython: &[TestResult], dx: &mut FileRun, module: &str) {
    let file_error = dx.results.iter().find(|r| r.id.as_str() == module && r.outcome == Outcome::Error).cloned();
    let missing: Vec<&TestResult> =
        cpython.iter().filter(|c| c.id.as_str() != module && !dx.results.iter().any(|d| d.id == c.id)).collect();
    if missing.is_empty() {
        return;
    }
    let fill = |c: &TestResult, outcome: Outcome, msg: String, details: Option<String>| {
        let mut r = TestResult::new(c.id.0.clone(), outcome).with_message(msg);
        r.details = details;
        r.file = c.file.clone();
        r
    };
    let extra: Vec<TestResult> = if let Some(e) = &file_error {
        missing
            .iter()
            .map(|c| fill(c, Outcome::Error, e.message.clone().unwrap_or_default(), e.details.clone()))
            .collect()
    } else if dx.abnormal {
        let outcome = if dx.exit == run::Exit::TimedOut { Outcome::TimedOut } else { Outcome::Crashed };
        let msg = format!("DX-Py ended ({}) before reporting this test", dx.exit.describe());
        missing.iter().map(|c| fill(c, outcome, msg.clone(), None)).collect()
    } else {
        Vec::new()
    };
    if file_error.is_some() && !extra.is_empty() {
        dx.results.retain(|r| r.id.as_str() != module);
    }
    dx.results.extend(extra);
}

/// How many times one file is resumed after a crash or hang of DX-Py.
pub const MAX_RESUMES: usize = 40;

/// The pytest node id of a test of file `rel` (`tests/test_x.py`) from its dotted id
/// (`tests.test_x.TestA.test_b[p.q]` → `tests/test_x.py::TestA::test_b[p.q]`); `None`
/// when the id is not under the file's module.
pub fn pytest_node_id(rel: &Path, id: &model::TestId) -> Option<String> {
    let module = module_name(rel);
    let rest = id.as_str().strip_prefix(&module)?.strip_prefix('.')?;
    let (head, params) = match rest.find('[') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    Some(format!("{}::{}{params}", rel.to_string_lossy(), head.replace('.', "::")))
}

/// After DX-Py crashed or hung inside a test of a pytest file, runs the file again without
/// the tests already reported (the crashed one included), so one crash marks that test only
/// and the rest of the file still gets real results. Stops when nothing CPython ran is
/// missing, when the run did not stop inside a known test, after [`MAX_RESUMES`] rounds,
/// or when `time_left` is zero.
pub fn resume_after_crash(
    dx: &Interpreter,
    dir: &Path,
    rel: &Path,
    pytest_args: &[String],
    cpython: &[TestResult],
    d: &mut FileRun,
    time_left: impl Fn() -> Duration,
) {
    let mut rounds = 0;
    while rounds < MAX_RESUMES {
        let stopped_in_test = d.results.iter().any(|r| matches!(r.outcome, Outcome::Crashed | Outcome::TimedOut));
        let missing = cpython.iter().any(|c| !d.results.iter().any(|r| r.id == c.id));
        if !d.abnormal || !stopped_in_test || !missing {
            break;
        }
        let t = time_left();
        if t.is_zero() {
            break;
        }
        // `--deselect` matches node-id prefixes: deselecting `test_block` would also drop
        // `test_block_filtered`. A reported test whose node id prefixes a missing one stays
        // selected (it runs again; the first result is kept).
        let missing: Vec<String> = cpython
            .iter()
            .filter(|c| !d.results.iter().any(|r| r.id == c.id))
            .filter_map(|c| pytest_node_id(rel, &c.id))
            .collect();
        let mut args = pytest_args.to_vec();
        for r in &d.results {
            if let Some(n) = pytest_node_id(rel, &r.id)
                && !missing.iter().any(|m| m.starts_with(&n))
            {
                args.push("--deselect".into());
                args.push(n);
            }
        }
        let before = d.results.len();
        let more = run_file_with(dx, Runner::Pytest, dir, rel, &args, t);
        rounds += 1;
        d.notes.extend(more.notes);
        for r in more.results {
            if !d.results.iter().any(|x| x.id == r.id) {
                d.results.push(r);
            }
        }
        d.exit = more.exit;
        d.abnormal = more.abnormal;
        if d.results.len() == before {
            break;
        }
    }
    if rounds > 0 {
        d.notes.push(format!("{}: {} resumed {rounds} time(s) after crashes/hangs", dx.runtime, rel.display()));
    }
    d.notes = collapse_repeats(std::mem::take(&mut d.notes));
}

/// Identical notes once each, in first-seen order, with ` (×N)` when repeated.
fn collapse_repeats(notes: Vec<String>) -> Vec<String> {
    let mut out: Vec<(String, usize)> = Vec::new();
    for n in notes {
        match out.iter_mut().find(|(x, _)| *x == n) {
            Some((_, c)) => *c += 1,
            None => out.push((n, 1)),
        }
    }
    out.into_iter().map(|(n, c)| if c > 1 { format!("{n} (×{c})") } else { n }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Runtime;

    fn sh() -> Interpreter {
        Interpreter { runtime: Runtime::DxPy, exe: "sh".into(), pre_args: vec!["-c".into()] }
    }

    #[test]
    fn custom_unittest_command_results_and_unit_error() {
        let dir = std::env::temp_dir();
        let ok = "printf 'test_a (basic.tests.T.test_a) ... ok\\ntest_b (basic.tests.T.test_b) ... FAIL\\n\\n----------------------------------------------------------------------\\nRan 2 tests in 0.1s\\n' >&2; exit 1";
        let r = run_unittest_command(&sh(), &dir, &[ok.into()], "basic", Duration::from_secs(20));
        let got: Vec<(&str, Outcome)> = r.results.iter().map(|t| (t.id.as_str(), t.outcome)).collect();
        assert_eq!(got, [("basic.tests.T.test_a", Outcome::Passed), ("basic.tests.T.test_b", Outcome::Failed)]);
        assert!(!r.abnormal);
        assert_eq!(r.results[0].file.as_deref(), Some("basic"));

        assert_eq!(
            pytest_node_id(Path::new("tests/test_x.py"), &model::TestId::new("tests.test_x.TestA.test_b[p.q]")),
            Some("tests/test_x.py::TestA::test_b[p.q]".to_string())
        );
        assert_eq!(
            pytest_node_id(Path::new("tests/test_x.py"), &model::TestId::new("tests.test_x.test_f")),
            Some("tests/test_x.py::test_f".to_string())
        );
        assert_eq!(pytest_node_id(Path::new("tests/test_x.py"), &model::TestId::new("other.test_f")), None);
        assert_eq!(
            pytest_error_line(
                "ImportError while loading conftest '/x/conftest.py'.\nconftest.py:8: in <module>\n    import ssl\nE   ModuleNotFoundError: No module named '_ssl'\n"
            ),
            Some("ModuleNotFoundError: No module named '_ssl'".to_string())
        );
        assert_eq!(pytest_error_line("E   assert 1 == 2\n"), None);
        assert_eq!(collapse_repeats(vec!["a".into(), "b".into(), "a".into()]), ["a (×2)", "b"]);
        assert_eq!(
            panic_message("tests/t.py::test_x \nthread 'main' (1) panicked at /root/.cargo/registry/src/index.crates.io-1/rustpython-vm-0.5.0/src/builtins/code.rs:1300:64:\ncalled `Option::unwrap()` on a `None` value\nnote: run with `RUST_BACKTRACE=1`\n"),
            Some("Rust panic at rustpython-vm-0.5.0/src/builtins/code.rs:1300:64: called `Option::unwrap()` on a `None` value".to_string())
        );

        // Dies before running anything: one unit-level error carrying the exception, which
        // `reconcile` hands to every test CPython ran in that unit.
        let dead = "printf 'Traceback (most recent call last):\\n  File \"runtests.py\", line 1\\nImportError: no sqlite\\n' >&2; exit 1";
        let mut d = run_unittest_command(&sh(), &dir, &[dead.into()], "basic", Duration::from_secs(20));
        assert_eq!(d.results.len(), 1);
        assert_eq!(d.results[0].id.as_str(), "basic");
        assert_eq!(d.results[0].message.as_deref(), Some("ImportError: no sqlite"));
        reconcile(&r.results, &mut d, "basic");
        let got: Vec<(&str, Outcome)> = d.results.iter().map(|t| (t.id.as_str(), t.outcome)).collect();
        assert_eq!(got, [("basic.tests.T.test_a", Outcome::Error), ("basic.tests.T.test_b", Outcome::Error)]);

        // Killed mid-run: finished tests kept, the running one crashed, the rest crashed.
        let crash =
            "printf 'test_a (basic.tests.T.test_a) ... ok\\ntest_b (basic.tests.T.test_b) ... ' >&2; kill -SEGV $$";
        let mut c = run_unittest_command(&sh(), &dir, &[crash.into()], "basic", Duration::from_secs(20));
        assert!(c.abnormal);
        let cp = vec![
            TestResult::new("basic.tests.T.test_a", Outcome::Passed),
            TestResult::new("basic.tests.T.test_b", Outcome::Passed),
            TestResult::new("basic.tests.T.test_c", Outcome::Passed),
        ];
        reconcile(&cp, &mut c, "basic");
        let mut got: Vec<(&str, Outcome)> = c.results.iter().map(|t| (t.id.as_str(), t.outcome)).collect();
        got.sort();
        assert_eq!(
            got,
            [
                ("basic.tests.T.test_a", Outcome::Passed),
                ("basic.tests.T.test_b", Outcome::Crashed),
                ("basic.tests.T.test_c", Outcome::Crashed)
            ]
        );
    }
}
