"""`goodwill analysis retrain|status`: the installation's own sentiment model.

    goodwill analysis retrain [--with-datasets] [--dry-run] [--force] [--folds 5] [--seed 0]
    goodwill analysis status [--json]

`retrain` fits a model on the team's corrections (plus dataset labels with
--with-datasets), prints the cross-validated accuracy and macro-F1 of the new model and of
the current one on the same folds, and installs the new one only if it is better (or with
--force). `status` shows the model in use and the history of retrains. The logic lives in
goodwill.listening.retraining.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from goodwill.listening import retraining
from goodwill.listening import services as listening_services


class Command(BaseCommand):
    help = "Retrain the installation's sentiment model from labels, or show its status."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(
            dest="action", required=True, metavar="{retrain,status,backfill}"
        )
        retrain = sub.add_parser("retrain", help="Fit, compare by cross-validation, install.")
        retrain.add_argument(
            "--with-datasets",
            action="store_true",
            help="also use imported dataset labels (origin dataset:*), not only corrections",
        )
        retrain.add_argument("--dry-run", action="store_true", help="report only; save nothing")
        retrain.add_argument(
            "--force", action="store_true", help="install the new model even if not better"
        )
        retrain.add_argument("--folds", type=int, default=retraining.FOLDS, help="CV folds")
        retrain.add_argument("--seed", type=int, default=0, help="fold shuffling seed")
        retrain.add_argument("--json", action="store_true", help="print the report as JSON")
        status = sub.add_parser("status", help="The model in use and the history of retrains.")
        status.add_argument("--json", action="store_true", help="print the status as JSON")
        backfill = sub.add_parser(
            "backfill",
            help="Analyse stored messages that have no analysis (after `import --bulk`).",
        )
        backfill.add_argument("--batch-size", type=int, default=2000, help="messages a batch")
        backfill.add_argument("--limit", type=int, default=None, help="stop after N messages")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "retrain":
            self._retrain(options)
        elif options["action"] == "backfill":
            self._backfill(options)
        else:
            self._status(options["json"])

    def _retrain(self, options: dict[str, Any]) -> None:
        try:
            report = retraining.retrain_sentiment(
                include_datasets=options["with_datasets"],
                force=options["force"],
                dry_run=options["dry_run"],
                folds=options["folds"],
                seed=options["seed"],
            )
        except retraining.RetrainError as exc:
            raise CommandError(f"retrain: {exc}") from None
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), sort_keys=True))
            return
        current = (
            "packaged default" if report.current_version is None else (f"v{report.current_version}")
        )
        classes = ", ".join(f"{k} {v}" for k, v in report.by_class.items())
        origins = ", ".join(f"{k} {v}" for k, v in report.origins.items())
        self.stdout.write(f"labels: {report.examples} ({classes}; from {origins})")
        self.stdout.write(f"{report.folds}-fold cross-validation, seed {report.seed}:")
        self.stdout.write(f"  {'model':<28} {'accuracy':>9} {'macro-F1':>9}")
        for name, scores in (("new", report.candidate), (f"current ({current})", report.current)):
            self.stdout.write(f"  {name:<28} {scores.accuracy:>9.3f} {scores.macro_f1:>9.3f}")
        verdict = f"installed as v{report.version}" if report.installed else "not installed"
        self.stdout.write(f"{verdict}: {report.reason}")

    def _backfill(self, options: dict[str, Any]) -> None:
        size, limit = options["batch_size"], options["limit"]
        if size < 1:
            raise CommandError(f"--batch-size: must be at least 1, got {size}")
        if limit is not None and limit < 1:
            raise CommandError(f"--limit: must be at least 1, got {limit}")
        done = listening_services.analyse_stored_messages(batch_size=size, limit=limit)
        self.stdout.write(f"analysed {done:,} messages")

    def _status(self, as_json: bool) -> None:
        status = retraining.sentiment_status()
        if as_json:
            self.stdout.write(
                json.dumps(
                    {
                        "version": status.version,
                        "meta": status.meta,
                        "history": status.history,
                        "labels_available": status.labels_available,
                    },
                    sort_keys=True,
                )
            )
            return
        if status.version is None:
            self.stdout.write("current sentiment model: packaged default")
        else:
            meta = status.meta
            self.stdout.write(
                f"current sentiment model: v{status.version} (fitted {meta.get('created_at', '?')}"
                f" on {meta.get('examples', '?')} labels)"
            )
        available = ", ".join(f"{k} {v}" for k, v in status.labels_available.items())
        self.stdout.write(f"agent corrections available: {available}")
        if not status.history:
            self.stdout.write("no retrains yet")
            return
        self.stdout.write(
            f"{'RUN':>4}  {'WHEN':<16} {'LABELS':>6}  {'NEW F1':>6}  {'CUR F1':>6}  RESULT"
        )
        for row in status.history:
            when = str(row.get("created_at", ""))[:16].replace("T", " ")
            result = f"installed v{row['version']}" if row.get("installed") else "not installed"
            if row.get("forced"):
                result += " (forced)"
            self.stdout.write(
                f"{row.get('run', ''):>4}  {when:<16} {row.get('examples', 0):>6}  "
                f"{row['candidate']['macro_f1']:>6.3f}  {row['current']['macro_f1']:>6.3f}  "
                f"{result}"
            )
