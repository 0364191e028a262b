//! pytest's JUnit XML (`--junitxml=FILE`, xunit1 or xunit2), parsed with `quick-xml`.
//!
//! Damaged input never panics: a document cut short (the runtime crashed while pytest
//! wrote it) keeps every complete `<testcase>` and sets [`JunitReport::truncated`]; an XML
//! error after some test cases keeps those and reports the error in
//! [`JunitReport::damage`]; input with no usable test data at all is an `Err` saying why.

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use crate::model::{Outcome, TestId, TestResult};

/// What a JUnit document held.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct JunitReport {
    /// Complete test cases, in document order.
    pub results: Vec<TestResult>,
    /// The document ended before its root element closed.
    pub truncated: bool,
    /// The id of a `<testcase>` that was open when the document ended or broke.
    pub in_progress: Option<TestId>,
    /// An XML error met after some test cases were read (they are kept).
    pub damage: Option<String>,
}

/// The open `<testcase>` while its children are read.
struct Open {
    result: TestResult,
    /// Which child element's text we are inside (failure/error/skipped).
    in_child: bool,
}

fn attr(e: &BytesStart<'_>, key: &[u8]) -> Option<String> {
    e.attributes().flatten().find(|a| a.key.as_ref() == key).map(|a| match a.unescape_value() {
        Ok(v) => v.into_owned(),
        Err(_) => String::from_utf8_lossy(&a.value).into_owned(),
    })
}

/// The canonical id of a `<testcase>`: `classname.name`, or `name` alone when the class
/// name is empty (pytest's collection errors: `classname="" name="tests.test_x"`).
fn testcase_id(e: &BytesStart<'_>) -> TestId {
    let name = attr(e, b"name").unwrap_or_default();
    match attr(e, b"classname") {
        Some(c) if !c.is_empty() => TestId(format!("{c}.{name}")),
        _ => TestId(name),
    }
}

fn open_testcase(e: &BytesStart<'_>) -> TestResult {
    let mut r = TestResult::new(String::new(), Outcome::Passed);
    r.id = testcase_id(e);
    r.duration = attr(e, b"time").and_then(|t| t.parse().ok());
    r.file = attr(e, b"file");
    r
}

/// Applies a `<failure>`, `<error>` or `<skipped>` child to the open test case.
fn apply_child(r: &mut TestResult, tag: &[u8], e: &BytesStart<'_>) -> bool {
    let message = attr(e, b"message").filter(|m| !m.is_empty());
    let kind = attr(e, b"type").unwrap_or_default();
    let outcome = match tag {
        b"failure" => {
            if message.as_deref().is_some_and(|m| m.starts_with("[XPASS(strict)]")) {
                Outcome::XPass
            } else {
                Outcome::Failed
            }
        }
        b"error" => Outcome::Error,
        b"skipped" if kind == "pytest.xfail" => Outcome::XFail,
        b"skipped" => Outcome::Skipped,
        _ => return false,
    };
    // A test that failed and then errored in teardown is reported twice by pytest; the
    // first problem is the interesting one, but an error outranks a pass.
    if r.outcome == Outcome::Passed {
        r.outcome = outcome;
        r.message = message;
    }
    true
}

/// Parses a JUnit XML document.
pub fn parse(xml: &str) -> Result<JunitReport, String> {
    if xml.trim().is_empty() {
        return Err("JUnit XML is empty (the runner wrote nothing)".into());
    }
    let mut reader = Reader::from_str(xml);
    reader.config_mut().check_end_names = true;
    let mut report = JunitReport::default();
    let mut depth = 0usize;
    let mut saw_root = false;
    let mut open: Option<Open> = None;
    loop {
        let pos = reader.buffer_position();
        let event = match reader.read_event() {
            Ok(ev) => ev,
            Err(e) => {
                let msg = format!("malformed JUnit XML at byte {pos}: {e}");
                report.in_progress = open.map(|o| o.result.id);
                if report.results.is_empty() {
                    return Err(msg);
                }
                report.damage = Some(msg);
                report.truncated = true;
                return Ok(report);
            }
        };
        match event {
            Event::Start(e) => {
                depth += 1;
                match e.name().as_ref() {
                    b"testsuites" | b"testsuite" => saw_root = true,
                    b"testcase" => {
                        if !saw_root {
                            return Err("not JUnit XML: <testcase> outside <testsuite>".into());
                        }
                        open = Some(Open { result: open_testcase(&e), in_child: false });
                    }
                    tag => {
                        if let Some(o) = open.as_mut() {
                            o.in_child = apply_child(&mut o.result, tag, &e);
                        } else if !saw_root {
                            return Err(format!(
                                "not JUnit XML: root element is <{}>, expected <testsuites> or <testsuite>",
                                String::from_utf8_lossy(tag)
                            ));
                        }
                    }
                }
            }
            Event::Empty(e) => match e.name().as_ref() {
                b"testcase" => {
                    if !saw_root {
                        return Err("not JUnit XML: <testcase> outside <testsuite>".into());
                    }
                    report.results.push(open_testcase(&e));
                }
                b"testsuites" | b"testsuite" => saw_root = true,
                tag => {
                    if let Some(o) = open.as_mut() {
                        apply_child(&mut o.result, tag, &e);
                    } else if !saw_root {
                        return Err(format!(
                            "not JUnit XML: root element is <{}>, expected <testsuites> or <testsuite>",
                            String::from_utf8_lossy(tag)
                        ));
                    }
                }
            },
            Event::Text(t) => {
                if let Some(o) = open.as_mut().filter(|o| o.in_child) {
                    let text = t
                        .unescape()
                        .map(|c| c.into_owned())
                        .unwrap_or_else(|_| String::from_utf8_lossy(t.as_ref()).into_owned());
                    o.result.details.get_or_insert_with(String::new).push_str(&text);
                }
            }
            Event::CData(t) => {
                if let Some(o) = open.as_mut().filter(|o| o.in_child) {
                    o.result.details.get_or_insert_with(String::new).push_str(&String::from_utf8_lossy(&t));
                }
            }
            Event::End(e) => {
                depth = depth.saturating_sub(1);
                match e.name().as_ref() {
                    b"testcase" => {
                        if let Some(o) = open.take() {
                            report.results.push(o.result);
                        }
                    }
                    b"failure" | b"error" | b"skipped" => {
                        if let Some(o) = open.as_mut() {
                            o.in_child = false;
                        }
                    }
                    _ => {}
                }
            }
            Event::Eof => {
                if !saw_root {
                    return Err("not JUnit XML: no <testsuites> or <testsuite> element".into());
                }
                if depth > 0 {
                    report.truncated = true;
                    report.in_progress = open.map(|o| o.result.id);
                }
                break;
            }
            _ => {}
        }
    }
    for r in &mut report.results {
        // pytest's message for a failure is the exception line; when it is missing take
        // the last `E   ` line of the details. A collection error's message is only
        // `collection failure`: the exception is in the details too.
        let generic = r.message.as_deref() == Some("collection failure");
        if (r.message.is_none() || generic) && matches!(r.outcome, Outcome::Failed | Outcome::Error) {
            r.message = r.details.as_deref().and_then(last_error_line);
        }
    }
    Ok(report)
}

fn last_error_line(details: &str) -> Option<String> {
    details
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("E ").map(|s| s.trim().to_string()))
        .or_else(|| details.lines().rev().find(|l| !l.trim().is_empty()).map(|l| l.trim().to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimal_document() {
        let xml = r#"<testsuite><testcase classname="m.C" name="t" time="0.5"/></testsuite>"#;
        let r = parse(xml).unwrap();
        assert_eq!(r.results.len(), 1);
        assert_eq!(r.results[0].id.as_str(), "m.C.t");
        assert_eq!(r.results[0].duration, Some(0.5));
        assert!(!r.truncated);
    }

    #[test]
    fn collection_error_has_module_id() {
        let xml = r#"<testsuites><testsuite><testcase classname="" name="tests.test_x" time="0"><error message="collection failure">ImportError</error></testcase></testsuite></testsuites>"#;
        let r = parse(xml).unwrap();
        assert_eq!(r.results[0].id.as_str(), "tests.test_x");
        assert_eq!(r.results[0].outcome, Outcome::Error);
        assert_eq!(r.results[0].message.as_deref(), Some("ImportError"));
        let xml = r#"<testsuites><testsuite><testcase classname="" name="tests.test_x" time="0"><error message="collection failure">tests/test_x.py:1: in &lt;module&gt;
    import trio
E   TypeError: descriptor '__setattr__' needs a type</error></testcase></testsuite></testsuites>"#;
        let r = parse(xml).unwrap();
        assert_eq!(r.results[0].message.as_deref(), Some("TypeError: descriptor '__setattr__' needs a type"));
    }

    #[test]
    fn never_panics_on_odd_prefixes() {
        let xml = r#"<testsuites><testsuite><testcase classname="a" name="b"><failure message="x &amp; y">E   boom &lt;</failure></testcase></testsuite></testsuites>"#;
        for cut in 0..=xml.len() {
            let _ = parse(&xml[..cut]);
        }
    }
}
