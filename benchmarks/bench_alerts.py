"""The spike watch on the demo world's planted incident, replayed live (see README-alerts.md).

For each seed, in a fresh SQLite database (a child process with its own GOODWILL_HOME):
build the demo (50,000 messages), scan once up to the incident's first hour, then every
hour; report when the first alert driven by incident messages opened, for each detector
(volume spikes per series, and emerging phrases), and the emerging-phrase alerts opened
before the incident (false alarms: the demo plants nothing else that bursts). The volume
spike detector is the baseline the emerging-phrase timing is compared with in the same
run. The same detector over real tweets: bench_emerging_airline.

    .venv/bin/python -m benchmarks.bench_alerts                 # seeds 0-4
    .venv/bin/python -m benchmarks.bench_alerts --demo-seeds 0,1
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks import demo_child
from benchmarks.demo_child import in_child, setup_django


def _one(seed: int) -> dict[str, Any]:
    setup_django()
    from goodwill.insights.tests.demo_incident import replay_incident

    r = replay_incident(seed=seed, truth_path=Path(os.environ["GOODWILL_HOME"]) / "truth.json")
    return {
        "seed": seed,
        "start": r.start.isoformat(),
        "growth_10pct_at": r.growth_10pct_at.isoformat(),
        "peak": r.peak.isoformat(),
        "fired_at": r.fired_at.isoformat() if r.fired_at else None,
        "series": r.series,
        "hours_after_start": r.hours_after_start,
        "growth_share": r.growth_share,
        "volume_share": r.volume_share,
        "within_first_10pct": r.within_first_10pct,
        "alerts_in_week_before": r.alerts_in_week_before,
        "emerging_fired_at": r.emerging_fired_at.isoformat() if r.emerging_fired_at else None,
        "emerging_phrase": r.emerging_phrase,
        "emerging_precision": r.emerging_precision,
        "emerging_hours_after_start": r.emerging_hours_after_start,
        "emerging_growth_share": r.emerging_growth_share,
        "emerging_within_first_10pct": r.emerging_within_first_10pct,
        "emerging_before": list(r.emerging_before),
        "weeks_before": r.weeks_before,
        "false_alarms_per_week": r.false_alarms_per_week,
    }


def _child(seed: int) -> dict[str, Any]:
    return in_child("benchmarks.bench_alerts", seed, prefix="gw-alerts-")


def run(argv: Sequence[str] | None = None) -> list[dict[str, Any]]:
    parser = argparse.ArgumentParser(prog="bench_alerts")
    parser.add_argument("--demo-seeds", default="0,1,2,3,4")
    args, _ = parser.parse_known_args(argv)
    seeds = [int(s) for s in args.demo_seeds.split(",") if s.strip()]
    rows: list[dict[str, Any]] = []
    results = [_child(seed) for seed in seeds]
    for r in results:
        fired = r["fired_at"] is not None
        rows.append(
            {
                "name": f"alerts: demo incident, seed {r['seed']}",
                "ours": r["hours_after_start"],
                "unit": " h",
                "baseline": None,
                "ratio": None,
                "peak_mb": None,
                "note": (
                    f"first alert {r['series']}; "
                    + (
                        f"{r['growth_share']:.0%} of growth time, hourly volume "
                        f"{r['volume_share']:.1%} of peak; "
                        if fired
                        else "none before the peak; "
                    )
                    + f"in first 10% of growth: {'yes' if r['within_first_10pct'] else 'no'}; "
                    f"{r['alerts_in_week_before']} alert(s) in the week before"
                ),
                "extra": r,
            }
        )
    for r in results:
        fired = r["emerging_fired_at"] is not None
        rows.append(
            {
                "name": f"emerging phrase: demo incident, seed {r['seed']}",
                "ours": None if not fired else round(r["emerging_hours_after_start"], 2),
                "unit": " h",
                "baseline": r["hours_after_start"],
                "ratio": None,
                "peak_mb": None,
                "note": (
                    (
                        f"phrase {r['emerging_phrase']!r} ({r['emerging_precision']:.0%} of its "
                        f"messages the incident's); {r['emerging_growth_share']:.1%} of "
                        "growth time; "
                        if fired
                        else "no emerging-phrase alert before the peak; "
                    )
                    + "in first 10% of growth: "
                    + ("yes" if r["emerging_within_first_10pct"] else "no")
                    + f"; {len(r['emerging_before'])} false alarm(s) in "
                    f"{r['weeks_before']:.1f} weeks before ({r['false_alarms_per_week']:.2f}/week)"
                    + (f": {', '.join(r['emerging_before'])}" if r["emerging_before"] else "")
                ),
                "extra": r,
            }
        )
    met = sum(r["within_first_10pct"] for r in results)
    either = sum(r["within_first_10pct"] or r["emerging_within_first_10pct"] for r in results)
    rows.append(
        {
            "name": "alerts: demo incident, either detector in first 10%",
            "ours": either,
            "unit": f" of {len(results)} seeds",
            "baseline": met,
            "ratio": None,
            "peak_mb": None,
            "note": f"spike watch alone (baseline, same run): {met} of {len(results)}",
        }
    )
    rows.append(
        {
            "name": "alerts: demo incident, fired in first 10% of growth",
            "ours": met,
            "unit": f" of {len(results)} seeds",
            "baseline": None,
            "ratio": None,
            "peak_mb": None,
            "note": "growth = incident start to its peak hour (ground truth)",
        }
    )
    return rows


def _line(row: dict[str, Any]) -> str:
    return f"{row['name']:<55} {row['ours']!s:>8}{row.get('unit', '')}  {row['note']}"


def main(argv: Sequence[str] | None = None) -> None:
    demo_child.main(argv, one=_one, run=run, line=_line)


if __name__ == "__main__":
    main()
