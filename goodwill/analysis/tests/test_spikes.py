"""Spike detector: causality, robustness, seasonality without false alarms, spikes caught."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta, timezone

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from goodwill.analysis.spikes import (
    SpikeConfig,
    SpikeDetector,
    detect,
    detect_matrix,
    parse_timestamp,
)

HOUR = 3600.0
MONDAY = 1704067200.0  # 2024-01-01 00:00 UTC
WARMUP = 14 * 24  # buckets not scored in the false-alarm checks

counts = st.integers(min_value=0, max_value=500).map(float)
any_values = st.floats(min_value=-1e6, max_value=1e9, allow_nan=False, allow_infinity=False)


def seasonal_mean(level: float, hours: int, *, phase: float = 15.0) -> np.ndarray:
    h = np.arange(hours)
    daily = 1 + 0.7 * np.cos(2 * np.pi * ((h % 24) - phase) / 24)
    weekly = np.where((h // 24) % 7 >= 5, 0.6, 1.0)
    mean = daily * weekly
    return level * mean / mean.mean()


def hourly(n: int) -> np.ndarray:
    return MONDAY + HOUR * np.arange(n, dtype=np.float64)


def alarm_clusters(flags: np.ndarray, gap: int = 3) -> int:
    idx = np.flatnonzero(flags)
    return 0 if idx.size == 0 else 1 + int(np.sum(np.diff(idx) > gap))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 10**6), any_values), min_size=0, max_size=60),
)
def test_never_crashes_and_scores_are_finite(rows: list[tuple[int, float]]) -> None:
    times = [MONDAY + 60.0 * t for t, _ in rows]
    values = [v for _, v in rows]
    result = detect(times, values)
    assert result.score.shape == (len(rows),)
    assert np.all(np.isfinite(result.score))
    assert np.all(result.score >= 0)
    assert np.all(np.isfinite(result.expected))
    assert result.is_spike.dtype == np.bool_


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(st.integers(1, 5), counts), min_size=2, max_size=80),
    st.integers(min_value=1, max_value=79),
)
def test_appending_future_rows_never_changes_earlier_outputs(
    rows: list[tuple[int, float]], cut: int
) -> None:
    steps = np.cumsum([gap for gap, _ in rows])
    times = MONDAY + HOUR * steps.astype(np.float64)
    values = np.array([v for _, v in rows])
    cut = min(cut, len(rows))
    config = SpikeConfig(warmup=0.0)  # alarms from the start, so is_spike is exercised too
    full = detect(times, values, config=config)
    prefix = detect(times[:cut], values[:cut], config=config)
    np.testing.assert_array_equal(prefix.score, full.score[:cut])
    np.testing.assert_array_equal(prefix.is_spike, full.is_spike[:cut])
    np.testing.assert_array_equal(prefix.expected, full.expected[:cut])


@settings(max_examples=30, deadline=None)
@given(st.lists(counts, min_size=1, max_size=60), st.randoms(use_true_random=False))
def test_results_follow_input_order(values: list[float], rnd: object) -> None:
    times = hourly(len(values))
    order = list(range(len(values)))
    rnd.shuffle(order)  # type: ignore[attr-defined]
    in_order = detect(times, values)
    shuffled = detect(times[order], np.asarray(values)[order])
    np.testing.assert_array_equal(shuffled.score, in_order.score[order])
    np.testing.assert_array_equal(shuffled.is_spike, in_order.is_spike[order])


def test_many_series_at_once_equal_one_at_a_time() -> None:
    rng = np.random.default_rng(5)
    n = 24 * 10
    matrix = np.stack([rng.poisson(seasonal_mean(lv, n)) for lv in (0.3, 4, 80)], axis=1)
    _, scores, spikes = detect_matrix(hourly(n), matrix)
    for col in range(matrix.shape[1]):
        one = detect(hourly(n), matrix[:, col])
        np.testing.assert_allclose(scores[:, col], one.score, rtol=1e-12, atol=1e-12)
        np.testing.assert_array_equal(spikes[:, col], one.is_spike)


@pytest.mark.parametrize("level", [0.3, 2.0, 20.0, 300.0])
def test_seasonal_series_without_spikes_has_few_false_alarms(level: float) -> None:
    rng = np.random.default_rng(int(level * 10))
    n = 24 * 7 * 6
    mean = seasonal_mean(level, n) * (1 + 0.3 * np.arange(n) / n)  # and a trend
    values = rng.poisson(rng.gamma(20.0, mean / 20.0)).astype(float)  # a little overdispersed
    result = detect(hourly(n), values)
    # At most one alarm cluster in four weeks of hourly data after the warm-up weeks.
    assert alarm_clusters(result.is_spike[WARMUP:]) <= 1
    assert result.is_spike.sum() <= 3


@pytest.mark.parametrize(
    ("level", "extra", "length"),
    [(0.2, 6.0, 3), (1.0, 8.0, 2), (10.0, 25.0, 4), (200.0, 300.0, 1)],
)
def test_injected_spike_is_caught_and_quiet_elsewhere(
    level: float, extra: float, length: int
) -> None:
    n = 24 * 7 * 4
    start = 24 * 7 * 3 + 13  # a Monday afternoon, three weeks in
    columns = []
    for seed in range(5):  # five worlds at once: the detector runs aligned series together
        rng = np.random.default_rng(seed)
        mean = seasonal_mean(level, n, phase=rng.uniform(10, 20))
        mean[start : start + length] += extra
        columns.append(rng.poisson(mean).astype(float))
    _, _, spikes = detect_matrix(hourly(n), np.stack(columns, axis=1))
    caught = int(spikes[start : start + length].any(axis=0).sum())
    outside = spikes.copy()
    outside[start : start + length + 6] = False
    false_clusters = sum(alarm_clusters(outside[WARMUP:, col]) for col in range(5))
    assert caught >= 4
    assert false_clusters <= 2


def test_exponential_onset_fires_before_the_peak() -> None:
    rng = np.random.default_rng(11)
    n = 24 * 7 * 4
    mean = seasonal_mean(3.0, n)
    start, growth, peak = 24 * 7 * 3, 36, 60.0
    rate = math.log(peak / 0.5) / growth
    onset = 0.5 * np.exp(rate * np.arange(growth + 1))
    mean[start : start + growth + 1] += onset
    result = detect(hourly(n), rng.poisson(mean).astype(float))
    fired = np.flatnonzero(result.is_spike[start : start + growth + 1])
    assert fired.size > 0
    first = int(fired[0])
    assert onset[first] <= 0.5 * peak, f"fired only at {onset[first]:.1f} of {peak} extra"
    assert not result.is_spike[WARMUP:start].any()


def test_quiet_topic_spark_fires_on_a_handful() -> None:
    # A topic that sees a message every few hours gets three, then four, in an hour.
    rng = np.random.default_rng(3)
    n = 24 * 7 * 3
    values = rng.poisson(seasonal_mean(0.15, n)).astype(float)
    start = n - 30
    values[start : start + 3] = [3, 4, 6]
    result = detect(hourly(n), values)
    assert result.is_spike[start : start + 2].any()


def test_a_spike_does_not_become_the_new_normal() -> None:
    rng = np.random.default_rng(2)
    n = 24 * 7 * 4
    mean = seasonal_mean(10.0, n)
    start = 24 * 7 * 3
    spiked = mean.copy()
    spiked[start : start + 12] *= 8
    clean = detect(hourly(n), rng.poisson(mean).astype(float))
    rng = np.random.default_rng(2)
    dirty = detect(hourly(n), rng.poisson(spiked).astype(float))
    after = slice(start + 24, start + 48)
    ratio = dirty.expected[after].mean() / clean.expected[after].mean()
    assert ratio < 1.2, f"baseline after the spike is {ratio:.2f}x the clean one"
    # ... and the alarm ends soon after the spike does.
    assert not dirty.is_spike[start + 18 :].any()


def test_a_lasting_level_change_is_absorbed() -> None:
    rng = np.random.default_rng(4)
    n = 24 * 7 * 6
    mean = seasonal_mean(5.0, n)
    mean[24 * 7 * 3 :] *= 2.5
    result = detect(hourly(n), rng.poisson(mean).astype(float))
    assert not result.is_spike[-24 * 7 :].any()


def test_gaps_and_a_coarser_bucket_are_handled() -> None:
    rng = np.random.default_rng(9)
    n = 24 * 7 * 4
    times = hourly(n)
    values = rng.poisson(seasonal_mean(4.0, n)).astype(float)
    keep = np.ones(n, dtype=bool)
    keep[24 * 10 : 24 * 12] = False  # two days missing
    keep[rng.random(n) < 0.05] = False  # and scattered hours
    result = detect(times[keep], values[keep])
    assert alarm_clusters(result.is_spike[WARMUP:]) <= 1
    detector = SpikeDetector()
    for t, v in zip(times[keep][:50], values[keep][:50], strict=True):
        detector.update(float(t), [v])
    assert detector.bucket_seconds == HOUR


def test_update_rejects_time_going_back_and_non_finite_values() -> None:
    detector = SpikeDetector()
    detector.update(MONDAY, [1.0])
    with pytest.raises(ValueError, match="before"):
        detector.update(MONDAY - 1, [1.0])
    with pytest.raises(ValueError, match="finite"):
        detector.update(MONDAY + 1, [math.nan])


@settings(max_examples=60, deadline=None)
@given(
    st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2200, 1, 1)),
    st.integers(min_value=-14 * 60, max_value=14 * 60),
)
def test_parse_timestamp_reads_iso_with_and_without_zone(moment: datetime, minutes: int) -> None:
    zone = timezone(timedelta(minutes=minutes))
    aware = moment.replace(tzinfo=zone)
    utc, wall = parse_timestamp(aware.isoformat())
    assert utc == pytest.approx(aware.timestamp(), abs=1e-6)
    assert wall == pytest.approx(moment.replace(tzinfo=UTC).timestamp(), abs=1e-6)
    naive_utc, naive_wall = parse_timestamp(moment.isoformat())
    assert (
        naive_utc == naive_wall == pytest.approx(moment.replace(tzinfo=UTC).timestamp(), abs=1e-6)
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1704067200", 1704067200.0),
        ("1704067200.5", 1704067200.5),
        ("1704067200000", 1704067200.0),
        (" 2024-01-01T00:00:00Z ", 1704067200.0),
        ("2024-01-01 02:00:00+02:00", 1704067200.0),
    ],
)
def test_parse_timestamp_examples(text: str, expected: float) -> None:
    assert parse_timestamp(text)[0] == expected


@pytest.mark.parametrize("text", ["", "yesterday", "2024-13-01", "nan", "inf"])
def test_parse_timestamp_rejects_with_the_reason(text: str) -> None:
    with pytest.raises(ValueError, match="timestamp"):
        parse_timestamp(text)


def _replay(detector: SpikeDetector, times: np.ndarray, values: np.ndarray) -> list[float]:
    return [
        float(detector.update(float(t), row).score.sum())
        for t, row in zip(times, values, strict=True)
    ]


def test_state_round_trip_continues_exactly() -> None:
    rng = np.random.default_rng(5)
    times = np.arange(24 * 20) * HOUR
    values = rng.poisson(3.0, size=(len(times), 4)).astype(float)
    values[300:306, 2] += 25
    whole = SpikeDetector(4)
    expected = _replay(whole, times, values)
    first = SpikeDetector(4)
    _replay(first, times[:200], values[:200])
    resumed = SpikeDetector.restore(first.state())
    assert _replay(resumed, times[200:], values[200:]) == expected[200:]
    assert resumed.state().keys() == whole.state().keys()
    for name, array in resumed.state().items():
        np.testing.assert_array_equal(array, whole.state()[name], err_msg=name)


def test_restore_names_what_is_missing_or_misshapen() -> None:
    state = SpikeDetector(2).state()
    del state["cusum"]
    with pytest.raises(ValueError, match="missing 'cusum'"):
        SpikeDetector.restore(state)
    state = SpikeDetector(2).state()
    state["born"] = np.zeros(3)
    with pytest.raises(ValueError, match="born"):
        SpikeDetector.restore(state)


def test_a_series_added_like_a_zero_column_equals_one_watched_from_the_start() -> None:
    rng = np.random.default_rng(11)
    times = np.arange(24 * 10) * HOUR
    late = np.zeros(len(times))
    late[150:] = rng.poisson(2.0, size=len(times) - 150)
    late[200:204] += 20
    other = rng.poisson(4.0, size=len(times)).astype(float)
    # Watched from the start, at zero until it first has messages.
    together = SpikeDetector(3)
    full = [together.update(float(t), [0.0, other[i], late[i]]) for i, t in enumerate(times)]
    # Added at its first message as a copy of the zero column.
    grown = SpikeDetector(2)
    for i, t in enumerate(times[:150]):
        grown.update(float(t), [0.0, other[i]])
    grown.add_series(1, like=0)
    for i, t in enumerate(times[150:], start=150):
        step = grown.update(float(t), [0.0, other[i], late[i]])
        np.testing.assert_allclose(step.score, full[i].score)
        assert step.is_spike.tolist() == full[i].is_spike.tolist()
    assert any(full[i].is_spike[2] for i in range(200, 204))


def test_a_fresh_series_has_its_own_warm_up() -> None:
    detector = SpikeDetector(1)
    for i in range(48):
        detector.update(i * HOUR, [1.0])
    detector.add_series(1)
    step = detector.update(48 * HOUR, [1.0, 500.0])
    assert not step.is_spike[1]  # born this hour: not warm yet
    with pytest.raises(ValueError, match="like"):
        detector.add_series(1, like=5)
