"""CPU cost of the emerging-phrase scan against the spike scan, on the same demo database.

In a child process with a fresh SQLite database (its own GOODWILL_HOME): build the demo
world (seed 0 by default), then time ``scan_spikes`` (the baseline) and ``scan_emerging``
catching up to the incident's first hour (about 65 days), then ten calls an hour apart
(each emerging call tests the hour's twelve 5-minute steps), then an hour of calls every
5 minutes, as the periodic job makes them live (per hour: twelve calls). The emerging
calls use the process's window cache (``scan_emerging``'s default). Last, the next hour of
5-minute calls twice at each step, in the same process: a full read of the reach (as
before the cache; rolled back, after one untimed full read that tokenises the four weeks
into the terms cache) and the cached call that is kept.

    .venv/bin/python -m benchmarks.bench_alert_scan_cost [--demo-seed 0]
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks import demo_child
from benchmarks.demo_child import in_child, setup_django


def _one(seed: int) -> dict[str, float]:
    setup_django()
    from goodwill.demo.generator import DEFAULT_END
    from goodwill.demo.services import build_demo
    from goodwill.insights import services

    truth = Path(os.environ["GOODWILL_HOME"]) / "truth.json"
    c0 = time.process_time()
    build_demo(seed=seed, end=DEFAULT_END, truth_path=truth)
    out = {"build": time.process_time() - c0}
    start = datetime.fromisoformat(json.loads(truth.read_text())["incident"]["start"])
    start = start.replace(minute=0, second=0, microsecond=0)
    for name, scan in (("spikes", services.scan_spikes), ("emerging", services.scan_emerging)):
        c0 = time.process_time()
        scan(now=start, lookback=timedelta(days=120))
        out[f"{name}_catch_up"] = time.process_time() - c0
        c0 = time.process_time()
        for hour in range(1, 11):
            scan(now=start + timedelta(hours=hour))
        out[f"{name}_hourly"] = (time.process_time() - c0) / 10
        c0 = time.process_time()
        for step in range(1, 13):
            scan(now=start + timedelta(hours=10, minutes=5 * step))
        out[f"{name}_live"] = time.process_time() - c0
    out.update(_cache_against_full_read(start + timedelta(hours=11)))
    return out


def _cache_against_full_read(hour: datetime) -> dict[str, float]:
    """CPU seconds of an hour of 5-minute emerging calls from ``hour``: each step read fully
    (then rolled back) and with the window cache (kept), one after the other."""
    from django.db import transaction

    from goodwill.insights import services
    from goodwill.listening import selectors

    def full_read(now: datetime) -> float:
        with transaction.atomic():
            c0 = time.process_time()
            services.scan_emerging(now=now, incremental=False)
            spent = time.process_time() - c0
            transaction.set_rollback(True)
        return spent

    window = services._EMERGING_WINDOWS["default"]
    full_before = window.full_reads
    full_read(hour + timedelta(minutes=5))  # warm the terms cache, as a live process has
    # The shares of the cached calls' CPU: the analysis over the reach's posts and the
    # fingerprint query that checks the held messages.
    parts = {(services, "find_emerging"): 0.0, (selectors, "customer_message_fingerprint"): 0.0}

    def timed(where: tuple[Any, str], fn: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            c0 = time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                parts[where] += time.process_time() - c0

        return call

    full = cached = 0.0
    for step in range(1, 13):
        now = hour + timedelta(minutes=5 * step)
        full += full_read(now)
        originals = {where: getattr(*where) for where in parts}
        for where, fn in originals.items():
            setattr(*where, timed(where, fn))
        c0 = time.process_time()
        try:
            services.scan_emerging(now=now)
        finally:
            for where, fn in originals.items():
                setattr(*where, fn)
        cached += time.process_time() - c0
    return {
        "emerging_cached_hour": cached,
        "emerging_full_read_hour": full,
        "emerging_cached_hour_analysis": parts[(services, "find_emerging")],
        "emerging_cached_hour_fingerprint": parts[(selectors, "customer_message_fingerprint")],
        "cached_calls_read_fully": window.full_reads - full_before,
        "posts_held": len(window),
    }


def run(argv: Sequence[str] | None = None) -> list[dict[str, Any]]:
    parser = argparse.ArgumentParser(prog="bench_alert_scan_cost")
    parser.add_argument("--demo-seed", type=int, default=0)
    args, _ = parser.parse_known_args(list(argv or []))
    r = in_child("benchmarks.bench_alert_scan_cost", args.demo_seed, prefix="gw-scan-cost-")
    rows = []
    for what, label in (
        ("catch_up", "catch up ~65 days"),
        ("hourly", "one call an hour"),
        ("live", "an hour of calls every 5 minutes"),
    ):
        ours, base = r[f"emerging_{what}"], r[f"spikes_{what}"]
        rows.append(
            {
                "name": f"emerging-phrase scan vs spike scan: {label}",
                "ours": round(ours, 3),
                "unit": " s CPU",
                "baseline": round(base, 3),
                "ratio": round(ours / base, 2) if base else None,
                "peak_mb": None,
                "note": f"demo seed {args.demo_seed}; building the demo took {r['build']:.0f} s",
            }
        )
    ours, base = r["emerging_cached_hour"], r["emerging_full_read_hour"]
    rows.append(
        {
            "name": "emerging scan, an hour of 5-minute calls: window cache vs full read",
            "ours": round(ours, 3),
            "unit": " s CPU",
            "baseline": round(base, 3),
            "baseline_name": "full read",
            "ratio": round(ours / base, 2) if base else None,
            "peak_mb": None,
            "note": f"demo seed {args.demo_seed}; same process, each step both ways;"
            f" {r['posts_held']} posts in the reach;"
            f" cached calls that read fully: {r['cached_calls_read_fully']};"
            f" of the cached calls' CPU, the analysis (analysis.emerging.scan_emerging):"
            f" {r['emerging_cached_hour_analysis']:.3f} s, the fingerprint query:"
            f" {r['emerging_cached_hour_fingerprint']:.3f} s",
        }
    )
    return rows


def _line(row: dict[str, Any]) -> str:
    return (
        f"{row['name']:<55} {row['ours']}{row['unit']}"
        f"  {row.get('baseline_name', 'spike scan')} {row['baseline']}"
        f"{row['unit']}  ratio {row['ratio']}  ({row['note']})"
    )


def main(argv: Sequence[str] | None = None) -> None:
    demo_child.main(argv, one=_one, run=run, line=_line)


if __name__ == "__main__":
    main()
