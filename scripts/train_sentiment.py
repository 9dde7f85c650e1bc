"""Fit the shipped default sentiment model: goodwill/analysis/models/sentiment_default.npz.

Reproducible: the same inputs give the same file (liblinear-free, deterministic lbfgs).

    .venv/bin/python scripts/train_sentiment.py [--data ../shared/data] [--output PATH]

Training data (see goodwill/analysis/models/LICENSES.md):
- TweetEval sentiment, validation split (2,000 general-domain tweets; released without
  restrictions), read from ../shared/data/tweeteval at training time, never copied;
- goodwill/analysis/models/care_seed.tsv: customer-care messages written by hand by the
  Goodwill authors.
No airline labels are used: ../shared/data/airline is for evaluation only.

Customer care is not general Twitter: people write to a brand mostly when something went
wrong. The model is fitted with balanced class weights, then its intercepts are shifted by the
log class prior of the hand-written care seed set (a Bayes prior shift; the prior comes from
our own care texts, not from any evaluation set).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import numpy.typing as npt

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from goodwill.analysis.sentiment import (  # noqa: E402
    DEFAULT_MODEL_PATH,
    LABELS,
    SentimentModel,
)

SEED_PATH = ROOT / "goodwill" / "analysis" / "models" / "care_seed.tsv"
C = 0.25
DENSE_WEIGHT = 3.0


def read_seed(path: Path = SEED_PATH) -> tuple[list[str], list[str], list[str]]:
    """(texts, sentiment labels, intents) of the hand-written care seed file."""
    texts: list[str] = []
    labels: list[str] = []
    intents: list[str] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 3 or parts[0] not in LABELS:
            raise ValueError(f"{path.name} line {number}: expected label<TAB>intent<TAB>text")
        labels.append(parts[0])
        intents.append(parts[1])
        texts.append(parts[2])
    return texts, labels, intents


def read_tweeteval(data: Path) -> tuple[list[str], list[str]]:
    folder = data / "tweeteval"
    texts = (folder / "val_text.txt").read_text(encoding="utf-8").splitlines()
    codes = (folder / "val_labels.txt").read_text(encoding="utf-8").split()
    if len(texts) != len(codes):
        raise ValueError(f"{folder}: {len(texts)} texts but {len(codes)} labels")
    return texts, [LABELS[int(c)] for c in codes]


def care_prior(labels: list[str]) -> npt.NDArray[np.float64]:
    counts = np.array([labels.count(lab) for lab in LABELS], dtype=np.float64)
    prior: npt.NDArray[np.float64] = counts / counts.sum()
    return prior


def train(texts: list[str], labels: list[str], prior_labels: list[str]) -> SentimentModel:
    model = SentimentModel(c=C, dense_weight=DENSE_WEIGHT, class_weight="balanced")
    model.fit(texts, labels)
    assert model.intercept is not None
    # Balanced weights make the fitted prior uniform; shift it to the care prior.
    model.intercept = model.intercept + np.log(care_prior(prior_labels) * len(LABELS))
    return model


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--output", type=Path, default=DEFAULT_MODEL_PATH)
    args = parser.parse_args(argv)
    tw_texts, tw_labels = read_tweeteval(args.data)
    seed_texts, seed_labels, _ = read_seed()
    model = train(tw_texts + seed_texts, tw_labels + seed_labels, seed_labels)
    model.meta = {
        "trained_on": ["tweeteval/val (2,000 tweets)", "care_seed.tsv (hand-written)"],
        "n_texts": len(tw_texts) + len(seed_texts),
        "c": C,
        "dense_weight": DENSE_WEIGHT,
        "care_prior": [round(float(p), 4) for p in care_prior(seed_labels)],
        "script": "scripts/train_sentiment.py",
    }
    model.save(args.output)
    size = args.output.stat().st_size
    print(f"wrote {args.output} ({size / 1024:.0f} KiB) from {model.meta['n_texts']} texts")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
