"""Learned intent and topic models over the rules: fit, back-off, save/load, evaluation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from goodwill.analysis.intent import INTENTS
from goodwill.analysis.learned import (
    IntentModel,
    TopicModel,
    TopicScores,
    cross_validate_intents,
)
from goodwill.analysis.topics import default_taxonomy
from goodwill.analysis.understand import analyse, learning_inputs

WORDS = ("soup", "tea", "blanket", "pillow", "cookie", "pretzel", "juice", "coffee", "sandwich")
CHURN = "the {x} crew is getting my money from now on"  # the rules say "other"
BROKEN = "my {x} is broken and nobody helps"  # the rules say "complaint"
MANGLED = "my {x} got mangled in transit"  # no topic in the taxonomy


def texts_of(frame: str, n: int = 20) -> list[str]:
    return [frame.format(x=WORDS[i % len(WORDS)]) + f" {'!' * (i // len(WORDS))}" for i in range(n)]


def test_intent_model_learns_what_the_rules_miss_and_keeps_unlearned_rule_intents() -> None:
    texts = texts_of(CHURN) + texts_of(BROKEN)
    inputs = learning_inputs(texts)
    assert set(inputs.rule_intents) == {"other", "complaint"}
    model = IntentModel().fit(inputs, ["churn_threat"] * 20 + ["complaint"] * 20)
    assert model.learned == ("complaint", "churn_threat")
    fresh = ["the lamp crew is getting my money from now on", "where can I buy the lamp?"]
    found = analyse(fresh, intent_model=model)
    # The purchase rule fired, and the labels never had purchase_intent: the rule stays.
    assert [a.intent for a in found] == ["churn_threat", "purchase_intent"]
    assert [a.intent for a in analyse(fresh)] == ["other", "purchase_intent"]


def test_intent_model_backs_off_to_the_rules_when_unsure() -> None:
    inputs = learning_inputs(texts_of(CHURN) + texts_of(BROKEN))
    labels = ["churn_threat"] * 20 + ["complaint"] * 20
    unsure = IntentModel(min_confidence=1.01).fit(inputs, labels)  # never sure enough
    assert unsure.predict(inputs) == inputs.rule_intents


def test_intent_model_round_trips_through_npz(tmp_path: Path) -> None:
    inputs = learning_inputs(texts_of(CHURN) + texts_of(BROKEN))
    model = IntentModel(c=1.5, min_confidence=0.2, meta={"version": 3})
    model.fit(inputs, ["churn_threat"] * 20 + ["complaint"] * 20)
    path = tmp_path / "m.npz"
    model.save(path)
    loaded = IntentModel.load(path)
    assert (loaded.c, loaded.min_confidence, loaded.meta, loaded.learned) == (
        1.5,
        0.2,
        {"version": 3},
        model.learned,
    )
    np.testing.assert_allclose(loaded.predict_proba(inputs), model.predict_proba(inputs), atol=1e-4)


def test_intent_labels_are_validated_naming_the_row() -> None:
    inputs = learning_inputs(["a", "b", "c"])
    with pytest.raises(ValueError, match=r"labels\[1\]: 'moan' is not one of complaint"):
        IntentModel().fit(inputs, ["complaint", "moan", "praise"])
    with pytest.raises(ValueError, match="at least two different intents"):
        IntentModel().fit(inputs, ["praise"] * 3)
    with pytest.raises(ValueError, match="labels: 2 given for 3 texts"):
        IntentModel().fit(inputs, ["praise", "other"])


def test_topic_model_decides_learned_topics_and_keeps_the_taxonomy_for_the_rest() -> None:
    texts = texts_of(MANGLED) + texts_of(BROKEN)
    inputs = learning_inputs(texts)
    labels = [["baggage"]] * 20 + [["product_quality"]] * 20
    model = TopicModel().fit(inputs, labels, ["baggage"])
    names = default_taxonomy().names
    fresh = ["my lamp got mangled in transit", "my lamp is broken, and the wifi is down"]
    found = model.predict(learning_inputs(fresh), names)
    assert found[0] == ["baggage"]
    assert found[1] == ["product_quality", "connectivity"]  # not learned: the taxonomy's
    with pytest.raises(ValueError, match="topic 'delay': needs messages with and without it"):
        TopicModel().fit(inputs, labels, ["delay"])


def test_topic_model_drops_learned_topics_the_taxonomy_no_longer_has(tmp_path: Path) -> None:
    inputs = learning_inputs(texts_of(MANGLED) + texts_of(BROKEN))
    model = TopicModel().fit(inputs, [["baggage"]] * 20 + [[]] * 20, ["baggage"])
    model.save(tmp_path / "t.npz")
    loaded = TopicModel.load(tmp_path / "t.npz")
    assert loaded.topics == ("baggage",)
    assert loaded.predict(inputs, ["delay", "product_quality"])[0] == []
    assert loaded.predict(inputs, ["baggage"]) == model.predict(inputs, ["baggage"])


@settings(max_examples=30, deadline=None)
@given(st.lists(st.text(max_size=60), max_size=5))
def test_learned_models_give_valid_answers_on_any_text(texts: list[str]) -> None:
    train = learning_inputs(texts_of(CHURN, 10) + texts_of(MANGLED, 10))
    intents = IntentModel().fit(train, ["churn_threat"] * 10 + ["question"] * 10)
    topics = TopicModel().fit(train, [[]] * 10 + [["baggage"]] * 10, ["baggage"])
    names = default_taxonomy().names
    found = analyse(texts, intent_model=intents, topic_model=topics)
    assert len(found) == len(texts)
    for a in found:
        assert a.intent in INTENTS
        assert a.topics == [n for n in names if n in a.topics]  # taxonomy order, no repeats


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.sets(st.sampled_from("abc")), st.sets(st.sampled_from("abc"))),
        min_size=1,
        max_size=30,
    )
)
def test_topic_scores_are_bounded_and_perfect_only_when_equal(
    pairs: list[tuple[set[str], set[str]]],
) -> None:
    truth = [sorted(t) for t, _ in pairs]
    predicted = [sorted(p) for _, p in pairs]
    scores = TopicScores.of(truth, predicted, ["a", "b", "c"])
    assert 0.0 <= scores.accuracy <= 1.0 and 0.0 <= scores.macro_f1 <= 1.0
    assert (scores.accuracy == 1.0) == (truth == predicted)
    assert TopicScores.of(truth, truth, ["a", "b", "c"]).accuracy == 1.0


def test_cross_validation_scores_every_recipe_on_the_same_folds() -> None:
    texts = texts_of(CHURN) + texts_of(BROKEN)
    labels = ["churn_threat"] * 20 + ["complaint"] * 20
    inputs = learning_inputs(texts)
    seen: list[list[int]] = []

    def fixed(train: np.ndarray):  # type: ignore[no-untyped-def]
        seen.append(sorted(train.tolist()))
        return lambda inp: list(inp.rule_intents)

    def learned(train: np.ndarray):  # type: ignore[no-untyped-def]
        seen.append(sorted(train.tolist()))
        rows = inputs.rows(train)
        return IntentModel().fit(rows, [labels[i] for i in train.tolist()]).predict

    scores = cross_validate_intents(inputs, labels, {"rules": fixed, "model": learned}, folds=4)
    assert seen[0::2] == seen[1::2]  # the same training rows, fold by fold
    assert scores["rules"].accuracy == pytest.approx(0.5)
    assert scores["model"].accuracy == pytest.approx(1.0) and scores["model"].macro_f1 == 1.0
