//! Aggregation of benchmark samples into the report (pure functions, no I/O).

use serde::{Deserialize, Serialize};

/// One measured run of a workload on one runtime.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    /// Position of this run in the session (0, 1, 2, ... over all runtimes and workloads):
    /// shows the A B A B interleaving.
    pub seq: u64,
    /// Wall-clock time, seconds.
    pub wall_s: f64,
    /// User + system CPU time, seconds.
    pub cpu_s: f64,
    /// Peak resident set size, KiB (`ru_maxrss`).
    pub max_rss_kib: f64,
    /// What the workload measured itself (`metric NAME VALUE UNIT` lines).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub phases: Vec<Phase>,
}

/// One in-script measurement of a run: a part of the workload timed by the workload
/// itself (e.g. the cost per call of one loop), which the wall time of the whole process
/// cannot show.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Phase {
    pub name: String,
    pub value: f64,
    pub unit: String,
}

/// Parses the `metric NAME VALUE UNIT` lines a workload prints before its checksum.
pub fn parse_phases(stdout: &str) -> Result<Vec<Phase>, String> {
    let mut phases = Vec::new();
    for line in stdout.lines().filter(|l| l.starts_with("metric ")) {
        let f: Vec<&str> = line.split_whitespace().collect();
        let value = f.get(2).and_then(|v| v.parse::<f64>().ok()).filter(|v| v.is_finite());
        match (f.len(), value) {
            (4, Some(value)) => phases.push(Phase { name: f[1].into(), value, unit: f[3].into() }),
            _ => return Err(format!("malformed metric line `{line}` (want `metric NAME VALUE UNIT`)")),
        }
    }
    Ok(phases)
}

/// Median, min and max of one in-script measurement over the measured runs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PhaseSummary {
    pub name: String,
    pub unit: String,
    pub summary: Summary,
}

/// What the runner measured for one workload on one runtime.
#[derive(Clone, Debug, Default)]
pub struct RawRuntime {
    /// Measured runs, warm-ups excluded.
    pub samples: Vec<Sample>,
    /// Why the workload failed on this runtime (non-zero exit, wrong checksum, timeout, ...).
    pub error: Option<String>,
    /// The checksum line the workload printed (the last successful run).
    pub checksum: Option<String>,
}

/// What the runner measured for one workload.
#[derive(Clone, Debug)]
pub struct RawWorkload {
    pub name: String,
    pub args: Vec<String>,
    pub runs_requested: usize,
    /// `(unit, work per run)`: throughput = work / wall seconds.
    pub throughput: Option<(String, f64)>,
    pub cpython: RawRuntime,
    pub dxpy: RawRuntime,
}

/// Median, minimum and maximum of a metric over the measured runs.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub median: f64,
    pub min: f64,
    pub max: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    pub wall_s: Summary,
    pub cpu_s: Summary,
    pub max_rss_kib: Summary,
    /// Work units per wall second (see the workload's `throughput_unit`).
    pub throughput: Option<Summary>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    Failed,
}

/// One runtime's result for one workload.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RuntimeResult {
    pub runtime: String,
    pub status: Status,
    pub error: Option<String>,
    pub checksum: Option<String>,
    pub runs_requested: usize,
    pub runs_measured: usize,
    /// Present when the runtime measured every requested run.
    pub metrics: Option<Metrics>,
    /// The in-script measurements every measured run printed, summarised.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub phases: Vec<PhaseSummary>,
    pub samples: Vec<Sample>,
}

/// DX-Py / CPython, of the medians.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Ratios {
    pub wall: f64,
    pub cpu: f64,
    pub max_rss: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WorkloadResult {
    pub name: String,
    pub args: Vec<String>,
    pub throughput_unit: Option<String>,
    pub cpython: RuntimeResult,
    pub dxpy: RuntimeResult,
    /// Present when both runtimes succeeded.
    pub ratios: Option<Ratios>,
}

pub const CPYTHON: &str = "CPython";
pub const DXPY: &str = "DX-Py";

/// Median (mean of the two middle values for an even count), min and max; `None` for no
/// values or any value that is not finite.
pub fn summarize(values: &[f64]) -> Option<Summary> {
    if values.is_empty() || values.iter().any(|v| !v.is_finite()) {
        return None;
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    let median = if n % 2 == 1 { v[n / 2] } else { v[n / 2 - 1] / 2.0 + v[n / 2] / 2.0 };
    // Guard against rounding pushing the mean of two equal-ish values out of [min, max].
    let median = median.clamp(v[0], v[n - 1]);
    Some(Summary { median, min: v[0], max: v[n - 1] })
}

/// The metrics of a complete set of samples; `None` when any metric is not positive and finite.
pub fn metrics(samples: &[Sample], work: Option<f64>) -> Option<Metrics> {
    let positive = |xs: &[f64]| xs.iter().all(|x| x.is_finite() && *x > 0.0);
    let wall: Vec<f64> = samples.iter().map(|s| s.wall_s).collect();
    let cpu: Vec<f64> = samples.iter().map(|s| s.cpu_s).collect();
    let rss: Vec<f64> = samples.iter().map(|s| s.max_rss_kib).collect();
    if !positive(&wall) || !positive(&cpu) || !positive(&rss) {
        return None;
    }
    let throughput = match work {
        Some(w) if w.is_finite() && w > 0.0 => {
            let tp: Vec<f64> = wall.iter().map(|t| w / t).collect();
            if !positive(&tp) {
                return None;
            }
            Some(summarize(&tp)?)
        }
        _ => None,
    };
    Some(Metrics { wall_s: summarize(&wall)?, cpu_s: summarize(&cpu)?, max_rss_kib: summarize(&rss)?, throughput })
}

/// The phases every sample has, in the order the first sample printed them.
fn phase_summaries(samples: &[Sample]) -> Vec<PhaseSummary> {
    let Some(first) = samples.first() else { return Vec::new() };
    first
        .phases
        .iter()
        .filter_map(|p| {
            let values: Vec<f64> = samples
                .iter()
                .map(|s| s.phases.iter().find(|q| q.name == p.name).map(|q| q.value))
                .collect::<Option<_>>()?;
            Some(PhaseSummary { name: p.name.clone(), unit: p.unit.clone(), summary: summarize(&values)? })
        })
        .collect()
}

fn runtime_result(name: &str, raw: &RawRuntime, runs_requested: usize, work: Option<f64>) -> RuntimeResult {
    let mut error = raw.error.clone();
    let mut metrics_ = None;
    if error.is_none() {
        if raw.samples.len() != runs_requested {
            error = Some(format!("measured {} run(s) of {runs_requested} requested", raw.samples.len()));
        } else {
            metrics_ = metrics(&raw.samples, work);
            if metrics_.is_none() {
                error = Some("a measured metric was zero, negative or not finite".to_string());
            }
        }
    }
    if let Some(e) = &mut error
        && e.trim().is_empty()
    {
        *e = "failed (no error message)".to_string();
    }
    let phases = if error.is_none() { phase_summaries(&raw.samples) } else { Vec::new() };
    RuntimeResult {
        runtime: name.to_string(),
        status: if error.is_none() { Status::Ok } else { Status::Failed },
        error,
        checksum: raw.checksum.clone(),
        runs_requested,
        runs_measured: raw.samples.len(),
        metrics: metrics_,
        phases,
        samples: raw.samples.clone(),
    }
}

/// Aggregate one workload: a row with both runtimes, always (a failure keeps its error).
pub fn aggregate(raw: &RawWorkload) -> WorkloadResult {
    let work = raw.throughput.as_ref().map(|(_, w)| *w);
    let cpython = runtime_result(CPYTHON, &raw.cpython, raw.runs_requested, work);
    let dxpy = runtime_result(DXPY, &raw.dxpy, raw.runs_requested, work);
    let ratios = match (&cpython.metrics, &dxpy.metrics) {
        (Some(c), Some(d)) => Some(Ratios {
            wall: d.wall_s.median / c.wall_s.median,
            cpu: d.cpu_s.median / c.cpu_s.median,
            max_rss: d.max_rss_kib.median / c.max_rss_kib.median,
        }),
        _ => None,
    };
    WorkloadResult {
        name: raw.name.clone(),
        args: raw.args.clone(),
        throughput_unit: raw.throughput.as_ref().map(|(u, _)| u.clone()),
        cpython,
        dxpy,
        ratios,
    }
}

fn check_summary(what: &str, s: &Summary) -> Result<(), String> {
    for (k, v) in [("median", s.median), ("min", s.min), ("max", s.max)] {
        if !(v.is_finite() && v > 0.0) {
            return Err(format!("{what}: {k} = {v} is not positive and finite"));
        }
    }
    if !(s.min <= s.median && s.median <= s.max) {
        return Err(format!("{what}: not min <= median <= max ({} {} {})", s.min, s.median, s.max));
    }
    Ok(())
}

/// "Benchmark metrics validity": every metric positive and finite, min <= median <= max,
/// run counts as requested, both runtimes in every row, failures carry their error, and both
/// runtimes measured in the same session, interleaved (CPython run i before DX-Py run i).
pub fn validate(results: &[WorkloadResult]) -> Result<(), String> {
    let mut seqs = std::collections::HashSet::new();
    for w in results {
        let ctx = |m: String| format!("{}: {m}", w.name);
        if w.cpython.runtime != CPYTHON || w.dxpy.runtime != DXPY {
            return Err(ctx("both runtimes must appear in the row".into()));
        }
        for r in [&w.cpython, &w.dxpy] {
            match r.status {
                Status::Ok => {
                    if r.error.is_some() {
                        return Err(ctx(format!("{} ok but has an error", r.runtime)));
                    }
                    if r.runs_measured != r.runs_requested || r.samples.len() != r.runs_requested {
                        return Err(ctx(format!("{}: run count is not as requested", r.runtime)));
                    }
                    let m = r.metrics.as_ref().ok_or_else(|| ctx(format!("{} ok without metrics", r.runtime)))?;
                    check_summary(&format!("{} {} wall", w.name, r.runtime), &m.wall_s)?;
                    check_summary(&format!("{} {} cpu", w.name, r.runtime), &m.cpu_s)?;
                    check_summary(&format!("{} {} rss", w.name, r.runtime), &m.max_rss_kib)?;
                    if let Some(t) = &m.throughput {
                        check_summary(&format!("{} {} throughput", w.name, r.runtime), t)?;
                    }
                    for p in &r.phases {
                        let s = &p.summary;
                        if !([s.median, s.min, s.max].iter().all(|v| v.is_finite())
                            && s.min <= s.median
                            && s.median <= s.max)
                        {
                            return Err(ctx(format!("{} {}: not finite min <= median <= max", r.runtime, p.name)));
                        }
                    }
                    if m.throughput.is_some() != w.throughput_unit.is_some() {
                        return Err(ctx("throughput present without a unit or the reverse".into()));
                    }
                }
                Status::Failed => {
                    if r.error.as_deref().is_none_or(|e| e.trim().is_empty()) {
                        return Err(ctx(format!("{} failed without an error", r.runtime)));
                    }
                    if r.metrics.is_some() {
                        return Err(ctx(format!("{} failed but has metrics", r.runtime)));
                    }
                }
            }
            for s in &r.samples {
                if !seqs.insert(s.seq) {
                    return Err(ctx(format!("sequence number {} used twice", s.seq)));
                }
            }
        }
        if w.cpython.status == Status::Ok && w.dxpy.status == Status::Ok {
            // Interleaved: A_i < B_i < A_{i+1}.
            for i in 0..w.cpython.samples.len() {
                let a = w.cpython.samples[i].seq;
                let b = w.dxpy.samples[i].seq;
                if a >= b || w.cpython.samples.get(i + 1).is_some_and(|n| n.seq <= b) {
                    return Err(ctx(format!("runs are not interleaved A B A B (run {i})")));
                }
            }
            let r = w.ratios.ok_or_else(|| ctx("both runtimes ok but no ratios".into()))?;
            for v in [r.wall, r.cpu, r.max_rss] {
                if !(v.is_finite() && v > 0.0) {
                    return Err(ctx(format!("ratio {v} is not positive and finite")));
                }
            }
        } else if w.ratios.is_some() {
            return Err(ctx("a ratio for a failed workload".into()));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sample(seq: u64, wall: f64, cpu: f64, rss: f64) -> Sample {
        Sample { seq, wall_s: wall, cpu_s: cpu, max_rss_kib: rss, phases: vec![] }
    }

    #[test]
    fn phases_parse_and_summarise() {
        let out = "metric call 31.5 ns\nnoise\nmetric build 27 us\nchecksum 1\n";
        let p = parse_phases(out).unwrap();
        assert_eq!(p.len(), 2);
        assert_eq!((p[0].name.as_str(), p[0].value, p[0].unit.as_str()), ("call", 31.5, "ns"));
        assert!(parse_phases("metric call fast ns").unwrap_err().contains("malformed"));
        assert!(parse_phases("metric call 1").is_err());
        assert!(parse_phases("metric call inf ns").is_err());
        let with = |seq, v: f64| Sample {
            phases: vec![Phase { name: "call".into(), value: v, unit: "ns".into() }],
            ..sample(seq, 1.0, 1.0, 1.0)
        };
        let s = phase_summaries(&[with(0, 3.0), with(1, 1.0), with(2, 2.0)]);
        assert_eq!(s[0].summary, Summary { median: 2.0, min: 1.0, max: 3.0 });
        // A phase missing from one run is not summarised.
        assert!(phase_summaries(&[with(0, 3.0), sample(1, 1.0, 1.0, 1.0)]).is_empty());
    }

    #[test]
    fn summarize_odd_even_and_bad() {
        assert_eq!(summarize(&[3.0, 1.0, 2.0]), Some(Summary { median: 2.0, min: 1.0, max: 3.0 }));
        assert_eq!(summarize(&[4.0, 1.0, 2.0, 3.0]), Some(Summary { median: 2.5, min: 1.0, max: 4.0 }));
        assert_eq!(summarize(&[]), None);
        assert_eq!(summarize(&[1.0, f64::NAN]), None);
    }

    #[test]
    fn missing_runs_mark_failed() {
        let raw = RawWorkload {
            name: "w".into(),
            args: vec![],
            runs_requested: 3,
            throughput: None,
            cpython: RawRuntime { samples: vec![sample(0, 1.0, 1.0, 1.0)], error: None, checksum: None },
            dxpy: RawRuntime::default(),
        };
        let w = aggregate(&raw);
        assert_eq!(w.cpython.status, Status::Failed);
        assert!(w.cpython.error.as_deref().unwrap().contains("1 run(s) of 3"));
        assert_eq!(w.ratios, None);
        validate(&[w]).unwrap();
    }

    /// Per runtime: positive samples, or a failure (an error after some of the runs).
    /// (wall, cpu, rss) per run, and maybe (the run it fails at, its error).
    type GenRuntime = (Vec<(f64, f64, f64)>, Option<(usize, String)>);

    fn runtime_strategy(runs: usize) -> impl Strategy<Value = GenRuntime> {
        (
            prop::collection::vec((1e-4f64..1e3, 1e-4f64..1e3, 1.0f64..1e8), runs),
            prop::option::weighted(0.3, (0..=runs, "[a-zA-Z: ]{0,30}")),
        )
    }

    proptest! {
        /// benchmark metrics validity
        #[test]
        fn benchmark_metrics_validity(
            runs in 1usize..8,
            workloads in prop::collection::vec((any::<bool>(), 1.0f64..1e7), 1..6),
            seed in prop::collection::vec(runtime_strategy(8), 12),
        ) {
            let mut seq = 0u64;
            let mut results = Vec::new();
            for (i, (has_tp, work)) in workloads.iter().enumerate() {
                let (cs, cerr) = &seed[2 * i];
                let (ds, derr) = &seed[2 * i + 1];
                let mut cpython = RawRuntime::default();
                let mut dxpy = RawRuntime::default();
                // The runner's order: A B A B; a failed runtime stops being run.
                for r in 0..runs {
                    if cerr.as_ref().is_none_or(|(at, _)| r < *at) && cpython.error.is_none() {
                        let (w, c, m) = cs[r];
                        cpython.samples.push(sample(seq, w, c, m));
                    } else if cpython.error.is_none() {
                        cpython.error = Some(cerr.as_ref().unwrap().1.clone());
                    }
                    seq += 1;
                    if derr.as_ref().is_none_or(|(at, _)| r < *at) && dxpy.error.is_none() {
                        let (w, c, m) = ds[r];
                        dxpy.samples.push(sample(seq, w, c, m));
                    } else if dxpy.error.is_none() {
                        dxpy.error = Some(derr.as_ref().unwrap().1.clone());
                    }
                    seq += 1;
                }
                if cerr.as_ref().is_some_and(|(at, _)| *at >= runs) {
                    cpython.error = Some(cerr.as_ref().unwrap().1.clone());
                }
                if derr.as_ref().is_some_and(|(at, _)| *at >= runs) {
                    dxpy.error = Some(derr.as_ref().unwrap().1.clone());
                }
                let raw = RawWorkload {
                    name: format!("w{i}"),
                    args: vec![],
                    runs_requested: runs,
                    throughput: has_tp.then(|| ("ops/s".to_string(), *work)),
                    cpython: cpython.clone(),
                    dxpy: dxpy.clone(),
                };
                let w = aggregate(&raw);
                // Failed workloads are kept, with their error; both runtimes in every row.
                prop_assert_eq!(&w.cpython.runtime, CPYTHON);
                prop_assert_eq!(&w.dxpy.runtime, DXPY);
                for (res, rawr) in [(&w.cpython, &cpython), (&w.dxpy, &dxpy)] {
                    prop_assert_eq!(res.status == Status::Failed, rawr.error.is_some());
                    if let Some(e) = &rawr.error {
                        let got = res.error.as_deref().unwrap();
                        prop_assert!(e.trim().is_empty() || got == e);
                    } else {
                        prop_assert_eq!(res.runs_measured, runs);
                        let m = res.metrics.as_ref().unwrap();
                        for s in [&m.wall_s, &m.cpu_s, &m.max_rss_kib] {
                            prop_assert!(s.min.is_finite() && s.min > 0.0 && s.max.is_finite());
                            prop_assert!(s.min <= s.median && s.median <= s.max);
                        }
                        prop_assert_eq!(m.throughput.is_some(), *has_tp);
                    }
                }
                prop_assert_eq!(w.ratios.is_some(), cpython.error.is_none() && dxpy.error.is_none());
                results.push(w);
            }
            prop_assert_eq!(results.len(), workloads.len());
            let check = validate(&results);
            prop_assert!(check.is_ok(), "{:?}", check);
        }

        #[test]
        fn summary_ordering(values in prop::collection::vec(1e-9f64..1e9, 1..40)) {
            let s = summarize(&values).unwrap();
            prop_assert!(s.min <= s.median && s.median <= s.max);
            prop_assert!(values.iter().all(|v| s.min <= *v && *v <= s.max));
        }
    }

    #[test]
    fn validate_rejects_non_interleaved_and_bad_metrics() {
        let mk = |cseq: [u64; 2], dseq: [u64; 2], wall: f64| {
            aggregate(&RawWorkload {
                name: "w".into(),
                args: vec![],
                runs_requested: 2,
                throughput: None,
                cpython: RawRuntime {
                    samples: vec![sample(cseq[0], 1.0, 1.0, 1.0), sample(cseq[1], 1.0, 1.0, 1.0)],
                    ..Default::default()
                },
                dxpy: RawRuntime {
                    samples: vec![sample(dseq[0], wall, 1.0, 1.0), sample(dseq[1], 2.0, 1.0, 1.0)],
                    ..Default::default()
                },
            })
        };
        validate(&[mk([0, 2], [1, 3], 1.0)]).unwrap();
        assert!(validate(&[mk([0, 1], [2, 3], 1.0)]).unwrap_err().contains("interleaved"));
        let bad = mk([0, 2], [1, 3], 0.0);
        assert_eq!(bad.dxpy.status, Status::Failed);
        validate(&[bad]).unwrap();
        let mut forged = mk([0, 2], [1, 3], 1.0);
        forged.dxpy.metrics.as_mut().unwrap().wall_s.min = 5.0;
        assert!(validate(&[forged]).is_err());
    }
}
