"""`goodwill alerts scan|list`."""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from goodwill.insights.models import Alert
from goodwill.schedule import JOBS
from goodwill.web.tests.helpers import T0, ingest, post


def _run(*args: str) -> str:
    out = StringIO()
    call_command("alerts", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_scan_then_list() -> None:
    ingest(post(f"bg{d}", f"p{d}", d * 1440 + 600, text="my flight is delayed") for d in range(9))
    ingest(
        post(f"b{i}", f"a{i}", 8 * 1440 + 200 + i, text="charged twice!! terrible")
        for i in range(12)
    )
    now = (T0 + timedelta(days=9)).isoformat()
    first = _run("scan", "--now", now)
    assert "new alert(s)" in first and " 0 new alert(s)" not in first
    assert "Scored 0 bucket(s)" in _run("scan", "--now", now)
    listed = json.loads(_run("list", "--format", "json"))
    assert {row["id"] for row in listed} == set(Alert.objects.values_list("id", flat=True))
    assert all(row["status"] == "open" and row["observed"] >= 12 for row in listed)
    table = _run("list")
    assert all(row["series"] in table for row in listed)
    assert _run("list", "--status", "resolved").strip() == "No alerts."


@pytest.mark.django_db
def test_bad_arguments_are_named() -> None:
    with pytest.raises(CommandError, match="--now"):
        _run("scan", "--now", "yesterday")
    with pytest.raises(CommandError, match="--limit"):
        _run("list", "--limit", "0")


def test_the_scan_is_a_periodic_job() -> None:
    job = JOBS["insights.scan_spikes"]
    assert job.every == timedelta(minutes=5)
