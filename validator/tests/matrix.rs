//! The compatibility matrix: the property "compatibility matrix completeness", a snapshot
//! of the Markdown for fixed input, and regression detection between two matrices.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use validator::compare::compare_results;
use validator::matrix::{self, FrameworkRun, Matrix};
use validator::model::{Outcome, TestResult};
use validator::regress;

const MESSAGES: [&str; 6] = [
    "AssertionError: 1 != 2",
    "SystemError: C-API function PyModule_Create2() is not implemented in DX-Py yet (declared in modsupport.h, high priority; spec entry in api-spec/cpython/modsupport.yaml)",
    "ModuleNotFoundError: No module named 'markupsafe._speedups'",
    "RuntimeError: no running event loop",
    "SyntaxError: no symbol table available in f (type: Function)",
    "AttributeError: module 'os' has no attribute 'sched_getaffinity'",
];

fn outcome() -> impl Strategy<Value = Outcome> {
    prop::sample::select(Outcome::ALL.to_vec())
}

/// One raw result: (test index into a small pool, so ids repeat; outcome; message).
fn raw() -> impl Strategy<Value = Vec<(usize, Outcome, usize)>> {
    prop::collection::vec((0usize..30, outcome(), 0usize..MESSAGES.len()), 0..40)
}

fn results(framework: &str, raw: &[(usize, Outcome, usize)]) -> Vec<TestResult> {
    raw.iter()
        .map(|&(i, o, m)| {
            let class = ["Routing", "Templates", "Sessions", "Misc"][i % 4];
            TestResult::new(format!("tests.test_{framework}.{class}.test_{i}"), o).with_message(MESSAGES[m])
        })
        .collect()
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn matrix_completeness(suites in prop::collection::vec((raw(), raw()), 1..4)) {
        let names = ["flask", "django", "requests"];
        let runs: Vec<FrameworkRun> = suites
            .iter()
            .enumerate()
            .map(|(k, (cp, dx))| FrameworkRun {
                framework: names[k].to_string(),
                version: "1.0".into(),
                comparison: compare_results(&results(names[k], cp), &results(names[k], dx)),
                notes: vec![],
            })
            .collect();
        let m = matrix::build(&runs);
        let (mut collected, mut cp_passed, mut both) = (0, 0, 0);
        for (k, (cp, dx)) in suites.iter().enumerate() {
            let f = &m.frameworks[k];
            let cp_ids: BTreeSet<String> = results(names[k], cp).into_iter().map(|r| r.id.0).collect();
            let dx_ids: BTreeSet<String> = results(names[k], dx).into_iter().map(|r| r.id.0).collect();
            let all: BTreeSet<String> = cp_ids.union(&dx_ids).cloned().collect();
            // Every test exactly once; nothing collected is dropped.
            let mut seen = BTreeMap::new();
            for t in &f.tests {
                *seen.entry(t.id.0.clone()).or_insert(0) += 1;
            }
            prop_assert!(seen.values().all(|&n| n == 1));
            prop_assert_eq!(seen.keys().cloned().collect::<BTreeSet<_>>(), all.clone());
            // Totals add up.
            prop_assert_eq!(f.collected, all.len());
            prop_assert_eq!(f.cpython.collected, f.collected);
            prop_assert_eq!(f.dxpy.collected, f.collected);
            prop_assert_eq!(f.cpython.sum(), f.collected);
            prop_assert_eq!(f.dxpy.sum(), f.collected);
            prop_assert_eq!(f.cpython.not_collected, all.len() - cp_ids.len());
            prop_assert_eq!(f.dxpy.not_collected, all.len() - dx_ids.len());
            prop_assert_eq!(f.cpython.passed, f.tests.iter().filter(|t| t.cpython == Some(Outcome::Passed)).count());
            // Percentages match counts.
            let bp = f.tests.iter().filter(|t| t.cpython == Some(Outcome::Passed) && t.dxpy == Some(Outcome::Passed)).count();
            prop_assert_eq!(f.both_passed, bp);
            prop_assert_eq!(f.cpython_passed, f.cpython.passed);
            match f.pct_of_cpython {
                None => prop_assert_eq!(f.cpython_passed, 0),
                Some(p) => prop_assert_eq!(p, round1(100.0 * bp as f64 / f.cpython_passed as f64)),
            }
            // Features partition the tests.
            prop_assert_eq!(f.features.iter().map(|x| x.tests).sum::<usize>(), f.collected);
            prop_assert_eq!(f.features.iter().map(|x| x.cpython_passed).sum::<usize>(), f.cpython_passed);
            for x in &f.features {
                prop_assert_eq!(x.pct_of_cpython, matrix::pct(x.both_passed, x.cpython_passed));
            }
            // Exactly the tests CPython passes and DX-Py does not are classified.
            let failures = f.tests.iter().filter(|t| t.cpython.is_some_and(Outcome::is_pass) && t.dxpy != t.cpython).count();
            prop_assert_eq!(f.tests.iter().filter(|t| t.category.is_some()).count(), failures);
            collected += f.collected;
            cp_passed += f.cpython_passed;
            both += f.both_passed;
        }
        prop_assert_eq!(m.overall.collected, collected);
        prop_assert_eq!(m.overall.cpython.sum(), collected);
        prop_assert_eq!(m.overall.dxpy.sum(), collected);
        prop_assert_eq!(m.overall.cpython_passed, cp_passed);
        prop_assert_eq!(m.overall.both_passed, both);
        prop_assert_eq!(m.overall.pct_of_cpython, matrix::pct(both, cp_passed));
        // Signatures are sorted most common first and count no more than the failures.
        prop_assert!(m.top_signatures.windows(2).all(|w| w[0].count >= w[1].count));
        // JSON round-trips.
        prop_assert_eq!(Matrix::from_json(&m.to_json()).unwrap(), m.clone());
        let md = m.to_markdown();
        prop_assert!(md.contains("| **overall** |"));
    }
}

/// A fixed, hand-written pair of runs covering every category.
fn fixed_runs() -> Vec<FrameworkRun> {
    let t = |id: &str, o: Outcome, msg: &str| {
        let r = TestResult::new(id, o);
        if msg.is_empty() { r } else { r.with_message(msg) }
    };
    use Outcome::*;
    let flask_cp = vec![
        t("tests.test_basic.test_url_for", Passed, ""),
        t("tests.test_basic.test_redirect", Passed, ""),
        t("tests.test_templating.test_render_template", Passed, ""),
        t("tests.test_templating.test_escape", Passed, ""),
        t("tests.test_json.test_dumps", Passed, ""),
        t("tests.test_json.test_loads_bytes", Failed, "AssertionError: CPython fails this too"),
        t("tests.test_session.test_cookie", Passed, ""),
        t("tests.test_cli.test_run", Skipped, "needs dotenv"),
        t("tests.test_async.test_async_view", Passed, ""),
        t("tests.test_testing.test_client_get", Passed, ""),
    ];
    let flask_dx = vec![
        t("tests.test_basic.test_url_for", Passed, ""),
        t("tests.test_basic.test_redirect", Passed, ""),
        t(
            "tests.test_templating.test_render_template",
            Error,
            "SystemError: C-API function PyModule_Create2() is not implemented in DX-Py yet (declared in modsupport.h, high priority; spec entry in api-spec/cpython/modsupport.yaml), called by /tmp/v/markupsafe/_speedups.cpython-311-x86_64-linux-gnu.so",
        ),
        t(
            "tests.test_templating.test_escape",
            Error,
            "SystemError: C-API function PyModule_Create2() is not implemented in DX-Py yet (declared in modsupport.h, high priority; spec entry in api-spec/cpython/modsupport.yaml), called by /tmp/v/markupsafe/_speedups.cpython-311-x86_64-linux-gnu.so",
        ),
        t("tests.test_json.test_dumps", Failed, "AssertionError: '{\"a\": 1}' != '{\"a\":1}'"),
        t("tests.test_json.test_loads_bytes", Failed, "AssertionError: CPython fails this too"),
        t("tests.test_session.test_cookie", Crashed, "killed by signal 11 (SIGSEGV)"),
        t("tests.test_cli.test_run", Skipped, "needs dotenv"),
        t("tests.test_async.test_async_view", Error, "RuntimeError: no running event loop"),
    ];
    let req_cp = vec![
        t("tests.test_utils.TestSuperLen.test_io_streams", Passed, ""),
        t("tests.test_structures.TestCaseInsensitiveDict.test_len", Passed, ""),
        t("tests.test_requests.TestRequests.test_HTTP_200_OK_GET", Passed, ""),
        t("tests.test_requests.TestRequests.test_timeout", Passed, ""),
    ];
    let req_dx = vec![
        t(
            "tests.test_utils.TestSuperLen.test_io_streams",
            Error,
            "ModuleNotFoundError: No module named 'charset_normalizer.md'",
        ),
        t("tests.test_structures.TestCaseInsensitiveDict.test_len", Passed, ""),
        t(
            "tests.test_requests.TestRequests.test_HTTP_200_OK_GET",
            Error,
            "AttributeError: module 'socket' has no attribute 'TCP_KEEPIDLE'",
        ),
        t("tests.test_requests.TestRequests.test_timeout", TimedOut, "timed out"),
    ];
    vec![
        FrameworkRun {
            framework: "flask".into(),
            version: "3.0.3".into(),
            comparison: compare_results(&flask_cp, &flask_dx),
            notes: vec!["DX-Py: killed by signal 11 while running tests/test_session.py".into()],
        },
        FrameworkRun {
            framework: "requests".into(),
            version: "2.32.3".into(),
            comparison: compare_results(&req_cp, &req_dx),
            notes: vec![],
        },
    ]
}

#[test]
fn markdown_matrix_snapshot() {
    let m = matrix::build(&fixed_runs());
    insta::with_settings!({
        snapshot_path => concat!(env!("CARGO_MANIFEST_DIR"), "/../snapshots"),
        prepend_module_to_snapshot => false,
    }, {
        insta::assert_snapshot!("validator_matrix_markdown", m.to_markdown());
    });
}

#[test]
fn fixed_matrix_numbers() {
    let m = matrix::build(&fixed_runs());
    let flask = &m.frameworks[0];
    assert_eq!(flask.collected, 10);
    assert_eq!(flask.cpython_passed, 8);
    assert_eq!(flask.both_passed, 2);
    assert_eq!(flask.pct_of_cpython, Some(25.0));
    assert_eq!(flask.dxpy.not_collected, 1);
    assert_eq!(m.top_signatures[0].count, 2);
    assert!(m.top_signatures[0].signature.contains("PyModule_Create2"));
    assert_eq!(m.overall.collected, 14);
    assert_eq!(m.overall.pct_of_cpython, Some(25.0));
}

#[test]
fn regressions_and_improvements() {
    let before = matrix::build(&fixed_runs());
    let mut runs = fixed_runs();
    // Flask: the async view now passes (improvement); url_for now fails (regression);
    // requests: test_len disappears (regression).
    for t in &mut runs[0].comparison.tests {
        match t.id.as_str() {
            "tests.test_async.test_async_view" => t.dxpy = Some(Outcome::Passed),
            "tests.test_basic.test_url_for" => t.dxpy = Some(Outcome::Failed),
            _ => {}
        }
    }
    runs[1].comparison.tests.retain(|t| !t.id.as_str().ends_with("test_len"));
    let after = matrix::build(&runs);
    let r = regress::compare(&before, &after);
    let ids = |v: &[regress::Change]| v.iter().map(|c| c.id.0.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&r.improvements), ["tests.test_async.test_async_view"]);
    assert_eq!(
        ids(&r.regressions),
        ["tests.test_basic.test_url_for", "tests.test_structures.TestCaseInsensitiveDict.test_len"]
    );
    assert!(r.has_regressions());
    let text = r.render();
    assert!(text.starts_with("1 improvements, 2 regressions"), "{text}");
    assert!(text.contains("  - [flask] tests.test_basic.test_url_for: passed -> failed"), "{text}");
    // Through JSON, as `--fail-on-regression PREV.json` reads it.
    let prev = Matrix::from_json(&before.to_json()).unwrap();
    assert_eq!(regress::compare(&prev, &after), r);
    assert!(!regress::compare(&before, &before).has_regressions());
    assert!(Matrix::from_json("{\"not\": \"a matrix\"}").unwrap_err().contains("not a DX-Py compatibility matrix"));
}
