"""Behaviour DX-Py (RustPython 0.5) does not have yet, exercised one test at a time."""
import sys
import unittest

# A comprehension inside a `finally:` block after a `return` in the `try:` does not
# compile under RustPython 0.5 ("no symbol table available"); DX-Py works around it
# (runtime/src/host/interpreter_gaps.py), and this is what lets pytest run.
SRC = "def f(a):\n    try:\n        return 1\n    finally:\n        n = [t for t in a]\n"


class Gaps(unittest.TestCase):
    def test_comprehension_in_finally(self):
        ns = {}
        exec(compile(SRC, "<gap>", "exec"), ns)
        self.assertEqual(ns["f"]([1]), 1)

    def test_audit_hook(self):
        # PEP 578 audit hooks: RustPython 0.5's sys has no addaudithook.
        sys.addaudithook(lambda event, args: None)

    def test_len(self):
        self.assertEqual(len([1, 2]), 2)
