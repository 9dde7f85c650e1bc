"""The intent-rules benchmark runs on a small demo world and the hand-written cases."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.bench_intent_rules import load_cases
from benchmarks.runner import main
from goodwill.analysis.intent import INTENTS


def test_intent_rules_benchmark_reports_every_intent_per_set(tmp_path: Path) -> None:
    args = ["intent_rules", "--messages", "3000", "--customers", "200", "--labelled", "400"]
    assert main([*args, "--out", str(tmp_path)]) == 0
    rows = json.loads((tmp_path / "intent_rules.json").read_text())["rows"]
    assert len(rows) == 3 * (1 + len(INTENTS))
    macros = [r for r in rows if "macro-F1" in r["name"]]
    assert [r["name"].split(":")[0] for r in macros] == [
        "demo",
        "cases written before v2",
        "cases written after, never tuned on",
    ]
    for row in rows:
        assert 0.0 <= row["ours"] <= 1.0 and 0.0 <= row["baseline"] <= 1.0
        if row["ratio"] is not None:
            assert row["ratio"] == pytest.approx(row["ours"] / row["baseline"], abs=0.002)


def test_a_bad_case_line_is_named_with_its_field(tmp_path: Path) -> None:
    path = tmp_path / "cases.jsonl"
    path.write_text('{"text": "hi", "intent": "question"}\n{"text": "yo", "intent": "rant"}\n')
    with pytest.raises(ValueError, match="cases.jsonl line 2: field 'intent'"):
        load_cases(path)
