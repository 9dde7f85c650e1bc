from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from goodwill.analysis.durations import humanise_seconds, summarise_durations
from goodwill.insights.tests.twcs_world import percentile

waits = st.lists(st.floats(0, 10**8, allow_nan=False) | st.integers(0, 10**7), max_size=60)


@given(waits)
def test_summary_is_count_median_and_linear_p90(values: list[float]) -> None:
    summary = summarise_durations(values)
    assert summary.count == len(values)
    if not values:
        assert summary.median_seconds is None
        assert summary.p90_seconds is None
        return
    assert summary.median_seconds == pytest.approx(percentile(values, 50), rel=1e-9, abs=1e-6)
    assert summary.p90_seconds == pytest.approx(percentile(values, 90), rel=1e-9, abs=1e-6)
    assert min(values) <= summary.median_seconds <= summary.p90_seconds <= max(values)


def test_p90_interpolates_between_ranks() -> None:
    summary = summarise_durations([10, 20, 30, 40])
    assert summary.median_seconds == 25
    assert summary.p90_seconds == pytest.approx(37)  # rank 2.7: 30 + 0.7 * 10


@pytest.mark.parametrize("bad", [math.nan, math.inf])
def test_non_finite_waits_are_rejected(bad: float) -> None:
    with pytest.raises(ValueError, match="finite"):
        summarise_durations([1.0, bad])


@given(st.integers(0, 10**8))
def test_readable_times_add_up(seconds: int) -> None:
    text = humanise_seconds(seconds + 0.75)
    scale = {"d": 86_400, "h": 3_600, "m": 60, "s": 1}
    parsed = sum(int(part[:-1]) * scale[part[-1]] for part in text.split())
    granularity = 60 if seconds >= 86_400 else 1
    assert 0 <= seconds - parsed < granularity
    assert humanise_seconds(-seconds).lstrip("-") == humanise_seconds(seconds)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (None, "-"),
        (0, "0s"),
        (59.9, "59s"),
        (247, "4m 07s"),
        (7505, "2h 05m 05s"),
        (273900, "3d 4h 05m"),
    ],
)
def test_readable_examples(seconds: float | None, text: str) -> None:
    assert humanise_seconds(seconds) == text
