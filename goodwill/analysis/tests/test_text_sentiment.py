"""Text normalisation, the care-aware lexicon and the shipped sentiment model."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from goodwill.analysis.sentiment import (
    LABELS,
    SentimentModel,
    analyse_sentiment,
    default_lexicon,
    hash_grams,
    lexicon_scores,
    normalise_and_hash,
    token_hashes,
)
from goodwill.analysis.text import normalise, normalise_many, tokens


def test_normalise_placeholders_elongation_and_negation():
    doc = normalise("@Acme I waited sooooo long!!! not happy http://x.co/a #fail 😡")
    assert doc.split() == [
        "_user_",
        "i",
        "waited",
        "soo",
        "long",
        "!",
        "not",
        "not_happy",
        "_url_",
        "fail",
        "😡",
    ]


def test_negation_scope_stops_at_punctuation():
    assert normalise("not good, great") == "not not_good , great"


def test_invisible_and_control_characters_are_dropped():
    assert tokens("re\u200bfund\x00 \u202eplease") == ["re", "fund", "please"]


def test_batch_keeps_one_document_per_text_even_with_newlines():
    texts = ["a\nb", "", "\n\n", "c"]
    docs = normalise_many(texts)
    assert docs == ["a b", "", "", "c"]


def test_lexicon_knows_care_phrases():
    lex = default_lexicon()
    assert lex.valence("on hold") < 0
    assert lex.valence("still waiting") < 0
    assert lex.valence("not_bad") > 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Been stuck 3 hours on hold with your support line", "negative"),
        ("Oh great, another delay on the 8:15. Love it", "negative"),
        ("Thank you so much, it's all fixed now!", "positive"),
        ("They lost my suitcase and nobody calls back", "negative"),
        ("still waiting on that refund you promised in May", "negative"),
        ("the crew were lovely and we arrived early 😊", "positive"),
        ("What are your opening hours on Saturday", "neutral"),
    ],
)
def test_shipped_model_on_care_language(text, expected):
    result = analyse_sentiment([text])
    assert result.labels == [expected]
    sign = {"negative": -1, "neutral": 0, "positive": 1}[expected]
    if sign:
        assert np.sign(result.scores[0]) == sign


def test_sarcasm_pulls_score_down():
    plain, sarcastic = lexicon_scores(["great service", "great, another delay"])
    assert plain > 0 > sarcastic


def test_but_clause_weighs_the_end_more():
    before, after = lexicon_scores(
        [
            "the staff was great but the delay was awful",
            "the delay was awful but the staff was great",
        ]
    )
    assert before < 0 < after


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(max_size=200), max_size=8))
def test_scores_in_range_on_arbitrary_unicode(texts):
    result = analyse_sentiment(texts)
    assert len(result.labels) == len(texts)
    assert set(result.labels) <= set(LABELS)
    assert np.all(np.abs(result.scores) <= 1.0)
    assert np.all(np.isfinite(result.scores))


@pytest.mark.parametrize(
    "text",
    ["", "\x00", "\u202e\u200b\u200d", "👍🏽👨‍👩‍👧", "ـــ مرحبا \u200f", "a" * 100_000, "\n\r\t"],
)
def test_hostile_texts_do_not_crash(text):
    result = analyse_sentiment([text, "fine"])
    assert len(result.labels) == 2
    assert -1.0 <= result.scores[0] <= 1.0


def test_fit_predict_save_load_round_trip(tmp_path):
    texts = ["awful delay", "terrible service", "love it", "great crew", "gate 4", "at the airport"]
    labels = ["negative", "negative", "positive", "positive", "neutral", "neutral"]
    model = SentimentModel(class_weight=None, c=10.0).fit(texts * 3, labels * 3)
    assert model.predict(texts) == labels
    path = tmp_path / "m.npz"
    model.save(path)
    loaded = SentimentModel.load(path)
    np.testing.assert_allclose(
        loaded.predict_proba(texts), model.predict_proba(texts), rtol=1e-5, atol=1e-6
    )


def test_fit_with_two_classes_never_predicts_the_third():
    labels = ["negative"] * 2 + ["positive"] * 2
    model = SentimentModel().fit(["bad", "awful", "good", "great"], labels)
    proba = model.predict_proba(["bad", "great", "the gate"])
    assert np.all(proba[:, 1] < 1e-6)
    assert model.predict(["bad", "great"]) == ["negative", "positive"]


def test_fit_rejects_unknown_label_naming_the_row():
    with pytest.raises(ValueError, match=r"labels\[1\]"):
        SentimentModel().fit(["a", "b"], ["negative", "angry"])


_SOCIAL_WORDS = st.sampled_from(
    ["not", "no", "only", "doubt", "never", "mind", "nothing", "but", "time-not", "didn't",
     "good", "bad", "@acme", "#fail", "http://x.co", "3h", ",", "!", "\n", "😡", "_x", "it's",
     "dont", "thx", "sooo", "x-no", "wonder", "NOT", "\u2019", "`s"]
)  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(_SOCIAL_WORDS, max_size=12).map(" ".join), max_size=6))
def test_one_pass_normalise_and_hash_equals_the_two_step_path(texts):
    docs, grams = normalise_and_hash(texts)
    assert docs == normalise_many(texts)
    expected = hash_grams(docs)
    assert grams.n_docs == expected.n_docs == len(texts)
    assert grams.n_unigrams == expected.n_unigrams
    for name in ("rows", "keys", "cols", "uni_ids"):
        np.testing.assert_array_equal(getattr(grams, name), getattr(expected, name))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.text(alphabet="abcdn't -", max_size=8), max_size=30),
    st.lists(st.text(alphabet="abcdn't", min_size=1, max_size=8), max_size=10),
)
def test_vocabulary_membership_equals_a_plain_search(words, table_words):
    grams = hash_grams([" ".join(words)])
    table = np.unique(token_hashes(table_words)) if table_words else np.zeros(0, np.int64)
    # A fresh name per table: a name stands for one fixed table.
    name = "test:" + "|".join(sorted(set(table_words)))
    expected = np.isin(grams.keys[: grams.n_unigrams], table)
    np.testing.assert_array_equal(grams.unigram_in(name, table), expected)


def test_threads_sharing_the_token_vocabulary_get_the_same_grams():
    from concurrent.futures import ThreadPoolExecutor

    from goodwill.analysis.sentiment import clear_token_cache

    batches = [[f"word{b}x{i} not good {i % 7} thx" for i in range(300)] for b in range(8)]
    expected = [hash_grams(normalise_many(batch)).keys for batch in batches]
    clear_token_cache()  # every thread now adds new tokens at the same time
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda batch: normalise_and_hash(batch)[1], batches))
    for grams, keys in zip(results, expected, strict=True):
        np.testing.assert_array_equal(grams.keys, keys)
        assert (grams.vocabulary.codes[grams.uni_ids] & 0xFFFFFFFF).tolist() == (
            grams.keys[: grams.n_unigrams].tolist()
        )
