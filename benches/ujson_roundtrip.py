"""ujson.dumps and ujson.loads of a ~1 MB document, timed inside the script (issue #3).

Usage: ujson_roundtrip.py [REPEATS]   (default 5). Needs a venv with ujson==5.10.0.
Prints `metric` lines (ms per dumps / loads of the document) and a checksum.
"""
import sys
import time

import ujson


def document():
    rows = []
    for i in range(6000):
        rows.append({
            "id": i,
            "name": "item-%d" % i,
            "tags": ["a", "b\u00e9", "c\u2603"][: i % 4],
            "price": i * 1.25,
            "ok": i % 3 == 0,
            "nested": {"x": [i, i * 2, None], "y": "text " * (i % 5)},
        })
    return {"rows": rows, "count": len(rows)}


def main():
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    doc = document()
    text = ujson.dumps(doc)
    dumps = loads = None
    for _ in range(repeats):
        t = time.perf_counter()
        text = ujson.dumps(doc)
        d = time.perf_counter() - t
        t = time.perf_counter()
        back = ujson.loads(text)
        lo = time.perf_counter() - t
        dumps = d if dumps is None else min(dumps, d)
        loads = lo if loads is None else min(loads, lo)
    assert back == doc
    print("metric dumps", round(dumps * 1e3, 3), "ms")
    print("metric loads", round(loads * 1e3, 3), "ms")
    print("metric document_size", round(len(text) / 1e6, 3), "MB")
    print("checksum", len(text), len(back["rows"]))


main()
