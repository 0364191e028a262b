# CPython's own example extensions with C types and multi-phase init (xxlimited,
# xxlimited_35, _testmultiphase), exercised as CPython's Lib/test/test_xxlimited.py and
# Lib/test/test_importlib/extension/test_loader.py do. Output is compared with CPython's.
#
# `python use_cpython_types.py pending` runs the checks that need C-API functions other
# helpers are adding (PyArg_ParseTuple, PyDict_*); the rest must match CPython exactly.
import importlib.machinery
import importlib.util
import sys
import types

PENDING = sys.argv[1:] == ["pending"]


def show(label, f, *args):
    try:
        r = f(*args)
    except BaseException as e:
        cause = " (cause: %s)" % type(e.__cause__).__name__ if e.__cause__ is not None else ""
        print(label, "->", type(e).__name__ + ":", e, cause)
    else:
        print(label, "=", repr(r) if not isinstance(r, str) else r)


import _testmultiphase
import xxlimited
import xxlimited_35

ORIGIN = _testmultiphase.__spec__.origin


def load_by_name(fullname):
    loader = importlib.machinery.ExtensionFileLoader(fullname, ORIGIN)
    spec = importlib.util.spec_from_loader(fullname, loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def show_type(label, f, *args):
    """For errors whose message names a type: CPython names it by tp_name
    ('xxlimited.Xxo'), RustPython's own messages by __name__ ('Xxo')."""
    try:
        r = f(*args)
    except BaseException as e:
        print(label, "->", type(e).__name__)
    else:
        print(label, "=", repr(r))


def base(path):
    return path.rsplit("/", 1)[-1]


if not PENDING:
    # xxlimited (3.11: multi-phase, module state, heap types from specs)
    m = xxlimited
    print(m.__name__, m.__doc__, base(m.__file__), m.__spec__.name, type(m.__loader__).__name__)
    print(sorted(k for k in vars(m) if not k.startswith("__")))
    X = m.Xxo
    print(X, X.__name__, X.__qualname__, X.__module__, X.__doc__)
    print(m.Error, m.Error.__module__, issubclass(m.Error, Exception))
    x = X()
    print(type(x) is X, isinstance(x, X), x.x_exports)
    show("demo str", x.demo, "abc")
    show("demo self", lambda: x.demo(x) is x)
    show("demo int", x.demo, 5)
    show("demo none", x.demo)
    show("demo two", x.demo, 1, 2)
    show("demo kw", lambda: x.demo(o=1))
    show("getattr missing", lambda: x.missing)
    y = m.new()
    print(type(y) is X, y.x_exports)
    show("new args", m.new, 1)
    s = m.Str("abc")
    print(type(s), s, s + "d", isinstance(s, str), m.Str.__mro__)
    show_type("Xxo subclass", lambda: type("Sub", (X,), {}))
    show("Xxo kw", lambda: X(a=1))
    show("Xxo args", lambda: X(1))
    del x, y, s

    # xxlimited_35 (limited API of 3.5: PyType_FromSpec, PyModule_AddObject)
    m = xxlimited_35
    print(m.__name__, m.__doc__, sorted(k for k in vars(m) if not k.startswith("__")))
    print(m.Xxo, m.Null, m.Str, m.error, m.Null.__mro__, m.Str.__mro__)
    n = m.Null()
    print(type(n), n == 1, n != n, n == n)
    show_type("Null lt", lambda: n < 1)
    print(m.Str("q"), type(m.Str("q")).__name__)

    # _testmultiphase, as test_importlib's MultiPhaseExtensionModuleTests use it
    m = _testmultiphase
    print(m.__name__, base(m.__file__), m.__package__, type(m.__loader__).__name__, m.__spec__.name)
    print(isinstance(m, types.ModuleType), m.int_const, m.str_const)
    print(sorted(k for k in vars(m) if not k.startswith("__")))
    print(m.Example, m.Example.__module__, m.error, m.Str)
    ex = m.Example()
    print(type(ex))
    show("Example missing attr", lambda: ex.abc)
    print(m.Str("1") + "23", isinstance(m.Str(), str))
    try:
        raise m.error("boom")
    except m.error as e:
        print("raised", type(e).__name__, e)
    # A second load with another name gives a different module (PEP 489 semantics).
    again = load_by_name("_testmultiphase")
    print(again is not m, again.__name__, again.Example is not m.Example)
    sub = load_by_name("pkg._testmultiphase")
    print(sub.__name__, sub.__package__ if hasattr(sub, "__package__") else None)
    for name in ["_testmultiphase_null_slots"]:
        show(name, lambda: load_by_name(name).__name__)
    for base_name in [
        "bad_slot_large",
        "bad_slot_negative",
        "create_int_with_state",
        "negative_size",
        "export_null",
        "export_uninitialized",
        "export_raise",
        "export_unreported_exception",
        "create_null",
        "create_raise",
        "create_unreported_exception",
        "nonmodule_with_exec_slots",
        "exec_err",
        "exec_raise",
        "exec_unreported_exception",
    ]:
        show(base_name, load_by_name, "_testmultiphase_" + base_name)
    for name, lang in [("_testmultiphase_zkouška_načtení", "Czech"), ("\uff3f\u30a4\u30f3\u30dd\u30fc\u30c8\u30c6\u30b9\u30c8", "Japanese")]:
        show(lang, lambda: (lambda mod: (mod.__name__ == name, mod.__doc__))(load_by_name(name)))
    show("missing init", load_by_name, "_testmultiphase_no_such_init")
    # Other entry points of the same file: single-phase ones (m_size == -1 is loaded once
    # and shared, as CPython's extension cache does), and aliases of the main module.
    for name in ["_test_module_state_shared", "imp_dummy", "x"]:
        show(name, lambda: sorted(k for k in vars(load_by_name(name)) if not k.startswith("__")))
    show("shared twice", lambda: load_by_name("_test_module_state_shared") is load_by_name("_test_module_state_shared"))
    show("shared in sys.modules", lambda: sys.modules["_test_module_state_shared"].Error is Exception)
    # Module state and the defining class (PyType_GetModuleByDef, METH_METHOD).
    st = load_by_name("_testmultiphase_meth_state_access")
    print(sorted(k for k in vars(st) if not k.startswith("__")))
    sa = st.StateAccessType()
    show("get_defining_module", lambda: sa.get_defining_module() is st)
    show("getmodulebydef_bad_def", sa.getmodulebydef_bad_def)
    show("get_count", sa.get_count)
    show("increment_count_clinic", lambda: sa.increment_count_clinic())
else:
    m = xxlimited
    show("foo", m.foo, 1, 2)
    x = m.Xxo()
    show("setattr", setattr, x, "spam", 5)
    show("x_exports set", setattr, x, "x_exports", 3)
    show("getattr set", lambda: x.spam)
    show("delattr", delattr, x, "spam")
    show("delattr missing", delattr, x, "spam")
    show("35 foo", xxlimited_35.foo, 3, 4)
    show("35 new", lambda: type(xxlimited_35.new()).__name__)
    show("35 roj", xxlimited_35.roj, 1)
    show("tm foo", _testmultiphase.foo, 9, 9)
    for name in ["_testmultiphase_nonmodule", "_testmultiphase_nonmodule_with_methods"]:
        show(name, lambda: type(load_by_name(name)) is not types.ModuleType)
    show("nonmodule three", lambda: load_by_name("_testmultiphase_nonmodule").three)
    show("nonmodule bar", lambda: load_by_name("_testmultiphase_nonmodule_with_methods").bar(10, 1))
    ex = _testmultiphase.Example()
    show("Example demo", ex.demo, "abcd")
    show("Example demo none", ex.demo)
    show("Example setattr", setattr, ex, "abc", 0)
    show("Example getattr", lambda: ex.abc)
    m = load_by_name("_testmultiphase")
    show("registration find", m.call_state_registration_func, 0)
    show("registration add", m.call_state_registration_func, 1)
    show("registration remove", m.call_state_registration_func, 2)
    st = load_by_name("_testmultiphase_meth_state_access")
    sa = st.StateAccessType()
    show("increment_count_noclinic", lambda: sa.increment_count_noclinic(2))
    show("increment_count_clinic n", lambda: sa.increment_count_clinic(n=3))
    show("get_count after", sa.get_count)
