"""Emerging phrases: the terms, the test's maths, and the scan on planted bursts."""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from goodwill.analysis.emerging import (
    LANGUAGES,
    EmergingConfig,
    EmergingPhrase,
    Post,
    Terms,
    _group,
    _Hit,
    _phrase,
    emerging_scores,
    same_story,
    scan_emerging,
    scan_grid,
    stem,
    terms_many,
)
from goodwill.analysis.tests.chatter import FILLER

HOUR = 3600
WORDS = [*FILLER, "bag", "delay", "refund", "app", "booking", "staff", "food"]


# ----------------------------------------------------------------------------- terms


def test_terms_are_content_unigrams_and_bigrams_without_numbers_links_or_handles() -> None:
    (terms,) = terms_many(
        ["@Brand I've been CHARGED twice for 2 bookings!! £45 gone https://x.co/a #fail"]
    )
    assert isinstance(terms, Terms)
    said = set(terms.surface)
    assert "charged" in said and "twice" in said and "charged twice" in said
    assert "bookings" in said and stem("bookings") == stem("booking") in terms  # one term
    assert "fail" in terms
    assert dict(zip(terms, terms.surface, strict=True))["charg twice"] == "charged twice"
    assert not any(any(c.isdigit() for c in t) for t in [*terms, *said])
    assert not any("http" in t or t == "brand" or t.startswith("_") for t in terms)
    assert "been" not in said and "i've" not in said  # stop words


def test_without_stemming_only_a_plural_is_folded() -> None:
    (terms,) = terms_many(["charged twice for 2 bookings, charging"], stemmed=False)
    assert not isinstance(terms, Terms)
    assert {"charged", "twice", "charged twice", "booking", "charging"} <= set(terms)


def test_bigrams_skip_stop_words_but_not_clauses_or_numbers() -> None:
    (a,) = terms_many(["they charged me twice"])
    assert "charged twice" in a.surface  # type: ignore[attr-defined]
    (b,) = terms_many(["charged. Twice the fun"])
    assert "charged twice" not in b.surface  # type: ignore[attr-defined]
    (c,) = terms_many(["charged 3 twice"])
    assert "charged twice" not in c.surface  # type: ignore[attr-defined]


def test_other_languages_stop_words_are_dropped_and_words_stemmed_in_that_language() -> None:
    (es,) = terms_many(["me cobraron dos veces el mismo vuelo"])
    assert "el" not in es.surface and "cobraron" in es.surface  # type: ignore[attr-defined]
    assert stem("vuelo", "spanish") in es and stem("vuelos", "spanish") in es
    (de,) = terms_many(["mir wurde der Flug doppelt abgebucht"])
    assert "der" not in de.surface and "doppelt abgebucht" in de.surface  # type: ignore[attr-defined]
    assert "flug" in de and stem("Flüge".lower(), "german") == "flug"


def test_stem_rejects_an_unknown_language() -> None:
    with pytest.raises(ValueError, match="klingon"):
        stem("charged", "klingon")


WORD = st.text(alphabet=st.characters(categories=["Ll"]), min_size=1, max_size=20)


@given(WORD, st.sampled_from(LANGUAGES))
@settings(max_examples=300, deadline=None)
def test_stemming_is_idempotent_on_its_output(word: str, language: str) -> None:
    once = stem(word, language)
    assert stem(once, language) == once
    assert once  # never an empty term


FAMILIES = [
    ("charge", "charged", "charges", "charging"),
    ("cancel", "cancelled", "cancels", "cancelling"),
    ("refund", "refunded", "refunds", "refunding"),
    ("crash", "crashed", "crashes", "crashing"),
    ("delay", "delayed", "delays", "delaying"),
]


@given(
    st.sampled_from(FAMILIES),
    st.lists(st.integers(0, 3), min_size=3, max_size=8),
    st.lists(st.integers(1, 4), min_size=3, max_size=8),
)
@settings(max_examples=15, deadline=None)
def test_a_term_and_its_inflections_count_as_one_term_per_author(
    family: tuple[str, ...], forms: list[int], authors: list[int]
) -> None:
    # Authors say any inflection of one word in the scan's window, over a baseline of
    # chatter: the word's distinct authors are counted once each, whatever form they used.
    n = min(len(forms), len(authors))
    texts = [f"{family[forms[i]]} again today" for i in range(n)]
    terms = terms_many(texts)
    assert len({t[0] for t in terms}) == 1  # one stem, whatever the form
    posts = _CHATTER
    burst = [
        Post(id=10**7 + i, at=(DAYS * 24 - 2) * HOUR + 60 * i, author=1000 + authors[i], terms=t)
        for i, t in enumerate(terms)
    ]
    found = _by_hour(scan_emerging(_with(posts, burst), scan_times=[DAYS * 24 * HOUR], config=CFG))[
        DAYS * 24
    ]
    distinct = len(set(authors[:n]))
    if distinct < CFG.min_authors:
        assert found == []
        return
    (phrase,) = found
    assert phrase.authors == distinct
    said = {family[forms[i]] for i in range(n)} | {"again", "today"}
    assert all(set(t.split(" ")) <= said for t in phrase.terms)  # shown as said, not stems


def test_a_phrase_is_shown_in_its_most_common_surface_form() -> None:
    posts = _chatter(random.Random(8), DAYS * 24, 4)
    texts = ["they charged me twice", "charging twice again", "charged twice!!", "charged twice"]
    burst = [
        Post(id=10**7 + i, at=(DAYS * 24 - 2) * HOUR + 60 * i, author=2000 + i, terms=t)
        for i, t in enumerate(terms_many(texts))
    ]
    (phrase,) = _by_hour(
        scan_emerging(_with(posts, burst), scan_times=[DAYS * 24 * HOUR], config=CFG)
    )[DAYS * 24]
    assert phrase.phrase == "charged twice"
    assert phrase.authors == 4
    assert "charg" not in " ".join(phrase.terms).replace("charged", "").replace("charging", "")


@given(st.lists(st.text(max_size=200), max_size=20))
@settings(max_examples=100, deadline=None)
def test_terms_of_any_text_are_lowercase_words_without_digits(texts: list[str]) -> None:
    out = terms_many(texts)
    assert len(out) == len(texts)
    for terms in out:
        assert len(set(terms)) == len(terms)
        for term in terms:
            assert 1 <= len(term.split(" ")) <= 2
            assert term == term.lower() or term.lower() != term.casefold()
            assert not any(c.isdigit() for c in term)


# ----------------------------------------------------------------------------- maths

counts = st.integers(min_value=0, max_value=200)
shares = st.floats(min_value=1e-4, max_value=0.5)


@given(k=counts, b=counts, share=shares)
@settings(max_examples=150, deadline=None)
def test_more_recent_authors_never_lower_the_score(k: int, b: int, share: float) -> None:
    low, high = emerging_scores([k, k + 1], [b, b], recent_share=share)
    assert high >= low - 1e-9


@given(k=counts, b=counts, share=shares)
@settings(max_examples=150, deadline=None)
def test_more_baseline_votes_never_raise_the_score(k: int, b: int, share: float) -> None:
    fewer, more = emerging_scores([k, k], [b, b + 1], recent_share=share)
    assert more <= fewer + 1e-9


@given(b=st.integers(min_value=0, max_value=500), share=shares)
@settings(max_examples=150, deadline=None)
def test_a_term_at_its_baseline_rate_never_alarms(b: int, share: float) -> None:
    # At the baseline rate, k recent authors for b baseline votes: k / b = share / (1 - share).
    k = int(b * share / (1 - share))
    (score,) = emerging_scores([k], [b], recent_share=share)
    assert score < -np.log10(0.5) + 1e-9  # p >= 0.5: nowhere near any alpha


def test_a_never_seen_term_needs_several_voices() -> None:
    one, three = emerging_scores([1, 3], [0, 0], recent_share=0.01)
    assert one < 2.0  # one new word is a 2% event here, never an alarm after correction
    assert three > 5.0


def test_scores_reject_bad_input() -> None:
    with pytest.raises(ValueError, match="recent_share"):
        emerging_scores([1], [1], recent_share=1.0)
    with pytest.raises(ValueError, match="negative"):
        emerging_scores([-1], [1], recent_share=0.1)
    with pytest.raises(ValueError, match="alpha"):
        EmergingConfig(alpha=0)


# ----------------------------------------------------------------------------- scan


def _chatter(rng: random.Random, hours: int, per_hour: int, start: int = 0) -> list[Post]:
    posts: list[Post] = []
    for h in range(start, start + hours):
        for _ in range(per_hour):
            text = " ".join(rng.sample(WORDS, 5))
            posts.append(
                Post(
                    id=len(posts) + h * 1000,
                    at=h * HOUR + rng.random() * HOUR,
                    author=rng.randrange(1, 400),
                    terms=terms_many([text])[0],
                )
            )
    return posts


def _times(hours: Iterable[int]) -> list[int]:
    return [h * HOUR for h in hours]


def _by_hour(found: list[tuple[int, list[EmergingPhrase]]]) -> dict[int, list[EmergingPhrase]]:
    return {t // HOUR: phrases for t, phrases in found}


def _with(posts: list[Post], extra: list[Post]) -> list[Post]:
    return sorted([*posts, *extra], key=lambda p: p.at)


def _burst(hour: int, authors: list[int], text: str, first_id: int = 10**7) -> list[Post]:
    (terms,) = terms_many([text])
    return [
        Post(id=first_id + i, at=hour * HOUR + 60 * i, author=a, terms=terms)
        for i, a in enumerate(authors)
    ]


DAYS = 31  # the default baseline is 28 days: three voices from nowhere stand out of it
CFG = EmergingConfig()
_CHATTER = _chatter(random.Random(7), DAYS * 24, 2)  # shared by the hypothesis examples


def test_ordinary_chatter_alarms_at_most_at_the_nominal_rate() -> None:
    # alpha bounds the chance of a false phrase per scan (over all terms tested): with 5-word
    # posts over 30 words, some of the ~900 bigrams are rare by chance and then recur.
    posts = _chatter(random.Random(1), DAYS * 24, 4)
    for cfg in (CFG, replace(CFG, step_minutes=60)):  # every 5 minutes, and every hour
        grid = scan_grid(24 * 2 * HOUR, DAYS * 24 * HOUR, cfg)
        found = scan_emerging(posts, scan_times=grid, config=cfg)
        alarms = sum(1 for _, phrases in found if phrases)
        assert alarms <= cfg.alpha * len(found)


def test_a_new_phrase_from_three_people_alarms_once_grouped_with_its_words() -> None:
    posts = _chatter(random.Random(2), DAYS * 24, 4)
    burst = _burst(DAYS * 24 - 3, [1001, 1002, 1003], "you charged me twice for one ticket")
    found = _by_hour(scan_emerging(_with(posts, burst), scan_times=[DAYS * 24 * HOUR], config=CFG))
    (phrase,) = found[DAYS * 24]
    assert phrase.phrase == "charged twice"
    assert {"charged", "twice"} <= set(phrase.terms)
    assert phrase.authors == 3
    assert set(phrase.message_ids) == {p.id for p in burst}
    assert phrase.score >= phrase.threshold


def test_one_person_repeating_a_phrase_is_one_voice() -> None:
    posts = _chatter(random.Random(3), DAYS * 24, 4)
    burst = _burst(DAYS * 24 - 3, [1001] * 6, "you charged me twice for one ticket")
    found = _by_hour(scan_emerging(_with(posts, burst), scan_times=[DAYS * 24 * HOUR], config=CFG))
    assert found[DAYS * 24] == []


def test_a_phrase_common_in_the_baseline_does_not_alarm() -> None:
    rng = random.Random(4)
    posts = _chatter(rng, DAYS * 24, 4)
    usual = [
        p
        for h in range(0, DAYS * 24 - 3, 4)
        for p in _burst(h, [rng.randrange(1, 400)], "charged twice again", first_id=h * 10**4)
    ]
    burst = _burst(DAYS * 24 - 3, [1001, 1002, 1003], "charged twice again")
    found = _by_hour(
        scan_emerging(_with(posts, [*usual, *burst]), scan_times=[DAYS * 24 * HOUR], config=CFG)
    )
    assert found[DAYS * 24] == []


def test_the_scan_only_reads_messages_before_its_time() -> None:
    posts = _chatter(random.Random(5), DAYS * 24, 4)
    burst = _burst(DAYS * 24 - 1, [1001, 1002, 1003], "charged me twice")
    both = _with(posts, burst)
    hours = range(DAYS * 24 - 6, DAYS * 24 + 1)
    scans = _by_hour(scan_emerging(both, scan_times=_times(hours), config=CFG))
    alone = _by_hour(scan_emerging(posts, scan_times=_times(hours), config=CFG))
    for h in hours:
        if h < DAYS * 24:
            assert scans[h] == alone[h]
    assert scans[DAYS * 24]


def test_no_test_before_the_warm_up() -> None:
    burst = _burst(2, [1, 2, 3, 4, 5], "charged me twice")
    posts = _with(_chatter(random.Random(6), 6, 8), burst)
    found = scan_emerging(posts, scan_times=_times(range(1, 7)), config=CFG)
    assert all(not phrases for _, phrases in found)


def test_same_story_by_a_shared_term_or_mostly_the_same_messages() -> None:
    assert same_story(["double charged", "double"], [7, 8], alert_terms=["double"], alert_ids=[])
    assert same_story(["double charged"], [1, 2, 9], alert_terms=["twice"], alert_ids=[1, 2, 3])
    assert not same_story(["double charged"], [1, 8, 9], alert_terms=["twice"], alert_ids=[1, 2])
    assert not same_story([], [], alert_terms=["twice"], alert_ids=[1])


# ----------------------------------------------------------------------------- sub-hour scans


def _reference(
    posts: list[Post], at: int, cfg: EmergingConfig, *, hours: bool = False
) -> list[EmergingPhrase]:
    """The scan at ``at`` (Unix seconds) computed directly from its definition, post by post.

    ``hours=True`` is the hourly detector as it was before sub-hour scans: the window is the
    ``window_hours`` clock hours before ``at`` (an hour boundary) and every count is read
    from posts by their hour, ``int(at // 3600)``.
    """
    w, base = cfg.window_hours * HOUR, cfg.baseline_days * 24 * HOUR
    start = at - w

    def within(p: Post, lo: float, hi: float) -> bool:
        if hours:
            return lo // HOUR <= p.at // HOUR < hi // HOUR
        return lo <= p.at < hi

    first_hour = min(p.at for p in posts) // HOUR
    if start - first_hour * HOUR < cfg.min_baseline_hours * HOUR:
        return []
    recent = [p for p in posts if within(p, start, at)]
    baseline = [p for p in posts if within(p, start - base, start)]
    n_recent = len({(p.author, p.at // HOUR) for p in recent})
    n_base = len({(p.author, p.at // HOUR) for p in baseline})
    if not n_recent or not n_base:
        return []
    heard = {t for p in [*recent, *baseline] for t in p.terms}
    authors: dict[str, set[int]] = {}
    for p in recent:
        for t in p.terms:
            authors.setdefault(t, set()).add(p.author)
    terms = sorted(t for t, a in authors.items() if len(a) >= cfg.min_authors)
    if not terms:
        return []
    votes = [len({(p.author, p.at // HOUR) for p in baseline if t in p.terms}) for t in terms]
    k = [len(authors[t]) for t in terms]
    share = n_recent / (n_recent + n_base)
    scores = emerging_scores(k, votes, recent_share=share, prior_votes=cfg.prior_votes)
    m = len(heard) if cfg.bonferroni else 1
    threshold = -np.log10(cfg.alpha / m)
    index = {id(p): i for i, p in enumerate(posts)}
    hits = [
        _Hit(
            term=t,
            authors=k[i],
            baseline=votes[i],
            expected=float((votes[i] + cfg.prior_votes) * n_recent / n_base),
            score=float(scores[i]),
            posts=frozenset(index[id(p)] for p in recent if t in p.terms),
            author_ids=frozenset(p.author for p in recent if t in p.terms),
        )
        for i, t in enumerate(terms)
        if scores[i] >= threshold
    ]
    window = (start // HOUR * HOUR, at // HOUR * HOUR) if hours else (start, at)
    phrases = [
        _phrase(g, posts, float(threshold), float(window[0]), float(window[1]))
        for g in _group(hits, cfg.group_overlap)
    ]
    return sorted(phrases, key=lambda p: (-p.score, p.phrase))


SMALL = EmergingConfig(
    window_hours=2, baseline_days=1, min_authors=2, alpha=0.2, min_baseline_hours=6
)
VOCABULARY = ["refund", "twice", "charged twice", "app", "late", "bag", "bag lost"]


@st.composite
def small_histories(draw: st.DrawFn) -> tuple[list[Post], list[int]]:
    """A day and a half of posts over a few terms and authors, and scan times at any second
    (aligned or not), some inside the last hours where bursts are drawn."""
    n = draw(st.integers(20, 120))
    span = 36 * HOUR
    posts = []
    for i in range(n):
        at = (
            draw(st.floats(0, span - 1, allow_nan=False))
            if i % 3
            else draw(
                st.sampled_from([k * 1800.0 for k in range(72)])  # also exactly on boundaries
            )
        )
        terms = draw(st.lists(st.sampled_from(VOCABULARY), min_size=1, max_size=3, unique=True))
        posts.append(Post(id=i, at=at, author=draw(st.integers(1, 8)), terms=tuple(terms)))
    posts.sort(key=lambda p: (p.at, p.id))
    times = draw(
        st.lists(
            st.one_of(
                st.integers(30 * HOUR, span + HOUR), st.integers(60, 74).map(lambda h: h * 1800)
            ),
            min_size=1,
            max_size=12,
        )
    )
    return posts, times


@given(small_histories(), st.sampled_from([1, 2, 3]), st.booleans())
@settings(max_examples=120, deadline=None)
def test_every_scan_is_its_definition_whatever_the_other_scans(
    history: tuple[list[Post], list[int]], window: int, bonferroni: bool
) -> None:
    # Counted from the definition, post by post (window [T - w, T), baseline before it, one
    # vote per author and clock hour with a message in the interval), and by one call over
    # all scan times, and by one call per scan time: the same phrases.
    posts, times = history
    cfg = replace(SMALL, window_hours=window, bonferroni=bonferroni)
    together = scan_emerging(posts, scan_times=times, config=cfg)
    assert [t for t, _ in together] == sorted(set(times))
    for at, phrases in together:
        assert phrases == _reference(posts, at, cfg)
        assert scan_emerging(posts, scan_times=[at], config=cfg) == [(at, phrases)]


def test_hourly_steps_are_the_hourly_detector_as_it_was() -> None:
    # step_minutes = 60 reproduces the detector that scanned at the end of every hour: on
    # chatter with planted bursts at every minute of an hour, each hourly scan equals the
    # hour-bucket definition, and the grid is the hours.
    rng = random.Random(11)
    posts = _chatter(rng, DAYS * 24, 4)
    bursts = [
        p
        for i, hour in enumerate(range(DAYS * 24 - 30, DAYS * 24, 5))
        for p in _burst(
            hour, [3000 + 10 * i + j for j in range(3 + i % 3)], "charged me twice", 10**7 * (i + 1)
        )
    ]
    posts = _with(posts, bursts)
    hourly = replace(CFG, step_minutes=60)
    grid = scan_grid((DAYS * 24 - 32) * HOUR + 1, DAYS * 24 * HOUR, hourly)
    assert grid == _times(range(DAYS * 24 - 31, DAYS * 24 + 1))
    found = scan_emerging(posts, scan_times=grid, config=hourly)
    assert sum(1 for _, phrases in found if phrases) >= 6
    for at, phrases in found:
        assert phrases == _reference(posts, at, hourly, hours=True)


def test_five_minute_scans_hear_a_phrase_as_its_third_voice_arrives() -> None:
    # Voices at 10:05, 10:20 and 10:35: the hourly scan hears them at 11:00, the 5-minute
    # one at 10:40, the first scan whose window holds all three.
    base = DAYS * 24 - 4
    posts = _with(
        _chatter(random.Random(12), DAYS * 24, 4),
        [
            Post(id=10**7 + i, at=base * HOUR + 300 + 900 * i, author=5000 + i, terms=t)
            for i, t in enumerate(terms_many(["they charged me twice"] * 3))
        ],
    )
    grid = scan_grid((base - 1) * HOUR, (base + 2) * HOUR, CFG)
    assert grid[1] - grid[0] == 300
    first = next(at for at, phrases in scan_emerging(posts, scan_times=grid, config=CFG) if phrases)
    assert first == base * HOUR + 40 * 60
    hourly = replace(CFG, step_minutes=60)
    grid = scan_grid((base - 1) * HOUR, (base + 2) * HOUR, hourly)
    found = scan_emerging(posts, scan_times=grid, config=hourly)
    assert next(at for at, phrases in found if phrases) == (base + 1) * HOUR


def test_the_step_divides_the_hour() -> None:
    with pytest.raises(ValueError, match="step_minutes"):
        EmergingConfig(step_minutes=7)
    assert scan_grid(0, 3600, EmergingConfig(step_minutes=15)) == [900, 1800, 2700, 3600]
