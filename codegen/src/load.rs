//! Loading `api-spec/` and checking it. Every problem is reported as `file:line: reason`.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use crate::ctype::CType;
use crate::spec::{Function, HeaderFile, NumpyTable, SlotKind, Status};

/// A problem in the spec, located in its YAML file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecError {
    pub file: PathBuf,
    pub line: usize,
    pub reason: String,
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file.display(), self.line, self.reason)
    }
}

impl std::error::Error for SpecError {}

/// A loaded `api-spec/cpython/<stem>.yaml`.
#[derive(Debug, Clone)]
pub struct LoadedHeader {
    /// Path as given to the loader (for messages).
    pub path: PathBuf,
    /// File stem: the header's name without `.h` (`object`, `longobject`).
    pub stem: String,
    pub file: HeaderFile,
    /// Lines of the entries with each name, in file order (more than one only when
    /// the file repeats a name, which `check` reports).
    pub lines: HashMap<String, Vec<usize>>,
}

#[derive(Debug, Clone)]
pub struct LoadedNumpy {
    pub path: PathBuf,
    pub stem: String,
    pub table: NumpyTable,
    pub lines: HashMap<String, Vec<usize>>,
}

/// The whole spec, loaded and checked.
#[derive(Debug, Clone, Default)]
pub struct Spec {
    pub headers: Vec<LoadedHeader>,
    pub numpy: Vec<LoadedNumpy>,
}

impl Spec {
    /// Loads `dir/cpython/*.yaml` and `dir/numpy/*.yaml`, in file-name order.
    pub fn load_dir(dir: &Path) -> Result<Spec, Vec<SpecError>> {
        let mut headers = Vec::new();
        let mut numpy = Vec::new();
        let mut errors = Vec::new();
        for path in yaml_files(&dir.join("cpython")) {
            match read(&path).and_then(|text| parse_header(&path, &text)) {
                Ok(h) => headers.push(h),
                Err(e) => errors.push(e),
            }
        }
        for path in yaml_files(&dir.join("numpy")) {
            match read(&path).and_then(|text| parse_numpy(&path, &text)) {
                Ok(n) => numpy.push(n),
                Err(e) => errors.push(e),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let spec = Spec { headers, numpy };
        spec.check()?;
        Ok(spec)
    }

    /// Checks the rules that span entries and files. Returns every problem found.
    pub fn check(&self) -> Result<(), Vec<SpecError>> {
        let mut errors = Vec::new();
        let mut seen: HashMap<&str, (&Path, usize)> = HashMap::new();
        for h in &self.headers {
            let names =
                h.file.functions.iter().map(|f| f.name.as_str()).chain(h.file.data.iter().map(|d| d.name.as_str()));
            let mut occurrences: HashMap<&str, usize> = HashMap::new();
            for name in names {
                let nth = occurrences.entry(name).or_insert(0);
                let line = h.lines.get(name).and_then(|l| l.get(*nth)).copied().unwrap_or(1);
                *nth += 1;
                if let Some((pfile, pline)) = seen.get(name) {
                    errors.push(SpecError {
                        file: h.path.clone(),
                        line,
                        reason: format!("duplicate symbol `{name}` (first defined at {}:{pline})", pfile.display()),
                    });
                } else {
                    seen.insert(name, (&h.path, line));
                }
            }
            for f in &h.file.functions {
                if let Err(reason) = check_function(f) {
                    errors.push(SpecError { file: h.path.clone(), line: h.line_of(&f.name), reason });
                }
            }
            for d in &h.file.data {
                let reason = if let Err(e) = CType::parse_object(&d.ctype) {
                    Some(format!("data `{}`: {e}", d.name))
                } else if d.private != d.name.starts_with('_') {
                    Some(format!("data `{}`: `private` must be {}", d.name, d.name.starts_with('_')))
                } else {
                    check_status(&d.name, d.status, &d.reason).err()
                };
                if let Some(reason) = reason {
                    errors.push(SpecError { file: h.path.clone(), line: h.line_of(&d.name), reason });
                }
            }
        }
        for n in &self.numpy {
            let mut slots1: HashMap<u32, &str> = HashMap::new();
            let mut slots2: HashMap<u32, &str> = HashMap::new();
            for s in &n.table.slots {
                let line = n.lines.get(&s.name).and_then(|l| l.first()).copied().unwrap_or(1);
                let mut fail = |reason: String| errors.push(SpecError { file: n.path.clone(), line, reason });
                for (slot, map, which) in [(s.slot_v1, &mut slots1, "slot_v1"), (s.slot_v2, &mut slots2, "slot_v2")] {
                    if let Some(slot) = slot
                        && let Some(other) = map.insert(slot, &s.name)
                    {
                        fail(format!("{which} {slot} of `{}` is also used by `{other}`", s.name));
                    }
                }
                if s.slot_v1.is_none() && s.slot_v2.is_none() {
                    fail(format!("slot `{}` has neither slot_v1 nor slot_v2", s.name));
                }
                if s.kind == SlotKind::Function && s.params.is_none() {
                    fail(format!("function slot `{}` has no `params`", s.name));
                }
                let declared = s
                    .ctype
                    .iter()
                    .map(|t| if s.kind == SlotKind::Function { CType::parse(t) } else { CType::parse_object(t) });
                let params = s.params.iter().flatten().map(|p| CType::parse(&p.ctype));
                if let Some(Err(e)) = declared.chain(params).find(|r| r.is_err()) {
                    fail(format!("slot `{}`: {e}", s.name));
                }
                if let Err(e) = check_status(&s.name, s.status, &s.reason) {
                    fail(e);
                }
            }
        }
        if errors.is_empty() { Ok(()) } else { Err(errors) }
    }

    pub fn functions(&self) -> impl Iterator<Item = (&LoadedHeader, &Function)> {
        self.headers.iter().flat_map(|h| h.file.functions.iter().map(move |f| (h, f)))
    }

    pub fn data(&self) -> impl Iterator<Item = (&LoadedHeader, &crate::spec::Data)> {
        self.headers.iter().flat_map(|h| h.file.data.iter().map(move |d| (h, d)))
    }

    /// Finds a function by name, with the file that holds it.
    pub fn function(&self, name: &str) -> Option<(&LoadedHeader, &Function)> {
        self.functions().find(|(_, f)| f.name == name)
    }
}

impl LoadedHeader {
    /// Line of the (first) entry named `name`.
    pub fn line_of(&self, name: &str) -> usize {
        self.lines.get(name).and_then(|l| l.first()).copied().unwrap_or(1)
    }
}

fn check_status(name: &str, status: Status, reason: &Option<String>) -> Result<(), String> {
    match (status, reason) {
        (Status::Unsupported, None) => Err(format!("`{name}` is `unsupported` but gives no `reason`")),
        (Status::Implemented | Status::Stub, Some(_)) => Err(format!(
            "`{name}` has a `reason` but status `{}`; `reason` belongs to `unsupported` entries",
            status.as_str()
        )),
        _ => Ok(()),
    }
}

/// One function's own consistency: its types are known, and no two fields contradict.
pub fn check_function(f: &Function) -> Result<(), String> {
    let name = &f.name;
    let ret = CType::parse(&f.returns).map_err(|e| format!("`{name}` return type: {e}"))?;
    for p in &f.params {
        CType::parse(&p.ctype).map_err(|e| format!("`{name}` parameter `{}`: {e}", p.name))?;
    }
    let mut pnames = std::collections::HashSet::new();
    for p in &f.params {
        if !pnames.insert(p.name.as_str()) {
            return Err(format!("`{name}` has two parameters named `{}`", p.name));
        }
    }
    if f.private != name.starts_with('_') {
        return Err(format!("`{name}`: `private` must be {} for this name", name.starts_with('_')));
    }
    if f.ret_ref.is_some() && !ret.is_object_pointer() {
        return Err(format!("`{name}` has `ref` but returns `{}`, not `PyObject *`", f.returns));
    }
    for s in &f.steals {
        if !pnames.contains(s.as_str()) {
            return Err(format!("`{name}` steals `{s}`, which is not one of its parameters"));
        }
    }
    // C varargs (`...` or a `va_list` parameter) cannot be read from stable Rust.
    let takes_varargs = f.variadic || f.params.iter().any(|p| p.ctype.contains("va_list"));
    if f.implemented_in_c && !(takes_varargs && f.status == Status::Implemented) {
        return Err(format!(
            "`{name}`: `implemented_in_c` is for variadic (or `va_list`) functions with `status: implemented`"
        ));
    }
    if f.variadic && f.params.is_empty() {
        return Err(format!("`{name}` is variadic but has no fixed parameter"));
    }
    match f.error.as_str() {
        "none" => {}
        _ if ret.is_void() => {
            return Err(format!("`{name}` returns void, so `error` must be `none`, not `{}`", f.error));
        }
        "NULL" if !ret.is_pointer() => {
            return Err(format!("`{name}` returns `{}`, which cannot be NULL", f.returns));
        }
        e if ret.is_pointer() && e != "NULL" => {
            return Err(format!("`{name}` returns a pointer, so `error` must be `NULL` or `none`, not `{e}`"));
        }
        e if ret.is_struct() => {
            return Err(format!("`{name}` returns a struct by value; `error` must be `none`, not `{e}`"));
        }
        e if !ret.is_pointer() && e.parse::<f64>().is_err() => {
            return Err(format!("`{name}`: `error` must be `NULL`, `none` or a number, not `{e}`"));
        }
        _ => {}
    }
    check_status(name, f.status, &f.reason)
}

fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.extension().is_some_and(|x| x == "yaml")).collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

fn read(path: &Path) -> Result<String, SpecError> {
    std::fs::read_to_string(path).map_err(|e| SpecError {
        file: path.to_owned(),
        line: 1,
        reason: format!("cannot read: {e}"),
    })
}

fn yaml_error(path: &Path, e: serde_yaml_ng::Error) -> SpecError {
    let line = e.location().map(|l| l.line()).unwrap_or(1);
    // serde_yaml appends "at line N column M"; the location is already in the prefix.
    let msg = e.to_string();
    let reason = match msg.find(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg,
    };
    SpecError { file: path.to_owned(), line, reason: reason.replace('\n', " ") }
}

pub fn parse_header(path: &Path, text: &str) -> Result<LoadedHeader, SpecError> {
    let file: HeaderFile = if text.trim().is_empty() {
        HeaderFile::default()
    } else {
        serde_yaml_ng::from_str(text).map_err(|e| yaml_error(path, e))?
    };
    Ok(LoadedHeader { path: path.to_owned(), stem: stem(path), file, lines: entry_lines(text) })
}

pub fn parse_numpy(path: &Path, text: &str) -> Result<LoadedNumpy, SpecError> {
    let table: NumpyTable = serde_yaml_ng::from_str(text).map_err(|e| yaml_error(path, e))?;
    Ok(LoadedNumpy { path: path.to_owned(), stem: stem(path), table, lines: entry_lines(text) })
}

fn stem(path: &Path) -> String {
    path.file_stem().and_then(|s| s.to_str()).unwrap_or("").to_string()
}

/// Line of every entry, found as the `- name: X` lines at the entries' indentation.
/// Entries are mappings whose first key is `name`, as the importer writes them; an entry
/// written otherwise is reported at line 1.
fn entry_lines(text: &str) -> HashMap<String, Vec<usize>> {
    let mut lines = HashMap::new();
    let mut entry_indent = None;
    for (i, line) in text.lines().enumerate() {
        let indent = line.len() - line.trim_start().len();
        let Some(v) = line.trim_start().strip_prefix("- name:") else { continue };
        // The first `- name:` of a file is an entry; parameters (`- name:` under
        // `params:`) sit deeper.
        if *entry_indent.get_or_insert(indent) != indent {
            continue;
        }
        let v = v.trim().trim_matches(|c| c == '"' || c == '\'');
        lines.entry(v.to_string()).or_insert_with(Vec::new).push(i + 1);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "\
functions:
- name: Py_IncRef
  header: object.h
  returns: void
  params:
  - name: o
    type: PyObject *
  error: none
  stable_abi: '3.2'
  private: false
  priority: critical
  status: implemented
- name: PyObject_GetAttr
  header: abstract.h
  returns: PyObject *
  ref: new
  params:
  - name: o
    type: PyObject *
  - name: attr
    type: PyObject *
  error: 'NULL'
  private: false
  priority: critical
  status: stub
";

    fn load(text: &str) -> Result<Spec, Vec<SpecError>> {
        let h = parse_header(Path::new("api-spec/cpython/object.yaml"), text).map_err(|e| vec![e])?;
        let spec = Spec { headers: vec![h], numpy: vec![] };
        spec.check()?;
        Ok(spec)
    }

    fn only_error(text: &str) -> SpecError {
        let errs = load(text).unwrap_err();
        assert_eq!(errs.len(), 1, "{errs:?}");
        errs.into_iter().next().unwrap()
    }

    #[test]
    fn good_spec_loads_with_lines() {
        let spec = load(GOOD).unwrap();
        assert_eq!(spec.headers[0].line_of("Py_IncRef"), 2);
        assert_eq!(spec.headers[0].line_of("PyObject_GetAttr"), 13);
    }

    #[test]
    fn malformed_yaml_names_file_and_line() {
        let text = GOOD.replace("  error: 'NULL'", "  error: [NULL");
        let e = only_error(&text);
        assert_eq!(e.file, Path::new("api-spec/cpython/object.yaml"));
        assert!(e.line >= 22, "{e}");
        assert!(!e.reason.contains('\n'));
    }

    #[test]
    fn duplicate_symbol() {
        let text = GOOD.replace("PyObject_GetAttr", "Py_IncRef");
        let e = only_error(&text);
        assert_eq!(e.line, 13);
        assert!(e.reason.contains("duplicate symbol `Py_IncRef`"), "{e}");
        assert!(e.reason.contains("object.yaml:2"), "{e}");
    }

    #[test]
    fn unknown_c_type() {
        let e = only_error(&GOOD.replace("returns: void", "returns: Frobnicator"));
        assert_eq!(e.line, 2);
        assert!(e.reason.contains("unknown C type `Frobnicator`"), "{e}");
    }

    #[test]
    fn missing_field() {
        let e = only_error(&GOOD.replace("  status: stub\n", ""));
        assert!(e.reason.contains("missing field `status`"), "{e}");
        assert!(e.line >= 13, "{e}");
    }

    #[test]
    fn contradictory_fields() {
        let cases = [
            (GOOD.replace("  error: none\n", "  error: '-1'\n"), "returns void"),
            (GOOD.replace("  ref: new\n", "").replace("  returns: void", "  returns: void\n  ref: new"), "has `ref`"),
            (GOOD.replace("  status: stub", "  status: unsupported"), "gives no `reason`"),
            (GOOD.replace("  error: 'NULL'", "  error: '-1'"), "returns a pointer"),
            (
                GOOD.replace(
                    "  private: false\n  priority: critical\n  status: stub",
                    "  private: true\n  priority: critical\n  status: stub",
                ),
                "`private` must be false",
            ),
            (GOOD.replace("  error: 'NULL'\n", "  error: 'NULL'\n  steals: [nope]\n"), "steals `nope`"),
        ];
        for (text, want) in cases {
            let e = only_error(&text);
            assert!(e.reason.contains(want), "want {want:?}, got {e}");
            assert!(e.line == 2 || e.line == 13, "{e}");
        }
    }
}
