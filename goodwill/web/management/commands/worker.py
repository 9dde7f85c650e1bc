"""`goodwill worker`: run Celery workers (and beat) on Redis for deployments with REDIS_URL."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = (
        "Run a Celery worker that executes Goodwill's tasks (ingest batches, scoring, sending) "
        "from Redis. Needs REDIS_URL; without it tasks already run in-process and no worker "
        "is needed. Start as many workers, on as many machines, as the load needs; run "
        "--beat in exactly one of them for periodic tasks."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--concurrency", type=int, default=None, help="worker processes (default: CPU count)"
        )
        parser.add_argument(
            "--beat", action="store_true", help="also run the periodic-task scheduler (beat)"
        )
        parser.add_argument(
            "--queues", default=None, help="comma-separated queues to consume (default: all)"
        )
        parser.add_argument(
            "--loglevel",
            default="INFO",
            choices=["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"],
            type=str.upper,
        )
        parser.add_argument("--pool", default=None, choices=["prefork", "solo", "threads"])

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.REDIS_URL:
            raise CommandError(
                "REDIS_URL is not set: tasks run in-process, so there is nothing for a worker to "
                "do. Set REDIS_URL (e.g. redis://127.0.0.1:6379/0) to use Celery workers."
            )
        concurrency = options["concurrency"]
        if concurrency is not None and concurrency < 1:
            raise CommandError(f"--concurrency must be at least 1, got {concurrency}")
        argv = ["worker", f"--loglevel={options['loglevel']}"]
        if concurrency is not None:
            argv.append(f"--concurrency={concurrency}")
        if options["beat"]:
            argv.append("--beat")
            # beat's schedule state lives with the rest of Goodwill's local state.
            argv.append(f"--schedule={settings.GOODWILL_HOME / 'celerybeat-schedule'}")
        if options["queues"]:
            argv.append(f"--queues={options['queues']}")
        if options["pool"]:
            argv.append(f"--pool={options['pool']}")
        from goodwill.celery import app

        app.worker_main(argv)
