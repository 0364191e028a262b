"""String operations: formatting, split/join, replace, find, upper/lower, slicing.

Usage: str_ops.py [ITERATIONS]   (default 120000). Prints only the checksum line.
"""
import sys


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 120000
    words = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"]
    acc = 0
    for i in range(n):
        w = words[i % len(words)]
        s = "%s-%d-%s" % (w, i, w.upper())
        s = f"{s}:{i * 3}:{w[::-1]}"
        parts = s.split("-")
        joined = "|".join(parts)
        joined = joined.replace("|", ", ").lower()
        acc += len(joined) + joined.find(w) + joined.count("a")
        if joined.startswith(w) and joined.endswith(w[::-1]):
            acc += 1
        acc += len(s.strip(w).center(40, "*"))
    print("checksum", acc)


main()
