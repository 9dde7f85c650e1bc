"""Social value of customers: reach, network influence and advocacy shown in behaviour.

Pure NumPy (no Django): the caller passes one row per message as parallel arrays and gets
one row per customer back. Three components, each on a scale that can be compared across
customers and explained in a sentence:

* **reach** — followers plus engagement received (likes, shares, replies), log-scaled because
  both are heavy-tailed, then turned into a percentile among customers with a social
  presence ("reach in the top 2%").
* **network influence** — PageRank on the interaction graph: an edge a -> b when a replies
  to b (or mentions or refers b, when the caller has those). Identities are resolved to
  customers first; people who are not customers and the company's own accounts stay in the
  graph as nodes, so answering a stranger still counts. Reported as a percentile.
* **advocacy** — what a customer *does* for the brand, not what they say in a survey:
  answering another person's question (a reply to someone else's ``question`` message,
  not from the company, that is not itself negative), defending the brand (a non-negative
  reply to someone else's complaint or negative post), positive posts that other people
  engaged with, and referrals or adopted ideas where the caller knows them. The counts
  give a saturating score in [0, 1]: one answer matters, the fiftieth adds little.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from goodwill.analysis.influence import pagerank, simple_graph

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

NO_CUSTOMER = -1

# How much each kind of helpful act counts towards advocacy, and the count at which the
# advocacy score reaches 1 - 1/e (~0.63).
ADVOCACY_ACT_WEIGHTS = {"answers": 1.0, "defences": 1.0, "praised": 0.5, "referrals": 2.0}
ADVOCACY_SCALE = 8.0


@dataclass(frozen=True)
class MessageRows:
    """One entry per message, as parallel arrays.

    ``author`` is the index of the author's identity (0 .. n_identities-1);
    ``identity_customer`` maps identities to customer indexes (``NO_CUSTOMER`` when the
    identity is not linked to a customer); ``parent`` is the index of the message replied to
    (-1 for none or unknown). ``question``, ``negative`` and ``positive`` are the analysed
    intent/sentiment flags; ``engagement`` is likes + shares + replies received.
    """

    author: IntArray
    parent: IntArray
    from_company: NDArray[np.bool_]
    question: NDArray[np.bool_]
    negative: NDArray[np.bool_]
    positive: NDArray[np.bool_]
    engagement: FloatArray
    public: NDArray[np.bool_]

    @staticmethod
    def build(
        *,
        author: ArrayLike,
        parent: ArrayLike,
        from_company: ArrayLike,
        question: ArrayLike,
        negative: ArrayLike,
        positive: ArrayLike,
        engagement: ArrayLike,
        public: ArrayLike | None = None,
    ) -> MessageRows:
        a = np.asarray(author, dtype=np.int64).reshape(-1)
        n = a.shape[0]

        def flags(values: ArrayLike) -> NDArray[np.bool_]:
            out = np.asarray(values, dtype=bool).reshape(-1)
            if out.shape[0] != n:
                raise ValueError("every message column must have one entry per message")
            return out

        parent_a = np.asarray(parent, dtype=np.int64).reshape(-1)
        eng = np.asarray(engagement, dtype=np.float64).reshape(-1)
        if parent_a.shape[0] != n or eng.shape[0] != n:
            raise ValueError("every message column must have one entry per message")
        if n and (int(parent_a.min()) < -1 or int(parent_a.max()) >= n):
            raise ValueError("parent must be -1 or a message index")
        if np.any(eng < 0) or not np.all(np.isfinite(eng)):
            raise ValueError("engagement must be finite and >= 0")
        return MessageRows(
            author=a,
            parent=parent_a,
            from_company=flags(from_company),
            question=flags(question),
            negative=flags(negative),
            positive=flags(positive),
            engagement=eng,
            public=flags(public) if public is not None else np.ones(n, dtype=bool),
        )


@dataclass(frozen=True)
class SocialFacts:
    """Per customer (index 0 .. n_customers-1) counts behind the social components."""

    has_social: NDArray[np.bool_]  # at least one identity
    followers: FloatArray  # summed over the customer's identities
    engagement: FloatArray  # likes + shares + replies received on their messages
    posts: IntArray  # messages they wrote
    public_posts: IntArray
    answers: IntArray  # replies to another person's question
    defences: IntArray  # non-negative replies to someone else's complaint
    praised: IntArray  # positive messages that others engaged with
    referrals: IntArray
    influence: FloatArray  # PageRank share of the whole graph (0 without identities)


@dataclass(frozen=True)
class SocialVector:
    """Per customer components; percentiles are in [0, 1] (1 = the highest)."""

    facts: SocialFacts
    reach_raw: FloatArray
    reach_percentile: FloatArray  # NaN where the customer has no social presence
    influence_percentile: FloatArray  # NaN where the customer has no social presence
    advocacy: FloatArray  # in [0, 1]


def percentile_ranks(values: ArrayLike) -> FloatArray:
    """Mid-rank percentile of each value among all values, in [0, 1].

    Ties share their average rank, so equal inputs get equal percentiles; one value alone
    gets 0.5.
    """
    v = np.asarray(values, dtype=np.float64).reshape(-1)
    n = v.shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.float64)
    if n == 1:
        return np.array([0.5])
    order = np.argsort(v, kind="stable")
    ordered = v[order]
    starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
    ends = np.concatenate((starts[1:], [n]))
    mid = (starts + ends - 1) / 2.0
    ranks = np.empty(n, dtype=np.float64)
    ranks[order] = np.repeat(mid, ends - starts)
    result: FloatArray = ranks / (n - 1)
    return result


def reach_raw(followers: ArrayLike, engagement: ArrayLike) -> FloatArray:
    """log(1 + followers) + log(1 + engagement received): both matter, neither dominates."""
    f = np.asarray(followers, dtype=np.float64)
    e = np.asarray(engagement, dtype=np.float64)
    result: FloatArray = np.log1p(np.maximum(f, 0.0)) + np.log1p(np.maximum(e, 0.0))
    return result


def advocacy_score(
    answers: ArrayLike, defences: ArrayLike, praised: ArrayLike, referrals: ArrayLike
) -> FloatArray:
    """Saturating score in [0, 1] from counts of helpful acts."""
    w = ADVOCACY_ACT_WEIGHTS
    acts = (
        w["answers"] * np.asarray(answers, dtype=np.float64)
        + w["defences"] * np.asarray(defences, dtype=np.float64)
        + w["praised"] * np.asarray(praised, dtype=np.float64)
        + w["referrals"] * np.asarray(referrals, dtype=np.float64)
    )
    result: FloatArray = -np.expm1(-np.maximum(acts, 0.0) / ADVOCACY_SCALE)
    return result


def social_facts(
    messages: MessageRows,
    identity_customer: ArrayLike,
    identity_followers: ArrayLike,
    n_customers: int,
    *,
    referrals: ArrayLike | None = None,
    extra_edges: tuple[ArrayLike, ArrayLike] | None = None,
) -> SocialFacts:
    """Count each customer's reach, helpful acts and PageRank from the message rows.

    ``identity_customer[i]`` is the customer index of identity i or ``NO_CUSTOMER``;
    ``identity_followers[i]`` its follower count (0 when unknown). ``extra_edges`` are
    (source identity, target identity) pairs known from elsewhere (mentions, follows).
    """
    ident_cust = np.asarray(identity_customer, dtype=np.int64).reshape(-1)
    followers = np.nan_to_num(np.asarray(identity_followers, dtype=np.float64).reshape(-1))
    n_ident = ident_cust.shape[0]
    if followers.shape[0] != n_ident:
        raise ValueError("identity_customer and identity_followers must have the same length")
    if n_ident and int(ident_cust.max()) >= n_customers:
        raise ValueError("identity_customer holds a customer index >= n_customers")
    m = messages
    if m.author.shape[0] and (int(m.author.min()) < 0 or int(m.author.max()) >= n_ident):
        raise ValueError("message author must be an identity index")

    linked = ident_cust >= 0
    cust_of_ident = np.where(linked, ident_cust, 0)
    has_social = np.bincount(cust_of_ident[linked], minlength=n_customers) > 0
    cust_followers = np.bincount(
        cust_of_ident[linked], weights=followers[linked], minlength=n_customers
    ).astype(np.float64)

    author_cust = ident_cust[m.author] if m.author.shape[0] else np.zeros(0, dtype=np.int64)
    by_customer = (author_cust >= 0) & ~m.from_company

    def per_customer(mask: NDArray[np.bool_], weights: FloatArray | None = None) -> FloatArray:
        sel = mask & by_customer
        out: FloatArray = np.bincount(
            author_cust[sel],
            weights=None if weights is None else weights[sel],
            minlength=n_customers,
        ).astype(np.float64)
        return out

    everything = np.ones(m.author.shape[0], dtype=bool)
    engagement = per_customer(everything, m.engagement)
    posts = per_customer(everything).astype(np.int64)
    public_posts = per_customer(m.public).astype(np.int64)

    is_reply = m.parent >= 0
    parent = np.where(is_reply, m.parent, 0)
    parent_author = m.author[parent] if m.author.shape[0] else parent
    other_person = is_reply & (parent_author != m.author) & ~m.from_company[parent]
    # A reply to the same customer's other identity is not helping someone else.
    parent_cust = ident_cust[parent_author] if m.author.shape[0] else parent
    other_person &= ~((parent_cust >= 0) & (parent_cust == author_cust))
    answers = per_customer(other_person & m.question[parent] & ~m.negative).astype(np.int64)
    defences = per_customer(
        other_person & m.negative[parent] & ~m.question[parent] & m.positive
    ).astype(np.int64)
    praised = per_customer(~is_reply & m.positive & (m.engagement > 0)).astype(np.int64)

    ref = (
        np.zeros(n_customers, dtype=np.int64)
        if referrals is None
        else np.asarray(referrals, dtype=np.int64).reshape(-1)
    )
    if ref.shape[0] != n_customers:
        raise ValueError("referrals must have one entry per customer")

    influence = _customer_pagerank(m, ident_cust, n_customers, extra_edges)
    return SocialFacts(
        has_social=has_social,
        followers=cust_followers,
        engagement=engagement,
        posts=posts,
        public_posts=public_posts,
        answers=answers,
        defences=defences,
        praised=praised,
        referrals=ref,
        influence=influence,
    )


def _customer_pagerank(
    m: MessageRows,
    ident_cust: IntArray,
    n_customers: int,
    extra_edges: tuple[ArrayLike, ArrayLike] | None,
) -> FloatArray:
    """PageRank over nodes = customers, then identities without a customer.

    An identity that belongs to a customer is that customer's node, so a person with three
    accounts is one node; unlinked identities (strangers, the brand) are nodes of their own.
    A reply from a to b is an edge a -> b: attention flows to the person answered.
    """
    n_ident = ident_cust.shape[0]
    node_of_ident = np.where(
        ident_cust >= 0, ident_cust, n_customers + np.arange(n_ident, dtype=np.int64)
    )
    is_reply = m.parent >= 0
    src_id = m.author[is_reply]
    dst_id = m.author[m.parent[is_reply]]
    if extra_edges is not None:
        src_id = np.concatenate((src_id, np.asarray(extra_edges[0], dtype=np.int64).reshape(-1)))
        dst_id = np.concatenate((dst_id, np.asarray(extra_edges[1], dtype=np.int64).reshape(-1)))
    src, dst = node_of_ident[src_id], node_of_ident[dst_id]
    keep = src != dst
    n_nodes = n_customers + n_ident
    if not np.any(keep):
        return np.zeros(n_customers, dtype=np.float64)
    # Weighted by how often a talks to b: repeated replies are repeated attention.
    pairs = dst[keep] * n_nodes + src[keep]
    keys, counts = np.unique(pairs, return_counts=True)
    s, t, w = simple_graph(keys % n_nodes, keys // n_nodes, n_nodes, weight=counts)
    scores = pagerank(s, t, n_nodes, weight=w).scores
    result: FloatArray = scores[:n_customers].copy()
    return result


def social_vector(facts: SocialFacts) -> SocialVector:
    """Percentiles among customers with a social presence; NaN for the others."""
    raw = reach_raw(facts.followers, facts.engagement)
    present = facts.has_social
    reach_pct = np.full(raw.shape[0], np.nan)
    influence_pct = np.full(raw.shape[0], np.nan)
    if np.any(present):
        reach_pct[present] = percentile_ranks(raw[present])
        influence_pct[present] = percentile_ranks(facts.influence[present])
    return SocialVector(
        facts=facts,
        reach_raw=raw,
        reach_percentile=reach_pct,
        influence_percentile=influence_pct,
        advocacy=advocacy_score(facts.answers, facts.defences, facts.praised, facts.referrals),
    )
