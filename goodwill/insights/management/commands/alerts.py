"""`goodwill alerts scan|list`: run the spike watch now, or list its alerts."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.dateparse import parse_datetime

from goodwill.insights import selectors, services
from goodwill.insights.models import Alert


class Command(BaseCommand):
    help = (
        "Spike alerts. `alerts scan` scores every time bucket that closed since the last scan "
        "(the scheduler runs it every 5 minutes); `alerts list` shows the alerts."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
        scan = sub.add_parser("scan", help="score the buckets that closed since the last scan")
        scan.add_argument(
            "--now",
            help="score up to this time instead of the clock (ISO 8601, e.g. 2026-11-02T00:00Z)",
        )
        listing = sub.add_parser("list", help="list alerts, newest first")
        listing.add_argument("--status", choices=[s.value for s in Alert.Status], default="")
        listing.add_argument("--limit", type=int, default=50)
        listing.add_argument("--format", choices=["table", "json"], default="table", dest="fmt")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "scan":
            self._scan(options["now"])
        else:
            self._list(options["status"], options["limit"], options["fmt"])

    def _scan(self, now_text: str | None) -> None:
        now = None
        if now_text:
            now = parse_datetime(now_text)
            if now is None or now.tzinfo is None:
                raise CommandError(f"--now: {now_text!r} is not an ISO 8601 time with a zone")
        result = services.scan_spikes(now=now)
        until = result.processed_until.isoformat() if result.processed_until else "-"
        self.stdout.write(
            f"Scored {result.buckets} bucket(s) over {result.series} series up to {until}: "
            f"{result.alarms} alarm(s), {len(result.opened)} new alert(s), "
            f"{result.extended} extension(s)."
        )
        if result.analysed_here:
            self.stdout.write(
                f"{result.analysed_here} message(s) had no stored analysis; analysed for counting."
            )
        emerging = services.scan_emerging(now=now)
        self.stdout.write(
            f"Tested {emerging.scans} scan(s) over {emerging.hours:g} hour(s) for emerging "
            f"phrases: {emerging.phrases} found, "
            f"{len(emerging.opened)} new phrase alert(s), {emerging.extended} extension(s)."
        )
        themes = services.refresh_themes()
        if themes is not None:
            self.stdout.write(f"New themes: {len(themes.themes)} stored for /alerts/.")

    def _list(self, status: str, limit: int, fmt: str) -> None:
        if limit < 1:
            raise CommandError("--limit: must be positive")
        rows = selectors.alerts(status=status, limit=limit)
        if fmt == "json":
            out = [
                {
                    "id": a.pk,
                    "kind": a.kind,
                    "phrase": a.phrase,
                    "terms": a.terms,
                    "series": a.series_key,
                    "topic": a.topic,
                    "sentiment": a.sentiment,
                    "channel": a.channel,
                    "window_start": a.window_start.isoformat(),
                    "window_end": a.window_end.isoformat(),
                    "score": round(a.score, 2),
                    "observed": a.observed,
                    "expected": round(a.expected, 2),
                    "status": a.status,
                    "message_ids": a.message_ids,
                }
                for a in rows
            ]
            self.stdout.write(json.dumps(out, indent=2))
            return
        if not rows:
            self.stdout.write("No alerts.")
            return
        self.stdout.write(
            f"{'id':>5}  {'window start (UTC)':<17}  {'hours':>5}  {'obs':>5}  {'exp':>6}  "
            f"{'score':>5}  {'status':<12}  series"
        )
        for a in rows:
            hours = (a.window_end - a.window_start).total_seconds() / 3600
            self.stdout.write(
                f"{a.pk:>5}  {a.window_start:%Y-%m-%d %H:%M}  {hours:>5.0f}  {a.observed:>5}  "
                f"{a.expected:>6.1f}  {a.score:>5.1f}  {a.status:<12}  {a.series_key}"
            )
