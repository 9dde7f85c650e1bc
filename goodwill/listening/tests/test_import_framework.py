"""The shared import loop: a row the database refuses is isolated, the rest of its batch lands."""

from __future__ import annotations

import gc
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


@pytest.mark.django_db
@pytest.mark.parametrize("strict", [False, True])
def test_older_objects_are_frozen_only_while_the_import_runs(tmp_path: Path, strict: bool) -> None:
    ids = ["a", "b", "c", "d"] if not strict else ["a", "b", "c", "refused"]
    importer, stream, (_, records) = make(tmp_path, ids, strict=strict)
    frozen_during: list[int] = []
    store = importer.store

    def watching(batch: list[str]) -> tuple[int, int, int]:
        frozen_during.append(gc.get_freeze_count())
        return store(batch)

    importer.store = watching
    gc.unfreeze()
    if strict:
        with pytest.raises(ImportFailed):
            importer.run(stream, records)
    else:
        importer.run(stream, records)
    assert frozen_during and all(count > 0 for count in frozen_during)
    assert gc.get_freeze_count() == 0  # handed back, even when the import failed


@pytest.mark.django_db
def test_a_freeze_the_host_made_is_left_in_place(tmp_path: Path) -> None:
    importer, stream, (stored, records) = make(tmp_path, ["a", "b"], strict=False)
    gc.freeze()
    try:
        importer.run(stream, records)
        assert gc.get_freeze_count() > 0  # not unfrozen by the import
    finally:
        gc.unfreeze()
    assert stored == ["a", "b"]
