//! The embedded interpreter (RustPython 0.5): the only module that drives it.

pub mod check_ext;
pub mod cli;
mod dxpy_module;
pub mod validate;
pub mod venv;

use std::io::{IsTerminal, Read};
use std::process::ExitCode;

use clap::Parser;
use rustpython::{InterpreterBuilder, InterpreterBuilderExt};
use rustpython_vm::{PyResult, VirtualMachine, scope::Scope};

use cli::{Cli, Mode};

/// `dx-py`'s entry point.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match &cli.subcommand {
        Some(cli::Command::CheckExt { targets, json }) => return check_ext::run(targets, *json),
        Some(cli::Command::Validate { dir, python, json, fail_on_regression }) => {
            return validate::run(dir, python, cli.venv.clone(), *json, fail_on_regression.as_deref());
        }
        _ => {}
    }
    let site_packages = match venv::site_packages(cli.venv.as_deref()) {
        Ok(sp) => sp,
        Err(e) => {
            eprintln!("dx-py: {e}");
            return ExitCode::from(2);
        }
    };
    crate::bridge::statics::init();
    crate::bridge::crash::install();
    let (mode, argv) = cli.mode_and_argv();
    if let Mode::Script(path) | Mode::CompatibilityCheck(path) = &mode
        && !std::path::Path::new(path).exists()
    {
        eprintln!("dx-py: can't open file '{path}': [Errno 2] No such file or directory");
        return ExitCode::from(2);
    }
    run(mode, argv, site_packages)
}

/// Installs the import of C extension modules (see the file's header).
const EXTENSION_IMPORT: &str = include_str!("extension_import.py");

/// Workarounds for interpreter gaps that real packages hit (see the file's header).
const INTERPRETER_GAPS: &str = include_str!("interpreter_gaps.py");

/// `run --compatibility-check` (see the file's header).
const COMPAT_CHECK: &str = include_str!("compat_check.py");

fn settings(argv: Vec<String>) -> rustpython_vm::Settings {
    let mut settings = rustpython_vm::Settings::default();
    settings.argv = argv;
    if let Some(paths) = std::env::var_os("PYTHONPATH") {
        settings.path_list.extend(std::env::split_paths(&paths).map(|p| p.to_string_lossy().into_owned()));
    }
    settings.write_bytecode = false;
    settings
}

/// Runs `mode` the way CPython's `pymain_run_python` does and returns the process's exit
/// code (uncaught exceptions print their traceback and give 1; `SystemExit` its code).
pub fn run(mode: Mode, argv: Vec<String>, site_packages: Vec<String>) -> ExitCode {
    let builder = InterpreterBuilder::new().init_stdlib();
    let dxpy = dxpy_module::module_def(&builder.ctx);
    let builder = builder.add_native_module(dxpy).settings(settings(argv));
    let interp = builder.interpreter();
    // Again: initialising the interpreter (its `_signal` module) drops the handlers' flags.
    crate::bridge::crash::install();
    let code = interp.run(move |vm| run_mode(vm, mode, &site_packages));
    // As the OS truncates `exit(263)`: only the low byte reaches the parent.
    ExitCode::from((code & 0xff) as u8)
}

fn run_mode(vm: &VirtualMachine, mode: Mode, site_packages: &[String]) -> PyResult<()> {
    let scope = vm.new_scope_with_main()?;
    crate::bridge::object::init(vm);
    vm.run_string(vm.new_scope_with_builtins(), EXTENSION_IMPORT, "<dx-py extension import>".to_owned())?;
    vm.run_string(vm.new_scope_with_builtins(), INTERPRETER_GAPS, "<dx-py interpreter gaps>".to_owned())?;
    // As CPython: warnings and site first, then sys.path[0].
    let _ = vm.import("warnings", 0);
    let site = vm.import("site", 0)?;
    for dir in site_packages {
        // `addsitedir` also processes .pth files (editable installs, namespace packages).
        site.get_attr("addsitedir", vm)?.call((vm.ctx.new_str(dir.as_str()),), vm)?;
    }
    match mode {
        Mode::Command(code) => {
            vm.insert_sys_path(vm.new_pyobj(""))?;
            let result = vm.run_string(scope.clone(), &code, "<string>".to_owned()).map(drop);
            recompile_on_gap(vm, result, scope, &code, "<string>")
        }
        Mode::Module(module) => {
            let cwd = std::env::current_dir().map(|p| p.to_string_lossy().into_owned()).unwrap_or_default();
            vm.insert_sys_path(vm.new_pyobj(cwd))?;
            vm.run_module(&module)
        }
        Mode::Script(path) => run_script(vm, scope, &path),
        Mode::CompatibilityCheck(path) => {
            let checker = vm.new_scope_with_builtins();
            vm.run_string(checker.clone(), COMPAT_CHECK, "<dx-py compatibility check>".to_owned())?;
            let main = checker.globals.get_item("main", vm)?;
            main.call((vm.ctx.new_str(path),), vm).map(drop)
        }
        Mode::Repl => {
            vm.insert_sys_path(vm.new_pyobj(""))?;
            if std::io::stdin().is_terminal() {
                rustpython::run_shell(vm, scope)
            } else {
                // As CPython: a program piped into the interpreter runs as a script.
                let mut source = String::new();
                std::io::stdin().read_to_string(&mut source).map_err(|e| vm.new_os_error(e.to_string()))?;
                vm.run_string(scope, &source, "<stdin>".to_owned()).map(drop)
            }
        }
    }
}

fn run_script(vm: &VirtualMachine, scope: Scope, path: &str) -> PyResult<()> {
    let p = std::path::Path::new(path);
    if p.is_dir() || path.ends_with(".zip") || path.ends_with(".pyz") {
        // A directory or zip with __main__.py, as `python DIR` runs it.
        vm.insert_sys_path(vm.new_pyobj(path))?;
        return vm.run_module("__main__");
    }
    let dir = p.parent().map(|d| d.to_string_lossy().into_owned()).unwrap_or_default();
    let dir = std::fs::canonicalize(if dir.is_empty() { "." } else { &dir })
        .map(|d| d.to_string_lossy().into_owned())
        .unwrap_or(dir);
    vm.insert_sys_path(vm.new_pyobj(dir))?;
    let result = vm.run_any_file(scope.clone(), path);
    match std::fs::read_to_string(path) {
        Ok(source) => recompile_on_gap(vm, result, scope, &source, path),
        Err(_) => result,
    }
}

/// When the interpreter's own compiler failed on a construct `interpreter_gaps.py` works
/// around (before anything ran), compiles `source` again with the patched
/// `builtins.compile` and runs it in `scope`, with `__file__` set as for a script.
fn recompile_on_gap(
    vm: &VirtualMachine,
    result: PyResult<()>,
    scope: Scope,
    source: &str,
    filename: &str,
) -> PyResult<()> {
    let Err(exc) = &result else { return result };
    use rustpython_vm::AsObject;
    let is_gap = exc.fast_isinstance(vm.ctx.exceptions.syntax_error)
        && exc.as_object().str(vm).is_ok_and(|m| m.to_string().contains("no symbol table available"));
    if !is_gap {
        return result;
    }
    let compile = vm.builtins.get_attr("compile", vm)?;
    let code = compile.call((vm.ctx.new_str(source), vm.ctx.new_str(filename), vm.ctx.new_str("exec")), vm)?;
    let code = code
        .downcast::<rustpython_vm::builtins::PyCode>()
        .map_err(|_| vm.new_type_error("compile() did not return code".to_owned()))?;
    if filename != "<string>" {
        scope.globals.set_item("__file__", vm.ctx.new_str(filename).into(), vm)?;
    }
    vm.run_code_obj(code, scope).map(drop)
}
