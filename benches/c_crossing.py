"""Calls into C (issue #3's crossing benchmark), timed per call inside the script.

Usage: c_crossing.py [CALLS]   (default 1000000). Needs the crossing_ext extension, which
`cargo xtask bench` compiles from c_crossing.c. Prints `metric` lines and a checksum:

  meth_o_call / fastcall_call   whole cost of one call of the C function (loop overhead
                                subtracted: an empty loop of the same length)
  builtin1_call / builtin2_call the same for an interpreter builtin of the same arity
                                (abs(x), pow(a, b)) in the same kind of loop
  meth_o_crossing / fastcall_crossing
                                the difference: what crossing into C costs beyond calling
                                a builtin (on CPython both are C functions, so about 0)
  build_list_1000               one call building a 1000-int list in C
"""
import sys
import time

import crossing_ext as c


def empty(n):
    for _ in range(n):
        pass


def loop1(f, x, n):
    for _ in range(n):
        f(x)


def loop2(f, a, b, n):
    for _ in range(n):
        f(a, b)


def per_call_ns(f, *args):
    n = args[-1]
    best = None
    for _ in range(3):
        t = time.perf_counter()
        f(*args)
        t = time.perf_counter() - t
        best = t if best is None else min(best, t)
    return best * 1e9 / n


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000000
    base = per_call_ns(empty, n)
    o = per_call_ns(loop1, c.meth_o, 12345, n) - base
    b1 = per_call_ns(loop1, abs, 12345, n) - base
    f = per_call_ns(loop2, c.fast_add, 40, 2, n) - base
    b2 = per_call_ns(loop2, pow, 40, 2, n) - base
    builds = max(n // 500, 1)
    t = time.perf_counter()
    total = 0
    for _ in range(builds):
        total += len(c.build_list(1000))
    build_us = (time.perf_counter() - t) * 1e6 / builds
    print("metric meth_o_call", round(o, 2), "ns")
    print("metric builtin1_call", round(b1, 2), "ns")
    print("metric meth_o_crossing", round(o - b1, 2), "ns")
    print("metric fastcall_call", round(f, 2), "ns")
    print("metric builtin2_call", round(b2, 2), "ns")
    print("metric fastcall_crossing", round(f - b2, 2), "ns")
    print("metric build_list_1000", round(build_us, 2), "us")
    check = c.meth_o(7) + c.fast_add(40, 2) + sum(c.build_list(1000)) + total
    print("checksum", check)


main()
