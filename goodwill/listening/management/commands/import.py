"""`goodwill import messages|transactions PATH ...`: a thin entry point over the importers."""

from __future__ import annotations

import json
from argparse import RawDescriptionHelpFormatter
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from goodwill.customers.importers import import_transactions
from goodwill.importing import KEPT_MESSAGES, ImportFailed, ImportSummary
from goodwill.listening.importers import FORMATS, import_messages

EXIT_STATUS = """\
Output: bad rows are listed on stderr (the first %(n)d; --rejects FILE gets all of them as CSV:
line, field, error, raw) and the last line on stdout is the summary: read, created, updated,
unchanged, rejected, duplicates (with --json, one JSON object with exactly those keys).

Exit status: 0 when the import ran, even if some rows were rejected (the summary counts them);
1 when --strict stopped at a bad row (nothing is stored) or the file cannot be read at all
(missing, UTF-16 or binary, a required column absent from the header: nothing is stored).
A row with bytes that are not UTF-8 is a bad row like any other.
""" % {"n": KEPT_MESSAGES}  # noqa: UP031 - argparse help text


class Command(BaseCommand):
    help = (
        "Import messages (generic CSV/JSONL, airline, twcs, reviews) or transactions (CSV) "
        "from a file. "
        "Formats: docs/import-formats.md.\n\n" + EXIT_STATUS
    )

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        kwargs.setdefault("formatter_class", RawDescriptionHelpFormatter)
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        kinds = parser.add_subparsers(dest="kind", required=True, metavar="{messages,transactions}")
        messages = kinds.add_parser(
            "messages",
            help="messages: generic CSV/JSONL, airline or twcs",
            description="Import messages.\n\n" + EXIT_STATUS,
            formatter_class=RawDescriptionHelpFormatter,
        )
        messages.add_argument("path", help="the file to import (UTF-8)")
        messages.add_argument(
            "--format",
            choices=FORMATS,
            default="auto",
            help="auto (default): from the extension and the header line",
        )
        messages.add_argument(
            "--source",
            default=None,
            help="name of the Source to file them under (default: file:<file name>)",
        )
        messages.add_argument(
            "--bulk",
            action="store_true",
            help=(
                "load history fast: store without analysis or message.received events, then "
                "run `goodwill analysis backfill` (events are not emitted for history)"
            ),
        )
        transactions = kinds.add_parser(
            "transactions",
            help="transactions CSV: customer_id or email, date, amount[, currency, transaction_id]",
            description="Import transactions.\n\n" + EXIT_STATUS,
            formatter_class=RawDescriptionHelpFormatter,
        )
        transactions.add_argument("path", help="the CSV file to import (UTF-8)")
        for sub in (messages, transactions):
            sub.add_argument(
                "--strict", action="store_true", help="stop at the first bad row; store nothing"
            )
            sub.add_argument("--rejects", metavar="FILE", help="write bad rows to this CSV file")
            sub.add_argument(
                "--json", action="store_true", help="print the summary as one JSON object"
            )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["kind"] == "messages":
                summary = import_messages(
                    options["path"],
                    format=options["format"],
                    source_name=options["source"],
                    strict=options["strict"],
                    rejects_path=options["rejects"],
                    progress=True,
                    analyse=not options["bulk"],
                    emit_events=not options["bulk"],
                )
            else:
                summary = import_transactions(
                    options["path"],
                    strict=options["strict"],
                    rejects_path=options["rejects"],
                    progress=True,
                )
        except ImportFailed as exc:
            self._report(exc.summary, as_json=options["json"])
            raise CommandError(str(exc), returncode=1) from exc
        self._report(summary, as_json=options["json"])

    def _report(self, summary: ImportSummary, *, as_json: bool) -> None:
        for error in summary.errors:
            self.stderr.write(f"rejected: {error}")
        if summary.rejected > len(summary.errors):
            more = summary.rejected - len(summary.errors)
            self.stderr.write(f"... and {more:,} more rejected rows (see --rejects FILE)")
        for note in summary.notes:
            self.stderr.write(f"duplicate: {note}")
        if summary.duplicates > len(summary.notes):
            self.stderr.write(
                f"... and {summary.duplicates - len(summary.notes):,} more duplicates"
            )
        if as_json:
            self.stdout.write(json.dumps(summary.as_dict()))
        else:
            self.stdout.write(str(summary))
