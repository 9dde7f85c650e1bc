"""Sentiment quality and `goodwill analyze` speed against VADER, in the same run.

    .venv/bin/python -m benchmarks.bench_sentiment [--posts 100000] [--data ../shared/data]
    .venv/bin/python -m benchmarks sentiment

Rows:
- airline (all 14,640 records; labels used for evaluation only): accuracy and macro-F1 of the
  shipped model vs VADER (compound, thresholds +-0.05);
- tweeteval val (2,000 general tweets; metric macro-recall): Goodwill's lexicon scorer (not
  trained on TweetEval) vs VADER, and the shipped training recipe under 5-fold
  cross-validation (the shipped model itself is trained on this split, so its score there
  would not be a held-out figure);
- learning curve ("retrain from team corrections"): a model fitted on 1,000 labelled airline
  messages, macro-F1 on the other 13,640, and 5-fold cross-validation on all 14,640; the
  baseline column is VADER on the same records;
- speed: full analysis (sentiment, intent, topics, language) of N posts vs VADER's
  polarity_scores on the same posts, posts per second.
"""

from __future__ import annotations

import argparse
import csv
import resource
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "data"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="bench_sentiment")
    p.add_argument("--posts", type=int, default=100_000)
    p.add_argument("--data", type=Path, default=DEFAULT_DATA)
    p.add_argument("--seed", type=int, default=0)
    return p


def _peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def load_airline(data: Path) -> tuple[list[str], list[str]]:
    with (data / "airline" / "Tweets.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return [r["text"] for r in rows], [r["airline_sentiment"] for r in rows]


def load_tweeteval(data: Path) -> tuple[list[str], list[str]]:
    folder = data / "tweeteval"
    texts = (folder / "val_text.txt").read_text(encoding="utf-8").splitlines()
    names = ("negative", "neutral", "positive")
    labels = [names[int(c)] for c in (folder / "val_labels.txt").read_text().split()]
    return texts, labels


def vader_labels(texts: Sequence[str]) -> list[str]:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyser = SentimentIntensityAnalyzer()
    out = []
    for text in texts:
        c = analyser.polarity_scores(text)["compound"]
        out.append("positive" if c >= 0.05 else "negative" if c <= -0.05 else "neutral")
    return out


def metrics(truth: Sequence[str], predicted: Sequence[str]) -> dict[str, float]:
    from sklearn.metrics import accuracy_score, f1_score, recall_score

    return {
        "accuracy": float(accuracy_score(truth, predicted)),
        "macro_f1": float(f1_score(truth, predicted, average="macro")),
        "macro_recall": float(recall_score(truth, predicted, average="macro")),
    }


def _row(name: str, ours: float, baseline: float | None, note: str = "") -> dict[str, Any]:
    return {
        "name": name,
        "ours": round(ours, 4),
        "baseline": None if baseline is None else round(baseline, 4),
        "ratio": None if not baseline else round(ours / baseline, 3),
        "peak_mb": _peak_mb(),
        "note": note,
    }


def quality_rows(data: Path, seed: int) -> list[dict[str, Any]]:
    from sklearn.model_selection import StratifiedKFold

    from goodwill.analysis.sentiment import (
        Features,
        SentimentModel,
        analyse_sentiment,
        featurise,
        labels_of,
    )
    from scripts.train_sentiment import read_seed, train

    rows: list[dict[str, Any]] = []
    a_texts, a_labels = load_airline(data)
    a_vader = metrics(a_labels, vader_labels(a_texts))
    a_ours = metrics(a_labels, analyse_sentiment(a_texts).labels)
    rows.append(
        _row(
            "airline accuracy (shipped model)",
            a_ours["accuracy"],
            a_vader["accuracy"],
            "14,640 records; baseline VADER; no airline labels in training",
        )
    )
    rows.append(_row("airline macro-F1 (shipped model)", a_ours["macro_f1"], a_vader["macro_f1"]))

    t_texts, t_labels = load_tweeteval(data)
    t_vader = metrics(t_labels, vader_labels(t_texts))
    lex = featurise(t_texts).compound
    lex_labels = ["positive" if c >= 0.05 else "negative" if c <= -0.05 else "neutral" for c in lex]
    t_lex = metrics(t_labels, lex_labels)
    rows.append(
        _row(
            "tweeteval macro-recall (our lexicon)",
            t_lex["macro_recall"],
            t_vader["macro_recall"],
            "2,000 val tweets; lexicon not trained on them",
        )
    )
    seed_texts, seed_labels, _ = read_seed()
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=seed)
    predicted = np.empty(len(t_texts), dtype=object)
    t_arr = np.array(t_texts, dtype=object)
    y_arr = np.array(t_labels, dtype=object)
    for train_idx, test_idx in folds.split(t_arr, y_arr):
        model = train(
            list(t_arr[train_idx]) + seed_texts, list(y_arr[train_idx]) + seed_labels, seed_labels
        )
        predicted[test_idx] = model.predict(list(t_arr[test_idx]))
    t_cv = metrics(t_labels, list(predicted))
    rows.append(
        _row(
            "tweeteval macro-recall (recipe, 5-fold)",
            t_cv["macro_recall"],
            t_vader["macro_recall"],
            "shipped recipe trained on 4/5, tested on 1/5",
        )
    )
    rows.append(_row("tweeteval macro-F1 (recipe, 5-fold)", t_cv["macro_f1"], t_vader["macro_f1"]))

    # Learning curve: the per-installation retrain path.
    features = featurise(a_texts)
    y = np.array(a_labels, dtype=object)
    vader_all = np.array(vader_labels(a_texts), dtype=object)

    def part(idx: np.ndarray) -> Features:
        return Features(counts=features.counts[idx], dense=features.dense[idx])

    order = np.random.default_rng(seed).permutation(len(a_texts))
    tr, te = order[:1000], order[1000:]
    model = SentimentModel().fit_features(part(tr), list(y[tr]))
    lc = metrics(list(y[te]), labels_of(model.predict_proba_features(part(te))))
    base = metrics(list(y[te]), list(vader_all[te]))
    rows.append(
        _row(
            "airline retrain on 1,000: macro-F1 on rest",
            lc["macro_f1"],
            base["macro_f1"],
            f"accuracy {lc['accuracy']:.3f}; seed {seed}",
        )
    )
    predicted = np.empty(len(a_texts), dtype=object)
    for train_idx, test_idx in folds.split(np.zeros(len(y)), y):
        model = SentimentModel().fit_features(part(train_idx), list(y[train_idx]))
        predicted[test_idx] = labels_of(model.predict_proba_features(part(test_idx)))
    cv = metrics(a_labels, list(predicted))
    rows.append(
        _row(
            "airline retrain 5-fold macro-F1",
            cv["macro_f1"],
            a_vader["macro_f1"],
            f"accuracy {cv['accuracy']:.3f}",
        )
    )
    return rows


def speed_row(data: Path, posts: int) -> dict[str, Any]:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    from goodwill.analysis import sentiment
    from goodwill.analysis.understand import analyse

    pool = load_airline(data)[0] + load_tweeteval(data)[0]
    texts = [f"{pool[i % len(pool)]} #{i}" for i in range(posts)]
    analyse(texts[:100])  # load models and lexicons outside the timing, as a server would
    sentiment.clear_token_cache()
    t0, c0 = time.perf_counter(), time.process_time()
    for start in range(0, posts, 10_000):
        analyse(texts[start : start + 10_000])
    ours, ours_cpu = time.perf_counter() - t0, time.process_time() - c0
    analyser = SentimentIntensityAnalyzer()
    t0, c0 = time.perf_counter(), time.process_time()
    for text in texts:
        analyser.polarity_scores(text)
    base, base_cpu = time.perf_counter() - t0, time.process_time() - c0
    row = _row(
        f"analyze {posts:,} posts (posts/s) vs VADER",
        posts / ours,
        posts / base,
        "ours: sentiment+intent+topics+language; VADER: sentiment only",
    )
    row["ours"], row["baseline"] = round(posts / ours), round(posts / base)
    row["cpu_ratio"] = round(base_cpu / ours_cpu, 3)
    return row


def run(argv: Sequence[str] | None = None) -> list[dict[str, Any]]:
    args, _ = _parser().parse_known_args(list(argv or []))
    if not (args.data / "airline" / "Tweets.csv").is_file():
        raise RuntimeError(f"{args.data}/airline/Tweets.csv not found (see ../shared/data)")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    return [speed_row(args.data, args.posts), *quality_rows(args.data, args.seed)]


def main() -> int:
    rows = run(sys.argv[1:])
    for r in rows:
        ratio = "" if r["ratio"] is None else f"  ratio {r['ratio']}"
        if "cpu_ratio" in r:
            ratio += f" (CPU time ratio {r['cpu_ratio']})"
        print(f"{r['name']:45s} ours {r['ours']:<10} baseline {r['baseline']}{ratio}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
