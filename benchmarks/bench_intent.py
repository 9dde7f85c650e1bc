"""Intent learned from a team's labels vs the hand-written rules, on the demo world.

    .venv/bin/python -m benchmarks.bench_intent [--messages 50000] [--labelled 1000] [--seed 0]
    .venv/bin/python -m benchmarks intent

The demo generator (`goodwill.demo.generator`) writes every customer message from a template
that carries its true intent; the demo never stores that truth. Here a "team" labels
``--labelled`` customer messages drawn at random (as agents correcting what they see would),
:class:`goodwill.analysis.learned.IntentModel` is fitted on them exactly as
``goodwill analysis retrain --target intent`` fits it (intents with fewer than 10 labels are
left to the rules), and both it and the rules alone (the baseline, same run, same messages)
are scored on messages nobody labelled. Rows:

- learning curve: macro-F1 on the same held-out messages after 100 ... 2,000 labels;
- the retrain's own 5-fold cross-validation on the ``--labelled`` labels (what `retrain`
  prints before it decides);
- unseen phrasings: the demo has a few hundred templates, so a random held-out message is
  usually a new fill of a template the team labelled. Here templates are split into 5 groups
  and the model, fitted on ``--labelled`` messages of the other groups, is scored on messages
  of templates it never saw: the figure for wording the team has not labelled yet;
- topics: the demo's topic names that the packaged taxonomy also has (baggage, booking,
  refund, ...) as labels (a message of another demo topic is labelled with none of them);
  :class:`goodwill.analysis.learned.TopicModel` fitted on the ``--labelled`` messages vs the
  taxonomy alone, macro-F1 over those shared topics on the other messages;
- speed: ``analyse`` on 20,000 demo texts in batches of 2,000 with both learned models vs
  without (rules and taxonomy), CPU time, best of 3.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np

from goodwill.analysis.learned import Inputs, IntentModel, cross_validate_intents
from goodwill.analysis.sentiment import Scores

MIN_PER_CLASS = 10  # as goodwill.listening.retraining
CURVE = (100, 250, 500, 1000, 2000)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="bench_intent")
    p.add_argument("--messages", type=int, default=50_000, help="demo world size")
    p.add_argument("--customers", type=int, default=2000)
    p.add_argument("--labelled", type=int, default=1000, help="messages the team labels")
    p.add_argument("--seed", type=int, default=0, help="demo world and sampling seed")
    p.add_argument(
        "--min-confidence",
        type=float,
        default=0.0,
        help="back off to the rules below this probability (retrain installs 0.0)",
    )
    return p


def _peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _row(name: str, ours: Scores, rules: Scores, note: str) -> dict[str, Any]:
    return {
        "name": name,
        "ours": round(ours.macro_f1, 4),
        "baseline": round(rules.macro_f1, 4),
        "ratio": round(ours.macro_f1 / rules.macro_f1, 3) if rules.macro_f1 else None,
        "peak_mb": _peak_mb(),
        "note": note,
        "extra": {"accuracy": round(ours.accuracy, 4), "rules_accuracy": round(rules.accuracy, 4)},
    }


def demo_messages(
    messages: int, customers: int, seed: int
) -> tuple[list[str], list[str], list[str], list[str]]:
    """Texts, true intents, template ids and true topics of the demo's customer messages."""
    from goodwill.demo.generator import generate

    world = generate(seed=seed, customers=customers, messages=messages)
    kept = [
        (m.text, t.intent, t.text, t.topic)
        for m, t in zip(world.messages, world.message_truth, strict=True)
        if not m.is_from_company
    ]
    texts, intents, templates, topics = (list(col) for col in zip(*kept, strict=True))
    return texts, intents, templates, topics


def fit(
    inputs: Inputs, labels: Sequence[str], rows: np.ndarray, min_confidence: float = 0.0
) -> IntentModel | None:
    """As the retrain fits it: intents with fewer than MIN_PER_CLASS labels are not learned."""
    counts = Counter(labels[i] for i in rows.tolist())
    keep = np.array([counts[labels[i]] >= MIN_PER_CLASS for i in rows.tolist()], dtype=bool)
    rows = rows[keep]
    if len({labels[i] for i in rows.tolist()}) < 2:
        return None
    model = IntentModel(c=2.0, min_confidence=min_confidence)
    return model.fit(inputs.rows(rows), [labels[i] for i in rows.tolist()])


def run(argv: Sequence[str] | None = None) -> list[dict[str, Any]]:
    from goodwill.analysis.understand import learning_inputs

    args, _ = _parser().parse_known_args(list(argv or []))
    texts, truth, templates, topics = demo_messages(args.messages, args.customers, args.seed)
    inputs = learning_inputs(texts)
    rules = inputs.rule_intents
    rng = np.random.default_rng(args.seed)
    order = rng.permutation(len(texts))
    sizes = [n for n in CURVE if n < len(texts) // 2]
    held_out = np.sort(order[max(sizes) :])
    rest = inputs.rows(held_out)
    truth_rest = [truth[i] for i in held_out.tolist()]
    rules_rest = Scores.of(truth_rest, [rules[i] for i in held_out.tolist()])
    rows: list[dict[str, Any]] = []
    for n in sizes:
        model = fit(inputs, truth, np.sort(order[:n]), args.min_confidence)
        predicted = rest.rule_intents if model is None else model.predict(rest)
        rows.append(
            _row(
                f"intent after {n:,} labels: macro-F1 on {len(held_out):,} others",
                Scores.of(truth_rest, predicted),
                rules_rest,
                "baseline: the intent rules alone on the same messages",
            )
        )

    labelled = np.sort(order[: args.labelled])
    sub = inputs.rows(labelled)
    y = [truth[i] for i in labelled.tolist()]
    counts = Counter(y)
    strata = [v if counts[v] >= MIN_PER_CLASS else "(rare)" for v in y]

    def candidate(train: np.ndarray) -> Any:
        model = fit(sub, y, train, args.min_confidence)
        return (lambda inp: list(inp.rule_intents)) if model is None else model.predict

    cv = cross_validate_intents(
        sub,
        y,
        {"candidate": candidate, "rules": lambda train: lambda inp: list(inp.rule_intents)},
        folds=5,
        seed=args.seed,
        strata=strata,
    )
    rows.append(
        _row(
            f"retrain 5-fold CV on {args.labelled:,} labels",
            cv["candidate"],
            cv["rules"],
            "what `goodwill analysis retrain --target intent` compares before installing",
        )
    )

    from sklearn.model_selection import GroupKFold

    names = sorted(set(templates))
    group = np.array([names.index(t) for t in templates]) % 5
    unseen = np.empty(len(texts), dtype=object)
    for train, test in GroupKFold(n_splits=5).split(np.zeros(len(texts)), groups=group):
        picked = np.sort(rng.permutation(train)[: args.labelled])
        model = fit(inputs, truth, picked, args.min_confidence)
        part = inputs.rows(np.asarray(test, dtype=np.int64))
        unseen[test] = part.rule_intents if model is None else model.predict(part)
    rows.append(
        _row(
            f"unseen templates ({len(names)} in 5 groups), {args.labelled:,} labels a fold",
            Scores.of(truth, list(unseen)),
            Scores.of(truth, rules),
            "model scored only on messages from templates it was not fitted on",
        )
    )
    rows.append(topic_row(inputs, topics, np.sort(order[: args.labelled]), held_out))
    rows.append(speed_row(texts, inputs, truth, topics, np.sort(order[: args.labelled])))
    return rows


def speed_row(
    texts: Sequence[str],
    inputs: Inputs,
    truth: Sequence[str],
    demo_topics: Sequence[str],
    labelled: np.ndarray,
) -> dict[str, Any]:
    """`analyse` (sentiment, intent, topics, language) with the learned intent and topic
    models vs without them (rules and taxonomy), the same texts, best of 3 CPU times."""
    from goodwill.analysis.learned import TopicModel
    from goodwill.analysis.topics import default_taxonomy
    from goodwill.analysis.understand import analyse

    intent_model = fit(inputs, truth, labelled)
    names = default_taxonomy().names
    labels = [[t] if t in names else [] for t in demo_topics]
    counts = Counter(t for i in labelled.tolist() for t in labels[i])
    learn = [t for t in names if MIN_PER_CLASS <= counts[t] <= len(labelled) - MIN_PER_CLASS]
    topic_model = TopicModel(c=2.0).fit(
        inputs.rows(labelled), [labels[i] for i in labelled.tolist()], learn
    )
    batch = list(texts[:20_000])

    def best(**models: Any) -> float:
        times = []
        for _ in range(3):
            start = time.process_time()
            for at in range(0, len(batch), 2000):  # the pipeline's batch size
                analyse(batch[at : at + 2000], **models)
            times.append(time.process_time() - start)
        return min(times)

    best()  # warm the token cache
    plain = best()
    learned = best(intent_model=intent_model, topic_model=topic_model)
    return {
        "name": f"analyse {len(batch):,} texts with the learned models",
        "ours": round(len(batch) / learned),
        "baseline": round(len(batch) / plain),
        "ratio": round(plain / learned, 3),
        "unit": "texts/s",
        "peak_mb": _peak_mb(),
        "note": f"baseline: rules and taxonomy alone; {len(learn)} learned topics; CPU time",
    }


def topic_row(
    inputs: Inputs, demo_topics: Sequence[str], labelled: np.ndarray, held_out: np.ndarray
) -> dict[str, Any]:
    from goodwill.analysis.learned import TopicModel, TopicScores
    from goodwill.analysis.topics import default_taxonomy

    names = default_taxonomy().names
    shared = sorted(set(demo_topics) & set(names), key=names.index)
    truth = [[t] if t in shared else [] for t in demo_topics]
    counts = Counter(t for i in labelled.tolist() for t in truth[i])
    learn = [t for t in shared if MIN_PER_CLASS <= counts[t] <= len(labelled) - MIN_PER_CLASS]
    model = TopicModel(c=2.0).fit(
        inputs.rows(labelled), [truth[i] for i in labelled.tolist()], learn
    )
    rest = inputs.rows(held_out)
    expected = [truth[i] for i in held_out.tolist()]
    ours = TopicScores.of(expected, model.predict(rest, names), shared)
    taxonomy = TopicScores.of(expected, rest.taxonomy_topics, shared)
    return _row(
        f"topics after {len(labelled):,} labels: macro-F1 over {len(shared)} shared topics",
        Scores(accuracy=ours.accuracy, macro_f1=ours.macro_f1),
        Scores(accuracy=taxonomy.accuracy, macro_f1=taxonomy.macro_f1),
        f"baseline: the packaged taxonomy alone; topics {', '.join(shared)}; accuracy "
        "here is the exact topic set over the shared topics",
    )


def main() -> int:
    for r in run(sys.argv[1:]):
        if r.get("unit"):
            print(f"{r['name']:60s} {r['ours']} vs {r['baseline']} {r['unit']}, {r['ratio']}")
            continue
        print(
            f"{r['name']:60s} learned {r['ours']:<7} rules {r['baseline']:<7} "
            f"ratio {r['ratio']}  (accuracy {r['extra']['accuracy']} vs "
            f"{r['extra']['rules_accuracy']})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
