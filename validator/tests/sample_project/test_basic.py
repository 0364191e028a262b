"""A tiny unittest-style suite: passing, failing, erroring and skipped tests."""
import unittest


class Arithmetic(unittest.TestCase):
    def test_add(self):
        self.assertEqual(1 + 1, 2)

    def test_mul(self):
        self.assertEqual(2 * 3, 6)

    def test_wrong(self):
        self.assertEqual(1 + 1, 3)

    def test_raises(self):
        {}["missing"]

    @unittest.skip("not today")
    def test_skipped(self):
        pass

    @unittest.expectedFailure
    def test_known_bug(self):
        self.assertEqual(0, 1)

    def test_documented(self):
        """A test with a docstring."""
        self.assertTrue(True)


class Strings(unittest.TestCase):
    def test_upper(self):
        self.assertEqual("abc".upper(), "ABC")

    def test_split(self):
        self.assertEqual("a,b".split(","), ["a", "b"])


if __name__ == "__main__":
    unittest.main()
