//! pytest's `-v` console output, the fallback when its JUnit XML is missing: pytest
//! writes the XML only when the session ends, so a runtime that crashes mid-file leaves
//! none, while the console already shows each finished test:
//!
//! ```text
//! tests/test_x.py::Class::test_y PASSED                        [ 50%]
//! tests/test_x.py::test_z[1-2] SKIPPED (reason)                [100%]
//! FAILED tests/test_x.py::Class::test_w - AssertionError: 1 != 2
//! ```
//!
//! The last line, a node id with no status yet, is the test that was running.

use crate::model::{Outcome, TestId, TestResult};
use crate::unittest::UnittestReport;

/// `tests/test_x.py::Class::test_y[a-b]` → `tests.test_x.Class.test_y[a-b]` (JUnit's
/// `classname.name`).
pub fn node_id_to_test_id(node: &str) -> TestId {
    let (path, rest) = node.split_once("::").unwrap_or((node, ""));
    let module = path.strip_suffix(".py").unwrap_or(path).replace(['/', '\\'], ".");
    if rest.is_empty() { TestId(module) } else { TestId(format!("{module}.{}", rest.replace("::", "."))) }
}

fn status(word: &str) -> Option<Outcome> {
    Some(match word {
        "PASSED" => Outcome::Passed,
        "FAILED" => Outcome::Failed,
        "ERROR" => Outcome::Error,
        "SKIPPED" => Outcome::Skipped,
        "XFAIL" => Outcome::XFail,
        "XPASS" => Outcome::XPass,
        _ => return None,
    })
}

/// A `-v` line's node id and the rest. A parameter id may hold spaces
/// (`test_x[ ] PASSED`): the node id then runs to the first `]` followed by a space or the
/// end of the line.
fn split_node(t: &str) -> (&str, &str) {
    let first_space = t.find(' ').unwrap_or(t.len());
    let end = match t.find('[') {
        Some(b) if b < first_space && !t[b..first_space].contains(']') => t[b..]
            .match_indices(']')
            .map(|(i, _)| b + i + 1)
            .find(|&e| e == t.len() || t[e..].starts_with(' '))
            .unwrap_or(first_space),
        _ => first_space,
    };
    (&t[..end], t[end..].trim())
}

/// Parses `pytest -v` output. `truncated` is true when no final summary line
/// (`=== N passed ... in 0.1s ===`) was seen; `ran` is not filled in.
pub fn parse(output: &str) -> UnittestReport {
    let mut report = UnittestReport::default();
    let mut summary = false;
    for line in output.lines() {
        let t = line.trim_end();
        if t.starts_with('=') && t.ends_with('=') && (t.contains(" in ") && t.contains('s')) {
            summary = true;
            continue;
        }
        // Short summary: `FAILED node - message`.
        if let Some((word, rest)) = t.split_once(' ')
            && status(word).is_some()
            && rest.contains("::")
        {
            let (node, msg) = rest.split_once(" - ").unwrap_or((rest, ""));
            let id = node_id_to_test_id(node.trim());
            if let Some(r) = report.results.iter_mut().find(|r| r.id == id)
                && r.message.is_none()
                && !msg.is_empty()
            {
                r.message = Some(msg.to_string());
            }
            continue;
        }
        let (node, rest) = split_node(t);
        if !node.contains("::") || node.starts_with('[') {
            continue;
        }
        let id = node_id_to_test_id(node);
        let word = rest.split_whitespace().next().unwrap_or("");
        match status(word) {
            Some(o) => {
                let mut r = TestResult::new(id.0, o);
                if o == Outcome::Skipped
                    && let Some(reason) = rest.split_once('(').and_then(|(_, r)| r.rsplit_once(')')).map(|(r, _)| r)
                {
                    r.message = Some(reason.to_string());
                }
                report.results.push(r);
                report.in_progress = None;
            }
            // No status: the test is running. Text after the node id is what the process
            // wrote to the terminal before dying (a Rust panic message).
            None => report.in_progress = Some(id),
        }
    }
    report.truncated = !summary;
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_crash_point() {
        assert_eq!(node_id_to_test_id("tests/test_x.py::C::test_y[a-b]").as_str(), "tests.test_x.C.test_y[a-b]");
        let out = "tests/test_x.py::test_a PASSED [ 50%]\ntests/test_x.py::test_b ";
        let r = parse(out);
        assert_eq!(r.results.len(), 1);
        assert_eq!(r.in_progress.as_ref().map(|t| t.as_str()), Some("tests.test_x.test_b"));
        assert!(r.truncated);
        let out =
            "tests/test_x.py::test_a PASSED [ 50%]\ntests/test_x.py::test_b thread 'main' (7) panicked at x.rs:1:2:\n";
        assert_eq!(parse(out).in_progress.as_ref().map(|t| t.as_str()), Some("tests.test_x.test_b"));
        let out = "tests/test_x.py::test_a[ ] PASSED [ 50%]\ntests/test_x.py::test_a[a b] thread 'main' panicked\n";
        let r = parse(out);
        assert_eq!(r.results[0].id.as_str(), "tests.test_x.test_a[ ]");
        assert_eq!(r.results[0].outcome, Outcome::Passed);
        assert_eq!(r.in_progress.as_ref().map(|t| t.as_str()), Some("tests.test_x.test_a[a b]"));
    }
}
