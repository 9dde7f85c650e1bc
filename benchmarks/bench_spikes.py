"""Spike early warning against a windowed-Gaussian baseline on generated count series.

Series are hourly counts over several weeks with daily and weekly seasonality, a trend,
Poisson or overdispersed noise and base levels from 0.2 to 200 an hour. Spikes of three
shapes are injected after a two-week warm-up, with their windows known:

* ``sudden``: a step up for 3-12 hours;
* ``exponential``: an onset that grows from half an event an hour to its peak over 12-48
  hours, then decays with a 3-hour half-life (the shape of an incident going viral);
* ``burst``: one or two hours of a large excess.

Scoring is event-level. A spike is *detected* when any alarm falls inside its window
(onset to end). Alarms are grouped into clusters (alarms at most 3 buckets apart); a
cluster that overlaps a window, or starts within 6 buckets after its end, is a true
positive, and every other cluster is one false positive. Precision = true clusters / all
clusters; recall = detected windows / windows. Delay = buckets from window start to the
first alarm inside it. For exponential onsets we also report how far into the growth the
first alarm came, as a share of the growth time and as a share of the peak excess (the
excess count at the alarm divided by the excess at the peak). Alarms in the warm-up
weeks are not scored, for either detector.

Baseline: windowed Gaussian, the classic NAB baseline: mean and standard deviation of
the previous 168 buckets (one week), alarm when z = (value - mean) / sd > 3.

Run alone: ``python -m benchmarks.bench_spikes [--series N] [--weeks W] [--seed S]``.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
import tracemalloc
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from goodwill.analysis.spikes import SpikeConfig, detect_matrix

HOUR = 3600
START = 1704067200  # 2024-01-01 00:00 UTC, a Monday
WARMUP_WEEKS = 2
LEVELS = (0.2, 0.5, 1.0, 3.0, 10.0, 50.0, 200.0)
SHAPES = ("sudden", "exponential", "burst")
CLUSTER_GAP = 3
GRACE = 6


@dataclass
class Spike:
    shape: str
    start: int
    peak: int
    end: int  # exclusive
    excess: NDArray[np.float64] = field(repr=False)  # expected extra counts, start..end


@dataclass
class Series:
    counts: NDArray[np.float64]
    level: float
    spikes: list[Spike]


def _seasonal_mean(rng: np.random.Generator, level: float, n: int) -> NDArray[np.float64]:
    hours = np.arange(n)
    hod = hours % 24
    dow = (hours // 24) % 7
    amp = rng.uniform(0.4, 0.9)
    peak_hour = rng.uniform(11, 19)
    daily = 1 + amp * np.cos(2 * np.pi * (hod - peak_hour) / 24)
    weekend = rng.uniform(0.5, 0.95)
    weekly = np.where(dow >= 5, weekend, 1.0)
    trend = 1 + rng.uniform(-0.3, 0.5) * hours / n
    mean = daily * weekly * trend
    return np.asarray(level * mean / mean.mean(), dtype=np.float64)


def _spike_excess(
    rng: np.random.Generator, shape: str, local: float
) -> tuple[NDArray[np.float64], int]:
    """Expected extra counts for one spike, and the index of its peak within it."""
    mult = rng.uniform(1.0, 4.0)
    peak = mult * local + 5.0
    if shape == "sudden":
        length = int(rng.integers(3, 13))
        return np.full(length, peak), 0
    if shape == "burst":
        length = int(rng.integers(1, 3))
        return np.full(length, 1.5 * peak), 0
    growth = int(rng.integers(12, 49))
    rate = math.log(peak / 0.5) / growth
    rise = 0.5 * np.exp(rate * np.arange(growth + 1))
    tail = math.ceil(3.0 * math.log2(peak / 0.5))  # decays until half an event is left
    decay = peak * 0.5 ** (np.arange(1, tail + 1) / 3.0)
    return np.concatenate([rise, decay]), growth


def generate(n_series: int, weeks: int, seed: int) -> list[Series]:
    rng = np.random.default_rng(seed)
    n = weeks * 168
    out: list[Series] = []
    for i in range(n_series):
        level = LEVELS[i % len(LEVELS)]
        mean = _seasonal_mean(rng, level, n)
        spikes: list[Spike] = []
        at = WARMUP_WEEKS * 168 + int(rng.integers(0, 48))
        extra = np.zeros(n)
        while True:
            shape = SHAPES[int(rng.integers(0, len(SHAPES)))]
            excess, peak_at = _spike_excess(rng, shape, float(mean[min(at, n - 1)]))
            if at + len(excess) >= n:
                break
            extra[at : at + len(excess)] += excess
            spikes.append(Spike(shape, at, at + peak_at, at + len(excess), excess))
            at += len(excess) + int(rng.integers(72, 240))
        kappa = (0.0, 0.05, 0.2)[i % 3]
        lam = mean + extra
        if kappa > 0:
            lam = rng.gamma(1 / kappa, lam * kappa)
        out.append(Series(rng.poisson(lam).astype(np.float64), level, spikes))
    return out


def quiet_topic_incidents(
    n_series: int, weeks: int, seed: int
) -> tuple[NDArray[np.float64], list[tuple[int, int, NDArray[np.float64]]]]:
    """The demo world's incident shape on a quiet topic stream (0.05 to 1 message an hour).

    A spark of about one extra message an hour grows exponentially to 50-300 an hour over
    24-48 hours, then decays. Returns the counts (hours x series) and, per series, the
    incident's (start, peak, expected excess from start to the end of its decay).
    """
    rng = np.random.default_rng(seed)
    n = weeks * 168
    columns = []
    incidents = []
    for _ in range(n_series):
        level = float(rng.uniform(0.05, 1.0))
        mean = _seasonal_mean(rng, level, n)
        growth = int(rng.integers(24, 49))
        peak = float(rng.uniform(50, 300))
        rise = np.exp(math.log(peak) * np.arange(growth + 1) / growth)
        tail = math.ceil(3.0 * math.log2(peak / 0.5))
        excess = np.concatenate([rise, peak * 0.5 ** (np.arange(1, tail + 1) / 3.0)])
        start = int(rng.integers((WARMUP_WEEKS + 1) * 168, n - len(excess)))
        mean[start : start + len(excess)] += excess
        kappa = float(rng.choice([0.0, 0.05, 0.2]))
        lam = rng.gamma(1 / kappa, mean * kappa) if kappa > 0 else mean
        columns.append(rng.poisson(lam).astype(np.float64))
        incidents.append((start, start + growth, excess))
    return np.stack(columns, axis=1), incidents


def evaluate_incidents(
    incidents: Sequence[tuple[int, int, NDArray[np.float64]]], alarms: NDArray[np.bool_]
) -> dict[str, float]:
    """Share of incidents caught in the first 10% of their growth time, and other timings."""
    time_share = []
    early_time = early_excess = false = 0
    for col, (start, peak, excess) in enumerate(incidents):
        flags = alarms[:, col]
        growth = peak - start
        hits = np.flatnonzero(flags[start : start + len(excess)])
        if hits.size:
            first = int(hits[0])
            time_share.append(min(first / growth, 1.0))
            early_time += first <= 0.1 * growth
            early_excess += first <= growth and excess[first] <= 0.1 * excess[growth]
        outside = flags.copy()
        outside[: WARMUP_WEEKS * 168] = False
        outside[start : start + len(excess) + GRACE] = False
        idx = np.flatnonzero(outside)
        false += 0 if idx.size == 0 else 1 + int(np.sum(np.diff(idx) > CLUSTER_GAP))
    count = max(len(incidents), 1)
    return {
        "time_share": _median(time_share) if time_share else 1.0,
        "early_time": early_time / count,
        "early_excess": early_excess / count,
        "false": float(false),
    }


def demo_incident_streams(seeds: Sequence[int]) -> list[dict[str, Any]]:
    """Hourly counts around the demo world's planted incident, for each seed.

    Two streams per world: the incident's topic (customer messages whose template topic is
    "payment", standing in for the topic classifier) and a broader "money" stream (payment,
    refund and fees) where the spark is mixed with everyday traffic.
    """
    from goodwill.demo.generator import generate as generate_world

    out = []
    for seed in seeds:
        world = generate_world(seed=seed)
        incident = world.truth.incident
        stamps = np.array([m.created_at.timestamp() for m in world.messages])
        customer = np.array([not m.is_from_company for m in world.messages])
        topics = np.array([t.topic for t in world.message_truth])
        first = stamps.min() // HOUR * HOUR
        edges = np.arange(first, stamps.max() // HOUR * HOUR + 2 * HOUR, HOUR)
        for name, chosen in (("topic", ("payment",)), ("money", ("payment", "refund", "fees"))):
            pick = customer & np.isin(topics, chosen)
            counts, _ = np.histogram(stamps[pick], edges)
            out.append(
                {
                    "stream": name,
                    "times": edges[:-1].astype(np.float64),
                    "counts": counts.astype(np.float64),
                    "start": incident.hour0.timestamp(),
                    "deadline": incident.growth_10pct_at.timestamp(),
                    "peak": incident.peak.timestamp(),
                }
            )
    return out


def evaluate_demo(
    streams: Sequence[dict[str, Any]], alarms: Sequence[NDArray[np.bool_]]
) -> dict[str, float]:
    """An hourly alarm is raised when its bucket closes: bucket start + 1 h."""
    in_time = 0
    hours: list[float] = []
    false = 0
    for stream, flags in zip(streams, alarms, strict=True):
        times = stream["times"]
        raised = times + HOUR
        during = (times >= stream["start"]) & (times < stream["peak"] + 24 * HOUR)
        hits = np.flatnonzero(flags & during)
        if hits.size:
            at = float(raised[hits[0]])
            hours.append((at - stream["start"]) / HOUR)
            in_time += at <= stream["deadline"]
        before = flags & (times >= times[0] + WARMUP_WEEKS * 168 * HOUR) & (times < stream["start"])
        idx = np.flatnonzero(before)
        false += 0 if idx.size == 0 else 1 + int(np.sum(np.diff(idx) > CLUSTER_GAP))
    return {
        "in_time": in_time / max(len(streams), 1),
        "hours": _median(hours) if hours else math.inf,
        "false": float(false),
    }


def windowed_gaussian(
    values: NDArray[np.float64], window: int = 168, z: float = 3.0
) -> NDArray[np.bool_]:
    """Alarm where the value is more than z trailing sd above the trailing mean (per column)."""
    n = values.shape[0]
    cs = np.vstack([np.zeros((1, values.shape[1])), np.cumsum(values, axis=0)])
    cs2 = np.vstack([np.zeros((1, values.shape[1])), np.cumsum(values**2, axis=0)])
    idx = np.arange(n)
    lo = np.maximum(idx - window, 0)
    count = (idx - lo).astype(np.float64)[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = (cs[idx] - cs[lo]) / count
        var = (cs2[idx] - cs2[lo]) / count - mean**2
        sd = np.sqrt(np.maximum(var, 0.0))
        score = (values - mean) / sd
    score = np.where(count >= 24, score, 0.0)
    alarms = np.nan_to_num(score, nan=0.0, posinf=np.inf) > z
    return np.asarray(alarms, dtype=np.bool_)


@dataclass
class Scores:
    windows: int = 0
    detected: int = 0
    true_clusters: int = 0
    false_clusters: int = 0
    delays: list[int] = field(default_factory=list)
    exp_windows: int = 0
    exp_time_share: list[float] = field(default_factory=list)
    exp_excess_share: list[float] = field(default_factory=list)
    by_shape: dict[str, list[int]] = field(default_factory=dict)

    @property
    def precision(self) -> float:
        total = self.true_clusters + self.false_clusters
        return self.true_clusters / total if total else 1.0

    @property
    def recall(self) -> float:
        return self.detected / self.windows if self.windows else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def evaluate(series: Sequence[Series], alarms: NDArray[np.bool_]) -> Scores:
    scores = Scores()
    first = WARMUP_WEEKS * 168
    for col, s in enumerate(series):
        flags = alarms[:, col].copy()
        flags[:first] = False
        for spike in s.spikes:
            scores.windows += 1
            hits = np.flatnonzero(flags[spike.start : spike.end])
            found = hits.size > 0
            shape_tally = scores.by_shape.setdefault(spike.shape, [0, 0])
            shape_tally[1] += 1
            if spike.shape == "exponential":
                scores.exp_windows += 1
            if not found:
                continue
            shape_tally[0] += 1
            scores.detected += 1
            delay = int(hits[0])
            scores.delays.append(delay)
            if spike.shape == "exponential":
                growth = spike.peak - spike.start
                scores.exp_time_share.append(min(delay / growth, 1.0) if growth else 0.0)
                peak_excess = float(spike.excess[growth])
                scores.exp_excess_share.append(min(float(spike.excess[delay]) / peak_excess, 1.0))
        idx = np.flatnonzero(flags)
        if idx.size == 0:
            continue
        breaks = np.flatnonzero(np.diff(idx) > CLUSTER_GAP)
        starts = np.concatenate([[idx[0]], idx[breaks + 1]])
        ends = np.concatenate([idx[breaks], [idx[-1]]])
        for a, b in zip(starts, ends, strict=True):
            true = any(a < sp.end + GRACE and b >= sp.start for sp in s.spikes)
            if true:
                scores.true_clusters += 1
            else:
                scores.false_clusters += 1
    return scores


def _row(
    name: str, ours: float, baseline: float, note: str, peak_mb: float = 0.0
) -> dict[str, Any]:
    ratio = ours / baseline if baseline else math.inf if ours else 1.0
    return {
        "name": name,
        "ours": round(ours, 4),
        "baseline": round(baseline, 4),
        "ratio": round(ratio, 3),
        "peak_mb": round(peak_mb, 1),
        "note": note,
    }


def _median(values: Sequence[float]) -> float:
    return float(np.median(values)) if values else math.nan


def run(args: Sequence[str] | None = None) -> list[dict[str, Any]]:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_spikes")
    parser.add_argument("--series", type=int, default=210)
    parser.add_argument("--weeks", type=int, default=8)
    parser.add_argument("--seed", type=int, default=20240101)
    parser.add_argument("--threshold", type=float, default=None)
    parser.add_argument("--demo-seeds", default="0,1,2", help="'' to skip the demo world")
    opts, _ = parser.parse_known_args(list(args) if args is not None else [])

    series = generate(opts.series, opts.weeks, opts.seed)
    matrix = np.stack([s.counts for s in series], axis=1)
    times = START + HOUR * np.arange(matrix.shape[0], dtype=np.float64)
    config = SpikeConfig() if opts.threshold is None else SpikeConfig(threshold=opts.threshold)

    tracemalloc.start()
    began = time.perf_counter()
    _, _, ours_alarms = detect_matrix(times, matrix, config=config)
    ours_seconds = time.perf_counter() - began
    _, ours_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    began = time.perf_counter()
    base_alarms = windowed_gaussian(matrix)
    base_seconds = time.perf_counter() - began

    ours = evaluate(series, ours_alarms)
    base = evaluate(series, base_alarms)
    points = matrix.size
    mb = ours_peak / 1e6
    size = f"{len(series)} series x {matrix.shape[0]} hours, {ours.windows} spikes"
    rows = [
        _row(
            "spikes event precision",
            ours.precision,
            base.precision,
            f"alarm clusters overlapping a spike; {size}",
            mb,
        ),
        _row("spikes event recall", ours.recall, base.recall, "spike windows with an alarm", mb),
        _row("spikes event F1", ours.f1, base.f1, "windowed Gaussian: 168 h, z > 3", mb),
        _row(
            "spikes false alarms",
            ours.false_clusters,
            base.false_clusters,
            "clusters outside any spike (lower is better)",
            mb,
        ),
        _row(
            "spikes median delay (h)",
            _median(ours.delays),
            _median(base.delays),
            "first alarm after window start (lower is better)",
            mb,
        ),
    ]
    for shape in SHAPES:
        o = ours.by_shape.get(shape, [0, 0])
        b = base.by_shape.get(shape, [0, 0])
        rows.append(
            _row(
                f"spikes recall {shape}",
                o[0] / max(o[1], 1),
                b[0] / max(b[1], 1),
                f"{o[1]} windows",
                mb,
            )
        )
    rows.append(
        _row(
            "spikes exp. onset: growth time elapsed",
            _median(ours.exp_time_share),
            _median(base.exp_time_share),
            "median share of the growth time before the first alarm (lower is better)",
            mb,
        )
    )
    rows.append(
        _row(
            "spikes exp. onset: peak excess reached",
            _median(ours.exp_excess_share),
            _median(base.exp_excess_share),
            "median excess at first alarm / excess at peak (lower is better)",
            mb,
        )
    )
    rows.append(
        _row(
            "spikes exp. onset: fired in first 10% of excess",
            sum(v <= 0.1 for v in ours.exp_excess_share) / max(ours.exp_windows, 1),
            sum(v <= 0.1 for v in base.exp_excess_share) / max(base.exp_windows, 1),
            "share of exponential onsets",
            mb,
        )
    )
    quiet, incidents = quiet_topic_incidents(max(opts.series // 2, 1), opts.weeks, opts.seed + 1)
    q_times = START + HOUR * np.arange(quiet.shape[0], dtype=np.float64)
    _, _, q_ours = detect_matrix(q_times, quiet, config=config)
    q_o = evaluate_incidents(incidents, q_ours)
    q_b = evaluate_incidents(incidents, windowed_gaussian(quiet))
    q_note = f"{len(incidents)} quiet topics (0.05-1/h), spark grows to 50-300/h in 24-48 h"
    rows += [
        _row(
            "incident: fired in first 10% of growth time",
            q_o["early_time"],
            q_b["early_time"],
            q_note,
            mb,
        ),
        _row(
            "incident: fired before 10% of peak excess",
            q_o["early_excess"],
            q_b["early_excess"],
            "share of incidents",
            mb,
        ),
        _row(
            "incident: growth time elapsed at first alarm",
            q_o["time_share"],
            q_b["time_share"],
            "median share (lower is better)",
            mb,
        ),
        _row(
            "incident: false alarms elsewhere",
            q_o["false"],
            q_b["false"],
            "alarm clusters outside the incident (lower is better)",
            mb,
        ),
    ]
    if opts.demo_seeds:
        seeds = [int(x) for x in opts.demo_seeds.split(",")]
        streams = demo_incident_streams(seeds)
        for kind in ("topic", "money"):
            chosen = [s for s in streams if s["stream"] == kind]
            ours_flags = [
                detect_matrix(s["times"], s["counts"], config=config)[2][:, 0] for s in chosen
            ]
            base_flags = [windowed_gaussian(s["counts"][:, None])[:, 0] for s in chosen]
            d_o, d_b = evaluate_demo(chosen, ours_flags), evaluate_demo(chosen, base_flags)
            label = "payment topic" if kind == "topic" else "payment+refund+fees"
            rows += [
                _row(
                    f"demo incident ({label}): fired in first 10% of growth",
                    d_o["in_time"],
                    d_b["in_time"],
                    f"seeds {opts.demo_seeds}; alarm counted when its hour closes",
                    mb,
                ),
                _row(
                    f"demo incident ({label}): hours to first alarm",
                    d_o["hours"],
                    d_b["hours"],
                    "median from the first incident message's hour",
                    mb,
                ),
                _row(
                    f"demo incident ({label}): false alarms before",
                    d_o["false"],
                    d_b["false"],
                    "alarm clusters from week 3 to the incident",
                    mb,
                ),
            ]
    rows.append(
        _row(
            "spikes throughput (points/s)",
            points / ours_seconds,
            points / base_seconds,
            "online, one step at a time vs vectorised rolling window",
            mb,
        )
    )
    return rows


def main(argv: Sequence[str] | None = None) -> None:
    rows = run(sys.argv[1:] if argv is None else argv)
    width = max(len(r["name"]) for r in rows)
    print(f"{'name':<{width}}  {'ours':>12}  {'baseline':>12}  {'ratio':>8}  {'peak_mb':>8}  note")
    for r in rows:
        print(
            f"{r['name']:<{width}}  {r['ours']:>12}  {r['baseline']:>12}  {r['ratio']:>8}  "
            f"{r['peak_mb']:>8}  {r['note']}"
        )


if __name__ == "__main__":
    main()
