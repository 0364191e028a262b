# Calls tests/fixtures/ext_errors.c (installed as module `ext_errors` on sys.path) and
# prints every result or exception. Run under CPython 3.11 and DX-Py; the outputs must match.
import sys
import warnings

import ext_errors as m

try:
    import _dxpy
except ImportError:
    _dxpy = None


def name(o):
    return None if o is None else getattr(o, "__name__", type(o).__name__)


def describe(e):
    return f"{type(e).__name__} args={e.args!r} str={str(e)!r}"


class Custom(Exception):
    def __init__(self, *args):
        super().__init__(*args)
        self.extra = "kept"


class TwoArgs(Exception):
    def __init__(self, a, b):
        super().__init__(a, b)


def scenario(out):
    def show(label, f, *args):
        try:
            out(label, "->", repr(f(*args)))
        except Exception as e:
            out(label, "raised", describe(e))

    show("set_none", m.set_none, KeyError)
    show("set_none-custom", m.set_none, Custom)
    show("set_object-str", m.set_object, ValueError, "bad value")
    show("set_object-tuple", m.set_object, KeyError, (1, 2))
    show("set_object-none", m.set_object, ValueError, None)
    show("set_object-int", m.set_object, IndexError, 7)
    show("set_object-instance", m.set_object, LookupError, KeyError("k"))
    show("set_object-other-instance", m.set_object, ValueError, KeyError("k"))
    show("set_object-oserror", m.set_object, OSError, (2, "No such file"))
    show("set_string", m.set_string, TypeError, "héllo")
    show("set_string-empty", m.set_string, RuntimeError, "")

    # The value C fetches is what was set, not normalized.
    t, v, tb_null, still = m.fetch(ValueError, "msg")
    out("fetch-string", name(t), type(v).__name__, repr(v), tb_null, still)
    t, v, tb_null, still = m.fetch(KeyError, None)
    out("fetch-none", name(t), repr(v), tb_null, still)
    t, v, tb_null, still = m.fetch(KeyError, (1, 2))
    out("fetch-tuple", name(t), repr(v), tb_null, still)
    inst = Custom("c")
    t, v, tb_null, still = m.fetch(Custom, inst)
    out("fetch-instance", name(t), v is inst, tb_null, still)
    out("fetch-nothing", m.fetch(None, None))

    # An exception made in C, caught in Python, passed back through C keeps its identity.
    try:
        m.set_string(ValueError, "from C")
    except ValueError as e:
        first = e
    first.note = "attribute"
    try:
        m.reraise(first)
    except ValueError as e:
        out("reraise-identity", e is first, e.note, describe(e))
    c = Custom("x", 1)
    try:
        m.reraise(c)
    except Custom as e:
        out("reraise-custom", e is c, e.extra, describe(e))
    try:
        raise KeyError("py")
    except KeyError as e:
        caught = e
    try:
        m.reraise(caught)
    except KeyError as e:
        out("reraise-python", e is caught, m.traceback_type(e))
    show("restore-value", m.restore, ZeroDivisionError, "restored")
    show("restore-tuple", m.restore, UnicodeError, ("a", "b"))
    out("restore-clears", m.restore_clears())

    for label, ty, value in [
        ("str", ValueError, "x"),
        ("tuple", KeyError, (1, 2)),
        ("null", RuntimeError, None),
        ("subclass-instance", LookupError, KeyError("k")),
        ("same-instance", KeyError, KeyError("k")),
        ("oserror-errno", OSError, (2, "gone")),
        ("custom", Custom, "c"),
        ("init-fails", TwoArgs, "only one"),
        ("not-a-class", 5, "v"),
    ]:
        t, v = m.normalize(ty, value)
        out("normalize", label, name(t), describe(v) if isinstance(v, BaseException) else repr(v))

    for label, given, exc in [
        ("same", KeyError, KeyError),
        ("subclass", KeyError, LookupError),
        ("superclass", LookupError, KeyError),
        ("instance", KeyError("k"), LookupError),
        ("tuple", KeyError, (ValueError, LookupError)),
        ("tuple-miss", KeyError, (ValueError, TypeError)),
        ("nested-tuple", KeyError, (ValueError, (TypeError, KeyError))),
        ("custom", Custom, Exception),
        ("null", None, KeyError),
        ("non-class", 5, 5),
        ("non-class-miss", 5, KeyError),
    ]:
        out("given_matches", label, m.given_matches(given, exc))
    for label, ty, exc in [
        ("same", KeyError, KeyError),
        ("base", KeyError, Exception),
        ("miss", KeyError, ValueError),
        ("tuple", KeyError, (ValueError, KeyError)),
        ("nothing-set", None, KeyError),
    ]:
        out("exception_matches", label, m.exception_matches(ty, exc))

    show("no_memory", m.no_memory)
    show("bad_argument", m.bad_argument)
    show("bad_internal_call", m.bad_internal_call)
    show("bad_internal_call_function", m.bad_internal_call_function)

    ex = ValueError("outer")
    cause, context = KeyError("cause"), TypeError("context")
    got = m.chain(ex, cause, context)
    out("chain", got[0] is cause, got[1] is context, ex.__cause__ is cause, ex.__context__ is context,
        ex.__suppress_context__)
    out("chain-clear", m.chain(ex, None, None), ex.__cause__, ex.__context__, ex.__suppress_context__)
    ex = RuntimeError("raised")
    try:
        m.raise_from(ex, cause)
    except RuntimeError as e:
        out("raise_from", e is ex, describe(e.__cause__), e.__suppress_context__)
    try:
        try:
            raise KeyError("handled")
        except KeyError:
            m.set_string(ValueError, "while handling")
    except ValueError as e:
        out("implicit-context", describe(e), describe(e.__context__), e.__cause__)

    out("traceback-none", m.traceback_type(ValueError("fresh")))
    try:
        raise ValueError("tb")
    except ValueError as e:
        with_tb = e
    out("traceback", m.traceback_type(with_tb))
    out("set_traceback-none", m.set_traceback(with_tb, None), with_tb.__traceback__)
    show("set_traceback-bad", m.set_traceback, with_tb, 5)

    with warnings.catch_warnings(record=True) as caught_warnings:
        warnings.simplefilter("always")
        m.warn(UserWarning, "user warning")
        m.warn(None, "default category")
        m.warn(DeprecationWarning, "deprecated")
    for w in caught_warnings:
        out("warn", w.category.__name__, str(w.message))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        show("warn-error", m.warn, UserWarning, "now an error")

    seen = []
    old_hook = sys.unraisablehook
    sys.unraisablehook = seen.append
    try:
        exc = ValueError("unraisable")
        where = object()
        left = m.write_unraisable(exc, where)
        left_none = m.write_unraisable(KeyError("k"), None)
    finally:
        sys.unraisablehook = old_hook
    out("write_unraisable", left, left_none, len(seen))
    for u in seen:
        out("unraisable", name(u.exc_type), describe(u.exc_value), u.err_msg, type(u.object).__name__)
    out("unraisable-identity", seen[0].exc_value is exc, seen[0].object is where)
    del seen, u

    for label, ty, n, filename in [
        ("enoent", OSError, 2, None),
        ("enoent-file", OSError, 2, "/no/such"),
        ("eacces", OSError, 13, "f"),
        ("eexist", OSError, 17, None),
        ("zero", OSError, 0, None),
        ("custom-class", ValueError, 2, None),
    ]:
        try:
            m.from_errno(ty, n, filename)
        except Exception as e:
            out("from_errno", label, type(e).__name__, getattr(e, "errno", None), getattr(e, "strerror", None),
                getattr(e, "filename", None), str(e))


scenario(print)

# Leak check: running everything again leaves no proxy behind.
if _dxpy:
    before = _dxpy.live_proxies()
scenario(lambda *a: None)
scenario(lambda *a: None)
if _dxpy:
    print("live proxies added:", _dxpy.live_proxies() - before, file=sys.stderr)

# Exception classes made in C.
Base = m.new_exception("pkg.mod.BaseError", None, None)
print("new_exception", Base.__module__, Base.__name__, Base.__qualname__, [b.__name__ for b in Base.__bases__],
      Base.__doc__, issubclass(Base, Exception))
Sub = m.new_exception("pkg.SubError", Base, {"x": 1})
print("new_exception-base", Sub.__module__, Sub.__name__, [b.__name__ for b in Sub.__bases__], Sub.x)
Multi = m.new_exception("pkg.Multi", (KeyError, Sub), None)
print("new_exception-bases", [b.__name__ for b in Multi.__bases__], issubclass(Multi, LookupError),
      issubclass(Multi, Base))
Mod = m.new_exception("pkg.Moduled", None, {"__module__": "elsewhere"})
print("new_exception-module-in-dict", Mod.__module__)
Doc = m.new_exception_with_doc("pkg.Doc", "The doc.", ValueError)
print("new_exception_with_doc", Doc.__module__, Doc.__name__, Doc.__doc__, issubclass(Doc, ValueError))
NoDoc = m.new_exception_with_doc("pkg.NoDoc", None, None)
print("new_exception_with_doc-null", NoDoc.__doc__, [b.__name__ for b in NoDoc.__bases__])
try:
    m.new_exception("nodot", None, None)
except Exception as e:
    print("new_exception-nodot", describe(e))
for cls, value in [(Base, "b"), (Sub, (1, 2)), (Multi, "k")]:
    try:
        m.set_object(cls, value)
    except Base as e:
        print("raise-new", type(e).__module__, type(e).__name__, describe(e), isinstance(e, Base))
    except LookupError as e:
        print("raise-new-lookup", type(e).__name__, describe(e))
print("matches-new", m.given_matches(Multi, Base), m.given_matches(Base, Multi), m.given_matches(Multi("x"), KeyError))
