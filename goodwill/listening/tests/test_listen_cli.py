"""`goodwill listen --once` and the in-process periodic-job scheduler in goodwill.schedule."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from goodwill import schedule
from goodwill.listening import sources
from goodwill.listening.models import Message
from goodwill.listening.tests.fakes import FakeServer, Reply
from goodwill.listening.tests.scripted_http import fixture_json

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.fixture
def jobs(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Replace the registry with two test jobs (one failing) that record their runs."""
    ran: list[str] = []

    def broken() -> None:
        ran.append("broken")
        raise RuntimeError("disk full")

    monkeypatch.setattr(
        schedule,
        "JOBS",
        {
            "t.fast": schedule.PeriodicJob(
                "t.fast", timedelta(minutes=1), lambda: ran.append("fast")
            ),
            "t.slow": schedule.PeriodicJob(
                "t.slow", timedelta(hours=1), lambda: ran.append("slow")
            ),
            "t.broken": schedule.PeriodicJob("t.broken", timedelta(minutes=5), broken),
        },
    )
    yield ran


def test_due_jobs_run_once_per_interval_and_failures_do_not_stop_others(
    jobs: list[str], tmp_path: Path
) -> None:
    state = tmp_path / "state.json"
    first = schedule.run_due_jobs(state, now=NOW)
    assert [(o.name, o.error) for o in first] == [
        ("t.broken", "RuntimeError: disk full"),
        ("t.fast", ""),
        ("t.slow", ""),
    ]
    assert schedule.run_due_jobs(state, now=NOW + timedelta(seconds=30)) == []
    later = schedule.run_due_jobs(state, now=NOW + timedelta(minutes=2))
    assert [o.name for o in later] == ["t.fast"]
    assert jobs == ["broken", "fast", "slow", "fast"]
    skipped = schedule.run_due_jobs(state, now=NOW + timedelta(hours=2), skip=frozenset({"t.slow"}))
    assert [o.name for o in skipped] == ["t.broken", "t.fast"]


def test_a_damaged_state_file_means_everything_is_due(jobs: list[str], tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    state.write_text("{not json")
    assert len(schedule.run_due_jobs(state, now=NOW)) == 3


def test_periodic_refuses_a_second_job_under_one_name() -> None:
    schedule.periodic("t.once", every=timedelta(minutes=1))(print)
    try:
        with pytest.raises(ValueError, match="registered twice"):
            schedule.periodic("t.once", every=timedelta(minutes=1))(repr)
    finally:
        del schedule.JOBS["t.once"]


@pytest.mark.django_db
def test_listen_once_pulls_due_sources_and_runs_due_jobs(
    fake_server: FakeServer, jobs: list[str], tmp_path: Path
) -> None:
    fake_server.route(
        "GET", "/2/tweets/search/recent", Reply(json=fixture_json("x/search_page2.json"))
    )
    sources.create_source(
        name="acme x",
        kind="x",
        config={"query": "acme", "base_url": fake_server.url},
        secrets={"bearer_token": "t0ken"},
    )
    out = StringIO()
    with override_settings(GOODWILL_HOME=tmp_path), pytest.raises(CommandError, match="failed"):
        call_command("listen", "--once", stdout=out)
    text = out.getvalue()
    assert "source acme x: ok, fetched 1, new 1, skipped 1" in text
    assert "job t.fast: ok" in text
    assert "job t.broken: failed (RuntimeError: disk full)" in text
    assert Message.objects.count() == 1
    assert (tmp_path / "schedule-state.json").is_file()

    again = StringIO()
    with override_settings(GOODWILL_HOME=tmp_path):
        call_command("listen", "--once", stdout=again)
    assert again.getvalue().strip() == "nothing was due"


def test_listen_rejects_a_tiny_tick() -> None:
    with pytest.raises(CommandError, match="--tick"):
        call_command("listen", "--tick", "0")
