"""`goodwill import ...`: through call_command, and once through the real console script."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from goodwill.customers.models import Transaction
from goodwill.importing import SUMMARY_KEYS
from goodwill.listening.models import Message

DATA = Path(__file__).parent / "data"
TEN_GOOD_THREE_BAD = DATA / "generic_10_good_3_bad.csv"


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_messages_prints_errors_to_stderr_and_the_summary_last(tmp_path: Path) -> None:
    rejects = tmp_path / "rejects.csv"
    out, err = run("messages", str(TEN_GOOD_THREE_BAD), "--rejects", str(rejects))
    assert out.strip().splitlines()[-1] == (
        "read 13, created 10, updated 0, unchanged 0, rejected 3, duplicates 0"
    )
    assert "line 8, field created_at" in err
    assert "line 11, field channel" in err
    assert "line 17, field likes" in err
    with rejects.open(newline="", encoding="utf-8") as handle:
        assert [r["line"] for r in csv.DictReader(handle)] == ["8", "11", "17"]
    assert Message.objects.count() == 10


@pytest.mark.django_db
def test_json_summary_is_one_object_with_exactly_the_summary_keys() -> None:
    run("messages", str(TEN_GOOD_THREE_BAD), "--format", "csv")
    out, _ = run("messages", str(TEN_GOOD_THREE_BAD), "--json", "--source", "again")
    summary = json.loads(out.strip().splitlines()[-1])
    assert tuple(summary) == SUMMARY_KEYS
    assert summary == {
        "read": 13,
        "created": 0,
        "updated": 0,
        "unchanged": 10,
        "rejected": 3,
        "duplicates": 0,
    }


@pytest.mark.django_db
def test_strict_fails_with_the_error_and_stores_nothing() -> None:
    with pytest.raises(CommandError, match="line 8, field created_at") as caught:
        run("messages", str(TEN_GOOD_THREE_BAD), "--strict")
    assert caught.value.returncode == 1
    assert Message.objects.count() == 0


@pytest.mark.django_db
def test_an_unreadable_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="cannot read"):
        run("messages", str(tmp_path / "nope.csv"))


@pytest.mark.django_db
def test_transactions_subcommand(tmp_path: Path) -> None:
    path = tmp_path / "tx.csv"
    path.write_text("customer_id,date,amount\nc1,2024-01-02,10.00\nc1,2024-01-03,-1\n")
    out, err = run("transactions", str(path), "--json")
    assert json.loads(out.splitlines()[-1])["created"] == 1
    assert "line 3, field amount" in err
    assert Transaction.objects.count() == 1


def test_the_console_script_prints_a_json_summary_and_exit_codes(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "GOODWILL_HOME")}
    env["GOODWILL_HOME"] = str(tmp_path / "home")  # a throwaway SQLite database

    def goodwill(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "goodwill", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    migrated = goodwill("migrate", "--verbosity", "0")
    assert migrated.returncode == 0, migrated.stderr
    done = goodwill("import", "messages", str(TEN_GOOD_THREE_BAD), "--json")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert (summary["created"], summary["rejected"]) == (10, 3)
    assert "line 8, field created_at" in done.stderr
    assert "%|" not in done.stderr  # no progress bar when stderr is not a terminal
    strict = goodwill("import", "messages", str(TEN_GOOD_THREE_BAD), "--strict", "--json")
    assert strict.returncode == 1
    assert "line 8, field created_at" in strict.stderr
    assert json.loads(strict.stdout.strip().splitlines()[-1])["created"] == 0


@pytest.mark.django_db
def test_bulk_import_then_backfill_analyses_everything_once() -> None:
    from goodwill.events.models import Event

    run("messages", str(TEN_GOOD_THREE_BAD), "--bulk")
    assert Message.objects.count() == 10
    assert not Message.objects.filter(analysed_at__isnull=False).exists()
    assert Event.objects.count() == 0  # history: no message.received events
    out = io.StringIO()
    call_command("analysis", "backfill", "--batch-size", "3", stdout=out)
    assert out.getvalue().strip() == "analysed 10 messages"
    assert not Message.objects.filter(analysed_at__isnull=True).exists()
    assert Message.objects.exclude(sentiment="").count() == 10
    out = io.StringIO()
    call_command("analysis", "backfill", stdout=out)
    assert out.getvalue().strip() == "analysed 0 messages"
    with pytest.raises(CommandError, match="--batch-size"):
        call_command("analysis", "backfill", "--batch-size", "0")
