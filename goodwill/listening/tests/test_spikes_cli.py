"""`goodwill spikes SERIES.csv --output OUT.csv`: the contract external evaluation relies on.

No test here is marked django_db: pytest-django refuses database access, which proves the
command needs none.
"""

from __future__ import annotations

import csv
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from goodwill.analysis.spikes import detect

START = datetime(2024, 3, 4, tzinfo=UTC)  # a Monday


def series(hours: int, *, seed: int = 1, spike_at: int | None = None) -> list[tuple[str, str]]:
    rng = np.random.default_rng(seed)
    h = np.arange(hours)
    mean = 4 * (1 + 0.6 * np.cos(2 * np.pi * ((h % 24) - 14) / 24))
    if spike_at is not None:
        mean[spike_at : spike_at + 3] += 40
    values = rng.poisson(mean)
    return [
        ((START + timedelta(hours=int(i))).isoformat(), str(int(v)))
        for i, v in zip(h, values, strict=True)
    ]


def write_csv(path: Path, rows: list[tuple[str, str]], header: str = "timestamp,value") -> Path:
    path.write_text(header + "\n" + "".join(f"{t},{v}\n" for t, v in rows), encoding="utf-8")
    return path


def run(tmp_path: Path, source: Path) -> list[list[str]]:
    out = tmp_path / "out.csv"
    call_command("spikes", str(source), output=str(out))
    with out.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def test_contract_header_one_row_per_input_row_in_input_order(tmp_path: Path) -> None:
    rows = series(24 * 21, spike_at=24 * 18 + 12)
    shuffled = rows[:]
    random.Random(3).shuffle(shuffled)
    output = run(tmp_path, write_csv(tmp_path / "in.csv", shuffled))
    assert output[0] == ["timestamp", "value", "anomaly_score", "is_spike"]
    body = output[1:]
    assert len(body) == len(shuffled)
    assert [(r[0], r[1]) for r in body] == shuffled
    assert {r[3] for r in body} <= {"0", "1"}
    scores = [float(r[2]) for r in body]
    assert all(np.isfinite(scores)) and min(scores) >= 0
    flagged = {r[0] for r in body if r[3] == "1"}
    spike_times = {rows[i][0] for i in range(24 * 18 + 12, 24 * 18 + 15)}
    assert flagged & spike_times, "the injected spike was not flagged"
    assert len(flagged - spike_times) <= 3


def test_output_matches_the_library_and_sorting_does_not_change_it(tmp_path: Path) -> None:
    rows = series(24 * 10, seed=4)
    in_order = run(tmp_path, write_csv(tmp_path / "a.csv", rows))[1:]
    reversed_rows = run(tmp_path, write_csv(tmp_path / "b.csv", rows[::-1]))[1:]
    assert reversed_rows[::-1] == in_order
    times = [datetime.fromisoformat(t).timestamp() for t, _ in rows]
    expected = detect(times, [float(v) for _, v in rows])
    assert [float(r[2]) for r in in_order] == pytest.approx(expected.score, abs=1e-4)
    assert [r[3] == "1" for r in in_order] == list(expected.is_spike)


def test_appending_later_rows_never_changes_earlier_output(tmp_path: Path) -> None:
    rows = series(24 * 20, seed=8, spike_at=24 * 16)
    full = run(tmp_path, write_csv(tmp_path / "full.csv", rows))[1:]
    for cut in (24 * 2, 24 * 16 + 1, 24 * 19):
        prefix = run(tmp_path, write_csv(tmp_path / "prefix.csv", rows[:cut]))[1:]
        assert prefix == full[:cut]


def test_epoch_seconds_zones_extra_columns_and_gaps(tmp_path: Path) -> None:
    base = int(START.timestamp())
    lines = ["value,note,timestamp"]
    for i in range(24 * 9):
        if 24 * 3 <= i < 24 * 4:
            continue  # a missing day
        stamp = str(base + 3600 * i) if i % 2 else (START + timedelta(hours=i)).isoformat()
        lines.append(f"{i % 5},x,{stamp}")
    source = tmp_path / "mixed.csv"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    output = run(tmp_path, source)
    assert output[0] == ["timestamp", "value", "anomaly_score", "is_spike"]
    assert len(output) == len(lines)
    assert [r[0] for r in output[1:]] == [line.split(",")[2] for line in lines[1:]]


def test_header_only_gives_header_only(tmp_path: Path) -> None:
    output = run(tmp_path, write_csv(tmp_path / "empty.csv", []))
    assert output == [["timestamp", "value", "anomaly_score", "is_spike"]]


def test_bad_rows_are_named_by_line_and_field_and_nothing_is_written(tmp_path: Path) -> None:
    rows = series(30)
    rows[4] = ("not a time", rows[4][1])
    rows[9] = (rows[9][0], "seven")
    rows[12] = (rows[12][0], "nan")
    source = write_csv(tmp_path / "bad.csv", rows)
    out = tmp_path / "out.csv"
    with pytest.raises(CommandError) as caught:
        call_command("spikes", str(source), output=str(out))
    message = str(caught.value)
    assert "line 6, field timestamp" in message
    assert "line 11, field value" in message and "'seven'" in message
    assert "line 14, field value" in message
    assert not out.exists()


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("", "empty file"),
        ("time,value\n1,2\n", r"missing column\(s\) timestamp"),
        ("timestamp,value\n1704067200\n", "line 2: has 1 field"),
    ],
)
def test_malformed_files_say_why(tmp_path: Path, content: str, reason: str) -> None:
    source = tmp_path / "in.csv"
    source.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError, match=reason):
        call_command("spikes", str(source), output=str(tmp_path / "out.csv"))


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="cannot read"):
        call_command("spikes", str(tmp_path / "nope.csv"), output=str(tmp_path / "o.csv"))
