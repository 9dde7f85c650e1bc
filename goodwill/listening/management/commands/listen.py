"""`goodwill listen [--once]`: the in-process scheduler for sources and periodic jobs."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from goodwill.listening import sources


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
        done = sources.run_round()
        for run in done.runs:
            line = (
                f"source {run.source.name}: {run.status}, fetched {run.fetched}, "
                f"new {run.created}, skipped {run.skipped}"
            )
            if run.error:
                line += f" ({run.error})"
            self.stdout.write(line)
        for outcome in done.jobs:
            self.stdout.write(
                f"job {outcome.name}: " + (f"failed ({outcome.error})" if outcome.error else "ok")
            )
        if verbose and not done.runs and not done.jobs:
            self.stdout.write("nothing was due")
        elif verbose:
            self.stdout.write(f"{len(done.runs)} sources pulled, {len(done.jobs)} jobs run")
        return done.ok
