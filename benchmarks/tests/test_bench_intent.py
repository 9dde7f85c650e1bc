"""The intent benchmark runs end to end on a small demo world and reports its rows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.runner import main

ROW_KEYS = {"name", "ours", "baseline", "ratio", "peak_mb", "note"}


def test_intent_benchmark_reports_learned_against_rules(tmp_path: Path) -> None:
    args = ["intent", "--messages", "4000", "--customers", "300", "--labelled", "500"]
    assert main([*args, "--out", str(tmp_path)]) == 0
    rows = json.loads((tmp_path / "intent.json").read_text())["rows"]
    names = [r["name"] for r in rows]
    assert names[0].startswith("intent after 100 labels")
    assert any(n.startswith("retrain 5-fold CV on 500 labels") for n in names)
    assert any(n.startswith("unseen templates") for n in names)
    assert names[-2].startswith("topics after 500 labels")
    speed = rows.pop()
    assert speed["name"].startswith("analyse") and speed["unit"] == "texts/s"
    assert speed["ours"] > 0 and speed["baseline"] > 0
    assert speed["ratio"] == pytest.approx(speed["ours"] / speed["baseline"], rel=0.01)
    for row in rows:
        assert set(row) >= ROW_KEYS
        assert 0.0 <= row["ours"] <= 1.0 and 0.0 < row["baseline"] <= 1.0
        assert row["ratio"] == pytest.approx(row["ours"] / row["baseline"], abs=0.002)
    curve = [r["ours"] for r in rows if r["name"].startswith("intent after")]
    # Every point of the curve is scored on the same held-out messages, against the same rules.
    assert len({r["baseline"] for r in rows if r["name"].startswith("intent after")}) == 1
    assert curve[-1] > curve[0]  # more labels, a better model
