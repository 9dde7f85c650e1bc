"""Scheduled scoring: a full run nightly, the changed customers every 15 minutes.

Registered with goodwill.schedule (Celery beat runs them on the workers with REDIS_URL, the
in-process scheduler without). Both are idempotent: a run that finds nothing new stores
nothing and emits nothing.
"""

from __future__ import annotations

from datetime import timedelta

from goodwill.schedule import periodic
from goodwill.value import services


@periodic("value.rescore", every=timedelta(hours=24))
def rescore_all() -> None:
    services.score_customers()


@periodic("value.rescore_changed", every=timedelta(minutes=15))
def rescore_changed() -> None:
    services.rescore_changed()
