"""Emerging phrases over real tweets: how many alerts a week of airline traffic raises, and which.

The Twitter US Airline Sentiment tweets (../shared/data/airline/Tweets.csv, 14,485 distinct
tweets to six US airlines, 16-24 February 2015) are replayed through the product's detector
(:mod:`goodwill.analysis.emerging`, the product's defaults: a scan every 5 minutes) and the
product's deduplication (a phrase telling the same story as an alert from the last 24 hours
grows that alert; see ``insights.services.scan_emerging``). Authors are the tweets'
handles. The first day is the detector's warm-up and the baseline is never more than the
week before, so this is a harder setting than the product's four weeks.

The baselines in the same run are the same detector without the correction for testing
every term at once (each term at alpha 0.01 on its own): what the Bonferroni step saves;
without the stemmer (a plural -s folded only); and scanning at the end of every hour only
(``step_minutes = 60``, the detector before sub-hour scans).

    .venv/bin/python -m benchmarks.bench_emerging_airline [--data ../shared/data]
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from goodwill.analysis.emerging import (
    EmergingConfig,
    EmergingPhrase,
    Post,
    same_story,
    scan_emerging,
    scan_grid,
    terms_many,
)

ROOT = Path(__file__).resolve().parent.parent
MERGE_HOURS = 24  # as insights.services.EMERGING_MERGE


@dataclass
class _Alert:
    phrase: str
    opened: datetime
    last: float
    terms: list[str]
    ids: set[int] = field(default_factory=set)


def load(data: Path, *, stemmed: bool = True) -> list[tuple[Post, str]]:
    path = data / "airline" / "Tweets.csv"
    if not path.is_file():
        raise RuntimeError(f"{path} not found (see ../shared/data)")
    with path.open(encoding="utf-8", newline="") as f:
        rows = {r["tweet_id"]: r for r in csv.DictReader(f)}  # 155 tweets appear twice
    ordered = sorted(rows.values(), key=lambda r: (r["tweet_created"], r["tweet_id"]))
    authors: dict[str, int] = {}
    terms = terms_many([r["text"] for r in ordered], stemmed=stemmed)
    out = []
    for i, (r, t) in enumerate(zip(ordered, terms, strict=True)):
        at = datetime.strptime(r["tweet_created"], "%Y-%m-%d %H:%M:%S %z").timestamp()
        author = authors.setdefault(r["name"], len(authors) + 1)
        out.append((Post(i, at, author, t), r["text"]))
    out.sort(key=lambda pt: (pt[0].at, pt[0].id))
    return out


def alerts_of(found: list[tuple[int, list[EmergingPhrase]]]) -> list[_Alert]:
    """The product's deduplication: a phrase extends a recent alert telling the same story."""
    alerts: list[_Alert] = []
    for _, phrases in found:
        for p in phrases:
            live = [a for a in alerts if a.last >= p.window_start - MERGE_HOURS * 3600]
            match = next(
                (
                    a
                    for a in reversed(live)
                    if same_story(p.terms, p.message_ids, alert_terms=a.terms, alert_ids=a.ids)
                ),
                None,
            )
            if match is None:
                alerts.append(
                    _Alert(
                        p.phrase,
                        datetime.fromtimestamp(p.window_end, tz=UTC),
                        p.window_end,
                        list(p.terms),
                        set(p.message_ids),
                    )
                )
            else:
                match.last = max(match.last, p.window_end)
                match.terms += [t for t in p.terms if t not in match.terms]
                match.ids |= set(p.message_ids)
    return alerts


def run(argv: Sequence[str] | None = None) -> list[dict[str, Any]]:
    parser = argparse.ArgumentParser(prog="bench_emerging_airline")
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    args, _ = parser.parse_known_args(list(argv or []))
    t0 = time.perf_counter()
    posts = load(args.data)
    texts = {p.id: text for p, text in posts}
    plain = [p for p, _ in posts]
    by_id = {p.id: p for p in plain}

    def example(alert: _Alert) -> str:
        """The first message that says the alert's phrase."""
        first = min(
            (i for i in alert.ids if alert.phrase in by_id[i].terms), default=min(alert.ids)
        )
        return texts[first][:140]

    config = EmergingConfig()
    hourly = replace(config, step_minutes=60)
    # From the first post's hour to the hour after the last post, at each cadence.
    since, until = plain[0].at // 3600 * 3600, (plain[-1].at // 3600 + 2) * 3600
    times = scan_grid(since, until, config)
    ours = alerts_of(scan_emerging(plain, scan_times=times, config=config))
    seconds = time.perf_counter() - t0
    t0 = time.perf_counter()
    hours = scan_grid(since, until, hourly)
    each_hour = alerts_of(scan_emerging(plain, scan_times=hours, config=hourly))
    hourly_seconds = time.perf_counter() - t0
    loose = alerts_of(
        scan_emerging(plain, scan_times=times, config=replace(config, bonferroni=False))
    )
    unstemmed = alerts_of(
        scan_emerging(
            [p for p, _ in load(args.data, stemmed=False)], scan_times=times, config=config
        )
    )
    tested_days = (len(hours) - config.min_baseline_hours) / 24
    rows: list[dict[str, Any]] = [
        {
            "name": "emerging phrases: airline tweets, alerts",
            "ours": len(ours),
            "unit": "",
            "baseline": len(loose),
            "ratio": round(len(ours) / len(loose), 3) if loose else None,
            "peak_mb": None,
            "note": (
                f"{len(plain):,} tweets, {len(times)} scans every {config.step_minutes} min "
                f"({tested_days:.1f} days after the warm-up), {seconds:.1f} s with loading; "
                "baseline: no correction over terms"
            ),
            "extra": {
                "alerts": [
                    {
                        "opened": a.opened.isoformat(),
                        "phrase": a.phrase,
                        "terms": a.terms[:8],
                        "messages": len(a.ids),
                        "example": example(a),
                    }
                    for a in ours
                ],
                "uncorrected_alerts": len(loose),
            },
        },
        {
            "name": "emerging phrases: airline tweets, alerts every 5 minutes vs every hour",
            "ours": len(ours),
            "unit": "",
            "baseline": len(each_hour),
            "ratio": round(len(ours) / len(each_hour), 3) if each_hour else None,
            "peak_mb": None,
            "note": (
                f"baseline: {len(hours)} hourly scans (step_minutes = 60), "
                f"{hourly_seconds:.1f} s without loading"
            ),
            "extra": {
                "alerts": [
                    {"opened": a.opened.isoformat(), "phrase": a.phrase, "messages": len(a.ids)}
                    for a in each_hour
                ]
            },
        },
        {
            "name": "emerging phrases: airline tweets, alerts with stems vs plural folding",
            "ours": len(ours),
            "unit": "",
            "baseline": len(unstemmed),
            "ratio": round(len(ours) / len(unstemmed), 3) if unstemmed else None,
            "peak_mb": None,
            "note": "baseline: the same detector with only a plural -s folded (no stemmer)",
            "extra": {
                "alerts": [
                    {"opened": a.opened.isoformat(), "phrase": a.phrase, "messages": len(a.ids)}
                    for a in unstemmed
                ]
            },
        },
    ]
    return rows


def main() -> int:
    rows = run(sys.argv[1:])
    for row in rows[:1]:
        print(
            f"{row['name']}: {row['ours']} alerts (without the correction: {row['baseline']}); "
            f"{row['note']}"
        )
        for a in row["extra"]["alerts"]:
            print(
                f"  {a['opened'][:16]}  {a['phrase']!r:<28} {a['messages']:>4} msgs  "
                f"{', '.join(a['terms'][1:6])}"
            )
            print(f"      e.g. {a['example']!r}")
    for row, label in (
        (rows[1], "scanning every hour only (step_minutes = 60)"),
        (rows[2], "without the stemmer (plural -s folded only)"),
    ):
        print(f"{label}: {row['baseline']} alerts; {row['note']}")
        for a in row["extra"]["alerts"]:
            print(f"  {a['opened'][:16]}  {a['phrase']!r:<28} {a['messages']:>4} msgs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
