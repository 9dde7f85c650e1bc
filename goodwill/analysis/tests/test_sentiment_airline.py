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
