"""Behaviour DX-Py (RustPython 0.5) does not have yet, exercised one test at a time."""
import unittest

# A comprehension inside a `finally:` block after a `return` in the `try:` does not
# compile under RustPython 0.5 ("no symbol table available"); this is what stops pytest.
SRC = "def f(a):\n    try:\n        return 1\n    finally:\n        n = [t for t in a]\n"


class Gaps(unittest.TestCase):
    def test_comprehension_in_finally(self):
        ns = {}
        exec(compile(SRC, "<gap>", "exec"), ns)
        self.assertEqual(ns["f"]([1]), 1)

    def test_len(self):
        self.assertEqual(len([1, 2]), 2)
