//! The `dx-py` command line.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(
    name = "dx-py",
    version,
    about = "A Python runtime that runs CPython 3.11 C extensions",
    after_help = "With no command, starts the interactive interpreter (or runs a program piped to stdin).\n\
                  `dx-py FILE [ARGS]` is short for `dx-py run FILE [ARGS]`."
)]
pub struct Cli {
    /// Program passed in as a string, then its arguments (sys.argv[1:]).
    #[arg(short = 'c', value_name = "CODE", num_args = 1.., allow_hyphen_values = true, conflicts_with = "module")]
    pub command: Option<Vec<String>>,

    /// Run a library module as a script, then its arguments (sys.argv[1:]).
    #[arg(short = 'm', value_name = "MODULE", num_args = 1.., allow_hyphen_values = true)]
    pub module: Option<Vec<String>>,

    /// Use this virtual environment's site-packages (default: $VIRTUAL_ENV).
    #[arg(long, value_name = "DIR", global = true)]
    pub venv: Option<PathBuf>,

    #[command(subcommand)]
    pub subcommand: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check whether DX-Py can load the extension modules in .so files, wheels or
    /// directories (site-packages): ABI, and the C-API functions each one needs.
    CheckExt {
        /// `.so` files, `.whl` files or directories.
        #[arg(required = true)]
        targets: Vec<PathBuf>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Run a Python script (or a directory / zip with __main__.py).
    Run {
        /// Do not run: follow the script's imports and report the extension modules that
        /// will or may fail under DX-Py, and why.
        #[arg(long)]
        compatibility_check: bool,
        /// The script.
        file: String,
        /// Arguments for the script: sys.argv[1:].
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Run a project's tests under DX-Py and under CPython 3.11 and compare them.
    Validate {
        /// The project directory (tests are `test_*.py` / `*_test.py` below it).
        dir: PathBuf,
        /// The CPython 3.11 to compare with.
        #[arg(long, default_value = "python3.11")]
        python: PathBuf,
        /// Print the matrix as JSON instead of Markdown.
        #[arg(long)]
        json: bool,
        /// Compare with a previous `--json` matrix; exit 1 if a test regressed.
        #[arg(long, value_name = "PREVIOUS.json")]
        fail_on_regression: Option<PathBuf>,
    },
    /// `dx-py FILE [ARGS]`.
    #[command(external_subcommand)]
    Script(Vec<String>),
}

/// What the interpreter is asked to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    Script(String),
    /// `run --compatibility-check`: report, do not run.
    CompatibilityCheck(String),
    Command(String),
    Module(String),
    Repl,
}

impl Cli {
    /// The run mode and `sys.argv`, as CPython sets it: the script path, `-c`, or `-m`
    /// (which `runpy` replaces with the module's file), then the arguments.
    pub fn mode_and_argv(&self) -> (Mode, Vec<String>) {
        match (&self.subcommand, &self.command, &self.module) {
            (Some(Command::CheckExt { .. } | Command::Validate { .. }), ..) => {
                unreachable!("check-ext and validate do not run Python themselves")
            }
            (Some(Command::Run { file, args, compatibility_check }), ..) => {
                let argv = std::iter::once(file.clone()).chain(args.iter().cloned()).collect();
                let mode = if *compatibility_check {
                    Mode::CompatibilityCheck(file.clone())
                } else {
                    Mode::Script(file.clone())
                };
                (mode, argv)
            }
            (Some(Command::Script(argv)), ..) => (Mode::Script(argv[0].clone()), argv.clone()),
            (None, Some(c), _) => (Mode::Command(c[0].clone()), prefixed("-c", &c[1..])),
            (None, None, Some(m)) => (Mode::Module(m[0].clone()), prefixed("-m", &m[1..])),
            (None, None, None) => (Mode::Repl, vec![String::new()]),
        }
    }
}

fn prefixed(first: &str, rest: &[String]) -> Vec<String> {
    std::iter::once(first.to_string()).chain(rest.iter().cloned()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> (Mode, Vec<String>) {
        Cli::try_parse_from(std::iter::once("dx-py").chain(args.iter().copied())).unwrap().mode_and_argv()
    }

    #[test]
    fn argv_matches_cpython() {
        assert_eq!(
            parse(&["run", "app.py", "-x", "--venv", "y"]),
            (Mode::Script("app.py".into()), vec!["app.py".into(), "-x".into(), "--venv".into(), "y".into()])
        );
        assert_eq!(
            parse(&["-c", "print(1)", "a", "-b"]),
            (Mode::Command("print(1)".into()), vec!["-c".into(), "a".into(), "-b".into()])
        );
        assert_eq!(parse(&["-m", "json.tool", "f"]), (Mode::Module("json.tool".into()), vec!["-m".into(), "f".into()]));
        assert_eq!(parse(&[]), (Mode::Repl, vec![String::new()]));
        assert_eq!(parse(&["app.py", "1"]), (Mode::Script("app.py".into()), vec!["app.py".into(), "1".into()]));
    }

    #[test]
    fn venv_before_or_after_the_command() {
        let cli = Cli::try_parse_from(["dx-py", "--venv", "/v", "run", "a.py"]).unwrap();
        assert_eq!(cli.venv, Some(PathBuf::from("/v")));
        assert_eq!(cli.mode_and_argv().0, Mode::Script("a.py".into()));
        let cli = Cli::try_parse_from(["dx-py", "run", "--venv", "/v", "a.py"]).unwrap();
        assert_eq!(cli.venv, Some(PathBuf::from("/v")));
        let cli = Cli::try_parse_from(["dx-py", "--venv", "/v", "-c", "pass", "x"]).unwrap();
        assert_eq!(cli.mode_and_argv(), (Mode::Command("pass".into()), vec!["-c".into(), "x".into()]));
    }
}
