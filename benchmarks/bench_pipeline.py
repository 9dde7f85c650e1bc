"""The full listening pipeline with analysis: messages/s and the share of time in each stage.

Our side: `goodwill.listening.services.ingest_batch` with analysis and events (what every
connector, importer and Celery task runs) over N generated messages (benchmarks/generate.py,
built into MessageItems before the clock starts), batch by batch into a freshly migrated
database: SQLite always, and PostgreSQL too with `--database-url` (or $DATABASE_URL). The
pipeline reports the CPU seconds of each stage (normalise, dedupe, identity, analyse,
thread, store, events); "other" is the rest of the timed CPU (the transaction, commits).
Baselines, same run, each in its own process:
* analysis alone: the same texts through the same analysis calls (understand.analyse with
  the current model and taxonomy, the abuse flag, virality risk), in the same batches, no
  database: the ratio says how much of the pipeline's time is understanding the text;
* the raw storage ceiling: plain sqlite3 executemany of the same rows into a table with
  listening_message's columns and indexes (bench_import's baseline worker).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.bench_import import (
    _Clock,
    _django,
    _drop_postgres,
    _peak_mb,
    _scratch_postgres,
    in_workdir,
)
from benchmarks.generate import write_csv

STAGES = ("normalise", "dedupe", "identity", "analyse", "thread", "store", "events")


def options(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks pipeline")
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--batch-size", type=int, default=2000)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", ""),
        help="also run on this PostgreSQL server (a scratch database is created and dropped)",
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workdir", type=Path, default=None, help="scratch directory (kept)")
    opts, _ = parser.parse_known_args(list(argv))
    return opts


def run(argv: Sequence[str] = ()) -> list[dict[str, Any]]:
    args = options(argv)
    return in_workdir(args.workdir, "gw-bench-pipeline-", lambda work: _run(args, work))


def _log(text: str) -> None:
    print(f"[pipeline] {text}", file=sys.stderr, flush=True)


def _spawn(module: str, argv: list[str]) -> Any:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "GOODWILL_HOME")}
    done = subprocess.run(
        [sys.executable, "-m", module, *argv],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def _run(args: argparse.Namespace, work: Path) -> list[dict[str, Any]]:
    n = args.messages
    path = work / f"messages-{n}-seed{args.seed}.csv"
    if not path.exists():
        _log(f"generating {n:,} messages into {path}")
        write_csv(path, n, seed=args.seed)
    common = [str(path), "--work", str(work), "--batch-size", str(args.batch_size)]
    common += ["--rows", str(n)]

    _log("baseline: analysis alone (no database)")
    alone = _spawn("benchmarks.bench_pipeline", ["analysis", *common])
    _log("baseline: raw sqlite3 executemany (all listening_message indexes)")
    ddl = work / "message-ddl.json"
    _spawn("benchmarks.bench_import", ["ddl", *common, "--out", str(ddl)])
    ceiling = _spawn(
        "benchmarks.bench_import", ["baseline", *common, "--ddl", str(ddl), "--all-indexes", "1"]
    )
    targets = [("SQLite", "")]
    if args.database_url.startswith(("postgres", "postgresql")):
        targets.append(("PostgreSQL", args.database_url))

    rows: list[dict[str, Any]] = []
    for target, url in targets:
        _log(f"ours: ingest_batch with analysis and events into a fresh {target} database")
        ours = _spawn("benchmarks.bench_pipeline", ["pipeline", *common, "--database-url", url])
        shares = ours["stage_share"]
        breakdown = ", ".join(f"{k} {v:.0%}" for k, v in shares.items())
        _log(f"{target}: {ours['rate']:,.0f} messages/s; CPU share by stage: {breakdown}")
        note = f"{n:,} messages, batch {args.batch_size:,}; CPU share by stage: {breakdown}"
        if target != "SQLite":
            note += "; CPU counts this process only, not the PostgreSQL server"
        rows.append(
            _row(
                f"pipeline with analysis -> {target} vs analysis alone (no storage)",
                ours,
                alone,
                note=note,
                extra={"ours": ours, "analysis_alone": alone},
            )
        )
        rows.append(
            _row(
                f"pipeline with analysis -> {target} vs raw sqlite3 (all indexes)",
                ours,
                ceiling,
                extra={"raw_sqlite3": ceiling},
            )
        )
    return rows


def _row(name: str, ours: Any, base: Any, **more: Any) -> dict[str, Any]:
    return {
        "name": name,
        "ours": round(ours["rate"]),
        "baseline": round(base["rate"]),
        "ratio": round(ours["rate"] / base["rate"], 3),
        "cpu_ratio": round(ours["cpu_rate"] / base["cpu_rate"], 3),
        "unit": "msg/s",
        "peak_mb": ours["peak_mb"],
        "baseline_peak_mb": base["peak_mb"],
        **more,
    }


# --- the workers ------------------------------------------------------------------------------


def _items(path: Path) -> list[Any]:
    import csv

    from benchmarks.generate import message_item

    with path.open(newline="", encoding="utf-8") as fh:
        return [message_item(rec) for rec in csv.DictReader(fh)]


def _warm_up(texts: list[str]) -> None:
    """Load the models and lexicons once, untimed, on both sides (steady-state throughput)."""
    from goodwill.analysis.abuse import flag_abuse
    from goodwill.analysis.understand import analyse

    analyse(texts)
    flag_abuse(texts)


def worker_pipeline(opts: argparse.Namespace) -> dict[str, Any]:
    url, scratch = opts.database_url, ""
    if url:
        url, scratch = _scratch_postgres(url)
    home = opts.work / f"pipeline-home-{'pg' if url else 'sqlite'}"
    shutil.rmtree(home, ignore_errors=True)
    _django(home, url, opts.batch_size)
    try:
        from goodwill.events.models import Event
        from goodwill.listening import selectors
        from goodwill.listening.services import get_or_create_source, ingest_batch

        items = _items(opts.path)
        source = get_or_create_source(name="bench", channel="x", kind="file")
        _warm_up([i.text for i in items[:50]])
        stages: dict[str, float] = {}
        clock, created = _Clock(), 0
        for start in range(0, len(items), opts.batch_size):
            batch = items[start : start + opts.batch_size]
            with clock:
                created += ingest_batch(source=source, items=batch, timings=stages).created
        stored = selectors.message_count()
        if (created, stored) != (opts.rows, opts.rows):
            raise SystemExit(f"pipeline created {created}, stored {stored}; expected {opts.rows}")
        events = Event.objects.filter(type="message.received").count()
        expected_events = sum(1 for i in items if not i.is_from_company)
        if events != expected_events:
            raise SystemExit(f"{events} message.received events, expected {expected_events}")
        report = clock.report(created)
        spent = {s: stages.get(s, 0.0) for s in STAGES}
        spent["other"] = max(0.0, report["cpu_seconds"] - sum(spent.values()))
        total = sum(spent.values()) or 1.0
        return {
            "rows": created,
            **report,
            "peak_mb": _peak_mb(),
            "events": events,
            "stage_cpu_seconds": {k: round(v, 3) for k, v in spent.items()},
            "stage_share": {k: round(v / total, 4) for k, v in spent.items()},
            "stage_cpu_us_per_message": {k: round(v / created * 1e6, 2) for k, v in spent.items()},
        }
    finally:
        if scratch:
            _drop_postgres(opts.database_url, scratch)


def worker_analysis(opts: argparse.Namespace) -> dict[str, Any]:
    """The analysis calls the pipeline makes, on the same texts and batches, no database."""
    from datetime import UTC, datetime

    from goodwill.analysis.abuse import flag_abuse
    from goodwill.analysis.sentiment import default_model
    from goodwill.analysis.topics import default_taxonomy
    from goodwill.analysis.understand import analyse
    from goodwill.analysis.virality import virality_risk

    items = _items(opts.path)
    model, taxonomy = default_model(), default_taxonomy()
    _warm_up([i.text for i in items[:50]])
    now = datetime.now(UTC)
    clock, done = _Clock(), 0
    for start in range(0, len(items), opts.batch_size):
        batch = items[start : start + opts.batch_size]
        with clock:
            texts = [i.text for i in batch]
            found = analyse(texts, model=model, taxonomy=taxonomy)
            flag_abuse(texts)
            virality_risk(
                followers=[i.followers for i in batch],
                likes=[i.likes for i in batch],
                shares=[i.shares for i in batch],
                replies=[i.replies for i in batch],
                age_hours=[(now - i.created_at).total_seconds() / 3600.0 for i in batch],
                sentiment_scores=[a.sentiment_score for a in found],
            )
        done += len(batch)
    return {"rows": done, **clock.report(done), "peak_mb": _peak_mb()}


WORKERS = {"pipeline": worker_pipeline, "analysis": worker_analysis}


def worker_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_pipeline")
    parser.add_argument("side", choices=sorted(WORKERS))
    parser.add_argument("path", type=Path)
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--batch-size", type=int, default=2000)
    parser.add_argument("--rows", type=int, required=True)
    parser.add_argument("--database-url", default="")
    opts = parser.parse_args(argv)
    started = time.time()
    result = WORKERS[opts.side](opts)
    result["wall_total_seconds"] = round(time.time() - started, 1)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(worker_main(sys.argv[1:]))
