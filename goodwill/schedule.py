"""Periodic jobs: one registry that both schedulers read.

With ``REDIS_URL`` set, Celery beat runs each job as a task on the workers; without it the
in-process scheduler (``goodwill listen`` / ``goodwill worker`` in-process mode) runs the
due jobs itself. Apps register a job where its code lives::

    @periodic("value.rescore", every=timedelta(hours=24))
    def rescore_all() -> None: ...

A job is an idempotent function of no arguments: running it twice, or late, is harmless.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta


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
