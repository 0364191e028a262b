//! Reading an extension module's ELF file without loading it: its class and machine,
//! the `PyInit_*` functions it exports, the C-API symbols it imports, and whether it is
//! linked against a particular `libpython`.
//!
//! `dlopen` of a module built for another machine fails with a terse loader message, and
//! one linked against `libpython3.12` may load and then crash; reading the file first lets
//! DX-Py refuse it and say why. The reader must survive any bytes, since it runs on
//! whatever a user's `sys.path` holds.

use std::collections::BTreeSet;
use std::fmt;
use std::path::Path;

use object::elf;
use object::read::elf::{Dyn, ElfFile, FileHeader, SectionHeader, Sym};
use object::{Endianness, FileKind};

use super::abi;

/// What `inspect` found in an ELF shared object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ElfInfo {
    /// ELFCLASS64 (as opposed to ELFCLASS32).
    pub class64: bool,
    /// "x86-64", "aarch64", "i386", ..., or "machine N" for one without a name here.
    pub machine: String,
    /// Exported `PyInit_*` and `PyInitU_*` symbols (the module init functions).
    pub init_functions: Vec<String>,
    /// Undefined `Py*` and `_Py*` dynamic symbols: the C-API the module needs.
    pub imports: BTreeSet<String>,
    /// The first `DT_NEEDED` entry naming a `libpython`, such as `libpython3.12.so.1.0`.
    pub needs_libpython: Option<String>,
}

/// Why a file cannot be read as, or is not, an extension DX-Py can load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ElfError {
    /// The file does not start with the ELF magic; holds its first bytes (up to 8).
    NotElf {
        first_bytes: Vec<u8>,
    },
    /// The file ends before the header, section table or a section it declares.
    Truncated {
        len: u64,
    },
    /// A 32-bit ELF file.
    WrongClass,
    /// Built for another machine; holds its name as in [`ElfInfo::machine`].
    WrongMachine {
        found: String,
    },
    /// Linked against a `libpython` other than 3.11's: the `DT_NEEDED` entry, and the ABI
    /// tag of the file name when that tag claims a loadable ABI (the message then says the
    /// name is wrong).
    WrongLibpython {
        found: String,
        name_tag: Option<String>,
    },
    /// Starts like ELF but its structures are inconsistent.
    Malformed(String),
    Io(String),
}

const ELF_MAGIC: [u8; 4] = [0x7f, b'E', b'L', b'F'];
/// Offsets of the class and data-encoding bytes in `e_ident`.
const EI_CLASS: usize = 4;
const EI_DATA: usize = 5;
/// The machine DX-Py's exported C-API runs on.
pub const EXPECTED_MACHINE: &str = "x86-64";

impl fmt::Display for ElfError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ElfError::NotElf { first_bytes } if first_bytes.is_empty() => {
                write!(f, "not an ELF file (it is empty; an ELF file starts with bytes 7f 45 4c 46)")
            }
            ElfError::NotElf { first_bytes } => {
                let hex: Vec<String> = first_bytes.iter().map(|b| format!("{b:02x}")).collect();
                write!(f, "not an ELF file (starts with bytes {}; an ELF file starts with 7f 45 4c 46)", hex.join(" "))
            }
            ElfError::Truncated { len } => write!(f, "truncated ELF file ({len} bytes)"),
            ElfError::WrongClass => {
                write!(f, "built as a 32-bit ELF file; this DX-Py runs 64-bit {EXPECTED_MACHINE} extensions")
            }
            ElfError::WrongMachine { found } => {
                write!(f, "built for {found}; this DX-Py runs {EXPECTED_MACHINE} extensions")
            }
            ElfError::WrongLibpython { found, name_tag } => {
                write!(f, "linked against {found}")?;
                if let Some(tag) = name_tag {
                    write!(f, " although its file name says {tag}")?;
                }
                write!(
                    f,
                    "; this DX-Py runs extensions built for CPython 3.11 (libpython3.11 or none) \
                     and the stable ABI (libpython3.so)"
                )
            }
            ElfError::Malformed(what) => write!(f, "malformed ELF file ({what})"),
            ElfError::Io(what) => write!(f, "cannot read the file: {what}"),
        }
    }
}

impl std::error::Error for ElfError {}

/// Reads the ELF file at `path`. Accepts any class and machine; [`check`] judges them.
pub fn inspect(path: &Path) -> Result<ElfInfo, ElfError> {
    // The error does not name the path: callers prefix it to every error of this module.
    let data = std::fs::read(path).map_err(|e| ElfError::Io(e.to_string()))?;
    inspect_bytes(&data)
}

/// [`inspect`] on bytes already in memory.
pub fn inspect_bytes(data: &[u8]) -> Result<ElfInfo, ElfError> {
    let len = data.len() as u64;
    let truncated = ElfError::Truncated { len };
    if !data.starts_with(&ELF_MAGIC) {
        if !data.is_empty() && data.len() < ELF_MAGIC.len() && ELF_MAGIC.starts_with(data) {
            return Err(truncated);
        }
        return Err(ElfError::NotElf { first_bytes: data.iter().take(8).copied().collect() });
    }
    // Checked by hand before `object` so that a cut-off file is reported as such rather
    // than as whichever structure `object` happened to find out of bounds.
    check_extents(data)?;
    match FileKind::parse(data) {
        Ok(FileKind::Elf32) => read_info::<elf::FileHeader32<Endianness>>(data),
        Ok(FileKind::Elf64) => read_info::<elf::FileHeader64<Endianness>>(data),
        Ok(other) => Err(ElfError::Malformed(format!("recognised as {other:?}"))),
        Err(e) => Err(ElfError::Malformed(e.to_string())),
    }
}

/// Verifies that DX-Py can load an extension with this `info`: 64-bit x86-64, and not
/// linked against a `libpython` other than 3.11's (a module linked against libpython3.12
/// is built for 3.12 whatever its file name says). `path` is only read for its file name,
/// which the libpython message quotes when the name claims a loadable ABI. The error does
/// not repeat the path: callers prefix it, as they do for [`inspect`]'s errors.
pub fn check(path: &Path, info: &ElfInfo) -> Result<(), ElfError> {
    if !info.class64 {
        return Err(ElfError::WrongClass);
    }
    if info.machine != EXPECTED_MACHINE {
        return Err(ElfError::WrongMachine { found: info.machine.clone() });
    }
    if let Some(lib) = &info.needs_libpython
        && !is_supported_libpython(lib)
    {
        let name_tag = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(abi::parse_file_name)
            .filter(|ext| abi::check_tag(&ext.tag).is_ok() && ext.tag != abi::Tag::Untagged)
            .map(|ext| ext.tag.text());
        return Err(ElfError::WrongLibpython { found: lib.clone(), name_tag });
    }
    Ok(())
}

/// `libpython3.11.so[.N...]`, or `libpython3.so`, the stable-ABI forwarding library.
fn is_supported_libpython(soname: &str) -> bool {
    let versioned = |base: &str| soname == base || soname.strip_prefix(base).is_some_and(|rest| rest.starts_with('.'));
    versioned("libpython3.11.so") || versioned("libpython3.so")
}

fn machine_name(e_machine: u16) -> String {
    let name = match e_machine {
        elf::EM_X86_64 => "x86-64",
        elf::EM_AARCH64 => "aarch64",
        elf::EM_386 => "i386",
        elf::EM_ARM => "arm",
        elf::EM_PPC => "ppc",
        elf::EM_PPC64 => "ppc64",
        elf::EM_S390 => "s390x",
        elf::EM_RISCV => "riscv",
        elf::EM_LOONGARCH => "loongarch",
        elf::EM_MIPS => "mips",
        elf::EM_SPARCV9 => "sparc64",
        other => return format!("machine {other}"),
    };
    name.to_owned()
}

/// Whether the file is long enough for its header and the tables the header points at.
fn check_extents(data: &[u8]) -> Result<(), ElfError> {
    let len = data.len() as u64;
    let truncated = Err(ElfError::Truncated { len });
    let Some(&class) = data.get(EI_CLASS) else { return truncated };
    let Some(&encoding) = data.get(EI_DATA) else { return truncated };
    let is64 = match class {
        elf::ELFCLASS32 => false,
        elf::ELFCLASS64 => true,
        other => return Err(ElfError::Malformed(format!("unknown ELF class {other}"))),
    };
    let big = match encoding {
        elf::ELFDATA2LSB => false,
        elf::ELFDATA2MSB => true,
        other => return Err(ElfError::Malformed(format!("unknown ELF data encoding {other}"))),
    };
    let read = |offset: usize, size: usize| -> Option<u64> {
        let bytes = data.get(offset..offset + size)?;
        let mut value = 0u64;
        for i in 0..size {
            let b = if big { bytes[i] } else { bytes[size - 1 - i] };
            value = (value << 8) | u64::from(b);
        }
        Some(value)
    };
    // (e_phoff, e_shoff, e_phentsize, e_phnum, e_shentsize, e_shnum) offsets per class.
    let (header_size, fields) = if is64 {
        (64, [(32, 8), (40, 8), (54, 2), (56, 2), (58, 2), (60, 2)])
    } else {
        (52, [(28, 4), (32, 4), (42, 2), (44, 2), (46, 2), (48, 2)])
    };
    if len < header_size {
        return truncated;
    }
    let [phoff, shoff, phentsize, phnum, shentsize, shnum] = fields.map(|(o, s)| read(o, s).unwrap_or(0));
    let table_end = |offset: u64, entsize: u64, count: u64| {
        entsize.checked_mul(count).and_then(|size| offset.checked_add(size)).unwrap_or(u64::MAX)
    };
    if phoff != 0 && table_end(phoff, phentsize, phnum) > len {
        return truncated;
    }
    // e_shnum of 0 with a table present means the count is in section 0; it needs one entry.
    if shoff != 0 && table_end(shoff, shentsize, shnum.max(1)) > len {
        return truncated;
    }
    Ok(())
}

fn read_info<Elf: FileHeader<Endian = Endianness>>(data: &[u8]) -> Result<ElfInfo, ElfError> {
    let malformed = |e: object::read::Error| ElfError::Malformed(e.to_string());
    let file = ElfFile::<Elf, &[u8]>::parse(data).map_err(malformed)?;
    let endian = file.endian();
    let header = file.elf_header();
    let sections = file.elf_section_table();
    for section in sections.iter() {
        if section.sh_type(endian) == elf::SHT_NOBITS {
            continue;
        }
        let offset: u64 = section.sh_offset(endian).into();
        let size: u64 = section.sh_size(endian).into();
        if offset.checked_add(size).is_none_or(|end| end > data.len() as u64) {
            return Err(ElfError::Truncated { len: data.len() as u64 });
        }
    }

    let mut init_functions = Vec::new();
    let mut imports = BTreeSet::new();
    let symbols = file.elf_dynamic_symbol_table();
    for symbol in symbols.iter() {
        let Ok(name) = symbol.name(endian, symbols.strings()) else { continue };
        let Ok(name) = std::str::from_utf8(name) else { continue };
        if symbol.is_undefined(endian) {
            if name.starts_with("Py") || name.starts_with("_Py") {
                imports.insert(name.to_owned());
            }
        } else if matches!(symbol.st_bind(), elf::STB_GLOBAL | elf::STB_WEAK)
            && (name.starts_with("PyInit_") || name.starts_with("PyInitU_"))
        {
            init_functions.push(name.to_owned());
        }
    }
    init_functions.sort();
    init_functions.dedup();

    let mut needs_libpython = None;
    if let Some((entries, link)) = sections.dynamic(endian, data).map_err(malformed)? {
        let strings = sections.strings(endian, data, link).map_err(malformed)?;
        for entry in entries {
            let tag: u64 = entry.d_tag(endian).into();
            if tag == u64::from(elf::DT_NULL) {
                break;
            }
            if tag != u64::from(elf::DT_NEEDED) {
                continue;
            }
            let Ok(name) = entry.string(endian, strings) else { continue };
            let name = String::from_utf8_lossy(name);
            if name.starts_with("libpython") {
                needs_libpython = Some(name.into_owned());
                break;
            }
        }
    }

    Ok(ElfInfo {
        class64: header.is_class_64(),
        machine: machine_name(header.e_machine(endian)),
        init_functions,
        imports,
        needs_libpython,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::path::PathBuf;
    use std::process::Command;
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicU32, Ordering};

    /// A fresh directory, removed on drop: tests run in parallel, and other runs share /tmp.
    struct Scratch(PathBuf);

    impl Scratch {
        fn new(label: &str) -> Self {
            static COUNTER: AtomicU32 = AtomicU32::new(0);
            let n = COUNTER.fetch_add(1, Ordering::Relaxed);
            let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
            let dir = std::env::temp_dir().join(format!("dxpy-ext-elf-{label}-{}-{n}-{nanos}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            Scratch(dir)
        }

        /// Compiles `source` into `<label>.so` with `cc -shared -fPIC` plus `extra` flags.
        fn compile(&self, label: &str, source: &str, extra: &[&str]) -> PathBuf {
            let c = self.0.join(format!("{label}.c"));
            let so = self.0.join(format!("{label}.so"));
            std::fs::write(&c, source).unwrap();
            let out = Command::new("cc")
                .args(["-shared", "-fPIC", "-o"])
                .arg(&so)
                .arg(&c)
                .args(extra)
                .output()
                .expect("running cc");
            assert!(out.status.success(), "cc failed: {}", String::from_utf8_lossy(&out.stderr));
            so
        }

        fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
            let path = self.0.join(name);
            std::fs::write(&path, bytes).unwrap();
            path
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    const GOOD: &str = r#"
        typedef struct _object PyObject;
        extern PyObject *PyList_New(long size);
        extern void _Py_Dealloc(PyObject *);
        PyObject *PyInit_good(void) { PyObject *l = PyList_New(0); if (!l) _Py_Dealloc(l); return l; }
        static PyObject *not_exported(void) { return 0; }
        PyObject *helper(void) { return not_exported(); }
    "#;

    /// The bytes of the `good` module, compiled once for the tests that mangle it.
    fn good_bytes() -> &'static [u8] {
        static BYTES: OnceLock<Vec<u8>> = OnceLock::new();
        BYTES.get_or_init(|| {
            let dir = Scratch::new("good-bytes");
            std::fs::read(dir.compile("good", GOOD, &[])).unwrap()
        })
    }

    #[test]
    fn finds_init_function_and_imports() {
        let dir = Scratch::new("good");
        let so = dir.compile("good", GOOD, &[]);
        let info = inspect(&so).unwrap();
        assert!(info.class64);
        assert_eq!(info.machine, "x86-64");
        assert_eq!(info.init_functions, ["PyInit_good"]);
        assert!(info.imports.contains("PyList_New"), "{:?}", info.imports);
        assert!(info.imports.contains("_Py_Dealloc"), "{:?}", info.imports);
        assert!(info.imports.iter().all(|s| s.starts_with("Py") || s.starts_with("_Py")));
        assert_eq!(info.needs_libpython, None);
        assert_eq!(check(&so, &info), Ok(()));
    }

    #[test]
    fn finds_unicode_init_function() {
        let dir = Scratch::new("unicode");
        let so = dir.compile("unicode", "void *PyInitU_t_xca8ewa(void) { return 0; }\n", &[]);
        assert_eq!(inspect(&so).unwrap().init_functions, ["PyInitU_t_xca8ewa"]);
    }

    #[test]
    fn reports_and_checks_libpython_needed() {
        // A stand-in library with libpython's soname, so the link records it in DT_NEEDED.
        let dir = Scratch::new("libpython");
        let fake = dir.compile("fake-libpython", "void Py_Fake(void) {}\n", &["-Wl,-soname,libpython3.12.so.1.0"]);
        // Ubuntu links with --as-needed, which would drop a library nothing references.
        let so = dir.compile("linked312", GOOD, &["-Wl,--no-as-needed", fake.to_str().unwrap()]);
        let info = inspect(&so).unwrap();
        assert_eq!(info.needs_libpython.as_deref(), Some("libpython3.12.so.1.0"));
        let err = check(&so, &info).unwrap_err();
        assert_eq!(err, ElfError::WrongLibpython { found: "libpython3.12.so.1.0".into(), name_tag: None });
        assert!(err.to_string().starts_with("linked against libpython3.12.so.1.0; "), "{err}");

        // A cp311 name does not make a module linked against libpython3.12 loadable.
        let named = so.with_file_name("linked312.cpython-311-x86_64-linux-gnu.so");
        std::fs::copy(&so, &named).unwrap();
        let err = check(&named, &inspect(&named).unwrap()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "linked against libpython3.12.so.1.0 although its file name says cpython-311-x86_64-linux-gnu; \
             this DX-Py runs extensions built for CPython 3.11 (libpython3.11 or none) and the stable ABI \
             (libpython3.so)"
        );

        let info = ElfInfo { needs_libpython: Some("libpython3.11.so.1.0".into()), ..info };
        assert_eq!(check(&so, &info), Ok(()));
        let info = ElfInfo { needs_libpython: Some("libpython3.so".into()), ..info };
        assert_eq!(check(&so, &info), Ok(()));
        let info = ElfInfo { needs_libpython: Some("libpython3.11d.so.1.0".into()), ..info };
        assert!(check(&so, &info).is_err());
    }

    #[test]
    fn random_bytes_are_not_elf() {
        let dir = Scratch::new("random");
        let path = dir.write("random.so", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00 not an ELF file at all");
        let err = inspect(&path).unwrap_err();
        assert_eq!(err, ElfError::NotElf { first_bytes: b"MZ\x90\x00\x03\x00\x00\x00".to_vec() });
        assert_eq!(
            err.to_string(),
            "not an ELF file (starts with bytes 4d 5a 90 00 03 00 00 00; an ELF file starts with 7f 45 4c 46)"
        );
        assert!(matches!(inspect_bytes(b""), Err(ElfError::NotElf { .. })));
    }

    #[test]
    fn missing_file_is_io_error() {
        let dir = Scratch::new("missing");
        let path = dir.0.join("nope.so");
        assert!(matches!(inspect(&path), Err(ElfError::Io(_))));
    }

    #[test]
    fn first_100_bytes_are_truncated() {
        let dir = Scratch::new("truncated");
        let path = dir.write("truncated.so", &good_bytes()[..100]);
        let err = inspect(&path).unwrap_err();
        assert_eq!(err, ElfError::Truncated { len: 100 });
        assert_eq!(err.to_string(), "truncated ELF file (100 bytes)");
        assert_eq!(inspect_bytes(&ELF_MAGIC[..2]), Err(ElfError::Truncated { len: 2 }));
        assert_eq!(inspect_bytes(&good_bytes()[..40]), Err(ElfError::Truncated { len: 40 }));
    }

    /// A minimal ELF32 shared-object header for i386: no program or section headers.
    fn elf32_header() -> Vec<u8> {
        let mut h = vec![0u8; 52];
        h[..4].copy_from_slice(&ELF_MAGIC);
        h[4] = elf::ELFCLASS32;
        h[5] = elf::ELFDATA2LSB;
        h[6] = elf::EV_CURRENT;
        h[16..18].copy_from_slice(&elf::ET_DYN.to_le_bytes());
        h[18..20].copy_from_slice(&elf::EM_386.to_le_bytes());
        h[20..24].copy_from_slice(&1u32.to_le_bytes());
        h[40..42].copy_from_slice(&52u16.to_le_bytes()); // e_ehsize
        h[42..44].copy_from_slice(&32u16.to_le_bytes()); // e_phentsize
        h[46..48].copy_from_slice(&40u16.to_le_bytes()); // e_shentsize
        h
    }

    #[test]
    fn elf32_is_wrong_class() {
        let dir = Scratch::new("elf32");
        let path = dir.write("elf32.so", &elf32_header());
        let info = inspect(&path).unwrap();
        assert!(!info.class64);
        assert_eq!(info.machine, "i386");
        let err = check(&path, &info).unwrap_err();
        assert_eq!(err, ElfError::WrongClass);
        assert!(err.to_string().contains("32-bit"), "{err}");
    }

    #[test]
    fn aarch64_is_wrong_machine() {
        let mut bytes = good_bytes().to_vec();
        bytes[18] = 0xB7;
        bytes[19] = 0x00;
        let dir = Scratch::new("aarch64");
        let path = dir.write("aarch64.so", &bytes);
        let info = inspect(&path).unwrap();
        assert_eq!(info.machine, "aarch64");
        let err = check(&path, &info).unwrap_err();
        assert_eq!(err, ElfError::WrongMachine { found: "aarch64".into() });
        assert_eq!(err.to_string(), "built for aarch64; this DX-Py runs x86-64 extensions");
    }

    #[test]
    fn bad_class_and_encoding_are_malformed() {
        let mut bytes = good_bytes()[..64].to_vec();
        bytes[4] = 9;
        assert!(matches!(inspect_bytes(&bytes), Err(ElfError::Malformed(_))));
        let mut bytes = good_bytes()[..64].to_vec();
        bytes[5] = 9;
        assert!(matches!(inspect_bytes(&bytes), Err(ElfError::Malformed(_))));
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
            let _ = inspect_bytes(&bytes);
        }

        #[test]
        fn elf_prefixed_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..4096), class in 1u8..=2) {
            let mut data = ELF_MAGIC.to_vec();
            data.push(class);
            data.push(1);
            data.extend(bytes);
            let _ = inspect_bytes(&data);
        }

        #[test]
        fn truncations_never_panic(cut in 0usize..=16384) {
            let bytes = good_bytes();
            let cut = cut.min(bytes.len());
            let result = inspect_bytes(&bytes[..cut]);
            if cut < bytes.len() {
                prop_assert!(result.is_err(), "cut at {} of {} parsed", cut, bytes.len());
            }
        }

        #[test]
        fn corrupted_bytes_never_panic(flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..32)) {
            let mut bytes = good_bytes().to_vec();
            for (at, value) in flips {
                let i = at % bytes.len();
                bytes[i] = value;
            }
            let _ = inspect_bytes(&bytes);
        }
    }
}
