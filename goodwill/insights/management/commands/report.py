"""`goodwill report response-times`: how fast customer-started conversations get an answer."""

from __future__ import annotations

import argparse
import json
from datetime import datetime, time, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from goodwill.analysis.durations import humanise_seconds
from goodwill.core import normalise_channel
from goodwill.insights import selectors
from goodwill.insights.selectors import ResponseTimes

RESPONSE_TIMES_HELP = """\
Customer-started conversations, the share that got a company response, and the median and
90th percentile of the time to the first company response.

Definitions (docs/reports.md):
  conversation      a thread: a root message and all replies to it, transitively, on one
                    channel. A reply whose parent was never imported is threaded under that
                    missing parent's id.
  customer-started  the thread's earliest message is from a customer (on equal timestamps
                    the customer's message counts as earlier).
  first response    the earliest company message in the thread; its wait is measured from
                    the thread's first (customer) message.
  median, p90       over the answered conversations, in seconds, with linear interpolation
                    between data points (numpy.percentile's default); null when none.
  --since/--until   select conversations by when they started: since <= start < until.
                    A date (YYYY-MM-DD) for --until includes that whole day. Times without
                    an offset are in the server time zone (settings TIME_ZONE).

JSON output: one object with keys customer_started, responded, response_rate,
median_seconds, p90_seconds.
"""


class Command(BaseCommand):
    help = "Reports over conversations. `goodwill report response-times --help` for details."

    def add_arguments(self, parser: CommandParser) -> None:
        reports = parser.add_subparsers(dest="report", metavar="REPORT", required=True)
        rt = reports.add_parser(
            "response-times",
            help="time to first company response in customer-started conversations",
            description=RESPONSE_TIMES_HELP,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        rt.add_argument("--format", choices=["table", "json"], default="table", dest="fmt")
        rt.add_argument("--channel", help="only this channel (x, reddit, email, ...)")
        rt.add_argument("--since", help="conversations started at or after (date or ISO time)")
        rt.add_argument("--until", help="conversations started before (date or ISO time)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["report"] != "response-times":  # pragma: no cover - argparse guards this
            raise CommandError(f"unknown report {options['report']!r}")
        channel = _channel(options.get("channel"))
        since = _moment(options.get("since"), "--since", end_of_day=False)
        until = _moment(options.get("until"), "--until", end_of_day=True)
        if since is not None and until is not None and since >= until:
            raise CommandError(
                f"--since ({options['since']}) must be earlier than --until ({options['until']})"
            )
        report = selectors.response_times(channel=channel, since=since, until=until)
        if options["fmt"] == "json":
            self.stdout.write(json.dumps(report.as_dict()))
        else:
            self.stdout.write(render_table(report))


def _channel(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return normalise_channel(value)
    except ValueError as exc:
        raise CommandError(f"--channel: {exc}") from exc


def _moment(value: str | None, option: str, *, end_of_day: bool) -> datetime | None:
    """Parse a date or an ISO 8601 time; a bare date means the start of that day (or the end)."""
    if value is None:
        return None
    text = value.strip()
    try:
        day = parse_date(text)
        moment = None if day is not None else parse_datetime(text)
    except ValueError as exc:  # well-formed but impossible, e.g. 2024-02-30
        raise CommandError(f"{option}: {value!r} is not a valid date or time: {exc}") from exc
    if day is not None:
        moment = datetime.combine(day, time.min)
        if end_of_day:
            moment += timedelta(days=1)
    if moment is None:
        raise CommandError(
            f"{option}: {value!r} is not a date (YYYY-MM-DD) or an ISO 8601 time "
            "(YYYY-MM-DDTHH:MM[:SS][+HH:MM])"
        )
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def render_table(report: ResponseTimes) -> str:
    rate = report.response_rate
    rows = [
        ("customer-started conversations", str(report.customer_started), ""),
        ("responded", str(report.responded), ""),
        (
            "response rate",
            "-" if rate is None else f"{rate:.4f}",
            "-" if rate is None else f"{rate:.1%}",
        ),
        (
            "median time to first response (s)",
            _seconds(report.median_seconds),
            humanise_seconds(report.median_seconds),
        ),
        (
            "p90 time to first response (s)",
            _seconds(report.p90_seconds),
            humanise_seconds(report.p90_seconds),
        ),
    ]
    header = ("metric", "value", "readable")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(3)]
    lines = [
        f"{a:<{widths[0]}}  {b:>{widths[1]}}  {c}".rstrip()
        for a, b, c in [header, tuple("-" * w for w in widths), *rows]
    ]
    return "\n".join(lines)


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"
