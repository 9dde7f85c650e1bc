"""Scheduled scoring: a full run nightly, the changed customers every 15 minutes.

Both are idempotent: a run that finds nothing new stores nothing and emits nothing.
"""

from __future__ import annotations

from datetime import timedelta

from goodwill.celery import app
from goodwill.schedule import periodic
from goodwill.value import services


@app.task(name="value.rescore_all")
def rescore_all_task() -> int:
    return services.score_customers().changed


@app.task(name="value.rescore_changed")
def rescore_changed_task() -> int:
    return services.rescore_changed().changed


@periodic("value.rescore", every=timedelta(hours=24))
def rescore_all() -> None:
    services.score_customers()


@periodic("value.rescore_changed", every=timedelta(minutes=15))
def rescore_changed() -> None:
    services.rescore_changed()
