"""`goodwill listen [--once]`: the in-process scheduler for sources and periodic jobs."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from goodwill.listening import sources
from goodwill.schedule import run_due_jobs

SOURCES_JOB = "listening.run_due_sources"


class Command(BaseCommand):
    help = (
        "Pull every enabled Source that is due (each at its own interval; a rate-limited one "
        "waits for the platform's reset time) and run the due periodic jobs (scoring, alerts, "
        "...). Loops until stopped; --once does one round, prints what happened and exits "
        "(1 if a source or job failed). With REDIS_URL, Celery beat does this instead "
        "(`goodwill worker --beat`)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="one round, then exit")
        parser.add_argument(
            "--tick", type=float, default=30.0, help="seconds between rounds (default 30)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["tick"] < 1:
            raise CommandError(f"--tick must be at least 1 second, got {options['tick']}")
        if options["once"]:
            if not self._round(verbose=True):
                raise CommandError("some sources or jobs failed (see above)")
            return
        self.stdout.write(f"listening; a round every {options['tick']:g}s (Ctrl+C stops)")
        try:
            while True:
                self._round(verbose=False)
                time.sleep(options["tick"])
        except KeyboardInterrupt:
            self.stdout.write("stopped")

    def _round(self, *, verbose: bool) -> bool:
        ok = True
        runs = sources.run_due_sources()
        for run in runs:
            source = run.source
            line = (
                f"source {source.name}: {run.status}, fetched {run.fetched}, "
                f"new {run.created}, skipped {run.skipped}"
            )
            if run.error:
                line += f" ({run.error})"
            self.stdout.write(line)
            ok = ok and run.status != "error"
        outcomes = run_due_jobs(
            settings.GOODWILL_HOME / "schedule-state.json",
            now=timezone.now(),
            skip=frozenset({SOURCES_JOB}),  # just done above, whatever its interval
        )
        for outcome in outcomes:
            self.stdout.write(
                f"job {outcome.name}: " + (f"failed ({outcome.error})" if outcome.error else "ok")
            )
            ok = ok and not outcome.error
        if verbose and not runs and not outcomes:
            self.stdout.write("nothing was due")
        elif verbose:
            self.stdout.write(f"{len(runs)} sources pulled, {len(outcomes)} jobs run")
        return ok
