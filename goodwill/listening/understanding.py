"""The installation's current understanding setup: which sentiment model, intent model, topic
taxonomy and topic model the listening pipeline (and the UI) use.

One seam, so that retraining (``goodwill analysis retrain``) and the taxonomy editor can
replace what is current without the pipeline knowing where it is kept: the model comes from
``goodwill.listening.retraining``'s store, the taxonomy from the insights app's versioned
topics, each falling back to the packaged default (for intent: the rules alone; for topics:
the taxonomy alone).
"""

from __future__ import annotations

from typing import Any

from goodwill.analysis.learned import IntentModel, TopicModel
from goodwill.analysis.sentiment import SentimentModel, default_model
from goodwill.analysis.topics import Taxonomy

_MODEL_CACHE: dict[str, Any] = {}


def current_model() -> SentimentModel:
    """The sentiment model in use: the installation's retrained one, else the packaged one.

    Cached per process; the cache is keyed by the store's ``CURRENT`` pointer (one ``stat``
    a call), so a retrain in another process is picked up by the next batch.
    """
    from goodwill.listening import retraining

    stamp = retraining.pointer_stamp()
    if stamp is None:
        return default_model()
    if _MODEL_CACHE.get("stamp") != (retraining.store(), stamp):
        _, model = retraining.load_current()
        _MODEL_CACHE.update(stamp=(retraining.store(), stamp), model=model)
    model = _MODEL_CACHE["model"]
    assert isinstance(model, SentimentModel)
    return model


def _installed(target: str) -> Any:
    """The installed model of ``target`` (None if none), cached per process by its pointer."""
    from goodwill.listening import retraining

    stamp = retraining.pointer_stamp(target)
    if stamp is None:
        return None
    key = (retraining.store(target), stamp)
    cached = _MODEL_CACHE.get(target)
    if cached is None or cached[0] != key:
        load = {
            retraining.INTENT: retraining.load_current_intent,
            retraining.TOPICS: retraining.load_current_topics,
        }[target]
        cached = _MODEL_CACHE[target] = (key, load()[1])
    return cached[1]


def current_intent_model() -> IntentModel | None:
    """The intent model learned from this installation's corrections, or None: the rules
    alone decide. Cached like :func:`current_model`."""
    model = _installed("intent")
    assert model is None or isinstance(model, IntentModel)
    return model


def current_topic_model() -> TopicModel | None:
    """The topic model learned from this installation's corrections, or None: the taxonomy
    alone decides. Cached like :func:`current_model`."""
    model = _installed("topics")
    assert model is None or isinstance(model, TopicModel)
    return model


def current_taxonomy() -> Taxonomy:
    """The topic taxonomy in use: the installation's edited one, else the packaged one.

    Edited in the taxonomy editor (goodwill.insights); cached per process and re-read when
    a newer version is saved (one small query per call).
    """
    from goodwill.insights import selectors as insights_selectors  # the editor's store

    return insights_selectors.current_taxonomy()
