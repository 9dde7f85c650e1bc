from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from goodwill.analysis.virality import virality_risk

counts = st.integers(min_value=0, max_value=10_000_000)
ages = st.floats(min_value=0.0, max_value=24 * 365 * 5, allow_nan=False)
scores = st.floats(min_value=-1.0, max_value=1.0, allow_nan=False)


def risk(
    followers: int | None, likes: int, shares: int, replies: int, age: float, score: float
) -> float:
    return float(
        virality_risk(
            followers=[followers],
            likes=[likes],
            shares=[shares],
            replies=[replies],
            age_hours=[age],
            sentiment_scores=[score],
        )[0]
    )


@given(counts, counts, counts, counts, ages, scores)
def test_risk_is_bounded(f: int, lk: int, sh: int, rp: int, age: float, score: float) -> None:
    assert 0.0 <= risk(f, lk, sh, rp, age, score) <= 1.0


@given(counts, counts, counts, counts, counts, ages, scores)
def test_risk_grows_with_reach(
    f: int, more: int, lk: int, sh: int, rp: int, age: float, score: float
) -> None:
    assert risk(f + more, lk, sh, rp, age, score) >= risk(f, lk, sh, rp, age, score)


@given(counts, counts, counts, counts, st.integers(0, 1000), ages, scores, st.sampled_from("lsr"))
def test_risk_grows_with_engagement(
    f: int, lk: int, sh: int, rp: int, more: int, age: float, score: float, which: str
) -> None:
    bumped = {
        "l": (lk + more, sh, rp),
        "s": (lk, sh + more, rp),
        "r": (lk, sh, rp + more),
    }[which]
    assert risk(f, *bumped, age, score) >= risk(f, lk, sh, rp, age, score)


@given(counts, counts, counts, counts, ages, ages, scores)
def test_risk_does_not_grow_with_age(
    f: int, lk: int, sh: int, rp: int, age: float, older: float, score: float
) -> None:
    assert risk(f, lk, sh, rp, age + older, score) <= risk(f, lk, sh, rp, age, score)


@given(counts, counts, counts, counts, ages, scores, scores)
def test_risk_grows_with_negativity(
    f: int, lk: int, sh: int, rp: int, age: float, a: float, b: float
) -> None:
    worse, better = min(a, b), max(a, b)
    assert risk(f, lk, sh, rp, age, worse) >= risk(f, lk, sh, rp, age, better)


@given(counts, counts, counts, counts, ages, st.floats(0.0, 1.0, allow_nan=False))
def test_non_negative_messages_carry_no_risk(
    f: int, lk: int, sh: int, rp: int, age: float, score: float
) -> None:
    assert risk(f, lk, sh, rp, age, score) == 0.0


def test_a_fast_spreading_complaint_from_a_big_account_outranks_a_quiet_one() -> None:
    loud = risk(500_000, 300, 200, 80, 1.0, -0.9)
    quiet = risk(12, 0, 0, 0, 30.0, -0.9)
    assert loud > 0.5 > quiet > 0.0
    # Unknown followers count as none; the batch form matches the scalar form.
    batch = virality_risk(
        followers=[None, 500_000],
        likes=np.array([0, 300]),
        shares=[0, 200],
        replies=[0, 80],
        age_hours=[30.0, 1.0],
        sentiment_scores=[-0.9, -0.9],
    )
    assert batch[0] == risk(0, 0, 0, 0, 30.0, -0.9)
    assert batch[1] == loud
