//! The data every other module speaks: test ids, outcomes, results and suite runs.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A test's canonical id: the dotted path `module.Class.test_name` (pytest's JUnit
/// `classname` + `.` + `name`, unittest's `(pkg.mod.Class.test_x)`), so the same test has
/// the same id whichever runner ran it. A whole file that failed to import or collect is
/// represented by its module path alone (`pkg.test_mod`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TestId(pub String);

impl TestId {
    pub fn new(s: impl Into<String>) -> Self {
        TestId(s.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What happened to one test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Passed,
    /// Ran, and an assertion failed.
    Failed,
    /// Raised something other than an assertion failure (or failed in set-up/collection).
    Error,
    Skipped,
    /// Expected failure that failed (pytest xfail, unittest `expectedFailure`).
    XFail,
    /// Expected failure that passed.
    XPass,
    /// The runtime died (signal, abort, non-zero exit without a report) while this test ran
    /// or before it could run.
    Crashed,
    /// The per-file or per-suite timeout fired before this test finished.
    TimedOut,
}

impl Outcome {
    pub const ALL: [Outcome; 8] = [
        Outcome::Passed,
        Outcome::Failed,
        Outcome::Error,
        Outcome::Skipped,
        Outcome::XFail,
        Outcome::XPass,
        Outcome::Crashed,
        Outcome::TimedOut,
    ];

    /// True for outcomes that count as "the test works" (passed, or an expected failure
    /// behaving as expected).
    pub fn is_pass(self) -> bool {
        matches!(self, Outcome::Passed | Outcome::XFail)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Passed => "passed",
            Outcome::Failed => "failed",
            Outcome::Error => "error",
            Outcome::Skipped => "skipped",
            Outcome::XFail => "xfail",
            Outcome::XPass => "xpass",
            Outcome::Crashed => "crashed",
            Outcome::TimedOut => "timed_out",
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One test's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestResult {
    pub id: TestId,
    pub outcome: Outcome,
    /// The short message: the exception line (`AssertionError: 1 != 2`), the skip reason,
    /// or the runner's note (`killed by signal 11`).
    pub message: Option<String>,
    /// The long text: traceback or captured failure text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
    /// Seconds, when the runner reports it.
    pub duration: Option<f64>,
    /// The test file (relative to the project) the test came from, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
}

impl TestResult {
    pub fn new(id: impl Into<String>, outcome: Outcome) -> Self {
        TestResult { id: TestId::new(id), outcome, message: None, details: None, duration: None, file: None }
    }

    pub fn with_message(mut self, message: impl Into<String>) -> Self {
        self.message = Some(message.into());
        self
    }
}

/// Which runtime a suite ran under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Runtime {
    CPython,
    DxPy,
}

impl fmt::Display for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Runtime::CPython => "CPython",
            Runtime::DxPy => "DX-Py",
        })
    }
}

/// Which test runner produced the results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Runner {
    Pytest,
    Unittest,
}

/// Everything one runtime produced for one suite (a project or a framework's test suite).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SuiteRun {
    pub runtime: Runtime,
    pub runner: Runner,
    pub results: Vec<TestResult>,
    /// Problems with the run itself (truncated output, a file that crashed, a timeout),
    /// one line each, for the report.
    pub notes: Vec<String>,
    /// Wall-clock seconds for the whole suite.
    pub duration: f64,
}

impl SuiteRun {
    pub fn new(runtime: Runtime, runner: Runner) -> Self {
        SuiteRun { runtime, runner, results: Vec::new(), notes: Vec::new(), duration: 0.0 }
    }
}
