//! The `dx-py` command line.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(
    name = "dx-py",
    version,
    about = "A Python runtime that runs CPython 3.11 C extensions",
    args_conflicts_with_subcommands = true,
    after_help = "With no command, starts the interactive interpreter."
)]
pub struct Cli {
    /// Program passed in as a string; remaining arguments go to sys.argv[1:].
    #[arg(short = 'c', value_name = "CODE", conflicts_with = "module")]
    pub command: Option<String>,

    /// Run a library module as a script; remaining arguments go to sys.argv[1:].
    #[arg(short = 'm', value_name = "MODULE")]
    pub module: Option<String>,

    /// Arguments for -c / -m; without them, a script and its arguments (`dx-py app.py`).
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub args: Vec<String>,

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
        /// The script.
        file: String,
        /// Arguments for the script: sys.argv[1:].
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
}

/// What the interpreter is asked to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    Script(String),
    Command(String),
    Module(String),
    Repl,
}

impl Cli {
    /// The run mode and `sys.argv`, as CPython sets it: the script path, `-c`, or `-m`
    /// (which `runpy` replaces with the module's file), then the arguments.
    pub fn mode_and_argv(&self) -> (Mode, Vec<String>) {
        match (&self.subcommand, &self.command, &self.module) {
            (Some(Command::CheckExt { .. }), ..) => unreachable!("check-ext does not run Python"),
            (Some(Command::Run { file, args }), ..) => {
                (Mode::Script(file.clone()), std::iter::once(file.clone()).chain(args.iter().cloned()).collect())
            }
            (None, Some(code), _) => (Mode::Command(code.clone()), prefixed("-c", &self.args)),
            (None, None, Some(module)) => (Mode::Module(module.clone()), prefixed("-m", &self.args)),
            (None, None, None) => match self.args.split_first() {
                Some((file, _)) => (Mode::Script(file.clone()), self.args.clone()),
                None => (Mode::Repl, vec![String::new()]),
            },
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
        let cli = Cli::try_parse_from(["dx-py", "run", "--venv", "/v", "a.py"]).unwrap();
        assert_eq!(cli.venv, Some(PathBuf::from("/v")));
    }
}
