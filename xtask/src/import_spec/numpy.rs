//! NumPy's C-API tables (`_ARRAY_API`, `_UFUNC_API`) from the reference TSV files.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use dxpy_codegen::spec::{NumpyTable, Param, Priority, Slot, SlotKind, Status};

use super::decl::split_param;

pub const NO_PROTOTYPE: &str =
    "no prototype in numpy_c_api_signatures.tsv (added after NumPy 2.4.6); signature unknown";

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))
}

/// `api -> name -> (slot, min_version)` from a `numpy_c_api-v*.tsv`.
fn layout(text: &str) -> HashMap<String, BTreeMap<String, (u32, Option<String>)>> {
    let mut out: HashMap<String, BTreeMap<String, (u32, Option<String>)>> = HashMap::new();
    for line in text.lines() {
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() < 3 || f[1].is_empty() {
            continue;
        }
        let Ok(slot) = f[2].parse() else { continue };
        let minv = f.get(3).map(|s| s.trim()).filter(|s| !s.is_empty()).map(String::from);
        out.entry(f[0].to_string()).or_default().insert(f[1].to_string(), (slot, minv));
    }
    out
}

#[derive(Default, Clone)]
struct Detail {
    section: String,
    steals: Vec<usize>,
    c_type: Option<String>,
}

/// Parses the parameters of a prototype from `numpy_c_api_signatures.tsv`.
pub fn parse_params(text: &str) -> Vec<Param> {
    let text = text.trim();
    if text.is_empty() || text == "void" {
        return Vec::new();
    }
    let mut out: Vec<Param> = Vec::new();
    for (i, p) in super::decl::split_top_pub(text).iter().enumerate() {
        let (name, ty) = split_param(p);
        if ty == "..." {
            continue;
        }
        let name = match name {
            Some(n) if !out.iter().any(|q| q.name == n) => n,
            _ => format!("a{i}"),
        };
        out.push(Param { name, ctype: ty });
    }
    out
}

pub fn tables(reference: &Path) -> Result<Vec<(String, NumpyTable)>, String> {
    let v1 = layout(&read(&reference.join("numpy_c_api-v1.26.4.tsv"))?);
    let v2 = layout(&read(&reference.join("numpy_c_api-v2.5.2.tsv"))?);
    // detail: (api, name) -> Detail; prefer v2.5.2, then HEAD, then v1.26.4
    let mut detail: HashMap<(String, String), (u8, Detail)> = HashMap::new();
    for (i, line) in read(&reference.join("numpy_c_api_detail.tsv"))?.lines().enumerate() {
        if i == 0 {
            continue;
        }
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() < 9 || f[4].is_empty() {
            continue;
        }
        let rank = match f[0] {
            "v2.5.2" => 0,
            "HEAD" => 1,
            _ => 2,
        };
        let d = Detail {
            section: f[3].to_string(),
            steals: f[7].split(',').filter_map(|s| s.trim().parse().ok()).collect(),
            c_type: Some(f[8].trim()).filter(|s| !s.is_empty()).map(String::from),
        };
        let key = (f[2].to_string(), f[4].to_string());
        if detail.get(&key).is_none_or(|(r, _)| rank < *r) {
            detail.insert(key, (rank, d));
        }
    }
    // signatures: (api, name) -> (kind, type, params); prefer 2.x
    let mut sigs: HashMap<(String, String), (u8, String, String, String)> = HashMap::new();
    for (i, line) in read(&reference.join("numpy_c_api_signatures.tsv"))?.lines().enumerate() {
        if i == 0 {
            continue;
        }
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() < 7 {
            continue;
        }
        let rank = if f[0].starts_with('2') { 0 } else { 1 };
        let key = (f[1].to_string(), f[3].to_string());
        if sigs.get(&key).is_none_or(|(r, ..)| rank < *r) {
            sigs.insert(key, (rank, f[4].to_string(), f[5].to_string(), f[6].to_string()));
        }
    }
    let mut out = Vec::new();
    for (api, table, file) in [("multiarray", "_ARRAY_API", "multiarray"), ("ufunc", "_UFUNC_API", "ufunc")] {
        let empty = BTreeMap::new();
        let l1 = v1.get(api).unwrap_or(&empty);
        let l2 = v2.get(api).unwrap_or(&empty);
        let mut names: Vec<&String> = l1.keys().chain(l2.keys()).collect();
        names.sort();
        names.dedup();
        let mut slots = Vec::new();
        for name in names {
            let s1 = l1.get(name);
            let s2 = l2.get(name);
            let key = (api.to_string(), name.clone());
            let d = detail.get(&key).map(|(_, d)| d.clone()).unwrap_or_default();
            let sig = sigs.get(&key);
            let kind = match d.section.as_str() {
                "function" => SlotKind::Function,
                "type" => SlotKind::Type,
                "global_var" => SlotKind::GlobalVar,
                "bool_values" => SlotKind::BoolValues,
                "unused" => SlotKind::Unused,
                _ => match sig.map(|s| s.1.as_str()) {
                    Some("function") => SlotKind::Function,
                    Some(_) => SlotKind::GlobalVar,
                    None => SlotKind::Unused,
                },
            };
            let (ctype, params) = match (kind, sig) {
                (SlotKind::Function, Some((_, _, ret, params))) => {
                    (Some(super::decl::normalize_type(ret)), Some(parse_params(params)))
                }
                // Added after the newest wheel the prototypes were taken from: seeded as
                // `unsupported` (see NO_PROTOTYPE) until someone writes the signature.
                (SlotKind::Function, None) => (None, Some(Vec::new())),
                (_, Some((_, _, ty, _))) => {
                    (Some(super::decl::normalize_type(d.c_type.as_deref().unwrap_or(ty))), None)
                }
                (_, None) => (d.c_type.as_deref().map(super::decl::normalize_type), None),
            };
            let steals = match &params {
                Some(ps) => d.steals.iter().filter_map(|i| ps.get(i.wrapping_sub(1)).map(|p| p.name.clone())).collect(),
                None => Vec::new(),
            };
            let unknown = kind == SlotKind::Function && sig.is_none();
            let priority = if s1.is_some() && s2.is_some() { Priority::Important } else { Priority::Optional };
            slots.push(Slot {
                name: name.clone(),
                kind,
                slot_v1: s1.map(|s| s.0),
                slot_v2: s2.map(|s| s.0),
                min_version: s2.and_then(|s| s.1.clone()).or_else(|| s1.and_then(|s| s.1.clone())),
                ctype,
                params,
                steals,
                priority,
                priority_override: None,
                status: if unknown { Status::Unsupported } else { Status::Stub },
                reason: unknown.then(|| NO_PROTOTYPE.to_string()),
                notes: None,
            });
        }
        slots.sort_by_key(|s| (s.slot_v2.or(s.slot_v1), s.slot_v1, s.name.clone()));
        out.push((file.to_string(), NumpyTable { table: table.to_string(), slots }));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numpy_params() {
        let p = parse_params("PyObject *, npy_intp const *dims, int NPY_UNUSED(nd), PyObject *");
        let got: Vec<(&str, &str)> = p.iter().map(|p| (p.name.as_str(), p.ctype.as_str())).collect();
        assert_eq!(got, vec![("a0", "PyObject *"), ("dims", "npy_intp const *"), ("nd", "int"), ("a3", "PyObject *")]);
        assert!(parse_params("void").is_empty());
    }
}
