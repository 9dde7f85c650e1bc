"""The import benchmark runs end to end on a tiny file and reports what the README shows."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from benchmarks.generate import COLUMNS, write_csv
from benchmarks.runner import format_table, main


def test_generated_rows_thread_and_parse(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "m.csv", 500, seed=3)
    with path.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == list(COLUMNS)
    ids = [r["external_id"] for r in rows]
    assert len(set(ids)) == 500
    parents = {r["in_reply_to"] for r in rows if r["in_reply_to"]}
    assert parents and parents <= set(ids)  # every reply answers a generated message
    assert any(r["is_company"] == "true" for r in rows)
    assert write_csv(tmp_path / "again.csv", 500, seed=3).read_text() == path.read_text()


def test_import_benchmark_runs_both_sides_and_writes_json(tmp_path: Path) -> None:
    out = tmp_path / "out"
    code = main(
        [
            "import",
            "--rows",
            "300",
            "--batch-size",
            "100",
            "--database-url",
            "",
            "--out",
            str(out),
            "--workdir",
            str(tmp_path / "work"),
        ]
    )
    assert code == 0
    report = json.loads((out / "import.json").read_text())
    rows = {r["name"]: r for r in report["rows"]}
    head = rows["import CSV -> SQLite vs raw sqlite3 (unique index)"]
    assert head["ours"] > 0 and head["baseline"] > 0
    assert abs(head["ratio"] - head["ours"] / head["baseline"]) < 0.01
    assert head["extra"]["ours"]["rows"] == 300
    assert head["peak_mb"] > 0
    table = format_table(report["rows"])
    assert "re-import same file" in table and "ingest_batch only" in table
