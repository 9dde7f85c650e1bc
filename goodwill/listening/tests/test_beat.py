"""Celery beat's schedule comes from goodwill.schedule.JOBS; a real worker on Redis runs one."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker

from goodwill import schedule
from goodwill.celery import PERIODIC_TASK, JobsScheduler, app, beat_schedule, run_periodic


def test_every_registered_job_is_a_beat_entry() -> None:
    entries = beat_schedule()
    assert set(entries) == set(schedule.JOBS)
    assert "listening.run_due_sources" in entries
    for name, entry in entries.items():
        assert entry["task"] == PERIODIC_TASK
        assert entry["args"] == (name,)
        assert entry["schedule"] == schedule.JOBS[name].every.total_seconds()


def test_the_beat_scheduler_loads_the_jobs(tmp_path: Path) -> None:
    saved = app.conf.beat_schedule
    try:
        scheduler = JobsScheduler(app, schedule_filename=str(tmp_path / "beat"), lazy=False)
        try:
            assert set(schedule.JOBS) <= set(scheduler.schedule)
            entry = scheduler.schedule["listening.run_due_sources"]
            assert entry.task == PERIODIC_TASK
            assert entry.schedule.run_every == timedelta(minutes=1)
        finally:
            scheduler.close()
    finally:
        app.conf.beat_schedule = saved
    assert app.conf.beat_scheduler == "goodwill.celery:JobsScheduler"


def test_an_unknown_job_name_is_an_error() -> None:
    with pytest.raises(ValueError, match="no periodic job named 'nope'"):
        run_periodic("nope")


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_a_worker_on_redis_runs_a_periodic_job_by_name(
    redis_app: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import celery.contrib.testing.tasks  # noqa: F401  (registers celery.ping for start_worker)

    ran: list[str] = []
    job = schedule.PeriodicJob("t.tick", timedelta(minutes=1), lambda: ran.append("tick"))
    monkeypatch.setitem(schedule.JOBS, "t.tick", job)
    entry = beat_schedule()["t.tick"]
    with start_worker(app, pool="solo", concurrency=1, shutdown_timeout=30):
        result = app.send_task(entry["task"], args=entry["args"])
        assert result.get(timeout=60) == "t.tick"
    assert ran == ["tick"]
