//! `cargo xtask <command>`: the project's developer commands.

mod bench;
mod coverage;
mod generate;
mod import_spec;
mod validate;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "cargo xtask", about = "DX-Py developer commands")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Seed or refresh api-spec/ from this machine's CPython 3.11 and ../shared/reference/.
    ImportSpec(import_spec::Args),
    /// Regenerate runtime/src/generated/ from api-spec/ (`--check`: fail if stale).
    Gen(generate::Args),
    /// Write the C-API coverage report (Markdown + JSON), optionally for extensions.
    CoverageReport(coverage::Args),
    /// Run the benches/ workloads on CPython 3.11 and DX-Py, interleaved; Markdown, JSON, SVG.
    Bench(bench::Args),
    /// Run the framework matrix (validator/frameworks.toml) under CPython 3.11 and DX-Py; reports/compat/.
    Validate(validate::Args),
}

/// The workspace root (xtask lives one level below it).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask has a parent").to_path_buf()
}

fn main() -> ExitCode {
    let result = match Cli::parse().command {
        Command::ImportSpec(a) => import_spec::run(a),
        Command::Gen(a) => generate::run(a),
        Command::CoverageReport(a) => coverage::run(a),
        Command::Bench(a) => bench::run(a),
        Command::Validate(a) => validate::run(a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
