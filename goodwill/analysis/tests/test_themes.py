"""Theme discovery on planted phrases: found when new, ignored when old or covered."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from goodwill.analysis.tests.chatter import FILLER
from goodwill.analysis.themes import Theme, discover_themes, phrase_tokens, uncovered


def _chatter(rng: random.Random, n: int) -> list[str]:
    return [" ".join(rng.choices(FILLER, k=rng.randint(4, 9))) for _ in range(n)]


def _plant(rng: random.Random, texts: list[str], phrase: str, n: int) -> list[int]:
    where = rng.sample(range(len(texts)), n)
    for i in where:
        words = texts[i].split()
        at = rng.randint(0, len(words))
        texts[i] = " ".join([*words[:at], phrase, *words[at:]])
    return sorted(where)


# Words the normaliser keeps as they are ("zzzz" would be read as "zz").
WORD = st.text(alphabet="bcdfghjklmnpqrstvwxz", min_size=4, max_size=8).filter(
    lambda w: phrase_tokens([w]) == [[w]]
)
# With the default alpha (0.01) about 1% of random windows hold one chance theme; these
# tests assert "nothing else", over many examples, so they ask for a stricter bound.
STRICT = 1e-6
# Failures are reported unshrunk: each example runs the whole discovery (~0.1 s), and
# shrinking one can take minutes.
FAST = (Phase.explicit, Phase.reuse, Phase.generate)


@settings(max_examples=25, deadline=None, phases=FAST, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    words=st.lists(WORD, min_size=2, max_size=3, unique=True),
    planted=st.integers(15, 40),
)
def test_a_planted_new_phrase_is_found_with_exact_counts(
    seed: int, words: list[str], planted: int
) -> None:
    rng = random.Random(seed)
    phrase = " ".join(words)
    recent = _chatter(rng, 300)
    baseline = _chatter(rng, 1200)
    where = _plant(rng, recent, phrase, planted)
    ids = [1000 + i for i in range(len(recent))]
    themes = discover_themes(recent, baseline, recent_ids=ids, alpha=STRICT)
    assert themes, "nothing found"
    top = themes[0]
    assert top.phrase == phrase  # the whole phrase, not one of its words
    assert top.recent_count == planted and top.baseline_count == 0
    assert top.example_ids == tuple(ids[i] for i in where[:5])
    # Nothing else is reported as a theme: the filler is as common before as now.
    assert [t.phrase for t in themes] == [phrase]


@settings(max_examples=15, deadline=None, phases=FAST)
@given(seed=st.integers(0, 10_000), words=st.lists(WORD, min_size=2, max_size=2, unique=True))
def test_a_phrase_as_common_before_is_not_a_theme(seed: int, words: list[str]) -> None:
    rng = random.Random(seed)
    phrase = " ".join(words)
    recent, baseline = _chatter(rng, 300), _chatter(rng, 1200)
    _plant(rng, recent, phrase, 20)
    _plant(rng, baseline, phrase, 80)
    assert discover_themes(recent, baseline, alpha=STRICT) == []


def test_a_phrase_containing_a_topic_keyword_is_covered() -> None:
    rng = random.Random(7)
    recent, baseline = _chatter(rng, 300), _chatter(rng, 1000)
    _plant(rng, recent, "app crashes", 30)
    _plant(rng, recent, "dark mode", 30)
    found = [t.phrase for t in discover_themes(recent, baseline, covered=["App", "crashes"])]
    assert found == ["dark mode"]  # "app crashes", "app" and "crashes" are all covered
    everything = [t.phrase for t in discover_themes(recent, baseline)]
    assert "dark mode" in everything and any("crashes" in p for p in everything)


def test_rare_phrases_and_placeholders_are_not_themes() -> None:
    rng = random.Random(3)
    recent, baseline = _chatter(rng, 300), _chatter(rng, 1000)
    _plant(rng, recent, "zorbly", 4)  # fewer than min_count
    _plant(rng, recent, "see https://example.com/x 12345 @someone", 40)
    assert [t.phrase for t in discover_themes(recent, baseline)] == ["see"]
    assert discover_themes(recent, baseline, min_count=3)[0].phrase in {"zorbly", "see"}


def test_empty_and_bad_arguments() -> None:
    assert discover_themes([], ["a b c"]) == []
    assert discover_themes(["", "   "], []) == []
    with pytest.raises(ValueError, match="recent_ids"):
        discover_themes(["a"], [], recent_ids=[1, 2])
    with pytest.raises(ValueError, match="at least 1"):
        discover_themes(["a"], [], limit=0)


def test_phrase_tokens_drop_negation_marks() -> None:
    assert phrase_tokens(["Still no dark mode!"]) == [["still", "no", "dark", "mode", "!"]]


def test_uncovered_drops_the_themes_a_keyword_covers_as_discovery_does() -> None:
    themes = [
        Theme("dark mode", 9, 0, 10.0, 8.0, (1,)),
        Theme("app crash", 7, 0, 9.0, 6.0, (2,)),
        Theme("seat belt", 5, 0, 4.0, 5.0, (3,)),
    ]
    assert [t.phrase for t in uncovered(themes, ["Dark Mode", "app"])] == ["seat belt"]
    assert uncovered(themes, []) == themes
    assert uncovered(themes, ["mode dark"]) == themes  # a phrase, not a bag of words
