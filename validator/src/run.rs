//! Running a test command as a subprocess with a timeout. The child leads its own process
//! group; on timeout the whole group is killed (SIGKILL), so runners that fork workers
//! (pytest-xdist, Django's parallel runner) do not outlive the timeout.

use std::io::Read;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// How a child ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Code(i32),
    Signal(i32),
    TimedOut,
}

impl Exit {
    /// A crash: killed by a signal (SIGSEGV, SIGABRT, ...) other than our timeout kill.
    pub fn is_crash(self) -> bool {
        matches!(self, Exit::Signal(_))
    }

    pub fn describe(self) -> String {
        match self {
            Exit::Code(c) => format!("exit code {c}"),
            Exit::Signal(s) => format!("killed by signal {s} ({})", signal_name(s)),
            Exit::TimedOut => "timed out".into(),
        }
    }
}

fn signal_name(s: i32) -> &'static str {
    match s {
        libc::SIGSEGV => "SIGSEGV",
        libc::SIGABRT => "SIGABRT",
        libc::SIGBUS => "SIGBUS",
        libc::SIGILL => "SIGILL",
        libc::SIGFPE => "SIGFPE",
        libc::SIGKILL => "SIGKILL",
        libc::SIGTERM => "SIGTERM",
        _ => "signal",
    }
}

#[derive(Debug, Clone)]
pub struct Output {
    pub exit: Exit,
    pub stdout: String,
    pub stderr: String,
    pub duration: Duration,
}

fn reader(stream: Option<impl Read + Send + 'static>) -> thread::JoinHandle<String> {
    thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(mut s) = stream {
            let _ = s.read_to_end(&mut buf);
        }
        String::from_utf8_lossy(&buf).into_owned()
    })
}

/// Runs `cmd` (stdin closed, stdout/stderr captured) for at most `timeout`.
pub fn run_with_timeout(mut cmd: Command, timeout: Duration) -> Result<Output, String> {
    cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).process_group(0);
    let start = Instant::now();
    let mut child = cmd.spawn().map_err(|e| format!("cannot start {:?}: {e}", cmd.get_program()))?;
    let out = reader(child.stdout.take());
    let err = reader(child.stderr.take());
    let pid = child.id() as libc::pid_t;
    let exit = loop {
        match child.try_wait() {
            Ok(Some(status)) => {
                break match (status.code(), status.signal()) {
                    (Some(c), _) => Exit::Code(c),
                    (None, Some(s)) => Exit::Signal(s),
                    _ => Exit::Code(-1),
                };
            }
            Ok(None) => {}
            Err(e) => return Err(format!("waiting for {:?}: {e}", cmd.get_program())),
        }
        if start.elapsed() >= timeout {
            // SAFETY: kill(2) on the process group the child leads; no memory is involved.
            unsafe {
                libc::kill(-pid, libc::SIGKILL);
            }
            let _ = child.wait();
            break Exit::TimedOut;
        }
        thread::sleep(Duration::from_millis(20));
    };
    // Grandchildren may still hold the pipes open; kill the group so the readers finish.
    // SAFETY: as above; the group may already be gone (ESRCH is fine).
    unsafe {
        libc::kill(-pid, libc::SIGKILL);
    }
    let stdout = out.join().unwrap_or_default();
    let stderr = err.join().unwrap_or_default();
    Ok(Output { exit, stdout, stderr, duration: start.elapsed() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_signals_and_timeouts() {
        let mut c = Command::new("sh");
        c.args(["-c", "echo hi; echo err >&2; exit 3"]);
        let o = run_with_timeout(c, Duration::from_secs(10)).unwrap();
        assert_eq!((o.exit, o.stdout.as_str(), o.stderr.as_str()), (Exit::Code(3), "hi\n", "err\n"));

        let mut c = Command::new("sh");
        c.args(["-c", "kill -SEGV $$"]);
        assert_eq!(run_with_timeout(c, Duration::from_secs(10)).unwrap().exit, Exit::Signal(libc::SIGSEGV));

        let mut c = Command::new("sh");
        c.args(["-c", "sleep 30 & sleep 30"]);
        let o = run_with_timeout(c, Duration::from_millis(300)).unwrap();
        assert_eq!(o.exit, Exit::TimedOut);
        assert!(o.duration < Duration::from_secs(5));
    }
}
