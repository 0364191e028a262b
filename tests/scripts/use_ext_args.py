# Calls tests/fixtures/ext_args.c (installed as module `ext_args` on sys.path): argument
# parsing, value building, calls with built arguments, text formatting, and keyword
# arguments passed into C. Prints every result or exception; run under CPython 3.11 and
# DX-Py, the outputs must match.
import sys
import warnings

import ext_args as m

try:
    import _dxpy
except ImportError:
    _dxpy = None


def show(label, f, *args, **kwargs):
    try:
        # A call with `**{}` would hand C an empty dict where a plain call gives NULL.
        print(label, repr(f(*args, **kwargs) if kwargs else f(*args)))
    except Exception as e:
        print(label, type(e).__name__, e)


def show_type(label, f, *args, **kwargs):
    """For CPython's PyErr_BadInternalCall, whose message names a CPython source line:
    only the exception's type."""
    try:
        print(label, repr(f(*args, **kwargs)))
    except Exception as e:
        print(label, type(e).__name__)


def parse(label, mode, fmt, args, kwargs=None, kwlist=None, extras=()):
    show(label, m.parse, mode, fmt, args, kwargs, kwlist, extras)


class Idx:
    def __index__(self):
        return 11


class Flt:
    def __float__(self):
        return 1.25


class Cpx:
    def __complex__(self):
        return 2 + 3j


# Warm-up: the static Argument Clinic parsers keep their keyword tuples for the process.
m.clinic(1, y=2)
m.clinic_dict(1, 2, w=0)
m.fast_tuple(1)
m.fast_stack(1)
m.fast_bad_format(1)
m.varfn(1, b=2)
if _dxpy:
    before = _dxpy.live_proxies()

# ---- integers
for v in [0, 255, 256, -1, Idx(), 2.5, "7", True]:
    parse("b", "tuple_sizet", "b", (v,))
for v in [0, 255, 256, -1, 2**70 + 3, Idx(), 2.5]:
    parse("B", "tuple_sizet", "B", (v,))
for v in [-32768, 32767, 32768, -32769, 70000, -1]:
    parse("h/H", "tuple_sizet", "hH", (v, v))
for v in [2**31 - 1, 2**31, -(2**31), -(2**31) - 1, 2**40 + 5, -1]:
    parse("i/I", "tuple_sizet", "iI", (v, v))
for v in [2**63 - 1, 2**63, -(2**63), -1, 2**64 + 9, Idx(), 1.0, None]:
    parse("l", "tuple_sizet", "l", (v,))
    parse("k", "tuple_sizet", "k", (v,))
    parse("L", "tuple_sizet", "L", (v,))
    parse("K", "tuple_sizet", "K", (v,))
    parse("n", "tuple_sizet", "n", (v,))
# ---- floats, complex, chars, predicates
for v in [1.5, 3, Flt(), "1.0", None, 2**2000]:
    parse("f/d", "tuple_sizet", "fd", (v, v))
for v in [1 + 2j, 2.5, 4, Cpx(), "x"]:
    parse("D", "tuple_sizet", "D", (v,))
for v in [b"x", bytearray(b"y"), b"xy", "x", 65]:
    parse("c", "tuple_sizet", "c", (v,))
for v in ["é", "\U0001f600", "ab", "", b"a", 1]:
    parse("C", "tuple_sizet", "C", (v,))
for v in [0, 1, "", "x", [], None, 2.0]:
    parse("p", "tuple_sizet", "p", (v,))
# ---- text and bytes
for v in ["abc", "héllo €", "a\0b", b"abc", None, 5, "\udc80"]:
    parse("s", "tuple_sizet", "s", (v,))
    parse("z", "tuple_sizet", "z", (v,))
    parse("s#", "tuple_sizet", "s#", (v,))
    parse("z#", "tuple_sizet", "z#", (v,))
for v in [b"abc", b"a\0b", bytearray(b"x"), memoryview(b"m"), "str", None]:
    parse("y", "tuple_sizet", "y", (v,))
    parse("y#", "tuple_sizet", "y#", (v,))
for v in [b"b", bytearray(b"ba"), "s", 1]:
    parse("S", "tuple_sizet", "S", (v,))
    parse("Y", "tuple_sizet", "Y", (v,))
    parse("U", "tuple_sizet", "U", (v,))
# ---- objects
obj = object()
show("O-identity", lambda: m.parse("tuple_sizet", "O", (obj,), None, None, ())[0] is obj)
for v in [5, True, "x", None]:
    parse("O!", "tuple_sizet", "O!", (v,), extras=(int,))
parse("O!-name", "tuple_sizet", "O!:named", ("x",), extras=(float,))
for v in [4, "x"]:
    parse("O&", "tuple_sizet", "O&", (v,), extras=("double",))
parse("O&-quiet", "tuple_sizet", "O&:quiet", (1,), extras=("quiet",))
print("cleanups", m.cleanups())
parse("O&-cleanup", "tuple_sizet", "O&i", (1, "x"), extras=("cleanup",))
print("cleanups", m.cleanups())
parse("O&-cleanup-ok", "tuple_sizet", "O&i", (1, 2), extras=("cleanup",))
print("cleanups", m.cleanups())
# ---- nested sequences
parse("(ii)", "tuple_sizet", "(ii)s", ((1, 2), "x"))
parse("(ii)-list", "tuple_sizet", "(ii)", ([3, 4],))
parse("(ii)-short", "tuple_sizet", "(ii)", ((1,),))
parse("(ii)-int", "tuple_sizet", "(ii)", (5,))
parse("(ii)-bytes", "tuple_sizet", "(ii)", (b"ab",))
parse("(ii)-bad", "tuple_sizet", "(ii):nest", ((1, "x"),))
parse("((is)O)", "tuple_sizet", "((is)O)", (((1, "a"), [9]),))
parse("((is)O)-bad", "tuple_sizet", "((is)O)", (((1, 2), 3),))
# ---- counts, optional, names and messages
parse("count-0", "tuple_sizet", "", ())
parse("count-extra", "tuple_sizet", "", (1,))
parse("count-named", "tuple_sizet", ":fn", (1,))
parse("count-few", "tuple_sizet", "ii:fn", (1,))
parse("count-many", "tuple_sizet", "i|i:fn", (1, 2, 3))
parse("count-atleast", "tuple_sizet", "ii|i", ())
parse("count-one", "tuple_sizet", "i", (1, 2))
parse("count-msg", "tuple_sizet", "ii;need two ints", (1,))
parse("msg-type", "tuple_sizet", "is;custom message", (1, 2))
parse("optional", "tuple_sizet", "i|si", (1,))
parse("optional2", "tuple_sizet", "i|si", (1, "x"))
parse("named-type", "tuple_sizet", "i|s:myfunc", (1, 2))
parse("bad-format", "tuple_sizet", "i#", (1,))
parse("bad-code", "tuple_sizet", "Q", (1,))
parse("w-bad", "tuple_sizet", "w", (1,))
parse("not-tuple", "tuple_sizet", "i", [1])
# ---- '#' without PY_SSIZE_T_CLEAN
parse("plain-s#", "tuple", "s#", ("abc",))
parse("plain-i", "tuple", "is", (1, "ok"))
parse("plain-kw-s#", "kw", "s#", ("abc",), None, ("a",))
# ---- PyArg_Parse (one object)
parse("Parse-i", "parse", "i", 5)
parse("Parse-s", "parse", "s:pname", 5)
parse("Parse-none", "parse", "", 5)
parse("Parse-none-named", "parse", ":pn", 5)
parse("Parse-two", "parse", "ii", 5)
parse("Parse-tuple", "parse", "(ii)", (1, 2))
parse("Parse-tuple-bad", "parse", "(ii)", (1, "x"))
parse("Parse-tuple-msg", "parse", "(is)", (1, 2))
parse("Parse-tuple-msg-named", "parse", "((is)i):pt", ((1, 2), 3))
parse("Parse-tuple-short", "parse", "(is)", (1,))
# ---- va_list variants
parse("VaParse", "va", "is", (3, "va"))
parse("VaParse-bad", "va", "is", (3, 4))
parse("VaParseKw", "va_kw", "i|s", (3,), {"b": "kw"}, ("a", "b"))
# ---- keywords
KW = ("a", "b", "c")
parse("kw", "kw_sizet", "i|is", (1,), {"c": "x"}, KW)
parse("kw-all", "kw_sizet", "i|is", (), {"a": 1, "b": 2, "c": "z"}, KW)
parse("kw-none", "kw_sizet", "i|is", (1, 2), None, KW)
parse("kw-missing", "kw_sizet", "i|is:kf", (), {"b": 2}, KW)
parse("kw-missing-anon", "kw_sizet", "ii", (1,), None, ("a", "b"))
parse("kw-unknown", "kw_sizet", "i|is:kf", (1,), {"d": 4}, KW)
parse("kw-unknown-anon", "kw_sizet", "i|is", (1,), {"d": 4}, KW)
parse("kw-dup", "kw_sizet", "i|is:kf", (1,), {"a": 4}, KW)
parse("kw-toomany", "kw_sizet", "i|is:kf", (1, 2, 3, 4), None, KW)
parse("kw-toomany-kw", "kw_sizet", "i|i:kf", (), {"a": 1, "b": 2, "c": 3}, ("a", "b"))
parse("kw-kwonly", "kw_sizet", "i|$i:kf", (1, 2), None, ("a", "b"))
parse("kw-kwonly0", "kw_sizet", "|$i:kf", (1,), None, ("a",))
parse("kw-kwonly-ok", "kw_sizet", "i|$i:kf", (1,), {"b": 5}, ("a", "b"))
parse("kw-kwonly-exact", "kw_sizet", "i$i:kf", (1, 2), None, ("a", "b"))
parse("kw-posonly", "kw_sizet", "ii:kf", (1,), {"a": 3}, ("", "b"))
parse("kw-posonly-missing", "kw_sizet", "ii|i:kf", (), None, ("", "", "c"))
parse("kw-posonly-opt", "kw_sizet", "i|ii:kf", (), None, ("", "", "c"))
parse("kw-nonstr", "kw_sizet", "i|i:kf", (1,), {5: 1}, ("a", "b"))
parse("kw-type", "kw_sizet", "i|s:kf", (1,), {"b": 5}, ("a", "b"))
parse("kw-more-list", "kw_sizet", "i:kf", (1,), None, ("a", "b"))
parse("kw-more-fmt", "kw_sizet", "ii:kf", (1, 2), None, ("a",))
parse("kw-pipe-twice", "kw_sizet", "i|i|i", (1,), {"b": 1}, ("a", "b", "c"))
parse("kw-empty-name", "kw_sizet", "ii", (1, 2), None, ("a", ""))
parse("kw-skip", "kw_sizet", "i|s#O!i", (1,), {"d": 9}, ("a", "b", "c", "d"), extras=(int,))
parse("kw-skip-tuple", "kw_sizet", "i|(ii)i", (1,), {"c": 9}, ("a", "b", "c"))
parse("kw-plain-s#-skip", "kw", "i|s#i", (1,), {"c": 2}, ("a", "b", "c"))
show_type("kw-notdict", m.parse, "kw_sizet", "i", (1,), [("a", 1)], ("a",), ())
parse("kw-msg", "kw_sizet", "i;custom", ("x",), None, ("a",))
parse("kw-msg2", "kw_sizet", "s;custom", (1,), None, ("a",))
parse("kw-msg-count", "kw_sizet", "s;custom", (1, 2), None, ("a",))
# ---- calls with keyword arguments into C
show("kwfunc", m.kwfunc, 1)
show("kwfunc-kw", m.kwfunc, 1, b=5, c=6)
show("kwfunc-a", m.kwfunc, a=9)
show("kwfunc-c-pos", m.kwfunc, 1, 2, 3)
show("kwfunc-bad", m.kwfunc, 1, d=4)
show("kwfunc-none", m.kwfunc)
show("kwnames_of", m.kwnames_of, 1, 2)
show("kwnames_of-kw", m.kwnames_of, 1, x=2, y=3)
show("kwnames_of-star", m.kwnames_of, **{"z": 1, "a": 2})
show("fast_kw", m.fast_kw, 1, 2)
show("fast_kw-kw", m.fast_kw, 1, k=2, j=3)
show("clinic", m.clinic, 1, 2)
show("clinic-3", m.clinic, 1, 2, 3)
show("clinic-kw", m.clinic, 1, y=2, w=4)
show("clinic-z", m.clinic, 1, 2, z=3)
show("clinic-posonly", m.clinic, x=1, y=2)
show("clinic-few", m.clinic, 1)
show("clinic-many", m.clinic, 1, 2, 3, 4)
show("clinic-unknown", m.clinic, 1, 2, q=3)
show("clinic-dup", m.clinic, 1, 2, y=3)
show("clinic-toomany", m.clinic, 1, 2, 3, w=1, z=2)
show("varfn", m.varfn, 1)
show("varfn-args", m.varfn, 1, 2, 3)
show("varfn-b", m.varfn, 1, 2, b=5)
show("varfn-b-only", m.varfn, 1, b=6)
show("varfn-none", m.varfn)
show("varfn-unknown", m.varfn, 1, 2, c=3)
show("clinic_dict", m.clinic_dict, 1, 2, w=0)
show("clinic_dict-z", m.clinic_dict, 1, y=2, z=3, w=4)
show("clinic_dict-missing-w", m.clinic_dict, 1, 2)
show("clinic_dict-unknown", m.clinic_dict, 1, 2, w=1, q=3)
show("noargs-kw", m.cleanups, x=1)
show("o-kw", m.build_values, x=1)
show("fast-kw", m.checks, x=1)
show("varargs-kw", m.unpack, x=1)
show("parse_stack", m.parse_stack, 1, "ab")
show("parse_stack-3", m.parse_stack, 1, b"ab\0c", [3])
show("parse_stack-few", m.parse_stack, 1)
show("parse_stack-bad", m.parse_stack, 1, 2)
for f in (m.fast_tuple, m.fast_stack):
    show("fast", f, 1)
    show("fast-b", f, 1, 2)
    show("fast-kw", f, 1, b=3, c="xy")
    show("fast-c", f, [1], c="é")
    show("fast-posonly-kw", f, a=1)
    show("fast-none", f)
    show("fast-many", f, 1, 2, 3)
    show("fast-toomany", f, 1, 2, b=3, c="x")
    show("fast-dup", f, 1, 2, b=3)
    show("fast-unknown", f, 1, d=3)
    show("fast-type", f, 1, "x")
    show("fast-type-kw", f, 1, c=5)
show("fast_bad_format", m.fast_bad_format, 1)
# ---- small checks
for which, v in [("nokeywords", None), ("nokeywords", {}), ("nokeywords", {"a": 1}), ("nokeywords", [1]),
                 ("nopositional", None), ("nopositional", ()), ("nopositional", (1,)), ("nopositional", [1]),
                 ("nokwnames", None), ("nokwnames", ()), ("nokwnames", ("a",)),
                 ("validate", {"a": 1}), ("validate", {1: 1}),
                 ("badargument", 5), ("badargument", None),
                 ("positional", 0), ("positional", 2), ("positional", 4),
                 ("positional_exact", 1), ("positional_exact", 3), ("positional_exact", 0),
                 ("positional_anon", 0), ("positional_anon", 3)]:
    # A wrong kind of argument is CPython's PyErr_BadInternalCall (message names a line).
    (show_type if isinstance(v, list) else show)("check-" + which, m.checks, which, v)
show_type("check-validate", m.checks, "validate", [1])
show("unpack", m.unpack, 1)
show("unpack-3", m.unpack, 1, 2, 3)
show("unpack-0", m.unpack)
show("unpack-4", m.unpack, 1, 2, 3, 4)
show("unpack-notuple", m.unpack_notuple, [1])
show("unpack_stack", m.unpack_stack)
show("unpack_stack-2", m.unpack_stack, 1, 2)
show("unpack_stack-3", m.unpack_stack, 1, 2, 3)
# ---- Py_BuildValue
for i, v in enumerate(m.build_values([1, 2])):
    print("build", i, repr(v))
print("build_steals", m.build_steals()[1:] if False else m.build_steals())
with warnings.catch_warnings(record=True) as w:
    warnings.simplefilter("always")
    show("build_plain", m.build_plain)
    print("warnings", [(x.category.__name__, str(x.message)) for x in w])
for i, v in enumerate(m.build_va()):
    print("build_va", i, repr(v))



# ---- Py_BuildValue on generated formats: nested tuples, lists and dicts of ints, text,
# bytes, None and objects (a small LCG, so both runtimes generate the same cases).
class Gen:
    def __init__(self, seed):
        self.state = seed

    def next(self, n):
        self.state = (self.state * 6364136223846793005 + 1442695040888963407) % 2**64
        return (self.state >> 33) % n


def gen_value(g, depth, values):
    """A format fragment; appends the arguments it reads to `values`."""
    kind = g.next(9 if depth < 3 else 6)
    if kind == 0:
        values.append(g.next(2**31) - 2**30)
        return "ilnb"[g.next(4)] if values[-1] in range(-128, 128) else "iln"[g.next(3)]
    if kind == 1:
        values.append(g.next(2**62) * (1 if g.next(2) else -1))
        return "L"
    if kind == 2:
        values.append("".join("aé€😀 z"[g.next(6)] for _ in range(g.next(5))))
        return "sUz"[g.next(3)]
    if kind == 3:
        values.append(None)
        return "z"
    if kind == 4:
        values.append(bytes(g.next(256) for _ in range(g.next(4))).replace(b"\0", b"x"))
        return "y"
    if kind == 5:
        values.append([g.next(10)])
        return "O"
    n = g.next(4)
    seps = ["", ",", ", ", " "]
    if kind == 6:
        return "(" + seps[g.next(4)].join(gen_value(g, depth + 1, values) for _ in range(n)) + ")"
    if kind == 7:
        return "[" + seps[g.next(4)].join(gen_value(g, depth + 1, values) for _ in range(n)) + "]"
    items = []
    for _ in range(n):
        values.append("k%d" % g.next(5))
        items.append("s:" + gen_value(g, depth + 1, values))
    return "{" + ",".join(items) + "}"


g = Gen(2024)
for case in range(300):
    values = []
    fmt = "".join(gen_value(g, 0, values) for _ in range(1 + g.next(3)))
    if len(values) > 16:
        continue
    show("build_dyn %s %r" % (case, fmt), m.build_dyn, fmt, tuple(values))

# ---- integer codes on generated values of every magnitude and sign
for case in range(200):
    bits = g.next(70)
    v = g.next(2**31) * 2**bits // 2**31 + g.next(3)
    v = -v if g.next(2) else v
    code = "bBhHiIlkLKn"[g.next(11)]
    parse("int %s %s" % (code, v), "tuple_sizet", code, (v,))

# ---- PyObject_CallFunction / CallMethod
def echo(*args, **kwargs):
    return args


for i, v in enumerate(m.call_functions(echo)):
    print("call_function", i, repr(v))


class Target:
    attr = 5

    def meth(self, *args):
        return ("meth", args)

    def boom(self):
        raise ValueError("boom!")


for i, v in enumerate(m.call_methods(Target())):
    print("call_method", i, repr(v))


# ---- PyUnicode_FromFormat / PyErr_Format / PyErr_WarnFormat
class R:
    def __repr__(self):
        return "R<é>"

    def __str__(self):
        return "str-of-R"


for i, v in enumerate(m.formats(R())):
    print("format", i, repr(v))
for i in range(6):
    show("raise_format %d" % i, m.raise_format, i, "obj" if i != 3 else "text")
show("raise_format-U-type", m.raise_format, 2, (1, 2))
with warnings.catch_warnings(record=True) as w:
    warnings.simplefilter("always")
    show("warn_format", m.raise_format, 6, R())
    print("warnings", [(x.category.__name__, str(x.message)) for x in w])
with warnings.catch_warnings():
    warnings.simplefilter("error")
    show("warn_format-error", m.raise_format, 6, R())
for i, v in enumerate(m.format_va()):
    print("format_va", i, repr(v))

if _dxpy:
    # Leak check: every proxy made for these calls was released.
    print("live proxies added:", _dxpy.live_proxies() - before, file=sys.stderr)
