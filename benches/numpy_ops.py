"""numpy array operations and linear algebra (needs a venv with numpy==1.26.4).

Usage: numpy_ops.py [SIZE]   (default 200). Prints `metric` lines and a checksum.
"""
import sys
import time

import numpy as np


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    rng = np.random.default_rng(0)
    a = rng.random((n, n))
    b = rng.random((n, n))
    for label, f in [("add", lambda: a + b), ("matmul", lambda: a @ b), ("solve", lambda: np.linalg.solve(a, b)),
                     ("sum_axis", lambda: a.sum(axis=0)), ("slice_copy", lambda: a[::2, 1::3].copy())]:
        t = time.perf_counter()
        for _ in range(20):
            f()
        print(f"metric {label} {(time.perf_counter() - t) / 20 * 1e3:.3f} ms")
    print("checksum", round(float((a @ b).sum()), 6))


main()
