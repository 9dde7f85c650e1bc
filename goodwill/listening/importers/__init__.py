"""Message importers: the generic CSV/JSONL schema and the airline and twcs datasets.

`import_messages` streams a file through the shared loop in `goodwill.importing` and hands
batches to `listening.services.ingest_batch`. The formats are documented in
docs/import-formats.md.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

from django.conf import settings

from goodwill.core import Channel
from goodwill.importing import (
    Importer,
    ImportFailed,
    ImportSummary,
    Record,
    csv_records,
    jsonl_records,
    open_text,
    read_ahead_wanted,
)
from goodwill.listening import services
from goodwill.listening.importers import airline, generic, reviews, twcs
from goodwill.listening.models import Source
from goodwill.listening.types import MessageItem, pack_items, unpack_items

FORMATS = ("auto", "jsonl", "csv", "airline", "twcs", "reviews")
JSONL_SUFFIXES = (".jsonl", ".ndjson", ".json")

__all__ = ["FORMATS", "detect_format", "import_messages"]


def detect_format(path: str | Path) -> str:
    """Pick the format from the file name and its first line: `.jsonl`/`.ndjson`/`.json` or a
    first line starting with '{' is JSONL; a CSV header is matched against the airline and
    twcs columns, and is otherwise the generic CSV."""
    path = Path(path)
    if path.suffix.lower() in JSONL_SUFFIXES:
        return "jsonl"
    with open_text(path) as stream:
        first = stream.readline(64 * 1024)
    if first.lstrip().startswith("{"):
        return "jsonl"
    try:
        header = next(csv.reader([first]), [])
    except csv.Error:
        return "csv"
    columns = {name.strip().lower() for name in header}
    if columns >= airline.SIGNATURE:
        return "airline"
    if columns >= twcs.SIGNATURE:
        return "twcs"
    if columns >= reviews.SIGNATURE:
        return "reviews"
    return "csv"


def _records(fmt: str, stream: IO[str]) -> Iterator[Record]:
    if fmt == "jsonl":
        return jsonl_records(stream)
    if fmt == "airline":
        return csv_records(stream, required=airline.REQUIRED)
    if fmt == "twcs":
        return csv_records(stream, required=twcs.REQUIRED)
    if fmt == "reviews":
        return csv_records(stream, required=reviews.REQUIRED, one_of=reviews.ONE_OF)
    return csv_records(stream, required=generic.REQUIRED)


_PARSERS: dict[str, Callable[[Record], MessageItem]] = {
    "jsonl": generic.parse,
    "csv": generic.parse,
    "airline": airline.parse,
    "twcs": twcs.parse,
    "reviews": reviews.parse,
}


def import_messages(
    path: str | Path,
    *,
    format: str = "auto",
    source_name: str | None = None,
    strict: bool = False,
    rejects_path: str | Path | None = None,
    progress: bool = False,
    analyse: bool = True,
    emit_events: bool = True,
) -> ImportSummary:
    """Import a messages file; see docs/import-formats.md.

    Streams the file in batches of settings.GOODWILL_IMPORT_BATCH_SIZE, one transaction per
    batch, so memory stays flat. Idempotent: messages are keyed by (channel, external id) and
    a second import of the same file reports them unchanged. Bad records are counted, kept in
    `summary.errors` (the first few) and written to `rejects_path`; the good ones are stored.
    With `strict`, the first bad record raises ImportFailed and nothing is stored. An
    unreadable file or a missing column raises ImportFailed before anything is stored.

    Each batch goes through the whole listening pipeline (analysis, message.received events).
    For a bulk load of history, ``analyse=False, emit_events=False`` stores faster and
    ``listening.services.analyse_stored_messages`` analyses afterwards (benchmarks/README.md).
    """
    if format not in FORMATS:
        raise ImportFailed(f"unknown format {format!r}; expected one of {', '.join(FORMATS)}")
    fmt = detect_format(path) if format == "auto" else format
    name = (source_name or f"file:{Path(path).name}")[:100]
    source: list[Source] = []

    def store(
        items: list[MessageItem], normalised: list[tuple[str, Any]] | None = None
    ) -> tuple[int, int, int]:
        if not source:
            channel = items[0].channel if fmt in ("csv", "jsonl", "reviews") else Channel.X.value
            source.append(services.get_or_create_source(name=name, channel=channel))
        result = services.ingest_batch(
            source=source[0],
            items=items,
            analyse=analyse,
            emit_events=emit_events,
            normalised=normalised,
        )
        return result.created, result.updated, result.unchanged

    stream = open_text(path)
    try:
        records = _records(fmt, stream)
        importer: Importer[MessageItem] = Importer(
            parse=_PARSERS[fmt],
            key=lambda item: f"{item.channel}\x1f{item.external_id}",
            store=store,
            batch_size=settings.GOODWILL_IMPORT_BATCH_SIZE,
            strict=strict,
            rejects_path=rejects_path,
            progress=progress,
            key_label="external id",
            read_ahead=read_ahead_wanted(path, settings.GOODWILL_IMPORT_READ_AHEAD_BYTES),
            pack=pack_items,
            unpack=unpack_items,
            prepare=services.normalise,
            store_prepared=store,
        )
    except BaseException:
        stream.close()
        raise
    return importer.run(stream, records)
