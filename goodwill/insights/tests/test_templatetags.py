"""The alerts' display filters: how unusual a score is, topic names, sparklines."""

from __future__ import annotations

import math
import re

from hypothesis import given
from hypothesis import strategies as st

from goodwill.insights.templatetags.insights_alerts import (
    one_in,
    sparkline,
    topic_label,
    unusualness,
)

scores = st.floats(min_value=0, max_value=11.99, allow_nan=False)


@given(scores)
def test_one_in_is_ten_to_the_score_to_two_significant_figures(score: float) -> None:
    text = one_in(score)
    match = re.fullmatch(r"1 in ([\d,]+)", text)
    assert match, text
    n = int(match.group(1).replace(",", ""))
    assert n >= 1
    exact = 10**score
    assert abs(n - exact) <= max(0.5, exact * 0.05) + 1e-9
    if n >= 100:
        assert len(str(n).rstrip("0")) <= 2


@given(scores, scores)
def test_one_in_and_unusualness_grow_with_the_score(a: float, b: float) -> None:
    low, high = sorted((a, b))
    as_number = [int(one_in(s).split()[-1].replace(",", "")) for s in (low, high)]
    assert as_number[0] <= as_number[1]
    order = ["unusual", "very unusual", "extremely unusual"]
    assert order.index(unusualness(low)) <= order.index(unusualness(high))


def test_one_in_past_a_trillion_and_bad_values() -> None:
    assert one_in(12) == one_in(300.0) == "less than 1 in a trillion"
    assert one_in(5) == "1 in 100,000" and one_in(0.5) == "1 in 3"
    assert one_in(None) == one_in("x") == one_in(math.nan) == ""


@given(st.from_regex(r"[a-z]{1,8}(_[a-z]{1,8}){0,3}", fullmatch=True))
def test_topic_label_reads_underscored_names_as_words(name: str) -> None:
    label = topic_label(name)
    assert "_" not in label and label[0].isupper()
    assert label.lower() == name.replace("_", " ")


def test_topic_label_examples() -> None:
    assert topic_label("customer_service") == "Customer service"
    assert topic_label("(no topic)") == "(no topic)" and topic_label("") == ""


@given(st.lists(st.integers(min_value=0, max_value=10_000), min_size=2, max_size=200))
def test_sparkline_points_stay_inside_the_box(counts: list[int]) -> None:
    points = sparkline([["t", c, 1.0] for c in counts], "120x28").split()
    assert len(points) == len(counts)
    xy = [tuple(map(float, p.split(","))) for p in points]
    assert all(0 <= x <= 120 and 0 <= y <= 28 for x, y in xy)
    assert [x for x, _ in xy] == sorted(x for x, _ in xy)
    top = max(counts)
    if top > 0:  # the highest bar touches the top (1 px margin)
        assert min(y for _, y in xy) == 1.0


def test_sparkline_needs_two_points_and_tolerates_bad_rows() -> None:
    assert sparkline([]) == sparkline([["t", 3, 1]]) == sparkline(None) == ""
    assert len(sparkline([["t", "x", 1], ["t"]]).split()) == 2
