"""Emerging phrases: a term suddenly used by several people that was rare in the last weeks.

A spark is a handful of messages spread over topics and channels, too faint for any count
series, but its *words* are new: "charged twice" was nobody's phrase last month and three
people say it within three hours. This is trending-term detection as listening tools do
it, with a test instead of a ratio:

* **Terms.** Each text's unigrams and bigrams after normalisation
  (:func:`goodwill.analysis.themes.phrase_tokens`): lower case, stop words of English,
  Spanish, French and German dropped, tokens with digits, URLs and @handles dropped, each
  word reduced to its Snowball stem ("charging", "charged", "charges" -> one term) in the
  text's language (English unless another of the four has more stop words in the text).
  Bigrams join neighbouring content words within one clause ("charged me twice" gives
  "charged twice"). A term is shown as its most common surface form in the messages that
  carry it, never as the stem ("charged twice", not "charg twice").
* **Scans.** The test runs every ``step_minutes`` (5: the periodic job's cadence; 60 is the
  hourly detector this replaced, exactly). The scan at ``T`` reads posts strictly before
  ``T``: the recent window is ``[T - window_hours, T)``, sliding, not aligned to hours, and
  the baseline the ``baseline_days`` before it.
* **Votes.** One vote per author per term per clock hour, so one person repeating a phrase
  is one voice. The recent window counts *distinct* authors.
* **Test.** For each term, ``k`` recent authors and ``b`` baseline votes (the trailing
  ``baseline_days`` before the window), plus ``prior_votes`` pseudo-votes so a term never
  seen before counts as seen once. If nothing changed, each of the term's ``n = k + b +
  prior`` votes falls in the recent window with probability ``s = N_r / (N_r + N_b)``, the
  recent window's share of all author-hours; the p-value is the binomial tail
  ``P(Bin(n, s) >= k)`` (the exact conditional test for two Poisson rates). The volume of
  the hour is in ``s``, so a busy morning does not make every word trend. ``N_r`` and
  ``N_b`` count the same unit as the baseline votes, (author, clock hour) with a message in
  the interval, for the window and the baseline alike; a window that starts at 10:05 holds
  the 10:00 hour's units whose last message is at or after 10:05, and the baseline its
  units whose first message is before. A unit cut by the window's start so counts on both
  sides (an author who wrote both before and after it within that hour): that raises
  ``s``, which is far below 1/2, and a term's baseline votes, so the test only gets more
  conservative. For hour-aligned windows the counts are the hourly detector's. ``k``
  counts distinct authors, never more than the term's units in the window, so the test
  stays conservative.
* **Multiple tests.** Every term seen in the baseline or the recent window is a
  hypothesis; a term alarms when ``p <= alpha / m`` (Bonferroni over those ``m`` terms) and
  at least ``min_authors`` distinct authors used it.
* **Grouping.** Alarming terms that share most of their messages ("twice", "charged
  twice", "charged") are one phrase: the longest term carried by at least half the
  group's authors names it, the others are its companions.

Only messages before the scan time are read. Pure Python/NumPy; scipy for the tail.

**Why scanning every 5 minutes does not cost 12 scans an hour.** Between two scans a
term's window count ``k`` changes only when one of its authors' messages enters or leaves
the window, so it is read, for all scans at once, off the intervals of scans each (term,
author) is seen by; only the (term, scan) pairs with ``min_authors`` voices are scored
(a term with fewer cannot alarm, whatever ``s``). A term whose ``k`` and ``b`` did not move
can still alarm at the next scan when ``s`` falls (old author-hours leaving the window) or
the family shrinks, so such pairs are scored too, not skipped: a binomial tail per pair,
vectorised. Baseline votes, author-hours and the family size are binary searches and
running sums over sorted votes, one pass for all scans. Results at a scan time do not
depend on which other times are scanned in the same call.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from goodwill.analysis.themes import phrase_tokens
from goodwill.analysis.topics import STOPWORDS

__all__ = [
    "EmergingConfig",
    "EmergingPhrase",
    "Post",
    "emerging_scores",
    "LANGUAGES",
    "Terms",
    "same_story",
    "scan_emerging",
    "scan_grid",
    "stem",
    "terms_many",
]

HOUR = 3600
HOUR_MS = HOUR * 1000

# Function words of the other languages the product hears most (short lists: the words
# that would otherwise trend with any burst of posts in that language).
_MORE_STOPWORDS = {
    # English, beyond the topic matcher's list
    "english": "i'm i've i'll i'd you're you've we're we've they're they've he's she's it's "
    "that's there's what's let's don't didn't can't won't isn't get got im ive "
    "one two also than then now only even really like yes yet because while into",
    "spanish": "el la los las un una unos unas y o de del al en por para con sin que se su sus "
    "lo le les me mi mis te tu es son fue está están ya muy más pero como este esta",
    "french": "le la les un une des et ou de du au aux en pour par avec sans que qui se sa son "
    "ses ce cette est sont été je tu il elle nous vous ils mon ma mes ne pas plus mais très",
    "german": "der die das den dem des ein eine einen einem und oder zu im in mit von für auf "
    "ist sind war ich du er sie wir ihr mein meine nicht kein keine aber sehr noch schon wird",
}
_STOP_BY_LANGUAGE = {
    lang: frozenset(words.split()) | (STOPWORDS if lang == "english" else frozenset())
    for lang, words in _MORE_STOPWORDS.items()
}
STOP = frozenset().union(*_STOP_BY_LANGUAGE.values())
LANGUAGES = tuple(_MORE_STOPWORDS)  # the Snowball stemmers used, English first
_WORD = re.compile(r"^[^\W\d_][^\W\d]*(?:['-][^\W\d_]+)*$")  # letters only: no digits
_CLAUSE_END = frozenset(',.!?;:()[]"')


@dataclass(frozen=True, slots=True)
class EmergingConfig:
    window_hours: int = 3  # the recent window: a care team wants to hear within hours
    baseline_days: int = 28  # the trailing weeks a term's usual rate is read from
    min_authors: int = 3  # distinct authors before a term can alarm
    alpha: float = 0.01  # chance of one false phrase per scan, over all terms tested
    prior_votes: int = 1  # a never-seen term counts as seen once in the baseline
    min_baseline_hours: int = 24  # no test before this much history exists
    step_minutes: int = 5  # scan every this often (the periodic job's cadence); 60: hourly
    group_overlap: float = 0.5  # terms sharing this share of the smaller's messages group
    bonferroni: bool = True  # False only to show what the correction saves (benchmarks)

    def __post_init__(self) -> None:
        if self.window_hours < 1 or self.baseline_days < 1:
            raise ValueError("window_hours and baseline_days must be at least 1")
        if self.min_authors < 1:
            raise ValueError("min_authors must be at least 1")
        if not 0 < self.alpha < 1:
            raise ValueError("alpha: expected a probability between 0 and 1")
        if self.prior_votes < 0 or self.min_baseline_hours < 0:
            raise ValueError("prior_votes and min_baseline_hours cannot be negative")
        if not 1 <= self.step_minutes <= 60 or 60 % self.step_minutes:
            raise ValueError("step_minutes: expected a divisor of 60 (5, 10, 15, 30, 60...)")
        if not 0 < self.group_overlap <= 1:
            raise ValueError("group_overlap: expected a share in (0, 1]")


@dataclass(frozen=True, slots=True)
class Post:
    """One customer message: ``at`` in Unix seconds; ``terms`` from :func:`terms_many`."""

    id: int
    at: float
    author: int
    terms: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class EmergingPhrase:
    phrase: str  # the term that names the group
    terms: tuple[str, ...]  # the phrase first, then its companions by score
    authors: int  # distinct authors of the group's messages in the window
    expected: float  # the phrase's expected distinct authors in the window if nothing changed
    baseline_votes: int  # the phrase's votes in the baseline
    score: float  # -log10 p of the strongest term
    threshold: float  # -log10 (alpha / m) at this scan
    window_start: float  # Unix seconds
    window_end: float
    message_ids: tuple[int, ...] = field(default=())  # the group's messages, oldest first
    message_times: tuple[float, ...] = field(default=())  # their times (Unix seconds)


def _fold(word: str) -> str:
    """Light plural folding: 'payments' -> 'payment', not 'bus', 'class' or 'status'."""
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is", "'s")):
        return word[:-1]
    return word


class Terms(tuple[str, ...]):
    """A text's terms (stems), with ``surface``: the words the text used for each, in order.

    It is a tuple of the stems, so it can stand wherever terms are expected (``Post.terms``,
    caches); the scan reads ``surface`` only to name a phrase readably.
    """

    surface: tuple[str, ...]

    def __new__(cls, stems: Iterable[str], surface: Iterable[str]) -> Terms:
        self = super().__new__(cls, stems)
        self.surface = tuple(surface)
        if len(self.surface) != len(self):
            raise ValueError("Terms: one surface form per stem expected")
        return self


_STEMS: dict[str, dict[str, str]] = {lang: {} for lang in LANGUAGES}
_STEMS_MAX = 200_000  # distinct words remembered per language before the cache restarts


def stem(word: str, language: str = "english") -> str:
    """The word's Snowball stem in ``language`` (one of :data:`LANGUAGES`), cached per word.

    Applied until it no longer changes, so a stem is its own stem (Snowball alone is not
    always idempotent).
    """
    cache = _STEMS.get(language)
    if cache is None:
        raise ValueError(f"stem: language {language!r} is not one of {', '.join(LANGUAGES)}")
    found = cache.get(word)
    if found is not None:
        return found
    stemmer = _stemmer(language)
    out = word
    for _ in range(5):  # Snowball shortens a word at most a few times before it settles
        nxt: str = stemmer.stemWord(out)
        if nxt == out or not nxt:
            break
        out = nxt
    if len(cache) >= _STEMS_MAX:
        cache.clear()
    cache[word] = out
    cache.setdefault(out, out)
    return out


_STEMMERS: dict[str, Any] = {}


def _stemmer(language: str) -> Any:
    if language not in _STEMMERS:
        import snowballstemmer  # BSD-3-Clause, pure Python (no model files, no network)

        _STEMMERS[language] = snowballstemmer.stemmer(language)
    return _STEMMERS[language]


def _language(tokens: Sequence[str]) -> str:
    """The stop-word language with the most stop words in the text; English on a tie."""
    best, hits = "english", 0
    for lang in LANGUAGES:
        stop = _STOP_BY_LANGUAGE[lang]
        n = sum(1 for tok in tokens if tok in stop)
        if n > hits:
            best, hits = lang, n
    return best


def terms_many(texts: Sequence[str], *, stemmed: bool = True) -> list[tuple[str, ...]]:
    """Each text's distinct terms: content-word unigrams and bigrams within a clause.

    ``stemmed`` (the default) reduces each word to its Snowball stem and returns
    :class:`Terms` (the surface words kept alongside); ``stemmed=False`` only folds a
    plural ``-s`` (the detector before stemming, kept as the benchmarks' baseline).
    """
    out: list[tuple[str, ...]] = []
    for toks in phrase_tokens(texts):
        seen: dict[str, str] = {}
        previous, previous_word = "", ""
        language = _language(toks) if stemmed else "english"
        for tok in toks:
            if tok in _CLAUSE_END:
                previous = ""
                continue
            if tok in STOP or not _WORD.match(tok):
                if tok.startswith("_") or any(c.isdigit() for c in tok):
                    previous = ""  # a number or link breaks a phrase ("charged £45 twice")
                continue
            key = stem(tok, language) if stemmed else _fold(tok)
            seen.setdefault(key, tok)
            if previous and previous != key:
                seen.setdefault(f"{previous} {key}", f"{previous_word} {tok}")
            previous, previous_word = key, tok
        out.append(Terms(seen, seen.values()) if stemmed else tuple(seen))
    return out


def emerging_scores(
    recent_authors: npt.ArrayLike,
    baseline_votes: npt.ArrayLike,
    *,
    recent_share: float | npt.ArrayLike,
    prior_votes: int = 1,
) -> npt.NDArray[np.float64]:
    """-log10 P(at least ``k`` of a term's ``k + b + prior`` votes fall in the recent window).

    ``recent_share`` is the recent window's share of all author-hours (window and baseline):
    one for all terms, or one per term (each term's scan).
    More recent authors never lower the score; fewer baseline votes never lower it either.
    """
    share = np.asarray(recent_share, dtype=np.float64)
    if not ((share > 0) & (share < 1)).all():
        raise ValueError("recent_share: expected a share strictly between 0 and 1")
    from scipy.stats import binom  # imported here: scipy.stats is heavy at start-up

    k = np.asarray(recent_authors, dtype=np.int64)
    b = np.asarray(baseline_votes, dtype=np.int64)
    if (k < 0).any() or (b < 0).any():
        raise ValueError("recent_authors and baseline_votes cannot be negative")
    p = binom.sf(k - 1, k + b + prior_votes, share)
    return np.asarray(-np.log10(np.clip(p, 1e-300, 1.0)), dtype=np.float64)


def scan_grid(since: float, until: float, config: EmergingConfig | None = None) -> list[int]:
    """The scan times in (``since``, ``until``]: every multiple of ``step_minutes`` (Unix s)."""
    step = (config or EmergingConfig()).step_minutes * 60
    first = int(since // step) * step + step
    return list(range(first, int(until // step) * step + 1, step))


def scan_emerging(
    posts: Sequence[Post],
    *,
    scan_times: Iterable[int],
    config: EmergingConfig | None = None,
    history_start: float | None = None,
) -> list[tuple[int, list[EmergingPhrase]]]:
    """The emerging phrases at each scan time (``scan_times``: Unix seconds, window ends).

    The test at time ``T`` reads the posts strictly before ``T``: the window is
    ``[T - window_hours, T)`` and the baseline the ``baseline_days`` before it, whatever the
    other scan times are (:func:`scan_grid` gives the product's, every ``step_minutes``).
    ``posts`` must cover the baseline and window of the first scan. ``history_start`` (Unix
    seconds) is when the data begins (default: the first post); scans with less than
    ``min_baseline_hours`` of history before their window are skipped.

    Computed for all scans at once, not scan by scan: a term's window count changes only
    when one of its votes enters or leaves the window, so each (term, author) contributes
    a few intervals of scans (:func:`_covering`) and the terms with ``min_authors`` voices
    are read off their sums; baseline votes and author-hours are counted by binary search
    (:class:`_Units`). The cost grows with the posts and with the (term, scan) pairs that
    have ``min_authors`` voices, not with one pass over the data per scan.
    """
    cfg = config or EmergingConfig()
    times = np.unique(np.fromiter((int(t) for t in scan_times), dtype=np.int64))
    if not posts or times.size == 0:
        return [(int(t), []) for t in times]
    vocabulary: dict[str, int] = {}
    vote_term: list[int] = []
    vote_post: list[int] = []
    for index, post in enumerate(posts):
        for term in post.terms:
            vote_term.append(vocabulary.setdefault(term, len(vocabulary)))
            vote_post.append(index)
    names = list(vocabulary)
    post_ms = np.floor(np.array([p.at for p in posts], dtype=np.float64) * 1000).astype(np.int64)
    post_author = np.array([p.author for p in posts], dtype=np.int64)
    v_post = np.array(vote_post, dtype=np.int64)
    v_term = np.array(vote_term, dtype=np.int64)
    v_ms, v_author = post_ms[v_post], post_author[v_post]
    # Every vote by time: a window's messages are a slice of these.
    by_time = np.argsort(v_ms, kind="stable")
    t_ms, t_term, t_author, t_post = (
        v_ms[by_time],
        v_term[by_time],
        v_author[by_time],
        v_post[by_time],
    )

    scan_ms = times * 1000
    w_ms = cfg.window_hours * HOUR_MS
    base_ms = cfg.baseline_days * 24 * HOUR_MS
    start_ms = scan_ms - w_ms
    first_hour = int(post_ms.min() // HOUR_MS)
    if history_start is not None:
        first_hour = min(first_hour, int(history_start // HOUR))
    warm = start_ms - first_hour * HOUR_MS >= cfg.min_baseline_hours * HOUR_MS

    # Author-hours in the window and the baseline (the share s), and each term's baseline
    # votes: one unit per (author, clock hour), (term, author, clock hour) with a message in
    # the interval.
    people = _Units(np.zeros_like(post_ms), post_author, post_ms)
    n_recent = people.count(np.zeros_like(scan_ms), start_ms, scan_ms)
    n_base = people.count(np.zeros_like(scan_ms), start_ms - base_ms, start_ms)
    votes = _Units(v_term, v_author, v_ms)
    valid = warm & (n_recent > 0) & (n_base > 0)

    # (term, scan) pairs with at least min_authors distinct authors in the window.
    c_term, c_scan, k = _voiced(v_term, v_author, v_ms, scan_ms, w_ms, cfg.min_authors)
    keep = valid[c_scan]
    c_term, c_scan, k = c_term[keep], c_scan[keep], k[keep]
    out: list[tuple[int, list[EmergingPhrase]]] = [(int(t), []) for t in times]
    if c_term.size == 0:
        return out
    b_votes = votes.count(c_term, start_ms[c_scan] - base_ms, start_ms[c_scan])
    share = n_recent / np.maximum(n_recent + n_base, 1)
    scores = emerging_scores(k, b_votes, recent_share=share[c_scan], prior_votes=cfg.prior_votes)
    # Bonferroni over every term heard in the window or its baseline at that scan.
    if cfg.bonferroni:
        m = _heard(v_term, v_ms, scan_ms, w_ms + base_ms)
        thresholds = -np.log10(cfg.alpha / np.maximum(m, 1))
    else:
        thresholds = np.full(times.size, -math.log10(cfg.alpha))
    hit = scores >= thresholds[c_scan]
    for j in np.unique(c_scan[hit]).tolist():
        rows = np.flatnonzero(hit & (c_scan == j))
        lo, hi = np.searchsorted(t_ms, [start_ms[j], scan_ms[j]])
        r_term, r_author, r_post = t_term[lo:hi], t_author[lo:hi], t_post[lo:hi]
        found: list[_Hit] = []
        for i in rows.tolist():
            t = int(c_term[i])
            sel = r_term == t
            found.append(
                _Hit(
                    term=names[t],
                    authors=int(k[i]),
                    baseline=int(b_votes[i]),
                    expected=float((b_votes[i] + cfg.prior_votes) * n_recent[j] / n_base[j]),
                    score=float(scores[i]),
                    posts=frozenset(r_post[sel].tolist()),
                    author_ids=frozenset(r_author[sel].tolist()),
                )
            )
        phrases = [
            _phrase(
                group, posts, float(thresholds[j]), int(start_ms[j]) / 1000, int(scan_ms[j]) / 1000
            )
            for group in _group(found, cfg.group_overlap)
        ]
        phrases.sort(key=lambda p: (-p.score, p.phrase))
        out[j] = (int(times[j]), phrases)
    return out


class _Units:
    """Units of one vote per (group, author, clock hour), counted over time intervals.

    A unit counts in ``[lo, hi)`` when one of its messages falls there: for an interval not
    aligned to hours, a unit in the clock hour cut by ``lo`` counts if its last message is
    at or after ``lo``, and one in the hour cut by ``hi`` if its first message is before
    ``hi``. For hour-aligned intervals this is the count of (author, hour) votes in those
    hours, as the hourly scan had it. Intervals must be at least an hour long.
    """

    def __init__(
        self,
        group: npt.NDArray[np.int64],
        author: npt.NDArray[np.int64],
        ms: npt.NDArray[np.int64],
    ) -> None:
        order = np.lexsort((ms, author, group))
        g, a, t = group[order], author[order], ms[order]
        hour = t // HOUR_MS
        new = np.ones(t.size, dtype=bool)
        new[1:] = (np.diff(g) != 0) | (np.diff(a) != 0) | (np.diff(hour) != 0)
        starts = np.flatnonzero(new)
        ends = np.append(starts[1:], t.size) - 1
        self.t0 = int(t.min())
        self.span = int(t.max()) - self.t0 + 2
        if (int(g.max()) + 1) * self.span >= 2**62:
            raise ValueError("scan_emerging: too many terms over too long a history for one call")
        unit_group = g[starts]
        self.first = np.sort(unit_group * self.span + (t[starts] - self.t0))
        self.last = np.sort(unit_group * self.span + (t[ends] - self.t0))

    def _key(self, group: npt.NDArray[np.int64], at: npt.NDArray[np.int64]) -> Any:
        return group * self.span + np.clip(at - self.t0, 0, self.span - 1)

    def count(
        self, group: npt.NDArray[np.int64], lo: npt.NDArray[np.int64], hi: npt.NDArray[np.int64]
    ) -> npt.NDArray[np.int64]:
        """Units of ``group[i]`` with a message in ``[lo[i], hi[i])`` (milliseconds)."""
        cut = -(-lo // HOUR_MS) * HOUR_MS  # the first hour boundary at or after lo
        whole = np.searchsorted(self.first, self._key(group, hi)) - np.searchsorted(
            self.first, self._key(group, cut)
        )
        edge = np.searchsorted(self.last, self._key(group, cut)) - np.searchsorted(
            self.last, self._key(group, lo)
        )
        return np.asarray(whole + edge, dtype=np.int64)


def _covering(
    group: npt.NDArray[np.int64],
    ms: npt.NDArray[np.int64],
    scan_ms: npt.NDArray[np.int64],
    reach_ms: int,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """The scans each group's votes are seen by, as disjoint index intervals per group.

    A vote at ``t`` is seen by the scans at ``T`` with ``T - reach <= t < T``: indices
    ``[searchsorted(T, t, right), searchsorted(T, t + reach, right))``. Votes are sorted by
    (group, time), so within a group both ends only grow and overlapping intervals merge.
    Returns (group, first index, end index) of each merged, non-empty interval.
    """
    order = np.lexsort((ms, group))
    g, t = group[order], ms[order]
    i0 = np.searchsorted(scan_ms, t, side="right")
    i1 = np.searchsorted(scan_ms, t + reach_ms, side="right")
    new = np.ones(t.size, dtype=bool)
    new[1:] = (g[1:] != g[:-1]) | (i0[1:] > i1[:-1])
    starts = np.flatnonzero(new)
    ends = np.append(starts[1:], t.size) - 1
    lo, hi = i0[starts], i1[ends]
    keep = hi > lo
    return g[starts][keep], lo[keep], hi[keep]


def _voiced(
    term: npt.NDArray[np.int64],
    author: npt.NDArray[np.int64],
    ms: npt.NDArray[np.int64],
    scan_ms: npt.NDArray[np.int64],
    window_ms: int,
    min_authors: int,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """(term, scan index, distinct authors) for every scan whose window holds at least
    ``min_authors`` distinct authors of the term.

    Each (term, author) is seen by disjoint intervals of scans (:func:`_covering`); a
    term's author count changes only at their ends, so it is a running sum of +1/-1 at
    those ends, constant between them.
    """
    n = scan_ms.size + 1
    _, pair = np.unique(term * (int(author.max()) + 1) + author, return_inverse=True)
    pair = pair.astype(np.int64).ravel()
    term_of = np.empty(int(pair.max()) + 1, dtype=np.int64)
    term_of[pair] = term
    pairs, lo, hi = _covering(pair, ms, scan_ms, window_ms)
    g = term_of[pairs]
    keys = np.concatenate([g * n + lo, g * n + hi])
    steps = np.concatenate([np.ones(lo.size, np.int64), -np.ones(hi.size, np.int64)])
    at, inverse = np.unique(keys, return_inverse=True)
    level = np.cumsum(np.bincount(inverse, weights=steps, minlength=at.size).astype(np.int64))
    # A term's level is back to 0 at its last key, so a voiced key is never a term's last.
    voiced = np.flatnonzero(level >= min_authors)
    first, last = at[voiced] % n, at[voiced + 1] % n
    lengths = last - first
    total = int(lengths.sum())
    offsets = np.arange(total) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    return (
        np.repeat(at[voiced] // n, lengths),
        np.repeat(first, lengths) + offsets,
        np.repeat(level[voiced], lengths),
    )


def _heard(
    term: npt.NDArray[np.int64],
    ms: npt.NDArray[np.int64],
    scan_ms: npt.NDArray[np.int64],
    reach_ms: int,
) -> npt.NDArray[np.int64]:
    """Per scan, the terms with a vote in the ``reach_ms`` before it (the family size)."""
    _, lo, hi = _covering(term, ms, scan_ms, reach_ms)
    change = np.zeros(scan_ms.size + 1, dtype=np.int64)
    np.add.at(change, lo, 1)
    np.add.at(change, hi, -1)
    return np.cumsum(change)[:-1]


@dataclass(frozen=True, slots=True)
class _Hit:
    term: str
    authors: int
    baseline: int
    expected: float
    score: float
    posts: frozenset[int]
    author_ids: frozenset[int]


def _group(hits: list[_Hit], overlap: float) -> list[list[_Hit]]:
    """Union of terms whose message sets overlap by ``overlap`` of the smaller one."""
    parent = list(range(len(hits)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(hits)):
        for j in range(i + 1, len(hits)):
            shared = len(hits[i].posts & hits[j].posts)
            if shared >= overlap * min(len(hits[i].posts), len(hits[j].posts)):
                parent[root(j)] = root(i)
    groups: dict[int, list[_Hit]] = {}
    for i, hit in enumerate(hits):
        groups.setdefault(root(i), []).append(hit)
    return list(groups.values())


def _phrase(
    group: list[_Hit], posts: Sequence[Post], threshold: float, start: float, end: float
) -> EmergingPhrase:
    most = max(h.authors for h in group)
    single = {h.term: h.score for h in group if " " not in h.term}
    members: set[int] = set().union(*(h.posts for h in group))
    ordered = sorted(members, key=lambda i: (posts[i].at, posts[i].id))
    said_first = {t: -i for i, t in enumerate(posts[ordered[0]].terms)}

    def telling(h: _Hit) -> tuple[int, float, float, int, int]:
        # The longest term most of the group says names it ("charged twice" over "twice");
        # among bigrams, the one whose words are both new ("charged twice" over "twice
        # ticket"); then the strongest; then the one the first message said first.
        words = h.term.split(" ")
        return (
            len(words),
            min(single.get(w, 0.0) for w in words),
            h.score,
            h.authors,
            said_first.get(h.term, -len(said_first)),
        )

    name = max((h for h in group if 2 * h.authors >= most), key=telling)
    others = sorted((h for h in group if h is not name), key=lambda h: (-h.score, h.term))
    authors: set[int] = set().union(*(h.author_ids for h in group))
    shown = _surface(group, posts)
    return EmergingPhrase(
        phrase=shown[name.term],
        terms=(shown[name.term], *(shown[h.term] for h in others)),
        authors=len(authors),
        expected=name.expected,
        baseline_votes=name.baseline,
        score=max(h.score for h in group),
        threshold=threshold,
        window_start=start,
        window_end=end,
        message_ids=tuple(posts[i].id for i in ordered),
        message_times=tuple(posts[i].at for i in ordered),
    )


def _surface(group: list[_Hit], posts: Sequence[Post]) -> dict[str, str]:
    """Each term's most common surface form in its messages of the window (the earliest
    said on a tie); a term is its own surface when the posts carry no :class:`Terms`."""
    out: dict[str, str] = {}
    for hit in group:
        counts: dict[str, int] = {}
        for i in sorted(hit.posts, key=lambda i: (posts[i].at, posts[i].id)):
            terms = posts[i].terms
            if isinstance(terms, Terms):
                word = terms.surface[terms.index(hit.term)]
                counts[word] = counts.get(word, 0) + 1
        out[hit.term] = max(counts, key=counts.__getitem__) if counts else hit.term
    return out


def same_story(
    terms: Iterable[str],
    message_ids: Iterable[int],
    *,
    alert_terms: Iterable[str],
    alert_ids: Iterable[int],
) -> bool:
    """Whether a phrase found now continues an alert: a term in common, or at least half of
    its messages already drive the alert ("double charged" said by the people whose
    "charged twice" opened it)."""
    ids = set(message_ids)
    if set(terms).intersection(alert_terms):
        return True
    return bool(ids) and 2 * len(ids.intersection(alert_ids)) >= len(ids)
