"""The airline dataset importer: tweets on X, crowd labels kept apart as ground truth."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from conftest import shared_file
from goodwill.analysis.understand import analyse
from goodwill.listening.importers import import_messages
from goodwill.listening.models import Label, Message
from goodwill.listening.understanding import current_model, current_taxonomy

SAMPLE = Path(__file__).parent / "data" / "airline_sample.csv"


@pytest.mark.django_db
def test_sample_maps_tweets_labels_duplicates_and_bad_rows() -> None:
    summary = import_messages(SAMPLE)  # format detected from the header
    assert summary.as_dict() == {
        "read": 6,
        "created": 3,
        "updated": 0,
        "unchanged": 0,
        "rejected": 2,
        "duplicates": 1,
    }
    assert [(e.line, e.field) for e in summary.errors] == [
        (7, "airline_sentiment"),
        (8, "tweet_created"),
    ]
    first = Message.objects.get(external_id="900000000000000001")
    assert first.channel == "x"
    assert first.author.handle == "traveller_one"
    assert first.created_at == datetime(2015, 2, 24, 19, 35, 52, tzinfo=UTC)
    assert first.shares == 2
    assert first.raw["airline"] == "Acme Air"
    # Ground truth is a Label, never Goodwill's own analysis; the first copy of a tweet wins.
    # The message's sentiment is the model's reading of the text, whatever the label says.
    own = analyse([first.text], model=current_model(), taxonomy=current_taxonomy())[0]
    assert (first.sentiment, first.sentiment_score) == (own.sentiment, own.sentiment_score)
    labels = {(lab.field, lab.value, lab.confidence, lab.origin) for lab in first.labels.all()}
    assert labels == {
        ("sentiment", "negative", 1.0, "dataset:airline"),
        ("negative_reason", "Late Flight", 0.7033, "dataset:airline"),
    }
    neutral = Message.objects.get(external_id="900000000000000003")
    assert neutral.text == "@AcmeAir do you fly to Lisbon\nin the summer?"
    assert [lab.field for lab in neutral.labels.all()] == ["sentiment"]


@pytest.mark.django_db
def test_sample_imported_twice_adds_nothing() -> None:
    import_messages(SAMPLE, format="airline")
    again = import_messages(SAMPLE, format="airline")
    assert (again.created, again.unchanged, again.duplicates) == (0, 3, 1)
    assert Label.objects.count() == 4


@pytest.mark.shared_data
@pytest.mark.django_db
def test_the_real_airline_file_stores_each_distinct_tweet_once() -> None:
    path = shared_file("airline/Tweets.csv")
    first = import_messages(path, format="airline")
    assert first.as_dict() == {
        "read": 14_640,
        "created": 14_485,
        "updated": 0,
        "unchanged": 0,
        "rejected": 0,
        "duplicates": 155,
    }
    assert Message.objects.count() == 14_485
    assert Label.objects.filter(field="sentiment", origin="dataset:airline").count() == 14_485
    again = import_messages(path)  # auto-detected
    assert (again.read, again.created, again.updated, again.unchanged) == (14_640, 0, 0, 14_485)
    assert Message.objects.count() == 14_485
