"""`goodwill value fit`: BG/NBD + Gamma-Gamma from a transactions CSV, no database needed."""

from __future__ import annotations

import argparse
import csv
import json
import math
from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from goodwill.analysis import clv
from goodwill.cli_io import parse_file

FIT_HELP = f"""\
Fit the BG/NBD purchase model and the Gamma-Gamma spend model to a transactions CSV.

Input: CSV with header customer_id,date,amount (other columns are ignored). Dates are
YYYY-MM-DD (YYYYMMDD and ISO datetimes are read as their calendar date); amounts are numbers
>= 0. The first bad row stops the command with its line number and field.

Definitions:
  calibration period  every purchase up to and including --calibration-end; later rows
                      are ignored, and so are customers whose first purchase is later.
  purchase            all of a customer's transactions on one calendar day count as one
                      purchase worth their total.
  frequency           purchase days after the first one (repeat purchases).
  recency             time from the first to the last purchase day, in --time-unit.
  T                   time from the first purchase to --calibration-end, in --time-unit
                      (observation starts at each customer's first purchase).
  Gamma-Gamma         fitted on customers with frequency > 0 and a positive mean repeat
                      purchase value (the first purchase is not part of that mean).

Output: PARAMS.json {{"bgnbd": {{"r", "alpha", "a", "b", "log_likelihood"}},
"gamma_gamma": {{"p", "q", "v"}}, "customers": N}} where N is the number of customers in the
calibration period.

With --predictions, PRED.csv has one row per customer: customer_id, frequency, recency, T,
p_alive (at the calibration end), expected_purchases (in the --horizon time units after the
calibration end), expected_avg_value (Gamma-Gamma; the population mean for customers without
repeat purchases), clv (expected_avg_value x expected purchases over the horizon, each
purchase discounted continuously from when it is expected at --discount-rate per year,
default {clv.DEFAULT_ANNUAL_DISCOUNT_RATE:g}; 0 turns discounting off). Rows are sorted by
customer_id (as text).
"""


SCORE_HELP = """\
Compute every live customer's Customer Value score: historic spend plus the predicted value
over the configured horizon (BG/NBD + Gamma-Gamma fitted on the database's transactions),
times a bounded social multiplier (reach, network influence, advocacy). Stores the score
with its parts and explanation, a history row when it changed, the tier, and the lapsing
flag; emits customer.tier_changed and customer.lapsing events. Settings: /value/settings/.
Runs nightly by itself; --changed is the incremental run the scheduler does every 15 min.
"""


def _calibration_end(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be a number > 0, got {text!r}")
    return value


def _rate(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not math.isfinite(value) or value <= -1:
        raise argparse.ArgumentTypeError(f"must be a number > -1, got {text!r}")
    return value


class Command(BaseCommand):
    help = (
        "Customer value: `goodwill value fit` (purchase models from a CSV, no database) and "
        "`goodwill value score` (score the customers in the database)."
    )
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
        fit = actions.add_parser(
            "fit",
            help="fit BG/NBD + Gamma-Gamma to a transactions CSV",
            description=FIT_HELP,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        fit.add_argument("transactions", metavar="TRANSACTIONS.csv", type=Path)
        fit.add_argument("--calibration-end", required=True, type=_calibration_end)
        fit.add_argument("--time-unit", required=True, choices=sorted(clv.TIME_UNITS))
        fit.add_argument("--output", required=True, type=Path, metavar="PARAMS.json")
        fit.add_argument("--predictions", type=Path, metavar="PRED.csv")
        fit.add_argument(
            "--horizon",
            type=_positive_float,
            metavar="H",
            help="prediction horizon in time units (required with --predictions)",
        )
        fit.add_argument(
            "--discount-rate",
            type=_rate,
            default=clv.DEFAULT_ANNUAL_DISCOUNT_RATE,
            help="annual discount rate for the CLV (default %(default)s)",
        )
        score = actions.add_parser(
            "score",
            help="compute the Customer Value score, tiers and lapsing flags in the database",
            description=SCORE_HELP,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        score.add_argument(
            "--changed",
            action="store_true",
            help="store only customers with transactions or messages since the last run",
        )
        score.add_argument(
            "--as-of",
            type=_calibration_end,
            metavar="YYYY-MM-DD",
            help="score as of this day (default: the day of the latest transaction)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "score":
            self._score(changed=options["changed"], as_of=options["as_of"])
            return
        if options["action"] != "fit":  # pragma: no cover - argparse guards this
            raise CommandError(f"unknown action {options['action']!r}")
        predictions: Path | None = options["predictions"]
        horizon: float | None = options["horizon"]
        if predictions is not None and horizon is None:
            raise CommandError("--horizon H is required with --predictions")
        path: Path = options["transactions"]
        unit_days = clv.TIME_UNITS[options["time_unit"]]

        transactions = parse_file(path, clv.parse_transactions_csv, clv.TransactionFormatError)

        summary = clv.rfm_summary(
            transactions.customer_ids,
            transactions.days,
            transactions.amounts,
            calibration_end_day=clv.date_to_day(options["calibration_end"]),
            unit_days=unit_days,
        )
        if len(summary) == 0:
            raise CommandError(f"{path}: no purchase on or before {options['calibration_end']}")
        try:
            fit = clv.fit_value_models(summary)
        except ValueError as exc:
            raise CommandError(f"{path}: {exc}") from None

        params = {
            "bgnbd": {
                "r": fit.bgnbd.r,
                "alpha": fit.bgnbd.alpha,
                "a": fit.bgnbd.a,
                "b": fit.bgnbd.b,
                "log_likelihood": fit.bgnbd.log_likelihood,
            },
            "gamma_gamma": {"p": fit.gamma_gamma.p, "q": fit.gamma_gamma.q, "v": fit.gamma_gamma.v},
            "customers": len(summary),
        }
        output: Path = options["output"]
        output.write_text(json.dumps(params, indent=2) + "\n", encoding="utf-8")

        if predictions is not None and horizon is not None:
            self._write_predictions(predictions, fit, horizon, unit_days, options["discount_rate"])
        self.stdout.write(
            f"customers {len(summary)}, repeat customers {fit.gamma_gamma_customers}; "
            f"BG/NBD r={fit.bgnbd.r:.4g} alpha={fit.bgnbd.alpha:.4g} a={fit.bgnbd.a:.4g} "
            f"b={fit.bgnbd.b:.4g} LL={fit.bgnbd.log_likelihood:.2f}; Gamma-Gamma "
            f"p={fit.gamma_gamma.p:.4g} q={fit.gamma_gamma.q:.4g} v={fit.gamma_gamma.v:.4g}"
        )

    def _score(self, *, changed: bool, as_of: date | None) -> None:
        # Imported here: `value fit` must work without a database or migrations.
        from goodwill.value import services

        if changed and as_of is not None:
            raise CommandError("--as-of applies to a full run only (leave out --changed)")
        result = services.rescore_changed() if changed else services.score_customers(as_of=as_of)
        for note in result.notes:
            self.stderr.write(f"note: {note}")
        self.stdout.write(
            f"{result.kind} run {result.run_id}: scored {result.scored} customers, stored "
            f"{result.stored}, changed {result.changed}, tier changes {result.tier_changes}, "
            f"newly lapsing {result.lapsing} ({result.seconds:.1f} s)"
        )

    def _write_predictions(
        self, path: Path, fit: clv.ValueFit, horizon: float, unit_days: float, rate: float
    ) -> None:
        s = fit.summary
        alive = clv.probability_alive(fit.bgnbd, s.frequency, s.recency, s.T)
        purchases = clv.expected_purchases(fit.bgnbd, horizon, s.frequency, s.recency, s.T)
        value = clv.expected_average_value(fit.gamma_gamma, s.frequency, s.monetary_value)
        lifetime = value * clv.discounted_expected_purchases(
            fit.bgnbd,
            s.frequency,
            s.recency,
            s.T,
            horizon=horizon,
            unit_days=unit_days,
            annual_discount_rate=rate,
        )
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(
                [
                    "customer_id",
                    "frequency",
                    "recency",
                    "T",
                    "p_alive",
                    "expected_purchases",
                    "expected_avg_value",
                    "clv",
                ]
            )
            writer.writerows(
                zip(
                    s.customer_ids.tolist(),
                    s.frequency.astype(int).tolist(),
                    s.recency.tolist(),
                    s.T.tolist(),
                    alive.tolist(),
                    purchases.tolist(),
                    value.tolist(),
                    lifetime.tolist(),
                    strict=True,
                )
            )
