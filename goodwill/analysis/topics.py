"""Complaint topics from a configurable taxonomy (keywords and seed examples per topic).

The default taxonomy is ``models/topics_default.json``; an installation can pass its own
(the same shape, as a dict). A message gets every topic one of whose keywords (a word or
two-word phrase, compared after :func:`goodwill.analysis.text.normalise`) it contains, or
whose seed examples it resembles (cosine of content-word counts >= ``example_threshold``).
Matching is array look-ups over the batch's hashed grams: no per-token Python.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from goodwill.analysis.sentiment import (
    N_FEATURES,
    Grams,
    hash_grams,
    term_key,
    token_hashes,
)
from goodwill.analysis.text import normalise_many

DEFAULT_TAXONOMY_PATH = Path(__file__).resolve().parent / "models" / "topics_default.json"
MAX_TOPICS = 63  # topics per message are a 64-bit mask
_STOPWORDS = (
    "a an the and or but if of to in on at for from by with about as is are was were be been "
    "am i me my we our you your it its this that these those they them their he she his her "
    "so too very just have has had do does did not no can could will would should there here "
    "what when where which who why how all any some again still after before up down out off "
    "over under more most _num_ _user_ _url_ , . ! ? ; :"
)
STOPWORDS = frozenset(_STOPWORDS.split())


@dataclass(frozen=True)
class Topic:
    name: str
    keywords: tuple[str, ...]
    examples: tuple[str, ...]


@dataclass(frozen=True)
class Taxonomy:
    topics: tuple[Topic, ...]
    example_threshold: float = 0.5

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Taxonomy:
        """Validate a taxonomy; errors name the topic (by position) and the field."""
        raw = data.get("topics")
        if not isinstance(raw, list) or not raw:
            raise ValueError("topics: expected a non-empty list")
        if len(raw) > MAX_TOPICS:
            raise ValueError(f"topics: at most {MAX_TOPICS} topics, got {len(raw)}")
        topics: list[Topic] = []
        seen: set[str] = set()
        for i, item in enumerate(raw):
            if not isinstance(item, Mapping):
                raise ValueError(f"topics[{i}]: expected an object")
            name = item.get("name")
            if not isinstance(name, str) or not name.strip():
                raise ValueError(f"topics[{i}].name: expected a non-empty string")
            if name in seen:
                raise ValueError(f"topics[{i}].name: duplicate topic {name!r}")
            seen.add(name)
            lists: dict[str, tuple[str, ...]] = {}
            for field in ("keywords", "examples"):
                values = item.get(field, [])
                if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                    raise ValueError(f"topics[{i}].{field}: expected a list of strings")
                lists[field] = tuple(values)
            if not lists["keywords"] and not lists["examples"]:
                raise ValueError(f"topics[{i}]: needs keywords or examples")
            topics.append(Topic(name=name, keywords=lists["keywords"], examples=lists["examples"]))
        threshold = float(data.get("example_threshold", 0.5))
        return cls(topics=tuple(topics), example_threshold=threshold)

    @classmethod
    def load(cls, path: Path = DEFAULT_TAXONOMY_PATH) -> Taxonomy:
        return cls.from_dict(json.loads(path.read_text(encoding="utf-8")))

    @property
    def names(self) -> list[str]:
        return [t.name for t in self.topics]


@dataclass(frozen=True)
class _Matcher:
    names: tuple[str, ...]
    keys: npt.NDArray[np.int64]  # sorted gram keys
    masks: npt.NDArray[np.int64]  # topic bitmask of each key
    centroids: sp.csr_matrix  # (N_FEATURES, n_topics), unit columns
    threshold: float


def _content_counts(grams: Grams) -> sp.csr_matrix:
    uni_rows = grams.rows[: grams.n_unigrams]
    uni_cols = grams.cols[: grams.n_unigrams]
    stop = grams.unigram_in("topics:stop", _stop_keys())
    data = np.ones(int((~stop).sum()))
    return sp.csr_matrix(
        (data, (uni_rows[~stop], uni_cols[~stop])), shape=(grams.n_docs, N_FEATURES)
    )


@cache
def _stop_keys() -> npt.NDArray[np.int64]:
    return np.unique(token_hashes(sorted(STOPWORDS)))


def _unit_rows(m: sp.csr_matrix) -> sp.csr_matrix:
    norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sp.csr_matrix(sp.diags(1.0 / norms) @ m)


def _negated_forms(term: str) -> list[str]:
    """The term as it reads inside a negation scope, too: normalisation marks the words after
    a negator ("no refund" -> "no not_refund"), but a complaint about a missing refund is
    still about refunds. A scope runs to the end of the clause, so in a two-word term either
    both words are marked or, when the first is the negator itself, only the second."""
    words = term.split()
    if not words or any(w.startswith("not_") for w in words):
        return [term]
    if len(words) == 1:
        return [term, f"not_{words[0]}"]
    marked = [f"not_{w}" for w in words]
    return [term, " ".join([words[0], *marked[1:]]), " ".join(marked)]


def _build(taxonomy: Taxonomy) -> _Matcher:
    by_key: dict[int, int] = {}
    for bit, topic in enumerate(taxonomy.topics):
        for term in normalise_many(topic.keywords):
            for form in _negated_forms(term):
                key = term_key(form)
                if key is not None:
                    by_key[key] = by_key.get(key, 0) | (1 << bit)
    order = sorted(by_key)
    columns = []
    for topic in taxonomy.topics:
        docs = normalise_many(topic.examples)
        counts = _content_counts(hash_grams(docs))
        columns.append(_unit_rows(sp.csr_matrix(counts.sum(axis=0))))
    centroids = sp.csr_matrix(sp.vstack(columns).T) if columns else sp.csr_matrix((N_FEATURES, 0))
    return _Matcher(
        names=tuple(taxonomy.names),
        keys=np.array(order, dtype=np.int64),
        masks=np.array([by_key[k] for k in order], dtype=np.int64),
        centroids=centroids,
        threshold=taxonomy.example_threshold,
    )


@lru_cache(maxsize=16)
def _matcher(taxonomy: Taxonomy) -> _Matcher:
    # Keyed by the taxonomy's content (it is frozen and hashable), not its id: an edited
    # taxonomy that keeps its topic names must not reuse the matcher of an older one.
    return _build(taxonomy)


@cache
def default_taxonomy() -> Taxonomy:
    return Taxonomy.load()


def assign_topics(
    docs: Sequence[str], taxonomy: Taxonomy | None = None, grams: Grams | None = None
) -> list[list[str]]:
    """Topic names of each normalised document, in taxonomy order."""
    taxonomy = taxonomy or default_taxonomy()
    grams = grams if grams is not None else hash_grams(docs)
    m = _matcher(taxonomy)
    n = grams.n_docs
    doc_masks = np.zeros(n, dtype=np.int64)
    if len(m.keys):
        at = np.searchsorted(m.keys, grams.keys)
        at[at == len(m.keys)] = 0
        hit = m.keys[at] == grams.keys
        np.bitwise_or.at(doc_masks, grams.rows[hit], m.masks[at[hit]])
    if m.centroids.shape[1]:
        sims = (_unit_rows(_content_counts(grams)) @ m.centroids).toarray()
        over = sims >= m.threshold
        bits = np.left_shift(np.int64(1), np.arange(len(m.names), dtype=np.int64))
        doc_masks |= (over * bits).sum(axis=1).astype(np.int64)
    unique, inverse = np.unique(doc_masks, return_inverse=True)
    labels = [[name for b, name in enumerate(m.names) if int(u) >> b & 1] for u in unique]
    return [list(labels[i]) for i in inverse.tolist()]
