"""`goodwill analyze INPUT --output OUT.jsonl`: the external contract."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

KEYS = ["id", "sentiment", "sentiment_score", "intent", "topics", "language"]
INTENTS = {
    "complaint",
    "question",
    "praise",
    "suggestion",
    "purchase_intent",
    "churn_threat",
    "other",
}


def _read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _check_rows(rows: list[dict], ids: list) -> None:
    assert [r["id"] for r in rows] == ids
    for r in rows:
        assert list(r) == KEYS
        assert r["sentiment"] in {"negative", "neutral", "positive"}
        assert isinstance(r["sentiment_score"], float)
        assert -1.0 <= r["sentiment_score"] <= 1.0
        assert r["intent"] in INTENTS
        assert isinstance(r["topics"], list) and all(isinstance(t, str) for t in r["topics"])
        assert isinstance(r["language"], str)


def test_csv_keeps_order_and_ignores_other_columns(tmp_path):
    source = tmp_path / "in.csv"
    source.write_text(
        'text,id,extra\n"3 hours on hold, still nobody",z9,x\n"Thanks, all fixed!",a1,y\n'
        '"multi\nline ""quoted"" text",b2,\n"",c3,\n',
        encoding="utf-8",
    )
    out = tmp_path / "out.jsonl"
    call_command("analyze", str(source), "--output", str(out))
    rows = _read(out)
    _check_rows(rows, ["z9", "a1", "b2", "c3"])
    assert rows[0]["sentiment"] == "negative" and rows[0]["intent"] == "complaint"
    assert rows[1]["sentiment"] == "positive"


def test_jsonl_ids_keep_their_type_and_blank_lines_are_skipped(tmp_path):
    source = tmp_path / "in.jsonl"
    lines = [
        {"id": 3, "text": "Where can I buy the blue one?"},
        {"id": "x", "text": "I'm switching to another bank", "other": 1},
        {"id": 1, "text": "Estoy muy contento con el servicio de hoy"},
    ]
    source.write_text(
        "\n".join(json.dumps(x) for x in lines[:2]) + "\n\n" + json.dumps(lines[2]) + "\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.jsonl"
    call_command("analyze", str(source), "--output", str(out), "--batch-size", "2")
    rows = _read(out)
    _check_rows(rows, [3, "x", 1])
    assert [r["intent"] for r in rows[:2]] == ["purchase_intent", "churn_threat"]
    assert rows[2]["language"] == "es"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("bad.jsonl", '{"id": 1, "text": "ok"}\n{"id": 2\n', "line 2: invalid JSON"),
        ("bad.jsonl", '{"id": 1, "text": 5}\n', "line 1: field 'text' must be a string"),
        ("bad.jsonl", '{"text": "hi"}\n', "line 1: field 'id' is missing"),
        ("bad.csv", "id,body\n1,hi\n", "line 1: header lacks column\\(s\\) text"),
        ("bad.txt", "x", "unknown extension"),
    ],
)
def test_bad_input_names_line_and_field(tmp_path, name, content, message):
    source = tmp_path / name
    source.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError, match=message):
        call_command("analyze", str(source), "--output", str(tmp_path / "o.jsonl"))


def test_runs_without_a_database(tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text('{"id": "q", "text": "my bag is lost"}\n', encoding="utf-8")
    out = tmp_path / "out.jsonl"
    env = dict(os.environ)
    env["DATABASE_URL"] = f"sqlite:///{tmp_path}/missing/dir/nothing.sqlite3"
    env["GOODWILL_HOME"] = str(tmp_path / "home")
    env.pop("REDIS_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "goodwill", "analyze", str(source), "--output", str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    rows = _read(out)
    _check_rows(rows, ["q"])
    assert rows[0]["topics"] == ["baggage"]
    assert not (tmp_path / "missing").exists()
