"""Intent rules v2: phrasing families, negation, sarcasm, precedence, and held-out messages."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from goodwill.analysis import intent
from goodwill.analysis.intent import INTENTS, classify_intents
from goodwill.analysis.sentiment import normalise_and_hash
from goodwill.analysis.understand import analyse

DATA = Path(__file__).parent / "data"
SOUP = (
    "i",
    "you",
    "want",
    "to",
    "book",
    "buy",
    "switching",
    "never",
    "again",
    "please",
    "add",
    "how",
    "much",
    "?",
    "not",
    "my",
    "booking",
    "order",
    "cancel",
    "account",
    "great",
    ",",
    "another",
    "delay",
    ".",
    "kudos",
    "@brand",
)


def intent_of(text: str) -> str:
    return analyse([text])[0].intent


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # churn: switching, moving money, ending, never again, elsewhere, done
        ("switching to Orbit Telecom the day my contract ends", "churn_threat"),
        ("We're switching banks, the fees are absurd", "churn_threat"),
        ("moving my mortgage to another lender next year", "churn_threat"),
        ("please terminate my broadband contract", "churn_threat"),
        ("never shopping at @Marto again", "churn_threat"),
        ("won't be banking with you ever again", "churn_threat"),
        ("this is the last time I fly with you", "churn_threat"),
        ("that was the last straw", "churn_threat"),
        ("I'll take my business elsewhere", "churn_threat"),
        ("honestly I'm done with @Fastnet", "churn_threat"),
        ("one more dropped call and I'm out", "churn_threat"),
        # suggestion
        ("you should offer a student railcard discount", "suggestion"),
        ("please bring back the paper timetable", "suggestion"),
        ("it would be great if the app had a widget", "suggestion"),
        ("why not let us choose the delivery slot?", "suggestion"),
        ("feature request: split the bill with friends", "suggestion"),
        ("I wish there was a live chat on weekends", "suggestion"),
        ("maybe add a filter for vegan products", "suggestion"),
        # purchase said
        ("want to book two tickets to Porto for May", "purchase_intent"),
        ("I'd like to order the oak desk", "purchase_intent"),
        ("thinking of upgrading to the Pro plan", "purchase_intent"),
        ("where can I buy the travel adapter?", "purchase_intent"),
        ("looking to switch to you from my old bank", "purchase_intent"),
        # purchase asked
        ("how much is a family ticket?", "purchase_intent"),
        ("do you ship to Norway?", "purchase_intent"),
        ("any deals on laptops this week?", "purchase_intent"),
        ("is the blue one back in stock?", "purchase_intent"),
        # a question about what the customer already has is a question
        ("where do I find my order number?", "question"),
        ("how much is it to add a bag to my booking?", "question"),
        ("where can I get a receipt for my flight?", "question"),
        ("what time does the store open?", "question"),
        # complaints, including sarcasm and complaint-shaped questions
        ("great, another delay. exactly what I needed", "complaint"),
        ("Two hours on hold. Fantastic service as always", "complaint"),
        ("who pays for this?", "complaint"),
        ("are you kidding me? charged twice again", "complaint"),
        ("my parcel arrived crushed and soaking wet", "complaint"),
        # praise said in so many words, even with a problem in the story
        ("kudos to the crew who found my lost wallet", "praise"),
        ("love the new loyalty app, so easy", "praise"),
        ("on the train to Leeds", "other"),
    ],
)
def test_clear_cut_cases(text: str, expected: str) -> None:
    assert intent_of(text) == expected


@pytest.mark.parametrize(
    ("text", "not_expected"),
    [
        ("not switching to anyone, just want the bill fixed", "churn_threat"),
        ("I'm not cancelling my account, I just want to change the plan", "churn_threat"),
        ("moving to Leeds next month, how do I change my address?", "churn_threat"),
        ("cancel my flight on the 3rd please, I'm ill", "churn_threat"),
        ("I don't want to buy anything, just tell me where my order is", "purchase_intent"),
        ("I want to get a refund for the broken kettle", "purchase_intent"),
        ("how early should I get to the airport?", "purchase_intent"),
        ("you should have told me the flight was cancelled", "suggestion"),
        ("please make sure my bag is on the next flight", "suggestion"),
        ("can't log in to the app", "question"),
    ],
)
def test_negation_and_look_alikes(text: str, not_expected: str) -> None:
    assert intent_of(text) != not_expected


def test_precedence_churn_over_complaint_and_suggestion_over_purchase() -> None:
    assert intent_of("third outage this week, switching to another provider") == "churn_threat"
    assert intent_of("idea: let us pre-order meals in the app") == "suggestion"
    assert intent_of("ready to book Rome, is the flex fare worth it?") == "purchase_intent"


def test_a_problem_or_negative_message_is_not_read_as_a_price_or_stock_ask() -> None:
    assert intent_of("item was out of stock after I paid, useless") == "complaint"


def _cases(name: str) -> tuple[list[str], list[str]]:
    rows = [json.loads(line) for line in (DATA / name).read_text().splitlines() if line]
    return [r["text"] for r in rows], [r["intent"] for r in rows]


@pytest.mark.parametrize(
    ("name", "floor"), [("intent_cases.jsonl", 0.8), ("intent_cases_late.jsonl", 0.65)]
)
def test_held_out_cases_are_valid_and_the_rules_beat_a_floor(name: str, floor: float) -> None:
    from sklearn.metrics import f1_score

    texts, truth = _cases(name)
    assert len(texts) >= 100 and set(truth) == set(INTENTS)
    assert len(set(texts)) == len(texts)
    predicted = [a.intent for a in analyse(texts)]
    # Macro-F1 of rules v1 / v2 (python -m benchmarks intent_rules): 0.63 / 0.89 on the
    # cases written before v2 (and seen while writing it), 0.56 / 0.72 on the later ones
    # (never tuned on). The floors sit below v2 with room for a case or two of noise.
    assert f1_score(truth, predicted, average="macro") >= floor


@pytest.mark.parametrize("name", ["intent_cases.jsonl", "intent_cases_late.jsonl"])
def test_every_rule_match_lies_in_a_document_holding_a_trigger(name: str) -> None:
    docs, grams = normalise_and_hash(_cases(name)[0])
    for rule, parts in intent.RULES.items():
        for k, part in enumerate(parts):
            matched = np.array([part.pattern.search(d) is not None for d in docs])
            missed = matched & ~intent._candidates(grams, rule, k)
            assert not missed.any(), (rule, k, [docs[i] for i in np.flatnonzero(missed)])
        assert any(p.pattern.search(d) for p in parts for d in docs), rule


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=120), min_size=1, max_size=8))
def test_any_text_gets_exactly_one_valid_intent_whatever_its_batch(texts: list[str]) -> None:
    batch = [a.intent for a in analyse(texts)]
    assert len(batch) == len(texts)
    assert all(i in INTENTS for i in batch)
    assert batch == [analyse([t])[0].intent for t in texts]


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.sampled_from(SOUP),
        max_size=14,
    )
)
def test_phrase_soup_gets_one_valid_intent(words: list[str]) -> None:
    docs, grams = normalise_and_hash([" ".join(words)])
    out = classify_intents(docs, ["neutral"], [0.0], grams=grams)
    assert len(out) == 1 and out[0] in INTENTS
