//! Writing spec files in canonical form (what `import-spec` produces and what a
//! load → write round trip must preserve).

use crate::spec::{HeaderFile, NumpyTable};

const HEADER_NOTE: &str = "\
# DX-Py C-API spec. Seeded and refreshed by `cargo xtask import-spec`, which keeps the
# hand-owned fields (status, reason, notes, priority_override, steals, error) of existing
# entries. After editing, run `cargo xtask gen`.
";

pub fn header_file(file: &HeaderFile) -> String {
    format!("{HEADER_NOTE}{}", serde_yaml_ng::to_string(file).expect("spec serialises"))
}

pub fn numpy_table(table: &NumpyTable) -> String {
    format!("{HEADER_NOTE}{}", serde_yaml_ng::to_string(table).expect("spec serialises"))
}
