"""`goodwill sources add|list|test|run|remove`: configure and check pulled channels."""

from __future__ import annotations

import argparse
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from goodwill.listening import sources
from goodwill.listening.connectors.base import REGISTRY
from goodwill.listening.models import Source

ADD_HELP = """\
Add a Source: a connector kind with its settings. Settings are checked against the kind's
fields; every problem is reported with the field's name and nothing is saved.

Secrets (tokens, passwords) are given with --secret NAME=env:VARIABLE (read from the
environment each run; nothing stored) or --secret NAME=VALUE (stored encrypted with a key
derived from SECRET_KEY). They are never printed, logged, or shown back.

Kinds and their settings (* required, (secret) goes with --secret):
"""


# `sources run` on a source another run holds: try again later (sysexits' EX_TEMPFAIL).
EXIT_BUSY = 75


def _kinds_help() -> str:
    lines = []
    for kind, cls in sorted(REGISTRY.items()):
        lines.append(f"  {kind:<14} {cls.label}")
        for spec in cls.fields:
            mark = "*" if spec.required else " "
            secret = " (secret)" if spec.secret else ""
            default = f" [default: {spec.default}]" if spec.default else ""
            helptext = f" - {spec.help}" if spec.help else ""
            lines.append(f"      {mark}{spec.name}{secret}{default}{helptext}")
    return "\n".join(lines)


def _pairs(values: list[str], option: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for value in values:
        name, sep, content = value.partition("=")
        if not sep or not name.strip():
            raise CommandError(f"{option} {value!r}: expected NAME=VALUE")
        pairs[name.strip()] = content
    return pairs


def _when(moment: Any) -> str:
    if moment is None:
        return "-"
    return str(timezone.localtime(moment).strftime("%Y-%m-%d %H:%M"))


class Command(BaseCommand):
    help = "Configure, list, test and run the Sources Goodwill pulls messages from."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
        add = actions.add_parser(
            "add",
            help="add a source",
            description=ADD_HELP + _kinds_help(),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        add.add_argument("name")
        add.add_argument("--kind", required=True, choices=sorted(REGISTRY))
        add.add_argument("--channel", default="", help="default: the kind's channel")
        add.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
        add.add_argument("--secret", action="append", default=[], metavar="KEY=env:VAR|VALUE")
        add.add_argument(
            "--interval", type=int, default=900, help="seconds between pulls (default 900)"
        )
        add.add_argument("--disabled", action="store_true", help="add it switched off")
        actions.add_parser("list", help="list sources with their last run and next run")
        test = actions.add_parser(
            "test", help="fetch one page without storing anything; exit 1 on failure"
        )
        test.add_argument("name")
        run = actions.add_parser(
            "run",
            help="pull a source now (stores what it fetches); exit 1 on failure, "
            f"{EXIT_BUSY} when another run holds the source",
        )
        run.add_argument("name")
        remove = actions.add_parser("remove", help="delete a source and its run history")
        remove.add_argument("name")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "add":
            self._add(options)
        elif action == "list":
            self._list()
        else:
            source = sources.source_by_name(options["name"])
            if source is None:
                raise CommandError(f"no source named {options['name']!r} (see `sources list`)")
            if action == "test":
                self._test(source)
            elif action == "run":
                self._run(source)
            elif action == "remove":
                sources.delete_source(source=source)
                self.stdout.write(f"removed source {source.name!r}")

    def _add(self, options: dict[str, Any]) -> None:
        try:
            source = sources.create_source(
                name=options["name"],
                kind=options["kind"],
                channel=options["channel"],
                config=_pairs(options["set"], "--set"),
                secrets=_pairs(options["secret"], "--secret"),
                interval_seconds=options["interval"],
                enabled=not options["disabled"],
            )
        except sources.SourceConfigError as exc:
            problems = "\n".join(f"  {name}: {problem}" for name, problem in exc.errors.items())
            raise CommandError(f"source {options['name']!r} not added:\n{problems}") from None
        secrets = ", ".join(f"{k} ({v})" for k, v in sources.secret_names(source).items() if v)
        self.stdout.write(
            f"added source {source.name!r} ({source.kind}, channel {source.channel}, "
            f"every {source.interval_seconds}s)" + (f"; secrets: {secrets}" if secrets else "")
        )

    def _list(self) -> None:
        rows = [("NAME", "KIND", "CHANNEL", "ENABLED", "LAST RUN", "FETCHED", "ERRORS", "NEXT")]
        for source in sources.connector_sources():
            rows.append(
                (
                    source.name,
                    source.kind,
                    source.channel,
                    "yes" if source.enabled else "no",
                    _when(source.last_run_at),
                    str(source.items_fetched),
                    _error_cell(source),
                    _next_cell(source),
                )
            )
        if len(rows) == 1:
            self.stdout.write("no sources yet: add one with `goodwill sources add`")
            return
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
        for row in rows:
            cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
            self.stdout.write("  ".join([*cells, row[-1]]).rstrip())

    def _test(self, source: Source) -> None:
        result = sources.try_source(source=source)
        if not result.ok:
            raise CommandError(f"source {source.name!r}: {result.error}")
        self.stdout.write(
            f"{source.name}: fetched {result.fetched} items, skipped {len(result.skipped)}"
            + (", more pages waiting" if result.more else "")
            + " (nothing stored)"
        )
        for skipped in result.skipped:
            self.stdout.write(f"  skipped {skipped.ref}: {skipped.reason}")

    def _run(self, source: Source) -> None:
        try:
            run = sources.run_source(source=source, trigger="manual")
        except sources.SourceBusy as busy:
            raise CommandError(f"{busy}; not started", returncode=EXIT_BUSY) from None
        self.stdout.write(_run_line(source, run))
        if run.status == "error":
            raise CommandError(f"source {source.name!r}: {run.error}")


def _error_cell(source: Source) -> str:
    if not source.last_error:
        return "-"
    first_line = source.last_error.splitlines()[0]
    text = first_line if len(first_line) <= 60 else first_line[:59] + "…"
    count = source.consecutive_failures
    return f"{count}x {text}" if count > 1 else text


def _next_cell(source: Source) -> str:
    if not source.enabled:
        return "-"
    if not sources.is_pulled(source.kind):
        return "pushed"
    return _when(source.next_run_at) if source.next_run_at else "now"


def _run_line(source: Source, run: Any) -> str:
    line = (
        f"{source.name}: {run.status}, {run.pages} pages, fetched {run.fetched}, "
        f"new {run.created}, updated {run.updated}, skipped {run.skipped}"
    )
    if run.rate_limited_until:
        line += f", rate limited until {_when(run.rate_limited_until)}"
    return line
