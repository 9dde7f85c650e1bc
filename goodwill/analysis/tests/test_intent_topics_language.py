"""Intent rules, topic taxonomy, language and abuse flags."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from goodwill.analysis.abuse import flag_abuse
from goodwill.analysis.intent import INTENTS
from goodwill.analysis.language import detect_languages
from goodwill.analysis.text import normalise_many
from goodwill.analysis.topics import Taxonomy, assign_topics
from goodwill.analysis.understand import analyse


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("Do you deliver on Sundays?", "question"),
        ("how do I update my billing address", "question"),
        ("I'm switching to Acme Mobile next month", "churn_threat"),
        ("cancel my subscription, I've had it", "churn_threat"),
        ("You should add a way to pick a seat in the app", "suggestion"),
        ("would be great if you had a loyalty card", "suggestion"),
        ("Where can I buy the 64GB version?", "purchase_intent"),
        ("my parcel arrived broken and the box was wet", "complaint"),
        ("Why has nobody replied to my email in two weeks?", "complaint"),
        ("Absolutely love the new menu, well done", "praise"),
        ("Heading to the airport", "other"),
    ],
)
def test_intents(text, intent):
    assert analyse([text])[0].intent == intent


def test_intent_strings_are_the_documented_ones():
    assert INTENTS == (
        "complaint",
        "question",
        "praise",
        "suggestion",
        "purchase_intent",
        "churn_threat",
        "other",
    )


def test_default_topics():
    results = analyse(
        ["you lost my luggage", "charged twice on my bill", "the app crashes at login", "hello"]
    )
    assert [r.topics for r in results] == [["baggage"], ["billing"], ["app_website"], []]


def test_custom_taxonomy_keywords_bigrams_and_examples():
    taxonomy = Taxonomy.from_dict(
        {
            "topics": [
                {"name": "parking", "keywords": ["car park", "parking"]},
                {"name": "noise", "keywords": [], "examples": ["the music next door is too loud"]},
            ],
            "example_threshold": 0.5,
        }
    )
    docs = normalise_many(["the CAR PARK was full", "music so loud next door", "car"])
    assert assign_topics(docs, taxonomy) == [["parking"], ["noise"], []]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "topics: expected a non-empty list"),
        ({"topics": [{"keywords": ["x"]}]}, r"topics\[0\]\.name"),
        ({"topics": [{"name": "a", "keywords": "x"}]}, r"topics\[0\]\.keywords"),
        (
            {"topics": [{"name": "a", "keywords": ["x"]}, {"name": "a", "keywords": ["y"]}]},
            r"topics\[1\]\.name: duplicate",
        ),
    ],
)
def test_taxonomy_errors_name_topic_and_field(data, message):
    with pytest.raises(ValueError, match=message):
        Taxonomy.from_dict(data)


def test_languages():
    texts = [
        "I have been waiting for my order for two weeks",
        "Estoy esperando mi pedido desde hace dos semanas",
        "J'attends ma commande depuis deux semaines",
        "Ich warte seit zwei Wochen auf meine Bestellung",
        "注文を二週間待っています",
        "😡😡😡 123",
    ]
    assert detect_languages(texts) == ["en", "es", "fr", "de", "ja", "und"]


def test_abuse_flags():
    flags = flag_abuse(["this delay is f*cking ridiculous", "you idiots lost my bag", "thanks!"])
    assert flags.profanity.tolist() == [True, False, False]
    assert flags.abuse.tolist() == [False, True, False]
    assert flags.flagged.tolist() == [True, True, False]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.text(max_size=120), max_size=6))
def test_analyse_never_crashes(texts):
    results = analyse(texts)
    assert len(results) == len(texts)
    for r in results:
        assert r.intent in INTENTS
        assert -1.0 <= r.sentiment_score <= 1.0
        assert isinstance(r.language, str) and r.language
    flags = flag_abuse(texts)
    assert len(flags.flagged) == len(texts)


def test_an_edited_taxonomy_with_the_same_names_uses_its_own_keywords() -> None:
    from goodwill.analysis.topics import Taxonomy, assign_topics

    docs = ["my suitcase never arrived", "the wifi on board was down"]
    for keyword, expected in (("suitcase", [["luggage"], []]), ("wifi", [[], ["luggage"]])):
        # A fresh object each time, possibly at a freed object's address: content decides.
        taxonomy = Taxonomy.from_dict({"topics": [{"name": "luggage", "keywords": [keyword]}]})
        assert assign_topics(docs, taxonomy) == expected


def test_a_keyword_inside_a_negation_scope_still_names_the_topic() -> None:
    from goodwill.analysis.text import normalise_many
    from goodwill.analysis.topics import assign_topics

    docs = normalise_many(
        ["Still no refund for E8F8VT.", "never got my lost luggage back", "no wifi again"]
    )
    assert assign_topics(docs) == [["refund"], ["baggage"], ["connectivity"]]
