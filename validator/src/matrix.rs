//! The compatibility matrix: per framework and version, tests collected, outcome counts
//! under CPython and under DX-Py, DX-Py's passes as % of CPython's, the top failure
//! categories, a feature-level table, and every test's row (for regression detection).
//! Rendered as JSON (serde) and Markdown (`templates/matrix.md.j2`, minijinja).
//!
//! Invariants (checked by the property test `matrix_completeness`): every test of a
//! framework's comparison appears exactly once in its `tests`; each of `cpython` and
//! `dxpy` counts sums to `collected` (a test one runtime never reported is
//! `not_collected` there); framework counts sum to `overall`; every percentage is
//! `round1(100 * both_passed / cpython_passed)`; feature rows partition the tests.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::classify::{Category, Unblocker};
use crate::compare::{self, Comparison, SignatureCount};
use crate::model::{Outcome, TestId};

/// The feature mapping table (`validator/features.yaml`): framework → ordered features.
pub const FEATURES_YAML: &str = include_str!("../features.yaml");
const TEMPLATE: &str = include_str!("../templates/matrix.md.j2");
/// How many signatures and categories the matrix lists.
const TOP_N: usize = 15;
/// How many notes per framework the Markdown shows (all are in the JSON).
const NOTES_N: usize = 12;

#[derive(Debug, Clone, Deserialize)]
pub struct FeatureRule {
    pub feature: String,
    #[serde(rename = "match")]
    pub patterns: Vec<String>,
}

pub type FeatureTable = BTreeMap<String, Vec<FeatureRule>>;

/// The built-in mapping table.
pub fn feature_table() -> FeatureTable {
    serde_yaml_ng::from_str(FEATURES_YAML).expect("validator/features.yaml is valid")
}

/// The feature a test id belongs to under `rules`: the first rule with a substring of
/// the lowercased id, else `other`.
pub fn feature_of(rules: &[FeatureRule], id: &str) -> String {
    let lower = id.to_lowercase();
    rules
        .iter()
        .find(|r| r.patterns.iter().any(|p| lower.contains(&p.to_lowercase())))
        .map(|r| r.feature.clone())
        .unwrap_or_else(|| "other".into())
}

/// One runtime's outcome counts. `passed + failed + ... + not_collected == collected`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Counts {
    pub collected: usize,
    pub passed: usize,
    pub failed: usize,
    pub errored: usize,
    pub skipped: usize,
    pub xfail: usize,
    pub xpass: usize,
    pub crashed: usize,
    pub timed_out: usize,
    pub not_collected: usize,
}

impl Counts {
    fn add(&mut self, o: Option<Outcome>) {
        self.collected += 1;
        match o {
            None => self.not_collected += 1,
            Some(Outcome::Passed) => self.passed += 1,
            Some(Outcome::Failed) => self.failed += 1,
            Some(Outcome::Error) => self.errored += 1,
            Some(Outcome::Skipped) => self.skipped += 1,
            Some(Outcome::XFail) => self.xfail += 1,
            Some(Outcome::XPass) => self.xpass += 1,
            Some(Outcome::Crashed) => self.crashed += 1,
            Some(Outcome::TimedOut) => self.timed_out += 1,
        }
    }

    fn merge(&mut self, o: &Counts) {
        self.collected += o.collected;
        self.passed += o.passed;
        self.failed += o.failed;
        self.errored += o.errored;
        self.skipped += o.skipped;
        self.xfail += o.xfail;
        self.xpass += o.xpass;
        self.crashed += o.crashed;
        self.timed_out += o.timed_out;
        self.not_collected += o.not_collected;
    }

    /// The sum of the outcome counts (equals `collected` when consistent).
    pub fn sum(&self) -> usize {
        self.passed
            + self.failed
            + self.errored
            + self.skipped
            + self.xfail
            + self.xpass
            + self.crashed
            + self.timed_out
            + self.not_collected
    }
}

/// `100 * num / den` rounded to one decimal; `None` when `den` is 0.
pub fn pct(num: usize, den: usize) -> Option<f64> {
    (den > 0).then(|| (1000.0 * num as f64 / den as f64).round() / 10.0)
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CategoryCount {
    pub category: Category,
    pub label: String,
    pub count: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureRow {
    pub feature: String,
    pub tests: usize,
    pub cpython_passed: usize,
    pub dxpy_passed: usize,
    pub both_passed: usize,
    pub pct_of_cpython: Option<f64>,
}

/// One test in the matrix (what regression detection compares).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestRow {
    pub id: TestId,
    pub feature: String,
    pub cpython: Option<Outcome>,
    pub dxpy: Option<Outcome>,
    pub category: Option<Category>,
    pub signature: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FrameworkRow {
    pub framework: String,
    pub version: String,
    pub collected: usize,
    pub cpython: Counts,
    pub dxpy: Counts,
    /// Tests CPython passes (outcome `passed`).
    pub cpython_passed: usize,
    /// Tests both runtimes pass.
    pub both_passed: usize,
    pub pct_of_cpython: Option<f64>,
    pub top_categories: Vec<CategoryCount>,
    pub features: Vec<FeatureRow>,
    pub tests: Vec<TestRow>,
    /// Problems with the runs (timeouts, crashes, truncated output).
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Overall {
    pub collected: usize,
    pub cpython: Counts,
    pub dxpy: Counts,
    pub cpython_passed: usize,
    pub both_passed: usize,
    pub pct_of_cpython: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnblockCount {
    pub unblocks: Unblocker,
    pub count: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Matrix {
    pub schema: u32,
    pub frameworks: Vec<FrameworkRow>,
    pub overall: Overall,
    pub top_signatures: Vec<SignatureCount>,
    pub top_unblockers: Vec<UnblockCount>,
}

/// The input for one framework: its comparison and the notes of both runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FrameworkRun {
    pub framework: String,
    pub version: String,
    pub comparison: Comparison,
    pub notes: Vec<String>,
}

fn framework_row(run: &FrameworkRun, table: &FeatureTable) -> FrameworkRow {
    let rules = table.get(&run.framework.to_lowercase()).map(Vec::as_slice).unwrap_or(&[]);
    let mut cpython = Counts::default();
    let mut dxpy = Counts::default();
    let mut cpython_passed = 0;
    let mut both_passed = 0;
    let mut cats: BTreeMap<Category, usize> = BTreeMap::new();
    let mut feats: Vec<FeatureRow> = Vec::new();
    let mut tests = Vec::with_capacity(run.comparison.tests.len());
    for t in &run.comparison.tests {
        cpython.add(t.cpython);
        dxpy.add(t.dxpy);
        let cp = t.cpython == Some(Outcome::Passed);
        let both = cp && t.dxpy == Some(Outcome::Passed);
        cpython_passed += cp as usize;
        both_passed += both as usize;
        if let Some(c) = &t.classification {
            *cats.entry(c.category).or_default() += 1;
        }
        let feature = feature_of(rules, t.id.as_str());
        if !rules.is_empty() {
            let row = match feats.iter().position(|f| f.feature == feature) {
                Some(i) => &mut feats[i],
                None => {
                    feats.push(FeatureRow {
                        feature: feature.clone(),
                        tests: 0,
                        cpython_passed: 0,
                        dxpy_passed: 0,
                        both_passed: 0,
                        pct_of_cpython: None,
                    });
                    feats.last_mut().unwrap()
                }
            };
            row.tests += 1;
            row.cpython_passed += cp as usize;
            row.dxpy_passed += (t.dxpy == Some(Outcome::Passed)) as usize;
            row.both_passed += both as usize;
        }
        tests.push(TestRow {
            id: t.id.clone(),
            feature,
            cpython: t.cpython,
            dxpy: t.dxpy,
            category: t.classification.as_ref().map(|c| c.category),
            signature: t.classification.as_ref().map(|c| c.signature.clone()),
        });
    }
    // Features in table order, `other` last.
    let order = |f: &FeatureRow| rules.iter().position(|r| r.feature == f.feature).unwrap_or(usize::MAX);
    feats.sort_by_key(order);
    for f in &mut feats {
        f.pct_of_cpython = pct(f.both_passed, f.cpython_passed);
    }
    let mut top_categories: Vec<CategoryCount> = cats
        .into_iter()
        .map(|(category, count)| CategoryCount { category, label: category.label().into(), count })
        .collect();
    top_categories.sort_by(|a, b| b.count.cmp(&a.count).then(a.category.cmp(&b.category)));
    top_categories.truncate(3);
    FrameworkRow {
        framework: run.framework.clone(),
        version: run.version.clone(),
        collected: run.comparison.tests.len(),
        cpython,
        dxpy,
        cpython_passed,
        both_passed,
        pct_of_cpython: pct(both_passed, cpython_passed),
        top_categories,
        features: feats,
        tests,
        notes: run.notes.clone(),
    }
}

/// Builds the matrix with the built-in feature table.
pub fn build(runs: &[FrameworkRun]) -> Matrix {
    build_with(runs, &feature_table())
}

pub fn build_with(runs: &[FrameworkRun], table: &FeatureTable) -> Matrix {
    let frameworks: Vec<FrameworkRow> = runs.iter().map(|r| framework_row(r, table)).collect();
    let mut cpython = Counts::default();
    let mut dxpy = Counts::default();
    let (mut collected, mut cpython_passed, mut both_passed) = (0, 0, 0);
    for f in &frameworks {
        cpython.merge(&f.cpython);
        dxpy.merge(&f.dxpy);
        collected += f.collected;
        cpython_passed += f.cpython_passed;
        both_passed += f.both_passed;
    }
    let suites = || runs.iter().map(|r| (r.framework.as_str(), &r.comparison));
    let mut top_signatures = compare::top_signatures(suites());
    top_signatures.truncate(TOP_N);
    let top_unblockers = compare::top_unblockers(suites())
        .into_iter()
        .map(|(unblocks, count)| UnblockCount { unblocks, count })
        .collect();
    Matrix {
        schema: 1,
        frameworks,
        overall: Overall {
            collected,
            cpython,
            dxpy,
            cpython_passed,
            both_passed,
            pct_of_cpython: pct(both_passed, cpython_passed),
        },
        top_signatures,
        top_unblockers,
    }
}

impl Matrix {
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("matrix serialises")
    }

    pub fn from_json(s: &str) -> Result<Matrix, String> {
        serde_json::from_str(s).map_err(|e| format!("not a DX-Py compatibility matrix (JSON): {e}"))
    }

    pub fn to_markdown(&self) -> String {
        let mut env = minijinja::Environment::new();
        env.set_trim_blocks(true);
        env.add_function("pct", |v: Option<f64>| match v {
            Some(p) => format!("{p:.1}%"),
            None => "n/a".to_string(),
        });
        env.add_template("matrix.md", TEMPLATE).expect("matrix template parses");
        let named = |kind: fn(&Unblocker) -> Option<&String>| {
            self.top_unblockers
                .iter()
                .filter_map(|u| kind(&u.unblocks).map(|n| minijinja::context! { name => n, count => u.count }))
                .take(TOP_N)
                .collect::<Vec<_>>()
        };
        let signatures: Vec<_> = self
            .top_signatures
            .iter()
            .map(|s| {
                minijinja::context! {
                    count => s.count,
                    category_label => s.category.label(),
                    signature => s.signature.replace('|', "\\|").replace('`', "'"),
                    unblocks => s.unblocks.as_ref().map(unblocker_label),
                    suites => s.suites,
                }
            })
            .collect();
        let notes: Vec<_> = self
            .frameworks
            .iter()
            .filter(|f| !f.notes.is_empty())
            .map(|f| {
                let shown: Vec<String> = f.notes.iter().take(NOTES_N).map(|n| one_line(n)).collect();
                minijinja::context! {
                    framework => f.framework,
                    notes => shown,
                    more => f.notes.len().saturating_sub(NOTES_N),
                }
            })
            .collect();
        let tmpl = env.get_template("matrix.md").expect("template registered");
        tmpl.render(minijinja::context! {
            frameworks => self.frameworks,
            overall => self.overall,
            signatures => signatures,
            capi => named(|u| if let Unblocker::CApi(n) = u { Some(n) } else { None }),
            features_needed => named(|u| if let Unblocker::Feature(n) = u { Some(n) } else { None }),
            modules => named(|u| if let Unblocker::Module(n) = u { Some(n) } else { None }),
            notes => notes,
        })
        .expect("matrix template renders")
    }
}

/// A note as one Markdown list line (notes may carry stderr lines).
fn one_line(s: &str) -> String {
    let flat: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() > 600 { format!("{}...", flat.chars().take(600).collect::<String>()) } else { flat }
}

fn unblocker_label(u: &Unblocker) -> String {
    match u {
        Unblocker::CApi(n) => format!("C-API `{n}()`"),
        Unblocker::Module(n) => format!("module `{n}`"),
        Unblocker::Feature(n) => n.clone(),
    }
}
