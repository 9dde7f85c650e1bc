"""CPU of one /alerts/ load against the messages list (a paged list page) in the same run.

Reads an existing database (build one with ``goodwill demo --no-serve``); writes nothing
except one session for a superuser. Also times what /alerts/ used to compute on every load
after a new message (the "new themes" report, now stored by the periodic scan), so the
saving is a ratio on the same machine at the same moment.

    GOODWILL_HOME=/tmp/demo-home .venv/bin/python -m benchmarks.bench_alerts_page [--loads 5]
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable, Sequence
from typing import Any


def _cpu_per_call(fn: Callable[[], Any], loads: int) -> float:
    fn()  # warm: templates compiled, caches filled
    best = float("inf")
    for _ in range(loads):  # the best of several: the machine is shared and noisy
        c0 = time.process_time()
        fn()
        best = min(best, time.process_time() - c0)
    return best


def run(argv: Sequence[str] | None = None) -> list[dict[str, Any]]:
    parser = argparse.ArgumentParser(prog="bench_alerts_page")
    parser.add_argument("--loads", type=int, default=5)
    args, _ = parser.parse_known_args(list(argv or []))
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "goodwill.settings")
    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from goodwill.insights import selectors
    from goodwill.insights.models import Alert

    user = get_user_model().objects.filter(is_superuser=True).first()
    if user is None or not Alert.objects.exists():
        raise SystemExit("needs a database with alerts and a superuser: run `goodwill demo`")
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)

    def page(url: str) -> Callable[[], Any]:
        def get() -> Any:
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            return response

        return get

    def themes_uncached() -> Any:
        selectors._THEME_CACHE.clear()
        return selectors.recent_themes()

    rows: list[dict[str, Any]] = []
    for name, fn in (
        ("messages list (baseline)", page("/messages/")),
        ("alerts list", page("/alerts/")),
        ("alerts list, emerging only", page("/alerts/?kind=emerging&status=")),
        ("alert detail", page(f"/alerts/{Alert.objects.order_by('-observed').first().pk}/")),  # type: ignore[union-attr]
        ("themes report (was per load)", themes_uncached),
    ):
        with CaptureQueriesContext(connection) as queries:
            fn()
        n_queries = len(queries)  # now: the next request clears Django's query log
        rows.append({"what": name, "cpu_s": _cpu_per_call(fn, args.loads), "queries": n_queries})
    base = rows[0]["cpu_s"]
    for row in rows:
        row["x_baseline"] = row["cpu_s"] / base if base else float("nan")
    return rows


def main(argv: Sequence[str] | None = None) -> None:
    rows = run(argv)
    print(f"{'what':<32} {'CPU s':>8} {'x messages list':>16} {'queries':>8}")
    for r in rows:
        print(f"{r['what']:<32} {r['cpu_s']:>8.3f} {r['x_baseline']:>16.2f} {r['queries']:>8}")


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
