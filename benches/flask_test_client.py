"""Flask request latency and throughput through its test client (no network).

Usage: flask_test_client.py [REQUESTS]   (default 2000). Needs a venv with flask==3.1.0.
Prints `metric` lines (µs per request for a plain, a JSON and a templated route) and a
checksum of the responses.
"""
import sys
import time

from flask import Flask, jsonify, render_template_string

app = Flask(__name__)


@app.route("/")
def index():
    return "hello"


@app.route("/items/<int:item>")
def item(item):
    return jsonify(id=item, name=f"item-{item}", tags=["a", "b"])


@app.route("/page/<name>")
def page(name):
    return render_template_string("<h1>{{ name }}</h1>{% for i in range(5) %}<p>{{ i }}</p>{% endfor %}", name=name)


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    client = app.test_client()
    total = 0
    for label, path in [("plain", "/"), ("json", "/items/{}"), ("template", "/page/p{}")]:
        client.get(path.format(0))  # warm the route and its caches
        t = time.perf_counter()
        for i in range(n):
            r = client.get(path.format(i))
            total += r.status_code + len(r.data)
        per = (time.perf_counter() - t) / n
        print(f"metric {label}_request {per * 1e6:.1f} us")
    print("checksum", total)


main()
