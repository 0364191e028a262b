# `finally:` blocks with comprehensions after a `return` in the `try:` (RustPython 0.5
# cannot compile them as written; DX-Py recompiles them, host/interpreter_gaps.py).
# Run under CPython 3.11 and DX-Py; the outputs must match.
log = []


def shared(a):
    total = 0
    try:
        return len(a)
    finally:
        total = sum(x for x in a)  # a name the function binds: nonlocal in the helper
        log.append(("shared", total, [t * 2 for t in a]))


def raising(a):
    try:
        return a[10]
    finally:
        log.append(("raising", {k: v for k, v in enumerate(a)}))


def gen(a):
    try:
        return (yield a)
    finally:
        log.append(("gen", sorted({t for t in a})))


class K:
    def method(self, a):
        try:
            return self
        finally:
            log.append(("method", type(self).__name__, list(map(lambda t: t + 1, a))))


def nested(a):
    def inner():
        try:
            return a
        finally:
            log.append(("nested", [t for t in a]))
    return inner()


print(shared([1, 2, 3]))
try:
    raising([1])
except IndexError as e:
    print("IndexError", e)
g = gen([3, 1, 3])
print(next(g))
try:
    g.send("sent")
except StopIteration as e:
    print("StopIteration", e.value)
print(type(K().method([1])).__name__)
print(nested([5]))
for entry in log:
    print(entry)

# An f-string AST whose values are plain str expressions (as werkzeug's URL builders make).
import ast

name = ast.Call(ast.Name("str", ast.Load()), [ast.Constant(42)], [])
tree = ast.Expression(ast.JoinedStr([ast.Constant("/items/"), name, ast.Constant("?q=1")]))
print(eval(compile(ast.fix_missing_locations(tree), "<ast>", "eval")))
