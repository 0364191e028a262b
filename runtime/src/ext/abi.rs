//! File-name rules for extension modules: which suffixes CPython tries, what the ABI tag
//! in a file name says, and whether DX-Py can load a module built for that tag.
//!
//! CPython's rules (checked against `Python/dynload_shlib.c`, `Python/dynload_win.c`,
//! `Include/internal/pycore_importdl.h` and `configure.ac`):
//! - POSIX: `"." SOABI ".so"`, `".abi3.so"`, `".so"`, where SOABI is
//!   `cpython-<major><minor><abiflags>-<platform triplet>` (`cpython-311-x86_64-linux-gnu`,
//!   `cpython-311-darwin`); abiflags are `d` for debug builds, `t` for free-threaded
//!   builds (3.13+), and before 3.8 also `m` (pymalloc) and `u` (wide unicode).
//! - Windows: `[_d].cp<major><minor>[t]-<platform>.pyd`, `[_d].pyd`; the `_d` of a debug
//!   build sits before the tag, so it reads as part of the module name.

use std::fmt;

/// A platform for which CPython's extension suffixes are known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Platform {
    LinuxX86_64,
    LinuxAarch64,
    LinuxI686,
    MacOs,
    Windows,
    WindowsArm64,
}

impl Platform {
    /// The platform part of SOABI (POSIX) or of the `.pyd` tag (Windows).
    pub fn tag(self) -> &'static str {
        match self {
            Platform::LinuxX86_64 => "x86_64-linux-gnu",
            Platform::LinuxAarch64 => "aarch64-linux-gnu",
            Platform::LinuxI686 => "i386-linux-gnu",
            Platform::MacOs => "darwin",
            Platform::Windows => "win_amd64",
            Platform::WindowsArm64 => "win_arm64",
        }
    }

    pub fn is_windows(self) -> bool {
        matches!(self, Platform::Windows | Platform::WindowsArm64)
    }
}

/// `importlib.machinery.EXTENSION_SUFFIXES` of a default (release, GIL) CPython build for
/// `platform` and version `py`, in the order the import system tries them.
pub fn extension_suffixes(platform: Platform, py: (u8, u8)) -> Vec<String> {
    let (major, minor) = py;
    if platform.is_windows() {
        vec![format!(".cp{major}{minor}-{}.pyd", platform.tag()), ".pyd".to_owned()]
    } else {
        vec![format!(".cpython-{major}{minor}-{}.so", platform.tag()), format!(".abi{major}.so"), ".so".to_owned()]
    }
}

/// The file extension of an extension module.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileKind {
    /// `.so` (Linux, macOS and the other POSIX systems).
    So,
    /// `.pyd` (Windows).
    Pyd,
}

impl FileKind {
    pub fn extension(self) -> &'static str {
        match self {
            FileKind::So => "so",
            FileKind::Pyd => "pyd",
        }
    }
}

/// The ABI tag of an extension module's file name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Tag {
    /// `cpython-311-x86_64-linux-gnu`, `cpython-313td-...`, `cp311-win_amd64`, `cpython-311`.
    CPython { major: u8, minor: u8, debug: bool, free_threaded: bool, platform: Option<String> },
    /// The stable ABI: `foo.abi3.so`.
    Abi3,
    /// No tag: `foo.so`, `foo.pyd`.
    Untagged,
    /// A tag that is not CPython's: PyPy (`pypy39-pp73-x86_64-linux-gnu`), GraalPy
    /// (`graalpy311-graalpy240-...`), or anything else unrecognised. Holds the tag as written.
    OtherImplementation(String),
}

impl Tag {
    /// The tag as it appears in a file name. CPython tags are rendered the POSIX way
    /// (`cpython-311d-...`) unless the platform is a Windows one (`cp311-win_amd64`).
    pub fn text(&self) -> String {
        match self {
            Tag::CPython { platform: Some(p), .. } if p.starts_with("win") => self.render(FileKind::Pyd),
            _ => self.render(FileKind::So),
        }
    }

    fn render(&self, kind: FileKind) -> String {
        match self {
            Tag::CPython { major, minor, debug, free_threaded, platform } => {
                let mut s = match kind {
                    FileKind::So => format!("cpython-{major}{minor}"),
                    FileKind::Pyd => format!("cp{major}{minor}"),
                };
                if *free_threaded {
                    s.push('t');
                }
                // On Windows the debug marker is `_d` after the module name, not an abiflag.
                if *debug && kind == FileKind::So {
                    s.push('d');
                }
                if let Some(p) = platform {
                    s.push('-');
                    s.push_str(p);
                }
                s
            }
            Tag::Abi3 => "abi3".to_owned(),
            Tag::Untagged => String::new(),
            Tag::OtherImplementation(s) => s.clone(),
        }
    }

    /// What the tag means, for error messages: "CPython 3.12 (cpython-312-x86_64-linux-gnu)".
    pub fn describe(&self) -> String {
        match self {
            Tag::CPython { major, minor, debug, free_threaded, platform } => {
                let mut s = String::new();
                if *debug {
                    s.push_str("a debug build of ");
                }
                if *free_threaded {
                    s.push_str("free-threaded ");
                }
                s.push_str(&format!("CPython {major}.{minor}"));
                match platform.as_deref() {
                    Some(SUPPORTED_PLATFORM) => {}
                    Some(p) => s.push_str(&format!(" on {p}")),
                    None => s.push_str(" with no platform tag"),
                }
                format!("{s} ({})", self.text())
            }
            Tag::Abi3 => "the stable ABI (abi3)".to_owned(),
            Tag::Untagged => "an untagged extension".to_owned(),
            Tag::OtherImplementation(s) => {
                let lower = s.to_ascii_lowercase();
                let who = if lower.starts_with("pypy") {
                    "PyPy"
                } else if lower.starts_with("graalpy") {
                    "GraalPy"
                } else {
                    "an unrecognised ABI tag"
                };
                format!("{who} ({s})")
            }
        }
    }
}

/// An extension module's file name, split into the module it defines and its ABI tag.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ExtName {
    pub module: String,
    pub tag: Tag,
    pub kind: FileKind,
}

impl ExtName {
    /// The file name CPython would look for; `parse_file_name` inverts it.
    pub fn file_name(&self) -> String {
        let ext = self.kind.extension();
        match &self.tag {
            Tag::Untagged => format!("{}.{ext}", self.module),
            Tag::CPython { debug: true, .. } if self.kind == FileKind::Pyd => {
                format!("{}_d.{}.{ext}", self.module, self.tag.render(self.kind))
            }
            tag => format!("{}.{}.{ext}", self.module, tag.render(self.kind)),
        }
    }
}

/// Splits an extension module's file name (no directory) into module name and tag.
///
/// Returns `None` if the name does not end in `.so` or `.pyd`, or if what precedes the
/// first dot is not a module name. A tag that is neither CPython's, `abi3` nor empty is
/// kept as [`Tag::OtherImplementation`]. Lossy in one place: the pre-3.8 abiflags `m`
/// and `u` are accepted but not recorded.
pub fn parse_file_name(file_name: &str) -> Option<ExtName> {
    let (stem, kind) = if let Some(stem) = file_name.strip_suffix(".so") {
        (stem, FileKind::So)
    } else if let Some(stem) = file_name.strip_suffix(".pyd") {
        (stem, FileKind::Pyd)
    } else {
        return None;
    };
    let (module, tag_text) = match stem.split_once('.') {
        Some((module, tag)) => (module, Some(tag)),
        None => (stem, None),
    };
    if !is_module_name(module) {
        return None;
    }
    let mut tag = match tag_text {
        None => Tag::Untagged,
        Some("") => return None,
        Some("abi3") => Tag::Abi3,
        Some(text) => parse_cpython_tag(text).unwrap_or_else(|| Tag::OtherImplementation(text.to_owned())),
    };
    let mut module = module;
    if kind == FileKind::Pyd
        && let Tag::CPython { debug, .. } = &mut tag
        && let Some(base) = module.strip_suffix("_d")
        && is_module_name(base)
    {
        *debug = true;
        module = base;
    }
    Some(ExtName { module: module.to_owned(), tag, kind })
}

/// Module names are Python identifiers; non-ASCII ones are allowed (PEP 489, `PyInitU_`).
fn is_module_name(s: &str) -> bool {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) if c == '_' || c.is_alphabetic() => chars.all(|c| c == '_' || c.is_alphanumeric()),
        _ => false,
    }
}

/// `cpython-<M><m><flags>[-<platform>]` or Windows' `cp<M><m><flags>[-<platform>]`.
fn parse_cpython_tag(text: &str) -> Option<Tag> {
    let rest = text.strip_prefix("cpython-").or_else(|| text.strip_prefix("cp"))?;
    let digits_end = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
    let digits = &rest[..digits_end];
    if digits.len() < 2 {
        return None;
    }
    let major: u8 = digits[..1].parse().ok()?;
    let minor_digits = &digits[1..];
    // A leading zero would not survive rendering, and CPython never writes one.
    if minor_digits.len() > 1 && minor_digits.starts_with('0') {
        return None;
    }
    let minor: u8 = minor_digits.parse().ok()?;
    let after = &rest[digits_end..];
    let (flags, platform) = match after.split_once('-') {
        Some((_, "")) => return None,
        Some((flags, platform)) => (flags, Some(platform.to_owned())),
        None => (after, None),
    };
    if !flags.chars().all(|c| matches!(c, 'd' | 't' | 'm' | 'u')) {
        return None;
    }
    Some(Tag::CPython { major, minor, debug: flags.contains('d'), free_threaded: flags.contains('t'), platform })
}

const SUPPORTED_PLATFORM: &str = "x86_64-linux-gnu";

/// What DX-Py loads, for error messages.
pub const SUPPORTED: &str = "CPython 3.11 extensions (cpython-311-x86_64-linux-gnu) and the stable ABI (abi3)";

/// An extension module built for an ABI DX-Py does not implement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AbiMismatch {
    /// What the module was built for, described: "CPython 3.12 (cpython-312-x86_64-linux-gnu)".
    pub found: String,
    pub supported: &'static str,
}

impl fmt::Display for AbiMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "built for {}; DX-Py loads {}", self.found, self.supported)
    }
}

impl std::error::Error for AbiMismatch {}

/// Whether DX-Py can load a module with this tag: release, GIL-enabled CPython 3.11 for
/// x86-64 Linux, the stable ABI, or untagged (which CPython itself takes on trust).
pub fn check_tag(tag: &Tag) -> Result<(), AbiMismatch> {
    match tag {
        Tag::Abi3 | Tag::Untagged => Ok(()),
        Tag::CPython { major: 3, minor: 11, debug: false, free_threaded: false, platform: Some(p) }
            if p == SUPPORTED_PLATFORM =>
        {
            Ok(())
        }
        _ => Err(AbiMismatch { found: tag.describe(), supported: SUPPORTED }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn cpython(major: u8, minor: u8, debug: bool, free_threaded: bool, platform: Option<&str>) -> Tag {
        Tag::CPython { major, minor, debug, free_threaded, platform: platform.map(str::to_owned) }
    }

    fn parsed(name: &str) -> (String, Tag, FileKind) {
        let ext = parse_file_name(name).unwrap_or_else(|| panic!("{name} should parse"));
        (ext.module, ext.tag, ext.kind)
    }

    #[test]
    fn suffixes_linux_x86_64_311() {
        assert_eq!(
            extension_suffixes(Platform::LinuxX86_64, (3, 11)),
            [".cpython-311-x86_64-linux-gnu.so", ".abi3.so", ".so"]
        );
    }

    #[test]
    fn suffixes_other_platforms() {
        assert_eq!(extension_suffixes(Platform::MacOs, (3, 11)), [".cpython-311-darwin.so", ".abi3.so", ".so"]);
        assert_eq!(extension_suffixes(Platform::Windows, (3, 11)), [".cp311-win_amd64.pyd", ".pyd"]);
        assert_eq!(
            extension_suffixes(Platform::LinuxAarch64, (3, 12)),
            [".cpython-312-aarch64-linux-gnu.so", ".abi3.so", ".so"]
        );
    }

    #[test]
    fn parses_cpython_311_linux() {
        assert_eq!(
            parsed("foo.cpython-311-x86_64-linux-gnu.so"),
            ("foo".into(), cpython(3, 11, false, false, Some("x86_64-linux-gnu")), FileKind::So)
        );
    }

    #[test]
    fn parses_other_versions_and_single_digit_minor() {
        assert_eq!(parsed("_speedups.cpython-39-darwin.so").1, cpython(3, 9, false, false, Some("darwin")));
        assert_eq!(
            parsed("m.cpython-312-x86_64-linux-gnu.so").1,
            cpython(3, 12, false, false, Some("x86_64-linux-gnu"))
        );
    }

    #[test]
    fn parses_debug_and_free_threaded_flags() {
        assert_eq!(
            parsed("m.cpython-311d-x86_64-linux-gnu.so").1,
            cpython(3, 11, true, false, Some("x86_64-linux-gnu"))
        );
        assert_eq!(
            parsed("m.cpython-313t-x86_64-linux-gnu.so").1,
            cpython(3, 13, false, true, Some("x86_64-linux-gnu"))
        );
        assert_eq!(
            parsed("m.cpython-313td-x86_64-linux-gnu.so").1,
            cpython(3, 13, true, true, Some("x86_64-linux-gnu"))
        );
        // Pre-3.8 pymalloc flag: accepted, not recorded.
        assert_eq!(
            parsed("m.cpython-37m-x86_64-linux-gnu.so").1,
            cpython(3, 7, false, false, Some("x86_64-linux-gnu"))
        );
    }

    #[test]
    fn parses_tag_without_platform() {
        assert_eq!(parsed("m.cpython-34m.so").1, cpython(3, 4, false, false, None));
    }

    #[test]
    fn parses_abi3_and_untagged() {
        assert_eq!(parsed("_cffi_backend.abi3.so"), ("_cffi_backend".into(), Tag::Abi3, FileKind::So));
        assert_eq!(parsed("foo.so"), ("foo".into(), Tag::Untagged, FileKind::So));
        assert_eq!(parsed("foo.pyd"), ("foo".into(), Tag::Untagged, FileKind::Pyd));
    }

    #[test]
    fn parses_windows_tags() {
        assert_eq!(
            parsed("foo.cp311-win_amd64.pyd"),
            ("foo".into(), cpython(3, 11, false, false, Some("win_amd64")), FileKind::Pyd)
        );
        assert_eq!(
            parsed("foo_d.cp311-win_amd64.pyd"),
            ("foo".into(), cpython(3, 11, true, false, Some("win_amd64")), FileKind::Pyd)
        );
        assert_eq!(parsed("foo.cp313t-win_arm64.pyd").1, cpython(3, 13, false, true, Some("win_arm64")));
        // Untagged `_d.pyd` is ambiguous with a module named `foo_d`; CPython's release
        // build would import it as `foo_d`.
        assert_eq!(parsed("foo_d.pyd").0, "foo_d");
    }

    #[test]
    fn parses_other_implementations() {
        assert_eq!(
            parsed("foo.pypy39-pp73-x86_64-linux-gnu.so").1,
            Tag::OtherImplementation("pypy39-pp73-x86_64-linux-gnu".into())
        );
        assert_eq!(
            parsed("foo.graalpy311-graalpy240-310-native-x86_64-linux.so").1,
            Tag::OtherImplementation("graalpy311-graalpy240-310-native-x86_64-linux".into())
        );
        assert_eq!(parsed("foo.pypy39-pp73-win_amd64.pyd").1, Tag::OtherImplementation("pypy39-pp73-win_amd64".into()));
    }

    #[test]
    fn rejects_non_extensions() {
        for name in ["foo.py", "foo.so.1", "libfoo.so.1.0", ".so", "1foo.so", "foo..so", "foo.dylib", "a-b.so", ""] {
            assert_eq!(parse_file_name(name), None, "{name}");
        }
    }

    #[test]
    fn unicode_module_name() {
        assert_eq!(parsed("tést.cpython-311-x86_64-linux-gnu.so").0, "tést");
    }

    #[test]
    fn check_accepts_supported_tags() {
        for name in ["foo.cpython-311-x86_64-linux-gnu.so", "foo.abi3.so", "foo.so"] {
            assert_eq!(check_tag(&parsed(name).1), Ok(()), "{name}");
        }
    }

    #[test]
    fn check_rejects_other_version_with_message() {
        let err = check_tag(&parsed("foo.cpython-312-x86_64-linux-gnu.so").1).unwrap_err();
        assert_eq!(err.found, "CPython 3.12 (cpython-312-x86_64-linux-gnu)");
        assert_eq!(
            err.to_string(),
            "built for CPython 3.12 (cpython-312-x86_64-linux-gnu); DX-Py loads CPython 3.11 extensions \
             (cpython-311-x86_64-linux-gnu) and the stable ABI (abi3)"
        );
    }

    #[test]
    fn check_rejects_debug_free_threaded_platform_and_others() {
        let cases = [
            ("foo.cpython-311d-x86_64-linux-gnu.so", "a debug build of CPython 3.11 (cpython-311d-x86_64-linux-gnu)"),
            ("foo.cpython-313t-x86_64-linux-gnu.so", "free-threaded CPython 3.13 (cpython-313t-x86_64-linux-gnu)"),
            (
                "foo.cpython-311-aarch64-linux-gnu.so",
                "CPython 3.11 on aarch64-linux-gnu (cpython-311-aarch64-linux-gnu)",
            ),
            ("foo.cpython-311-darwin.so", "CPython 3.11 on darwin (cpython-311-darwin)"),
            ("foo.cp311-win_amd64.pyd", "CPython 3.11 on win_amd64 (cp311-win_amd64)"),
            ("foo.cpython-311.so", "CPython 3.11 with no platform tag (cpython-311)"),
            ("foo.pypy39-pp73-x86_64-linux-gnu.so", "PyPy (pypy39-pp73-x86_64-linux-gnu)"),
            (
                "foo.graalpy311-graalpy240-310-native-x86_64-linux.so",
                "GraalPy (graalpy311-graalpy240-310-native-x86_64-linux)",
            ),
            ("foo.weird.so", "an unrecognised ABI tag (weird)"),
        ];
        for (name, found) in cases {
            let err = check_tag(&parsed(name).1).unwrap_err();
            assert_eq!(err.found, found, "{name}");
            assert_eq!(err.supported, SUPPORTED);
        }
    }

    #[test]
    fn file_name_renders_windows_debug() {
        let ext =
            ExtName { module: "foo".into(), tag: cpython(3, 11, true, false, Some("win_amd64")), kind: FileKind::Pyd };
        assert_eq!(ext.file_name(), "foo_d.cp311-win_amd64.pyd");
    }

    fn arb_tag() -> impl Strategy<Value = Tag> {
        let platform = proptest::option::of("[a-z0-9_]{1,10}(-[a-z0-9_]{1,10}){0,3}");
        prop_oneof![
            (2u8..=9, any::<u8>(), any::<bool>(), any::<bool>(), platform).prop_map(
                |(major, minor, debug, free_threaded, platform)| Tag::CPython {
                    major,
                    minor,
                    debug,
                    free_threaded,
                    platform
                }
            ),
            Just(Tag::Abi3),
            Just(Tag::Untagged),
            "pypy3[0-9]{1,2}-pp7[0-9]-[a-z0-9_]{1,10}(-[a-z0-9_]{1,10}){0,2}".prop_map(Tag::OtherImplementation),
            "graalpy3[0-9]{1,2}-graalpy[0-9]{3}-[a-z0-9_]{1,10}(-[a-z0-9_]{1,10}){0,2}"
                .prop_map(Tag::OtherImplementation),
        ]
    }

    proptest! {
        #[test]
        fn parse_inverts_file_name(
            module in "[A-Za-z_][A-Za-z0-9_]{0,20}",
            tag in arb_tag(),
            pyd in any::<bool>(),
        ) {
            let kind = if pyd { FileKind::Pyd } else { FileKind::So };
            // `foo_d.cp311-....pyd` means a debug build of `foo`, so a release-build module
            // whose name ends in `_d` cannot be told apart; CPython has the same ambiguity.
            prop_assume!(!(kind == FileKind::Pyd && matches!(tag, Tag::CPython { .. }) && module.ends_with("_d")));
            let ext = ExtName { module, tag, kind };
            prop_assert_eq!(parse_file_name(&ext.file_name()), Some(ext));
        }

        #[test]
        fn every_suffix_parses_back(minor in 0u8..=20, p in 0usize..6) {
            let platforms = [
                Platform::LinuxX86_64,
                Platform::LinuxAarch64,
                Platform::LinuxI686,
                Platform::MacOs,
                Platform::Windows,
                Platform::WindowsArm64,
            ];
            for suffix in extension_suffixes(platforms[p], (3, minor)) {
                let name = format!("mod{suffix}");
                let ext = parse_file_name(&name);
                prop_assert!(ext.is_some(), "{}", name);
                let ext = ext.unwrap();
                prop_assert_eq!(&ext.module, "mod");
                if let Tag::CPython { minor: m, platform, .. } = &ext.tag {
                    prop_assert_eq!(*m, minor);
                    prop_assert_eq!(platform.as_deref(), Some(platforms[p].tag()));
                }
            }
        }

        #[test]
        fn parse_never_panics(name in "\\PC{0,40}") {
            let _ = parse_file_name(&name);
        }
    }
}
