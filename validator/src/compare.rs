//! CPython's results beside DX-Py's, test by test. A failure is attributed to DX-Py only
//! when CPython passes the test (passed or expected-failure): a test CPython fails, errors
//! or skips says nothing about DX-Py.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::classify::{self, Category, Classification, Unblocker};
use crate::model::{Outcome, SuiteRun, TestId, TestResult};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestComparison {
    pub id: TestId,
    pub file: Option<String>,
    /// `None`: the runtime never reported this test.
    pub cpython: Option<Outcome>,
    pub dxpy: Option<Outcome>,
    /// DX-Py's message when it did not pass.
    pub dxpy_message: Option<String>,
    /// Set when CPython passes and DX-Py does not.
    pub classification: Option<Classification>,
}

impl TestComparison {
    /// CPython passes the test and DX-Py does not: a failure that counts against DX-Py.
    pub fn is_dxpy_failure(&self) -> bool {
        self.classification.is_some()
    }
}

/// Every test either runtime reported, once, sorted by id.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Comparison {
    pub tests: Vec<TestComparison>,
}

/// Collapses repeated ids (subtests, a test reported by set-up and teardown) to one
/// result: the first non-passing one, else the first.
fn by_id(results: &[TestResult]) -> BTreeMap<&TestId, &TestResult> {
    let mut map: BTreeMap<&TestId, &TestResult> = BTreeMap::new();
    for r in results {
        map.entry(&r.id)
            .and_modify(|e| {
                if e.outcome.is_pass() && !r.outcome.is_pass() {
                    *e = r
                }
            })
            .or_insert(r);
    }
    map
}

pub fn compare(cpython: &SuiteRun, dxpy: &SuiteRun) -> Comparison {
    compare_results(&cpython.results, &dxpy.results)
}

pub fn compare_results(cpython: &[TestResult], dxpy: &[TestResult]) -> Comparison {
    let cp = by_id(cpython);
    let dx = by_id(dxpy);
    let mut ids: Vec<&TestId> = cp.keys().chain(dx.keys()).copied().collect();
    ids.sort();
    ids.dedup();
    let tests = ids
        .into_iter()
        .map(|id| {
            let c = cp.get(id).copied();
            let d = dx.get(id).copied();
            let cpython = c.map(|r| r.outcome);
            let dxpy = d.map(|r| r.outcome);
            let classification = match (cpython, d) {
                (Some(co), Some(dr)) if co.is_pass() && dr.outcome != co => Some(classify_dxpy(dr)),
                (Some(co), None) if co.is_pass() => Some(Classification {
                    category: Category::NotCollected,
                    signature: "not collected under DX-Py".into(),
                    unblocks: None,
                }),
                _ => None,
            };
            TestComparison {
                id: id.clone(),
                file: c.and_then(|r| r.file.clone()).or_else(|| d.and_then(|r| r.file.clone())),
                cpython,
                dxpy,
                dxpy_message: d.filter(|r| !r.outcome.is_pass()).and_then(|r| r.message.clone()),
                classification,
            }
        })
        .collect();
    Comparison { tests }
}

fn classify_dxpy(r: &TestResult) -> Classification {
    match r.outcome {
        Outcome::Skipped => Classification {
            category: Category::InterpreterGap,
            signature: format!("skipped under DX-Py: {}", classify::normalise(r.message.as_deref().unwrap_or(""))),
            unblocks: None,
        },
        Outcome::XPass => Classification {
            category: Category::Assertion,
            signature: "expected failure passed under DX-Py".into(),
            unblocks: None,
        },
        // CPython xfail, DX-Py plain pass (or the reverse): the test's expectation differs.
        Outcome::Passed | Outcome::XFail => Classification {
            category: Category::Assertion,
            signature: format!("outcome {} where CPython differs", r.outcome),
            unblocks: None,
        },
        _ => classify::classify(r),
    }
}

/// One failure signature and how many tests it stops.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignatureCount {
    pub signature: String,
    pub category: Category,
    pub count: usize,
    pub unblocks: Option<Unblocker>,
    /// Where it was seen (framework names), sorted.
    pub suites: Vec<String>,
    /// One test that shows it.
    pub example: TestId,
}

/// Failure signatures over several suites (`(suite name, comparison)`), most common first.
pub fn top_signatures<'a>(suites: impl IntoIterator<Item = (&'a str, &'a Comparison)>) -> Vec<SignatureCount> {
    let mut map: BTreeMap<(Category, String), SignatureCount> = BTreeMap::new();
    for (suite, cmp) in suites {
        for t in &cmp.tests {
            let Some(c) = &t.classification else { continue };
            let e = map.entry((c.category, c.signature.clone())).or_insert_with(|| SignatureCount {
                signature: c.signature.clone(),
                category: c.category,
                count: 0,
                unblocks: c.unblocks.clone(),
                suites: Vec::new(),
                example: t.id.clone(),
            });
            e.count += 1;
            if !e.suites.iter().any(|s| s == suite) {
                e.suites.push(suite.to_string());
                e.suites.sort();
            }
        }
    }
    let mut v: Vec<SignatureCount> = map.into_values().collect();
    v.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.signature.cmp(&b.signature)));
    v
}

/// What would unblock the most tests: each unblocker with the number of tests it stops.
pub fn top_unblockers<'a>(suites: impl IntoIterator<Item = (&'a str, &'a Comparison)>) -> Vec<(Unblocker, usize)> {
    let mut map: BTreeMap<Unblocker, usize> = BTreeMap::new();
    for (_, cmp) in suites {
        for t in &cmp.tests {
            if let Some(u) = t.classification.as_ref().and_then(|c| c.unblocks.clone()) {
                *map.entry(u).or_default() += 1;
            }
        }
    }
    let mut v: Vec<(Unblocker, usize)> = map.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v
}
