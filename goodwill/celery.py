"""The task runner: Celery on Redis when REDIS_URL is set, in-process (eager) otherwise."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "goodwill.settings")

app = Celery("goodwill")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
