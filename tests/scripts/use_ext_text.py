# Calls tests/fixtures/ext_text.c (installed as module `ext_text` on sys.path), which
# creates str and bytes in C and fills them in place, and calls the small str, bytes,
# int and tuple functions; prints every result or exception. Run under CPython 3.11 and
# DX-Py; the outputs must match.
import sys

import ext_text as m

try:
    import _dxpy
except ImportError:
    _dxpy = None


def show(label, f, *args):
    try:
        r = f(*args)
        print(label, type(r).__name__, ascii(r))
    except Exception as e:
        print(label, type(e).__name__, e)


def show_type(label, f, *args):
    """For PyErr_BadInternalCall, whose CPython message names a C file and line."""
    try:
        r = f(*args)
        print(label, type(r).__name__, ascii(r))
    except Exception as e:
        print(label, type(e).__name__)


before = _dxpy.live_proxies() if _dxpy else 0

ASTRAL = 0x1F600
cases = [
    ("empty", (), 0),
    ("empty-wide", (), 0x10FFFF),
    ("ascii", tuple(map(ord, "hello")), 0x7F),
    ("latin1", (0x63, 0x61, 0x66, 0xE9), 0xFF),
    ("ucs2", (0x3B1, 0x3B2, 0x20AC), 0xFFFF),
    ("ucs4", (ord("a"), ASTRAL, 0x10FFFF), 0x10FFFF),
    ("ucs4-only-astral", (ASTRAL,), 0x10FFFF),
]
for label, points, maxchar in cases:
    show("make_str-" + label, m.make_str, points, maxchar)
    show("make_str_wc-" + label, m.make_str_wc, points, maxchar)
    show("fresh_readback-" + label, m.fresh_readback, points, maxchar)
    s = m.make_str(points, maxchar)
    show("roundtrip-" + label, lambda s: (s == "".join(map(chr, points)), len(s), hash(s) == hash("".join(map(chr, points)))), s)
    show("str_info-" + label, m.str_info, s)
    show("same-object-" + label, lambda s: m.new_ref(s) is s, s)
    show("utf8-" + label, m.as_utf8_string, s)
show("make_str-neg", m.make_str, (), -1)
show("make_str-maxchar", m.make_str, (), 0x110000)
show("make_str_wc-out-of-range", m.make_str_wc, (0x100,), 0xFF)
show("make_str_wc-ascii-range", m.make_str_wc, (0x80,), 0x7F)
show("write_fresh", m.write_fresh, 3, 0xFFFF, 1, 0x263A)
show("write_fresh-index", m.write_fresh, 3, 0x7F, 3, 65)
show("write_fresh-neg-index", m.write_fresh, 3, 0x7F, -1, 65)
used = "abc" + str(len(sys.argv))
show("write_char-used", m.write_char, used, 0, 65)
show("write_char-nonstr", m.write_char, b"abc", 0, 65)

for s in ["", "abc", "caf\xe9", "\u20ac\u20ac", "a\U0001F600b"]:
    show("str_info", m.str_info, s)
    show("get_length", m.get_length, s)
    show("ready", m.ready, s)
    for i in (0, len(s) - 1, len(s), -1):
        show("read_char %d" % i, m.read_char, s, i)
show("get_length-nonstr", m.get_length, 5)
show("read_char-nonstr", m.read_char, b"x", 0)

for kind, points in [(1, (104, 233)), (2, (104, 0x20AC)), (4, (104, ASTRAL)), (1, ()), (4, (0x110000,)), (3, (65,))]:
    show("from_kind %d" % kind, m.from_kind, kind, points)
show("from_kind-neg", m.from_kind_neg)

show("intern", m.intern, b"spam")
show("intern-eq", lambda: m.intern(b"spam") == "spam")
show("intern_in_place", m.intern_in_place, "eggs" + str(len(sys.argv)))
show("intern_fresh", m.intern_fresh, (0x3B1, 0x3B2), 0xFFFF)

show("concat", m.concat, "ab", "c\u20ac")
show("concat-empty", m.concat, "", "x")
show("concat-astral", m.concat, "\U0001F600", "\xe9")
show("concat-nonstr-right", m.concat, "a", 1)
show("concat-nonstr-left", m.concat, 1, "a")
show("concat_fresh", m.concat_fresh, ASTRAL, 0x10FFFF)
show("concat_fresh-latin", m.concat_fresh, 0xE9, 0xFF)

for data, errors in [(b"abc", None), ("caf\xe9 \U0001F600".encode(), None), (b"\xffab", None), (b"\xffab", "replace"), (b"\xffab", "ignore"), (b"a\xe2\x82", "strict"), (b"", None), (b"x", "bogus")]:
    show("decode_utf8 %r %r" % (data, errors), m.decode_utf8, data, errors)
show("as_utf8_string", m.as_utf8_string, "caf\xe9\U0001F600")
show("as_utf8_string-nonstr", m.as_utf8_string, b"x")

for s, a in [("abc", b"abc"), ("abc", b"abd"), ("abd", b"abc"), ("ab", b"abc"), ("abc", b"ab"), ("", b""), ("\xe9", b"e"), ("a\U0001F600", b"a")]:
    show("cmp_ascii %r %r" % (s, a), m.cmp_ascii, s, a)
for a, b in [("a", "b"), ("b", "a"), ("x", "x"), ("", "a"), ("\U0001F600", "\uffff"), ("a", 1), (1, "a")]:
    show("compare %r %r" % (a, b), m.compare, a, b)
show("join", m.join, ", ", ["a", "b", "c"])
show("join-default", m.join, None, ("x", "y"))
show("join-tuple-empty", m.join, "-", ())
show("join-gen", m.join, "\u20ac", (c for c in "abc"))
show("join-item", m.join, ",", ["a", 1])
show("join-sep-single", m.join, 1, ["a"])
show("join-sep", m.join, 1, ["a", "b"])
show("join-item-first", m.join, ",", [1, "a"])
show("join-noniter", m.join, ",", 5)
for c, e in [("abc", "b"), ("abc", "d"), ("abc", ""), ("a\U0001F600", "\U0001F600"), ("abc", 1), (1, "a")]:
    show("contains %r %r" % (c, e), m.contains, c, e)

# bytes
for data in [(), (0,), (104, 105), (0, 255, 10, 0), tuple(range(256))]:
    b = m.make_bytes(data)
    show("make_bytes %d" % len(data), lambda b: (b == bytes(data), hash(b) == hash(bytes(data)), m.new_ref(b) is b), b)
    show("bytes_size %d" % len(data), m.bytes_size, b)
show("make_bytes-small", m.make_bytes, (104, 105, 0, 33))
for data, size in [((104, 105), 5), ((104, 105, 106), 1), ((104, 105), 0), ((), 3), ((104,), 1), ((104,), -1)]:
    show_type("resize_fresh %r %d" % (data, size), m.resize_fresh, data, size)
show_type("resize_arg", m.resize_arg, b"abc" + bytes(len(sys.argv)), 5)
show("resize_arg-same", m.resize_arg, b"abc", 3)
show("resize_arg-empty", lambda: len(m.resize_arg(b"", 2)))
show_type("resize_arg-nonbytes", m.resize_arg, "abc", 2)
show("bytes_from_sas", m.bytes_from_sas, b"hello", 3)
show("bytes_from_sas-0", m.bytes_from_sas, b"hello", 0)
show("bytes_from_sas-neg", m.bytes_from_sas, b"hello", -1)
show("bytes_from_string", m.bytes_from_string, b"ab\x00cd")
show("bytes_from_string-empty", m.bytes_from_string, b"")
show("bytes_size-nonbytes", m.bytes_size, "abc")
show("bytes_size-bytearray", m.bytes_size, bytearray(b"abc"))
show("bytes_as_string", m.bytes_as_string, b"xyz")
show("bytes_as_string-nonbytes", m.bytes_as_string, 5)
show("as_string_and_size", m.as_string_and_size, b"a\x00b", True)
show("as_string_and_size-nul", m.as_string_and_size, b"a\x00b", False)
show("as_string_and_size-ok", m.as_string_and_size, b"ab", False)
show("as_string_and_size-nonbytes", m.as_string_and_size, "ab", True)

# small ones
for v in (0, 1, -1, 42):
    show("bool_from_long %d" % v, lambda v: m.bool_from_long(v) is bool(v), v)
show("new_ref", lambda: m.new_ref(sys) is sys)
show("xnew_ref_null", m.xnew_ref_null)
for v in (0, 1, 2**32, 2**64 - 1, 2**64, -1, 1.5, True):
    show("from_size_t %r" % v, m.from_size_t, v)
    show("from_ull %r" % v, m.from_ull, v)
    show("as_ul %r" % v, m.as_ul, v)
    show("as_ull %r" % v, m.as_ull, v)
for v in (0, -3, 2**53 + 1, 10**308, 10**309, -(10**400), 1.5, True, "x"):
    show("as_double %r" % (v if not isinstance(v, int) or abs(v) < 10**20 else "big"), m.as_double, v)
t = (1, "two", 3.0, None)
for lo, hi in [(0, 4), (1, 3), (-5, 2), (2, 100), (3, 1), (0, 0), (4, 4)]:
    show("tuple_slice %d %d" % (lo, hi), m.tuple_slice, t, lo, hi)
show("tuple_slice-whole-is", lambda: m.tuple_slice(t, 0, 4) is t)
show_type("tuple_slice-nontuple", m.tuple_slice, [1, 2], 0, 1)

del s, b, t, used
if _dxpy:
    # Leak check: every proxy made for these calls was released.
    print("live proxies added:", _dxpy.live_proxies() - before, file=sys.stderr)
