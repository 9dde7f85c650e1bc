"""`goodwill analyze INPUT --output OUT.jsonl`: sentiment, intent, topics and language.

INPUT is `.csv` with a header holding `id` and `text` (other columns are ignored) or `.jsonl`
with one object `{"id": ..., "text": ...}` a line (other keys ignored; blank lines
skipped; `"text": null` is an empty text).
OUT.jsonl has one object per input record, in input order, with exactly the keys
`id, sentiment, sentiment_score, intent, topics, language`:

- `sentiment`: `negative` | `neutral` | `positive`; `sentiment_score`: float in [-1, 1]
  (P(positive) - P(negative) of the shipped model);
- `intent`: `complaint` | `question` | `praise` | `suggestion` | `purchase_intent` |
  `churn_threat` | `other`;
- `topics`: names from the default complaint taxonomy
  (goodwill/analysis/models/topics_default.json), possibly empty;
- `language`: ISO 639-1 code, or `und` when a text has no letters.

`id` is copied as given (a JSON id keeps its type; a CSV id is a string). Runs in batches,
streaming, and needs no database. A bad record stops the command with its line number and
field, before anything is written for it.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import Any, TextIO

from django.core.management.base import BaseCommand, CommandError, CommandParser

from goodwill.analysis.understand import analyse
from goodwill.cli_io import reading

BATCH = 10_000
KEYS = ("id", "sentiment", "sentiment_score", "intent", "topics", "language")


class InputError(ValueError):
    pass


class Command(BaseCommand):
    help = "Analyse texts from a .csv (id,text) or .jsonl file; writes one JSON line per record."
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("input", help=".csv with columns id,text or .jsonl with {id, text}")
        parser.add_argument("--output", "-o", required=True, help="output .jsonl ('-': stdout)")
        parser.add_argument(
            "--format",
            choices=["auto", "csv", "jsonl"],
            default="auto",
            help="input format (default: from the file extension)",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=BATCH,
            help="records analysed together (default %(default)s)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        source = Path(options["input"])
        fmt = options["format"]
        if fmt == "auto":
            suffix = source.suffix.lower()
            fmt = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}.get(suffix, "")
            if not fmt:
                raise CommandError(f"{source}: unknown extension {suffix!r}; use --format")
        batch_size = max(1, int(options["batch_size"]))
        output = options["output"]
        with reading(source, InputError), source.open(newline="", encoding="utf-8-sig") as handle:
            records = _read_csv(handle) if fmt == "csv" else _read_jsonl(handle)
            if output == "-":
                count = _run(records, sys.stdout, batch_size)
            else:
                with open(output, "w", encoding="utf-8", newline="\n") as out:
                    count = _run(records, out, batch_size)
        if output != "-":
            self.stderr.write(f"analysed {count} records -> {output}")


def _run(records: Iterator[tuple[Any, str]], out: TextIO, batch_size: int) -> int:
    count = 0
    while batch := list(islice(records, batch_size)):
        ids = [record_id for record_id, _ in batch]
        results = analyse([text for _, text in batch])
        lines = []
        for record_id, result in zip(ids, results, strict=True):
            row = {
                "id": record_id,
                "sentiment": result.sentiment,
                "sentiment_score": result.sentiment_score,
                "intent": result.intent,
                "topics": result.topics,
                "language": result.language,
            }
            lines.append(json.dumps(row, ensure_ascii=False))
        out.write("\n".join(lines) + "\n")
        count += len(batch)
    return count


def _read_csv(handle: TextIO) -> Iterator[tuple[Any, str]]:
    csv.field_size_limit(16 * 1024 * 1024)
    reader = csv.DictReader(handle)
    fields = reader.fieldnames or []
    missing = [name for name in ("id", "text") if name not in fields]
    if missing:
        raise InputError(f"line 1: header lacks column(s) {', '.join(missing)}")
    for row in reader:
        line = reader.line_num
        if row.get("id") is None or row.get("text") is None:
            raise InputError(f"line {line}: row has fewer columns than the header (field id/text)")
        yield row["id"], row["text"]


def _read_jsonl(handle: TextIO) -> Iterator[tuple[Any, str]]:
    for line_number, line in enumerate(handle, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"line {line_number}: invalid JSON ({exc.msg})") from None
        if not isinstance(record, dict):
            raise InputError(f"line {line_number}: expected a JSON object")
        if "id" not in record:
            raise InputError(f"line {line_number}: field 'id' is missing")
        if "text" not in record:
            raise InputError(f"line {line_number}: field 'text' is missing")
        text = record["text"]
        if text is None:  # an explicit null is an empty post
            text = ""
        if not isinstance(text, str):
            raise InputError(f"line {line_number}: field 'text' must be a string")
        yield record["id"], text
