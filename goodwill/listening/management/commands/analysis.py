"""`goodwill analysis retrain|status|backfill`: the installation's own models.

    goodwill analysis retrain [--target sentiment|intent|topics|all] [--with-datasets]
                              [--dry-run] [--force] [--folds 5] [--seed 0] [--json]
    goodwill analysis status [--target ...] [--json]

`retrain` fits a model per target on the team's corrections (plus dataset labels with
--with-datasets, for sentiment and intent), prints the cross-validated accuracy and macro-F1
of the new model and of the current one (the installed model, else the packaged sentiment
model, the intent rules or the topic taxonomy) on the same folds, and installs the new one
only if it is better (or with --force). Without --target (all), a target with too few labels
is skipped with the reason; the command fails only if every target was skipped. `status`
shows each target's model in use and its history of retrains. The logic lives in
goodwill.listening.retraining.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from goodwill.listening import retraining
from goodwill.listening import services as listening_services


class Command(BaseCommand):
    help = (
        "Retrain the installation's sentiment, intent and topic models from labels, or show them."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(
            dest="action", required=True, metavar="{retrain,status,backfill}"
        )
        retrain = sub.add_parser("retrain", help="Fit, compare by cross-validation, install.")
        retrain.add_argument(
            "--target",
            choices=[*retraining.TARGETS, "all"],
            default="all",
            help="which model to retrain (default: all that have enough labels)",
        )
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
        status = sub.add_parser("status", help="The models in use and the history of retrains.")
        status.add_argument(
            "--target", choices=[*retraining.TARGETS, "all"], default="all", help="which model"
        )
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
            self._status(options["target"], options["json"])

    def _retrain(self, options: dict[str, Any]) -> None:
        every = options["target"] == "all"
        targets = retraining.TARGETS if every else (options["target"],)
        reports: dict[str, Any] = {}
        refused: dict[str, str] = {}
        for target in targets:
            try:
                reports[target] = retraining.retrain(
                    target,
                    include_datasets=options["with_datasets"],
                    force=options["force"],
                    dry_run=options["dry_run"],
                    folds=options["folds"],
                    seed=options["seed"],
                )
            except retraining.RetrainError as exc:
                refused[target] = str(exc)
        if not reports:
            raise CommandError(
                "\n".join(f"retrain {target}: {why}" for target, why in refused.items())
            )
        if options["json"]:
            if every:
                out: Any = {t: r.as_dict() for t, r in reports.items()}
                out.update({t: {"skipped": why} for t, why in refused.items()})
            else:
                out = next(iter(reports.values())).as_dict()
            self.stdout.write(json.dumps(out, sort_keys=True))
            return
        for target in targets:
            if target in refused:
                self.stdout.write(f"== {target}: skipped: {refused[target]}")
            else:
                self._print_report(target, reports[target])

    def _print_report(self, target: str, report: retraining.RetrainReport) -> None:
        default = {"sentiment": "packaged default", "intent": "rules", "topics": "taxonomy"}
        current = (
            default[target] if report.current_version is None else f"v{report.current_version}"
        )
        classes = ", ".join(f"{k} {v}" for k, v in report.by_class.items())
        origins = ", ".join(f"{k} {v}" for k, v in report.origins.items())
        self.stdout.write(f"== {target}")
        self.stdout.write(f"labels: {report.examples} ({classes}; from {origins})")
        if report.not_learned:
            left = ", ".join(f"{k} {v}" for k, v in report.not_learned.items())
            to = "the taxonomy" if target == "topics" else "the rules"
            self.stdout.write(f"too few labels to learn, left to {to}: {left}")
        if report.dropped:
            self.stdout.write(
                f"{report.dropped} corrected topic name(s) no longer in the taxonomy: ignored"
            )
        self.stdout.write(f"{report.folds}-fold cross-validation, seed {report.seed}:")
        accuracy = "exact set" if target == "topics" else "accuracy"
        self.stdout.write(f"  {'model':<28} {accuracy:>9} {'macro-F1':>9}")
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

    def _status(self, which: str, as_json: bool) -> None:
        targets = retraining.TARGETS if which == "all" else (which,)
        statuses = {target: retraining.status(target) for target in targets}
        if as_json:
            out = {
                target: {
                    "version": st.version,
                    "meta": st.meta,
                    "history": st.history,
                    "labels_available": st.labels_available,
                }
                for target, st in statuses.items()
            }
            self.stdout.write(json.dumps(out if which == "all" else out[which], sort_keys=True))
            return
        default = {
            "sentiment": "packaged default",
            "intent": "rules only (no learned model)",
            "topics": "taxonomy only (no learned model)",
        }
        for target, st in statuses.items():
            if st.version is None:
                self.stdout.write(f"current {target} model: {default[target]}")
            else:
                meta = st.meta
                self.stdout.write(
                    f"current {target} model: v{st.version} (fitted "
                    f"{meta.get('created_at', '?')} on {meta.get('examples', '?')} labels)"
                )
                installed = [row for row in st.history if row.get("version") == st.version]
                if installed:
                    row = installed[-1]
                    self.stdout.write(
                        f"  cross-validated macro-F1 when installed: "
                        f"{row['candidate']['macro_f1']:.3f} (the model it replaced: "
                        f"{row['current']['macro_f1']:.3f})"
                    )
            available = ", ".join(f"{k} {v}" for k, v in st.labels_available.items())
            self.stdout.write(f"  agent corrections available: {available or 'none'}")
            if not st.history:
                self.stdout.write("  no retrains yet")
                continue
            self.stdout.write(
                f"  {'RUN':>4}  {'WHEN':<16} {'LABELS':>6}  {'NEW F1':>6}  {'CUR F1':>6}  RESULT"
            )
            for row in st.history:
                when = str(row.get("created_at", ""))[:16].replace("T", " ")
                result = f"installed v{row['version']}" if row.get("installed") else "not installed"
                if row.get("forced"):
                    result += " (forced)"
                self.stdout.write(
                    f"  {row.get('run', ''):>4}  {when:<16} {row.get('examples', 0):>6}  "
                    f"{row['candidate']['macro_f1']:>6.3f}  {row['current']['macro_f1']:>6.3f}  "
                    f"{result}"
                )
