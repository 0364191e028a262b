//! `dx-py` as a command: scripts, arguments, exit codes and tracebacks, `-c`, `-m`, and
//! virtual environments, checked against CPython 3.11 running the same thing.

mod common;

use std::path::{Path, PathBuf};

use common::*;

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    if let Some(d) = p.parent() {
        std::fs::create_dir_all(d).unwrap();
    }
    std::fs::write(&p, text).unwrap();
    p
}

/// Runs the same arguments under CPython and `dx-py` (`dx_args` replaces `run` for
/// scripts) in `dir`; returns both.
fn both(dir: &Path, py_args: &[&str], dx_args: &[&str]) -> (Out, Out) {
    (run_in(python(), py_args, dir, &[]), run_in(dx_py(), dx_args, dir, &[]))
}

#[test]
fn script_sees_argv_like_cpython() {
    let dir = scratch("cli-argv");
    write(&dir, "show.py", "import sys\nprint(sys.argv)\nprint(__name__)\n");
    let (py, dx) =
        both(&dir, &["show.py", "a", "-b", "--venv", "x y"], &["run", "show.py", "a", "-b", "--venv", "x y"]);
    assert_eq!(py.code, 0);
    assert_eq!(dx.stdout, py.stdout);
    assert_eq!(dx.stdout, "['show.py', 'a', '-b', '--venv', 'x y']\n__main__\n");
    // `dx-py FILE` works like `dx-py run FILE`.
    let short = run_in(dx_py(), &["show.py", "1"], &dir, &[]);
    assert_eq!(short.stdout, "['show.py', '1']\n__main__\n");
}

#[test]
fn script_directory_is_on_sys_path() {
    let dir = scratch("cli-path");
    write(&dir, "app/helper.py", "VALUE = 42\n");
    write(&dir, "app/main.py", "import helper\nprint(helper.VALUE)\n");
    let (py, dx) = both(&dir, &["app/main.py"], &["run", "app/main.py"]);
    assert_eq!((py.code, py.stdout.as_str()), (0, "42\n"));
    assert_eq!((dx.code, dx.stdout.as_str()), (0, "42\n"), "{}", dx.stderr);
}

#[test]
fn exit_codes_match_cpython() {
    let dir = scratch("cli-exit");
    let cases = [
        ("ok.py", "print('fine')\n", 0),
        ("three.py", "import sys\nsys.exit(3)\n", 3),
        ("none.py", "import sys\nsys.exit(None)\n", 0),
        ("msg.py", "raise SystemExit('bye')\n", 1),
        ("big.py", "import sys\nsys.exit(256 + 7)\n", 7),
        ("raise.py", "def f():\n    raise ValueError('bad value')\nf()\n", 1),
    ];
    for (name, text, want) in cases {
        write(&dir, name, text);
        let (py, dx) = both(&dir, &[name], &["run", name]);
        assert_eq!(py.code, want, "CPython on {name}: {}", py.stderr);
        assert_eq!(dx.code, want, "dx-py on {name}: {}", dx.stderr);
        assert_eq!(dx.stdout, py.stdout, "{name}");
    }
    let dx = run_in(dx_py(), &["run", "msg.py"], &dir, &[]);
    assert_eq!(dx.stderr.trim(), "bye");
}

#[test]
fn uncaught_exception_prints_a_traceback() {
    let dir = scratch("cli-tb");
    write(&dir, "boom.py", "def inner():\n    raise KeyError('missing')\n\ndef outer():\n    inner()\n\nouter()\n");
    let dx = run_in(dx_py(), &["run", "boom.py"], &dir, &[]);
    assert_eq!(dx.code, 1);
    let err = &dx.stderr;
    assert!(err.starts_with("Traceback (most recent call last):"), "{err}");
    assert!(err.contains("boom.py\", line 7"), "{err}");
    assert!(err.contains("line 5, in outer") && err.contains("line 2, in inner"), "{err}");
    assert!(err.trim_end().ends_with("KeyError: 'missing'"), "{err}");
}

#[test]
fn missing_script_is_exit_2() {
    let dx = run(dx_py(), &["run", "/nonexistent/app.py"]);
    assert_eq!(dx.code, 2);
    assert!(dx.stderr.contains("can't open file '/nonexistent/app.py'"), "{}", dx.stderr);
}

#[test]
fn dash_c_and_dash_m() {
    let dir = scratch("cli-cm");
    let code = "import sys; print(sys.argv); print(sys.path[0] == '')";
    let (py, dx) = both(&dir, &["-c", code, "x", "-y"], &["-c", code, "x", "-y"]);
    assert_eq!(py.stdout, "['-c', 'x', '-y']\nTrue\n");
    assert_eq!(dx.stdout, py.stdout, "{}", dx.stderr);

    write(&dir, "pkg/__init__.py", "");
    write(
        &dir,
        "pkg/tool.py",
        "import sys, os\nprint(os.path.basename(sys.argv[0]), sys.argv[1:])\nprint(__name__)\nsys.exit(5)\n",
    );
    let (py, dx) = both(&dir, &["-m", "pkg.tool", "a", "--b"], &["-m", "pkg.tool", "a", "--b"]);
    assert_eq!((py.code, py.stdout.as_str()), (5, "tool.py ['a', '--b']\n__main__\n"));
    assert_eq!((dx.code, dx.stdout.as_str()), (py.code, py.stdout.as_str()), "{}", dx.stderr);

    // A package's __main__.
    write(&dir, "pkg/__main__.py", "print('pkg main')\n");
    let dx = run_in(dx_py(), &["-m", "pkg"], &dir, &[]);
    assert_eq!((dx.code, dx.stdout.as_str()), (0, "pkg main\n"), "{}", dx.stderr);
}

/// A real virtual environment made by CPython 3.11 with a pure-Python package from PyPI
/// installed by pip: `--venv` and `$VIRTUAL_ENV` make it importable.
#[test]
fn venv_site_packages() {
    let venv = venv_with("six==1.16.0", "six");
    let code = "import six; print(six.__version__); print(six.__file__)";
    let dx = run(dx_py(), &["--venv", venv.to_str().unwrap(), "-c", code]);
    assert_eq!(dx.code, 0, "{}", dx.stderr);
    let mut lines = dx.stdout.lines();
    assert_eq!(lines.next(), Some("1.16.0"));
    assert!(lines.next().unwrap().starts_with(venv.to_str().unwrap()), "{}", dx.stdout);

    let dx = run_in(dx_py(), &["-c", code], &repo(), &[("VIRTUAL_ENV", venv.to_str().unwrap())]);
    assert_eq!(dx.code, 0, "{}", dx.stderr);
    assert!(dx.stdout.starts_with("1.16.0\n"));

    // Without the environment the package is not importable.
    let dx = run(dx_py(), &["-c", "import six"]);
    assert_eq!(dx.code, 1);
    assert!(dx.stderr.contains("ModuleNotFoundError"), "{}", dx.stderr);
}

#[test]
fn bad_venv_is_a_clear_error() {
    let dir = scratch("not-a-venv");
    let dx = run(dx_py(), &["--venv", dir.to_str().unwrap(), "-c", "pass"]);
    assert_eq!(dx.code, 2);
    assert!(dx.stderr.contains("not a virtual environment (no pyvenv.cfg)"), "{}", dx.stderr);
}

#[test]
fn program_piped_to_stdin_runs_as_a_script() {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(dx_py()).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(b"import sys\nprint(6 * 7, sys.argv)\nsys.exit(4)\n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(4));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "42 ['']\n");
}
