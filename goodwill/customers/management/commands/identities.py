"""`goodwill identities resolve`: link identities that are one person, suggest likely ones."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from goodwill.customers import services
from goodwill.customers.evaluation import score_against_truth
from goodwill.demo import services as demo_services


class Command(BaseCommand):
    help = (
        "Identity resolution. `resolve`: merge customers with deterministic evidence (same "
        "email or phone, an order or account number they wrote) and store scored "
        "suggestions for the review queue (/customers/review/). Safe to run again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "action",
            choices=["resolve", "evaluate"],
            help="resolve: link and suggest. evaluate: score the links against the demo "
            "world's planted truth (GOODWILL_HOME/demo/ground_truth.json).",
        )
        parser.add_argument("--json", action="store_true", help="Print the report as JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "evaluate":
            self._evaluate(as_json=options["json"])
            return
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

    def _evaluate(self, *, as_json: bool) -> None:
        truth = demo_services.stored_demo()
        if truth is None:
            raise CommandError(
                f"no demo ground truth for this database at {demo_services.ground_truth_path()}"
                " (build one with `goodwill demo --no-serve`)"
            )
        s = score_against_truth(truth)
        figures = {
            "true_links": s.true_links,
            "auto_links": s.auto_links,
            "auto_precision": round(s.auto_precision, 4),
            "recall_auto_plus_pending": round(s.recall, 4),
            "pending_suggestions": s.suggestion_links,
            "suggestion_precision": round(s.suggestion_precision, 4),
        }
        if as_json:
            self.stdout.write(json.dumps(figures))
            return
        self.stdout.write(
            f"true links {s.true_links}; automatic links {s.auto_links}, precision "
            f"{s.auto_precision:.4f}; recall (automatic + pending suggestions) {s.recall:.4f}; "
            f"{s.suggestion_links} pending suggestions, {s.suggestion_precision:.2%} of them right"
        )
