//! Regression detection: two matrices (the previous snapshot's JSON and this run's)
//! compared test by test on DX-Py's outcome. A test that passed under DX-Py before and
//! does not now (including one that disappeared) is a regression; one that did not pass
//! before (or is new) and passes now is an improvement.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::matrix::Matrix;
use crate::model::{Outcome, TestId};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    pub framework: String,
    pub id: TestId,
    pub before: Option<Outcome>,
    pub after: Option<Outcome>,
    /// DX-Py's failure signature now (for regressions).
    pub signature: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RegressionReport {
    pub improvements: Vec<Change>,
    pub regressions: Vec<Change>,
}

impl RegressionReport {
    pub fn has_regressions(&self) -> bool {
        !self.regressions.is_empty()
    }

    /// Human-readable summary, one line per change.
    pub fn render(&self) -> String {
        let mut s = format!("{} improvements, {} regressions\n", self.improvements.len(), self.regressions.len());
        let show = |o: Option<Outcome>| o.map(|o| o.as_str()).unwrap_or("absent");
        for c in &self.improvements {
            let _ = writeln!(s, "  + [{}] {}: {} -> {}", c.framework, c.id, show(c.before), show(c.after));
        }
        for c in &self.regressions {
            let sig = c.signature.as_deref().map(|s| format!(" ({s})")).unwrap_or_default();
            let _ = writeln!(s, "  - [{}] {}: {} -> {}{sig}", c.framework, c.id, show(c.before), show(c.after));
        }
        s
    }
}

pub fn compare(previous: &Matrix, current: &Matrix) -> RegressionReport {
    type Key<'a> = (&'a str, &'a TestId);
    let mut before: BTreeMap<Key<'_>, Option<Outcome>> = BTreeMap::new();
    for f in &previous.frameworks {
        for t in &f.tests {
            before.insert((f.framework.as_str(), &t.id), t.dxpy);
        }
    }
    let mut report = RegressionReport::default();
    let mut seen: BTreeMap<Key<'_>, ()> = BTreeMap::new();
    for f in &current.frameworks {
        for t in &f.tests {
            let key = (f.framework.as_str(), &t.id);
            seen.insert(key, ());
            let was = before.get(&key).copied().flatten();
            let passed_before = was == Some(Outcome::Passed);
            let passes_now = t.dxpy == Some(Outcome::Passed);
            let change = || Change {
                framework: f.framework.clone(),
                id: t.id.clone(),
                before: was,
                after: t.dxpy,
                signature: t.signature.clone(),
            };
            if passed_before && !passes_now {
                report.regressions.push(change());
            } else if !passed_before && passes_now {
                report.improvements.push(change());
            }
        }
    }
    for ((framework, id), was) in before {
        if was == Some(Outcome::Passed) && !seen.contains_key(&(framework, id)) {
            report.regressions.push(Change {
                framework: framework.to_string(),
                id: id.clone(),
                before: was,
                after: None,
                signature: Some("test no longer reported".into()),
            });
        }
    }
    report
}
