"""The shipped model on real data it was not trained on (skips without ../shared/data)."""

from __future__ import annotations

import csv

import pytest

from conftest import shared_file
from goodwill.analysis.sentiment import analyse_sentiment

pytestmark = pytest.mark.shared_data


def test_airline_targets_with_the_shipped_model():
    from sklearn.metrics import accuracy_score, f1_score

    path = shared_file("airline/Tweets.csv")
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 14_640
    truth = [r["airline_sentiment"] for r in rows]
    predicted = analyse_sentiment([r["text"] for r in rows]).labels
    accuracy = accuracy_score(truth, predicted)
    macro_f1 = f1_score(truth, predicted, average="macro")
    assert accuracy >= 0.70, accuracy
    assert macro_f1 >= 0.60, macro_f1


def test_every_sarcasm_match_holds_a_trigger_word():
    """The sarcasm scan only visits documents with a trigger word; check that loses nothing."""
    from goodwill.analysis.sentiment import default_lexicon, token_hashes
    from goodwill.analysis.text import normalise_many

    path = shared_file("airline/Tweets.csv")
    with path.open(newline="", encoding="utf-8") as handle:
        docs = normalise_many([r["text"] for r in csv.DictReader(handle)])
    docs += normalise_many(["great, another delay", "thanks for nothing", "yeah right", "nice how"])
    lex = default_lexicon()
    triggers = set(lex.sarcasm_keys.tolist())
    matched = [d for d in docs if lex.sarcasm.search(d)]
    assert len(matched) >= 20
    for doc in matched:
        assert triggers & set(token_hashes(doc.split()).tolist()), doc
