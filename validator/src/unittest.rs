//! Verbose output of `python -m unittest -v` and of Django's `runtests.py -v 2`:
//!
//! ```text
//! test_x (pkg.mod.Class.test_x) ... ok | FAIL | ERROR | skipped 'why' | expected failure | unexpected success
//! ======================================================================
//! FAIL: test_x (pkg.mod.Class.test_x)
//! ----------------------------------------------------------------------
//! Traceback (most recent call last): ...
//! ----------------------------------------------------------------------
//! Ran 9 tests in 0.001s
//! ```
//!
//! Python < 3.11 prints `test_x (pkg.mod.Class)`; both give the id `pkg.mod.Class.test_x`.
//! A docstring puts the status on the next line; output a test writes to stderr can sit
//! between the `...` and the status. Output cut short (a crash) keeps every test whose
//! status line was printed; the test that was running is [`UnittestReport::in_progress`].

use crate::model::{Outcome, TestId, TestResult};

#[derive(Debug, Clone, PartialEq, Default)]
pub struct UnittestReport {
    pub results: Vec<TestResult>,
    /// No `Ran N tests` line: the run ended early.
    pub truncated: bool,
    /// The test whose status line was started but never finished.
    pub in_progress: Option<TestId>,
    /// The count from `Ran N tests`, when present.
    pub ran: Option<usize>,
}

/// `test_x (pkg.mod.Class.test_x)...` → (`test_x`, `pkg.mod.Class.test_x`, rest after `)`).
fn test_header(line: &str) -> Option<(&str, TestId, &str)> {
    let (name, rest) = line.split_once(" (")?;
    if name.is_empty() || name.contains(char::is_whitespace) {
        return None;
    }
    let close = rest.find(')')?;
    let inner = &rest[..close];
    if inner.is_empty() || inner.contains(char::is_whitespace) {
        return None;
    }
    let id = if inner.ends_with(&format!(".{name}")) { inner.to_string() } else { format!("{inner}.{name}") };
    Some((name, TestId(id), &rest[close + 1..]))
}

fn status(text: &str) -> Option<(Outcome, Option<String>)> {
    let t = text.trim();
    Some(match t {
        "ok" => (Outcome::Passed, None),
        "FAIL" => (Outcome::Failed, None),
        "ERROR" => (Outcome::Error, None),
        "expected failure" => (Outcome::XFail, None),
        "unexpected success" => (Outcome::XPass, None),
        "skipped" => (Outcome::Skipped, None),
        _ => {
            let reason = t.strip_prefix("skipped ")?;
            let reason = reason.trim_matches(|c| c == '\'' || c == '"');
            (Outcome::Skipped, Some(reason.to_string()))
        }
    })
}

fn is_rule(line: &str, c: char) -> bool {
    line.len() >= 20 && line.chars().all(|x| x == c)
}

/// Parses unittest/Django verbose output (stdout and stderr together are fine).
pub fn parse(output: &str) -> UnittestReport {
    let mut report = UnittestReport::default();
    let lines: Vec<&str> = output.lines().collect();
    let mut pending: Option<TestId> = None;
    let mut i = 0;
    // Phase 1: the status lines, up to the first `=====` block or the `Ran` line.
    while i < lines.len() {
        let line = lines[i];
        if is_rule(line, '=') || (is_rule(line, '-') && lines.get(i + 1).is_some_and(|l| l.starts_with("Ran "))) {
            break;
        }
        i += 1;
        if let Some((_, id, rest)) = test_header(line) {
            match rest.rsplit_once(" ...") {
                Some((_, st)) => match status(st) {
                    Some((o, msg)) => {
                        push(&mut report, id, o, msg);
                        pending = None;
                    }
                    None => pending = Some(id),
                },
                None => pending = Some(id),
            }
            continue;
        }
        if let Some(id) = pending.clone() {
            // A docstring line `Does a thing. ... ok`, or the status alone after output.
            let st = line.rsplit_once(" ...").map(|(_, s)| s).unwrap_or(line);
            if let Some((o, msg)) = status(st) {
                push(&mut report, id, o, msg);
                pending = None;
            }
        }
    }
    report.in_progress = pending;
    // Phase 2: the failure blocks and the summary.
    while i < lines.len() {
        let line = lines[i];
        i += 1;
        if let Some(n) = line.strip_prefix("Ran ").and_then(|r| r.split_whitespace().next()) {
            report.ran = n.parse().ok();
            continue;
        }
        if !is_rule(line, '=') {
            continue;
        }
        let Some(head) = lines.get(i) else { break };
        let Some((kind, rest)) = head.split_once(": ") else { continue };
        if kind != "FAIL" && kind != "ERROR" {
            continue;
        }
        i += 1;
        let Some((_, id, _)) = test_header(rest) else { continue };
        if lines.get(i).is_some_and(|l| is_rule(l, '-')) {
            i += 1;
        }
        let start = i;
        while i < lines.len() && !is_rule(lines[i], '=') && !is_rule(lines[i], '-') {
            i += 1;
        }
        let body: Vec<&str> = lines[start..i].to_vec();
        let details = body.join("\n").trim_end().to_string();
        let message = exception_line(&body);
        let outcome = if kind == "FAIL" { Outcome::Failed } else { Outcome::Error };
        match report.results.iter_mut().find(|r| r.id == id) {
            Some(r) => {
                if r.message.is_none() {
                    r.message = message;
                    r.details = Some(details);
                }
            }
            None => {
                // Errors in setUpClass/module import show up only here.
                let mut r = TestResult::new(id.0, outcome);
                r.message = message;
                r.details = Some(details);
                report.results.push(r);
            }
        }
    }
    report.truncated = report.ran.is_none();
    report
}

fn push(report: &mut UnittestReport, id: TestId, outcome: Outcome, message: Option<String>) {
    let mut r = TestResult::new(id.0, outcome);
    r.message = message;
    report.results.push(r);
}

/// The exception line of a traceback: the first non-indented line after the last
/// `Traceback` frame (it may span lines; the first is enough for a message).
fn exception_line(body: &[&str]) -> Option<String> {
    let tb_start = body.iter().rposition(|l| l.starts_with("Traceback ")).map(|p| p + 1).unwrap_or(0);
    body[tb_start..]
        .iter()
        .find(|l| !l.is_empty() && !l.starts_with(' ') && !l.starts_with('\t'))
        .or_else(|| body.iter().rev().find(|l| !l.trim().is_empty()))
        .map(|l| l.trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn old_style_id_and_docstring() {
        let out = "test_a (m.C)\nDoes a. ... ok\ntest_b (m.C) ... skipped 'no'\n\n---------------------------------------------------------------------\nRan 2 tests in 0.1s\n\nOK\n";
        let r = parse(out);
        assert_eq!(r.results.len(), 2);
        assert_eq!(r.results[0].id.as_str(), "m.C.test_a");
        assert_eq!(r.results[0].outcome, Outcome::Passed);
        assert_eq!(r.results[1].message.as_deref(), Some("no"));
        assert!(!r.truncated);
    }

    #[test]
    fn status_after_interleaved_output() {
        let out = "test_a (m.C.test_a) ... some noise\nok\ntest_b (m.C.test_b) ... ";
        let r = parse(out);
        assert_eq!(r.results.len(), 1);
        assert_eq!(r.in_progress.as_ref().map(|t| t.as_str()), Some("m.C.test_b"));
        assert!(r.truncated);
    }
}
