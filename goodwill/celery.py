"""The task runner: Celery on Redis when REDIS_URL is set, in-process (eager) otherwise.

Periodic jobs come from ``goodwill.schedule.JOBS``: each becomes a beat entry running the
task ``goodwill.periodic`` with the job's name, at the job's interval (``goodwill worker
--beat`` in one worker). Without Redis, ``goodwill listen`` runs the same jobs in-process.
"""

from __future__ import annotations

import os
from typing import Any

from celery import Celery
from celery.beat import PersistentScheduler

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "goodwill.settings")

app = Celery("goodwill")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

PERIODIC_TASK = "goodwill.periodic"


@app.task(name=PERIODIC_TASK)
def run_periodic(name: str) -> str:
    """Run the periodic job ``name`` from goodwill.schedule.JOBS (idempotent by contract)."""
    from goodwill.schedule import JOBS

    job = JOBS.get(name)
    if job is None:
        raise ValueError(f"no periodic job named {name!r} (known: {', '.join(sorted(JOBS))})")
    job.func()
    return name


def beat_schedule() -> dict[str, dict[str, Any]]:
    """One beat entry per registered periodic job (the apps register them when Django starts)."""
    import django
    from django.apps import apps

    if not apps.ready:
        django.setup()
    from goodwill.schedule import JOBS

    return {
        name: {"task": PERIODIC_TASK, "schedule": job.every.total_seconds(), "args": (name,)}
        for name, job in sorted(JOBS.items())
    }


class JobsScheduler(PersistentScheduler):
    """Celery beat's scheduler, with an entry for every job in goodwill.schedule.JOBS.

    The jobs are read when beat starts (standalone or ``worker --beat``), after Django has
    loaded the apps that register them; entries in CELERY_BEAT_SCHEDULE are kept as well.
    """

    def setup_schedule(self) -> None:
        self.app.conf.beat_schedule = {**beat_schedule(), **(self.app.conf.beat_schedule or {})}
        super().setup_schedule()


app.conf.beat_scheduler = "goodwill.celery:JobsScheduler"
