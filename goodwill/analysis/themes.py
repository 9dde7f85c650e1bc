"""Theme discovery: recurring phrases that are new, frequent, and not covered by any topic.

Given the texts of a *recent* window and of a *baseline* window before it, a theme is a
phrase of one to three words that appears in at least ``min_count`` recent messages, is
over-represented there against the baseline (an exact one-sided binomial test on the
number of messages containing it, with a minimum lift), and contains none of the
taxonomy's keywords (so "app crash" is covered by a topic whose keyword is "app", while
"dark mode" is not). Overlapping phrases are merged: "dark" gives way to "dark mode" when
the longer phrase keeps most of the messages, and a phrase most of whose messages are
already in a stronger theme is left out.

Pure Python/NumPy with scikit-learn's ``CountVectorizer`` for the n-gram counts; texts are
normalised by :func:`goodwill.analysis.text.normalise_many` (URLs, handles and numbers are
placeholders, which never start, end or fill a theme).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import sparse as sp

from goodwill.analysis.text import normalise_many
from goodwill.analysis.topics import STOPWORDS

__all__ = ["Theme", "discover_themes", "phrase_tokens", "uncovered"]

_NEGATION_MARK = re.compile(r"(?<!\S)not_")
_WORD = re.compile(r"^[^\W\d_][\w'-]*$")  # a word: starts with a letter (no placeholders)


@dataclass(frozen=True, slots=True)
class Theme:
    phrase: str
    recent_count: int  # recent messages containing the phrase
    baseline_count: int  # baseline messages containing it
    lift: float  # recent share / baseline share (each smoothed by half a message)
    score: float  # -log10 of the chance of this many recent messages if nothing changed
    example_ids: tuple[int, ...]  # up to ``examples`` recent message ids, in input order


def phrase_tokens(texts: Sequence[str]) -> list[list[str]]:
    """Each text's tokens as themes see them (normalised, negation marks removed)."""
    return [_NEGATION_MARK.sub("", doc).split() for doc in normalise_many(texts)]


def _is_candidate(gram: str) -> bool:
    words = gram.split(" ")
    if words[0] in STOPWORDS or words[-1] in STOPWORDS:
        return False
    return all(_WORD.match(w) for w in words)


def _contains(longer: Sequence[str], shorter: Sequence[str]) -> bool:
    n = len(shorter)
    return any(tuple(longer[i : i + n]) == tuple(shorter) for i in range(len(longer) - n + 1))


def _surprise(
    in_recent: npt.NDArray[np.int64], in_base: npt.NDArray[np.int64], n_recent: int, n_base: int
) -> npt.NDArray[np.float64]:
    """-log10 P(at least this many of the phrase's messages fall in the recent window).

    Exact: given the phrase's messages in both windows, each is recent with probability
    n_recent / (n_recent + n_base) when nothing changed (a one-sided binomial test).
    """
    share = n_recent / (n_recent + n_base)
    from scipy.stats import binom  # imported here: scipy.stats is heavy at start-up

    p = binom.sf(in_recent - 1, in_recent + in_base, share)
    return np.asarray(-np.log10(np.maximum(p, 1e-300)), dtype=np.float64)


def uncovered(themes: Sequence[Theme], covered: Iterable[str]) -> list[Theme]:
    """The themes that contain none of ``covered`` (as :func:`discover_themes` leaves out).

    For a report computed before a topic was added: its theme disappears at once.
    """
    covered_phrases = [t for t in phrase_tokens(list(covered)) if t]
    if not covered_phrases:
        return list(themes)
    words = phrase_tokens([t.phrase for t in themes])
    return [
        theme
        for theme, w in zip(themes, words, strict=True)
        if not any(_contains(w, c) for c in covered_phrases)
    ]


def discover_themes(
    recent: Sequence[str],
    baseline: Sequence[str],
    *,
    recent_ids: Sequence[int] | None = None,
    covered: Iterable[str] = (),
    min_count: int = 5,
    min_lift: float = 3.0,
    alpha: float = 0.01,
    max_words: int = 3,
    limit: int = 10,
    examples: int = 5,
) -> list[Theme]:
    """The strongest new themes of ``recent`` against ``baseline``, best first.

    ``covered`` are the taxonomy's keywords (any form; they are normalised here): a phrase
    containing one of them is not a theme. ``recent_ids`` name the recent texts (default:
    their positions). Thousands of phrases are tested at once, so a theme's p-value must be
    below ``alpha`` divided by the number of phrases tested (Bonferroni): with ``alpha`` =
    0.01, chance gives a false theme in at most about 1% of windows.
    """
    if min_count < 1 or max_words < 1 or limit < 1:
        raise ValueError("min_count, max_words and limit must be at least 1")
    if not 0 < alpha < 1:
        raise ValueError("alpha: expected a probability between 0 and 1")
    ids = list(range(len(recent))) if recent_ids is None else list(recent_ids)
    if len(ids) != len(recent):
        raise ValueError("recent_ids: expected one id per recent text")
    if not recent:
        return []
    docs = [" ".join(t) for t in phrase_tokens([*recent, *baseline])]
    # Imported here: scikit-learn (and the pandas it pulls in) costs ~100 MB at start-up.
    from sklearn.feature_extraction.text import CountVectorizer

    vectoriser = CountVectorizer(
        tokenizer=str.split,
        token_pattern=None,
        lowercase=False,
        ngram_range=(1, max_words),
        binary=True,
        dtype=np.int32,
    )
    try:
        counts = sp.csr_matrix(vectoriser.fit_transform(docs))
    except ValueError:  # every text is empty after normalisation
        return []
    n_recent, n_base = len(recent), len(baseline)
    recent_part = counts[:n_recent]
    in_recent = np.asarray(recent_part.sum(axis=0)).ravel()
    in_base = np.asarray(counts[n_recent:].sum(axis=0)).ravel()
    vocabulary = vectoriser.get_feature_names_out()

    covered_phrases = [t for t in phrase_tokens(list(covered)) if t]
    rate_recent = (in_recent + 0.5) / (n_recent + 1.0)
    rate_base = (in_base + 0.5) / (n_base + 1.0)
    lift = rate_recent / rate_base
    frequent = np.flatnonzero((in_recent >= min_count) & (lift >= min_lift))
    # The family of tests: phrases seen at least min_count times in both windows together.
    # (Counting only those frequent in the recent window would select on the outcome.)
    tested = max(int((in_recent + in_base >= min_count).sum()), 1)
    min_score = -math.log10(alpha / tested)
    surprise = _surprise(in_recent, in_base, n_recent, n_base)
    candidates: list[tuple[float, int]] = []
    for j in frequent.tolist():
        gram = str(vocabulary[j])
        if not _is_candidate(gram):
            continue
        words = gram.split(" ")
        if any(_contains(words, c) for c in covered_phrases):
            continue
        score = float(surprise[j])
        if score >= min_score:
            candidates.append((score, j))
    candidates.sort(key=lambda sj: (-sj[0], str(vocabulary[sj[1]])))

    column_docs = sp.csc_matrix(recent_part)

    def docs_of(j: int) -> set[int]:
        return set(column_docs.indices[column_docs.indptr[j] : column_docs.indptr[j + 1]].tolist())

    chosen: list[int] = []
    chosen_docs: list[set[int]] = []
    for _, j in candidates:
        words = str(vocabulary[j]).split(" ")
        mine = docs_of(j)
        overlap = []
        for k, c in enumerate(chosen):
            other = str(vocabulary[c]).split(" ")
            # Most of its messages already in a chosen theme: it adds nothing new.
            shared = len(mine & chosen_docs[k]) / max(len(mine), 1)
            if _contains(words, other) or _contains(other, words) or shared >= 0.8:
                overlap.append(k)
        if not overlap:
            chosen.append(j)
            chosen_docs.append(mine)
            continue
        # A longer phrase replaces the shorter one it contains when it keeps most messages.
        k = overlap[0]
        shorter = str(vocabulary[chosen[k]]).split(" ")
        if (
            len(overlap) == 1
            and len(words) > len(shorter)
            and _contains(words, shorter)
            and in_recent[j] >= 0.6 * in_recent[chosen[k]]
        ):
            chosen[k] = j
            chosen_docs[k] = mine
    chosen = chosen[:limit]
    themes: list[Theme] = []
    for j in chosen:
        rows: npt.NDArray[np.int32] = column_docs.indices[
            column_docs.indptr[j] : column_docs.indptr[j + 1]
        ]
        example_rows = np.sort(rows)[:examples]
        themes.append(
            Theme(
                phrase=str(vocabulary[j]),
                recent_count=int(in_recent[j]),
                baseline_count=int(in_base[j]),
                lift=round(float(lift[j]), 2),
                score=round(float(surprise[j]), 2),
                example_ids=tuple(ids[i] for i in example_rows.tolist()),
            )
        )
    themes.sort(key=lambda t: (-t.score, t.phrase))
    return themes
