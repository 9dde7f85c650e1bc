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
* **Votes.** One vote per author per term per hour, so one person repeating a phrase is one
  voice. The recent window (``window_hours``) counts *distinct* authors.
* **Test.** For each term, ``k`` recent authors and ``b`` baseline votes (the trailing
  ``baseline_days`` before the window), plus ``prior_votes`` pseudo-votes so a term never
  seen before counts as seen once. If nothing changed, each of the term's ``n = k + b +
  prior`` votes falls in the recent window with probability ``s = N_r / (N_r + N_b)``, the
  recent window's share of all author-hours; the p-value is the binomial tail
  ``P(Bin(n, s) >= k)`` (the exact conditional test for two Poisson rates). The volume of
  the hour is in ``s``, so a busy morning does not make every word trend.
* **Multiple tests.** Every term seen in the baseline or the recent window is a
  hypothesis; a term alarms when ``p <= alpha / m`` (Bonferroni over those ``m`` terms) and
  at least ``min_authors`` distinct authors used it.
* **Grouping.** Alarming terms that share most of their messages ("twice", "charged
  twice", "charged") are one phrase: the longest term carried by at least half the
  group's authors names it, the others are its companions.

Only messages before the scan time are read. Pure Python/NumPy; scipy for the tail.
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
    "stem",
    "terms_many",
]

HOUR = 3600

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
    recent_share: float,
    prior_votes: int = 1,
) -> npt.NDArray[np.float64]:
    """-log10 P(at least ``k`` of a term's ``k + b + prior`` votes fall in the recent window).

    ``recent_share`` is the recent window's share of all author-hours (window and baseline).
    More recent authors never lower the score; fewer baseline votes never lower it either.
    """
    if not 0 < recent_share < 1:
        raise ValueError("recent_share: expected a share strictly between 0 and 1")
    from scipy.stats import binom  # imported here: scipy.stats is heavy at start-up

    k = np.asarray(recent_authors, dtype=np.int64)
    b = np.asarray(baseline_votes, dtype=np.int64)
    if (k < 0).any() or (b < 0).any():
        raise ValueError("recent_authors and baseline_votes cannot be negative")
    p = binom.sf(k - 1, k + b + prior_votes, recent_share)
    return np.asarray(-np.log10(np.clip(p, 1e-300, 1.0)), dtype=np.float64)


def scan_emerging(
    posts: Sequence[Post],
    *,
    scan_hours: Iterable[int],
    config: EmergingConfig | None = None,
    history_start: float | None = None,
) -> list[tuple[int, list[EmergingPhrase]]]:
    """The emerging phrases at each scan time (``scan_hours``: Unix hours, window ends).

    ``posts`` must cover ``baseline_days + window_hours`` before the first scan; only posts
    before each scan time are used for it. ``history_start`` (Unix seconds) is when the data
    begins (default: the first post); scans with less than ``min_baseline_hours`` of
    history before their window are skipped.
    """
    cfg = config or EmergingConfig()
    scans = sorted(set(scan_hours))
    if not posts or not scans:
        return [(h, []) for h in scans]
    vocabulary: dict[str, int] = {}
    vote_term: list[int] = []
    vote_post: list[int] = []
    for index, post in enumerate(posts):
        for term in post.terms:
            vote_term.append(vocabulary.setdefault(term, len(vocabulary)))
            vote_post.append(index)
    names = list(vocabulary)
    post_hour = np.array([int(p.at // HOUR) for p in posts], dtype=np.int64)
    post_author = np.array([p.author for p in posts], dtype=np.int64)
    # Every vote, by hour (the recent window's messages are read from these).
    v_post = np.array(vote_post, dtype=np.int64)
    v_term = np.array(vote_term, dtype=np.int64)
    order = np.argsort(post_hour[v_post], kind="stable")
    v_post, v_term = v_post[order], v_term[order]
    v_hour, v_author = post_hour[v_post], post_author[v_post]
    # One vote per (term, hour, author), sorted by term then hour under one integer key:
    # baseline counts and the family size are binary searches on it.
    h0 = int(post_hour.min())
    span = int(post_hour.max()) - h0 + 2
    by_term = np.lexsort((v_author, v_hour, v_term))
    t_s, h_s, a_s = v_term[by_term], v_hour[by_term], v_author[by_term]
    first = np.ones(t_s.size, dtype=bool)
    first[1:] = (np.diff(t_s) != 0) | (np.diff(h_s) != 0) | (np.diff(a_s) != 0)
    key = t_s[first] * span + (h_s[first] - h0)
    # Author-hours per hour (cumulative), for the recent window's share.
    pairs = np.unique(post_hour * (int(post_author.max()) + 1) + post_author)
    ah_hours, ah_counts = np.unique(pairs // (int(post_author.max()) + 1), return_counts=True)
    ah_cum = np.concatenate([[0], np.cumsum(ah_counts)])
    first_start = int(post_hour.min()) if history_start is None else int(history_start // HOUR)
    first_start = min(first_start, int(post_hour.min()))

    def offset(hour: int) -> int:
        return int(np.clip(hour - h0, 0, span - 1))

    def author_hours(since: int, until: int) -> int:
        a, b = np.searchsorted(ah_hours, [since, until])
        return int(ah_cum[b] - ah_cum[a])

    def baseline_votes(terms: npt.NDArray[np.int64], since: int, until: int) -> Any:
        lo = np.searchsorted(key, terms * span + offset(since))
        return np.searchsorted(key, terms * span + offset(until)) - lo

    def family(since: int, until: int) -> int:
        """Terms with a vote in [since, until)."""
        return int(
            np.count_nonzero(baseline_votes(np.arange(len(names), dtype=np.int64), since, until))
        )

    w = cfg.window_hours
    base = cfg.baseline_days * 24

    out: list[tuple[int, list[EmergingPhrase]]] = []
    for end in scans:
        start = end - w
        base_start = start - base
        if start - first_start < cfg.min_baseline_hours:
            out.append((end, []))
            continue
        n_recent = author_hours(start, end)
        n_base = author_hours(max(base_start, first_start), start)
        if n_recent == 0 or n_base == 0:
            out.append((end, []))
            continue
        a, b = np.searchsorted(v_hour, [start, end])
        r_term, r_author, r_post = v_term[a:b], v_author[a:b], v_post[a:b]
        said = np.unique(r_term * (int(post_author.max()) + 1) + r_author)
        cand_terms, k = np.unique(said // (int(post_author.max()) + 1), return_counts=True)
        keep = k >= cfg.min_authors
        cand_terms, k = cand_terms[keep], k[keep]
        if cand_terms.size == 0:
            out.append((end, []))
            continue
        b_votes = baseline_votes(cand_terms, base_start, start)
        share = n_recent / (n_recent + n_base)
        scores = emerging_scores(k, b_votes, recent_share=share, prior_votes=cfg.prior_votes)
        # Bonferroni over every term heard in the window or its baseline (m >= 1, so no
        # term below -log10(alpha) can pass and the count is skipped).
        if scores.max() < -math.log10(cfg.alpha):
            out.append((end, []))
            continue
        m = max(family(base_start, end), 1) if cfg.bonferroni else 1
        threshold = -math.log10(cfg.alpha / m)
        hits = np.flatnonzero(scores >= threshold)
        if hits.size == 0:
            out.append((end, []))
            continue
        found: list[_Hit] = []
        for i in hits.tolist():
            t = int(cand_terms[i])
            sel = r_term == t
            found.append(
                _Hit(
                    term=names[t],
                    authors=int(k[i]),
                    baseline=int(b_votes[i]),
                    expected=float((b_votes[i] + cfg.prior_votes) * n_recent / n_base),
                    score=float(scores[i]),
                    posts=frozenset(r_post[sel].tolist()),
                    author_ids=frozenset(r_author[sel].tolist()),
                )
            )
        phrases = [
            _phrase(group, posts, threshold, start, end)
            for group in _group(found, cfg.group_overlap)
        ]
        phrases.sort(key=lambda p: (-p.score, p.phrase))
        out.append((end, phrases))
    return out


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
    group: list[_Hit], posts: Sequence[Post], threshold: float, start: int, end: int
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
        window_start=float(start * HOUR),
        window_end=float(end * HOUR),
        message_ids=tuple(posts[i].id for i in ordered),
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
