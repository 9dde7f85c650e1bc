"""`goodwill spikes SERIES.csv --output OUT.csv`: score a time series for spikes.

Input: CSV with a header holding `timestamp` and `value` (other columns are ignored).
Timestamps are ISO 8601 (with or without zone; without one they are taken as UTC) or
epoch seconds; rows may come in any order and with gaps, the bucket width is inferred
from the data. Output: one row per input row, in input order, with the columns
`timestamp,value,anomaly_score,is_spike` (timestamp and value as written in the input).
Each row is scored only on rows at or before its own time. Needs no database.
"""

from __future__ import annotations

import csv
import math
import sys
from pathlib import Path
from typing import Any, TextIO

from django.core.management.base import BaseCommand, CommandError, CommandParser

from goodwill.analysis.spikes import SpikeConfig, detect, parse_timestamp
from goodwill.cli_io import reading

HEADER = ("timestamp", "value", "anomaly_score", "is_spike")
MAX_REPORTED_ERRORS = 20


class Command(BaseCommand):
    help = "Score a timestamp,value CSV for spikes (online, causal); writes one row per input row."
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("series", help="CSV with columns timestamp,value")
        parser.add_argument("--output", "-o", required=True, help="output CSV ('-' for stdout)")
        parser.add_argument(
            "--threshold",
            type=float,
            default=SpikeConfig().threshold,
            help="alarm when anomaly_score >= this (default %(default)s: about once in "
            "10^threshold buckets by chance)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        source = Path(options["series"])
        with reading(source), source.open(newline="", encoding="utf-8-sig") as handle:
            raw, times, walls, values = _read_series(handle, source.name)
        result = detect(
            times,
            values,
            local_seconds=walls,
            config=SpikeConfig(threshold=options["threshold"]),
        )
        rows = (
            (ts, val, _format_score(score), "1" if spike else "0")
            for (ts, val), score, spike in zip(raw, result.score, result.is_spike, strict=True)
        )
        target = options["output"]
        if target == "-":
            _write(sys.stdout, rows)
        else:
            path = Path(target)
            partial = path.with_name(path.name + ".partial")
            try:
                with partial.open("w", newline="", encoding="utf-8") as out:
                    _write(out, rows)
                partial.replace(path)
            except OSError as exc:
                partial.unlink(missing_ok=True)
                raise CommandError(f"{path}: cannot write: {exc.strerror or exc}") from None
            spikes = int(result.is_spike.sum())
            self.stderr.write(f"{len(raw)} rows scored, {spikes} flagged as spikes -> {path}")


def _read_series(
    handle: TextIO, name: str
) -> tuple[list[tuple[str, str]], list[float], list[float], list[float]]:
    reader = csv.reader(handle)
    header = next(reader, None)
    if header is None:
        raise CommandError(f"{name}: empty file; expected a header with timestamp,value")
    columns = [h.strip().lower() for h in header]
    missing = [c for c in ("timestamp", "value") if c not in columns]
    if missing:
        raise CommandError(
            f"{name} line 1: missing column(s) {', '.join(missing)}; "
            f"expected timestamp,value, found {','.join(header)}"
        )
    t_col, v_col = columns.index("timestamp"), columns.index("value")
    raw: list[tuple[str, str]] = []
    times: list[float] = []
    walls: list[float] = []
    values: list[float] = []
    errors: list[str] = []
    for row in reader:
        line = reader.line_num
        if not row or all(not cell.strip() for cell in row):
            continue  # blank lines carry no row
        if len(row) <= max(t_col, v_col):
            errors.append(f"{name} line {line}: has {len(row)} field(s), expected timestamp,value")
            continue
        ts_text, value_text = row[t_col], row[v_col]
        try:
            utc, wall = parse_timestamp(ts_text)
        except ValueError as exc:
            errors.append(f"{name} line {line}, field timestamp: {exc}")
            continue
        try:
            value = float(value_text)
        except ValueError:
            errors.append(f"{name} line {line}, field value: {value_text!r} is not a number")
            continue
        if not math.isfinite(value):
            errors.append(f"{name} line {line}, field value: {value_text!r} is not a finite number")
            continue
        raw.append((ts_text, value_text))
        times.append(utc)
        walls.append(wall)
        values.append(value)
    if errors:
        shown = errors[:MAX_REPORTED_ERRORS]
        more = len(errors) - len(shown)
        tail = f"\n... and {more} more bad row(s)" if more else ""
        raise CommandError(
            f"{len(errors)} bad row(s), nothing written:\n" + "\n".join(shown) + tail
        )
    return raw, times, walls, values


def _format_score(score: float) -> str:
    return f"{score:.4f}"


def _write(out: TextIO, rows: Any) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
