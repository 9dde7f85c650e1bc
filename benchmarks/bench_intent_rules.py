"""The hand-written intent rules, per intent, on the demo world and on held-out messages.

    .venv/bin/python -m benchmarks intent_rules [--messages 50000] [--labelled 1000] [--seed 0]

Two sets of messages, each with its true intent:

- the demo world's customer messages (the generator's template truth, as in
  ``bench_intent``);
- two sets of short customer messages written by hand for this check (telecom, retail,
  banking, airline; typos, emoji, sarcasm), never generated from the demo's templates:
  ``goodwill/analysis/tests/data/intent_cases.jsonl`` (195, written before rules v2; its
  misses were looked at while v2 was written, so its v2 figure is optimistic) and
  ``intent_cases_late.jsonl`` (120, written after the first v2 draft and never used to
  tune the rules: the honest figure for wording the rules have not seen).

Baseline (same run, same messages): the learned intent model
(:class:`goodwill.analysis.learned.IntentModel`) fitted, as the retrain fits it, on
``--labelled`` demo messages drawn at random. On the demo it is scored on the other demo
messages (its home ground); on the held-out messages it shows how far a thousand demo
labels carry to wording the demo never had. Rows: macro-F1, then F1 per intent.
The rules' speed is tracked by ``bench_sentiment`` (``analyze`` vs VADER).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from goodwill.analysis.intent import INTENTS

DATA = Path(__file__).resolve().parent.parent / "goodwill/analysis/tests/data"
CASES = DATA / "intent_cases.jsonl"
CASE_SETS = (
    ("cases written before v2", CASES),
    ("cases written after, never tuned on", DATA / "intent_cases_late.jsonl"),
)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="bench_intent_rules")
    p.add_argument("--messages", type=int, default=50_000, help="demo world size")
    p.add_argument("--customers", type=int, default=2000)
    p.add_argument("--labelled", type=int, default=1000, help="demo labels for the baseline")
    p.add_argument("--seed", type=int, default=0)
    return p


def load_cases(path: Path = CASES) -> tuple[list[str], list[str]]:
    """Texts and intents of the held-out cases; a bad line is named with its field."""
    texts: list[str] = []
    intents: list[str] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        record = json.loads(line)
        if not isinstance(record.get("text"), str):
            raise ValueError(f"{path.name} line {number}: field 'text' must be a string")
        if record.get("intent") not in INTENTS:
            raise ValueError(f"{path.name} line {number}: field 'intent' is not one of {INTENTS}")
        texts.append(record["text"])
        intents.append(record["intent"])
    return texts, intents


def per_intent_f1(truth: Sequence[str], predicted: Sequence[str]) -> dict[str, float]:
    from sklearn.metrics import f1_score

    scores = f1_score(truth, predicted, labels=list(INTENTS), average=None, zero_division=0)
    return {name: float(s) for name, s in zip(INTENTS, scores, strict=True)}


def _rows(
    where: str, truth: Sequence[str], rules: Sequence[str], learned: Sequence[str]
) -> list[dict[str, Any]]:
    from sklearn.metrics import f1_score, precision_score, recall_score

    def macro(predicted: Sequence[str]) -> float:
        return float(f1_score(truth, predicted, average="macro", zero_division=0))

    rows = []
    ours, base = macro(rules), macro(learned)
    rows.append(
        {
            "name": f"{where}: rules macro-F1 ({len(truth):,} messages)",
            "ours": round(ours, 4),
            "baseline": round(base, 4),
            "ratio": round(ours / base, 3) if base else None,
            "peak_mb": None,
            "note": "baseline: learned intent model fitted on demo labels",
            "extra": {
                "accuracy": round(float(np.mean(np.array(truth) == np.array(rules))), 4),
                "baseline_accuracy": round(float(np.mean(np.array(truth) == np.array(learned))), 4),
            },
        }
    )
    mine, theirs = per_intent_f1(truth, rules), per_intent_f1(truth, learned)
    labels = list(INTENTS)
    precision = precision_score(truth, rules, labels=labels, average=None, zero_division=0)
    recall = recall_score(truth, rules, labels=labels, average=None, zero_division=0)
    for k, name in enumerate(INTENTS):
        support = sum(1 for t in truth if t == name)
        rows.append(
            {
                "name": f"{where}: {name} F1 ({support:,})",
                "ours": round(mine[name], 4),
                "baseline": round(theirs[name], 4),
                "ratio": round(mine[name] / theirs[name], 3) if theirs[name] else None,
                "peak_mb": None,
                "note": f"rules precision {precision[k]:.3f} recall {recall[k]:.3f}",
            }
        )
    return rows


def run(argv: Sequence[str] | None = None) -> list[dict[str, Any]]:
    from benchmarks.bench_intent import demo_messages, fit
    from goodwill.analysis.understand import learning_inputs

    args, _ = _parser().parse_known_args(list(argv or []))
    texts, truth = demo_messages(args.messages, args.customers, args.seed)[:2]
    inputs = learning_inputs(texts)
    order = np.random.default_rng(args.seed).permutation(len(texts))
    labelled = np.sort(order[: args.labelled])
    held_out = np.sort(order[args.labelled :])
    model = fit(inputs, truth, labelled)
    rest = inputs.rows(held_out)
    demo_truth = [truth[i] for i in held_out.tolist()]
    demo_learned = rest.rule_intents if model is None else model.predict(rest)
    rows = _rows("demo", demo_truth, rest.rule_intents, demo_learned)

    for where, path in CASE_SETS:
        case_texts, case_truth = load_cases(path)
        cases = learning_inputs(case_texts)
        case_learned = cases.rule_intents if model is None else model.predict(cases)
        rows += _rows(where, case_truth, cases.rule_intents, case_learned)
    return rows


def main() -> int:
    for r in run(sys.argv[1:]):
        print(f"{r['name']:55s} rules {r['ours']:<7} learned {r['baseline']:<7} {r['note']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
