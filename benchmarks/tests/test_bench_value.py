"""The CLV and PageRank benchmarks run end to end at a tiny size and report sane rows."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from benchmarks.runner import main

ROW_KEYS = {"name", "ours", "baseline", "ratio", "peak_mb", "note"}


def test_clv_benchmark_compares_with_lifetimes(tmp_path: Path) -> None:
    if importlib.util.find_spec("lifetimes") is None:
        pytest.skip("lifetimes (dev extra) is not installed: no baseline to compare with")
    assert main(["clv", "--customers", "3000", "--out", str(tmp_path)]) == 0
    (row,) = json.loads((tmp_path / "clv.json").read_text())["rows"]
    assert set(row) >= ROW_KEYS
    assert row["ours"] > 0 and row["baseline"] > 0 and row["peak_mb"] > 0
    ours, theirs = row["extra"]["ours"], row["extra"]["lifetimes"]
    assert row["ratio"] == pytest.approx(theirs["seconds"] / ours["seconds"], abs=0.051)
    for mine, other in zip(ours["params"], theirs["params"], strict=True):
        assert mine == pytest.approx(other, rel=1e-3)
    assert ours["log_likelihood"] >= theirs["log_likelihood"] - 1e-6


def test_pagerank_benchmark_agrees_with_networkx(tmp_path: Path) -> None:
    if importlib.util.find_spec("networkx") is None:
        pytest.skip("networkx (dev extra) is not installed: no baseline to compare with")
    args = ["pagerank", "--edges", "20000", "--nx-edges", "5000", "--out", str(tmp_path)]
    assert main(args) == 0
    rows = json.loads((tmp_path / "pagerank.json").read_text())["rows"]
    assert [r["name"] for r in rows] == [
        "PageRank, 20,000 edges (ours only)",
        "PageRank, 5,000 edges vs networkx",
    ]
    compared = rows[1]
    assert set(compared) >= ROW_KEYS
    assert compared["extra"]["spearman"] >= 0.999
    assert compared["baseline"] > 0 and compared["peak_mb"] > 0
