"""JSON: build a nested document, dumps/loads it repeatedly.

Usage: json_roundtrip.py [ROUNDS]   (default 40). Prints only the checksum line.
"""
import json
import sys


def make_doc(n):
    return {
        "users": [
            {
                "id": i,
                "name": "user%d" % i,
                "email": "user%d@example.com" % i,
                "active": i % 3 != 0,
                "score": i * 0.5,
                "tags": ["t%d" % (i % 7), "g%d" % (i % 5)],
                "address": {"street": "%d Main St" % i, "zip": "%05d" % (i * 37 % 100000), "geo": [i / 10, -i / 20]},
            }
            for i in range(n)
        ],
        "meta": {"count": n, "version": "1.0", "unicode": "h\u00e9llo w\u00f6rld \u2603"},
    }


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    doc = make_doc(500)
    acc = 0
    for _ in range(rounds):
        text = json.dumps(doc, sort_keys=True)
        back = json.loads(text)
        acc += len(text) + len(back["users"]) + back["users"][-1]["id"]
        text2 = json.dumps(back, indent=1)
        acc += len(text2) % 1000
    print("checksum", acc, back == doc)


main()
