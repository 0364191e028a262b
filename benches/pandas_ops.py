"""pandas DataFrame operations and CSV I/O (needs a venv with pandas==2.2.3).

Usage: pandas_ops.py [ROWS]   (default 50000). Prints `metric` lines and a checksum.
"""
import io
import sys
import time

import pandas as pd


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 50000
    df = pd.DataFrame({"k": [i % 97 for i in range(n)], "v": [i * 0.5 for i in range(n)], "s": [f"r{i}" for i in range(n)]})
    t = time.perf_counter()
    g = df.groupby("k")["v"].sum()
    print(f"metric groupby {(time.perf_counter() - t) * 1e3:.3f} ms")
    t = time.perf_counter()
    text = df.to_csv(index=False)
    back = pd.read_csv(io.StringIO(text))
    print(f"metric csv_roundtrip {(time.perf_counter() - t) * 1e3:.3f} ms")
    t = time.perf_counter()
    m = df.merge(g.rename("total").reset_index(), on="k")
    print(f"metric merge {(time.perf_counter() - t) * 1e3:.3f} ms")
    print("checksum", round(float(g.sum()), 3), len(back), len(m))


main()
