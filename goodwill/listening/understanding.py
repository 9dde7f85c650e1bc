"""The installation's current understanding setup: which sentiment model and topic taxonomy
the listening pipeline (and the UI) use.

One seam, so that retraining (``goodwill analysis retrain``) and the taxonomy editor can
replace what is current without the pipeline knowing where it is kept. Today both are the
packaged defaults; the retrain and taxonomy services plug their stores in here.
"""

from __future__ import annotations

from goodwill.analysis.sentiment import SentimentModel, default_model
from goodwill.analysis.topics import Taxonomy, default_taxonomy


def current_model() -> SentimentModel:
    """The sentiment model in use: the installation's retrained one, else the packaged one."""
    return default_model()


def current_taxonomy() -> Taxonomy:
    """The topic taxonomy in use: the installation's edited one, else the packaged one."""
    return default_taxonomy()
