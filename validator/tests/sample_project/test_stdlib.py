"""Tests touching the standard library, some of which behave differently on other runtimes."""
import json
import unittest


class Stdlib(unittest.TestCase):
    def test_json_roundtrip(self):
        self.assertEqual(json.loads(json.dumps({"a": [1, 2]})), {"a": [1, 2]})

    def test_missing_module(self):
        import not_a_real_module_xyz  # noqa: F401

    def test_asyncio_run(self):
        import asyncio

        async def double(x):
            await asyncio.sleep(0)
            return 2 * x

        self.assertEqual(asyncio.run(double(21)), 42)

    @unittest.skipIf(True, "platform specific")
    def test_platform(self):
        pass

    def test_sorted(self):
        self.assertEqual(sorted([3, 1, 2]), [1, 2, 3])


if __name__ == "__main__":
    unittest.main()
