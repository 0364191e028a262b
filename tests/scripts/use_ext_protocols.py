# Calls tests/fixtures/ext_protocols.c: the buffer protocol and helpers wheels use.
# Run under CPython 3.11 and DX-Py; the outputs must match.
import array
import sys

import ext_protocols as m

try:
    import _dxpy
except ImportError:
    _dxpy = None


def show(label, f, *args):
    try:
        print(label, repr(f(*args)))
    except Exception as e:
        print(label, type(e).__name__, e)


SIMPLE, WRITABLE, FORMAT, ND, STRIDES = 0, 1, 4, 8, 0x18
before = _dxpy.live_proxies() if _dxpy else 0

b = b"hello"
show("bytes-simple", m.buffer_info, b, SIMPLE)
show("bytes-full", m.buffer_info, b, STRIDES | FORMAT)
show("bytes-writable", m.buffer_info, b, WRITABLE)
ba = bytearray(b"abc")
show("bytearray-write", m.buffer_info, ba, WRITABLE | ND, True)
print("bytearray after", ba)
show("bytearray-empty", m.buffer_info, bytearray(), SIMPLE)
show("memoryview", m.buffer_info, memoryview(b"xyz"), ND | FORMAT)
show("array", m.buffer_info, array.array("i", [7, 8]), ND)
show("str", m.buffer_info, "text", SIMPLE)
show("int", m.buffer_info, 5, SIMPLE)
for o in (b"", bytearray(), memoryview(b""), "s", 1, None):
    show("check_buffer %s" % type(o).__name__, m.check_buffer, o)

for i, o in enumerate((iter([]), [], (x for x in []), iter("ab"), 5, enumerate([]))):
    show("iter_check %d" % i, m.iter_check, o)

for base in (2, 8, 10, 16, 3):
    show("to_base %d" % base, m.to_base, 255, base)
show("to_base-neg", m.to_base, -10, 16)
show("to_base-big", m.to_base, 2**100, 16)
show("to_base-float", m.to_base, 1.5, 10)
show("to_base-bool", m.to_base, True, 2)

for text, base in (("123", 10), ("  -42  ", 10), ("0x1f", 0), ("1_000", 10), ("ff", 16), ("zz", 36),
                   ("12abc", 10), ("", 10), ("0b101", 0), ("9" * 40, 10), ("10", 1), ("10", 37)):
    show("long_from_string %r %d" % (text, base), m.long_from_string, text, base)

show("encode-utf8", m.encode, "héllo", None, None)
show("encode-latin1", m.encode, "héllo", "latin-1", None)
show("encode-ascii-strict", m.encode, "héllo", "ascii", None)
show("encode-ascii-replace", m.encode, "héllo", "ascii", "replace")
# RustPython's message spells the codec name normalised; the exception type must match.
try:
    m.encode("x", "no-such-codec", None)
except LookupError as e:
    print("encode-unknown LookupError")
show("encode-notstr", m.encode, b"x", None, None)
show("encode-surrogatepass", m.encode, "a\udc7fb", "utf-8", "surrogatepass")
show("encode-surrogate-strict", m.encode, "\ud800", None, None)

show("pack-0", m.pack)
show("pack-1", m.pack, "a")
show("pack-3", m.pack, 1, [2], None)
show("pack_refcount", m.pack_refcount)

del b, ba
if _dxpy:
    print("live proxies added:", _dxpy.live_proxies() - before, file=sys.stderr)
