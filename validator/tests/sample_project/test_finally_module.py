"""A module RustPython 0.5 cannot compile as written (a comprehension in a `finally:` after
a `return`); it imports under DX-Py through the workaround in host/interpreter_gaps.py."""
import unittest


def first(items):
    try:
        return items[0]
    finally:
        seen = {t for t in items}  # noqa: F841


class Finally(unittest.TestCase):
    def test_first(self):
        self.assertEqual(first([3, 4]), 3)

    def test_first_single(self):
        self.assertEqual(first([5]), 5)
