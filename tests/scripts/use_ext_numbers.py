# Calls tests/fixtures/ext_numbers.c: complex numbers, slices and iterators from C.
# Run under CPython 3.11 and DX-Py; the outputs must match.
import sys

import ext_numbers as m

try:
    import _dxpy
except ImportError:
    _dxpy = None


def show(label, f, *args):
    try:
        print(label, repr(f(*args)))
    except Exception as e:
        msg = str(e)
        if isinstance(e, SystemError) and msg.startswith("Objects/"):
            msg = msg.split(": ", 1)[1]
        print(label, type(e).__name__, msg)


class WithComplex:
    def __complex__(self):
        return 3 + 4j


class BadComplex:
    def __complex__(self):
        return 5


class WithFloat:
    def __float__(self):
        return 2.5


class Idx:
    def __index__(self):
        return 2

    def __repr__(self):
        return "Idx()"


before = _dxpy.live_proxies() if _dxpy else 0

show("from_doubles", m.from_doubles, 1.5, -2.0)
for o in (1 + 2j, 3.5, 7, True, WithFloat(), WithComplex(), "x", complex("nan+infj")):
    show("parts %s" % type(o).__name__, m.parts, o)
    show("as_ccomplex %s" % type(o).__name__, m.as_ccomplex, o)
show("as_ccomplex bad", m.as_ccomplex, BadComplex())
show("cval", m.cval, -0.5 + 8j)
show("cval-int", m.cval, 4)
for op, a, b in [("+", 1 + 2j, 3 - 1j), ("-", 1 + 2j, 3 - 1j), ("*", 1 + 2j, 3 - 1j), ("/", 1 + 2j, 3 - 1j),
                 ("/", 1 + 2j, 0j), ("^", 2 + 0j, 3 + 0j), ("^", 0j, -1 + 0j), ("^", 1j, 2 + 0j), ("^", 5 + 1j, 0j),
                 ("n", 1 - 2j, 0j), ("a", 3 + 4j, 0j), ("a", complex("inf+nanj"), 0j), ("a", 1e308 + 1e308j, 0j)]:
    r, err = m.arith(op, a, b)
    # Floats, not complex reprs: RustPython writes huge complex parts out in full.
    print("arith", op, a.real, a.imag, b.real, b.imag, "->", r.real, r.imag, "errno", err)

E = ...
for args in [(1, 10, 2), (E, 5, E), (E, E, E), (-3, None, -1), ("a", [1], 2.5)]:
    s = m.slice_new(*args)
    print("slice_new", args, s, m.slice_fields(s))
for s, n in [(slice(None), 10), (slice(2, 8, 2), 10), (slice(-3, None), 5), (slice(None, None, -1), 4),
             (slice(100, -100, -3), 7), (slice(Idx(), 2**70), 9), (slice(0, 5, 0), 5), (slice("a", 2), 3)]:
    show("indices_ex %r %d" % (s, n), m.indices_ex, s, n)
    show("unpack %r" % (s,), m.unpack, s)
    show("indices_old %r %d" % (s, n), m.indices_old, s, n)

class Seq:
    def __getitem__(self, i):
        if i >= 3:
            raise IndexError(i)
        return i * 10

show("seq_iter", lambda: list(m.seq_iter(Seq())))
show("seq_iter list", lambda: list(m.seq_iter([4, 5])))
show("seq_iter int", m.seq_iter, 5)
it = iter([1, 2, 3, None, 4])
show("call_iter", lambda: list(m.call_iter(lambda: next(it), None)))

if _dxpy:
    print("live proxies added:", _dxpy.live_proxies() - before, file=sys.stderr)
