"""The Customer Value score: money first, adjusted within bounds by social value.

    score = max(historic spend + predicted value over the horizon, floor) x social multiplier

* The money part comes from the customer's own transactions and the fitted BG/NBD +
  Gamma-Gamma models (:mod:`goodwill.analysis.clv`).
* The social multiplier lies in [multiplier_min, multiplier_max] (e.g. [0.8, 1.5]). It is
  1 for a customer with no social presence: silence is not a fault. Reach and network
  influence are percentiles centred on the median (below the median lowers the score,
  above raises it); advocacy only raises it.
* A customer who never bought gets the floor, so social value alone never makes a customer
  valuable.

Tiers (adequate / excellent / exceptional) come from percentiles of the score or from
money thresholds. Lapsing: a valuable regular customer, still buying when the recent window
opened, whose purchases in it fall far below their own rhythm (see the lapsing section).

Pure NumPy/SciPy, no Django; every figure the UI shows comes with a sentence from
:func:`explain`.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]

TIERS = ("adequate", "excellent", "exceptional")
TIER_METHODS = ("percentile", "threshold")
CURRENCY_SYMBOLS = {"EUR": "€", "GBP": "£", "USD": "$"}


@dataclass(frozen=True)
class ScoreConfig:
    """Everything an operator may tune. :meth:`errors` says what is wrong, per field."""

    currency: str = "EUR"
    horizon_months: float = 12.0
    annual_discount_rate: float = 0.10
    weight_reach: float = 0.4
    weight_influence: float = 0.3
    weight_advocacy: float = 0.3
    multiplier_min: float = 0.8
    multiplier_max: float = 1.5
    floor: float = 10.0
    tier_method: str = "percentile"
    excellent_percentile: float = 0.75
    exceptional_percentile: float = 0.95
    excellent_threshold: float = 1000.0
    exceptional_threshold: float = 5000.0
    lapsing_window_days: int = 150
    lapsing_ratio: float = 0.3
    lapsing_min_expected: float = 2.0
    lapsing_max_probability: float = 0.4
    lapsing_min_purchases: int = 4
    lapsing_max_overdue_gaps: float = 3.0
    valuable_percentile: float = 0.75

    def errors(self) -> dict[str, str]:
        """Field name -> what is wrong with it (empty when the configuration is valid)."""
        out: dict[str, str] = {}

        def need(ok: bool, name: str, message: str) -> None:
            if not ok and name not in out:
                out[name] = message

        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, float) and not math.isfinite(value):
                out[f.name] = "must be a finite number"
        need(
            len(self.currency) == 3 and self.currency.isalpha() and self.currency.isupper(),
            "currency",
            "must be a 3-letter ISO code such as EUR",
        )
        need(0 < self.horizon_months <= 120, "horizon_months", "must be between 0 and 120")
        need(
            0 <= self.annual_discount_rate < 1,
            "annual_discount_rate",
            "must be at least 0 and below 1",
        )
        for name in ("weight_reach", "weight_influence", "weight_advocacy"):
            need(getattr(self, name) >= 0, name, "must be 0 or more")
        need(
            self.weight_reach + self.weight_influence + self.weight_advocacy > 0,
            "weight_reach",
            "at least one social weight must be above 0",
        )
        need(0 < self.multiplier_min <= 1, "multiplier_min", "must be above 0 and at most 1")
        need(1 <= self.multiplier_max <= 3, "multiplier_max", "must be between 1 and 3")
        need(self.floor >= 0, "floor", "must be 0 or more")
        need(self.tier_method in TIER_METHODS, "tier_method", "must be percentile or threshold")
        need(
            0 < self.excellent_percentile < 1,
            "excellent_percentile",
            "must be between 0 and 1 (e.g. 0.75)",
        )
        need(
            self.excellent_percentile < self.exceptional_percentile < 1,
            "exceptional_percentile",
            "must be above the excellent percentile and below 1",
        )
        need(self.excellent_threshold > 0, "excellent_threshold", "must be above 0")
        need(
            self.exceptional_threshold > self.excellent_threshold,
            "exceptional_threshold",
            "must be above the excellent threshold",
        )
        need(
            14 <= self.lapsing_window_days <= 730,
            "lapsing_window_days",
            "must be between 14 and 730 days",
        )
        need(0 < self.lapsing_ratio < 1, "lapsing_ratio", "must be between 0 and 1")
        need(self.lapsing_min_expected > 0, "lapsing_min_expected", "must be above 0")
        need(
            2 <= self.lapsing_min_purchases <= 1000,
            "lapsing_min_purchases",
            "must be between 2 and 1000 (a rhythm needs at least one gap)",
        )
        need(
            0 < self.lapsing_max_overdue_gaps <= 100,
            "lapsing_max_overdue_gaps",
            "must be above 0 and at most 100",
        )
        need(
            0 < self.lapsing_max_probability <= 1,
            "lapsing_max_probability",
            "must be above 0 and at most 1",
        )
        need(
            0 <= self.valuable_percentile < 1,
            "valuable_percentile",
            "must be at least 0 and below 1",
        )
        return out

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ScoreConfig:
        """Known keys only, each converted to its field's type; raises ConfigError per field."""
        known = {f.name: f for f in fields(cls)}
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise ConfigError(dict.fromkeys(unknown, "unknown setting"))
        values: dict[str, Any] = {}
        problems: dict[str, str] = {}
        for name, raw in data.items():
            kind = type(getattr(cls(), name))
            try:
                if kind is str:
                    values[name] = str(raw).strip()
                elif kind is int:
                    number = float(raw)
                    if not number.is_integer():
                        raise ValueError
                    values[name] = int(number)
                else:
                    values[name] = float(raw)
            except (TypeError, ValueError):
                problems[name] = "must be a whole number" if kind is int else "must be a number"
        # Check the readable values too, so one answer lists every problem.
        config = cls(**values)
        for name, message in config.errors().items():
            problems.setdefault(name, message)
        if problems:
            raise ConfigError(problems)
        return config


class ConfigError(ValueError):
    """Invalid settings; ``problems`` maps each field to what is wrong with it."""

    def __init__(self, problems: dict[str, str]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{k}: {v}" for k, v in sorted(problems.items())))


# --------------------------------------------------------------------------- the score


@dataclass(frozen=True)
class ScoreParts:
    """Per customer arrays."""

    monetary: FloatArray  # historic + predicted, before the floor
    base: FloatArray  # max(monetary, floor)
    multiplier: FloatArray
    reach_effect: FloatArray  # each component's share of (multiplier - 1)
    influence_effect: FloatArray
    advocacy_effect: FloatArray
    score: FloatArray


def social_multiplier(
    reach_percentile: ArrayLike,
    influence_percentile: ArrayLike,
    advocacy: ArrayLike,
    config: ScoreConfig,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """(multiplier, reach effect, influence effect, advocacy effect) per customer.

    Percentiles are NaN for customers without a social presence: their multiplier is 1.
    The social index is the weighted mean of reach and influence centred on the median
    (2p - 1, in [-1, 1]) and advocacy (in [0, 1)); it maps linearly to
    [multiplier_min, 1] below 0 and [1, multiplier_max] above. The effects add up to
    multiplier - 1.
    """
    reach = np.asarray(reach_percentile, dtype=np.float64)
    infl = np.asarray(influence_percentile, dtype=np.float64)
    adv = np.clip(np.asarray(advocacy, dtype=np.float64), 0.0, 1.0)
    present = ~np.isnan(reach)
    total = config.weight_reach + config.weight_influence + config.weight_advocacy
    parts = [
        config.weight_reach / total * np.where(present, 2.0 * np.nan_to_num(reach) - 1.0, 0.0),
        config.weight_influence / total * np.where(present, 2.0 * np.nan_to_num(infl) - 1.0, 0.0),
        config.weight_advocacy / total * adv,
    ]
    index = parts[0] + parts[1] + parts[2]
    scale = np.where(index >= 0, config.multiplier_max - 1.0, 1.0 - config.multiplier_min)
    multiplier: FloatArray = np.clip(
        1.0 + index * scale, config.multiplier_min, config.multiplier_max
    )
    effects = [p * scale for p in parts]
    return multiplier, effects[0], effects[1], effects[2]


def value_scores(
    historic_spend: ArrayLike,
    predicted_value: ArrayLike,
    reach_percentile: ArrayLike,
    influence_percentile: ArrayLike,
    advocacy: ArrayLike,
    config: ScoreConfig,
) -> ScoreParts:
    """The Customer Value score and its parts (see the module docstring)."""
    historic = np.maximum(np.asarray(historic_spend, dtype=np.float64), 0.0)
    predicted = np.maximum(np.nan_to_num(np.asarray(predicted_value, dtype=np.float64)), 0.0)
    monetary = historic + predicted
    base = np.maximum(monetary, config.floor)
    multiplier, reach, infl, adv = social_multiplier(
        reach_percentile, influence_percentile, advocacy, config
    )
    return ScoreParts(
        monetary=monetary,
        base=base,
        multiplier=multiplier,
        reach_effect=reach,
        influence_effect=infl,
        advocacy_effect=adv,
        score=base * multiplier,
    )


def tiers(scores: ArrayLike, config: ScoreConfig) -> list[str]:
    """Tier per customer: by percentile of the score among all scored customers, or by
    money thresholds, as the configuration says."""
    s = np.asarray(scores, dtype=np.float64).reshape(-1)
    if s.shape[0] == 0:
        return []
    if config.tier_method == "threshold":
        low, high = config.excellent_threshold, config.exceptional_threshold
    else:
        low = float(np.quantile(s, config.excellent_percentile))
        high = float(np.quantile(s, config.exceptional_percentile))
    level = (s >= low).astype(np.int64) + (s >= high).astype(np.int64)
    if config.tier_method == "percentile":
        # Below the floor nobody is excellent, whatever the distribution.
        level = np.where(s > config.floor * config.multiplier_max, level, 0)
    return [TIERS[int(k)] for k in level]


# --------------------------------------------------------------------------- explanation


def money(amount: float, currency: str) -> str:
    symbol = CURRENCY_SYMBOLS.get(currency)
    text = f"{abs(amount):,.0f}"
    sign = "-" if amount < 0 else ""
    return f"{sign}{symbol}{text}" if symbol else f"{sign}{text} {currency}"


def _top(percentile: float) -> str:
    # Rounded first: 1 - 0.99 is 0.0100000000000000009, which is still the top 1%.
    if percentile >= 0.5:
        return f"top {max(1, math.ceil(round((1.0 - percentile) * 100, 6)))}%"
    return f"bottom {max(1, math.ceil(round(percentile * 100, 6)))}%"


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


@dataclass(frozen=True)
class CustomerFacts:
    """One customer's figures, as plain numbers, for :func:`explain`."""

    historic_spend: float
    predicted_value: float
    purchases: int
    multiplier: float
    reach_effect: float
    influence_effect: float
    advocacy_effect: float
    reach_percentile: float | None
    influence_percentile: float | None
    answers: int
    defences: int
    praised: int
    referrals: int
    tier: str
    floored: bool


def explain(f: CustomerFacts, config: ScoreConfig) -> list[str]:
    """Plain sentences behind a score, most important first."""
    cur = config.currency
    months = f"{config.horizon_months:g}-month"
    lines: list[str] = []
    if f.purchases == 0:
        lines.append(
            f"No purchases yet: money value is the floor of {money(config.floor, cur)}, so "
            "social activity alone cannot make this customer valuable"
        )
    else:
        lines.append(
            f"{money(f.predicted_value, cur)} predicted {months} value; "
            f"{money(f.historic_spend, cur)} spent so far in "
            f"{_plural(f.purchases, 'purchase', 'purchases')}"
        )
        if f.floored:
            lines.append(f"Raised to the floor of {money(config.floor, cur)}")
    if f.reach_percentile is None:
        lines.append("×1.00: no social accounts linked, so social value leaves the score as is")
    else:
        reasons: list[str] = []
        effects = (
            (f.reach_effect, f"reach in the {_top(f.reach_percentile)}"),
            (
                f.influence_effect,
                f"network influence in the {_top(f.influence_percentile or 0.0)}",
            ),
        )
        for effect, text in effects:
            if abs(effect) >= 0.005:
                reasons.append(f"{'+' if effect > 0 else '−'}{abs(effect):.2f} for {text}")
        if f.advocacy_effect >= 0.005:
            reasons.append(f"+{f.advocacy_effect:.2f} for advocacy")
        detail = "; ".join(reasons) if reasons else "social activity around the median"
        lines.append(f"×{f.multiplier:.2f} social multiplier: {detail}")
    acts = []
    if f.answers:
        acts.append(f"answered {_plural(f.answers, 'customer question', 'customer questions')}")
    if f.defences:
        acts.append(f"defended the brand {_plural(f.defences, 'time', 'times')}")
    if f.praised:
        acts.append(
            f"{_plural(f.praised, 'positive post', 'positive posts')} that others engaged with"
        )
    if f.referrals:
        acts.append(f"{_plural(f.referrals, 'referral', 'referrals')}")
    if acts:
        lines.append("; ".join(acts).capitalize())
    lines.append(f"Tier: {f.tier}")
    return lines


# --------------------------------------------------------------------------- lapsing
#
# "Lapsing", the one definition the product and the demo world's truth share:
#
#   a valuable *regular* customer (known long enough, with enough purchases, to have a
#   rhythm that promises purchases in the window) who was still *active* when the window
#   opened (not already silent for several of their own typical gaps) and whose buying
#   inside the window fell far below that rhythm.
#
# A valuable regular who was already overdue by more than `lapsing_max_overdue_gaps` of their
# own gaps when the window opened has *lapsed earlier*: that is a different list ("lost"),
# for win-back rather than care, and is not raised as a new lapse. The product sees only the
# record; the truth uses the latent facts (whether and when the customer left, their rate).


@dataclass(frozen=True)
class Rhythm:
    """Each customer's own buying rhythm on the record before the window (arrays)."""

    purchases: NDArray[np.int64]  # purchase days before the window
    tenure_days: FloatArray  # from the first purchase to the window's start
    expected: FloatArray  # purchases their rhythm gives the window: window / gap_days
    gap_days: FloatArray  # their usual gap: tenure / purchases (inf without a tenure)
    silent_days: FloatArray  # from the last purchase to the window's start
    overdue_gaps: FloatArray  # silent_days / gap_days


def own_rhythm(
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
    *,
    window_days: float,
    unit_days: float,
) -> Rhythm:
    """The rhythm from an RFM summary taken at the window's start (frequency = repeat
    purchase days, recency and T in ``unit_days``).

    One rate gives both figures: purchases per day over the tenure. The usual gap is its
    inverse (the silence before the window is part of the tenure, so a long silence widens
    the gap it is measured in: the test of "still active" leans towards the customer).
    """
    x = np.asarray(frequency, dtype=np.float64)
    t_x = np.asarray(recency, dtype=np.float64) * unit_days
    age = np.asarray(T, dtype=np.float64) * unit_days
    purchases = x + 1.0
    known = age > 0
    gap = np.where(known, np.where(known, age, 1.0) / purchases, np.inf)
    silent = age - t_x
    return Rhythm(
        purchases=purchases.astype(np.int64),
        tenure_days=age,
        expected=np.where(known, window_days / np.where(known, gap, 1.0), 0.0),
        gap_days=gap,
        silent_days=silent,
        overdue_gaps=np.where(known, silent / np.where(known, gap, 1.0), np.inf),
    )


@dataclass(frozen=True)
class LapsingAssessment:
    """Per customer arrays for the recent window."""

    flagged: NDArray[np.bool_]  # lapsing: valuable, regular, active at the start, shortfall
    lost: NDArray[np.bool_]  # lapsed earlier: valuable, regular, already overdue, shortfall
    valuable: NDArray[np.bool_]
    regular: NDArray[np.bool_]
    active: NDArray[np.bool_]
    shortfall: NDArray[np.bool_]
    probability: FloatArray  # P(at most the actual purchases | their rhythm), Poisson


def assess_lapsing(
    value_before: ArrayLike,
    rhythm: Rhythm,
    actual_in_window: ArrayLike,
    silent_signals: ArrayLike,
    config: ScoreConfig,
) -> LapsingAssessment:
    """Which valuable regular customers stopped, or nearly stopped, buying in the window.

    * valuable: ``value_before`` (what they had spent by the window's start) at or above
      its ``valuable_percentile`` among customers who had bought;
    * regular: at least ``lapsing_min_purchases`` purchase days, known for at least two
      windows, and a rhythm giving at least ``lapsing_min_expected`` purchases in the window
      (so one skipped purchase is never a lapse);
    * active at the start: silent for at most ``lapsing_max_overdue_gaps`` of their own
      typical gaps when the window opened (an exponential gap that long has a 5% chance
      at 3 gaps);
    * shortfall: at most ``lapsing_ratio`` of the rhythm's purchases in the window, with a
      Poisson chance of so few of at most ``lapsing_max_probability``. ``silent_signals``
      (returns, support contacts with no public posts) relax the ratio by half again.

    Flagged (lapsing) needs all four; ``lost`` is the same but already overdue at the start.
    """
    before = np.asarray(value_before, dtype=np.float64)
    actual = np.asarray(actual_in_window, dtype=np.float64)
    silent = np.asarray(silent_signals, dtype=np.float64) > 0
    expected = rhythm.expected
    bought = before > 0
    valuable = np.zeros(before.shape[0], dtype=bool)
    if np.any(bought):
        cut = float(np.quantile(before[bought], config.valuable_percentile))
        valuable = bought & (before >= cut)
    regular = (
        (rhythm.purchases >= config.lapsing_min_purchases)
        & (rhythm.tenure_days >= 2 * config.lapsing_window_days)
        & (expected >= config.lapsing_min_expected)
    )
    active = rhythm.overdue_gaps <= config.lapsing_max_overdue_gaps
    from scipy import stats  # imported here: scipy.stats is heavy at start-up

    probability: FloatArray = stats.poisson.cdf(actual, np.maximum(expected, 1e-12))
    ratio = np.where(silent, min(1.0, 1.5 * config.lapsing_ratio), config.lapsing_ratio)
    shortfall = (actual <= ratio * expected) & (probability <= config.lapsing_max_probability)
    return LapsingAssessment(
        flagged=valuable & regular & active & shortfall,
        lost=valuable & regular & ~active & shortfall,
        valuable=valuable,
        regular=regular,
        active=active,
        shortfall=shortfall,
        probability=probability,
    )


def _span(days: float) -> str:
    if days >= 2 * 365.25:
        return f"{days / 365.25:.1f} years"
    if days >= 60:
        return f"{days / (365.25 / 12):.0f} months"
    return _plural(round(days), "day", "days")


def _before(days: float) -> str:
    return "the day it opened" if days < 1 else f"{_span(days)} before it"


def _shortfall_line(
    expected: float, actual: int, window_days: int, purchases_before: int, tenure_days: float
) -> str:
    return (
        f"Bought {_plural(actual, 'time', 'times')} in the last {window_days} days; "
        f"at their own rhythm ({_plural(purchases_before, 'purchase', 'purchases')} in "
        f"{_span(tenure_days)}) they would have bought {expected:.1f}"
    )


def explain_lapsed_earlier(
    *,
    expected: float,
    actual: int,
    window_days: int,
    purchases_before: int,
    tenure_days: float,
    gap_days: float,
    silent_days: float,
) -> list[str]:
    """Why a valuable regular is on the "lapsed earlier" list rather than lapsing now."""
    return [
        _shortfall_line(expected, actual, window_days, purchases_before, tenure_days),
        f"Already silent when the window opened: last purchase {_before(silent_days)} "
        f"({silent_days / gap_days:.1f}× their usual gap of {_span(gap_days)}), so this is "
        "an earlier loss, not a new lapse",
    ]


def explain_lapsing(
    *,
    expected: float,
    actual: int,
    window_days: int,
    purchases_before: int,
    tenure_days: float,
    gap_days: float,
    silent_days: float,
    p_alive_before: float,
    p_alive_now: float,
    returns: int,
    support_without_posts: bool,
) -> list[str]:
    """Plain sentences behind a lapsing flag: the shortfall against the customer's own
    rhythm first, then why it is a new lapse (still buying when the window opened)."""
    lines = [
        _shortfall_line(expected, actual, window_days, purchases_before, tenure_days),
        f"Still a regular when the window opened: last purchase {_before(silent_days)} "
        f"({silent_days / gap_days:.1f}× their usual gap of {_span(gap_days)})",
        f"P(still a customer) fell from {p_alive_before:.0%} to {p_alive_now:.0%}",
    ]
    if returns:
        lines.append(f"{_plural(returns, 'return', 'returns')} in the window")
    if support_without_posts:
        lines.append("Contacted support privately but posts nothing in public")
    return lines
