"""The child-process harness of the demo benchmarks: --one prints the child's JSON, the
parent prints a line a row; in_child reads the child's last line."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pytest

from benchmarks import demo_child


def _run(args: Sequence[str]) -> list[dict[str, Any]]:
    return [{"name": "a", "args": list(args)}, {"name": "b", "args": []}]


def test_one_prints_the_child_result_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    demo_child.main(["--one", "7"], one=lambda seed: {"seed": seed * 2}, run=_run, line=str)
    assert json.loads(capsys.readouterr().out) == {"seed": 14}


def test_otherwise_one_line_per_row(capsys: pytest.CaptureFixture[str]) -> None:
    demo_child.main(
        ["--demo-seed", "3"],
        one=lambda seed: pytest.fail("no child here"),
        run=_run,
        line=lambda row: f"{row['name']} {row['args']}",
    )
    assert capsys.readouterr().out.splitlines() == ["a ['--demo-seed', '3']", "b []"]


def test_in_child_runs_the_module_with_a_fresh_home_and_reads_its_last_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: dict[str, Any] = {}

    class Done:
        stdout = 'noise\n{"ok": 1}\n'

    def fake_run(cmd: list[str], env: dict[str, str], **_: Any) -> Done:
        seen["cmd"], seen["env"] = cmd, env
        return Done()

    monkeypatch.setenv("DATABASE_URL", "postgres://elsewhere")
    monkeypatch.setattr(demo_child.subprocess, "run", fake_run)
    assert demo_child.in_child("benchmarks.bench_x", 5, prefix="gw-t-") == {"ok": 1}
    assert seen["cmd"][1:] == ["-m", "benchmarks.bench_x", "--one", "5"]
    assert "DATABASE_URL" not in seen["env"]
    assert "gw-t-" in seen["env"]["GOODWILL_HOME"]
