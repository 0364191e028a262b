# C-defined types and multi-phase init (tests/fixtures/ext_types.c), printed so the
# output can be compared with CPython's.
import sys

import gc

try:
    import _dxpy
except ImportError:
    _dxpy = None

import ext_types as m



def show(label, f, *args):
    try:
        r = f(*args)
    except BaseException as e:
        print(label, "->", type(e).__name__ + ":", e)
    else:
        print(label, "=", r if isinstance(r, str) else repr(r))


def show_type(label, f, *args):
    """For errors whose message names a type: CPython uses tp_name ('ext_types.Vec'),
    RustPython's own messages __name__ ('Vec')."""
    try:
        r = f(*args)
    except BaseException as e:
        print(label, "->", type(e).__name__)
    else:
        print(label, "=", repr(r))



# Classes that cross into C get a type object that lives as long as the process (the
# bridge's heap types), as does what the module keeps (PyModule_GetName's string): both
# are made before the leak check's starting count.
V = m.Vec
B = m.Bag


class Sub(V):
    def __init__(self, x, y, name):
        super().__init__(x, y)
        self.name = name

    def twice(self):
        return self * 2


class Loud(V):
    def __add__(self, other):
        return "Loud.__add__"

    def __repr__(self):
        return "Loud!"

    def __len__(self):
        return 7

    def __eq__(self, other):
        return "Loud.__eq__"

    def __neg__(self):
        return "Loud.__neg__"

    def __bool__(self):
        return False


class Quiet(V):
    pass


class Partial(Loud):
    def __repr__(self):
        return "Partial!"


class MyBag(B):
    extra = 5


class K:
    c = m.Const(5)



m.is_subtype(Sub, V), m.is_subtype(MyBag, B), m.is_subtype(K, object)
m.is_subtype(Loud, V), m.is_subtype(Quiet, V), m.is_subtype(Partial, V)
# A single-phase module (loaded again from the same file under its other PyInit_): the
# module registry keeps it, as CPython's keeps single-phase modules.
import importlib.machinery
import importlib.util

loader = importlib.machinery.ExtensionFileLoader("ext_types_single", m.__file__)
spec = importlib.util.spec_from_loader("ext_types_single", loader)
single = importlib.util.module_from_spec(spec)
loader.exec_module(single)
del loader, spec
m.module_info()
gc.collect()
before = _dxpy.live_proxies() if _dxpy else 0

# The module: multi-phase init, two exec slots, state, definition.
print(m.__name__, m.__doc__, m.exec_order, type(m.__loader__).__name__, m.__spec__.name)
print(sorted(k for k in vars(m) if not k.startswith("__")))
show("module_info", m.module_info)
show("memory", m.memory)

# Vec: a heap type from a spec, with the module.
print(V, V.__name__, V.__qualname__, V.__module__, repr(V.__doc__))
print(V.__mro__, V.__base__)
v = V(3, 4)
w = V(1, 2)
print(repr(v), str(v), v.x, v.y, len(v), v[0], v[1], v[-1], list(v), tuple(iter(w)))
show("index error", lambda: v[2])
show("index error neg", lambda: v[-3])
print(3 in v, 5 in v, 4.0 in v)
show("contains bad", lambda: "a" in v)
print(repr(v + w), repr(v - w), repr(v * 2), repr(2 * v), repr(v / 2), repr(v // 2), repr(v % 2), repr(-v))
show("div zero", lambda: v / 0)
show_type("add bad", lambda: v + 1)
show_type("sub bad", lambda: 1 - v)
print(bool(v), bool(V()), int(v), float(v), [10, 20, 30, 40][V(2, 0)], hex(V(255, 0)))
print(v == V(3, 4), v != V(3, 4), v == w, v < w, v > w, v <= V(4, 3), v >= w, v == 5, v != 5)
show_type("lt bad", lambda: v < 5)
print(hash(v) == hash(V(3, 4)), hash(v))
print(repr(v(10)), repr(v.scale(0.5)), v.dot(w), v.norm, v.xy, v.closure)
show("dot bad", v.dot, 1)
show("scale bad", v.scale, "x")
show("call bad", v, 1, 2)
v.xy = (7, 8)
print(v.xy, v.x)
show("xy bad", setattr, v, "xy", 5)
show("xy del", delattr, v, "xy")
show("norm set", setattr, v, "norm", 1)
print(repr(V.zero()), repr(v.zero()), V.version(), v.version())
print(v.describe(), v.describe(1, 2), v.describe(1, k=2))
# METH_COEXIST __len__: the method is the attribute, len() still calls sq_length.
print(v.__len__(), len(v), V.__len__(v))
print(v.count(), v.count(1, 2), v.count(a=1), m.module_info()[3])
show("init bad", V, 1)
show("init kw", lambda: V(x=1))
show("init str", V, "a", 1)

# Members of every kind.
print(v.tag, v.flag, v.small, v.c, v.big, v.n, v.f, v.ub, v.ui, v.label, v.inplace)
show("ex unset", lambda: v.ex)
v.tag = [1, 2]
v.ex = "e"
v.flag = True
v.small = -7
v.c = "z"
v.big = 2**40
v.f = 1.5
v.ub = 200
v.ui = 4000000000
print(v.tag, v.ex, v.flag, v.small, v.c, v.big, v.f, v.ub, v.ui)
show("flag int", setattr, v, "flag", 1)
show("small str", setattr, v, "small", "x")
show("f str", setattr, v, "f", "x")
show("n readonly", setattr, v, "n", 1)
show("label readonly", setattr, v, "label", "x")
show("c long", setattr, v, "c", "ab")
del v.tag
print(v.tag)
del v.ex
show("ex deleted", lambda: v.ex)
show("ex del again", delattr, v, "ex")
show("small del", delattr, v, "small")
show_type("no attr", lambda: v.nothing)
show("generic_getattr", m.generic_getattr, v, "x")
show("generic_getattr missing", m.generic_getattr, v, "nothing")

# Instances made by C (PyObject_New) and their lifetime.
d0 = m.deallocs()[0]
c = m.new_vec(5, 6)
print(type(c) is V, repr(c), c.c, c.n, c.inplace, c.label)
del c
print("dealloc after del", m.deallocs()[0] - d0)
t = V(1, 1)
m.hold(t)
del t
print("held, not freed", m.deallocs()[0] - d0)
h = m.get_held()
print(repr(h), type(h) is V)
del h
m.release()
print("released", m.deallocs()[0] - d0)
show("error_after_drop", m.error_after_drop)
print("dealloc with an error set", m.deallocs()[0] - d0)
for i in range(100):
    V(i, i) + V(1, 1)
print("loop", m.deallocs()[0] - d0)
print(m.slots(V), m.slots(m.Bag))
print(m.is_subtype(V, object), m.is_subtype(V, int), m.is_subtype(bool, int), m.unready())

# A Python subclass of the C type: C layout, Python attributes.
s = Sub(1, 2, "s")
print(type(s).__name__, repr(s), s.name, repr(s.twice()), s.x, isinstance(s, V), repr(s + V(1, 1)), len(s))
print(m.is_subtype(Sub, V), Sub.__mro__[1] is V)
# Held only by C, then back: the instance keeps its Python attributes.
m.hold(s)
del s
back = m.get_held()
print(type(back).__name__, back.name, repr(back))
del back
m.release()

# Vec3: a C subtype of Vec (inherits Vec's slots in C and its methods in Python).
V3 = m.Vec3
u = V3(1, 2)
u.z = 5
print(V3.__mro__, repr(u), u.x, u.z, u.norm, repr(u + V(1, 1)), repr(u * 2), u[1], list(u))
print(m.slots(V3), m.is_subtype(V3, V), m.is_subtype(V, V3), isinstance(u, V))
print(sorted(k for k in vars(V3) if not k.startswith("__")), "__add__" in vars(V3), "__repr__" in vars(V3))
show_type("Vec3 subclass", lambda: type("S3", (V3,), {}))
del u

# A single-phase module with state (PyModule_Create, m_size > 0) and PyState_FindModule.
print(single.__name__, single.bump(), single.bump(), single.found())

# C reading a Python subclass's slots (tp_as_number->nb_add, tp_repr, ...) runs the
# subclass's overrides; slots it does not override are the C type's.
print(m.c_slots(V(1, 2), V(1, 1)))
print(m.c_slots(Quiet(1, 2), V(1, 1)))
print(m.c_slots(Loud(1, 2), V(1, 1)))
print(m.c_slots(Partial(1, 2), V(1, 1)))
print(Loud(1, 2) + V(1, 1), repr(V(1, 1) + Loud(1, 2)), len(Loud(1, 2)), repr(Loud(1, 2)))

# Iterators.
it = iter(V(9, 8))
print(type(it).__name__, next(it), next(it))
show("iter exhausted", next, it)
show_type("VecIter()", type(it))

# Bag: a static type readied with PyType_Ready; mapping protocol.
print(B, B.__name__, B.__module__, B.__doc__)
b = B()
print(len(b), b.capacity, b.keys())
b[0] = "a"
b[3] = [1]
print(len(b), b[0], b[3], b.keys())
show("bag missing", lambda: b[1])
show("bag bad key", lambda: b[9])
show("bag key type", lambda: b["x"])
del b[0]
show("bag del missing", b.__delitem__, 0)
print(len(b), b.keys())
show("capacity readonly", setattr, b, "capacity", 3)
# tp_dictoffset (a "__dict__" getset) and tp_weaklistoffset: attributes and weak references.
import weakref

b.extra = 7
print(b.extra, b.__dict__, "__weakref__" in dir(B))
r = weakref.ref(b)
print(r() is b)


mb = MyBag()
mb[1] = "one"
mb.note = "python attribute"
print(type(mb).__name__, len(mb), mb[1], mb.extra, mb.note, isinstance(mb, B))
bd = m.deallocs()[1]
del b, mb
print("bags freed", m.deallocs()[1] - bd, r())

# Countdown: a static iterator type using CPython's generic slot functions.
cd = m.Countdown(3)
print(list(cd), list(cd), type(iter(cd)).__name__, iter(cd) is cd)
show_type("unhashable", hash, cd)
print(m.Countdown.__hash__, cd.n, cd.peek())
cd.poke(5)
print(cd.n, next(cd), cd.peek())
show("poke bad", cd.poke, "x")
show_type("Countdown attr", setattr, cd, "other", 1)
# (tp_getattro is PyObject_GenericGetAttr: the interpreter's own lookup and message.)
show_type("Countdown missing", lambda: cd.missing)
f0 = m.finalized()
del cd
print("finalized", m.finalized() - f0)

# Adder: called through its vectorcall function (tp_call when an instance has none).
add = m.Adder()
print(add(), add(1, 2, 3), add(1, k=2), m.Adder(0)(1, 2), callable(add))
show("Adder bad", add, "x")
del add

# Const: tp_descr_get.
print(K.c, K().c)
show("Const bad", m.Const, "x")
show_type("NoNew", m.NoNew)

# Name: a str subclass from a spec.
n = m.Name("abc")
print(n, type(n).__name__, n.shout(), n + "d", isinstance(n, str), len(n), m.Name.__mro__)

# Misuse from Python is an exception, never a crash.
for args in [(int,), (5,), (), (object,), (Sub,)]:
    show("Vec.__new__%r" % (args,), lambda: type(V.__new__(*args)).__name__)
show("Vec.__init__()", V.__init__)
show_type("Bag.keys()", B.keys)
show("Vec.__add__(1, 2)", V.__add__, 1, 2)
show("Vec.scale(1, 2)", V.scale, 1, 2)
show("Vec.count(1)", V.count, 1)
show("Vec.x.__get__(1)", V.x.__get__, 1, int)
show("Vec.x.__set__(1)", V.x.__set__, 1, 2.0)
show("Vec.norm.__get__(1)", V.norm.__get__, 1, int)
show("Vec.__len__(1)", V.__len__, 1)
show("Bag.__getitem__(1, 0)", B.__getitem__, 1, 0)
show("Vec.__repr__(5)", V.__repr__, 5)


class Slotted(V):
    __slots__ = ("a",)


sl = Slotted(1, 2)
sl.a = 5
print(sl.a, repr(sl))
show_type("Slotted attr", setattr, sl, "b", 1)
del sl

# Errors: the module's exception class.
show("raw_error", m.raw_error)
print(issubclass(m.Error, Exception), m.Error.__module__)
E = m.SpecError
print(E.__mro__, E.__doc__, E.__module__)
try:
    raise E("from Python", 1)
except ValueError as e:
    print(type(e).__name__, e.args, e.code(), isinstance(e, E))
show("raise_spec_error", m.raise_spec_error, "from C")
try:
    m.raise_spec_error(("a", 2))
except E as e:
    print("caught", e.args, e.code())

# Reloading a multi-phase module does not run its exec slots again (the state exists).
import importlib

print(importlib.reload(m) is m, m.exec_order, V(1, 1).count() > 100)

del v, w, it, n
gc.collect()
if _dxpy:
    # Leak check: every proxy made for these calls was released.
    print("live proxies added:", _dxpy.live_proxies() - before, file=sys.stderr)
