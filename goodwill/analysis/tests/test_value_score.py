"""The Customer Value score, tiers and lapsing (goodwill.analysis.value_score)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from goodwill.analysis import value_score as vs

pct = st.one_of(st.just(math.nan), st.floats(0.0, 1.0))
unit = st.floats(0.0, 1.0)
weights = st.floats(0.0, 5.0)
money = st.floats(0.0, 1e6)


@st.composite
def configs(draw: st.DrawFn) -> vs.ScoreConfig:
    w = [draw(weights) for _ in range(3)]
    if sum(w) == 0:
        w[0] = 1.0
    return vs.ScoreConfig(
        weight_reach=w[0],
        weight_influence=w[1],
        weight_advocacy=w[2],
        multiplier_min=draw(st.floats(0.1, 1.0)),
        multiplier_max=draw(st.floats(1.0, 3.0)),
        floor=draw(st.floats(0.0, 100.0)),
    )


@given(configs(), st.lists(st.tuples(pct, unit, unit), min_size=1, max_size=30))
def test_multiplier_stays_within_bounds_and_effects_add_up(
    config: vs.ScoreConfig, rows: list[tuple[float, float, float]]
) -> None:
    reach = [r for r, _, _ in rows]
    infl = [math.nan if math.isnan(r) else i for r, i, _ in rows]
    adv = [a for _, _, a in rows]
    mult, e_reach, e_infl, e_adv = vs.social_multiplier(reach, infl, adv, config)
    assert np.all(mult >= config.multiplier_min - 1e-12)
    assert np.all(mult <= config.multiplier_max + 1e-12)
    np.testing.assert_allclose(mult - 1.0, e_reach + e_infl + e_adv, atol=1e-9)


@given(configs(), st.lists(unit, min_size=1, max_size=20))
def test_customers_without_social_presence_are_neither_raised_nor_lowered_by_reach(
    config: vs.ScoreConfig, advocacy: list[float]
) -> None:
    n = len(advocacy)
    mult, *_ = vs.social_multiplier([math.nan] * n, [math.nan] * n, [0.0] * n, config)
    assert np.all(mult == 1.0)


def test_median_reach_and_influence_without_advocacy_is_neutral() -> None:
    mult, *_ = vs.social_multiplier([0.5], [0.5], [0.0], vs.ScoreConfig())
    assert mult[0] == pytest.approx(1.0)


def test_top_and_bottom_of_every_component_reach_the_caps() -> None:
    config = vs.ScoreConfig(multiplier_min=0.8, multiplier_max=1.5)
    weights_without_advocacy = vs.ScoreConfig(weight_advocacy=0.0)
    top, *_ = vs.social_multiplier([1.0], [1.0], [1.0], config)
    bottom, *_ = vs.social_multiplier([0.0], [0.0], [0.0], weights_without_advocacy)
    assert top[0] == pytest.approx(1.5) and bottom[0] == pytest.approx(0.8)


@given(configs(), money, money, pct, unit, unit)
def test_more_money_never_lowers_the_score(
    config: vs.ScoreConfig, spend: float, extra: float, reach: float, infl: float, adv: float
) -> None:
    infl_in = math.nan if math.isnan(reach) else infl
    low = vs.value_scores([spend], [0.0], [reach], [infl_in], [adv], config).score[0]
    high = vs.value_scores([spend + extra], [0.0], [reach], [infl_in], [adv], config).score[0]
    assert high >= low


@given(configs(), pct, unit, unit)
def test_no_purchases_gives_the_floor_times_a_bounded_multiplier(
    config: vs.ScoreConfig, reach: float, infl: float, adv: float
) -> None:
    infl_in = math.nan if math.isnan(reach) else infl
    parts = vs.value_scores([0.0], [0.0], [reach], [infl_in], [adv], config)
    assert parts.base[0] == config.floor
    assert parts.score[0] <= config.floor * config.multiplier_max + 1e-9


def test_social_value_never_lifts_a_non_buyer_above_a_modest_buyer() -> None:
    config = vs.ScoreConfig()
    parts = vs.value_scores([0.0, 60.0], [0.0, 0.0], [1.0, 0.0], [1.0, 0.0], [1.0, 0.0], config)
    # The most social non-buyer against the least social customer who spent 60.
    assert parts.score[0] < parts.score[1]


def test_percentile_tiers_split_at_the_configured_quantiles() -> None:
    scores = np.arange(1, 101, dtype=float) * 100
    tiers = vs.tiers(scores, vs.ScoreConfig(excellent_percentile=0.75, exceptional_percentile=0.95))
    assert tiers.count("exceptional") == 5
    assert tiers.count("excellent") == 20
    assert tiers[0] == "adequate" and tiers[-1] == "exceptional"


def test_percentile_tiers_never_promote_floor_scores() -> None:
    config = vs.ScoreConfig()
    scores = [config.floor] * 90 + [5000.0] * 10
    assert set(vs.tiers(scores, config)[:90]) == {"adequate"}


def test_threshold_tiers_use_money_values() -> None:
    config = vs.ScoreConfig(
        tier_method="threshold", excellent_threshold=1000, exceptional_threshold=5000
    )
    assert vs.tiers([999.0, 1000.0, 4999.0, 5000.0], config) == [
        "adequate",
        "excellent",
        "excellent",
        "exceptional",
    ]


def test_explanation_reads_like_the_issue_example() -> None:
    config = vs.ScoreConfig(currency="GBP")
    facts = vs.CustomerFacts(
        historic_spend=3200.0,
        predicted_value=1240.0,
        purchases=9,
        multiplier=1.15,
        reach_effect=0.12,
        influence_effect=0.0,
        advocacy_effect=0.03,
        reach_percentile=0.985,
        influence_percentile=0.5,
        answers=14,
        defences=1,
        praised=0,
        referrals=0,
        tier="exceptional",
        floored=False,
    )
    lines = vs.explain(facts, config)
    assert lines[0] == "£1,240 predicted 12-month value; £3,200 spent so far in 9 purchases"
    assert lines[1] == "×1.15 social multiplier: +0.12 for reach in the top 2%; +0.03 for advocacy"
    assert lines[2] == "Answered 14 customer questions; defended the brand 1 time"
    assert lines[-1] == "Tier: exceptional"


def test_explanation_of_a_non_buyer_says_why_social_value_does_not_count_alone() -> None:
    facts = vs.CustomerFacts(0, 0, 0, 1.3, 0.2, 0.1, 0.0, 0.99, 0.9, 0, 0, 0, 0, "adequate", False)
    lines = vs.explain(facts, vs.ScoreConfig())
    assert lines[0].startswith("No purchases yet: money value is the floor of €10")
    assert "−" not in lines[1] and "top 1%" in lines[1]


def test_negative_effects_are_shown_with_a_minus() -> None:
    facts = vs.CustomerFacts(
        100, 50, 2, 0.9, -0.06, -0.04, 0.0, 0.1, 0.2, 0, 0, 0, 0, "adequate", False
    )
    line = vs.explain(facts, vs.ScoreConfig())[1]
    assert line == (
        "×0.90 social multiplier: −0.06 for reach in the bottom 10%; "
        "−0.04 for network influence in the bottom 20%"
    )


# --------------------------------------------------------------------------- settings


def test_settings_round_trip_and_convert_text() -> None:
    config = vs.ScoreConfig.from_dict({"multiplier_max": "1.3", "lapsing_window_days": "90"})
    assert config.multiplier_max == 1.3 and config.lapsing_window_days == 90
    assert vs.ScoreConfig.from_dict(config.to_dict()) == config


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"multiplier_min": "1.2"}, "multiplier_min"),
        ({"multiplier_max": "0.9"}, "multiplier_max"),
        ({"multiplier_max": "lots"}, "multiplier_max"),
        ({"weight_reach": 0, "weight_influence": 0, "weight_advocacy": 0}, "weight_reach"),
        ({"excellent_percentile": 0.9, "exceptional_percentile": 0.8}, "exceptional_percentile"),
        ({"lapsing_window_days": "30.5"}, "lapsing_window_days"),
        ({"tier_method": "vibes"}, "tier_method"),
        ({"currency": "euro"}, "currency"),
        ({"horizon_months": "nan"}, "horizon_months"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_settings_name_the_field(data: dict[str, object], field: str) -> None:
    with pytest.raises(vs.ConfigError) as caught:
        vs.ScoreConfig.from_dict(data)
    assert field in caught.value.problems
    assert field in str(caught.value)


def test_default_settings_are_valid() -> None:
    assert vs.ScoreConfig().errors() == {}


# --------------------------------------------------------------------------- lapsing


def _rhythm(purchases: list[int], tenure: list[float], last: list[float]) -> vs.Rhythm:
    """Rhythms at a 150-day window's start: purchase days, tenure and the days from the
    first to the last purchase (in days, so unit_days=1)."""
    return vs.own_rhythm(
        np.array(purchases, dtype=float) - 1.0,
        np.array(last, dtype=float),
        np.array(tenure, dtype=float),
        window_days=150,
        unit_days=1.0,
    )


@given(
    st.integers(1, 300),
    st.floats(1.0, 2000.0),
    st.floats(0.0, 1.0),
    st.floats(14.0, 730.0),
)
def test_own_rhythm_is_one_rate(purchases: int, tenure: float, share: float, window: float) -> None:
    last = share * tenure
    r = vs.own_rhythm([purchases - 1], [last / 7], [tenure / 7], window_days=window, unit_days=7)
    gap = tenure / purchases
    assert r.gap_days[0] == pytest.approx(gap)
    assert r.expected[0] == pytest.approx(window / gap)
    assert r.silent_days[0] == pytest.approx(tenure - last, abs=1e-9)
    assert r.overdue_gaps[0] == pytest.approx((tenure - last) / gap, abs=1e-9)
    assert r.purchases[0] == purchases


def test_a_customer_without_tenure_has_no_rhythm() -> None:
    r = _rhythm([1], [0.0], [0.0])
    assert r.expected[0] == 0.0 and math.isinf(r.overdue_gaps[0])


def test_lapsing_needs_value_regularity_activity_and_a_shortfall() -> None:
    config = vs.ScoreConfig(valuable_percentile=0.5)
    # Every customer: a purchase every 30 days for 600 days (20 purchases, 5 expected in the
    # window) unless the case varies it; the last one 10 days before the window.
    cases = {
        "lapsing": (5000.0, 20, 600.0, 590.0, 0),
        "bought as usual": (5000.0, 20, 600.0, 590.0, 5),
        "bought a third": (5000.0, 20, 600.0, 590.0, 2),  # 2 > 0.3 x 5
        "not valuable": (100.0, 20, 600.0, 590.0, 0),
        "too few purchases": (5000.0, 3, 600.0, 590.0, 0),
        "known too briefly": (5000.0, 20, 290.0, 280.0, 0),  # under two windows
        "rhythm too slow": (5000.0, 5, 600.0, 590.0, 0),  # 1.25 expected
        "already lost": (5000.0, 20, 600.0, 480.0, 0),  # silent 4 gaps at the start
    }
    value, purchases, tenure, last, actual = (
        list(col) for col in zip(*cases.values(), strict=True)
    )
    result = vs.assess_lapsing(value, _rhythm(purchases, tenure, last), actual, [0] * 8, config)
    flagged = dict(zip(cases, result.flagged.tolist(), strict=True))
    assert [name for name, hit in flagged.items() if hit] == ["lapsing"]
    lost = dict(zip(cases, result.lost.tolist(), strict=True))
    assert [name for name, hit in lost.items() if hit] == ["already lost"]
    assert not result.regular[list(cases).index("rhythm too slow")]


def test_silent_unhappiness_lowers_the_bar() -> None:
    config = vs.ScoreConfig(valuable_percentile=0.0, lapsing_max_probability=1.0)
    rhythm = _rhythm([40], [600.0], [590.0])  # 10 expected in the window
    quiet = vs.assess_lapsing([100.0], rhythm, [4], [0], config).flagged[0]
    unhappy = vs.assess_lapsing([100.0], rhythm, [4], [1], config).flagged[0]
    assert not quiet and unhappy


@given(st.integers(2, 200), st.integers(0, 30))
def test_lapsing_probability_is_the_poisson_tail(purchases: int, actual: int) -> None:
    rhythm = _rhythm([purchases], [600.0], [590.0])
    expected = 150 * purchases / 600
    result = vs.assess_lapsing([1.0], rhythm, [actual], [0], vs.ScoreConfig())
    tail = sum(math.exp(-expected) * expected**k / math.factorial(k) for k in range(actual + 1))
    assert result.probability[0] == pytest.approx(tail, rel=1e-9, abs=1e-12)


def test_lapsing_explanation_gives_the_rhythm_and_the_silence() -> None:
    lines = vs.explain_lapsing(
        expected=5.43,
        actual=0,
        window_days=150,
        purchases_before=21,
        tenure_days=580.0,
        gap_days=580.0 / 21,
        silent_days=0.0,
        p_alive_before=0.92,
        p_alive_now=0.34,
        returns=1,
        support_without_posts=False,
    )
    assert lines[0] == (
        "Bought 0 times in the last 150 days; at their own rhythm (21 purchases in 19 months) "
        "they would have bought 5.4"
    )
    assert lines[1] == (
        "Still a regular when the window opened: last purchase the day it opened "
        "(0.0× their usual gap of 28 days)"
    )
    assert lines[2:] == ["P(still a customer) fell from 92% to 34%", "1 return in the window"]
