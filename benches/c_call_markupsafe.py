"""C-extension calls: markupsafe._speedups.escape in a loop (needs a venv with markupsafe==2.1.5).

Usage: c_call_markupsafe.py [ITERATIONS]   (default 200000). Prints only the checksum line.
"""
import sys

from markupsafe._speedups import escape


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200000
    samples = ["plain text", "<b>bold</b> & 'quoted' \"double\"", "x" * 40 + "<>", "caf\u00e9 <\u2603>", ""]
    acc = 0
    for i in range(n):
        acc += len(escape(samples[i % len(samples)]))
    print("checksum", acc)


main()
