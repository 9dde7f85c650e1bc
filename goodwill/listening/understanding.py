"""The installation's current understanding setup: which sentiment model and topic taxonomy
the listening pipeline (and the UI) use.

One seam, so that retraining (``goodwill analysis retrain``) and the taxonomy editor can
replace what is current without the pipeline knowing where it is kept: the model comes from
``goodwill.listening.retraining``'s store, the taxonomy from the insights app's versioned
topics, each falling back to the packaged default.
"""

from __future__ import annotations

from typing import Any

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


def current_taxonomy() -> Taxonomy:
    """The topic taxonomy in use: the installation's edited one, else the packaged one.

    Edited in the taxonomy editor (goodwill.insights); cached per process and re-read when
    a newer version is saved (one small query per call).
    """
    from goodwill.insights import selectors as insights_selectors  # the editor's store

    return insights_selectors.current_taxonomy()
