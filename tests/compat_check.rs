//! `dx-py run --compatibility-check`: follows a script's imports without running it and
//! predicts which extension modules fail; running the imports must agree.

mod common;

use std::path::Path;

use common::*;

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::create_dir_all(dir.join(name).parent().unwrap()).unwrap();
    std::fs::write(dir.join(name), text).unwrap();
}

#[test]
fn predicts_what_running_gives() {
    let venv = venv_with("markupsafe==2.1.5", "markupsafe");
    let dir = scratch("compat-app");
    let tag = TAG;
    let real = std::fs::read(compile_fixture("ext_calls")).unwrap();
    write(&dir, &format!("good/ext_calls{tag}"), "");
    std::fs::write(dir.join(format!("good/ext_calls{tag}")), &real).unwrap();
    write(&dir, "good/__init__.py", "from . import ext_calls\n");
    std::fs::write(dir.join(format!("broken{tag}")), &real[..300]).unwrap();
    write(&dir, "helper.py", "import broken\n");
    // Uses a C-API function DX-Py does not implement yet (PyByteArray_FromStringAndSize).
    let needs_stub = compile_fixture_with("ext_variant", "variant_needs_stub", &["MODNAME=needs_stub"]);
    std::fs::copy(needs_stub, dir.join(format!("needs_stub{tag}"))).unwrap();
    write(
        &dir,
        "app.py",
        "import json\nimport markupsafe\nimport good\ntry:\n    import helper\n    import needs_stub\nexcept ImportError:\n    helper = None\nimport not_installed_anywhere\n",
    );
    let out = run_in(dx_py(), &["--venv", venv.to_str().unwrap(), "run", "--compatibility-check", "app.py"], &dir, &[]);
    let text = &out.stdout;
    assert_eq!(out.code, 1, "an unguarded import fails: {text}{}", out.stderr);
    let section = |name: &str| {
        let start = text
            .find(&format!(" {name}  ("))
            .or_else(|| text.find(&format!(" {name}\n")))
            .unwrap_or_else(|| panic!("{name} not reported: {text}"));
        let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
        text[line_start..].lines().take(4).collect::<Vec<_>>().join("\n")
    };
    let broken = section("broken");
    assert!(
        broken.trim_start().starts_with("WILL FAIL") && broken.contains("truncated") && broken.contains("helper.py:1"),
        "{broken}"
    );
    let stub = section("needs_stub");
    assert!(stub.trim_start().starts_with("MAY FAIL") && stub.contains("PyByteArray_FromStringAndSize"), "{stub}");
    assert!(stub.contains("guarded by `except ImportError`"), "{stub}");
    // MarkupSafe's speedups use only C-API functions DX-Py implements.
    assert!(section("markupsafe._speedups").trim_start().starts_with("OK"), "{text}");
    // Imports under `if TYPE_CHECKING:` never run.
    assert!(!text.contains("typing_extensions"), "{text}");
    let good = section("good.ext_calls");
    assert!(good.trim_start().starts_with("OK"), "{good}");
    assert!(section("not_installed_anywhere").trim_start().starts_with("NOT FOUND"));
    assert!(!text.contains(" json"), "the standard library is not reported: {text}");

    // What running says about the same modules.
    let probe = "import importlib\nfor name in ['broken', 'good.ext_calls', 'not_installed_anywhere']:\n    try:\n        importlib.import_module(name)\n        print(name, 'ok')\n    except ImportError as e:\n        print(name, 'fails')\n";
    let ran = run_in(dx_py(), &["--venv", venv.to_str().unwrap(), "-c", probe], &dir, &[]);
    assert_eq!(ran.stdout, "broken fails\ngood.ext_calls ok\nnot_installed_anywhere fails\n", "{}", ran.stderr);
}
