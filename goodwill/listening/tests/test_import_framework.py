"""The shared import loop: a row the database refuses is isolated, the rest of its batch lands."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.db import DatabaseError

from goodwill.importing import Importer, ImportFailed, Record, csv_records, open_text


def make(tmp_path: Path, ids: list[str], *, strict: bool) -> tuple[Importer[str], Any, Any]:
    path = tmp_path / "rows.csv"
    path.write_text("id\n" + "".join(f"{i}\n" for i in ids), encoding="utf-8")
    stored: list[str] = []

    def store(batch: list[str]) -> tuple[int, int, int]:
        if "refused" in batch:
            raise DatabaseError("value out of range")
        stored.extend(batch)
        return len(batch), 0, 0

    def parse(record: Record) -> str:
        return str(record.values["id"])

    importer: Importer[str] = Importer(
        parse=parse, key=lambda item: item, store=store, batch_size=3, strict=strict
    )
    stream = open_text(path)
    return importer, stream, (stored, csv_records(stream, required=["id"]))


@pytest.mark.django_db
def test_a_refused_row_is_rejected_with_its_line_and_its_batch_mates_land(tmp_path: Path) -> None:
    importer, stream, (stored, records) = make(
        tmp_path, ["a", "b", "refused", "c", "a", "d"], strict=False
    )
    summary = importer.run(stream, records)
    assert stored == ["a", "b", "c", "d"]
    assert (summary.read, summary.created, summary.rejected, summary.duplicates) == (6, 4, 1, 1)
    [error] = summary.errors
    assert error.line == 4
    assert "value out of range" in error.error
    assert error.raw == "refused"


@pytest.mark.django_db
def test_a_refused_batch_stops_a_strict_import(tmp_path: Path) -> None:
    importer, stream, (_, records) = make(tmp_path, ["a", "refused"], strict=True)
    with pytest.raises(ImportFailed, match="lines 2-3: the database refused"):
        importer.run(stream, records)
