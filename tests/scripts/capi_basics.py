# Loads tests/fixtures/capi_basics.c (compiled; path in argv[1]) and prints what its
# C-API checks return. Run under CPython 3.11 and DX-Py; the output must be identical.
import ctypes
import sys

lib = ctypes.PyDLL(sys.argv[1])
for name, restype in [("refcount_deltas", ctypes.c_long), ("error_indicator", ctypes.c_int), ("static_layouts", ctypes.c_int)]:
    fn = getattr(lib, name)
    fn.restype = restype
    print(name, fn())
