# `dx-py run --compatibility-check SCRIPT`: follows the script's imports without running
# anything (modules are parsed, not imported) and reports each extension module that will
# fail or may fail under DX-Py, and why, with a workaround where one is known.
import ast
import os
import sys
from importlib import machinery

import _dxpy

_STDLIB = os.path.dirname(os.__file__)
_GUARDS = {"ImportError", "ModuleNotFoundError", "Exception", "BaseException"}


def _guarded(node, parents):
    """Whether an import sits in a `try` whose handlers catch ImportError."""
    child = node
    for parent in parents.get(id(node), []):
        if isinstance(parent, ast.Try) and child in parent.body:
            for handler in parent.handlers:
                names = []
                if handler.type is None:
                    return True
                for t in handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]:
                    names.append(t.id if isinstance(t, ast.Name) else getattr(t, "attr", ""))
                if _GUARDS.intersection(names):
                    return True
        child = parent
    return False


def _type_checking_only(node, parents):
    """Whether an import sits under `if TYPE_CHECKING:` (never executed)."""
    child = node
    for parent in parents.get(id(node), []):
        if isinstance(parent, ast.If) and child in parent.body:
            test = parent.test
            if getattr(test, "id", None) == "TYPE_CHECKING" or getattr(test, "attr", None) == "TYPE_CHECKING":
                return True
        child = parent
    return False


def _imports(path, module, is_package):
    """(module name, line, guarded) for every import in a file, relative ones resolved."""
    with open(path, "rb") as f:
        tree = ast.parse(f.read(), path)
    parents = {}

    def visit(node, chain):
        for child in ast.iter_child_nodes(node):
            parents[id(child)] = chain
            visit(child, [child] + chain)

    visit(tree, [tree])
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)) and _type_checking_only(node, parents):
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno, _guarded(node, parents)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".") if package else []
                parts = parts[: len(parts) - (node.level - 1)] if node.level > 1 else parts
                base = ".".join(parts + ([base] if base else []))
            if not base:
                continue
            guarded = _guarded(node, parents)
            yield base, node.lineno, guarded
            for alias in node.names:
                if alias.name != "*":
                    # `from pkg import name` may name a submodule; resolved only if it is one.
                    yield base + "." + alias.name, node.lineno, guarded


def _find(name, cache):
    """The spec of `name`, found like the import system finds it, without executing it."""
    if name in cache:
        return cache[name]
    spec = None
    parent, _, _ = name.rpartition(".")
    if not parent:
        if name in sys.builtin_module_names:
            spec = machinery.ModuleSpec(name, None, origin="built-in")
        else:
            spec = machinery.PathFinder.find_spec(name, sys.path)
    else:
        parent_spec = _find(parent, cache)
        locations = parent_spec and parent_spec.submodule_search_locations
        if locations:
            spec = machinery.PathFinder.find_spec(name, list(locations))
    cache[name] = spec
    return spec


def check(script):
    sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
    queue = [(os.path.abspath(script), "__main__", False)]
    followed, cache, reports = set(), {}, {}
    while queue:
        path, module, is_package = queue.pop()
        if path in followed:
            continue
        followed.add(path)
        try:
            found = list(_imports(path, module, is_package))
        except (SyntaxError, OSError, ValueError) as e:
            reports.setdefault(module, ("UNREADABLE", path, f"{type(e).__name__}: {e}", path, 0, False))
            continue
        for name, line, guarded in found:
            spec = _find(name, cache)
            where = (os.path.relpath(path), line)
            if spec is None:
                parent = name.rpartition(".")[0]
                parent_spec = _find(parent, cache) if parent else None
                if "." in name and parent_spec is None:
                    continue
                locations = parent_spec.submodule_search_locations if parent_spec else None
                foreign = _dxpy.foreign_extension(name, list(locations) if locations else None)
                if foreign is not None:
                    file, problem = foreign
                    reports.setdefault(name, ("WILL FAIL", file, problem, *where, guarded))
                else:
                    reports.setdefault(name, ("NOT FOUND", None, "no such module on sys.path", *where, guarded))
                continue
            origin = spec.origin or ""
            if origin.endswith(tuple(machinery.EXTENSION_SUFFIXES)):
                problem, stubbed, missing = _dxpy.check_extension(origin, name)
                if problem or missing:
                    reports.setdefault(name, ("WILL FAIL", origin, problem or "needs " + ", ".join(missing), *where, guarded))
                elif stubbed:
                    reason = f"uses {len(stubbed)} C-API entries DX-Py does not implement yet: " + ", ".join(stubbed)
                    reports.setdefault(name, ("MAY FAIL", origin, reason, *where, guarded))
                else:
                    reports.setdefault(name, ("OK", origin, "every C-API entry it uses is implemented", *where, guarded))
            elif origin.endswith(".py") and not origin.startswith(_STDLIB):
                queue.append((origin, name, spec.submodule_search_locations is not None))
    return len(followed), reports


def main(script):
    followed, reports = check(script)
    extensions = sum(1 for r in reports.values() if r[1] and r[0] != "NOT FOUND")
    print(f"dx-py compatibility check of {script}: followed {followed} Python files, found {extensions} extension modules")
    counts = {}
    for name in sorted(reports, key=lambda n: (["WILL FAIL", "NOT FOUND", "MAY FAIL", "UNREADABLE", "OK"].index(reports[n][0]), n)):
        verdict, origin, reason, importer, line, guarded = reports[name]
        counts[verdict] = counts.get(verdict, 0) + 1
        print(f"  {verdict:<10} {name}" + (f"  ({origin})" if origin else ""))
        print(f"             imported at {importer}:{line}")
        print(f"             {reason}")
        if guarded and verdict != "OK":
            print("             workaround: this import is guarded by `except ImportError`; the package falls back"
                  " (often to pure Python) when it fails at import")
        elif verdict in ("WILL FAIL", "MAY FAIL"):
            print("             workaround: run this part under CPython 3.11, or use a pure-Python alternative")
    print("summary: " + ", ".join(f"{counts.get(k, 0)} {k.lower()}" for k in ["WILL FAIL", "MAY FAIL", "NOT FOUND", "OK"]))
    unguarded_failures = [r for r in reports.values() if r[0] in ("WILL FAIL", "NOT FOUND") and not r[5]]
    raise SystemExit(1 if unguarded_failures else 0)
