"""Virality risk: how likely a message is to spread as a negative moment of truth.

``risk = (reach * velocity * negativity) ** (1/3)``, each factor in [0, 1]:

* **reach** of the author: ``log1p(followers + 10) / (log1p(followers + 10) + log1p(1000))``.
  Logarithmic (the tenth thousand followers adds less than the first), 0.5 at about 1,000
  followers, approaching 1 for celebrities. The ``+ 10`` is a floor: even an author with
  no known followers is read by someone, and shares (in velocity) carry it further.
* **velocity** of engagement: interactions per hour since posting, ``(likes + 2 * shares +
  replies) / max(age_hours, 1)``, with shares counted twice because each one shows the
  post to a new audience; mapped to ``(rate + 1) / (rate + 1 + 20)``, so 0.05 for a post
  nobody touched and 0.5 at ~19 interactions an hour. The hour floor keeps a post one
  minute old with one like from looking explosive.
* **negativity**: ``max(0, -sentiment_score)``; a neutral or positive message has no risk
  of a *negative* moment of truth, whatever its reach.

The geometric mean keeps the product's meaning (any factor at zero gives zero; each
factor multiplies the others) while spreading the result over [0, 1] instead of bunching
it near zero. Risk never decreases when reach, engagement or negativity grows, and never
increases with age at fixed engagement (hypothesis-tested).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

REACH_FLOOR = 10.0  # followers everyone is assumed to have
REACH_HALF = 1000.0  # followers at which reach is 0.5 (with the floor added)
VELOCITY_HALF = 20.0  # interactions an hour (plus one) at which velocity is 0.5
SHARE_WEIGHT = 2.0
MIN_AGE_HOURS = 1.0


def reach_factor(followers: npt.ArrayLike) -> FloatArray:
    """Author reach in [0, 1) from follower counts (negative counts are treated as 0)."""
    f = np.maximum(np.asarray(followers, dtype=np.float64), 0.0)
    spread = np.log1p(f + REACH_FLOOR)
    result: FloatArray = spread / (spread + np.log1p(REACH_HALF))
    return result


def velocity_factor(
    likes: npt.ArrayLike, shares: npt.ArrayLike, replies: npt.ArrayLike, age_hours: npt.ArrayLike
) -> FloatArray:
    """Engagement velocity in (0, 1) from interaction counts and the age at observation."""
    engagement = (
        np.maximum(np.asarray(likes, dtype=np.float64), 0.0)
        + SHARE_WEIGHT * np.maximum(np.asarray(shares, dtype=np.float64), 0.0)
        + np.maximum(np.asarray(replies, dtype=np.float64), 0.0)
    )
    age = np.maximum(np.asarray(age_hours, dtype=np.float64), MIN_AGE_HOURS)
    rate = engagement / age + 1.0
    result: FloatArray = rate / (rate + VELOCITY_HALF)
    return result


def negativity_factor(sentiment_scores: npt.ArrayLike) -> FloatArray:
    """Negativity in [0, 1] from sentiment scores in [-1, 1]."""
    s = np.asarray(sentiment_scores, dtype=np.float64)
    result: FloatArray = np.clip(-s, 0.0, 1.0)
    return result


def virality_risk(
    *,
    followers: Sequence[float | None],
    likes: npt.ArrayLike,
    shares: npt.ArrayLike,
    replies: npt.ArrayLike,
    age_hours: npt.ArrayLike,
    sentiment_scores: npt.ArrayLike,
) -> FloatArray:
    """Virality risk in [0, 1] for each message of a batch (see the module docstring).

    ``followers`` may hold None (unknown: treated as 0); ``age_hours`` is the time from
    posting to observation.
    """
    raw = np.array([0.0 if f is None else float(f) for f in followers], dtype=np.float64)
    product = (
        reach_factor(raw)
        * velocity_factor(likes, shares, replies, age_hours)
        * negativity_factor(sentiment_scores)
    )
    result: FloatArray = np.clip(np.cbrt(product), 0.0, 1.0)
    return result
