"""A module that itself does not compile under DX-Py: every test in it errors there."""
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
