//! `cargo xtask coverage-report`: C-API coverage of `api-spec/` (Markdown, JSON, trend
//! chart, history), optionally with what given extension modules need.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use dxpy_codegen::Spec;
use dxpy_codegen::extscan;
use dxpy_codegen::report::{self, HistoryEntry, Report};
use dxpy_codegen::spec::Priority;

use dxpy_codegen::spec::PRIORITY_RULE;

pub const HISTORY_FILE: &str = "coverage-history.jsonl";

#[derive(clap::Args)]
pub struct Args {
    /// The spec directory (default: <workspace>/api-spec).
    #[arg(long, value_name = "DIR")]
    spec: Option<PathBuf>,
    /// Where to write coverage.md, coverage.json, coverage-trend.svg and the history
    /// (default: <workspace>/reports).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// An extension to report on: a .so, a .whl, or a directory searched recursively
    /// (repeatable).
    #[arg(long, value_name = "PATH")]
    ext: Vec<PathBuf>,
    /// Do not append this run to coverage-history.jsonl.
    #[arg(long)]
    no_history: bool,
}

pub fn run(args: Args) -> Result<(), String> {
    let root = crate::repo_root();
    let spec_dir = args.spec.unwrap_or_else(|| root.join("api-spec"));
    let out_dir = args.out.unwrap_or_else(|| root.join("reports"));

    let mut exts = Vec::new();
    for path in &args.ext {
        if !path.exists() {
            return Err(format!("{}: no such file or directory", path.display()));
        }
        let found = extscan::scan(path)?;
        if found.is_empty() {
            eprintln!("warning: {}: no extension modules (.so) found", path.display());
        }
        exts.extend(found);
    }
    if !spec_dir.is_dir() {
        return Err(format!("{}: spec directory not found", spec_dir.display()));
    }
    let spec = Spec::load_dir(&spec_dir).map_err(|errs| {
        let lines: Vec<String> = errs.iter().map(|e| e.to_string()).collect();
        format!("the spec in {} has {} problem(s):\n{}", spec_dir.display(), errs.len(), lines.join("\n"))
    })?;
    let items = report::items_from_spec(&spec);
    if items.is_empty() {
        eprintln!("warning: {} holds no entries; the report will be all zeros", spec_dir.display());
    }

    // Paths under the workspace are shown relative to it, so the committed report does
    // not depend on where the checkout lives.
    let prefix = format!("{}/", root.display());
    for e in &mut exts {
        if let Some(rest) = e.name.strip_prefix(&prefix) {
            e.name = rest.to_string();
        }
    }

    std::fs::create_dir_all(&out_dir).map_err(|e| format!("{}: {e}", out_dir.display()))?;
    let history_path = out_dir.join(HISTORY_FILE);
    let mut history = match std::fs::read_to_string(&history_path) {
        Ok(text) => report::parse_history(&text).map_err(|e| format!("{}: {e}", history_path.display()))?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(format!("{}: {e}", history_path.display())),
    };

    let coverage = report::compute(&items);
    if !args.no_history {
        let entry = HistoryEntry::new(&coverage, &today(), git_head(&root));
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&history_path)
            .map_err(|e| format!("{}: {e}", history_path.display()))?;
        writeln!(f, "{}", entry.to_json_line()).map_err(|e| format!("{}: {e}", history_path.display()))?;
        history.push(entry);
    }

    let report = Report { coverage, extensions: report::ext_reports(&exts, &items), history };
    let md_path = out_dir.join("coverage.md");
    let json_path = out_dir.join("coverage.json");
    let svg_path = out_dir.join(report::TREND_SVG_FILE);
    write(&md_path, &report::render_markdown(&report, PRIORITY_RULE))?;
    write(&json_path, &report::render_json(&report, PRIORITY_RULE))?;
    write(&svg_path, &report::svg_trend(&report.history))?;

    let c = &report.coverage.cpython;
    println!("wrote {}, {} and {}", md_path.display(), json_path.display(), svg_path.display());
    if !args.no_history {
        println!("appended a line to {}", history_path.display());
    }
    println!(
        "CPython: {} of {} implemented ({:.1}%); critical {:.1}%, important {:.1}%, optional {:.1}%; {} critical not implemented",
        c.totals.implemented,
        c.totals.total,
        c.totals.percent_implemented,
        c.priority(Priority::Critical).percent_implemented,
        c.priority(Priority::Important).percent_implemented,
        c.priority(Priority::Optional).percent_implemented,
        c.missing_critical.len(),
    );
    let n = &report.coverage.numpy.totals;
    println!("NumPy: {} of {} slots implemented ({:.1}%)", n.implemented, n.total, n.percent_implemented);
    for e in &report.extensions {
        println!(
            "{}: {} required, {} implemented, {} stubbed, {} missing",
            e.name,
            e.required.len(),
            e.implemented.len(),
            e.stubbed.len(),
            e.missing.len()
        );
    }
    Ok(())
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Today's date (UTC) as `YYYY-MM-DD`.
fn today() -> String {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    report::date_from_unix(secs)
}

/// Short hash of HEAD, if `root` is a git checkout with at least one commit.
fn git_head(root: &Path) -> Option<String> {
    let out = Command::new("git").args(["rev-parse", "--short", "HEAD"]).current_dir(root).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let s = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (!s.is_empty()).then_some(s)
}
