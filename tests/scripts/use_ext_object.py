# Calls tests/fixtures/ext_object.c (installed as module `ext_object` on sys.path), which
# runs the object/abstract/import protocols from C, and prints every result or exception.
# Run under CPython 3.11 and DX-Py; the outputs must match.
import sys

import ext_object as m

try:
    import _dxpy
except ImportError:
    _dxpy = None


def show(label, f, *args):
    try:
        print(label, lbl(f(*args)))
    except Exception as e:
        print(label, type(e).__name__, e)


def show_type(label, f, *args):
    """For errors whose message is the interpreter's own (RustPython words some
    differently from CPython even in pure Python): only the exception's type."""
    try:
        print(label, lbl(f(*args)))
    except Exception as e:
        print(label, type(e).__name__)


def lbl(v):
    """repr without addresses."""
    r = repr(v)
    return "<%s object>" % type(v).__name__ if " at 0x" in r else r


class Boom(Exception):
    pass


class Thing:
    cls_attr = "class"

    def __init__(self):
        self.x = 1

    def method(self, a, b=2, *rest, **kw):
        return ("method", a, b, rest, sorted(kw.items()))


class Prop:
    @property
    def bad(self):
        raise Boom("property failed")


class BadEq:
    def __eq__(self, other):
        raise Boom("eq failed")

    __hash__ = object.__hash__


class Unhashable:
    __hash__ = None


class BadHash:
    def __hash__(self):
        raise Boom("hash failed")


class NegHash:
    def __hash__(self):
        return -1


class BadBool:
    def __bool__(self):
        raise Boom("bool failed")


class Sized:
    def __len__(self):
        return 7


class Seq:
    def __len__(self):
        return 3

    def __getitem__(self, i):
        if i >= 3:
            raise IndexError("Seq index out of range")
        return i * 10


class MyList(list):
    pass


class Counter:
    def __init__(self, n):
        self.i, self.n = 0, n

    def __iter__(self):
        return self

    def __next__(self):
        if self.i >= self.n:
            raise StopIteration
        self.i += 1
        return self.i


class BadIter:
    def __iter__(self):
        return self

    def __next__(self):
        raise Boom("next failed")


class Num:
    def __index__(self):
        return 5

    def __float__(self):
        return 2.5

    def __int__(self):
        return 9

    def __add__(self, other):
        return ("Num+", other)

    def __neg__(self):
        return "negated"


class Meta(type):
    def __instancecheck__(cls, obj):
        return obj == "special"


class Special(metaclass=Meta):
    pass


def f(*args, **kw):
    return (args, sorted(kw.items()))


def raiser(*args):
    raise Boom("called with %r" % (args,))


# Classes get an immortal C type object the first time they cross (as static types are):
# let them cross once before counting proxies.
for c in (Boom, Thing, Prop, BadEq, Unhashable, BadHash, NegHash, BadBool, Sized, Seq, Counter, BadIter, Num, Meta, Special, MyList):
    m.is_(c, c)
before = _dxpy.live_proxies() if _dxpy else 0

t = Thing()

# Attributes
show("getattr", m.getattr, t, "x")
show("getattr-class", m.getattr, t, "cls_attr")
show("getattr-missing", m.getattr, t, "nope")
show("getattr-int-missing", m.getattr, 5, "nope")
show("getattr-nonstr", m.getattr, t, 5)
show("getattr-property", m.getattr, Prop(), "bad")
show("getattr-module", m.getattr, sys, "maxsize")
show("getattr-module-missing", m.getattr, sys, "nope")
show("getattr_s", m.getattr_s, t, "x")
show("getattr_s-missing", m.getattr_s, t, "y")
show("getattr_s-builtin", m.getattr_s, "abc", "upper")
show("setattr", m.setattr, t, "y", 42)
show("after-setattr", m.getattr, t, "y")
show("setattr-nonstr", m.setattr, t, 3, 1)
show("setattr-int", m.setattr, 5, "x", 1)
show("setattr_s", m.setattr_s, t, "z", "zed")
print("after-setattr_s", t.z)
show("delattr", m.delattr, t, "y")
print("after-delattr", hasattr(t, "y"))
show("delattr-missing", m.delattr, t, "y")
show("delattr_s", m.delattr_s, t, "z")
show("delattr_s-missing", m.delattr_s, t, "z")
for obj, name in [(t, "x"), (t, "nope"), (t, 5), (Prop(), "bad"), (sys, "path"), (1, "real")]:
    show("hasattr", m.hasattr, obj, name)
for obj, name in [(t, "x"), (t, "nope"), (Prop(), "bad"), ("s", "join")]:
    show("hasattr_s", m.hasattr_s, obj, name)

# Text
for v in [1, -2.5, "héllo", "日本", b"by", None, True, (1, "a"), [1, [2]], {"k": 1}, Thing, len, "\x00"]:
    show("repr", m.repr, v)
    show("str", m.str, v)
    show("ascii", m.ascii, v)
show("null_texts", m.null_texts)

# Truth and hashing
for v in [0, 1, "", "x", [], [0], None, 0.0, Sized(), BadBool()]:
    show("istrue", m.istrue, v)
    show("not", m.not_, v)
for v in [0, 1, -1, -2, 2**61, 2**70, "abc" == "abc", 1.0, 0.5, (1, 2), None.__class__, "", (), NegHash()]:
    show("hash", lambda o: m.hash(o) == hash(o), v)
show("hash-small", m.hash, 12345)
show("hash-minus-one", m.hash, -1)
show("hash-list", m.hash, [1])
show("hash-unhashable", m.hash, Unhashable())
show("hash-bad", m.hash, BadHash())
show("hash-dict", m.hash, {})

# Comparison
for a, b in [(1, 2), (2, 2), (3, 2), ("a", "b"), (1, 1.0), ((1, 2), (1, 3)), (None, None)]:
    for op in range(6):
        show("richcompare %s %s %d" % (lbl(a), lbl(b), op), m.richcompare, a, b, op)
        show("richcompare_bool %s %s %d" % (lbl(a), lbl(b), op), m.richcompare_bool, a, b, op)
show("richcompare-unorderable", m.richcompare, 1, "a", 0)
show("richcompare_bool-unorderable", m.richcompare_bool, None, 1, 4)
be = BadEq()
show("richcompare-badeq", m.richcompare, be, 1, 2)
show("richcompare_bool-badeq", m.richcompare_bool, be, 1, 2)
show("richcompare_bool-badeq-self-eq", m.richcompare_bool, be, be, 2)
show("richcompare_bool-badeq-self-ne", m.richcompare_bool, be, be, 3)
show("richcompare_bool-badeq-self-lt", m.richcompare_bool, be, be, 0)
nan = float("nan")
show("richcompare_bool-nan-self", m.richcompare_bool, nan, nan, 2)
show("richcompare-nan-self", m.richcompare, nan, nan, 2)

# Types
for v in [1, "s", None, t, Thing, [], True, Boom("x")]:
    show("type", lambda o: m.type(o) is type(o), v)
show("type-name", lambda o: m.type(o).__name__, t)
show("isinstance", m.isinstance, 1, int)
show("isinstance-bool", m.isinstance, True, int)
show("isinstance-no", m.isinstance, "s", int)
show("isinstance-tuple", m.isinstance, "s", (int, str))
show("isinstance-user", m.isinstance, t, Thing)
show("isinstance-meta", m.isinstance, "special", Special)
show("isinstance-meta-no", m.isinstance, "plain", Special)
show_type("isinstance-bad", m.isinstance, 1, 5)
show("issubclass", m.issubclass, bool, int)
show("issubclass-no", m.issubclass, int, str)
show("issubclass-tuple", m.issubclass, Boom, (KeyError, Exception))
show_type("issubclass-bad", m.issubclass, 1, int)
for v in [len, Thing, t, t.method, 1, "s", None, f, lambda: 0, m.add]:
    show("callable_check", m.callable_check, v)
show("is-same", m.is_, t, t)
show("is-other", m.is_, t, Thing())
show("is-none", m.is_, None, None)

# Iteration
for v in [[1, 2, 3], (), "abc", {"a": 1, "b": 2}, range(5), Counter(3), Seq(), iter([4, 5]), b"xy"]:
    show("iterate", m.iterate, v)
show("iterate-int", m.iterate, 5)
show("iterate-none", m.iterate, None)
show("iterate-bad", m.iterate, BadIter())
it = iter([1, 2])
show("next", m.next, it)
show("next", m.next, it)
show("next-end", m.next, it)
show("next-end-again", m.next, it)
gen = (x * 2 for x in range(2))
show("next-gen", m.next, gen)
show("next-gen", m.next, gen)
show("next-gen-end", m.next, gen)
show("next-bad", m.next, BadIter())

# Items and sizes
d = {"a": 1}
lst = [10, 20, 30]
show("getitem-dict", m.getitem, d, "a")
show("getitem-dict-missing", m.getitem, d, "zz")
show("getitem-dict-tuple-key", m.getitem, d, (1, 2))
show("getitem-list", m.getitem, lst, 1)
show("getitem-list-neg", m.getitem, lst, -1)
show("getitem-list-range", m.getitem, lst, 10)
show_type("getitem-list-str", m.getitem, lst, "x")
show("getitem-str", m.getitem, "hello", 1)
show("getitem-slice", m.getitem, lst, slice(0, 2))
show("getitem-int", m.getitem, 5, 0)
show("getitem-seq", m.getitem, Seq(), 2)
show("getitem-class", m.getitem, list, int)
show("setitem-dict", m.setitem, d, "b", 2)
show("setitem-list", m.setitem, lst, 0, 11)
show("setitem-list-range", m.setitem, lst, 5, 0)
show_type("setitem-tuple", m.setitem, (1,), 0, 2)
show("setitem-unhashable", m.setitem, d, [], 1)
print("after-setitem", sorted(d.items()), lst)
show("delitem-dict", m.delitem, d, "b")
show("delitem-dict-missing", m.delitem, d, "zz")
show("delitem-list", m.delitem, lst, 0)
show_type("delitem-str", m.delitem, "abc", 0)
print("after-delitem", sorted(d.items()), lst)
for v in [[1, 2], "abcd", {}, {"a": 1}, (), range(10), Sized(), Seq(), b"", 5, None, Thing()]:
    show("size", m.size, v)
    show("length", m.length, v)
    show("seq_size", m.seq_size, v)
    show("seq_length", m.seq_length, v)
for v, i in [([1, 2, 3], 0), ([1, 2, 3], -1), ([1, 2, 3], 3), ([1, 2, 3], -4), ([1, 2, 3], -10), ((1,), -2), (Seq(), -4), (MyList([1]), -2), (MyList([1, 2]), -1), (range(3), -5), ((4, 5), 1), ("xyz", -3), (Seq(), 1), (Seq(), -1), (range(5), 4), (5, 0)]:
    show("seq_getitem %s %d" % (lbl(v), i), m.seq_getitem, v, i)
# RustPython words str's and bytearray's IndexError differently, in pure Python too.
for v, i in [("ab", -3), (bytearray(b"a"), -2), (b"ab", -3)]:
    show_type("seq_getitem %s %d" % (lbl(v), i), m.seq_getitem, v, i)
for seq, x in [([1, 2], 2), ([1, 2], 3), ("abc", "b"), ({"k": 1}, "k"), ((1,), 1.0), (Seq(), 20), (5, 1), ("abc", 1), (Counter(3), 2)]:
    (show_type if seq == 5 else show)("contains", m.contains, seq, x)
show("contains-badeq", m.contains, [BadEq()], 1)
for v in [[1, 2], (3,), "ab", {"a": 1}, range(3), Counter(2), Seq(), 5, None, BadIter()]:
    show("seq_tuple", m.seq_tuple, v)
    show("seq_list", m.seq_list, v)
tup = (1, 2)
show("seq_tuple-same", lambda v: m.seq_tuple(v) is v, tup)
show("seq_list-copy", lambda v: m.seq_list(v) is not v, lst)

# Calls
show("call", m.call, f, (1, 2), None)
show("call-kw", m.call, f, (1,), {"a": 1, "b": 2})
show("call-empty", m.call, f, (), {})
show("call-method", m.call, t.method, (1,), {"z": 3})
show("call-type", m.call, int, ("12",), None)
show("call-type-kw", m.call, int, ("ff",), {"base": 16})
show("call-raiser", m.call, raiser, (1,), None)
show("call-noncallable", m.call, 5, (), None)
show("call-badargs", m.call, t.method, (), None)
show("call-kw-nonstr", m.call, f, (), {1: 2})
show("call-c-function", m.call, m.add, (1, 2), None)
show("call-c-function-kw", m.call, m.add, (1, 2), {"x": 1})
show("call-nested", m.call, m.call, (f, (1,), {"k": "v"}), None)
show("vectorcall-nested", m.vectorcall, m.vectorcall, (f, (5, 6), ("z",)), None)
show("callobject", m.callobject, f, (1, "a"))
try:
    m.callonearg(raiser, 1)
except Boom as e:
    print("exception-object", e.args, type(e) is Boom)
try:
    m.getattr_s(t, "missing")
except AttributeError as e:
    print("attribute-error-object", e.args, e.name, e.obj is t)
show("callobject-null", m.callobject, f, None)
show("callobject-noncallable", m.callobject, "s", None)
show("callobject-raiser", m.callobject, raiser, ())
show("callnoargs", m.callnoargs, f)
show("callnoargs-list", m.callnoargs, list)
show("callnoargs-noncallable", m.callnoargs, None)
show("callnoargs-badargs", m.callnoargs, t.method)
show("callonearg", m.callonearg, f, 7)
show("callonearg-len", m.callonearg, len, "four")
show("callonearg-raiser", m.callonearg, raiser, 1)
show("vectorcall", m.vectorcall, f, (1, 2, 3), None)
show("vectorcall-empty", m.vectorcall, f, (), None)
show("vectorcall-kw", m.vectorcall, f, (1, 2, 3), ("x", "y"))
show("vectorcall-only-kw", m.vectorcall, f, (9,), ("k",))
show("vectorcall-method", m.vectorcall, t.method, (1, 2, 3, 4), ("q",))
show("vectorcall-noncallable", m.vectorcall, 1, (), None)
show("vectorcall-raiser", m.vectorcall, raiser, (1,), None)
show("vectorcall_method", m.vectorcall_method, "method", (t, 1), None)
show("vectorcall_method-kw", m.vectorcall_method, "method", (t, 1, 2, 3), ("b",))
show("vectorcall_method-str", m.vectorcall_method, "upper", ("abc",), None)
show("vectorcall_method-missing", m.vectorcall_method, "nope", (t,), None)
show("vectorcall_method-join", m.vectorcall_method, "join", ("-", ["a", "b"]), None)

# Numbers
for a, b in [(7, 2), (-7, 2), (7.5, 2), (2**70, 3), ("a", "b"), ([1], [2]), ("ab", 3), (7, 0), (7.0, 0.0), (1, "x"), (Num(), 1), (None, 1), (True, True)]:
    for name in ["add", "sub", "mul", "truediv", "floordiv", "rem"]:
        # Messages of failing sequence repetition/concatenation and of division by zero
        # are RustPython's own (they differ from CPython's in pure Python too).
        own = isinstance(a, (str, list)) or b in (0, 0.0)
        (show_type if own else show)("%s %s %s" % (name, lbl(a), lbl(b)), getattr(m, name), a, b)
show("rem-format", m.rem, "%s-%d", ("x", 3))
for v in [5, -5, 2.5, True, Num(), "s", None, 2**80]:
    show("neg", m.neg, v)
for v in [5, True, Num(), 2.5, "5", None, 2**80]:
    show("index", m.index, v)
for v in [5, True, 2.9, -2.9, "12", " 7 ", b"42", "x", Num(), None, [1], 2**80]:
    show("long", m.long, v)
show_type("long-inf", m.long, float("inf"))
for v in [5, True, 2.5, "1.5", " -3 ", "inf", "x", Num(), 2**80]:
    show("float", m.float, v)
for v in [None, [1]]:
    show_type("float", m.float, v)

# Imports
for name in ["math", "os.path", "json", "collections.abc", "no_such_module_xyz", "os.no_such_sub"]:
    show("import_module", lambda n: m.import_module(n).__name__, name)
    show("import_", lambda n: m.import_(n).__name__, name)
show("import-same", lambda n: m.import_module(n) is sys.modules[n], "math")
show("import_-nonstr", m.import_, 5)

del t, d, lst, it, gen, be, tup
if _dxpy:
    # Leak check: every proxy made for these calls was released.
    print("live proxies added:", _dxpy.live_proxies() - before, file=sys.stderr)
