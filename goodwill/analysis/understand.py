"""One call that understands a batch of texts: sentiment, intent, topics, language.

This is what ``goodwill analyze`` and the listening pipeline call. Texts are normalised and
hashed once; every step reuses that work.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from goodwill.analysis.intent import classify_intents
from goodwill.analysis.language import detect_languages
from goodwill.analysis.learned import Inputs, IntentModel, TopicModel
from goodwill.analysis.sentiment import (
    DENSE_FEATURES,
    Grams,
    SentimentModel,
    default_model,
    featurise_grams,
    labels_of,
    normalise_and_hash,
    scores_of,
)
from goodwill.analysis.topics import Taxonomy, assign_topics, default_taxonomy


class TextAnalysis(NamedTuple):
    """One text's analysis (a named tuple: a batch of 10,000 is built in a few milliseconds)."""

    sentiment: str  # negative | neutral | positive
    sentiment_score: float  # in [-1, 1]
    intent: str  # one of goodwill.analysis.intent.INTENTS
    topics: list[str]
    language: str  # ISO 639-1, or "und"


def _understand(
    texts: Sequence[str], model: SentimentModel | None, taxonomy: Taxonomy | None
) -> tuple[Grams, Inputs]:
    docs, grams = normalise_and_hash(texts)
    features = featurise_grams(docs, grams)
    proba = (model or default_model()).predict_proba_features(features)
    labels = labels_of(proba)
    scores = scores_of(proba)
    # A care-negative term worth at least -2 on VADER's scale marks a problem report.
    negative = features.dense[:, DENSE_FEATURES.index("negative")]
    problem = negative >= np.tanh(2.0 / 4.0)
    intents = classify_intents(
        docs, labels, scores, grams=grams, problem=problem, negative_terms=negative > 0
    )
    topics = assign_topics(docs, taxonomy, grams=grams)
    return grams, Inputs(
        features=features, sentiment_proba=proba, rule_intents=intents, taxonomy_topics=topics
    )


def learning_inputs(
    texts: Sequence[str], *, model: SentimentModel | None = None, taxonomy: Taxonomy | None = None
) -> Inputs:
    """What the learned intent and topic models read about a batch (for fitting them)."""
    return _understand(texts, model, taxonomy)[1]


def analyse(
    texts: Sequence[str],
    *,
    model: SentimentModel | None = None,
    taxonomy: Taxonomy | None = None,
    intent_model: IntentModel | None = None,
    topic_model: TopicModel | None = None,
) -> list[TextAnalysis]:
    """Analyse a batch of raw texts (any unicode; None is not a text).

    Without ``intent_model`` / ``topic_model`` intents come from the rules and topics from
    the taxonomy alone (what ``goodwill analyze`` does); with them, the learned models
    refine those (see :mod:`goodwill.analysis.learned`).
    """
    grams, inputs = _understand(texts, model, taxonomy)
    proba = inputs.sentiment_proba
    labels = labels_of(proba)
    scores = scores_of(proba)
    intents = intent_model.predict(inputs) if intent_model is not None else inputs.rule_intents
    topics = (
        topic_model.predict(inputs, (taxonomy or default_taxonomy()).names)
        if topic_model is not None
        else inputs.taxonomy_topics
    )
    languages = detect_languages(texts, grams=grams)
    return [
        TextAnalysis(
            sentiment=label,
            sentiment_score=round(score, 4),
            intent=intent,
            topics=topic_list,
            language=language,
        )
        for label, score, intent, topic_list, language in zip(
            labels, scores.tolist(), intents, topics, languages, strict=True
        )
    ]
