"""A first look at DX-Py: the interpreter, its arguments, and its C-API layer."""
import sys

import _dxpy  # DX-Py's introspection module

print(f"Hello from DX-Py: {sys.implementation.name}, argv={sys.argv[1:]}")
for name in ["Py_IncRef", "PyErr_Occurred", "PyList_New"]:
    print(f"  C-API {name}: {_dxpy.capi_status(name)}")
