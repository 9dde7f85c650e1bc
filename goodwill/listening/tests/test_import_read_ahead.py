"""The import loop's two halves: reading in chunks, the in-file duplicate check, and reading
ahead in a child process. Whatever the chunking and whether a reader process is used, an
import must store, count and report exactly the same."""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path
from typing import Any

import pytest
from django.db import DatabaseError
from hypothesis import given, settings
from hypothesis import strategies as st

from goodwill import importing
from goodwill.importing import (
    BadValue,
    Importer,
    ImportFailed,
    Record,
    _SeenKeys,
    csv_records,
    open_text,
    read_ahead_wanted,
)

# Ids that fail to parse ("bad"), repeat (within a chunk and across chunks), a row the
# database refuses, and one that breaks the CSV (a quote left open at the end).
IDS = ["a", "b", "bad", "a", "c", "refused", "d", "e", "b", "f", "bad", "g", "h", "a", "i"]


def _parse(record: Record) -> str:
    value = str(record.values["id"])
    if value == "bad":
        raise BadValue("id", "is bad")
    return value


def _crashing_parse(record: Record) -> str:
    if record.values["id"] == "c":
        raise ZeroDivisionError("a bug in a parser")
    return str(record.values["id"])


def _write(path: Path, ids: list[str], *, header: str = "id", tail: str = "") -> Path:
    path.write_text(f"{header}\n" + "".join(f"{i}\n" for i in ids) + tail, encoding="utf-8")
    return path


def _import(importer: Importer[str], path: Path) -> Any:
    stream = open_text(path)
    return importer.run(stream, csv_records(stream, required=["id"]))


def _run(
    tmp_path: Path,
    ids: list[str],
    *,
    read_ahead: bool,
    strict: bool = False,
    batch_size: int = 3,
    tail: str = "",
    parse: Any = _parse,
    header: str = "id",
) -> tuple[Any, list[str], str]:
    path = _write(tmp_path / f"rows-{read_ahead}.csv", ids, header=header, tail=tail)
    rejects = tmp_path / f"rejects-{read_ahead}.csv"
    stored: list[str] = []

    def store(batch: list[str]) -> tuple[int, int, int]:
        if "refused" in batch:
            raise DatabaseError("value out of range")
        stored.extend(batch)
        return len(batch), 0, 0

    importer: Importer[str] = Importer(
        parse=parse,
        key=lambda item: item,
        store=store,
        batch_size=batch_size,
        strict=strict,
        rejects_path=rejects,
        read_ahead=read_ahead,
    )
    return _import(importer, path), stored, rejects.read_text(encoding="utf-8")


@pytest.mark.django_db
@pytest.mark.parametrize("chunk", [1, 2, 4, 1000])
@pytest.mark.parametrize("batch_size", [1, 3, 50])
def test_chunking_and_a_reader_process_change_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int, batch_size: int
) -> None:
    monkeypatch.setattr(importing, "CHUNK_RECORDS", chunk)
    tail = '"j,open quote\n'
    one = _run(tmp_path, IDS, read_ahead=False, batch_size=batch_size, tail=tail)
    two = _run(tmp_path, IDS, read_ahead=True, batch_size=batch_size, tail=tail)
    summary, stored, rejects = one
    assert stored == ["a", "b", "c", "d", "e", "f", "g", "h", "i"]
    assert summary.as_dict() == {
        "read": 16,
        "created": 9,
        "updated": 0,
        "unchanged": 0,
        "rejected": 4,  # two bad ids, the refused row, the open quote
        "duplicates": 3,
    }
    assert {e.line for e in summary.errors} == {4, 7, 12, 17}
    assert summary.notes[0].startswith("line 5: id a repeats an earlier record")
    assert (two[0].as_dict(), two[1], two[2]) == (summary.as_dict(), stored, rejects)
    assert two[0].errors == summary.errors and two[0].notes == summary.notes
    assert multiprocessing.active_children() == []


@pytest.mark.django_db
@pytest.mark.parametrize("read_ahead", [False, True])
def test_a_strict_import_stops_at_the_first_bad_record_counting_what_was_read(
    tmp_path: Path, read_ahead: bool
) -> None:
    with pytest.raises(ImportFailed, match="line 4, field id: is bad") as caught:
        _run(tmp_path, IDS, read_ahead=read_ahead, strict=True, batch_size=50)
    assert caught.value.summary.read == 3
    assert caught.value.summary.created == 0
    assert multiprocessing.active_children() == []


@pytest.mark.django_db
@pytest.mark.parametrize("read_ahead", [False, True])
def test_a_missing_column_is_reported_the_same_with_a_reader_process(
    tmp_path: Path, read_ahead: bool
) -> None:
    with pytest.raises(ImportFailed, match="missing required column"):
        _run(tmp_path, IDS, read_ahead=read_ahead, header="name")
    assert multiprocessing.active_children() == []


@pytest.mark.django_db
def test_a_crash_in_the_reader_process_is_raised_here_with_its_traceback(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="(?s)reader process failed.*ZeroDivisionError"):
        _run(tmp_path, IDS, read_ahead=True, parse=_crashing_parse)
    assert multiprocessing.active_children() == []


@pytest.mark.django_db
def test_a_failing_store_stops_the_reader_process(tmp_path: Path) -> None:
    ids = [f"id{n}" for n in range(5000)]
    with pytest.raises(ImportFailed, match="the database refused"):
        _run(tmp_path, [*ids[:10], "refused", *ids[10:]], read_ahead=True, strict=True)
    assert multiprocessing.active_children() == []


def test_a_reader_process_is_wanted_only_for_big_files_on_several_cores(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes(b"x" * 1000)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    assert read_ahead_wanted(path, 1000)
    assert not read_ahead_wanted(path, 1001)
    assert not read_ahead_wanted(path, 0)  # 0 turns it off
    assert not read_ahead_wanted(tmp_path / "missing.csv", 1)
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    assert not read_ahead_wanted(path, 1)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.sampled_from(["", "a", "b", "c", "d", "e", "f", "g"]), max_size=9)))
def test_seen_keys_match_a_set(chunks: list[list[str]]) -> None:
    seen = _SeenKeys()
    reference: set[str] = set()
    for keys in chunks:
        expected = []
        for key in keys:
            expected.append(not key or key not in reference)
            if key:
                reference.add(key)
        assert seen.first_seen(keys) == expected


@pytest.mark.django_db
@pytest.mark.parametrize("batch_size", [1, 3, 4, 50])
def test_what_the_reader_prepares_reaches_the_store_with_its_own_item(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, batch_size: int
) -> None:
    monkeypatch.setattr(importing, "CHUNK_RECORDS", 5)  # chunks of max(5, batch_size) records
    ids = [f"id{n}" for n in range(30)]
    ids[7] = ids[3]  # a duplicate: dropped, and the values after it must not shift
    ids[12] = "bad"  # a bad record, likewise
    ids[20] = "poison"  # prepare refuses its chunk: that chunk's items go to store()
    path = _write(tmp_path / "rows.csv", ids)
    prepared: list[tuple[str, str]] = []
    plain: list[str] = []

    def prepare(items: list[str]) -> list[str]:
        if "poison" in items:
            raise ValueError("poison")
        return [item.upper() for item in items]

    def store_prepared(items: list[str], values: list[str]) -> tuple[int, int, int]:
        prepared.extend(zip(items, values, strict=True))
        return len(items), 0, 0

    def store(items: list[str]) -> tuple[int, int, int]:
        plain.extend(items)
        return len(items), 0, 0

    importer: Importer[str] = Importer(
        parse=_parse,
        key=lambda item: item,
        store=store,
        batch_size=batch_size,
        read_ahead=True,
        prepare=prepare,
        store_prepared=store_prepared,
    )
    summary = _import(importer, path)
    assert all(value == item.upper() for item, value in prepared)
    stored = [item for item, _ in prepared] + plain
    assert sorted(stored) == sorted(set(ids) - {"bad"})
    assert "poison" in plain
    assert bool(prepared) == (batch_size < 20)  # one chunk holds the whole file at 50
    assert (summary.created, summary.duplicates, summary.rejected) == (28, 1, 1)
