//! `cargo xtask bench`: the workloads in `benches/` on CPython 3.11 and on DX-Py, interleaved
//! (A B A B ...) in one session, warm-ups discarded; Markdown, JSON and an SVG chart.

mod render;
mod stats;

use std::io::Read as _;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use serde::Deserialize;

use render::{Machine, Report, Session};
use stats::{RawRuntime, RawWorkload, Sample};

#[derive(clap::Args)]
pub struct Args {
    /// Measured runs per runtime and workload.
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// Warm-up runs per runtime and workload (discarded).
    #[arg(long, default_value_t = 1)]
    warmup: usize,
    /// Run only these workloads (by name).
    #[arg(long, num_args = 1.., value_name = "NAME")]
    only: Vec<String>,
    /// The dx-py binary (default: target/release/dx-py if it exists, else target/debug/dx-py).
    #[arg(long = "dx-py", value_name = "PATH")]
    dx_py: Option<PathBuf>,
    /// The CPython 3.11 interpreter.
    #[arg(long, value_name = "PATH", default_value = "python3.11")]
    python: PathBuf,
    /// Where to write results.md, results.json and ratios.svg (default: <workspace>/benches/results).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// The workload list (default: <workspace>/benches/workloads.toml).
    #[arg(long, value_name = "FILE")]
    workloads: Option<PathBuf>,
    /// Per-run timeout in seconds; a run that takes longer is killed and the workload fails.
    #[arg(long, value_name = "SECS", default_value_t = 120)]
    timeout: u64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WorkloadFile {
    workload: Vec<Workload>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Workload {
    name: String,
    file: PathBuf,
    #[serde(default)]
    args: Vec<String>,
    throughput: Option<Throughput>,
    venv: Option<VenvSpec>,
    /// A C extension module the workload imports, compiled from this directory's source
    /// against CPython 3.11's headers; the same `.so` serves both runtimes.
    extension: Option<ExtensionSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExtensionSpec {
    module: String,
    source: PathBuf,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Throughput {
    unit: String,
    work: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct VenvSpec {
    name: String,
    requirements: Vec<String>,
}

/// The default dx-py: a release build if there is one, else a debug build.
pub fn default_dx_py(root: &Path) -> Option<PathBuf> {
    let mut dirs = Vec::new();
    if let Some(t) = std::env::var_os("CARGO_TARGET_DIR") {
        dirs.push(PathBuf::from(t));
    }
    dirs.push(root.join("target"));
    for profile in ["release", "debug"] {
        for d in &dirs {
            let p = d.join(profile).join("dx-py");
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

fn build_profile(path: &Path) -> String {
    let parent = path.parent().and_then(|p| p.file_name()).and_then(|n| n.to_str()).unwrap_or("");
    match parent {
        "release" | "debug" => parent.to_string(),
        _ => "unknown".to_string(),
    }
}

pub fn run(args: Args) -> Result<(), String> {
    let root = crate::repo_root();
    if args.runs == 0 {
        return Err("--runs must be at least 1".into());
    }
    let dx_py = match args.dx_py.clone() {
        Some(p) => p,
        None => default_dx_py(&root).ok_or("no dx-py binary in target/release or target/debug: run `cargo build -p dx-py` (or `--release`), or pass --dx-py")?,
    };
    if !dx_py.is_file() {
        return Err(format!("{}: no such dx-py binary", dx_py.display()));
    }
    let dx_py = dx_py.canonicalize().map_err(|e| format!("{}: {e}", dx_py.display()))?;
    let list = args.workloads.clone().unwrap_or_else(|| root.join("benches/workloads.toml"));
    let text = std::fs::read_to_string(&list).map_err(|e| format!("{}: {e}", list.display()))?;
    let file: WorkloadFile = toml::from_str(&text).map_err(|e| format!("{}: {e}", list.display()))?;
    let base = list.parent().unwrap_or(Path::new("."));
    for name in &args.only {
        if !file.workload.iter().any(|w| &w.name == name) {
            let names: Vec<&str> = file.workload.iter().map(|w| w.name.as_str()).collect();
            return Err(format!("--only {name}: no such workload (have: {})", names.join(", ")));
        }
    }
    let selected: Vec<&Workload> =
        file.workload.iter().filter(|w| args.only.is_empty() || args.only.contains(&w.name)).collect();
    let out = args.out.clone().unwrap_or_else(|| root.join("benches/results"));
    let timeout = Duration::from_secs(args.timeout);

    let machine = describe_machine(&root, &args.python, &dx_py)?;
    eprintln!(
        "bench: {} workload(s), {} warm-up(s) + {} run(s) each, DX-Py {} build ({}), {}",
        selected.len(),
        args.warmup,
        args.runs,
        machine.dxpy_profile,
        dx_py.display(),
        machine.cpython
    );
    let started = Instant::now();
    let mut seq = 0u64;
    let mut results = Vec::new();
    for w in selected {
        let raw = run_workload(&root, base, w, &args, &dx_py, timeout, &mut seq);
        let agg = stats::aggregate(&raw);
        let show = |r: &stats::RuntimeResult| match (&r.metrics, &r.error) {
            (Some(m), _) => format!("{:.3}s", m.wall_s.median),
            (_, Some(e)) => format!("FAILED ({e})"),
            _ => "?".into(),
        };
        eprintln!(
            "  {:<20} CPython {}  DX-Py {}{}",
            w.name,
            show(&agg.cpython),
            show(&agg.dxpy),
            agg.ratios.map(|r| format!("  ratio {:.2}x", r.wall)).unwrap_or_default()
        );
        results.push(agg);
    }
    stats::validate(&results).map_err(|e| format!("benchmark metrics validity: {e}"))?;
    let report = Report {
        machine,
        session: Session {
            runs: args.runs,
            warmup: args.warmup,
            timeout_s: args.timeout,
            order: "A B A B (CPython, DX-Py)".into(),
            duration_s: started.elapsed().as_secs_f64(),
            command: command_of(&args, &dx_py),
        },
        workloads: results,
    };
    std::fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    for (name, body) in [
        ("results.md", render::markdown(&report)),
        ("results.json", render::json(&report)),
        ("ratios.svg", render::svg(&report)),
    ] {
        let p = out.join(name);
        std::fs::write(&p, body).map_err(|e| format!("{}: {e}", p.display()))?;
    }
    eprintln!("bench: wrote {}/{{results.md,results.json,ratios.svg}}", out.display());
    Ok(())
}

/// One runtime's command line for a workload.
struct Runner {
    program: PathBuf,
    prefix: Vec<String>,
}

/// Compiles a workload's C extension into `target/bench-ext/<module>/` (its directory goes
/// on `PYTHONPATH`), with CPython's own include directory and extension suffix.
fn build_extension(root: &Path, base: &Path, python: &Path, spec: &ExtensionSpec) -> Result<PathBuf, String> {
    let query =
        "import sysconfig; print(sysconfig.get_paths()['include']); print(sysconfig.get_config_var('EXT_SUFFIX'))";
    let out = Command::new(python).args(["-c", query]).output().map_err(|e| format!("{}: {e}", python.display()))?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut lines = text.lines();
    let (Some(include), Some(suffix)) = (lines.next(), lines.next()) else {
        return Err(format!("{} did not report its include directory and extension suffix", python.display()));
    };
    let dir = root.join("target/bench-ext").join(&spec.module);
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let so = dir.join(format!("{}{suffix}", spec.module));
    let source = base.join(&spec.source);
    let status = Command::new("cc")
        .args(["-O2", "-shared", "-fPIC", "-I", include, "-o"])
        .arg(&so)
        .arg(&source)
        .status()
        .map_err(|e| format!("cc: {e}"))?;
    if !status.success() {
        return Err(format!("cc failed to compile {}", source.display()));
    }
    Ok(dir)
}

fn run_workload(
    root: &Path,
    base: &Path,
    w: &Workload,
    args: &Args,
    dx_py: &Path,
    timeout: Duration,
    seq: &mut u64,
) -> RawWorkload {
    let mut raw = RawWorkload {
        name: w.name.clone(),
        args: w.args.clone(),
        runs_requested: args.runs,
        throughput: w.throughput.as_ref().map(|t| (t.unit.clone(), t.work)),
        cpython: RawRuntime::default(),
        dxpy: RawRuntime::default(),
    };
    let script = base.join(&w.file);
    let script_s = script.to_string_lossy().into_owned();
    let mut cpython = Runner { program: args.python.clone(), prefix: vec![] };
    let mut dxpy = Runner { program: dx_py.to_path_buf(), prefix: vec!["run".into()] };
    if let Some(v) = &w.venv {
        match ensure_venv(root, &args.python, v) {
            Ok(dir) => {
                cpython.program = dir.join("bin/python");
                dxpy.prefix = vec!["run".into(), "--venv".into(), dir.to_string_lossy().into_owned()];
            }
            Err(e) => {
                raw.cpython.error = Some(format!("venv: {e}"));
                raw.dxpy.error = Some(format!("venv: {e}"));
                return raw;
            }
        }
    }
    if !script.is_file() {
        let e = format!("{}: no such workload file", script.display());
        raw.cpython.error = Some(e.clone());
        raw.dxpy.error = Some(e);
        return raw;
    }
    let argv = |r: &Runner| {
        let mut v = r.prefix.clone();
        v.push(script_s.clone());
        v.extend(w.args.iter().cloned());
        v
    };
    let (cargv, dargv) = (argv(&cpython), argv(&dxpy));
    let mut env = Vec::new();
    if let Some(ext) = &w.extension {
        match build_extension(root, base, &args.python, ext) {
            Ok(dir) => env.push(("PYTHONPATH".to_string(), dir.to_string_lossy().into_owned())),
            Err(e) => {
                raw.cpython.error = Some(format!("extension: {e}"));
                raw.dxpy.error = Some(format!("extension: {e}"));
                return raw;
            }
        }
    }
    // A B A B: warm-ups first (discarded), then the measured runs. A runtime that failed is
    // not run again for this workload.
    for i in 0..args.warmup + args.runs {
        let measured = i >= args.warmup;
        for (is_dx, runner, argv) in [(false, &cpython, &cargv), (true, &dxpy, &dargv)] {
            if (if is_dx { &raw.dxpy } else { &raw.cpython }).error.is_some() {
                continue;
            }
            let this_seq = *seq;
            *seq += 1;
            let outcome = measure(&runner.program, argv, base, &env, timeout);
            let reference = raw.cpython.checksum.clone();
            let rt = if is_dx { &mut raw.dxpy } else { &mut raw.cpython };
            match outcome {
                Ok(m) => {
                    let sum = m.stdout.lines().rev().find(|l| !l.trim().is_empty()).map(|l| l.trim().to_string());
                    let Some(sum) = sum else {
                        rt.error = Some("printed no checksum line".into());
                        continue;
                    };
                    // DX-Py against CPython; each runtime against its own earlier runs.
                    let expected = if is_dx { reference.or_else(|| rt.checksum.clone()) } else { rt.checksum.clone() };
                    if let Some(exp) = expected
                        && exp != sum
                    {
                        rt.error = Some(format!("wrong checksum: got `{sum}`, expected `{exp}`"));
                        continue;
                    }
                    rt.checksum = Some(sum);
                    let phases = match stats::parse_phases(&m.stdout) {
                        Ok(p) => p,
                        Err(e) => {
                            rt.error = Some(e);
                            continue;
                        }
                    };
                    if measured {
                        rt.samples.push(Sample {
                            seq: this_seq,
                            wall_s: m.wall_s,
                            cpu_s: m.cpu_s,
                            max_rss_kib: m.max_rss_kib,
                            phases,
                        });
                    }
                }
                Err(e) => rt.error = Some(e),
            }
        }
    }
    raw
}

struct Measured {
    wall_s: f64,
    cpu_s: f64,
    max_rss_kib: f64,
    stdout: String,
}

fn last_line(s: &str) -> Option<&str> {
    s.lines().rev().map(str::trim).find(|l| !l.is_empty())
}

/// Run `program argv` and measure wall time, CPU time (user + sys) and peak RSS with `wait4`.
/// Non-zero exit, death by a signal and timeout (the child is killed) are errors; the error
/// is the last line of stderr.
fn measure(
    program: &Path,
    argv: &[String],
    cwd: &Path,
    env: &[(String, String)],
    timeout: Duration,
) -> Result<Measured, String> {
    let start = Instant::now();
    let mut child = Command::new(program)
        .args(argv)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // Its own process group, so a timeout kills its children too (they hold the pipes).
        .process_group(0)
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", program.display()))?;
    let pid = child.id() as libc::pid_t;
    let mut out_pipe = child.stdout.take().expect("piped stdout");
    let mut err_pipe = child.stderr.take().expect("piped stderr");
    let out_t = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out_pipe.read_to_end(&mut v);
        v
    });
    let err_t = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err_pipe.read_to_end(&mut v);
        v
    });
    // Watchdog: kills the child on expiry. `exited` is set (under the lock) after the child
    // has exited but before it is reaped, so the pid cannot have been reused when we kill.
    let state = Arc::new((Mutex::new((false, false)), Condvar::new())); // (exited, killed)
    let dog = {
        let state = Arc::clone(&state);
        std::thread::spawn(move || {
            let (lock, cv) = &*state;
            let guard = lock.lock().expect("watchdog lock");
            let (mut guard, res) = cv.wait_timeout_while(guard, timeout, |(exited, _)| !*exited).expect("watchdog");
            if res.timed_out() && !guard.0 {
                // SAFETY: the child has not been reaped (we hold the lock the reaper takes), so
                // its process group id is still its own.
                unsafe { libc::kill(-pid, libc::SIGKILL) };
                guard.1 = true;
            }
        })
    };
    // Wait for exit without reaping, so the watchdog can still safely signal the pid.
    loop {
        // SAFETY: a zeroed siginfo_t is a valid out-parameter for waitid.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        let r = unsafe { libc::waitid(libc::P_PID, pid as libc::id_t, &mut info, libc::WEXITED | libc::WNOWAIT) };
        if r == 0 {
            break;
        }
        let err = std::io::Error::last_os_error();
        if err.kind() != std::io::ErrorKind::Interrupted {
            return Err(format!("waitid: {err}"));
        }
    }
    let killed = {
        let (lock, cv) = &*state;
        let mut g = lock.lock().expect("watchdog lock");
        g.0 = true;
        cv.notify_all();
        g.1
    };
    let mut status: libc::c_int = 0;
    // SAFETY: a zeroed rusage is a valid out-parameter for wait4.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let wall_s = start.elapsed().as_secs_f64();
    if r != pid {
        return Err(format!("wait4: {}", std::io::Error::last_os_error()));
    }
    let _ = dog.join();
    let stdout = String::from_utf8_lossy(&out_t.join().unwrap_or_default()).into_owned();
    let stderr = String::from_utf8_lossy(&err_t.join().unwrap_or_default()).into_owned();
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    let cpu_s = tv(usage.ru_utime) + tv(usage.ru_stime);
    let tail = last_line(&stderr).map(|l| format!(": {l}")).unwrap_or_default();
    if killed {
        return Err(format!("timeout: killed after {} s{tail}", timeout.as_secs()));
    }
    if libc::WIFSIGNALED(status) {
        return Err(format!("killed by signal {}{tail}", libc::WTERMSIG(status)));
    }
    if libc::WIFEXITED(status) && libc::WEXITSTATUS(status) != 0 {
        let code = libc::WEXITSTATUS(status);
        return Err(match last_line(&stderr) {
            Some(l) => l.to_string(),
            None => format!("exit status {code} (no stderr)"),
        });
    }
    Ok(Measured { wall_s, cpu_s, max_rss_kib: usage.ru_maxrss as f64, stdout })
}

/// `target/bench-venvs/<name>`: created with `python -m venv` and `pip install`, and reused
/// while its requirements are unchanged.
fn ensure_venv(root: &Path, python: &Path, spec: &VenvSpec) -> Result<PathBuf, String> {
    let dir = root.join("target/bench-venvs").join(&spec.name);
    let stamp = dir.join(".dxpy-bench-requirements");
    let want = spec.requirements.join("\n");
    if dir.join("bin/python").is_file() && std::fs::read_to_string(&stamp).is_ok_and(|s| s == want) {
        return Ok(dir);
    }
    eprintln!("bench: creating venv {} ({})", dir.display(), spec.requirements.join(" "));
    let _ = std::fs::remove_dir_all(&dir);
    let run = |cmd: &mut Command| -> Result<(), String> {
        let o = cmd.output().map_err(|e| format!("{cmd:?}: {e}"))?;
        if !o.status.success() {
            let err = String::from_utf8_lossy(&o.stderr);
            return Err(format!("{cmd:?} failed: {}", last_line(&err).unwrap_or("no stderr")));
        }
        Ok(())
    };
    run(Command::new(python).args(["-m", "venv"]).arg(&dir))?;
    run(Command::new(dir.join("bin/python"))
        .args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check"])
        .args(&spec.requirements))?;
    std::fs::write(&stamp, want).map_err(|e| format!("{}: {e}", stamp.display()))?;
    Ok(dir)
}

fn command_line(program: &Path, args: &[&str]) -> Option<String> {
    let o = Command::new(program).args(args).output().ok()?;
    let text = String::from_utf8_lossy(if o.stdout.is_empty() { &o.stderr } else { &o.stdout }).trim().to_string();
    (o.status.success() && !text.is_empty()).then_some(text)
}

/// The `cargo xtask bench` command line that reproduces this session.
fn command_of(args: &Args, dx_py: &Path) -> String {
    let mut c = format!("cargo xtask bench --runs {} --warmup {}", args.runs, args.warmup);
    if !args.only.is_empty() {
        c += &format!(" --only {}", args.only.join(" "));
    }
    c += &format!(" --dx-py {}", dx_py.display());
    if args.python != Path::new("python3.11") {
        c += &format!(" --python {}", args.python.display());
    }
    if args.timeout != 120 {
        c += &format!(" --timeout {}", args.timeout);
    }
    c
}

fn describe_machine(root: &Path, python: &Path, dx_py: &Path) -> Result<Machine, String> {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu_model = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| v.trim().to_string())
        .unwrap_or_else(|| "unknown".into());
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let memory = meminfo
        .lines()
        .find(|l| l.starts_with("MemTotal:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map(|kb| format!("{:.1} GiB", kb / 1024.0 / 1024.0))
        .unwrap_or_else(|| "unknown".into());
    let os_release = std::fs::read_to_string("/etc/os-release").unwrap_or_default();
    let distro = os_release
        .lines()
        .find_map(|l| l.strip_prefix("PRETTY_NAME="))
        .map(|v| v.trim_matches('"').to_string())
        .unwrap_or_else(|| "Linux".into());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let os = format!("{distro}, kernel {} ({})", kernel.trim(), std::env::consts::ARCH);
    let rustc = command_line(Path::new("rustc"), &["--version"]).unwrap_or_else(|| "unknown".into());
    let cpython = command_line(python, &["--version"])
        .ok_or_else(|| format!("{}: cannot run CPython (--python)", python.display()))?;
    let cpython_exe = command_line(python, &["-c", "import sys; print(sys.executable)"]).unwrap_or_default();
    let dxpy_version = command_line(dx_py, &["--version"]).unwrap_or_else(|| "unknown".into());
    let git = |a: &[&str]| Command::new("git").arg("-C").arg(root).args(a).output().ok();
    let commit = match git(&["rev-parse", "--short", "HEAD"]) {
        Some(o) if o.status.success() => {
            let head = String::from_utf8_lossy(&o.stdout).trim().to_string();
            let dirty = git(&["--no-optional-locks", "status", "--porcelain", "--untracked-files=no"])
                .is_some_and(|o| !o.stdout.is_empty());
            if dirty { format!("{head}-dirty") } else { head }
        }
        _ => "unknown".into(),
    };
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    Ok(Machine {
        cpu_model,
        cores,
        memory,
        os,
        rustc,
        cpython,
        cpython_path: if cpython_exe.is_empty() {
            python.display().to_string()
        } else {
            format!("{} → {cpython_exe}", python.display())
        },
        dxpy_path: dx_py.display().to_string(),
        dxpy_version,
        commit,
        dxpy_profile: build_profile(dx_py),
        date: iso8601(secs),
    })
}

/// Seconds since the Unix epoch as `YYYY-MM-DDTHH:MM:SSZ` (civil-from-days, proleptic Gregorian).
fn iso8601(secs: u64) -> String {
    let days = (secs / 86400) as i64;
    let rem = secs % 86400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso8601_dates() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso8601(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(iso8601(1_735_689_599), "2024-12-31T23:59:59Z");
    }

    #[test]
    fn build_profiles() {
        assert_eq!(build_profile(Path::new("/x/target/release/dx-py")), "release");
        assert_eq!(build_profile(Path::new("/x/target/debug/dx-py")), "debug");
        assert_eq!(build_profile(Path::new("/usr/bin/dx-py")), "unknown");
    }

    #[test]
    fn the_committed_workload_list_parses_and_files_exist() {
        let root = crate::repo_root();
        let text = std::fs::read_to_string(root.join("benches/workloads.toml")).unwrap();
        let f: WorkloadFile = toml::from_str(&text).unwrap();
        assert!(f.workload.len() >= 8);
        for w in &f.workload {
            assert!(root.join("benches").join(&w.file).is_file(), "{}", w.file.display());
            if let Some(ext) = &w.extension {
                assert!(root.join("benches").join(&ext.source).is_file(), "{}", ext.source.display());
            }
        }
    }

    #[test]
    fn measure_reports_exit_errors_and_timeouts() {
        let sh = Path::new("/bin/sh");
        let dir = Path::new("/");
        let ok = measure(sh, &["-c".into(), "echo checksum 1".into()], dir, &[], Duration::from_secs(10)).unwrap();
        assert_eq!(ok.stdout.trim(), "checksum 1");
        assert!(ok.wall_s > 0.0 && ok.max_rss_kib > 0.0);
        let e = measure(
            sh,
            &["-c".into(), "echo first >&2; echo 'Boom: last' >&2; exit 3".into()],
            dir,
            &[],
            Duration::from_secs(10),
        )
        .err()
        .unwrap();
        assert_eq!(e, "Boom: last");
        let t0 = Instant::now();
        let e = measure(sh, &["-c".into(), "sleep 30".into()], dir, &[], Duration::from_millis(300)).err().unwrap();
        assert!(e.starts_with("timeout"), "{e}");
        assert!(t0.elapsed() < Duration::from_secs(10));
    }

    /// The real runner, both runtimes, one tiny workload. Needs a built dx-py.
    #[test]
    fn real_runner_on_a_tiny_workload() {
        let root = crate::repo_root();
        let dx_py = default_dx_py(&root)
            .expect("no dx-py binary in target/release or target/debug: run `cargo build -p dx-py` first");
        let python = PathBuf::from(std::env::var_os("DXPY_BENCH_PYTHON").unwrap_or_else(|| "python3.11".into()));
        let tmp = std::env::temp_dir().join(format!("dxpy-bench-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&tmp);
        std::fs::create_dir_all(&tmp).unwrap();
        std::fs::copy(root.join("benches/recursion.py"), tmp.join("recursion.py")).unwrap();
        std::fs::write(tmp.join("bad.py"), "import sys\nraise SystemExit('no such thing: ' + sys.argv[1])\n").unwrap();
        // A workload with a C extension and an in-script measurement.
        std::fs::write(
            tmp.join("tiny.c"),
            "#include <Python.h>\n\
             static PyObject *same(PyObject *s, PyObject *o) { Py_INCREF(o); return o; }\n\
             static PyMethodDef m[] = {{\"same\", same, METH_O, NULL}, {NULL, NULL, 0, NULL}};\n\
             static struct PyModuleDef d = {PyModuleDef_HEAD_INIT, \"tiny\", NULL, -1, m};\n\
             PyMODINIT_FUNC PyInit_tiny(void) { return PyModule_Create(&d); }\n",
        )
        .unwrap();
        std::fs::write(
            tmp.join("ext.py"),
            "import time, tiny\nt = time.perf_counter()\nn = sum(tiny.same(i) for i in range(1000))\n\
             print('metric loop', (time.perf_counter() - t) * 1e6, 'us')\nprint('checksum', n)\n",
        )
        .unwrap();
        std::fs::write(
            tmp.join("workloads.toml"),
            "[[workload]]\nname = \"fib\"\nfile = \"recursion.py\"\nargs = [\"12\"]\n\
             throughput = { unit = \"calls/s\", work = 1395 }\n\n\
             [[workload]]\nname = \"bad\"\nfile = \"bad.py\"\nargs = [\"x\"]\n\n\
             [[workload]]\nname = \"ext\"\nfile = \"ext.py\"\n\
             extension = { module = \"tiny\", source = \"tiny.c\" }\n",
        )
        .unwrap();
        let out = tmp.join("out");
        run(Args {
            runs: 2,
            warmup: 0,
            only: vec![],
            dx_py: Some(dx_py),
            python,
            out: Some(out.clone()),
            workloads: Some(tmp.join("workloads.toml")),
            timeout: 120,
        })
        .unwrap();
        let report: Report = serde_json::from_str(&std::fs::read_to_string(out.join("results.json")).unwrap()).unwrap();
        assert_eq!(report.workloads.len(), 3);
        let fib = &report.workloads[0];
        assert_eq!(fib.cpython.status, stats::Status::Ok, "{:?}", fib.cpython.error);
        assert_eq!(fib.dxpy.status, stats::Status::Ok, "{:?}", fib.dxpy.error);
        assert_eq!(fib.cpython.samples.len(), 2);
        assert_eq!(fib.dxpy.samples.len(), 2);
        assert_eq!(fib.cpython.checksum.as_deref(), Some("checksum 432"));
        assert_eq!(fib.dxpy.checksum, fib.cpython.checksum);
        assert!(fib.ratios.is_some());
        let bad = &report.workloads[1];
        assert_eq!(bad.dxpy.error.as_deref(), Some("no such thing: x"));
        assert_eq!(bad.cpython.error.as_deref(), Some("no such thing: x"));
        let ext = &report.workloads[2];
        assert_eq!(ext.dxpy.status, stats::Status::Ok, "{:?}", ext.dxpy.error);
        assert_eq!(ext.dxpy.checksum.as_deref(), Some("checksum 499500"));
        for r in [&ext.cpython, &ext.dxpy] {
            assert_eq!(r.phases.len(), 1);
            assert_eq!((r.phases[0].name.as_str(), r.phases[0].unit.as_str()), ("loop", "us"));
        }
        stats::validate(&report.workloads).unwrap();
        let md = std::fs::read_to_string(out.join("results.md")).unwrap();
        assert!(md.contains("## In-script measurements") && md.contains("| ext | loop |"));
        assert!(md.contains("| fib |") && md.contains("| bad |"));
        assert!(std::fs::read_to_string(out.join("ratios.svg")).unwrap().contains("</svg>"));
        let _ = std::fs::remove_dir_all(&tmp);
    }
}
