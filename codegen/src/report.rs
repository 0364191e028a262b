//! C-API coverage: how much of the spec is implemented, by priority, header, ABI and
//! visibility; what given extension modules need; and how coverage moved over time.
//!
//! The model ([`Item`]) does not depend on the YAML spec, so the runtime can build it from
//! its own registry (with call counts) and reuse [`compute`] and the renderers.
//! Everything here is deterministic: the same input gives byte-identical output.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::Spec;
use crate::extscan::ExtImports;
use crate::spec::{Priority, SlotKind, Status};

/// Header shown for entries no installed header declares.
pub const NO_HEADER: &str = "(none)";

/// What kind of C-API entry an [`Item`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    /// A function exported by `libpython3.11.so`.
    Function,
    /// A data symbol exported by `libpython3.11.so`.
    Data,
    /// A slot of NumPy's `_ARRAY_API` / `_UFUNC_API` table.
    NumpySlot,
}

impl ItemKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ItemKind::Function => "function",
            ItemKind::Data => "data",
            ItemKind::NumpySlot => "numpy slot",
        }
    }
}

/// One C-API entry, as far as coverage is concerned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    pub name: String,
    /// Declaring header (`cpython/object.h`), [`NO_HEADER`] when unknown; for NumPy
    /// slots, the table (`_ARRAY_API`).
    pub header: String,
    pub kind: ItemKind,
    /// Effective priority (overrides applied).
    pub priority: Priority,
    pub status: Status,
    pub stable_abi: bool,
    pub private: bool,
    /// Calls recorded by the runtime's call-count registry (0 from the spec alone).
    pub calls: u64,
}

/// The coverage items of a spec: every function and data symbol, then every NumPy slot
/// (placeholder slots of kind `unused` are not APIs and are left out).
pub fn items_from_spec(spec: &Spec) -> Vec<Item> {
    let mut out = Vec::new();
    for (_, f) in spec.functions() {
        out.push(Item {
            name: f.name.clone(),
            header: f.header.clone().unwrap_or_else(|| NO_HEADER.to_string()),
            kind: ItemKind::Function,
            priority: f.effective_priority(),
            status: f.status,
            stable_abi: f.stable_abi.is_some(),
            private: f.private,
            calls: 0,
        });
    }
    for (_, d) in spec.data() {
        out.push(Item {
            name: d.name.clone(),
            header: d.header.clone().unwrap_or_else(|| NO_HEADER.to_string()),
            kind: ItemKind::Data,
            priority: d.effective_priority(),
            status: d.status,
            stable_abi: d.stable_abi.is_some(),
            private: d.private,
            calls: 0,
        });
    }
    for n in &spec.numpy {
        for s in n.table.slots.iter().filter(|s| s.kind != SlotKind::Unused) {
            out.push(Item {
                name: s.name.clone(),
                header: n.table.table.clone(),
                kind: ItemKind::NumpySlot,
                priority: s.effective_priority(),
                status: s.status,
                stable_abi: false,
                private: s.name.starts_with('_'),
                calls: 0,
            });
        }
    }
    out
}

/// `part / total * 100`, rounded to one decimal; 0.0 when `total` is 0.
pub fn percent(part: u64, total: u64) -> f64 {
    if total == 0 { 0.0 } else { (part as f64 * 1000.0 / total as f64).round() / 10.0 }
}

/// Counts by status of a group of items.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Counts {
    pub total: u64,
    pub implemented: u64,
    pub stub: u64,
    pub unsupported: u64,
    /// `implemented / total * 100`, one decimal; 0.0 for an empty group.
    pub percent_implemented: f64,
    /// Calls recorded into the group's items.
    pub calls: u64,
    /// Of those, calls into items that are not implemented.
    pub calls_not_implemented: u64,
}

impl Counts {
    fn add(&mut self, item: &Item) {
        self.total += 1;
        match item.status {
            Status::Implemented => self.implemented += 1,
            Status::Stub => self.stub += 1,
            Status::Unsupported => self.unsupported += 1,
        }
        self.calls += item.calls;
        if item.status != Status::Implemented {
            self.calls_not_implemented += item.calls;
        }
        self.percent_implemented = percent(self.implemented, self.total);
    }

    fn of<'a>(items: impl IntoIterator<Item = &'a Item>) -> Counts {
        let mut c = Counts::default();
        for i in items {
            c.add(i);
        }
        c
    }
}

/// One row of a breakdown table: a group name and its counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Row {
    pub key: String,
    #[serde(flatten)]
    pub counts: Counts,
}

/// A non-implemented entry that was called, for the "hot stubs" table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HotEntry {
    pub name: String,
    pub status: Status,
    pub priority: Priority,
    pub calls: u64,
}

/// Coverage of one group of items (CPython symbols, or NumPy slots).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Section {
    pub totals: Counts,
    /// `function`, `data` (or `numpy slot`); only kinds that occur.
    pub by_kind: Vec<Row>,
    /// Always `critical`, `important`, `optional`, in that order.
    pub by_priority: Vec<Row>,
    /// Always `stable`, `full-only`.
    pub by_abi: Vec<Row>,
    /// Always `public`, `private`.
    pub by_visibility: Vec<Row>,
    /// Headers (NumPy: tables) that occur, sorted by name.
    pub by_header: Vec<Row>,
    /// Critical entries whose status is not `implemented`, sorted by name.
    pub missing_critical: Vec<String>,
    /// Non-implemented entries with at least one recorded call: most calls first,
    /// then by name.
    pub hot_not_implemented: Vec<HotEntry>,
}

impl Section {
    fn of(items: &[&Item]) -> Section {
        let totals = Counts::of(items.iter().copied());
        let mut by_kind = Vec::new();
        for kind in [ItemKind::Function, ItemKind::Data, ItemKind::NumpySlot] {
            if items.iter().any(|i| i.kind == kind) {
                let counts = Counts::of(items.iter().copied().filter(|i| i.kind == kind));
                by_kind.push(Row { key: kind.as_str().to_string(), counts });
            }
        }
        let by_priority = Priority::ALL
            .iter()
            .map(|&p| Row {
                key: p.as_str().to_string(),
                counts: Counts::of(items.iter().copied().filter(|i| i.priority == p)),
            })
            .collect();
        let by_abi = [("stable", true), ("full-only", false)]
            .iter()
            .map(|&(k, stable)| Row {
                key: k.to_string(),
                counts: Counts::of(items.iter().copied().filter(|i| i.stable_abi == stable)),
            })
            .collect();
        let by_visibility = [("public", false), ("private", true)]
            .iter()
            .map(|&(k, private)| Row {
                key: k.to_string(),
                counts: Counts::of(items.iter().copied().filter(|i| i.private == private)),
            })
            .collect();
        let mut headers: BTreeMap<&str, Counts> = BTreeMap::new();
        for i in items {
            headers.entry(i.header.as_str()).or_default().add(i);
        }
        let by_header = headers.into_iter().map(|(k, counts)| Row { key: k.to_string(), counts }).collect();
        let mut missing_critical: Vec<String> = items
            .iter()
            .filter(|i| i.priority == Priority::Critical && i.status != Status::Implemented)
            .map(|i| i.name.clone())
            .collect();
        missing_critical.sort();
        let mut hot_not_implemented: Vec<HotEntry> = items
            .iter()
            .filter(|i| i.status != Status::Implemented && i.calls > 0)
            .map(|i| HotEntry { name: i.name.clone(), status: i.status, priority: i.priority, calls: i.calls })
            .collect();
        hot_not_implemented.sort_by(|a, b| b.calls.cmp(&a.calls).then_with(|| a.name.cmp(&b.name)));
        Section {
            totals,
            by_kind,
            by_priority,
            by_abi,
            by_visibility,
            by_header,
            missing_critical,
            hot_not_implemented,
        }
    }

    /// The counts of one priority.
    pub fn priority(&self, p: Priority) -> &Counts {
        &self.by_priority.iter().find(|r| r.key == p.as_str()).expect("all priorities present").counts
    }
}

/// Coverage of a set of items: CPython symbols (functions and data) and NumPy slots are
/// counted separately.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Coverage {
    pub cpython: Section,
    pub numpy: Section,
    /// Calls recorded into all items.
    pub calls: u64,
    /// Calls recorded into items that are not implemented.
    pub calls_not_implemented: u64,
}

/// Computes every number of the report from `items`.
pub fn compute(items: &[Item]) -> Coverage {
    let (numpy, cpython): (Vec<&Item>, Vec<&Item>) = items.iter().partition(|i| i.kind == ItemKind::NumpySlot);
    let cpython = Section::of(&cpython);
    let numpy = Section::of(&numpy);
    Coverage {
        calls: cpython.totals.calls + numpy.totals.calls,
        calls_not_implemented: cpython.totals.calls_not_implemented + numpy.totals.calls_not_implemented,
        cpython,
        numpy,
    }
}

// ---------------------------------------------------------------------------------------
// Extensions

/// What one extension module needs, against the spec.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtReport {
    /// As given by [`crate::extscan`] (`path/x.so` or `wheel.whl!pkg/x.so`).
    pub name: String,
    /// Every C-API symbol it imports (sorted).
    pub required: Vec<String>,
    /// Imported and implemented.
    pub implemented: Vec<String>,
    /// Imported and in the spec, but `stub` or `unsupported`.
    pub stubbed: Vec<String>,
    /// Imported but not in the spec at all (e.g. symbols of other Python versions).
    pub missing: Vec<String>,
}

impl ExtReport {
    /// Whether everything it imports is implemented.
    pub fn ready(&self) -> bool {
        self.implemented.len() == self.required.len()
    }

    pub fn percent_implemented(&self) -> f64 {
        percent(self.implemented.len() as u64, self.required.len() as u64)
    }
}

/// Classifies what `ext` imports against `items` (NumPy slots are not linked symbols and
/// are ignored).
pub fn ext_report(ext: &ExtImports, items: &[Item]) -> ExtReport {
    let by_name: HashMap<&str, Status> =
        items.iter().filter(|i| i.kind != ItemKind::NumpySlot).map(|i| (i.name.as_str(), i.status)).collect();
    ext_report_with(ext, &by_name)
}

/// [`ext_report`] for several extensions (one lookup table for all).
pub fn ext_reports(exts: &[ExtImports], items: &[Item]) -> Vec<ExtReport> {
    let by_name: HashMap<&str, Status> =
        items.iter().filter(|i| i.kind != ItemKind::NumpySlot).map(|i| (i.name.as_str(), i.status)).collect();
    exts.iter().map(|e| ext_report_with(e, &by_name)).collect()
}

fn ext_report_with(ext: &ExtImports, by_name: &HashMap<&str, Status>) -> ExtReport {
    let mut r = ExtReport {
        name: ext.name.clone(),
        required: ext.symbols.iter().cloned().collect(),
        implemented: Vec::new(),
        stubbed: Vec::new(),
        missing: Vec::new(),
    };
    for s in &ext.symbols {
        match by_name.get(s.as_str()) {
            Some(Status::Implemented) => r.implemented.push(s.clone()),
            Some(Status::Stub | Status::Unsupported) => r.stubbed.push(s.clone()),
            None => r.missing.push(s.clone()),
        }
    }
    r
}

// ---------------------------------------------------------------------------------------
// History

/// One line of `reports/coverage-history.jsonl`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// `YYYY-MM-DD` (UTC).
    pub date: String,
    /// Short commit hash of the tree the report was made from, if known.
    #[serde(default)]
    pub git: Option<String>,
    /// CPython symbols.
    pub total: u64,
    pub implemented: u64,
    pub percent: f64,
    pub critical: f64,
    pub important: f64,
    pub optional: f64,
    #[serde(default)]
    pub numpy_total: u64,
    #[serde(default)]
    pub numpy_implemented: u64,
    #[serde(default)]
    pub numpy_percent: f64,
}

impl HistoryEntry {
    pub fn new(cov: &Coverage, date: &str, git: Option<String>) -> HistoryEntry {
        let c = &cov.cpython;
        HistoryEntry {
            date: date.to_string(),
            git,
            total: c.totals.total,
            implemented: c.totals.implemented,
            percent: c.totals.percent_implemented,
            critical: c.priority(Priority::Critical).percent_implemented,
            important: c.priority(Priority::Important).percent_implemented,
            optional: c.priority(Priority::Optional).percent_implemented,
            numpy_total: cov.numpy.totals.total,
            numpy_implemented: cov.numpy.totals.implemented,
            numpy_percent: cov.numpy.totals.percent_implemented,
        }
    }

    /// The entry as one JSON line (no trailing newline).
    pub fn to_json_line(&self) -> String {
        serde_json::to_string(self).expect("history entries serialize")
    }
}

/// Parses a `coverage-history.jsonl` text; blank lines are skipped, a bad line is an
/// error naming its line number.
pub fn parse_history(text: &str) -> Result<Vec<HistoryEntry>, String> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| serde_json::from_str(l).map_err(|e| format!("line {}: {e}", i + 1)))
        .collect()
}

/// `YYYY-MM-DD` of a Unix time (UTC), without a date library.
pub fn date_from_unix(secs: u64) -> String {
    // Howard Hinnant's civil_from_days.
    let z = (secs / 86_400) as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + if m <= 2 { 1 } else { 0 };
    format!("{y:04}-{m:02}-{d:02}")
}

// ---------------------------------------------------------------------------------------
// The report and its renderings

/// Everything the report shows except the priority rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub coverage: Coverage,
    pub extensions: Vec<ExtReport>,
    /// Oldest first; the trend section and chart are drawn from these.
    pub history: Vec<HistoryEntry>,
}

impl Report {
    /// Computes coverage of `items` and the reports of `exts` against them.
    pub fn build(items: &[Item], exts: &[ExtImports], history: Vec<HistoryEntry>) -> Report {
        Report { coverage: compute(items), extensions: ext_reports(exts, items), history }
    }
}

/// Where the Markdown links the trend chart (relative to the Markdown file).
pub const TREND_SVG_FILE: &str = "coverage-trend.svg";

const MARKDOWN_TEMPLATE: &str = include_str!("../templates/coverage.md.j2");

/// Lists longer than this are collapsed in `<details>`.
const COLLAPSE_OVER: usize = 20;
/// History rows shown in the trend table (the newest ones).
const TREND_ROWS: usize = 10;

#[derive(Serialize)]
struct ExtView<'a> {
    name: &'a str,
    required: usize,
    implemented: usize,
    stubbed: usize,
    missing: usize,
    percent: f64,
    ready: bool,
    stubbed_names: &'a [String],
    missing_names: &'a [String],
}

/// The report as Markdown. `priority_rule` is the importer's rule text, shown verbatim.
pub fn render_markdown(report: &Report, priority_rule: &str) -> String {
    let mut env = minijinja::Environment::new();
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.set_keep_trailing_newline(true);
    env.add_filter("pct", |v: f64| format!("{v:.1}"));
    env.add_filter("code", |v: String| format!("`{v}`"));
    env.add_global("collapse_over", COLLAPSE_OVER);
    env.add_template("coverage.md", MARKDOWN_TEMPLATE).expect("coverage template parses");
    let exts: Vec<ExtView> = report
        .extensions
        .iter()
        .map(|e| ExtView {
            name: &e.name,
            required: e.required.len(),
            implemented: e.implemented.len(),
            stubbed: e.stubbed.len(),
            missing: e.missing.len(),
            percent: e.percent_implemented(),
            ready: e.ready(),
            stubbed_names: &e.stubbed,
            missing_names: &e.missing,
        })
        .collect();
    let skip = report.history.len().saturating_sub(TREND_ROWS);
    let ctx = minijinja::context! {
        priority_rule => priority_rule,
        cov => &report.coverage,
        exts => exts,
        history => &report.history[skip..],
        history_len => report.history.len(),
        trend_svg => TREND_SVG_FILE,
    };
    let tmpl = env.get_template("coverage.md").expect("template registered");
    let mut out = tmpl.render(ctx).expect("coverage template renders");
    // One trailing newline, whatever the template's last block did.
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

#[derive(Serialize)]
struct JsonReport<'a> {
    priority_rule: &'a str,
    coverage: &'a Coverage,
    extensions: Vec<JsonExt<'a>>,
}

#[derive(Serialize)]
struct JsonExt<'a> {
    name: &'a str,
    required_count: usize,
    implemented_count: usize,
    stubbed_count: usize,
    missing_count: usize,
    percent_implemented: f64,
    required: &'a [String],
    implemented: &'a [String],
    stubbed: &'a [String],
    missing: &'a [String],
}

/// The report as pretty JSON (keys in declaration order; history is left out, it lives
/// in `coverage-history.jsonl`).
pub fn render_json(report: &Report, priority_rule: &str) -> String {
    let out = JsonReport {
        priority_rule,
        coverage: &report.coverage,
        extensions: report
            .extensions
            .iter()
            .map(|e| JsonExt {
                name: &e.name,
                required_count: e.required.len(),
                implemented_count: e.implemented.len(),
                stubbed_count: e.stubbed.len(),
                missing_count: e.missing.len(),
                percent_implemented: e.percent_implemented(),
                required: &e.required,
                implemented: &e.implemented,
                stubbed: &e.stubbed,
                missing: &e.missing,
            })
            .collect(),
    };
    let mut s = serde_json::to_string_pretty(&out).expect("report serializes");
    s.push('\n');
    s
}

/// A small line chart of % implemented per priority (and overall) over `history`, as a
/// standalone SVG document.
pub fn svg_trend(history: &[HistoryEntry]) -> String {
    const W: f64 = 640.0;
    const H: f64 = 260.0;
    const LEFT: f64 = 44.0;
    const RIGHT: f64 = 130.0;
    const TOP: f64 = 16.0;
    const BOTTOM: f64 = 36.0;
    let pw = W - LEFT - RIGHT;
    let ph = H - TOP - BOTTOM;
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" font-family="sans-serif" font-size="11">"#
    );
    let _ = writeln!(s, r#"<title>C-API coverage trend (% implemented)</title>"#);
    let _ = writeln!(s, r##"<rect x="0" y="0" width="{W}" height="{H}" fill="#ffffff"/>"##);
    for pct in [0, 25, 50, 75, 100] {
        let y = TOP + ph * (1.0 - pct as f64 / 100.0);
        let _ = writeln!(
            s,
            r##"<line x1="{LEFT}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#dddddd"/><text x="{:.1}" y="{:.1}" text-anchor="end" fill="#555555">{pct}%</text>"##,
            LEFT + pw,
            LEFT - 6.0,
            y + 4.0
        );
    }
    if history.is_empty() {
        let _ = writeln!(
            s,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="middle" fill="#555555">no history yet</text>"##,
            LEFT + pw / 2.0,
            TOP + ph / 2.0
        );
    } else {
        let n = history.len();
        let x_of = |i: usize| if n == 1 { LEFT + pw / 2.0 } else { LEFT + pw * i as f64 / (n - 1) as f64 };
        let y_of = |v: f64| TOP + ph * (1.0 - v.clamp(0.0, 100.0) / 100.0);
        let series: [Series; 4] = [
            ("critical", "#d62728", |e| e.critical),
            ("important", "#ff7f0e", |e| e.important),
            ("optional", "#2ca02c", |e| e.optional),
            ("all", "#1f77b4", |e| e.percent),
        ];
        for (li, (label, color, get)) in series.iter().enumerate() {
            let points: Vec<String> =
                history.iter().enumerate().map(|(i, e)| format!("{:.1},{:.1}", x_of(i), y_of(get(e)))).collect();
            let dash = if *label == "all" { r#" stroke-dasharray="4 3""# } else { "" };
            let _ = writeln!(
                s,
                r#"<polyline fill="none" stroke="{color}" stroke-width="2"{dash} points="{}"/>"#,
                points.join(" ")
            );
            for (i, e) in history.iter().enumerate() {
                let _ = writeln!(
                    s,
                    r#"<circle cx="{:.1}" cy="{:.1}" r="2.5" fill="{color}"><title>{} {label}: {:.1}%</title></circle>"#,
                    x_of(i),
                    y_of(get(e)),
                    xml_escape(&e.date),
                    get(e)
                );
            }
            let ly = TOP + 12.0 + li as f64 * 18.0;
            let lx = LEFT + pw + 12.0;
            let last = get(&history[n - 1]);
            let _ = writeln!(
                s,
                r#"<line x1="{lx:.1}" y1="{ly:.1}" x2="{:.1}" y2="{ly:.1}" stroke="{color}" stroke-width="2"{dash}/><text x="{:.1}" y="{:.1}">{label} {last:.1}%</text>"#,
                lx + 16.0,
                lx + 20.0,
                ly + 4.0
            );
        }
        let ty = TOP + ph + 16.0;
        let first = &history[0];
        let last = &history[n - 1];
        let anchor_first = if n == 1 { "middle" } else { "start" };
        let _ = writeln!(
            s,
            r##"<text x="{:.1}" y="{ty:.1}" text-anchor="{anchor_first}" fill="#555555">{}</text>"##,
            x_of(0),
            xml_escape(&first.date)
        );
        if n > 1 {
            let _ = writeln!(
                s,
                r##"<text x="{:.1}" y="{ty:.1}" text-anchor="end" fill="#555555">{}</text>"##,
                x_of(n - 1),
                xml_escape(&last.date)
            );
        }
        let _ = writeln!(
            s,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="middle" fill="#555555">{n} report run(s)</text>"##,
            LEFT + pw / 2.0,
            ty + 14.0
        );
    }
    let _ = writeln!(s, r##"<rect x="{LEFT}" y="{TOP}" width="{pw}" height="{ph}" fill="none" stroke="#999999"/>"##);
    s.push_str("</svg>\n");
    s
}

/// Label, colour and value of one line of the trend chart.
type Series = (&'static str, &'static str, fn(&HistoryEntry) -> f64);

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_rounds_to_one_decimal() {
        assert_eq!(percent(0, 0), 0.0);
        assert_eq!(percent(1, 3), 33.3);
        assert_eq!(percent(2, 3), 66.7);
        assert_eq!(percent(3, 3), 100.0);
    }

    #[test]
    fn dates() {
        assert_eq!(date_from_unix(0), "1970-01-01");
        assert_eq!(date_from_unix(951_782_400), "2000-02-29");
        assert_eq!(date_from_unix(1_735_689_599), "2024-12-31");
        assert_eq!(date_from_unix(1_735_689_600), "2025-01-01");
    }

    #[test]
    fn history_roundtrip_and_errors() {
        let cov = compute(&[]);
        let e = HistoryEntry::new(&cov, "2025-01-01", Some("abc1234".into()));
        let text = format!("{}\n\n{}\n", e.to_json_line(), e.to_json_line());
        assert_eq!(parse_history(&text).unwrap(), vec![e.clone(), e]);
        let err = parse_history("{}\nnot json\n").unwrap_err();
        assert!(err.starts_with("line 1:"), "{err}");
    }

    #[test]
    fn empty_svg_is_well_formed() {
        let s = svg_trend(&[]);
        assert!(s.starts_with("<svg") && s.ends_with("</svg>\n"));
        assert!(s.contains("no history yet"));
    }
}
