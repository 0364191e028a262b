//! Re-import: keep the hand-owned fields of existing entries (status, reason, notes,
//! priority_override, steals, error) and report what the importer changed.

use std::collections::{BTreeMap, HashMap};

use dxpy_codegen::spec::{Data, Function, Slot};

/// What a re-import changed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Changes {
    pub added: Vec<String>,
    pub removed: Vec<String>,
    /// importer-owned field → entries whose value changed
    pub changed: BTreeMap<&'static str, Vec<String>>,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }

    fn note(&mut self, field: &'static str, name: &str) {
        self.changed.entry(field).or_default().push(name.to_string());
    }

    pub fn render(&self, what: &str) -> String {
        fn first(v: &[String]) -> String {
            let mut s = v.iter().take(10).cloned().collect::<Vec<_>>().join(", ");
            if v.len() > 10 {
                s.push_str(", ...");
            }
            s
        }
        if self.is_empty() {
            return format!("{what}: no changes\n");
        }
        let mut out = String::new();
        if !self.added.is_empty() {
            out.push_str(&format!("{what}: {} added: {}\n", self.added.len(), first(&self.added)));
        }
        if !self.removed.is_empty() {
            out.push_str(&format!("{what}: {} removed: {}\n", self.removed.len(), first(&self.removed)));
        }
        for (field, names) in &self.changed {
            out.push_str(&format!("{what}: `{field}` changed for {}: {}\n", names.len(), first(names)));
        }
        out
    }
}

/// Copies the hand-owned fields from `old` into `new`, recording importer-owned fields
/// that differ.
pub fn merge_function(new: &mut Function, old: &Function, ch: &mut Changes) {
    let n = &new.name;
    if new.header != old.header {
        ch.note("header", n);
    }
    if new.returns != old.returns {
        ch.note("returns", n);
    }
    if new.ret_ref != old.ret_ref {
        ch.note("ref", n);
    }
    if new.params != old.params {
        ch.note("params", n);
    }
    if new.variadic != old.variadic {
        ch.note("variadic", n);
    }
    if new.stable_abi != old.stable_abi || new.abi_only != old.abi_only {
        ch.note("stable_abi", n);
    }
    if new.private != old.private {
        ch.note("private", n);
    }
    if new.priority != old.priority {
        ch.note("priority", n);
    }
    new.status = old.status;
    new.reason = old.reason.clone();
    new.notes = old.notes.clone();
    new.priority_override = old.priority_override;
    new.implemented_in_c = old.implemented_in_c;
    // `steals` names parameters: when the importer renames a parameter, follow it by
    // position so the hand-owned list stays valid.
    new.steals = old
        .steals
        .iter()
        .map(|s| match old.params.iter().position(|p| &p.name == s) {
            Some(i) if i < new.params.len() => new.params[i].name.clone(),
            _ => s.clone(),
        })
        .collect();
    new.error = old.error.clone();
}

pub fn merge_data(new: &mut Data, old: &Data, ch: &mut Changes) {
    let n = &new.name;
    if new.header != old.header {
        ch.note("header", n);
    }
    if new.ctype != old.ctype {
        ch.note("type", n);
    }
    if new.kind != old.kind {
        ch.note("kind", n);
    }
    if new.size != old.size {
        ch.note("size", n);
    }
    if new.stable_abi != old.stable_abi || new.abi_only != old.abi_only {
        ch.note("stable_abi", n);
    }
    if new.private != old.private {
        ch.note("private", n);
    }
    if new.priority != old.priority {
        ch.note("priority", n);
    }
    new.status = old.status;
    new.reason = old.reason.clone();
    new.notes = old.notes.clone();
    new.priority_override = old.priority_override;
}

pub fn merge_slot(new: &mut Slot, old: &Slot, ch: &mut Changes) {
    let n = &new.name;
    if new.kind != old.kind {
        ch.note("kind", n);
    }
    if new.slot_v1 != old.slot_v1 || new.slot_v2 != old.slot_v2 {
        ch.note("slot", n);
    }
    if new.min_version != old.min_version {
        ch.note("min_version", n);
    }
    if new.ctype != old.ctype {
        ch.note("type", n);
    }
    if new.params != old.params {
        ch.note("params", n);
    }
    if new.priority != old.priority {
        ch.note("priority", n);
    }
    new.status = old.status;
    new.reason = old.reason.clone();
    new.notes = old.notes.clone();
    new.priority_override = old.priority_override;
    new.steals = old.steals.clone();
}

/// Merges a whole generation: `new` entries (keyed by name) against the `old` ones.
pub fn merge_all<T>(
    new: &mut [T],
    old: &HashMap<String, T>,
    name: impl Fn(&T) -> &str,
    merge: impl Fn(&mut T, &T, &mut Changes),
) -> Changes {
    let mut ch = Changes::default();
    let mut seen = std::collections::HashSet::new();
    for e in new.iter_mut() {
        let n = name(e).to_string();
        match old.get(&n) {
            Some(o) => merge(e, o, &mut ch),
            None => ch.added.push(n.clone()),
        }
        seen.insert(n);
    }
    let mut removed: Vec<String> = old.keys().filter(|k| !seen.contains(*k)).cloned().collect();
    removed.sort();
    ch.removed = removed;
    ch.added.sort();
    for v in ch.changed.values_mut() {
        v.sort();
    }
    ch
}

#[cfg(test)]
mod tests {
    use super::*;
    use dxpy_codegen::spec::{Param, Priority, Status};

    fn func(name: &str) -> Function {
        Function {
            name: name.into(),
            header: Some("object.h".into()),
            returns: "PyObject *".into(),
            ret_ref: Some(dxpy_codegen::spec::RefKind::New),
            params: vec![Param { name: "o".into(), ctype: "PyObject *".into() }],
            variadic: false,
            implemented_in_c: false,
            steals: vec![],
            error: "NULL".into(),
            stable_abi: Some("3.2".into()),
            abi_only: false,
            private: false,
            priority: Priority::Critical,
            priority_override: None,
            status: Status::Stub,
            reason: None,
            notes: None,
        }
    }

    #[test]
    fn keeps_hand_fields_and_reports() {
        let mut old_a = func("PyA");
        old_a.status = Status::Implemented;
        old_a.notes = Some("hand note".into());
        old_a.priority_override = Some(Priority::Optional);
        old_a.steals = vec!["o".into()];
        old_a.error = "none".into();
        old_a.returns = "int".into(); // importer-owned: will be replaced and reported
        let old_gone = func("PyGone");
        let old: HashMap<String, Function> = [old_a, old_gone].into_iter().map(|f| (f.name.clone(), f)).collect();
        let mut new = vec![func("PyA"), func("PyB")];
        let ch = merge_all(&mut new, &old, |f| &f.name, merge_function);
        assert_eq!(new[0].status, Status::Implemented);
        assert_eq!(new[0].notes.as_deref(), Some("hand note"));
        assert_eq!(new[0].priority_override, Some(Priority::Optional));
        assert_eq!(new[0].steals, vec!["o"]);
        assert_eq!(new[0].error, "none");
        assert_eq!(new[0].returns, "PyObject *");
        assert_eq!(ch.added, vec!["PyB"]);
        assert_eq!(ch.removed, vec!["PyGone"]);
        assert_eq!(ch.changed.get("returns"), Some(&vec!["PyA".to_string()]));
        assert_eq!(ch.changed.len(), 1);
        assert!(ch.render("functions").contains("`returns` changed for 1: PyA"));
    }

    #[test]
    fn steals_follow_renamed_parameters() {
        let mut old_a = func("PyA");
        old_a.params[0].name = "arg0".into();
        old_a.steals = vec!["arg0".into()];
        let old: HashMap<String, Function> = [(String::from("PyA"), old_a)].into_iter().collect();
        let mut new = vec![func("PyA")];
        let ch = merge_all(&mut new, &old, |f| &f.name, merge_function);
        assert_eq!(new[0].steals, vec!["o"]);
        assert_eq!(ch.changed.get("params"), Some(&vec!["PyA".to_string()]));
    }

    #[test]
    fn unchanged_is_no_changes() {
        let old: HashMap<String, Function> = [(String::from("PyA"), func("PyA"))].into_iter().collect();
        let mut new = vec![func("PyA")];
        let ch = merge_all(&mut new, &old, |f| &f.name, merge_function);
        assert!(ch.is_empty());
        assert_eq!(ch.render("functions"), "functions: no changes\n");
    }
}
