# Workarounds for gaps in the interpreter (RustPython 0.5.0) that real packages hit, each
# applied only where the interpreter fails and removable once it does not.
#
# 1. "no symbol table available": RustPython's compiler emits a `finally:` block twice when
#    its `try:` returns (once before the return, once for the exception path) and loses
#    the symbol table of a comprehension, lambda or nested def inside it the second time.
#    pytest's own plugins have such blocks, so pytest cannot even be imported. When
#    `compile()` fails with that error, the module is compiled again with each such
#    `finally:` body moved into a local function defined just before the `try` and called
#    from the `finally:` (so the nested scope is emitted once). Names the body assigns that
#    the enclosing function also binds are declared `nonlocal`; bodies that `return`,
#    `yield`, `await`, `break`, `continue` or declare `global`/`nonlocal`, or that bind a
#    name the function reads elsewhere without binding it, are left alone.
#
# 2. `JoinedStr` (f-string) nodes whose values are plain expressions: CPython compiles any
#    str-valued expression there (werkzeug's URL builders make such ASTs), RustPython only
#    `Constant` and `FormattedValue` ("required field "value" missing from Constant"). When
#    compiling an AST fails so, each such value is wrapped in a `FormattedValue` without
#    conversion or format spec, which gives the same str for a str.
import ast as _ast
import builtins as _builtins


def _install():
    scopes = (_ast.ListComp, _ast.SetComp, _ast.DictComp, _ast.GeneratorExp, _ast.Lambda,
              _ast.FunctionDef, _ast.AsyncFunctionDef, _ast.ClassDef)
    blockers = (_ast.Return, _ast.Yield, _ast.YieldFrom, _ast.Await, _ast.Break, _ast.Continue,
                _ast.Nonlocal, _ast.Global)

    def same_scope(nodes):
        todo = list(nodes)
        while todo:
            n = todo.pop()
            yield n
            todo.extend(c for c in _ast.iter_child_nodes(n) if not isinstance(c, scopes))

    def names(nodes, stored):
        return {n.id for n in nodes if isinstance(n, _ast.Name) and isinstance(n.ctx, _ast.Load) != stored}

    class FinallyFix(_ast.NodeTransformer):
        def __init__(self):
            self.functions = []
            self.count = 0

        def visit_FunctionDef(self, node):
            self.functions.append(node)
            self.generic_visit(node)
            self.functions.pop()
            return node

        visit_AsyncFunctionDef = visit_FunctionDef

        def visit_Try(self, node):
            self.generic_visit(node)
            final = node.finalbody
            if not final or not self.functions:
                return node
            if not any(isinstance(n, scopes) for s in final for n in _ast.walk(s)):
                return node
            body_nodes = list(same_scope(final))
            if any(isinstance(n, blockers) for n in body_nodes):
                return node
            func = self.functions[-1]
            inside = set(map(id, body_nodes))
            outside = [n for n in same_scope(func.body) if id(n) not in inside]
            a = func.args
            bound = {x.arg for x in a.posonlyargs + a.args + a.kwonlyargs + [a.vararg, a.kwarg] if x}
            bound |= names(outside, stored=True)
            assigned = names(body_nodes, stored=True)
            if any(n in names(outside, stored=False) and n not in bound for n in assigned):
                return node
            self.count += 1
            name = "__dxpy_finally_%d" % self.count
            shared = sorted(assigned & bound)
            noargs = _ast.arguments(posonlyargs=[], args=[], vararg=None, kwonlyargs=[],
                                    kw_defaults=[], kwarg=None, defaults=[])
            helper = _ast.FunctionDef(name=name, args=noargs,
                                      body=([_ast.Nonlocal(names=shared)] if shared else []) + final,
                                      decorator_list=[], returns=None, type_comment=None)
            node.finalbody = [_ast.Expr(_ast.Call(func=_ast.Name(name, _ast.Load()), args=[], keywords=[]))]
            return [_ast.copy_location(helper, node), node]

    class JoinedStrFix(_ast.NodeTransformer):
        def __init__(self):
            self.count = 0

        def visit_JoinedStr(self, node):
            self.generic_visit(node)
            values = []
            for v in node.values:
                if not isinstance(v, (_ast.Constant, _ast.FormattedValue)):
                    v = _ast.copy_location(_ast.FormattedValue(value=v, conversion=-1, format_spec=None), v)
                    self.count += 1
                values.append(v)
            node.values = values
            return node

    original = _builtins.compile

    def compile(source, filename, mode, flags=0, dont_inherit=False, optimize=-1, **kwargs):
        try:
            return original(source, filename, mode, flags, dont_inherit, optimize, **kwargs)
        except TypeError as e:
            if not isinstance(source, _ast.AST) or 'required field "value" missing from Constant' not in str(e):
                raise
            fix = JoinedStrFix()
            tree = _ast.fix_missing_locations(fix.visit(source))
            if not fix.count:
                raise
            return original(tree, filename, mode, flags, dont_inherit, optimize, **kwargs)
        except SyntaxError as e:
            if "no symbol table available" not in str(e) or flags & _ast.PyCF_ONLY_AST:
                raise
            tree = source if isinstance(source, _ast.AST) else original(
                source, filename, mode, flags | _ast.PyCF_ONLY_AST, dont_inherit, optimize)
            fix = FinallyFix()
            tree = _ast.fix_missing_locations(fix.visit(tree))
            if not fix.count:
                raise
            return original(tree, filename, mode, flags, dont_inherit, optimize, **kwargs)

    compile.__doc__ = original.__doc__
    _builtins.compile = compile


_install()
del _install
