"""sorted() of pseudo-random ints (a deterministic LCG, so both runtimes sort the same data).
A known RustPython weak spot.

Usage: sort_ints.py [COUNT]   (default 200000). Prints only the checksum line.
"""
import sys


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200000
    state = 12345
    data = []
    for _ in range(n):
        state = (state * 1103515245 + 12345) & 0x7FFFFFFF
        data.append(state % 1000000007)
    out = sorted(data)
    acc = 0
    for i in range(0, n, max(1, n // 1000)):
        acc = (acc * 31 + out[i]) % (1 << 61)
    print("checksum", acc, out[0], out[-1], len(out))


main()
