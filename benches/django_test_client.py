"""Django request latency through its test client, with the SQLite backend.

Usage: django_test_client.py [REQUESTS]   (default 1000). Needs a venv with django==5.1.4.
Prints `metric` lines (µs per request for a plain view and a view that queries the
database) and a checksum of the responses.
"""
import sys
import time

import django
from django.conf import settings

settings.configure(
    DEBUG=False,
    SECRET_KEY="bench",
    ROOT_URLCONF=__name__,
    ALLOWED_HOSTS=["testserver"],
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
    INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth"],
    MIDDLEWARE=[],
)
django.setup()

from django.contrib.auth.models import Group  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.http import HttpResponse, JsonResponse  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import path  # noqa: E402


def hello(request):
    return HttpResponse("hello")


def groups(request):
    return JsonResponse({"groups": list(Group.objects.order_by("id").values_list("name", flat=True)[:5])})


urlpatterns = [path("", hello), path("groups/", groups)]


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    call_command("migrate", verbosity=0)
    Group.objects.bulk_create([Group(name=f"g{i}") for i in range(10)])
    client = Client()
    total = 0
    for label, url in [("plain", "/"), ("orm", "/groups/")]:
        client.get(url)
        t = time.perf_counter()
        for _ in range(n):
            r = client.get(url)
            total += r.status_code + len(r.content)
        print(f"metric {label}_request {(time.perf_counter() - t) / n * 1e6:.1f} us")
    print("checksum", total)


main()
