//! Property test "PyObject round trip": arbitrary nested values (ints incl. big ones,
//! floats incl. nan/inf, strs incl. astral code points and surrogates, bytes, tuples,
//! lists, dicts, sets, None, bools) passed into C and back compare equal and keep
//! identity where CPython keeps it. Each generated batch runs in one process under
//! CPython 3.11 and under DX-Py; both must print the same.

mod common;

use common::*;
use proptest::prelude::*;

/// A Python str literal: printable ASCII as itself, everything else as `\UXXXXXXXX`.
fn py_str(chars: &[char]) -> String {
    let body: String = chars
        .iter()
        .map(|&c| match c {
            ' '..='~' if c != '\'' && c != '\\' => c.to_string(),
            _ => format!("\\U{:08x}", c as u32),
        })
        .collect();
    format!("'{body}'")
}

/// A Python expression for a generated value.
fn value() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        any::<i64>().prop_map(|i| i.to_string()),
        (any::<i64>(), 1u32..4).prop_map(|(i, k)| format!("({i} * 10**{})", 18 * k)),
        any::<f64>().prop_map(|f| if f.is_nan() {
            "float('nan')".into()
        } else if f.is_infinite() {
            format!("float('{f}')")
        } else {
            format!("{f:?}")
        }),
        proptest::collection::vec(any::<char>(), 0..6).prop_map(|cs| py_str(&cs)),
        (0u32..0x800).prop_map(|s| format!("'\\udc{:02x}x'", s % 0x100)),
        proptest::collection::vec(any::<u8>(), 0..6).prop_map(|b| format!("bytes({b:?})")),
        Just("None".to_string()),
        any::<bool>().prop_map(|b| if b { "True".into() } else { "False".into() }),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4)
                .prop_map(|v| format!("({},)", v.join(", ")).replace("(,)", "()")),
            proptest::collection::vec(inner.clone(), 0..4).prop_map(|v| format!("[{}]", v.join(", "))),
            proptest::collection::vec(inner.clone(), 0..3).prop_map(|v| format!(
                "{{{}}}",
                v.iter().enumerate().map(|(i, x)| format!("{i}: {x}")).collect::<Vec<_>>().join(", ")
            )),
            proptest::collection::vec(any::<i16>(), 0..4).prop_map(|v| format!("frozenset({v:?})")),
        ]
    })
}

/// Prints, per value: whether identity() returned the same object, and whether the C
/// rebuild compares equal (by repr, so nan and -0.0 count); under DX-Py also how many
/// proxies the calls left alive (none may be).
const CHECK: &str = r#"
import sys
sys.path.insert(0, sys.argv[1])
import ext_calls as m
try:
    import _dxpy
except ImportError:
    _dxpy = None
before = _dxpy.live_proxies() if _dxpy else 0
for i, v in enumerate(VALUES):
    same = m.identity(v) is v
    r = m.rebuild(v)
    print(i, same, repr(r) == repr(v), type(r).__name__ == type(v).__name__)
    del r
if _dxpy:
    # Leak check: every proxy made for these calls was released.
    print("live proxies added:", _dxpy.live_proxies() - before, file=sys.stderr)
"#;

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]
    #[test]
    fn pyobject_round_trip(values in proptest::collection::vec(value(), 1..40)) {
        let so = compile_fixture("ext_calls");
        let dir = scratch("roundtrip");
        std::fs::copy(&so, dir.join("ext_calls.cpython-311-x86_64-linux-gnu.so")).unwrap();
        let script = format!("VALUES = [\n{}\n]\n{CHECK}", values.join(",\n"));
        let path = dir.join("check.py");
        std::fs::write(&path, &script).unwrap();
        let args = [path.to_str().unwrap(), dir.to_str().unwrap()];
        let py = run(python(), &args);
        prop_assert_eq!(py.code, 0, "CPython: {}", py.stderr);
        prop_assert_eq!(py.stdout.lines().count(), values.len());
        let dx = run(dx_py(), &["run", args[0], args[1]]);
        prop_assert_eq!(dx.code, 0, "dx-py: {}\n{}", dx.stderr, script);
        prop_assert_eq!(dx.stdout, py.stdout, "{}", script);
        prop_assert_eq!(dx.stderr, "live proxies added: 0\n");
    }
}
