//! `cargo xtask import-spec`: seeds and refreshes `api-spec/` from this machine's CPython
//! 3.11 (headers via `gcc -aux-info`, the export table of `libpython3.11.so.1.0`) and the
//! files in `../shared/reference/`. Re-import keeps hand-owned fields (see `merge`).

mod decl;
mod merge;
mod numpy;
mod rules;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use dxpy_codegen::spec::{Data, Function, HeaderFile, NumpyTable, Param, Priority, Status};
use object::{Object, ObjectSymbol};

use decl::{DataDecl, FnDecl};
use merge::Changes;

use dxpy_codegen::spec::PRIORITY_RULE;

const UNLISTED_REASON: &str = "declared in no installed CPython 3.11 header; signature unknown";

#[derive(clap::Args)]
pub struct Args {
    /// The CPython 3.11 interpreter whose headers and libpython are imported.
    #[arg(long, default_value = "python3.11")]
    python: String,
    /// Directory with the reference data (default: ../shared/reference next to the workspace).
    #[arg(long)]
    reference: Option<PathBuf>,
    /// Where the reference wheels are downloaded (default: target/reference-wheels).
    #[arg(long)]
    wheels_dir: Option<PathBuf>,
}

struct Python {
    include: PathBuf,
    libpython: PathBuf,
    lib_dynload: PathBuf,
}

fn find_python(python: &str) -> Result<Python, String> {
    let out = Command::new(python)
        .args([
            "-c",
            "import sysconfig; print(sysconfig.get_paths()['include']); \
             print(sysconfig.get_config_var('LIBDIR')); print(sysconfig.get_config_var('DESTSHARED'))",
        ])
        .output()
        .map_err(|e| format!("cannot run `{python}`: {e}"))?;
    if !out.status.success() {
        return Err(format!("`{python}` failed: {}", String::from_utf8_lossy(&out.stderr)));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().collect();
    if lines.len() < 3 {
        return Err(format!("unexpected sysconfig output from `{python}`: {text}"));
    }
    Ok(Python {
        include: PathBuf::from(lines[0]),
        libpython: Path::new(lines[1]).join("libpython3.11.so.1.0"),
        lib_dynload: PathBuf::from(lines[2]),
    })
}

/// Exported symbols of libpython: (functions, data name → st_size).
fn exports(lib: &Path) -> Result<(BTreeSet<String>, BTreeMap<String, u64>), String> {
    let bytes = std::fs::read(lib).map_err(|e| format!("{}: {e}", lib.display()))?;
    let file = object::File::parse(&*bytes).map_err(|e| format!("{}: {e}", lib.display()))?;
    let mut funcs = BTreeSet::new();
    let mut data = BTreeMap::new();
    for sym in file.dynamic_symbols() {
        if sym.is_undefined() {
            continue;
        }
        let object::SymbolFlags::Elf { st_info, st_other } = sym.flags() else { continue };
        let bind = st_info >> 4;
        let typ = st_info & 0xf;
        let vis = st_other & 0x3;
        if !(bind == 1 || bind == 2) || vis != 0 {
            continue;
        }
        let Ok(name) = sym.name() else { continue };
        match typ {
            2 => {
                funcs.insert(name.to_string());
            }
            1 => {
                data.insert(name.to_string(), sym.size());
            }
            _ => {}
        }
    }
    Ok((funcs, data))
}

/// Runs `gcc -aux-info` on `source`; returns the prototypes declared in headers under `inc`.
fn aux_info(inc: &Path, source: &str, tag: &str) -> Result<Vec<(String, usize, decl::FnProto)>, String> {
    let dir = std::env::temp_dir().join(format!("dxpy-import-spec-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let c = dir.join(format!("{tag}.c"));
    let aux = dir.join(format!("{tag}.aux"));
    std::fs::write(&c, source).map_err(|e| e.to_string())?;
    let out = Command::new("gcc")
        .arg("-aux-info")
        .arg(&aux)
        .arg("-fsyntax-only")
        .arg("-w")
        .arg(format!("-I{}", inc.display()))
        .arg(format!("-I{}", inc.join("internal").display()))
        .arg(&c)
        .output()
        .map_err(|e| format!("cannot run gcc: {e}"))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr).to_string();
        let first = err.lines().find(|l| l.contains("error")).unwrap_or(err.lines().next().unwrap_or(""));
        return Err(first.to_string());
    }
    let text = std::fs::read_to_string(&aux).map_err(|e| e.to_string())?;
    let _ = std::fs::remove_file(&aux);
    let _ = std::fs::remove_file(&c);
    let prefix = format!("{}/", inc.display());
    Ok(text
        .lines()
        .filter_map(decl::parse_aux_line)
        .filter_map(|(p, l, f)| p.strip_prefix(&prefix).map(|r| (r.to_string(), l, f)))
        .filter(|(_, _, f)| !f.is_static)
        .collect())
}

/// Public headers that `Python.h` does not include.
const EXTRA_PUBLIC: &[&str] = &["structmember.h", "marshal.h", "frameobject.h", "pythread.h", "datetime.h"];

/// Every function prototype in the installed headers, public ones first.
fn declarations(inc: &Path) -> Result<(BTreeMap<String, FnDecl>, Vec<String>), String> {
    let mut public = String::from("#include <Python.h>\n");
    for h in EXTRA_PUBLIC {
        public.push_str(&format!("#include <{h}>\n"));
    }
    let mut passes: Vec<(String, String)> = vec![
        ("public".into(), public.clone()),
        ("ssize_clean".into(), format!("#define PY_SSIZE_T_CLEAN 1\n{public}")),
        ("core".into(), format!("#define Py_BUILD_CORE 1\n{public}")),
    ];
    // Each top-level header on its own too (token.h, pyexpat.h, ... are not in Python.h).
    let mut top: Vec<String> = std::fs::read_dir(inc)
        .map_err(|e| format!("{}: {e}", inc.display()))?
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_file())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(".h") && n != "Python.h")
        .collect();
    top.sort();
    for h in &top {
        passes.push((format!("top:{h}"), format!("{public}#include <{h}>\n")));
    }
    let mut internal: Vec<String> = std::fs::read_dir(inc.join("internal"))
        .map_err(|e| format!("{}: {e}", inc.display()))?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(".h"))
        .collect();
    internal.sort();
    for h in &internal {
        passes.push((h.clone(), format!("#define Py_BUILD_CORE 1\n{public}#include <internal/{h}>\n")));
    }
    // Run the passes two at a time (the machine has two cores).
    let results: Vec<Result<Vec<_>, String>> = std::thread::scope(|s| {
        let mut results = Vec::new();
        for chunk in passes.chunks(4) {
            let handles: Vec<_> = chunk
                .iter()
                .enumerate()
                .map(|(i, (tag, src))| {
                    let tag = format!("p{}-{i}", tag.replace(['.', ':'], "_"));
                    s.spawn(move || aux_info(inc, src, &tag))
                })
                .collect();
            for h in handles {
                results.push(h.join().unwrap());
            }
        }
        results
    });
    let mut skipped = Vec::new();
    let mut out: BTreeMap<String, FnDecl> = BTreeMap::new();
    for ((tag, _), res) in passes.iter().zip(results) {
        let protos = match res {
            Ok(p) => p,
            Err(e) if tag.ends_with(".h") => {
                let h = tag.strip_prefix("top:").map(String::from).unwrap_or(format!("internal/{tag}"));
                skipped.push(format!("{h}: {}", e.lines().next().unwrap_or("")));
                continue;
            }
            Err(e) => return Err(format!("gcc -aux-info ({tag} pass) failed:\n{e}")),
        };
        for (header, line, p) in protos {
            let d = FnDecl {
                name: p.name.clone(),
                header,
                line,
                returns: p.returns,
                param_types: p.param_types,
                variadic: p.variadic,
            };
            decl::prefer_public(&mut out, &p.name, d, |d| &d.header);
        }
    }
    Ok((out, skipped))
}

/// Every `PyAPI_DATA` declaration under `inc` (recursively), public headers preferred.
fn data_declarations(inc: &Path) -> Result<BTreeMap<String, DataDecl>, String> {
    fn walk(dir: &Path, base: &Path, out: &mut Vec<(String, PathBuf)>) {
        let Ok(rd) = std::fs::read_dir(dir) else { return };
        let mut entries: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(&p, base, out);
            } else if p.extension().is_some_and(|x| x == "h") {
                let rel = p.strip_prefix(base).unwrap().to_string_lossy().to_string();
                out.push((rel, p));
            }
        }
    }
    let mut files = Vec::new();
    walk(inc, inc, &mut files);
    // public headers first
    files.sort_by_key(|(rel, _)| (rel.starts_with("internal/"), rel.clone()));
    let mut out = BTreeMap::new();
    for (rel, path) in files {
        let src = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        for d in decl::parse_data_decls(&src, &rel) {
            let name = d.name.clone();
            decl::prefer_public(&mut out, &name, d, |d| &d.header);
        }
    }
    Ok(out)
}

/// `[function.X]` / `[data.X]` of stable_abi.toml: name → (added, abi_only).
fn stable_abi(path: &Path) -> Result<HashMap<String, (String, bool)>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let v: toml::Table = text.parse().map_err(|e| format!("{}: {e}", path.display()))?;
    let mut out = HashMap::new();
    for section in ["function", "data"] {
        let Some(t) = v.get(section).and_then(|t| t.as_table()) else { continue };
        for (name, item) in t {
            let added = item.get("added").and_then(|a| a.as_str()).unwrap_or("").to_string();
            let abi_only = item.get("abi_only").and_then(|a| a.as_bool()).unwrap_or(false);
            out.insert(name.clone(), (added, abi_only));
        }
    }
    Ok(out)
}

fn sanitise(line: &str) -> String {
    line.chars().map(|c| if c.is_ascii_alphanumeric() || c == '.' || c == '-' { c } else { '_' }).collect()
}

/// The C-API symbols imported by the reference set: lib-dynload plus the pinned wheels.
fn reference_imports(
    py: &Python,
    python: &str,
    wheels_file: &Path,
    wheels_dir: &Path,
) -> Result<(BTreeSet<String>, usize), String> {
    let mut syms = BTreeSet::new();
    let mut count = 0;
    for e in dxpy_codegen::extscan::scan(&py.lib_dynload)? {
        count += 1;
        syms.extend(e.symbols);
    }
    let list = std::fs::read_to_string(wheels_file).map_err(|e| format!("{}: {e}", wheels_file.display()))?;
    for line in list.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
        let dir = wheels_dir.join(sanitise(line));
        let empty = std::fs::read_dir(&dir).map(|mut d| d.next().is_none()).unwrap_or(true);
        if empty {
            eprintln!("downloading reference wheel {line} ...");
            std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            let out = Command::new(python)
                .args(["-m", "pip", "download", "--only-binary=:all:", "--python-version", "3.11"])
                .args(["--platform", "manylinux2014_x86_64", "--no-deps", "-q", "-d"])
                .arg(&dir)
                .arg(line)
                .output()
                .map_err(|e| format!("cannot run pip: {e}"))?;
            if !out.status.success() {
                let _ = std::fs::remove_dir_all(&dir);
                return Err(format!(
                    "downloading reference wheel `{line}` failed (priorities depend on it; fix the \
                     network or the pin in {}):\n{}",
                    wheels_file.display(),
                    String::from_utf8_lossy(&out.stderr)
                ));
            }
        }
        let exts = dxpy_codegen::extscan::scan(&dir)?;
        if exts.is_empty() {
            return Err(format!("reference wheel `{line}` in {} holds no extension module", dir.display()));
        }
        for e in exts {
            count += 1;
            syms.extend(e.symbols);
        }
    }
    Ok((syms, count))
}

fn priority(name: &str, stable: bool, reference: &BTreeSet<String>) -> Priority {
    if reference.contains(name) {
        Priority::Critical
    } else if stable {
        Priority::Important
    } else {
        Priority::Optional
    }
}

/// The YAML file (stem) for a header: its base name without `.h`.
fn file_stem(header: Option<&str>) -> String {
    match header {
        None => "unlisted".into(),
        Some(h) => h.rsplit('/').next().unwrap_or(h).trim_end_matches(".h").to_string(),
    }
}

pub fn run(args: Args) -> Result<(), String> {
    let t0 = Instant::now();
    let root = crate::repo_root();
    let reference = args.reference.unwrap_or_else(|| root.parent().unwrap().join("shared/reference"));
    let wheels_dir = args.wheels_dir.unwrap_or_else(|| root.join("target/reference-wheels"));
    let spec_dir = root.join("api-spec");
    let py = find_python(&args.python)?;
    println!("CPython include: {}", py.include.display());
    println!("libpython:       {}", py.libpython.display());

    let (export_fns, export_data) = exports(&py.libpython)?;
    println!("exported: {} functions, {} data symbols", export_fns.len(), export_data.len());

    let (decls, skipped) = declarations(&py.include)?;
    let _ = std::fs::remove_dir_all(std::env::temp_dir().join(format!("dxpy-import-spec-{}", std::process::id())));
    for s in &skipped {
        println!("skipped header (does not compile alone): {s}");
    }
    let data_decls = data_declarations(&py.include)?;
    let stable = stable_abi(&reference.join("stable_abi-3.11.toml"))?;
    let refcounts_text =
        std::fs::read_to_string(reference.join("refcounts-3.11.dat")).map_err(|e| format!("refcounts: {e}"))?;
    let refcounts = rules::parse_refcounts(&refcounts_text);
    let doc_names = rules::parse_refcount_params(&refcounts_text);
    let (ref_syms, ref_count) =
        reference_imports(&py, &args.python, &spec_dir.join("reference-wheels.txt"), &wheels_dir)?;
    println!("reference set: {ref_count} extension modules importing {} C-API symbols", ref_syms.len());

    // header sources, for parameter names
    let mut sources: HashMap<String, String> = HashMap::new();

    // --- build the new entries ---
    let mut files: BTreeMap<String, HeaderFile> = BTreeMap::new();
    for name in &export_fns {
        let st = stable.get(name);
        let f = match decls.get(name) {
            Some(d) => {
                let src = sources
                    .entry(d.header.clone())
                    .or_insert_with(|| std::fs::read_to_string(py.include.join(&d.header)).unwrap_or_default());
                let pdecls = decl::find_param_decls(src, name, d.line);
                let names = decl::param_names(
                    pdecls.as_deref(),
                    doc_names.get(name.as_str()).map(Vec::as_slice),
                    d.param_types.len(),
                );
                let params: Vec<Param> = names
                    .iter()
                    .zip(&d.param_types)
                    .map(|(n, t)| Param { name: n.clone(), ctype: t.clone() })
                    .collect();
                Function {
                    name: name.clone(),
                    header: Some(d.header.clone()),
                    returns: d.returns.clone(),
                    ret_ref: rules::ret_ref(name, &d.returns, &refcounts),
                    steals: rules::steals_for(name, &names),
                    params,
                    variadic: d.variadic,
                    implemented_in_c: false,
                    error: rules::error_value(name, &d.returns),
                    stable_abi: st.map(|s| s.0.clone()),
                    abi_only: st.is_some_and(|s| s.1),
                    private: name.starts_with('_'),
                    priority: priority(name, st.is_some(), &ref_syms),
                    priority_override: None,
                    status: Status::Stub,
                    reason: None,
                    notes: None,
                }
            }
            None => Function {
                name: name.clone(),
                header: None,
                returns: "void".into(),
                ret_ref: None,
                params: vec![],
                variadic: false,
                implemented_in_c: false,
                steals: vec![],
                error: "none".into(),
                stable_abi: st.map(|s| s.0.clone()),
                abi_only: st.is_some_and(|s| s.1),
                private: name.starts_with('_'),
                priority: priority(name, st.is_some(), &ref_syms),
                priority_override: None,
                status: Status::Unsupported,
                reason: Some(UNLISTED_REASON.into()),
                notes: None,
            },
        };
        files.entry(file_stem(f.header.as_deref())).or_default().functions.push(f);
    }
    for (name, size) in &export_data {
        let st = stable.get(name);
        let d = match data_decls.get(name) {
            Some(dd) => Data {
                name: name.clone(),
                header: Some(dd.header.clone()),
                ctype: dd.ctype.clone(),
                kind: rules::data_kind(name, &dd.ctype),
                size: *size,
                stable_abi: st.map(|s| s.0.clone()),
                abi_only: st.is_some_and(|s| s.1),
                private: name.starts_with('_'),
                priority: priority(name, st.is_some(), &ref_syms),
                priority_override: None,
                status: Status::Stub,
                reason: None,
                notes: dd.array.as_ref().map(|n| {
                    if n.is_empty() { "array `[]` of `type`".to_string() } else { format!("array `[{n}]` of `type`") }
                }),
            },
            None => Data {
                name: name.clone(),
                header: None,
                ctype: "void *".into(),
                kind: rules::data_kind(name, ""),
                size: *size,
                stable_abi: st.map(|s| s.0.clone()),
                abi_only: st.is_some_and(|s| s.1),
                private: name.starts_with('_'),
                priority: priority(name, st.is_some(), &ref_syms),
                priority_override: None,
                status: Status::Unsupported,
                reason: Some(UNLISTED_REASON.into()),
                notes: None,
            },
        };
        files.entry(file_stem(d.header.as_deref())).or_default().data.push(d);
    }

    // --- merge with the existing spec ---
    let old = read_existing(&spec_dir)?;
    let mut new_fns: Vec<Function> = files.values_mut().flat_map(|f| std::mem::take(&mut f.functions)).collect();
    let mut new_data: Vec<Data> = files.values_mut().flat_map(|f| std::mem::take(&mut f.data)).collect();
    let fch = merge::merge_all(&mut new_fns, &old.functions, |f| &f.name, merge::merge_function);
    let dch = merge::merge_all(&mut new_data, &old.data, |d| &d.name, merge::merge_data);
    for f in new_fns {
        files.entry(file_stem(f.header.as_deref())).or_default().functions.push(f);
    }
    for d in new_data {
        files.entry(file_stem(d.header.as_deref())).or_default().data.push(d);
    }
    for f in files.values_mut() {
        f.functions.sort_by(|a, b| a.name.cmp(&b.name));
        f.data.sort_by(|a, b| a.name.cmp(&b.name));
    }

    let mut np = numpy::tables(&reference)?;
    let mut sch = Changes::default();
    for (stem, table) in np.iter_mut() {
        let empty = HashMap::new();
        let olds = old.numpy.get(stem).unwrap_or(&empty);
        let c = merge::merge_all(&mut table.slots, olds, |s| &s.name, merge::merge_slot);
        sch.added.extend(c.added.into_iter().map(|n| format!("{stem}:{n}")));
        sch.removed.extend(c.removed.into_iter().map(|n| format!("{stem}:{n}")));
        for (k, v) in c.changed {
            sch.changed.entry(k).or_default().extend(v.into_iter().map(|n| format!("{stem}:{n}")));
        }
    }

    // --- write ---
    let cdir = spec_dir.join("cpython");
    let ndir = spec_dir.join("numpy");
    std::fs::create_dir_all(&cdir).map_err(|e| e.to_string())?;
    std::fs::create_dir_all(&ndir).map_err(|e| e.to_string())?;
    let mut written = 0;
    for (stem, file) in &files {
        written += write_if_changed(&cdir.join(format!("{stem}.yaml")), &dxpy_codegen::write::header_file(file))?;
    }
    for stale in old.files.iter().filter(|s| !files.contains_key(*s)) {
        let p = cdir.join(format!("{stale}.yaml"));
        println!("removing {} (no entries left)", p.display());
        std::fs::remove_file(&p).map_err(|e| format!("{}: {e}", p.display()))?;
    }
    for (stem, table) in &np {
        written += write_if_changed(&ndir.join(format!("{stem}.yaml")), &dxpy_codegen::write::numpy_table(table))?;
    }

    // --- report changes ---
    println!();
    if fch.is_empty() && dch.is_empty() && sch.is_empty() {
        println!("no changes");
    } else {
        print!("{}", fch.render("functions"));
        print!("{}", dch.render("data"));
        print!("{}", sch.render("numpy slots"));
    }
    println!("{written} file(s) rewritten");

    // --- check and summarise ---
    let spec = dxpy_codegen::Spec::load_dir(&spec_dir).map_err(|errs| {
        let mut s = format!("the imported spec does not check clean ({} problems):\n", errs.len());
        for e in &errs {
            s.push_str(&format!("  {e}\n"));
        }
        s
    })?;
    summary(&spec, &np);
    println!("import took {:.1}s", t0.elapsed().as_secs_f64());
    Ok(())
}

fn write_if_changed(path: &Path, text: &str) -> Result<usize, String> {
    if std::fs::read_to_string(path).is_ok_and(|old| old == text) {
        return Ok(0);
    }
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(1)
}

#[derive(Default)]
struct Existing {
    functions: HashMap<String, Function>,
    data: HashMap<String, Data>,
    numpy: HashMap<String, HashMap<String, dxpy_codegen::spec::Slot>>,
    files: Vec<String>,
}

/// Reads the existing spec file by file (a spec that does not check clean can still be
/// re-imported; a file that does not parse stops the import, so no hand edit is lost).
fn read_existing(spec_dir: &Path) -> Result<Existing, String> {
    let mut ex = Existing::default();
    for (sub, is_numpy) in [("cpython", false), ("numpy", true)] {
        let Ok(rd) = std::fs::read_dir(spec_dir.join(sub)) else { continue };
        let mut paths: Vec<PathBuf> = rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
            .collect();
        paths.sort();
        for p in paths {
            let text = std::fs::read_to_string(&p).map_err(|e| format!("{}: {e}", p.display()))?;
            let stem = p.file_stem().unwrap().to_string_lossy().to_string();
            if is_numpy {
                let n = dxpy_codegen::load::parse_numpy(&p, &text).map_err(|e| e.to_string())?;
                ex.numpy.insert(stem, n.table.slots.into_iter().map(|s| (s.name.clone(), s)).collect());
            } else {
                let h = dxpy_codegen::load::parse_header(&p, &text).map_err(|e| e.to_string())?;
                for f in h.file.functions {
                    ex.functions.insert(f.name.clone(), f);
                }
                for d in h.file.data {
                    ex.data.insert(d.name.clone(), d);
                }
                ex.files.push(stem);
            }
        }
    }
    Ok(ex)
}

fn summary(spec: &dxpy_codegen::Spec, np: &[(String, NumpyTable)]) {
    let fns: Vec<&Function> = spec.functions().map(|(_, f)| f).collect();
    let data: Vec<&Data> = spec.data().map(|(_, d)| d).collect();
    println!();
    println!("functions: {}   data: {}", fns.len(), data.len());
    let declared_f = fns.iter().filter(|f| f.header.is_some()).count();
    let declared_d = data.iter().filter(|d| d.header.is_some()).count();
    println!(
        "declared: {} functions, {} data; unlisted: {} functions, {} data",
        declared_f,
        declared_d,
        fns.len() - declared_f,
        data.len() - declared_d
    );
    for p in Priority::ALL {
        let nf = fns.iter().filter(|f| f.effective_priority() == p).count();
        let nd = data.iter().filter(|d| d.effective_priority() == p).count();
        println!("  {:<9} {nf:>5} functions  {nd:>4} data", p.as_str());
    }
    let sf = fns.iter().filter(|f| f.stable_abi.is_some()).count();
    let sd = data.iter().filter(|d| d.stable_abi.is_some()).count();
    println!(
        "stable ABI: {sf} functions, {sd} data; full ABI only: {} functions, {} data",
        fns.len() - sf,
        data.len() - sd
    );
    for (stem, t) in np {
        let both = t.slots.iter().filter(|s| s.slot_v1.is_some() && s.slot_v2.is_some()).count();
        let v1 = t.slots.iter().filter(|s| s.slot_v1.is_some()).count();
        let v2 = t.slots.iter().filter(|s| s.slot_v2.is_some()).count();
        println!("numpy {stem} ({}): {} slots ({v1} in 1.26, {v2} in 2.x, {both} in both)", t.table, t.slots.len());
    }
    println!("priority rule: {PRIORITY_RULE}");
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs against this machine's CPython 3.11 and gcc (both present on CI).
    #[test]
    fn real_headers_and_libpython() {
        let py = find_python("python3.11").expect("python3.11 on PATH");
        let (funcs, data) = exports(&py.libpython).unwrap();
        assert!(funcs.contains("PyObject_GetAttr") && data.contains_key("_Py_NoneStruct"));
        assert_eq!(data["_Py_NoneStruct"], 16);
        let (decls, _) = declarations(&py.include).unwrap();
        let d = &decls["PyObject_GetAttr"];
        assert_eq!(d.header, "object.h");
        assert_eq!(d.param_types, vec!["PyObject *", "PyObject *"]);
        assert!(decls["PyArg_ParseTuple"].variadic);
        assert_eq!(decls["PyType_GetFlags"].returns, "unsigned long");
        // a private function only an internal header declares
        assert!(decls.values().any(|d| d.header.starts_with("internal/")));
        let data = data_declarations(&py.include).unwrap();
        assert_eq!(data["PyLong_Type"].ctype, "PyTypeObject");
        assert_eq!(data["PyExc_TypeError"].header, "pyerrors.h");
    }

    #[test]
    fn yaml_file_per_header_basename() {
        assert_eq!(file_stem(Some("cpython/object.h")), "object");
        assert_eq!(file_stem(Some("object.h")), "object");
        assert_eq!(file_stem(Some("internal/pycore_long.h")), "pycore_long");
        assert_eq!(file_stem(None), "unlisted");
    }
}
