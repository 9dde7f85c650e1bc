"""`goodwill demo`: migrate, build the Bluefinch Airways demo world, print logins, serve."""

from __future__ import annotations

import sys
import time
from datetime import UTC, date, datetime
from typing import Any

from django.conf import settings
from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from tqdm import tqdm

from goodwill.demo import services
from goodwill.demo.generator import DemoParams
from goodwill.listening import sources as listening_sources
from goodwill.schedule import run_due_jobs


def _end_date(value: str) -> datetime:
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--end: {value!r} is not a date (YYYY-MM-DD)") from None
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


class Command(BaseCommand):
    help = (
        "Build the demo world (a fictional airline, its customers and ~50,000 messages) through "
        "the real services, print how to log in, then serve the web app. Deterministic from "
        "--seed; re-running finds the demo already there and goes straight to serving."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=0, help="Random seed (default 0).")
        parser.add_argument("--customers", type=int, default=2000, help="Shop customers.")
        parser.add_argument("--messages", type=int, default=50_000, help="Messages in total.")
        parser.add_argument("--days", type=int, default=90, help="Days of messages (default 90).")
        parser.add_argument(
            "--end",
            type=_end_date,
            default=None,
            help="The world's 'now' (YYYY-MM-DD, midnight UTC; default: today).",
        )
        parser.add_argument("--batch-size", type=int, default=2000, help="Messages per batch.")
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Delete ALL data in the database (flush) and build afresh.",
        )
        parser.add_argument(
            "--yes", action="store_true", help="Do not ask before --reset deletes data."
        )
        parser.add_argument("--no-serve", action="store_true", help="Build, then exit.")
        parser.add_argument("--host", default="127.0.0.1", help="Serve on (default 127.0.0.1).")
        parser.add_argument("--port", type=int, default=8000, help="Port (default 8000).")

    def handle(self, *args: Any, **options: Any) -> None:
        for name in ("customers", "messages", "days", "batch_size"):
            if options[name] < 1:
                raise CommandError(f"--{name.replace('_', '-')}: must be positive")
        end = options["end"] or _end_date(datetime.now(UTC).date().isoformat())
        params = DemoParams(
            seed=options["seed"],
            customers=options["customers"],
            messages=options["messages"],
            days=options["days"],
            end=end,
        )
        verbosity = options["verbosity"]
        call_command("migrate", interactive=False, verbosity=max(0, verbosity - 1))
        if options["reset"]:
            self._reset(confirmed=options["yes"])

        stored = None if options["reset"] else services.loaded_demo(params=params)
        if stored is not None:
            built_end = stored.get("params", {}).get("end", "?")
            self.stdout.write(
                f"This database already holds the demo (seed {params.seed}, "
                f"{params.customers:,} customers, {params.messages:,} messages, ending "
                f"{built_end[:10]}); skipping the build. Use --reset to rebuild it."
            )
        else:
            previous = None if options["reset"] else services.stored_demo()
            if previous is not None and not services.same_demo(previous, params):
                raise CommandError(
                    f"This database holds another demo (built with {previous.get('params')}); "
                    "its ids would clash with this one. Use --reset to replace it."
                )
            self._build(params, options)
        self._print_logins()
        if options["no_serve"]:
            return
        if "serve" not in get_commands():
            raise CommandError(
                "`goodwill serve` is not available in this install; run with --no-serve "
                "and start the web app with `goodwill runserver`."
            )
        call_command("serve", host=options["host"], port=options["port"])

    def _reset(self, *, confirmed: bool) -> None:
        if not confirmed:
            if not sys.stdin.isatty():
                raise CommandError("--reset deletes all data; add --yes to confirm.")
            answer = input("--reset deletes ALL data in this database. Type 'yes' to go on: ")
            if answer.strip().lower() != "yes":
                raise CommandError("reset cancelled; nothing was deleted")
        call_command("flush", interactive=False, verbosity=0)
        self.stdout.write("Database emptied.")

    def _build(self, params: DemoParams, options: dict[str, Any]) -> None:
        self.stdout.write(
            f"Building the demo: seed {params.seed}, {params.customers:,} customers, "
            f"{params.messages:,} messages over {params.days} days to {params.end:%Y-%m-%d}."
        )
        show = sys.stderr.isatty() and options["verbosity"] > 0
        bar = tqdm(total=params.messages, unit="msg", disable=not show, file=sys.stderr)
        try:
            report = services.build_demo(
                seed=params.seed,
                customers=params.customers,
                messages=params.messages,
                days=params.days,
                end=params.end,
                batch_size=options["batch_size"],
                progress=bar.update,
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        finally:
            bar.close()
        s, m, t = report.summary, report.messages, report.transactions
        self.stdout.write(
            f"Built in {report.generate_seconds + report.load_seconds:.1f}s "
            f"(generate {report.generate_seconds:.1f}s, store {report.load_seconds:.1f}s)."
        )
        rows = [
            ("Shop customers", s["customers"]),
            ("  of them lapsing (planted)", s["lapsing_customers"]),
            ("  churned", s["churners"]),
            ("Transactions", s["transactions"]),
            ("Social identities", s["identities"]),
            ("  people on several channels / linked to the shop", s["shared_identities"]),
            ("Messages", s["messages"]),
            ("  from the brand", s["brand_messages"]),
            ("  about the payment incident", s["incident_messages"]),
            ("  asking for dark mode", s["idea_messages"]),
        ]
        for label, value in rows:
            self.stdout.write(f"  {label:<52} {value:>8,}")
        self.stdout.write(
            f"Stored: messages created {m.created:,}, updated {m.updated:,}, unchanged "
            f"{m.unchanged:,}; transactions created {t.created:,}, unchanged {t.unchanged:,}."
        )
        self.stdout.write(f"Planted ground truth: {report.truth_path}")
        # The scheduled work a live installation would have done by now (identity links and
        # suggestions, spike alerts, value scores), so every page has something to show.
        started = time.perf_counter()
        jobs = run_due_jobs(
            settings.GOODWILL_HOME / "schedule-state.json",
            now=timezone.now(),
            skip=frozenset({listening_sources.SOURCES_JOB}),
            every=True,
        )
        failed = [j for j in jobs if j.error]
        self.stdout.write(
            f"Ran the periodic jobs once in {time.perf_counter() - started:.1f}s: "
            + ", ".join(j.name + (" (failed)" if j.error else "") for j in jobs)
            + "."
        )
        if failed:
            raise CommandError(f"periodic job {failed[0].name} failed: {failed[0].error}")

    def _print_logins(self) -> None:
        self.stdout.write("Log in with (username / password, roles):")
        for login in services.STAFF:
            self.stdout.write(
                f"  {login.username:<11} / {login.password:<14} {', '.join(login.roles)}"
            )
