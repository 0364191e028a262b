//! C declarations: `gcc -aux-info` output (types), header source text (parameter names),
//! and `PyAPI_DATA(...)` lines (data types).

use std::collections::BTreeMap;

/// A function prototype as found in an installed header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FnDecl {
    pub name: String,
    /// Header path relative to the include dir (`cpython/object.h`).
    pub header: String,
    /// 1-based line reported by gcc.
    pub line: usize,
    pub returns: String,
    /// Normalised parameter types (no `void`, no `...`).
    pub param_types: Vec<String>,
    pub variadic: bool,
}

/// A data declaration (`PyAPI_DATA(T) name;`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataDecl {
    pub name: String,
    pub header: String,
    pub ctype: String,
    /// `Some(n)` for `name[n]`, `Some("")` for `name[]`.
    pub array: Option<String>,
}

// ---------------------------------------------------------------------------------------
// Tokens and type normalisation

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Ident(String),
    Punct(String),
}

fn tokenize(s: &str) -> Vec<Tok> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i] as char;
        if c.is_whitespace() {
            i += 1;
        } else if c == '_' || c.is_ascii_alphanumeric() {
            let st = i;
            while i < b.len() && (b[i] == b'_' || b[i].is_ascii_alphanumeric()) {
                i += 1;
            }
            out.push(Tok::Ident(s[st..i].to_string()));
        } else if s[i..].starts_with("...") {
            out.push(Tok::Punct("...".into()));
            i += 3;
        } else {
            out.push(Tok::Punct(c.to_string()));
            i += c.len_utf8();
        }
    }
    out
}

/// Normalises C type text: single spaces, `*` attached (`PyObject *`, `PyObject **`,
/// `const char *const *`, `int (*)(PyObject *, void *)`).
pub fn normalize_type(s: &str) -> String {
    let toks = canonical_ints(tokenize(s));
    let mut out = String::new();
    let mut prev: Option<&Tok> = None;
    for t in &toks {
        let space = match (prev, t) {
            (None, _) => false,
            (Some(Tok::Ident(_)), Tok::Ident(_)) => true,
            (Some(Tok::Ident(_)), Tok::Punct(p)) => p == "*" || p == "(",
            (Some(Tok::Punct(p)), Tok::Ident(_)) => p == ",",
            (Some(Tok::Punct(p)), Tok::Punct(q)) => p == "," || (p == ")" && q == "*"),
        };
        if space {
            out.push(' ');
        }
        match t {
            Tok::Ident(x) | Tok::Punct(x) => out.push_str(x),
        }
        prev = Some(t);
    }
    out
}

/// gcc spells integer types its own way (`long unsigned int`); fold every run of integer
/// keywords to the usual spelling (`unsigned long`).
fn canonical_ints(toks: Vec<Tok>) -> Vec<Tok> {
    const INT_WORDS: &[&str] = &["long", "short", "int", "unsigned", "signed", "char"];
    let is_int = |t: &Tok| matches!(t, Tok::Ident(w) if INT_WORDS.contains(&w.as_str()));
    let mut out = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        if !is_int(&toks[i]) {
            out.push(toks[i].clone());
            i += 1;
            continue;
        }
        let mut j = i;
        let (mut longs, mut unsigned, mut signed, mut short, mut chr) = (0, false, false, false, false);
        while j < toks.len() && is_int(&toks[j]) {
            if let Tok::Ident(w) = &toks[j] {
                match w.as_str() {
                    "long" => longs += 1,
                    "unsigned" => unsigned = true,
                    "signed" => signed = true,
                    "short" => short = true,
                    "char" => chr = true,
                    _ => {}
                }
            }
            j += 1;
        }
        let base = if chr {
            if unsigned {
                "unsigned char"
            } else if signed {
                "signed char"
            } else {
                "char"
            }
        } else {
            match (longs, short, unsigned) {
                (2, _, true) => "unsigned long long",
                (2, _, false) => "long long",
                (1, _, true) => "unsigned long",
                (1, _, false) => "long",
                (_, true, true) => "unsigned short",
                (_, true, false) => "short",
                (_, _, true) => "unsigned int",
                _ => "int",
            }
        };
        out.extend(base.split(' ').map(|w| Tok::Ident(w.to_string())));
        i = j;
    }
    out
}

/// Splits at top-level commas.
fn split_top(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut cur = String::new();
    for c in s.chars() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth -= 1,
            ',' if depth == 0 => {
                out.push(cur.trim().to_string());
                cur.clear();
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    if !cur.trim().is_empty() || !out.is_empty() {
        out.push(cur.trim().to_string());
    }
    out
}

pub fn split_top_pub(s: &str) -> Vec<String> {
    split_top(s)
}

/// Index of the `(` matching the `)` at `close`.
fn matching_open(s: &str, close: usize) -> Option<usize> {
    let b = s.as_bytes();
    let mut depth = 0i32;
    let mut i = close as isize;
    while i >= 0 {
        match b[i as usize] {
            b')' => depth += 1,
            b'(' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i as usize);
                }
            }
            _ => {}
        }
        i -= 1;
    }
    None
}

/// Index of the `)` matching the `(` at `open`.
fn matching_close(s: &str, open: usize) -> Option<usize> {
    let mut depth = 0i32;
    for (i, c) in s.char_indices().skip_while(|(i, _)| *i < open) {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// Parses a parameter-type list (`PyObject *, const char *, ...`, `void`).
pub fn parse_param_types(list: &str) -> (Vec<String>, bool) {
    let parts = split_top(list);
    let mut types = Vec::new();
    let mut variadic = false;
    for p in parts {
        let n = normalize_type(&p);
        if n == "..." {
            variadic = true;
        } else if n == "void" || n.is_empty() {
            // `(void)` or `()`
        } else {
            types.push(n);
        }
    }
    (types, variadic)
}

// ---------------------------------------------------------------------------------------
// gcc -aux-info

/// Parses one line of `gcc -aux-info` output into (path, line, prototype), if it is a
/// declaration (not a definition).
pub fn parse_aux_line(line: &str) -> Option<(String, usize, FnProto)> {
    let rest = line.strip_prefix("/* ")?;
    let end = rest.find(" */")?;
    let loc = &rest[..end];
    let body = rest[end + 3..].trim();
    if body.contains('{') {
        return None; // a definition (static inline)
    }
    // loc = PATH:LINE:XX
    let mut it = loc.rsplitn(3, ':');
    let _kind = it.next()?;
    let lno: usize = it.next()?.parse().ok()?;
    let path = it.next()?.to_string();
    let proto = parse_prototype(body)?;
    Some((path, lno, proto))
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FnProto {
    pub name: String,
    pub returns: String,
    pub param_types: Vec<String>,
    pub variadic: bool,
    pub is_static: bool,
}

/// Parses `extern RET NAME (TYPES);` as printed by `gcc -aux-info`.
pub fn parse_prototype(body: &str) -> Option<FnProto> {
    let body = body.trim().trim_end_matches(';').trim();
    if !body.ends_with(')') {
        return None;
    }
    let open = matching_open(body, body.len() - 1)?;
    let params = &body[open + 1..body.len() - 1];
    let head = body[..open].trim();
    // name = trailing identifier of head
    let name_start = head.rfind(|c: char| !(c == '_' || c.is_ascii_alphanumeric())).map(|i| i + 1).unwrap_or(0);
    let name = &head[name_start..];
    if name.is_empty() || name.chars().next().unwrap().is_ascii_digit() {
        return None; // e.g. a function returning a function pointer
    }
    let mut ret_words: Vec<&str> = Vec::new();
    let mut is_static = false;
    let ret_text = &head[..name_start];
    // drop storage classes and specifiers gcc prints
    let mut filtered = String::new();
    for t in tokenize(ret_text) {
        match &t {
            Tok::Ident(w) if w == "extern" || w == "inline" || w == "__inline__" || w == "__inline" => continue,
            Tok::Ident(w) if w == "static" => {
                is_static = true;
                continue;
            }
            Tok::Ident(w) => {
                filtered.push(' ');
                filtered.push_str(w);
            }
            Tok::Punct(p) => {
                filtered.push(' ');
                filtered.push_str(p);
            }
        }
    }
    ret_words.push(&filtered);
    let returns = normalize_type(&filtered);
    if returns.is_empty() || returns.contains('(') {
        return None;
    }
    let (param_types, variadic) = parse_param_types(params);
    Some(FnProto { name: name.to_string(), returns, param_types, variadic, is_static })
}

// ---------------------------------------------------------------------------------------
// Header source: parameter names

/// Removes `/* */` and `//` comments, keeping newlines so line numbers survive.
pub fn strip_comments(src: &str) -> String {
    let mut out = String::with_capacity(src.len());
    let b = src.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'/' && i + 1 < b.len() && b[i + 1] == b'*' {
            i += 2;
            while i + 1 < b.len() && !(b[i] == b'*' && b[i + 1] == b'/') {
                if b[i] == b'\n' {
                    out.push('\n');
                }
                i += 1;
            }
            i += 2;
            out.push(' ');
        } else if b[i] == b'/' && i + 1 < b.len() && b[i + 1] == b'/' {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else {
            let c = src[i..].chars().next().unwrap();
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

const TYPE_WORDS: &[&str] = &[
    "const",
    "volatile",
    "restrict",
    "__restrict",
    "int",
    "char",
    "short",
    "long",
    "unsigned",
    "signed",
    "float",
    "double",
    "void",
    "_Bool",
    "struct",
    "enum",
    "union",
];

/// The name declared by one parameter declaration, if it names one.
pub fn param_name(decl: &str) -> Option<String> {
    let toks = tokenize(decl);
    // Function pointer: `R (*name)(args)` or `R (*)(args)`.
    for w in toks.windows(3) {
        if let [Tok::Punct(a), Tok::Punct(b), c] = w
            && a == "("
            && b == "*"
        {
            return match c {
                Tok::Ident(n) if !TYPE_WORDS.contains(&n.as_str()) => Some(n.clone()),
                _ => None,
            };
        }
    }
    // Drop array suffixes `[...]`.
    let mut toks = toks;
    if let Some(pos) = toks.iter().position(|t| *t == Tok::Punct("[".into())) {
        toks.truncate(pos);
    }
    let last = toks.last()?;
    let Tok::Ident(name) = last else { return None };
    if TYPE_WORDS.contains(&name.as_str()) || toks.len() < 2 {
        return None;
    }
    match &toks[toks.len() - 2] {
        Tok::Ident(p) if p == "struct" || p == "enum" || p == "union" => None,
        _ => Some(name.clone()),
    }
}

/// Splits one parameter declaration into its name (if any) and its type
/// (`npy_intp const *dims` → (`dims`, `npy_intp const *`)); `NPY_UNUSED(x)` counts as `x`.
pub fn split_param(decl: &str) -> (Option<String>, String) {
    let mut d = decl.to_string();
    while let Some(i) = d.find("NPY_UNUSED(") {
        let open = i + "NPY_UNUSED".len();
        let Some(close) = matching_close(&d, open) else { break };
        d = format!("{}{}{}", &d[..i], &d[open + 1..close], &d[close + 1..]);
    }
    let name = param_name(&d);
    let toks = tokenize(&d);
    let mut ty = String::new();
    let mut dropped = false;
    // drop the last occurrence of the name token
    let idx = name.as_ref().and_then(|n| toks.iter().rposition(|t| *t == Tok::Ident(n.clone())));
    for (i, t) in toks.iter().enumerate() {
        if Some(i) == idx && !dropped {
            dropped = true;
            continue;
        }
        match t {
            Tok::Ident(x) | Tok::Punct(x) => {
                ty.push(' ');
                ty.push_str(x);
            }
        }
    }
    (name, normalize_type(&ty))
}

/// Finds the parameter list of `name` in header `src` near 1-based `line`; returns one
/// declaration text per parameter (`void` and `...` dropped).
pub fn find_param_decls(src: &str, name: &str, line: usize) -> Option<Vec<String>> {
    let lines: Vec<&str> = src.lines().collect();
    // Try the reported line first, then a few before it (gcc reports the line of the
    // declarator; `PyAPI_FUNC(...)` may sit on the line above).
    for start in [line, line.saturating_sub(1), line.saturating_sub(2), line.saturating_sub(3)] {
        if start == 0 || start > lines.len() {
            continue;
        }
        let chunk = lines[start - 1..lines.len().min(start - 1 + 60)].join("\n");
        let chunk = strip_comments(&chunk);
        let Some(pos) = find_word_call(&chunk, name) else { continue };
        let open = pos + chunk[pos..].find('(')?;
        let close = matching_close(&chunk, open)?;
        let inner = &chunk[open + 1..close];
        let mut out = Vec::new();
        for p in split_top(inner) {
            let n = normalize_type(&p);
            if n == "..." || n == "void" || n.is_empty() {
                continue;
            }
            out.push(p.split_whitespace().collect::<Vec<_>>().join(" "));
        }
        return Some(out);
    }
    None
}

/// Position of `name` as a whole word followed (after spaces) by `(`.
fn find_word_call(text: &str, name: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = text[from..].find(name) {
        let at = from + i;
        let before_ok = at == 0 || {
            let c = text[..at].chars().last().unwrap();
            !(c == '_' || c.is_ascii_alphanumeric())
        };
        let after = text[at + name.len()..].trim_start();
        if before_ok && after.starts_with('(') {
            return Some(at);
        }
        from = at + name.len();
    }
    None
}

/// Parameter names for a prototype: from the header where it can be matched parameter
/// for parameter; for a parameter the header leaves unnamed, the name the C-API manual
/// uses (`refcounts.dat`, when it lists the same number of parameters); else `argN`
/// (by position).
pub fn param_names(decls: Option<&[String]>, doc: Option<&[String]>, count: usize) -> Vec<String> {
    let mut names: Vec<String> = (0..count).map(|i| format!("arg{i}")).collect();
    let header: Vec<Option<String>> = match decls {
        Some(d) if d.len() == count => d.iter().map(|p| param_name(p)).collect(),
        _ => vec![None; count],
    };
    let doc = doc.filter(|d| d.len() == count);
    for i in 0..count {
        if let Some(n) = &header[i] {
            names[i] = n.clone();
        } else if let Some(n) = doc.map(|d| &d[i])
            && !header.iter().flatten().any(|h| h == n)
            && is_c_ident(n)
        {
            names[i] = n.clone();
        }
    }
    // Two parameters must not share a name.
    let mut seen = std::collections::HashSet::new();
    for (i, n) in names.iter_mut().enumerate() {
        if !seen.insert(n.clone()) {
            *n = format!("arg{i}");
            seen.insert(n.clone());
        }
    }
    names
}

fn is_c_ident(s: &str) -> bool {
    let mut c = s.chars();
    matches!(c.next(), Some(x) if x == '_' || x.is_ascii_alphabetic())
        && c.all(|x| x == '_' || x.is_ascii_alphanumeric())
}

// ---------------------------------------------------------------------------------------
// Data

/// Parses every `PyAPI_DATA(T) declarator;` in one header's source.
pub fn parse_data_decls(src: &str, header: &str) -> Vec<DataDecl> {
    let src = strip_comments(src);
    let mut out = Vec::new();
    for (i, _) in src.match_indices("PyAPI_DATA(") {
        // skip `#define PyAPI_DATA(RTYPE) ...` and the documentation comment
        let line_start = src[..i].rfind('\n').map(|x| x + 1).unwrap_or(0);
        if src[line_start..i].trim_start().starts_with('#') {
            continue;
        }
        let open = i + "PyAPI_DATA".len();
        let Some(close) = matching_close(&src, open) else { continue };
        let ty = &src[open + 1..close];
        let Some(semi) = src[close..].find(';') else { continue };
        let decl = src[close + 1..close + semi].trim();
        if let Some(d) = parse_data_declarator(ty, decl, header) {
            out.push(d);
        }
    }
    out
}

fn parse_data_declarator(ty: &str, decl: &str, header: &str) -> Option<DataDecl> {
    let toks = tokenize(decl);
    let name = toks.iter().find_map(|t| match t {
        Tok::Ident(n) if !TYPE_WORDS.contains(&n.as_str()) => Some(n.clone()),
        _ => None,
    })?;
    let npos = decl.find(&name)?;
    let before = &decl[..npos];
    let after = decl[npos + name.len()..].trim();
    if before.trim().is_empty() {
        if after.is_empty() {
            return Some(DataDecl { name, header: header.into(), ctype: normalize_type(ty), array: None });
        }
        if let Some(a) = after.strip_prefix('[') {
            let n = a.trim_end_matches(']').trim().to_string();
            return Some(DataDecl { name, header: header.into(), ctype: normalize_type(ty), array: Some(n) });
        }
        // `PyAPI_DATA(T) f(args)`: a function declared with the wrong macro.
        return None;
    }
    // A pointer declarator: `*name`, `(*name)(args)`, `*(*name)(args)`.
    let abstract_decl = format!("{} {}{}", ty, before, after);
    Some(DataDecl { name, header: header.into(), ctype: normalize_type(&abstract_decl), array: None })
}

/// Merges declarations, keeping the first one seen for a name unless a later one comes
/// from a public header and the first from an internal one.
pub fn prefer_public<T: Clone>(map: &mut BTreeMap<String, T>, name: &str, item: T, header_of: impl Fn(&T) -> &str) {
    match map.get(name) {
        None => {
            map.insert(name.to_string(), item);
        }
        Some(old) => {
            if header_of(old).starts_with("internal/") && !header_of(&item).starts_with("internal/") {
                map.insert(name.to_string(), item);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_types() {
        assert_eq!(normalize_type("PyObject*"), "PyObject *");
        assert_eq!(normalize_type("PyObject  * *"), "PyObject **");
        assert_eq!(normalize_type("const char * const *"), "const char *const *");
        assert_eq!(normalize_type("int (*)(PyObject *,void*)"), "int (*)(PyObject *, void *)");
        assert_eq!(normalize_type("char *[]"), "char *[]");
        assert_eq!(normalize_type("long unsigned int"), "unsigned long");
        assert_eq!(normalize_type("const long long unsigned int *"), "const unsigned long long *");
        assert_eq!(normalize_type("short int"), "short");
        assert_eq!(normalize_type("signed char"), "signed char");
        assert_eq!(normalize_type("unsigned"), "unsigned int");
        assert_eq!(
            normalize_type("char *(*)(FILE *, FILE *, const char *)"),
            "char *(*)(FILE *, FILE *, const char *)"
        );
    }

    #[test]
    fn aux_line() {
        let l = "/* /inc/python3.11/object.h:292:NC */ extern PyObject *PyObject_GetAttr (PyObject *, PyObject *);";
        let (path, line, p) = parse_aux_line(l).unwrap();
        assert_eq!(path, "/inc/python3.11/object.h");
        assert_eq!(line, 292);
        assert_eq!(p.name, "PyObject_GetAttr");
        assert_eq!(p.returns, "PyObject *");
        assert_eq!(p.param_types, vec!["PyObject *", "PyObject *"]);
        assert!(!p.variadic);
        let v = parse_prototype("extern int PyArg_ParseTuple (PyObject *, const char *, ...);").unwrap();
        assert!(v.variadic);
        assert_eq!(v.param_types.len(), 2);
        let n = parse_prototype("extern int Py_IsInitialized (void);").unwrap();
        assert!(n.param_types.is_empty());
        let f =
            parse_prototype("extern int PyObject_Visit (PyObject *, int (*)(PyObject *, void *), void *);").unwrap();
        assert_eq!(f.param_types[1], "int (*)(PyObject *, void *)");
        let c = parse_prototype("extern int f (const char *const *);").unwrap();
        assert_eq!(c.param_types, vec!["const char *const *"]);
        assert!(parse_aux_line("/* x.h:1:NF */ static int g (int a) { }").is_none());
    }

    #[test]
    fn header_names_multiline_and_unnamed() {
        let src = "\
/* comment */
PyAPI_FUNC(PyObject *) PyThing_Make(
    PyObject *self,      /* the owner */
    const char *const *kwlist,
    int (*visit)(PyObject *, void *),
    Py_ssize_t,
    struct _frame *,
    char *argv[],
    ...) Py_GCC_ATTRIBUTE((format(printf, 2, 3)));
Py_DEPRECATED(3.10) PyAPI_FUNC(int) PyOld(void);
";
        let d = find_param_decls(src, "PyThing_Make", 2).unwrap();
        assert_eq!(d.len(), 6);
        let names = param_names(Some(&d), None, 6);
        assert_eq!(names, vec!["self", "kwlist", "visit", "arg3", "arg4", "argv"]);
        // unnamed in the header: the manual's name, unless it collides
        let doc: Vec<String> = ["o", "kw", "v", "n", "self", "x"].iter().map(|s| s.to_string()).collect();
        let names = param_names(Some(&d), Some(&doc), 6);
        assert_eq!(names, vec!["self", "kwlist", "visit", "n", "arg4", "argv"]);
        let d = find_param_decls(src, "PyOld", 10).unwrap();
        assert!(d.is_empty());
        // count mismatch → all argN
        assert_eq!(param_names(Some(&d), None, 2), vec!["arg0", "arg1"]);
        assert_eq!(param_name("unsigned long"), None);
        assert_eq!(param_name("PyObject *"), None);
        assert_eq!(param_name("Py_ssize_t n"), Some("n".into()));
        assert_eq!(param_name("int (*)(void)"), None);
    }

    #[test]
    fn split_params() {
        assert_eq!(split_param("npy_intp const *dims"), (Some("dims".into()), "npy_intp const *".into()));
        assert_eq!(split_param("PyObject *"), (None, "PyObject *".into()));
        assert_eq!(split_param("NPY_DATETIMEUNIT NPY_UNUSED(fr)"), (Some("fr".into()), "NPY_DATETIMEUNIT".into()));
        assert_eq!(
            split_param("npy_string_allocator *allocators[]"),
            (Some("allocators".into()), "npy_string_allocator *[]".into())
        );
        assert_eq!(split_param("int (*cmp)(void *, void *)"), (Some("cmp".into()), "int (*)(void *, void *)".into()));
    }

    #[test]
    fn data_decls() {
        let src = "\
#define PyAPI_DATA(RTYPE) extern RTYPE
PyAPI_DATA(PyTypeObject) PyLong_Type;
PyAPI_DATA(PyObject *) PyExc_TypeError;
PyAPI_DATA(int) (*PyOS_InputHook)(void);
PyAPI_DATA(char) *(*PyOS_ReadlineFunctionPointer)(FILE *, FILE *, const char *);
PyAPI_DATA(const unsigned int) _Py_ctype_table[256];
PyAPI_DATA(const char * const) _PyParser_TokenNames[]; /* Token names */
PyAPI_DATA(PyObject *) _PyImport_GetModuleAttr(PyObject *, PyObject *);
";
        let d = parse_data_decls(src, "x.h");
        let got: Vec<(&str, &str, Option<&str>)> =
            d.iter().map(|d| (d.name.as_str(), d.ctype.as_str(), d.array.as_deref())).collect();
        assert_eq!(
            got,
            vec![
                ("PyLong_Type", "PyTypeObject", None),
                ("PyExc_TypeError", "PyObject *", None),
                ("PyOS_InputHook", "int (*)(void)", None),
                ("PyOS_ReadlineFunctionPointer", "char *(*)(FILE *, FILE *, const char *)", None),
                ("_Py_ctype_table", "const unsigned int", Some("256")),
                ("_PyParser_TokenNames", "const char *const", Some("")),
            ]
        );
    }
}
