"""Spike early warning for count series: online, causal, seasonal, low-count aware.

The detector watches one or many aligned series (for example message counts per
topic x sentiment x channel per hour) and, at every step, says how surprising the new
value is given everything seen *before* it. Nothing ever looks ahead, so replaying a
series row by row gives exactly the same answers as scoring it at once.

Model, per series:

* **Seasonal baseline** ``mu = level x daily[hour of day] x weekly[day of week]``.
  Each factor is a ratio of exponentially decaying sums (observed / expected), the
  Gamma-Poisson way of estimating a rate: stable at 0, 1, 2 events an hour, shrunk
  towards 1 by a few pseudo-events while a slot has little data, and decayed by elapsed
  *time*, so gaps in the series need no special case. Hour and day come from the wall
  clock the timestamp was written in (people's rhythm follows local time).
* **Count-appropriate tail.** The next value is judged against a negative binomial
  with that mean and variance ``phi*mu + kappa*mu**2``: ``phi`` (scale, at least 1 while
  the series holds only non-negative integers) and ``kappa`` (extra-Poisson spread) are
  learned online, and the uncertainty of the baseline itself (few events seen) widens
  the tail further, so a sparse series needs more evidence.
* **Sustained growth.** Two CUSUM accumulators of the negative binomial log-likelihood
  ratio "the rate is rho times the baseline" (rho = 1.5 and 3) collect evidence over
  consecutive buckets, which fires on an exponential onset while each bucket alone is
  still unremarkable. Their memory is bounded (a forgetting factor), so an alarm ends
  soon after the spike does.
* **No self-pollution.** A value is clipped to ``mu + k*sd`` before the baseline learns
  from it, and to barely above ``mu`` while the series is in alarm: a spike cannot teach
  the model that spikes are normal, while a lasting change of level is still absorbed,
  slowly.

``anomaly_score`` is on one scale for both parts: the single-bucket score is
``-log10 P(value at least this high | baseline)``, and the accumulated score is the CUSUM
log-likelihood ratio in base 10 (a CUSUM with threshold ``h`` raises a false alarm at
most about once every ``10**h`` buckets). So a score of 4 reads "about once in ten
thousand buckets by chance". ``is_spike`` is ``anomaly_score >= threshold`` while the
value is above its baseline, after a one-day warm-up. Only rises are spikes: a drop in
volume is never flagged.

Pure Python/NumPy/SciPy; no Django, no I/O. ``parse_timestamp`` turns the CLI's
timestamp text into (UTC seconds, wall-clock seconds).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import betainc

__all__ = [
    "SpikeConfig",
    "SpikeDetector",
    "SpikeResult",
    "StepResult",
    "detect",
    "detect_matrix",
    "parse_timestamp",
]

HOUR = 3600.0
DAY = 86400.0
WEEK = 7 * DAY
_MAX_SCORE = 300.0  # -log10 of the smallest tail probability we report (float64 floor)
_LN10 = math.log(10.0)
# Epoch numbers above this are milliseconds (1e11 s is the year 5138).
_EPOCH_MS_LIMIT = 1e11

Floats = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class SpikeConfig:
    """Tuning of :class:`SpikeDetector`; the defaults are the benchmarked ones."""

    threshold: float = 3.5
    """Alarm when anomaly_score >= threshold (about once in 10**threshold buckets by chance)."""
    level_half_life: float = 2 * DAY
    """Half-life of the overall level; also at least ``10`` bucket widths."""
    daily_half_life: float = 14 * DAY
    weekly_half_life: float = 28 * DAY
    spread_half_life: float = 7 * DAY
    prior_events: float = 2.0
    """Pseudo-events that shrink each hour-of-day and day-of-week factor towards 1."""
    level_prior_rate: float = 0.1
    """Prior rate per bucket before anything is seen (worth one bucket of data)."""
    cusum_ratios: tuple[float, ...] = (1.5, 3.0)
    cusum_min_shift: float = 1.0
    """The CUSUM alternative is at least this many more per bucket than the baseline."""
    cusum_memory: float = 0.94
    """CUSUM forgetting factor per bucket: evidence older than ~1/(1-m) buckets fades."""
    cusum_headroom: float = 1.0
    """The accumulated score is capped at threshold + headroom."""
    learn_clip_sd: float = 3.0
    """Values above mu + this many sd are clipped before the baseline learns from them."""
    alarm_clip_sd: float = 0.5
    """...and above mu + this many sd while the series is in alarm."""
    warmup: float = DAY
    """No alarm before this much time has passed since the first row."""
    min_value: float = 0.0
    """Never alarm on a value below this (e.g. 3 to ignore one-off singletons)."""


@dataclass(frozen=True, slots=True)
class StepResult:
    expected: Floats
    score: Floats
    is_spike: NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class SpikeResult:
    """Per-row outputs of :func:`detect`, in the order the rows were given."""

    expected: Floats
    score: Floats
    is_spike: NDArray[np.bool_]


class SpikeDetector:
    """Online detector for ``n_series`` aligned series; O(1) state per series.

    Call :meth:`update` once per time step, in time order, with one value per series.
    """

    def __init__(self, n_series: int = 1, config: SpikeConfig | None = None) -> None:
        if n_series < 1:
            raise ValueError("n_series must be at least 1")
        self.config = config or SpikeConfig()
        self.n_series = n_series
        n = n_series
        zeros = np.zeros
        self._level_obs = zeros(n)
        self._level_exp = zeros(n)
        # Seasonal shares: decayed sums of values and of visits per hour of day / day of week.
        self._day_sum = zeros((24, n))
        self._day_visits = zeros(24)
        self._week_sum = zeros((7, n))
        self._week_visits = zeros(7)
        # Weighted sums for the variance regression z = (y - mu)^2 / mu = phi + kappa * mu.
        self._spread = zeros((5, n))
        self._cusum = zeros((len(self.config.cusum_ratios), n))
        self._in_alarm = np.zeros(n, dtype=bool)
        self._counts_only = np.ones(n, dtype=bool)
        # Per series: when it was first scored and how many steps it has seen (its warm-up).
        self._born = np.full(n, np.nan)
        self._series_steps = zeros(n)
        self._first_time: float | None = None
        self._last_time: float | None = None
        self._gap_counts: dict[float, int] = {}
        self._bucket = HOUR
        self.steps = 0

    @property
    def bucket_seconds(self) -> float:
        """The bucket width inferred so far: the most common gap between timestamps."""
        return self._bucket

    def _note_gap(self, gap: float) -> None:
        gap = round(gap, 3)
        count = self._gap_counts.get(gap, 0) + 1
        self._gap_counts[gap] = count
        best = self._gap_counts.get(self._bucket, 0)
        if count > best or (count == best and gap < self._bucket):
            self._bucket = gap
        if len(self._gap_counts) > 4096:  # irregular stamps: keep the common gaps only
            self._gap_counts = {g: c for g, c in self._gap_counts.items() if c > 1}
            self._gap_counts.setdefault(self._bucket, best)

    def update(
        self, timestamp: float, values: ArrayLike, *, local_seconds: float | None = None
    ) -> StepResult:
        """Score ``values`` (one per series) observed at ``timestamp`` (UTC seconds), then learn.

        ``local_seconds`` is the wall-clock time as seconds since 1970 (for hour of day and
        day of week); it defaults to ``timestamp`` (UTC). Timestamps must not go back.
        """
        cfg = self.config
        y = np.asarray(values, dtype=np.float64).reshape(self.n_series)
        if not np.all(np.isfinite(y)):
            raise ValueError("values must be finite numbers")
        if self._last_time is not None:
            if timestamp < self._last_time:
                raise ValueError(
                    f"timestamp {timestamp} is before the previous one {self._last_time}"
                )
            if timestamp > self._last_time:
                self._note_gap(timestamp - self._last_time)
        if self._first_time is None:
            self._first_time = timestamp
        self._born = np.where(np.isnan(self._born), timestamp, self._born)
        self._series_steps += 1.0
        elapsed = 0.0 if self._last_time is None else timestamp - self._last_time
        self._last_time = timestamp
        self.steps += 1
        local = timestamp if local_seconds is None else local_seconds
        hour = int(local // HOUR) % 24
        weekday = (int(local // DAY) + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0
        bucket = self._bucket

        # Forget by elapsed time (gaps decay the memory exactly as much as they last).
        level_hl = max(cfg.level_half_life, 10 * bucket)
        self._decay(self._level_obs, self._level_exp, elapsed, level_hl)
        if elapsed > 0:
            day_keep = 0.5 ** (elapsed / max(cfg.daily_half_life, 40 * bucket))
            self._day_sum *= day_keep
            self._day_visits *= day_keep
            week_keep = 0.5 ** (elapsed / max(cfg.weekly_half_life, 40 * bucket))
            self._week_sum *= week_keep
            self._week_visits *= week_keep
        if elapsed > 0:
            self._spread *= 0.5 ** (elapsed / max(cfg.spread_half_life, 40 * bucket))

        # Baseline for this bucket.
        prior = cfg.prior_events
        level = (self._level_obs + cfg.level_prior_rate) / (self._level_exp + 1.0)
        daily = self._seasonal_factor(self._day_sum, self._day_visits, hour)
        weekly = self._seasonal_factor(self._week_sum, self._week_visits, weekday)
        mu = np.maximum(level * daily * weekly, 1e-9)

        # Spread: scale phi and extra-Poisson kappa learned, plus the baseline's own
        # uncertainty (relative variance 1/events behind each factor).
        self._counts_only &= (y >= 0) & (y == np.floor(y))
        phi, kappa = self._spread_params()
        kappa = kappa + (
            1.0 / (self._level_obs + cfg.level_prior_rate)
            + 1.0 / (self._day_sum[hour] + prior)
            + 1.0 / (self._week_sum[weekday] + prior)
        )
        # In the scaled space y/phi the variance is m + kappa*m^2: a negative binomial.
        m = mu / phi
        yy = np.maximum(y, 0.0) / phi
        r = 1.0 / kappa
        above = y > mu
        tail = np.where(above, betainc(np.maximum(yy, 1e-12), r, m / (r + m)), 1.0)
        single = np.minimum(-np.log10(np.maximum(tail, 1e-300)), _MAX_SCORE)
        single = np.where(above, np.maximum(single, 0.0), 0.0)

        # Capped, so that the alarm ends within a few buckets once the spike is over.
        cusum_cap = (cfg.threshold + cfg.cusum_headroom) * _LN10
        floor_ratio = 1.0 + cfg.cusum_min_shift / (phi * m)
        for i, rho in enumerate(cfg.cusum_ratios):
            # log NB(y; ratio*m, r) - log NB(y; m, r), against "ratio times the baseline,
            # and at least min_shift more per bucket" (a quiet series needs a real change).
            ratio = np.maximum(rho, floor_ratio)
            shift = np.log1p((ratio - 1.0) * m / (r + m))
            llr = yy * (np.log(ratio) - shift) - r * shift
            self._cusum[i] = np.clip(cfg.cusum_memory * self._cusum[i] + llr, 0.0, cusum_cap)
        accumulated = np.minimum(self._cusum.max(axis=0) / _LN10, _MAX_SCORE)
        score = np.maximum(single, accumulated)

        warm = ((timestamp - self._born) >= cfg.warmup) & (self._series_steps > 3)
        spike = (score >= cfg.threshold) & above & (y >= cfg.min_value) & warm
        self._in_alarm = spike

        # Learn from a clipped value so the spike does not become the new normal.
        sd = np.sqrt(phi * mu + kappa * mu * mu)
        clip_sd = np.where(spike, cfg.alarm_clip_sd, cfg.learn_clip_sd)
        learn = np.clip(y, 0.0, mu + clip_sd * sd)
        self._level_obs += learn
        self._level_exp += daily * weekly
        self._day_sum[hour] += learn
        self._day_visits[hour] += 1.0
        self._week_sum[weekday] += learn
        self._week_visits[weekday] += 1.0
        z = (learn - mu) ** 2 / mu
        weight = mu
        spread = self._spread
        spread[0] += weight
        spread[1] += weight * mu
        spread[2] += weight * mu * mu
        spread[3] += weight * z
        spread[4] += weight * z * mu
        return StepResult(expected=mu, score=score, is_spike=spike)

    _STATE_ARRAYS = (
        "_level_obs",
        "_level_exp",
        "_day_sum",
        "_day_visits",
        "_week_sum",
        "_week_visits",
        "_spread",
        "_cusum",
        "_in_alarm",
        "_counts_only",
        "_born",
        "_series_steps",
    )
    # Arrays whose last axis is the series (the visit counters are shared by all series).
    _PER_SERIES = frozenset(_STATE_ARRAYS) - {"_day_visits", "_week_visits"}

    def add_series(self, count: int, *, like: int | None = None) -> None:
        """Watch ``count`` more series from the next step on.

        By default a new series has no history: its own one-day warm-up, the prior as its
        baseline. With ``like``, each new series starts as a copy of series ``like``: keep
        one column that is always fed zeros and copy it, and a series that first appears
        now is exactly as if it had been watched, at zero, all along.
        """
        if count < 0:
            raise ValueError("count must be non-negative")
        if like is not None and not 0 <= like < self.n_series:
            raise ValueError(f"like: no series {like}")
        if count == 0:
            return
        for name in self._PER_SERIES:
            old = getattr(self, name)
            if like is not None:
                extra = np.repeat(old[..., like : like + 1], count, axis=-1)
            else:
                fill: float | bool = True if name == "_counts_only" else 0.0
                if name == "_born":
                    fill = np.nan
                extra = np.full((*old.shape[:-1], count), fill, dtype=old.dtype)
            setattr(self, name, np.concatenate([old, extra], axis=-1))
        self.n_series += count

    def state(self) -> dict[str, NDArray[Any]]:
        """Everything needed to resume later, as named NumPy arrays (see :meth:`restore`)."""
        out: dict[str, NDArray[Any]] = {
            name.lstrip("_"): np.array(getattr(self, name)) for name in self._STATE_ARRAYS
        }
        gaps = sorted(self._gap_counts.items())
        out["gaps"] = np.array(gaps, dtype=np.float64).reshape(-1, 2)
        nan = float("nan")
        first = nan if self._first_time is None else self._first_time
        last = nan if self._last_time is None else self._last_time
        out["clock"] = np.array([first, last, self._bucket, float(self.steps)])
        return out

    @classmethod
    def restore(
        cls, state: Mapping[str, NDArray[Any]], config: SpikeConfig | None = None
    ) -> SpikeDetector:
        """A detector that continues exactly where the one that produced ``state`` stopped."""
        try:
            n = int(np.asarray(state["level_obs"]).shape[-1])
            detector = cls(n, config)
            for name in cls._STATE_ARRAYS:
                value = np.array(state[name.lstrip("_")], dtype=getattr(detector, name).dtype)
                if value.shape != getattr(detector, name).shape:
                    raise ValueError(f"state[{name.lstrip('_')!r}]: shape {value.shape}")
                setattr(detector, name, value)
            first, last, bucket, steps = (float(v) for v in np.asarray(state["clock"]))
            gaps = np.asarray(state["gaps"], dtype=np.float64).reshape(-1, 2)
        except KeyError as exc:
            raise ValueError(f"state: missing {exc.args[0]!r}") from None
        detector._first_time = None if math.isnan(first) else first
        detector._last_time = None if math.isnan(last) else last
        detector._bucket = bucket
        detector.steps = int(steps)
        detector._gap_counts = {float(g): int(c) for g, c in gaps}
        return detector

    def _seasonal_factor(self, sums: Floats, visits: Floats, slot: int) -> Floats:
        """Rate in this slot over the rate in all slots, shrunk towards 1 by prior events."""
        prior = self.config.prior_events
        total_visits = float(visits.sum())
        if total_visits <= 0 or visits[slot] <= 0:
            return np.ones(self.n_series)
        overall = sums.sum(axis=0) / total_visits
        factor: Floats = (sums[slot] + prior) / (visits[slot] * overall + prior)
        return factor

    @staticmethod
    def _decay(obs: Floats, exp: Floats, elapsed: float, half_life: float) -> None:
        if elapsed > 0:
            factor = 0.5 ** (elapsed / half_life)
            obs *= factor
            exp *= factor

    def _spread_params(self) -> tuple[Floats, Floats]:
        s1, sm, smm, sz, szm = self._spread
        det = s1 * smm - sm * sm
        solvable = det > 1e-9 * np.maximum(s1 * smm, 1e-300)
        kappa = np.where(solvable, (s1 * szm - sm * sz) / np.where(solvable, det, 1.0), 0.0)
        kappa = np.minimum(np.maximum(kappa, 0.0), 5.0)
        seen = s1 > 1e-12
        phi = np.where(seen, (sz - kappa * sm) / np.where(seen, s1, 1.0), 1.0)
        floor = np.where(self._counts_only, 1.0, 1e-6)
        return np.minimum(np.maximum(phi, floor), 1e6), kappa


def detect_matrix(
    timestamps: Sequence[float] | Floats,
    values: ArrayLike,
    *,
    local_seconds: Sequence[float] | Floats | None = None,
    config: SpikeConfig | None = None,
) -> tuple[Floats, Floats, NDArray[np.bool_]]:
    """Run the detector over aligned series: ``values`` has shape (time, series).

    Rows must be in time order. Returns (expected, score, is_spike), each (time, series).
    """
    matrix = np.asarray(values, dtype=np.float64)
    if matrix.ndim == 1:
        matrix = matrix[:, None]
    times = np.asarray(timestamps, dtype=np.float64)
    if times.shape[0] != matrix.shape[0]:
        raise ValueError("timestamps and values differ in length")
    local = times if local_seconds is None else np.asarray(local_seconds, dtype=np.float64)
    detector = SpikeDetector(max(matrix.shape[1], 1), config)
    expected = np.zeros_like(matrix)
    score = np.zeros_like(matrix)
    spike = np.zeros(matrix.shape, dtype=bool)
    for i in range(matrix.shape[0]):
        step = detector.update(float(times[i]), matrix[i], local_seconds=float(local[i]))
        expected[i], score[i], spike[i] = step.expected, step.score, step.is_spike
    return expected, score, spike


def detect(
    timestamps: Sequence[float] | Floats,
    values: Sequence[float] | Floats,
    *,
    local_seconds: Sequence[float] | Floats | None = None,
    config: SpikeConfig | None = None,
) -> SpikeResult:
    """Score one series given in any order; results come back in the order given.

    Rows are replayed in time order (ties keep their given order), so each row is judged
    only on rows at or before its own time.
    """
    times = np.asarray(timestamps, dtype=np.float64)
    vals = np.asarray(values, dtype=np.float64)
    if times.shape != vals.shape or times.ndim != 1:
        raise ValueError("timestamps and values must be 1-D and of equal length")
    local = times if local_seconds is None else np.asarray(local_seconds, dtype=np.float64)
    order = np.argsort(times, kind="stable")
    expected, score, spike = detect_matrix(
        times[order], vals[order], local_seconds=local[order], config=config
    )
    out_expected = np.empty_like(vals)
    out_score = np.empty_like(vals)
    out_spike = np.empty(vals.shape, dtype=bool)
    out_expected[order] = expected[:, 0]
    out_score[order] = score[:, 0]
    out_spike[order] = spike[:, 0]
    return SpikeResult(expected=out_expected, score=out_score, is_spike=out_spike)


def parse_timestamp(text: str) -> tuple[float, float]:
    """Parse ISO 8601 (with or without zone) or epoch seconds (or milliseconds).

    Returns (UTC seconds since 1970, wall-clock seconds since 1970). A zone-less ISO
    time is taken as UTC; epoch numbers are UTC. Raises ValueError with the reason.
    """
    raw = text.strip()
    if not raw:
        raise ValueError("empty timestamp")
    try:
        number = float(raw)
    except ValueError:
        number = None
    if number is not None:
        if not math.isfinite(number):
            raise ValueError(f"timestamp {raw!r} is not a finite number")
        if abs(number) >= _EPOCH_MS_LIMIT:
            number /= 1000.0
        return number, number
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise ValueError(f"timestamp {raw!r} is neither ISO 8601 nor epoch seconds") from None
    offset = moment.utcoffset()
    wall = moment.replace(tzinfo=UTC).timestamp()
    if offset is None:
        return wall, wall
    return moment.timestamp(), wall
