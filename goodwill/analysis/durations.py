"""Summaries of waiting times (for example, time to first response). Pure: no Django."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class DurationSummary:
    """Count, median and 90th percentile of a set of durations in seconds.

    The quantiles use linear interpolation between order statistics (NumPy's default
    `percentile` method); they are None when there are no durations.
    """

    count: int
    median_seconds: float | None
    p90_seconds: float | None


def summarise_durations(seconds: Sequence[float]) -> DurationSummary:
    if len(seconds) == 0:
        return DurationSummary(count=0, median_seconds=None, p90_seconds=None)
    values = np.asarray(seconds, dtype=np.float64)
    if not np.all(np.isfinite(values)):
        raise ValueError("durations must be finite numbers of seconds")
    median, p90 = np.percentile(values, [50.0, 90.0])
    return DurationSummary(count=len(values), median_seconds=float(median), p90_seconds=float(p90))


def humanise_seconds(seconds: float | None) -> str:
    """'3d 4h 05m', '2h 05m 07s', '4m 07s', '12s'; '-' for None. Fractions of a second drop."""
    if seconds is None:
        return "-"
    sign = "-" if seconds < 0 else ""
    total = int(abs(seconds))
    days, rest = divmod(total, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, secs = divmod(rest, 60)
    if days:
        text = f"{days}d {hours}h {minutes:02d}m"
    elif hours:
        text = f"{hours}h {minutes:02d}m {secs:02d}s"
    elif minutes:
        text = f"{minutes}m {secs:02d}s"
    else:
        text = f"{secs}s"
    return sign + text
