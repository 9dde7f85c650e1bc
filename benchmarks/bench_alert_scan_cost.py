"""CPU cost of the emerging-phrase scan against the spike scan, on the same demo database.

In a child process with a fresh SQLite database (its own GOODWILL_HOME): build the demo
world (seed 0 by default), then time ``scan_spikes`` (the baseline) and ``scan_emerging``
catching up to the incident's first hour (about 65 days), then ten calls an hour apart
(each emerging call tests the hour's twelve 5-minute steps), then an hour of calls every
5 minutes, as the periodic job makes them live (per hour: twelve calls).

    .venv/bin/python -m benchmarks.bench_alert_scan_cost [--demo-seed 0]
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Sequence
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
    return out


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
    return rows


def _line(row: dict[str, Any]) -> str:
    return (
        f"{row['name']:<55} {row['ours']}{row['unit']}  spike scan {row['baseline']}"
        f"{row['unit']}  ratio {row['ratio']}  ({row['note']})"
    )


def main(argv: Sequence[str] | None = None) -> None:
    demo_child.main(argv, one=_one, run=run, line=_line)


if __name__ == "__main__":
    main()
