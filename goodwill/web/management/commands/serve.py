"""`goodwill serve`: the web app and API under waitress, static files through WhiteNoise."""

from __future__ import annotations

import logging
import threading
from typing import Any

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, close_old_connections, connections
from django.db.migrations.executor import MigrationExecutor
from waitress import serve

log = logging.getLogger(__name__)


def unapplied_migrations() -> list[str]:
    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _ in plan]


def scheduler_loop(stop: threading.Event, tick: float) -> None:
    """The in-process scheduler (no REDIS_URL): a `goodwill listen` round every `tick`
    seconds beside the web app, until `stop` is set. A failing round is logged; the next
    one runs anyway."""
    from goodwill.listening import sources

    while not stop.is_set():
        try:
            sources.run_round()
        except Exception:  # noqa: BLE001 - logged; the scheduler must outlive one bad round
            log.exception("scheduler round failed")
        finally:
            close_old_connections()
        stop.wait(tick)


class Command(BaseCommand):
    help = "Serve Goodwill at http://HOST:PORT with waitress (a production WSGI server)."
    requires_migrations_checks = False  # we check, and explain, ourselves

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="Interface (default 127.0.0.1).")
        parser.add_argument("--port", type=int, default=8000, help="Port (default 8000).")
        parser.add_argument("--threads", type=int, default=8, help="Worker threads (default 8).")
        parser.add_argument(
            "--migrate", action="store_true", help="Apply pending migrations before serving."
        )
        parser.add_argument(
            "--no-scheduler",
            action="store_true",
            help=(
                "Do not run sources and periodic jobs in this process. Without REDIS_URL they "
                "run here by default (as `goodwill listen` would); with it, Celery beat runs them."
            ),
        )
        parser.add_argument(
            "--tick", type=float, default=30.0, help="Seconds between scheduler rounds (30)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        port, threads = options["port"], options["threads"]
        if not 0 < port < 65536:
            raise CommandError(f"--port: {port} is not a TCP port (1-65535)")
        if threads < 1:
            raise CommandError(f"--threads: must be at least 1, got {threads}")
        pending = unapplied_migrations()
        if pending and options["migrate"]:
            call_command("migrate", interactive=False, verbosity=max(0, options["verbosity"] - 1))
        elif pending:
            raise CommandError(
                f"{len(pending)} migration(s) not applied (first: {pending[0]}). "
                "Run `goodwill migrate`, or `goodwill serve --migrate`."
            )
        if not finders.find("vendor/htmx.min.js"):
            self.stderr.write(
                "Front-end assets missing (goodwill/static/vendor/); run `bash scripts/setup.sh`. "
                "Pages work, but live updates do not."
            )
        from goodwill.wsgi import application

        if not options["no_scheduler"] and not settings.REDIS_URL:
            stop = threading.Event()
            threading.Thread(
                target=scheduler_loop,
                args=(stop, max(1.0, options["tick"])),
                name="goodwill-scheduler",
                daemon=True,
            ).start()
            self.stdout.write(
                "Sources and periodic jobs run in this process (in-process scheduler)."
            )

        host = options["host"]
        shown = f"[{host}]" if ":" in host else host
        self.stdout.write(f"Goodwill is serving at http://{shown}:{port}/ (Ctrl+C to stop)")
        serve(application, host=host, port=port, threads=threads, ident="goodwill")
