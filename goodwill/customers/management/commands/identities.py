"""`goodwill identities resolve`: link identities that are one person, suggest likely ones."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from goodwill.customers import services


class Command(BaseCommand):
    help = (
        "Identity resolution. `resolve`: merge customers with deterministic evidence (same "
        "email or phone, an order or account number they wrote) and store scored "
        "suggestions for the review queue (/customers/review/). Safe to run again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["resolve"])
        parser.add_argument("--json", action="store_true", help="Print the report as JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        report = services.resolve_identities()
        figures = {
            "merged": report.merged,
            "conflicts": report.conflicts,
            "suggestions_created": report.suggestions_created,
            "suggestions_updated": report.suggestions_updated,
        }
        if options["json"]:
            self.stdout.write(json.dumps(figures))
            return
        self.stdout.write(
            f"merged {report.merged} customers automatically, {report.conflicts} conflicts "
            f"left alone; suggestions: {report.suggestions_created} new, "
            f"{report.suggestions_updated} refreshed"
        )
