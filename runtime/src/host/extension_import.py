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
        return _unsupported_is_import_error(spec, _dxpy.load_extension, spec.name, spec.origin, spec)

    def exec_module(self, module):
        # Multi-phase modules (PEP 489) run their Py_mod_exec slots here.
        _unsupported_is_import_error(module.__spec__, _dxpy.exec_extension, module)


def _unsupported_is_import_error(spec, step, *args):
    """Runs a step of loading an extension. When it stops at a C-API function DX-Py lacks,
    the module cannot be imported under DX-Py: an ImportError (with the SystemError that
    names the function as its cause), which `except ImportError` fallbacks expect."""
    before = _dxpy.missing_calls()
    try:
        return step(*args)
    except SystemError as e:
        if _dxpy.missing_calls() == before:
            raise
        raise ImportError(f"{spec.name} cannot be imported under DX-Py: {e}", name=spec.name,
                          path=spec.origin) from e


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


def foreign_extension(name, path=None):
    """An extension file for module `name` built for another runtime (`m.cpython-312-...so`,
    a debug or free-threaded build, another platform) in the directories `path` (or
    sys.path), with why DX-Py cannot load it; None if there is none."""
    import os

    last = name.rpartition(".")[2]
    for d in path if path is not None else sys.path:
        try:
            files = sorted(os.listdir(d or "."))
        except (OSError, TypeError):
            continue
        for f in files:
            if f.startswith(last + ".") and (f.endswith(".so") or f.endswith(".pyd")) and not any(
                f == last + s for s in _SUFFIXES
            ):
                full = os.path.join(d, f)
                problem = _dxpy.check_extension(full)[0]
                if problem:
                    return full, problem
    return None


class ForeignExtensionFinder:
    """Last on sys.meta_path: when nothing can import a module but an extension file for it
    built for another runtime exists, says so instead of "No module named ..."."""

    @classmethod
    def find_spec(cls, name, path=None, target=None):
        found = foreign_extension(name, path)
        if found is not None:
            file, problem = found
            raise ModuleNotFoundError(
                f"No module named {name!r} that DX-Py can load: {problem}; install the package's build for"
                " CPython 3.11 (cp311) or the stable ABI (abi3)",
                name=name,
                path=file,
            )
        return None


sys.meta_path.append(ForeignExtensionFinder)
_dxpy.foreign_extension = foreign_extension
