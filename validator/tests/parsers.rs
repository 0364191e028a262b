//! The parsers on real output: JUnit XML written by pytest 9 and `unittest -v` output
//! written by CPython 3.11 and by DX-Py, for `tests/sample_project/` (regenerate with the
//! commands in `tests/fixtures/README.md`), plus Django-style output, and truncated and
//! garbled variants of each.

use validator::model::Outcome;
use validator::{junit, unittest};

const PYTEST_BASIC: &str = include_str!("fixtures/pytest_test_basic.cpython.xml");
const PYTEST_STDLIB: &str = include_str!("fixtures/pytest_test_stdlib.cpython.xml");
const UT_BASIC_CP: &str = include_str!("fixtures/unittest_test_basic.cpython.txt");
const UT_BASIC_DX: &str = include_str!("fixtures/unittest_test_basic.dxpy.txt");
const UT_STDLIB_DX: &str = include_str!("fixtures/unittest_test_stdlib.dxpy.txt");
const DJANGO: &str = include_str!("fixtures/django_runtests_v2.txt");

fn outcome_of(results: &[validator::model::TestResult], id: &str) -> Outcome {
    results.iter().find(|r| r.id.as_str() == id).unwrap_or_else(|| panic!("{id} missing")).outcome
}

#[test]
fn junit_real_pytest_output() {
    let r = junit::parse(PYTEST_BASIC).unwrap();
    assert!(!r.truncated && r.damage.is_none());
    assert_eq!(r.results.len(), 9);
    assert_eq!(outcome_of(&r.results, "test_basic.Arithmetic.test_add"), Outcome::Passed);
    assert_eq!(outcome_of(&r.results, "test_basic.Arithmetic.test_wrong"), Outcome::Failed);
    assert_eq!(outcome_of(&r.results, "test_basic.Arithmetic.test_raises"), Outcome::Failed);
    assert_eq!(outcome_of(&r.results, "test_basic.Arithmetic.test_skipped"), Outcome::Skipped);
    assert_eq!(outcome_of(&r.results, "test_basic.Arithmetic.test_known_bug"), Outcome::XFail);
    let wrong = r.results.iter().find(|t| t.id.as_str().ends_with("test_wrong")).unwrap();
    assert_eq!(wrong.message.as_deref(), Some("AssertionError: 2 != 3"));
    assert!(wrong.details.as_deref().unwrap().contains("E       AssertionError: 2 != 3"));
    let skipped = r.results.iter().find(|t| t.id.as_str().ends_with("test_skipped")).unwrap();
    assert_eq!(skipped.message.as_deref(), Some("not today"));

    let r = junit::parse(PYTEST_STDLIB).unwrap();
    assert_eq!(r.results.len(), 5);
    let m = r.results.iter().find(|t| t.id.as_str().ends_with("test_missing_module")).unwrap();
    assert_eq!(m.message.as_deref(), Some("ModuleNotFoundError: No module named 'not_a_real_module_xyz'"));
}

#[test]
fn junit_truncated_keeps_complete_testcases() {
    // Cut in the middle of the 5th test case (test_raises, which has a <failure> child).
    let cut = PYTEST_BASIC.find("KeyError: 'missing'\">").unwrap();
    let r = junit::parse(&PYTEST_BASIC[..cut]).unwrap();
    assert!(r.truncated);
    assert_eq!(r.results.len(), 4);
    assert_eq!(r.in_progress.as_ref().map(|t| t.as_str()), Some("test_basic.Arithmetic.test_raises"));

    // Cut after the last test case, before the root closes: all cases, truncated.
    let cut = PYTEST_BASIC.rfind("</testsuite>").unwrap();
    let r = junit::parse(&PYTEST_BASIC[..cut]).unwrap();
    assert!(r.truncated);
    assert_eq!(r.results.len(), 9);

    // Every prefix: never a panic, never more results than the whole, and monotone.
    let mut last = 0;
    for cut in (0..PYTEST_BASIC.len()).step_by(7) {
        if let Ok(r) = junit::parse(&PYTEST_BASIC[..cut]) {
            assert!(r.results.len() <= 9);
            assert!(r.results.len() >= last, "results shrank at byte {cut}");
            last = r.results.len();
        }
    }
}

#[test]
fn junit_garbled_is_a_clear_error() {
    for bad in
        ["", "   \n", "Traceback (most recent call last):\n  boom", "<html><body>502</body></html>", "\u{0}\u{1}<<<>>>"]
    {
        let e = junit::parse(bad).unwrap_err();
        assert!(!e.is_empty(), "{bad:?}");
    }
    assert!(junit::parse("<html></html>").unwrap_err().contains("not JUnit XML"));
    // Damage after some test cases keeps them and reports it.
    let damaged = PYTEST_BASIC.replacen(
        "</testcase><testcase classname=\"test_basic.Arithmetic\" name=\"test_mul\"",
        "</testcase></oops>",
        1,
    );
    let r = junit::parse(&damaged).unwrap();
    assert!(r.damage.as_deref().unwrap().contains("malformed JUnit XML"));
    assert_eq!(r.results.len(), 3);
}

#[test]
fn unittest_real_output_both_runtimes() {
    for out in [UT_BASIC_CP, UT_BASIC_DX] {
        let r = unittest::parse(out);
        assert!(!r.truncated);
        assert_eq!(r.ran, Some(9));
        assert_eq!(r.results.len(), 9);
        assert_eq!(outcome_of(&r.results, "test_basic.Arithmetic.test_documented"), Outcome::Passed);
        assert_eq!(outcome_of(&r.results, "test_basic.Arithmetic.test_raises"), Outcome::Error);
        assert_eq!(outcome_of(&r.results, "test_basic.Arithmetic.test_wrong"), Outcome::Failed);
        assert_eq!(outcome_of(&r.results, "test_basic.Arithmetic.test_known_bug"), Outcome::XFail);
        let s = r.results.iter().find(|t| t.id.as_str().ends_with("test_skipped")).unwrap();
        assert_eq!((s.outcome, s.message.as_deref()), (Outcome::Skipped, Some("not today")));
        let e = r.results.iter().find(|t| t.id.as_str().ends_with("test_raises")).unwrap();
        assert_eq!(e.message.as_deref(), Some("KeyError: 'missing'"));
        assert!(e.details.as_deref().unwrap().starts_with("Traceback"));
    }
    let r = unittest::parse(UT_STDLIB_DX);
    let m = r.results.iter().find(|t| t.id.as_str().ends_with("test_missing_module")).unwrap();
    assert_eq!(m.message.as_deref(), Some("ModuleNotFoundError: No module named 'not_a_real_module_xyz'"));
}

#[test]
fn unittest_django_runner() {
    let r = unittest::parse(DJANGO);
    assert_eq!(r.results.len(), 6);
    assert_eq!(outcome_of(&r.results, "basic.tests.ModelInstanceCreationTests.test_save_primary_key"), Outcome::Passed);
    assert_eq!(outcome_of(&r.results, "basic.tests.ModelLookupTest.test_lookup"), Outcome::Failed);
    let s = r.results.iter().find(|t| t.id.as_str().ends_with("test_unicode")).unwrap();
    assert_eq!(s.message.as_deref(), Some("Database doesn't support feature(s): supports_unicode"));
    let e = r.results.iter().find(|t| t.id.as_str().ends_with("test_render")).unwrap();
    assert_eq!(e.message.as_deref(), Some("NotImplementedError: unicodedata.normalize"));
    let f = r.results.iter().find(|t| t.id.as_str().ends_with("test_lookup")).unwrap();
    assert_eq!(f.message.as_deref(), Some("AssertionError: 'y' != 'x'"));
}

#[test]
fn unittest_truncated_output() {
    // Killed while test_raises ran: the status lines before it are kept.
    let cut = UT_BASIC_CP.find("test_raises (").unwrap() + "test_raises (test_basic.Arithmetic.test_raises) ... ".len();
    let r = unittest::parse(&UT_BASIC_CP[..cut]);
    assert!(r.truncated);
    assert_eq!(r.results.len(), 4);
    assert_eq!(r.in_progress.as_ref().map(|t| t.as_str()), Some("test_basic.Arithmetic.test_raises"));
    // Killed inside the traceback section: all status lines kept, messages where complete.
    let cut = UT_BASIC_CP.find("FAIL: test_wrong").unwrap();
    let r = unittest::parse(&UT_BASIC_CP[..cut]);
    assert!(r.truncated);
    assert_eq!(r.results.len(), 9);
    // Every prefix: never a panic, monotone.
    let mut last = 0;
    for (cut, _) in UT_BASIC_CP.char_indices().step_by(5) {
        let r = unittest::parse(&UT_BASIC_CP[..cut]);
        assert!(r.results.len() >= last && r.results.len() <= 9);
        last = r.results.len();
    }
}

#[test]
fn unittest_garbled_output() {
    for bad in [
        "",
        "Segmentation fault (core dumped)\n",
        "\u{0}\u{1}\u{2} ... ok\n(((((",
        "thread 'main' panicked at src/x.rs:1:1",
    ] {
        let r = unittest::parse(bad);
        assert!(r.results.is_empty(), "{bad:?}");
        assert!(r.truncated);
    }
    // Binary noise between valid lines does not hide them.
    let noisy = format!("garbage \u{fffd}\u{fffd}\n{UT_BASIC_CP}");
    assert_eq!(unittest::parse(&noisy).results.len(), 9);
}

const PYTEST_VERBOSE: &str = include_str!("fixtures/pytest_verbose.cpython.txt");

#[test]
fn pytest_verbose_fallback() {
    use validator::pytest_log;
    let r = pytest_log::parse(PYTEST_VERBOSE);
    assert_eq!(r.results.len(), 11);
    // The same ids as the JUnit XML gives.
    let xml = junit::parse(PYTEST_BASIC).unwrap();
    for x in &xml.results {
        let v = r.results.iter().find(|t| t.id == x.id).unwrap_or_else(|| panic!("{} missing", x.id));
        assert_eq!(v.outcome, x.outcome, "{}", x.id);
    }
    let s = r.results.iter().find(|t| t.id.as_str().ends_with("test_skipped")).unwrap();
    assert_eq!(s.message.as_deref(), Some("not today"));
    let w = r.results.iter().find(|t| t.id.as_str().ends_with("test_wrong")).unwrap();
    assert_eq!(w.message.as_deref(), Some("AssertionError: 2 != 3"));
    // Crash while test_mul ran: the header line without status is the test in progress.
    let cut = PYTEST_VERBOSE.find("test_basic.py::Arithmetic::test_mul").unwrap()
        + "test_basic.py::Arithmetic::test_mul ".len();
    let r = pytest_log::parse(&PYTEST_VERBOSE[..cut]);
    assert!(r.truncated);
    assert_eq!(r.results.len(), 3);
    assert_eq!(r.in_progress.as_ref().map(|t| t.as_str()), Some("test_basic.Arithmetic.test_mul"));
    assert!(pytest_log::parse("Fatal Python error: Segmentation fault\n\u{0}\u{1}").results.is_empty());
}
