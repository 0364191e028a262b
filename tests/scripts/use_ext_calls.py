# Calls tests/fixtures/ext_calls.c (installed as module `ext_calls` on sys.path) and prints
# every result or exception. Run under CPython 3.11 and DX-Py; the outputs must match.
import ext_calls as m


def show(label, f, *args):
    try:
        print(label, repr(f(*args)))
    except Exception as e:
        print(label, type(e).__name__, e)


print(m.__name__, m.__doc__, m.ANSWER, m.GREETING, m.PI)
show("add", m.add, 2, 3)
show("add-big", m.add, 2**40, 1)
show("add-neg", m.add, -7, 2)
show("add-bool", m.add, True, True)
show("add-str", m.add, "x", 1)
show("add-overflow", m.add, 2**70, 1)
show("add-arity", m.add, 1)
marker = object()
print("identity-object", m.identity(marker) is marker)
t = (1, "a", None, 2.5)
print("identity-tuple", m.identity(t) is t, m.identity(t))
print("identity-none", m.identity(None) is None, m.identity(True) is True)
for v in [0, 1, -1, 2**30, -(2**31), 2**62, 10**30, "", "abc", "héllo", "日本語", "🐍x", b"bytes\x00z", 1.5, -0.0]:
    print("identity-value", repr(m.identity(v)), m.identity(v) == v)
show("describe", m.describe, 1.5, 2)
show("describe-empty", m.describe)
show("describe-str", m.describe, "s")
show("utf8-ascii", m.utf8_len, "abc")
show("utf8-latin1", m.utf8_len, "héllo")
show("utf8-cjk", m.utf8_len, "日本")
show("utf8-astral", m.utf8_len, "🐍")
show("utf8-notstr", m.utf8_len, 5)
show("half", m.half, 3)
show("half-float", m.half, 2.5)
show("half-str", m.half, "x")
show("ll", m.roundtrip_long_long, 2**62)
show("ll-neg", m.roundtrip_long_long, -(2**63))
show("ll-overflow", m.roundtrip_long_long, 2**64)
show("layout-ascii", m.layout, 97, "abc")
show("layout-latin1", m.layout, 0xe9, "é!")
show("layout-ucs2", m.layout, 0x65e5, "日本")
show("layout-ucs4", m.layout, 0x1F40D, "🐍")
show("fail", m.fail_silently)
show("noargs-extra", m.fail_silently, 1)
show("o-arity", m.identity)
