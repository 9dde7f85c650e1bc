"""Social value: reach, network influence and advocacy (goodwill.analysis.social)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from goodwill.analysis import social

values = st.lists(st.integers(-5, 5).map(float), min_size=2, max_size=40)


@given(values)
def test_percentile_ranks_are_mid_ranks_scaled_to_0_1(vals: list[float]) -> None:
    got = social.percentile_ranks(vals)
    expected = (stats.rankdata(vals, method="average") - 1) / (len(vals) - 1)
    np.testing.assert_allclose(got, expected)
    assert got.min() >= 0.0 and got.max() <= 1.0


@given(values)
def test_percentile_ranks_keep_the_order_and_ties(vals: list[float]) -> None:
    got = social.percentile_ranks(vals)
    for i in range(len(vals)):
        for j in range(len(vals)):
            if vals[i] < vals[j]:
                assert got[i] < got[j]
            elif vals[i] == vals[j]:
                assert got[i] == got[j]


def test_percentile_of_one_value_is_the_median() -> None:
    assert social.percentile_ranks([3.0]).tolist() == [0.5]
    assert social.percentile_ranks([]).shape == (0,)


@given(
    st.lists(st.integers(0, 10**7), min_size=1, max_size=20),
    st.lists(st.integers(0, 10**5), min_size=1, max_size=20),
)
def test_reach_grows_with_followers_and_engagement_but_only_logarithmically(
    followers: list[int], engagement: list[int]
) -> None:
    n = min(len(followers), len(engagement))
    f, e = np.array(followers[:n], float), np.array(engagement[:n], float)
    base = social.reach_raw(f, e)
    assert np.all(social.reach_raw(f + 1, e) > base)
    assert np.all(social.reach_raw(f, e + 1) > base)
    # Ten times the followers adds at most log(10).
    assert np.all(social.reach_raw(10 * f, e) - base <= np.log(10) + 1e-12)


@given(st.integers(0, 500), st.integers(0, 500))
def test_advocacy_is_monotone_and_saturates_at_one(a: int, b: int) -> None:
    low, high = sorted((a, b))
    s_low = social.advocacy_score(low, 0, 0, 0)
    s_high = social.advocacy_score(high, 0, 0, 0)
    assert 0.0 <= s_low <= s_high <= 1.0
    if low < high:
        assert s_low < s_high or s_high > 0.999999
    assert social.advocacy_score(8, 0, 0, 0) < 0.7  # a handful of acts is far from the cap


# A small world. Identities: 0 = Ann (customer 0), 1 = Ben (customer 1), 2 = Ben's other
# account (customer 1), 3 = Cat (customer 2), 4 = a stranger, 5 = the brand.
IDENT_CUSTOMER = [0, 1, 1, 2, -1, -1]
FOLLOWERS = [100, 10, 5000, 0, 50, 90000]
BRAND = 5


def thread() -> social.MessageRows:
    # (author, parent, company, question, negative, positive, engagement, public)
    rows = [
        (0, -1, False, True, False, False, 2, True),  # 0 Ann asks a question
        (1, 0, False, False, False, False, 5, True),  # 1 Ben answers her
        (BRAND, 0, True, False, False, False, 0, True),  # 2 the brand answers too
        (3, -1, False, False, True, False, 0, True),  # 3 Cat complains
        (2, 3, False, False, False, True, 1, True),  # 4 Ben (other account) defends the brand
        (1, -1, False, False, False, True, 7, True),  # 5 Ben praises, people engage
        (1, -1, False, False, False, True, 0, True),  # 6 Ben praises, nobody engages
        (2, 5, False, False, False, False, 0, True),  # 7 Ben replies to himself: not an answer
        (4, 0, False, False, True, False, 0, True),  # 8 stranger's snarky non-answer
        (3, -1, False, False, True, False, 0, False),  # 9 Cat emails support
    ]
    cols = list(zip(*rows, strict=True))
    return social.MessageRows.build(
        author=cols[0],
        parent=cols[1],
        from_company=cols[2],
        question=cols[3],
        negative=cols[4],
        positive=cols[5],
        engagement=cols[6],
        public=cols[7],
    )


def test_facts_count_answers_defences_and_engaged_praise_per_customer() -> None:
    facts = social.social_facts(thread(), IDENT_CUSTOMER, FOLLOWERS, 4)
    assert facts.answers.tolist() == [0, 1, 0, 0]  # Ben's answer; not the brand's, not his own
    assert facts.defences.tolist() == [0, 1, 0, 0]
    assert facts.praised.tolist() == [0, 1, 0, 0]  # only the post others engaged with
    assert facts.followers.tolist() == [100.0, 5010.0, 0.0, 0.0]  # Ben's accounts add up
    assert facts.engagement.tolist() == [2.0, 13.0, 0.0, 0.0]
    assert facts.posts.tolist() == [1, 5, 2, 0]
    assert facts.public_posts.tolist() == [1, 5, 1, 0]
    assert facts.has_social.tolist() == [True, True, True, False]


def test_influence_goes_to_the_people_others_answer() -> None:
    facts = social.social_facts(thread(), IDENT_CUSTOMER, FOLLOWERS, 4)
    # Ann is answered by Ben, the brand and a stranger; Cat by Ben; nobody answers Dan (3).
    assert facts.influence[0] > facts.influence[2] > facts.influence[3]
    assert facts.influence[3] == pytest.approx(facts.influence.min())
    assert 0.0 < facts.influence.sum() < 1.0  # strangers and the brand hold the rest


def test_vector_percentiles_only_for_customers_with_a_social_presence() -> None:
    vector = social.social_vector(social.social_facts(thread(), IDENT_CUSTOMER, FOLLOWERS, 4))
    assert np.isnan(vector.reach_percentile[3]) and np.isnan(vector.influence_percentile[3])
    assert vector.reach_percentile[1] == 1.0  # Ben: most followers and engagement
    assert vector.advocacy[1] > 0 and vector.advocacy[0] == 0


def test_no_messages_gives_zero_influence() -> None:
    empty = social.MessageRows.build(
        author=[], parent=[], from_company=[], question=[], negative=[], positive=[], engagement=[]
    )
    facts = social.social_facts(empty, [0, -1], [3, 4], 2)
    assert facts.influence.tolist() == [0.0, 0.0]
    assert facts.has_social.tolist() == [True, False]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"parent": [5]}, "parent must be -1 or a message index"),
        ({"engagement": [-1]}, "engagement must be finite and >= 0"),
        ({"question": [True, False]}, "one entry per message"),
    ],
)
def test_bad_message_columns_are_named(change: dict[str, list[object]], message: str) -> None:
    cols: dict[str, list[object]] = {
        "author": [0],
        "parent": [-1],
        "from_company": [False],
        "question": [False],
        "negative": [False],
        "positive": [False],
        "engagement": [0],
    }
    cols.update(change)
    with pytest.raises(ValueError, match=message):
        social.MessageRows.build(**cols)  # type: ignore[arg-type]
