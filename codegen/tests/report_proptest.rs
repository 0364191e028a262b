//! API coverage tracking accuracy: every number of `compute()` and of the JSON report
//! equals a direct recount from generated items and call sequences.

use std::collections::BTreeMap;

use dxpy_codegen::report::{self, Counts, Item, ItemKind, Report, Row};
use dxpy_codegen::spec::{Priority, Status};
use proptest::prelude::*;
use serde_json::Value;

fn arb_item() -> impl Strategy<Value = Item> {
    (
        "_?Py[A-Z][a-z]{0,3}",
        prop::sample::select(vec!["object.h", "abstract.h", "(none)", "cpython/code.h", "_ARRAY_API"]),
        prop::sample::select(vec![ItemKind::Function, ItemKind::Data, ItemKind::NumpySlot]),
        prop::sample::select(Priority::ALL.to_vec()),
        prop::sample::select(Status::ALL.to_vec()),
        any::<bool>(),
        any::<bool>(),
        0u64..5,
    )
        .prop_map(|(name, header, kind, priority, status, stable_abi, private, calls)| Item {
            name,
            header: header.to_string(),
            kind,
            priority,
            status,
            stable_abi,
            private,
            calls,
        })
}

/// Items plus a call sequence (indexes into the items) applied to them.
fn arb_items_with_calls() -> impl Strategy<Value = Vec<Item>> {
    prop::collection::vec(arb_item(), 0..40).prop_flat_map(|items| {
        let n = items.len();
        let calls = if n == 0 { Just(Vec::new()).boxed() } else { prop::collection::vec(0..n, 0..100).boxed() };
        (Just(items), calls).prop_map(|(mut items, calls)| {
            for i in calls {
                items[i].calls += 1;
            }
            items
        })
    })
}

fn pct(part: u64, total: u64) -> f64 {
    if total == 0 { 0.0 } else { (part as f64 * 1000.0 / total as f64).round() / 10.0 }
}

/// Recount of a group, written independently of `report::Counts`.
fn recount<'a>(items: impl Iterator<Item = &'a Item> + Clone) -> Counts {
    let total = items.clone().count() as u64;
    let st = |s: Status| items.clone().filter(|i| i.status == s).count() as u64;
    let implemented = st(Status::Implemented);
    Counts {
        total,
        implemented,
        stub: st(Status::Stub),
        unsupported: st(Status::Unsupported),
        percent_implemented: pct(implemented, total),
        calls: items.clone().map(|i| i.calls).sum(),
        calls_not_implemented: items.filter(|i| i.status != Status::Implemented).map(|i| i.calls).sum(),
    }
}

fn check_counts_json(v: &Value, c: &Counts) {
    assert_eq!(v["total"].as_u64(), Some(c.total));
    assert_eq!(v["implemented"].as_u64(), Some(c.implemented));
    assert_eq!(v["stub"].as_u64(), Some(c.stub));
    assert_eq!(v["unsupported"].as_u64(), Some(c.unsupported));
    assert_eq!(v["percent_implemented"].as_f64(), Some(c.percent_implemented));
    assert_eq!(v["calls"].as_u64(), Some(c.calls));
    assert_eq!(v["calls_not_implemented"].as_u64(), Some(c.calls_not_implemented));
}

fn check_rows(rows: &[Row], json: &Value, want: &[(String, Counts)]) {
    let got: Vec<(String, Counts)> = rows.iter().map(|r| (r.key.clone(), r.counts)).collect();
    assert_eq!(got, want);
    let arr = json.as_array().expect("rows are an array");
    assert_eq!(arr.len(), want.len());
    for (v, (key, c)) in arr.iter().zip(want) {
        assert_eq!(v["key"].as_str(), Some(key.as_str()));
        check_counts_json(v, c);
    }
}

fn check_section(items: &[&Item], sec: &report::Section, json: &Value) {
    let all = || items.iter().copied();
    assert_eq!(sec.totals, recount(all()));
    check_counts_json(&json["totals"], &sec.totals);
    // Sanity of the recount itself.
    assert_eq!(sec.totals.total, items.len() as u64);
    assert_eq!(sec.totals.implemented + sec.totals.stub + sec.totals.unsupported, sec.totals.total);

    let by_priority: Vec<(String, Counts)> = Priority::ALL
        .iter()
        .map(|&p| (p.as_str().to_string(), recount(all().filter(move |i| i.priority == p))))
        .collect();
    check_rows(&sec.by_priority, &json["by_priority"], &by_priority);
    let by_abi = vec![
        ("stable".to_string(), recount(all().filter(|i| i.stable_abi))),
        ("full-only".to_string(), recount(all().filter(|i| !i.stable_abi))),
    ];
    check_rows(&sec.by_abi, &json["by_abi"], &by_abi);
    let by_vis = vec![
        ("public".to_string(), recount(all().filter(|i| !i.private))),
        ("private".to_string(), recount(all().filter(|i| i.private))),
    ];
    check_rows(&sec.by_visibility, &json["by_visibility"], &by_vis);
    let mut headers: Vec<String> = items.iter().map(|i| i.header.clone()).collect();
    headers.sort();
    headers.dedup();
    let by_header: Vec<(String, Counts)> =
        headers.iter().map(|h| (h.clone(), recount(all().filter(move |i| &i.header == h)))).collect();
    check_rows(&sec.by_header, &json["by_header"], &by_header);
    let by_kind: Vec<(String, Counts)> = [ItemKind::Function, ItemKind::Data, ItemKind::NumpySlot]
        .into_iter()
        .filter(|&k| items.iter().any(|i| i.kind == k))
        .map(|k| (k.as_str().to_string(), recount(all().filter(move |i| i.kind == k))))
        .collect();
    check_rows(&sec.by_kind, &json["by_kind"], &by_kind);

    let mut missing: Vec<String> = all()
        .filter(|i| i.priority == Priority::Critical && i.status != Status::Implemented)
        .map(|i| i.name.clone())
        .collect();
    missing.sort();
    assert_eq!(sec.missing_critical, missing);
    let json_missing: Vec<String> =
        serde_json::from_value(json["missing_critical"].clone()).expect("missing_critical is a list of names");
    assert_eq!(json_missing, missing);

    // Hot list: every called non-implemented item, by calls, with the recorded count.
    let mut hot: BTreeMap<String, u64> = BTreeMap::new();
    for i in all().filter(|i| i.status != Status::Implemented && i.calls > 0) {
        *hot.entry(i.name.clone()).or_default() += i.calls;
    }
    let mut got: BTreeMap<String, u64> = BTreeMap::new();
    for h in &sec.hot_not_implemented {
        *got.entry(h.name.clone()).or_default() += h.calls;
    }
    assert_eq!(got, hot);
    assert!(sec.hot_not_implemented.windows(2).all(|w| w[0].calls >= w[1].calls));
    assert_eq!(json["hot_not_implemented"].as_array().map(|a| a.len()), Some(sec.hot_not_implemented.len()));
}

proptest! {
    #[test]
    fn api_coverage_tracking_accuracy(items in arb_items_with_calls()) {
        let cov = report::compute(&items);
        let report = Report::build(&items, &[], Vec::new());
        prop_assert_eq!(&report.coverage, &cov);
        let json: Value = serde_json::from_str(&report::render_json(&report, "rule")).unwrap();
        let jc = &json["coverage"];

        let cpython: Vec<&Item> = items.iter().filter(|i| i.kind != ItemKind::NumpySlot).collect();
        let numpy: Vec<&Item> = items.iter().filter(|i| i.kind == ItemKind::NumpySlot).collect();
        check_section(&cpython, &cov.cpython, &jc["cpython"]);
        check_section(&numpy, &cov.numpy, &jc["numpy"]);

        let calls: u64 = items.iter().map(|i| i.calls).sum();
        let calls_ni: u64 = items.iter().filter(|i| i.status != Status::Implemented).map(|i| i.calls).sum();
        prop_assert_eq!(cov.calls, calls);
        prop_assert_eq!(cov.calls_not_implemented, calls_ni);
        prop_assert_eq!(jc["calls"].as_u64(), Some(calls));
        prop_assert_eq!(jc["calls_not_implemented"].as_u64(), Some(calls_ni));

        // The Markdown shows the same headline numbers.
        let md = report::render_markdown(&report, "rule");
        let headline = format!(
            "**{} of {} symbols implemented ({:.1}%)**",
            cov.cpython.totals.implemented, cov.cpython.totals.total, cov.cpython.totals.percent_implemented
        );
        prop_assert!(md.contains(&headline), "{}", headline);
    }

    #[test]
    fn percent_is_rounded_ratio(part in 0u64..10_000, extra in 0u64..10_000) {
        let total = part + extra;
        let p = report::percent(part, total);
        prop_assert_eq!(p, pct(part, total));
        prop_assert!((0.0..=100.0).contains(&p));
        if total > 0 {
            prop_assert!((p - part as f64 * 100.0 / total as f64).abs() <= 0.05 + 1e-9);
        }
    }
}
