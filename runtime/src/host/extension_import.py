# DX-Py's import of C extension modules, installed before anything else is imported.
#
# RustPython's importlib knows no extension suffixes; this puts CPython 3.11's back
# (`importlib.machinery.EXTENSION_SUFFIXES`), with a loader that loads through DX-Py's
# C-API, and gives `sys` its `getdlopenflags`/`setdlopenflags`. Directory lookup order is
# CPython's: extensions, then sources, then bytecode.
import sys
import _dxpy
from importlib import machinery
import importlib._bootstrap_external as _external

_SUFFIXES = _dxpy.extension_suffixes()


class ExtensionFileLoader(machinery.ExtensionFileLoader):
    """Loads a C extension module found on sys.path (CPython's loader, DX-Py's loading)."""

    def create_module(self, spec):
        return _dxpy.load_extension(spec.name, spec.origin, spec)

    def exec_module(self, module):
        # Multi-phase modules (PEP 489) run their Py_mod_exec slots here.
        _dxpy.exec_extension(module)


machinery.EXTENSION_SUFFIXES[:] = _SUFFIXES
machinery.all_suffixes = lambda: machinery.SOURCE_SUFFIXES + machinery.BYTECODE_SUFFIXES + _SUFFIXES
machinery.ExtensionFileLoader = ExtensionFileLoader
_external.ExtensionFileLoader = ExtensionFileLoader

_hook = machinery.FileFinder.path_hook(
    (ExtensionFileLoader, _SUFFIXES),
    (machinery.SourceFileLoader, machinery.SOURCE_SUFFIXES),
    (machinery.SourcelessFileLoader, machinery.BYTECODE_SUFFIXES),
)
sys.path_hooks[:] = [
    _hook if getattr(h, "__name__", "") == "path_hook_for_FileFinder" else h for h in sys.path_hooks
]
sys.path_importer_cache.clear()
sys.getdlopenflags = _dxpy.getdlopenflags
sys.setdlopenflags = _dxpy.setdlopenflags
