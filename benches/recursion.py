"""Naive recursive Fibonacci: function-call overhead.

Usage: recursion.py [N]   (default 28, computed 3 times). Prints only the checksum line.
"""
import sys


def fib(n):
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 28
    total = 0
    for _ in range(3):
        total += fib(n)
    print("checksum", total)


main()
