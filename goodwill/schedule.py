"""Periodic jobs: one registry that both schedulers read.

With ``REDIS_URL`` set, Celery beat runs each job as a task on the workers; without it the
in-process scheduler (``goodwill listen`` / ``goodwill worker`` in-process mode) runs the
due jobs itself. Apps register a job where its code lives::

    @periodic("value.rescore", every=timedelta(hours=24))
    def rescore_all() -> None: ...

A job is an idempotent function of no arguments: running it twice, or late, is harmless.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    every: timedelta
    func: Callable[[], object]


JOBS: dict[str, PeriodicJob] = {}


def periodic(
    name: str, *, every: timedelta
) -> Callable[[Callable[[], object]], Callable[[], object]]:
    """Register ``func`` to run every ``every``; ``name`` must be unique."""

    def register(func: Callable[[], object]) -> Callable[[], object]:
        existing = JOBS.get(name)
        if existing is not None and existing.func is not func:
            raise ValueError(f"periodic job {name!r} is registered twice")
        JOBS[name] = PeriodicJob(name=name, every=every, func=func)
        return func

    return register


# --- the in-process scheduler ----------------------------------------------------------------
# Without Celery, `goodwill listen` runs the due jobs itself. When each job last ran is kept in
# a small JSON file under GOODWILL_HOME, so a restart does not run every job at once.


@dataclass(frozen=True)
class JobOutcome:
    name: str
    error: str = ""  # "" when the job ran to the end


def _read_state(path: Path) -> dict[str, datetime]:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    state: dict[str, datetime] = {}
    if isinstance(raw, dict):
        for name, text in raw.items():
            try:
                state[str(name)] = datetime.fromisoformat(str(text))
            except ValueError:
                continue
    return state


def _write_state(path: Path, state: dict[str, datetime]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(
        json.dumps({name: moment.isoformat() for name, moment in sorted(state.items())}),
        encoding="utf-8",
    )
    temporary.replace(path)


def due_jobs(last_runs: dict[str, datetime], now: datetime) -> list[PeriodicJob]:
    """Jobs never run, or whose interval has passed since they last ran, by name."""
    return [
        job
        for name, job in sorted(JOBS.items())
        if name not in last_runs or now - last_runs[name] >= job.every
    ]


def run_due_jobs(
    state_path: Path, *, now: datetime, skip: frozenset[str] = frozenset(), every: bool = False
) -> list[JobOutcome]:
    """Run each due job once (a failing job is logged and reported, the others still run);
    ``every=True`` runs every job, due or not (after a bulk load, say)."""
    state = _read_state(state_path)
    outcomes = []
    for job in due_jobs({} if every else state, now):
        if job.name in skip:
            continue
        try:
            job.func()
        except Exception as exc:  # noqa: BLE001 - reported; the next interval retries it
            log.exception("periodic job %s failed", job.name)
            outcomes.append(JobOutcome(job.name, f"{type(exc).__name__}: {exc}"))
        else:
            outcomes.append(JobOutcome(job.name))
        state[job.name] = now
        _write_state(state_path, state)
    return outcomes
