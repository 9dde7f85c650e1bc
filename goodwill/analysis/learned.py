"""Intent and topic models learned from a team's corrections, layered over the rules.

Both read the same cheap features as the sentiment model (hashed word uni/bigrams and the
lexicon's dense features, :func:`goodwill.analysis.sentiment.featurise_grams`) plus what the
hand-written analysers said, so a few hundred corrections refine the rules instead of
starting from nothing:

- :class:`IntentModel`: multinomial logistic regression over those features, the sentiment
  probabilities and a one-hot of the rule intent (:func:`goodwill.analysis.intent.
  classify_intents`). It backs off to the rule when the rule names a specific intent the
  labels never had (it cannot know better) or when its top probability is below
  ``min_confidence``.
- :class:`TopicModel`: one binary logistic regression per topic the labels say enough about,
  over the same features plus the taxonomy's own match for that topic. A topic it did not
  learn (too few labels, or added to the taxonomy later) keeps the taxonomy's answer; a
  learned topic that was removed from the taxonomy is dropped.

Saved as ``.npz`` of plain arrays (never pickle), like ``SentimentModel``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import IO, Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from goodwill.analysis.intent import INTENTS
from goodwill.analysis.logistic import LinearWeights, fit_logistic, softmax
from goodwill.analysis.sentiment import (
    DENSE_FEATURES,
    N_FEATURES,
    Features,
    Scores,
    _design,
    part_of,
)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

N_BASE = N_FEATURES + len(DENSE_FEATURES)
_DENSE_WEIGHT = 3.0
_RULE_WEIGHT = 2.0  # scale of the one-hot rule columns (same order as the dense features)


@dataclass(frozen=True)
class Inputs:
    """What the learned models read about a batch: features, sentiment, the rules' output."""

    features: Features
    sentiment_proba: FloatArray  # (n, 3) in LABELS order
    rule_intents: list[str]
    taxonomy_topics: list[list[str]]

    def __len__(self) -> int:
        return len(self.rule_intents)

    @cached_property
    def design(self) -> sp.csr_matrix:
        """The shared part of both models' design matrix (computed once per batch)."""
        return _design(self.features, _DENSE_WEIGHT)

    def rows(self, rows: IntArray) -> Inputs:
        picked = rows.tolist()
        return Inputs(
            features=part_of(self.features, rows),
            sentiment_proba=self.sentiment_proba[rows],
            rule_intents=[self.rule_intents[i] for i in picked],
            taxonomy_topics=[self.taxonomy_topics[i] for i in picked],
        )


def _one_hot(values: Sequence[str], names: Sequence[str]) -> FloatArray:
    index = {name: i for i, name in enumerate(names)}
    out = np.zeros((len(values), len(names)))
    cols = np.fromiter((index.get(v, -1) for v in values), dtype=np.int64, count=len(values))
    known = cols >= 0
    out[np.flatnonzero(known), cols[known]] = 1.0
    return out


def _save(
    handle: IO[bytes] | Path,
    fitted: tuple[sp.csr_matrix, FloatArray],
    meta: dict[str, Any] | None,
    **arrays: Any,
) -> None:
    """A fitted model as plain arrays: the sparse weights, the intercepts, the model's own
    ``arrays`` and its metadata as JSON."""
    coef, intercept = fitted
    coo = coef.tocoo()
    np.savez_compressed(
        handle,
        rows=coo.row.astype(np.int32),
        cols=coo.col.astype(np.int32),
        values=coo.data.astype(np.float32),
        shape=np.array(coef.shape, dtype=np.int64),
        intercept=intercept,
        **arrays,
        meta=np.array(json.dumps(meta or {})),
    )


def _coef_of(data: Mapping[str, Any]) -> sp.csr_matrix:
    shape = tuple(int(v) for v in data["shape"])
    return sp.csr_matrix(
        (np.asarray(data["values"], dtype=np.float64), (data["rows"], data["cols"])), shape=shape
    )


# ----------------------------------------------------------------------------- intent


def _intent_design(inputs: Inputs) -> sp.csr_matrix:
    extra = np.hstack(
        [
            inputs.sentiment_proba * _DENSE_WEIGHT,
            _one_hot(inputs.rule_intents, INTENTS) * _RULE_WEIGHT,
        ]
    )
    base = inputs.design
    return sp.csr_matrix(sp.hstack([base, sp.csr_matrix(extra)], format="csr"))


def _intent_index(label: str, row: int) -> int:
    try:
        return INTENTS.index(label)
    except ValueError:
        raise ValueError(f"labels[{row}]: {label!r} is not one of {', '.join(INTENTS)}") from None


@dataclass
class IntentModel(LinearWeights):
    """The rules' intent, refined by what the team corrected (see the module docstring)."""

    coef: sp.csr_matrix | None = None  # (len(INTENTS), N_BASE + 3 + len(INTENTS))
    intercept: FloatArray | None = None
    learned: tuple[str, ...] = ()  # intents the labels had
    c: float = 2.0
    min_confidence: float = 0.0
    meta: dict[str, Any] | None = None

    def fit(self, inputs: Inputs, labels: Sequence[str]) -> IntentModel:
        if len(labels) != len(inputs):
            raise ValueError(f"labels: {len(labels)} given for {len(inputs)} texts")
        y = np.array([_intent_index(lab, i) for i, lab in enumerate(labels)], dtype=np.int64)
        present = np.unique(y)
        if len(present) < 2:
            raise ValueError("labels: need at least two different intents to fit")
        coef, intercept = fit_logistic(_intent_design(inputs), y, c=self.c, n_classes=len(INTENTS))
        self.coef = sp.csr_matrix(coef)
        self.intercept = intercept
        self.learned = tuple(INTENTS[i] for i in present.tolist())
        return self

    def predict_proba(self, inputs: Inputs) -> FloatArray:
        """(n, len(INTENTS)) probabilities of the learned part alone, in INTENTS order."""
        coef, intercept = self._fitted()
        return softmax(_intent_design(inputs), coef, intercept)

    def predict(self, inputs: Inputs) -> list[str]:
        if not len(inputs):
            return []
        proba = self.predict_proba(inputs)
        best = proba.argmax(axis=1)
        rules = np.array(inputs.rule_intents, dtype=object)
        # A rule's specific intent that the labels never had stays: the model cannot know
        # it. "other" is no rule firing, so the model may always say what it is instead.
        known = np.isin(rules, np.array([*self.learned, "other"], dtype=object))
        sure = proba[np.arange(len(best)), best] >= self.min_confidence
        chosen = np.where(known & sure, np.array(INTENTS, dtype=object)[best], rules)
        return [str(v) for v in chosen]

    def save(self, handle: IO[bytes] | Path) -> None:
        _save(
            handle,
            self._fitted(),
            self.meta,
            params=np.array([self.c, self.min_confidence]),
            learned=np.array(json.dumps(list(self.learned))),
            classes=np.array(json.dumps(list(INTENTS))),
        )

    @classmethod
    def load(cls, path: Path) -> IntentModel:
        with np.load(path, allow_pickle=False) as data:
            classes = json.loads(str(data["classes"]))
            if classes != list(INTENTS):
                raise ValueError(f"{path}: fitted for intents {classes}, not {list(INTENTS)}")
            c, min_confidence = (float(v) for v in data["params"])
            return cls(
                coef=_coef_of(data),
                intercept=np.asarray(data["intercept"], dtype=np.float64),
                learned=tuple(json.loads(str(data["learned"]))),
                c=c,
                min_confidence=min_confidence,
                meta=json.loads(str(data["meta"])),
            )


# ----------------------------------------------------------------------------- topics


def _taxonomy_match(inputs: Inputs, topic: str) -> FloatArray:
    return np.fromiter(
        (topic in found for found in inputs.taxonomy_topics), dtype=np.float64, count=len(inputs)
    )


def _with_match(base: sp.csr_matrix, match: FloatArray) -> sp.csr_matrix:
    column = sp.csr_matrix(match[:, None] * _RULE_WEIGHT)
    return sp.csr_matrix(sp.hstack([base, column], format="csr"))


@dataclass
class TopicModel(LinearWeights):
    """Per-topic classifiers over the taxonomy's matches (see the module docstring)."""

    topics: tuple[str, ...] = ()  # the learned topics, one coef row each
    coef: sp.csr_matrix | None = None  # (len(topics), N_BASE + 1)
    intercept: FloatArray | None = None
    c: float = 2.0
    meta: dict[str, Any] | None = None

    def fit(
        self, inputs: Inputs, labels: Sequence[Sequence[str]], topics: Sequence[str]
    ) -> TopicModel:
        """Learn each of ``topics`` from the label sets (each topic needs both a message
        that has it and one that has not)."""
        if len(labels) != len(inputs):
            raise ValueError(f"labels: {len(labels)} given for {len(inputs)} texts")
        rows: list[FloatArray] = []
        intercepts: list[float] = []
        base = inputs.design
        for topic in topics:
            y = np.fromiter((topic in found for found in labels), dtype=np.int64)
            if y.all() or not y.any():
                raise ValueError(f"topic {topic!r}: needs messages with and without it to fit")
            design = _with_match(base, _taxonomy_match(inputs, topic))
            coef, intercept = fit_logistic(design, y, c=self.c, n_classes=1)
            rows.append(coef[0])
            intercepts.append(float(intercept[0]))
        self.topics = tuple(topics)
        self.coef = sp.csr_matrix(np.vstack(rows)) if rows else sp.csr_matrix((0, N_BASE + 1))
        self.intercept = np.array(intercepts, dtype=np.float64)
        return self

    def decide(self, inputs: Inputs) -> dict[str, BoolArray]:
        """Per learned topic: whether each message has it."""
        coef, intercept = self._fitted()
        base = inputs.design
        z = np.asarray((base @ coef[:, :N_BASE].T).todense()).reshape(len(inputs), -1)
        weight = coef[:, N_BASE].toarray().ravel() * _RULE_WEIGHT
        out: dict[str, BoolArray] = {}
        for row, topic in enumerate(self.topics):
            score = z[:, row] + _taxonomy_match(inputs, topic) * weight[row] + intercept[row]
            out[topic] = np.asarray(score > 0.0)
        return out

    def predict(self, inputs: Inputs, names: Sequence[str]) -> list[list[str]]:
        """Topic names of each message, in ``names`` (the current taxonomy's) order: the
        learned decision for learned topics, the taxonomy's match for the others."""
        if not len(inputs):
            return []
        decided = self.decide(inputs) if self.topics else {}
        result: list[list[str]] = []
        for i, found in enumerate(inputs.taxonomy_topics):
            chosen = set(found)
            result.append(
                [
                    name
                    for name in names
                    if (bool(decided[name][i]) if name in decided else name in chosen)
                ]
            )
        return result

    def save(self, handle: IO[bytes] | Path) -> None:
        _save(
            handle,
            self._fitted(),
            self.meta,
            params=np.array([self.c]),
            topics=np.array(json.dumps(list(self.topics))),
        )

    @classmethod
    def load(cls, path: Path) -> TopicModel:
        with np.load(path, allow_pickle=False) as data:
            return cls(
                topics=tuple(json.loads(str(data["topics"]))),
                coef=_coef_of(data),
                intercept=np.asarray(data["intercept"], dtype=np.float64),
                c=float(data["params"][0]),
                meta=json.loads(str(data["meta"])),
            )


# ----------------------------------------------------------------------------- evaluation

IntentRecipe = Callable[[IntArray], Callable[[Inputs], list[str]]]
"""Given the training rows of a fold, a classifier of the held-out inputs."""
TopicRecipe = Callable[[IntArray], Callable[[Inputs], list[list[str]]]]


def cross_validate_intents(
    inputs: Inputs,
    labels: Sequence[str],
    recipes: Mapping[str, IntentRecipe],
    *,
    folds: int = 5,
    seed: int = 0,
    strata: Sequence[str] | None = None,
) -> dict[str, Scores]:
    """Accuracy and macro-F1 of each recipe under the same folds (pooled), stratified by
    ``strata`` (default: the labels; rare labels may be pooled to give every fold some)."""
    from sklearn.model_selection import StratifiedKFold

    for row, label in enumerate(labels):
        _intent_index(label, row)
    y = np.array(labels, dtype=object)
    groups = np.array(strata if strata is not None else labels, dtype=object)
    predicted = {name: np.empty(len(y), dtype=object) for name in recipes}
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train, test in splitter.split(np.zeros(len(y)), groups):
        held_out = inputs.rows(np.asarray(test, dtype=np.int64))
        for name, recipe in recipes.items():
            classify = recipe(np.asarray(train, dtype=np.int64))
            predicted[name][test] = classify(held_out)
    return {name: Scores.of(list(y), list(p)) for name, p in predicted.items()}


@dataclass(frozen=True)
class TopicScores:
    """Exact-set accuracy and macro-F1 over the scored topics (each topic a binary task)."""

    accuracy: float
    macro_f1: float
    per_topic: dict[str, float]

    @classmethod
    def of(
        cls,
        truth: Sequence[Sequence[str]],
        predicted: Sequence[Sequence[str]],
        topics: Sequence[str],
    ) -> TopicScores:
        from sklearn.metrics import f1_score

        def matrix(sets: Sequence[Sequence[str]]) -> npt.NDArray[np.int64]:
            return np.array([[t in s for t in topics] for s in sets], dtype=np.int64).reshape(
                len(sets), len(topics)
            )

        t, p = matrix(truth), matrix(predicted)
        per = f1_score(t, p, average=None, zero_division=0) if len(topics) else np.zeros(0)
        exact = float(np.mean([set(a) == set(b) for a, b in zip(truth, predicted, strict=True)]))
        return cls(
            accuracy=exact,
            macro_f1=float(np.mean(per)) if len(per) else 0.0,
            per_topic={name: float(v) for name, v in zip(topics, per, strict=True)},
        )


def cross_validate_topics(
    inputs: Inputs,
    labels: Sequence[Sequence[str]],
    topics: Sequence[str],
    recipes: Mapping[str, TopicRecipe],
    *,
    folds: int = 5,
    seed: int = 0,
) -> dict[str, TopicScores]:
    """Scores of each recipe over ``topics`` under the same shuffled folds (pooled)."""
    from sklearn.model_selection import KFold

    predicted: dict[str, list[list[str]]] = {name: [[] for _ in labels] for name in recipes}
    splitter = KFold(n_splits=folds, shuffle=True, random_state=seed)
    for train, test in splitter.split(np.zeros(len(labels))):
        held_out = inputs.rows(np.asarray(test, dtype=np.int64))
        for name, recipe in recipes.items():
            found = recipe(np.asarray(train, dtype=np.int64))(held_out)
            for row, value in zip(test.tolist(), found, strict=True):
                predicted[name][row] = value
    return {name: TopicScores.of(labels, p, topics) for name, p in predicted.items()}


__all__ = [
    "Inputs",
    "IntentModel",
    "TopicModel",
    "TopicScores",
    "cross_validate_intents",
    "cross_validate_topics",
]
