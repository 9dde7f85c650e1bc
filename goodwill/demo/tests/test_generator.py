"""The demo world generator: deterministic, the right shape, and the planted truth is real."""

from __future__ import annotations

import re
import statistics
import unicodedata
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from goodwill.demo import generator
from goodwill.demo.generator import LAPSE_DAYS, DemoWorld, booking_refs, generate
from goodwill.demo.phrases import INCIDENT, INCIDENT_KEYWORDS

END = datetime(2026, 3, 2, tzinfo=UTC)
SMALL = {"customers": 300, "messages": 6000, "days": 60, "end": END}


@pytest.fixture(scope="module")
def world() -> DemoWorld:
    return generate(seed=11, **SMALL)  # type: ignore[arg-type]


def _fingerprint(w: DemoWorld) -> list[tuple[object, ...]]:
    return [
        (m.channel, m.external_id, m.author_id, m.created_at, m.text, m.in_reply_to, m.shares)
        for m in w.messages
    ]


def test_same_seed_same_world_and_another_seed_another(world: DemoWorld) -> None:
    again = generate(seed=11, **SMALL)  # type: ignore[arg-type]
    assert _fingerprint(again) == _fingerprint(world)
    assert again.transactions == world.transactions
    assert again.truth.to_json() == world.truth.to_json()
    other = generate(seed=12, **SMALL)  # type: ignore[arg-type]
    assert [m.text for m in other.messages] != [m.text for m in world.messages]
    assert other.transactions != world.transactions
    assert other.truth.incident.start != world.truth.incident.start


def test_sizes_times_and_threads_are_consistent(world: DemoWorld) -> None:
    msgs = world.messages
    assert len(msgs) == SMALL["messages"]
    assert len(world.customers) == SMALL["customers"]
    start = END - timedelta(days=SMALL["days"])  # type: ignore[arg-type]
    assert all(start <= m.created_at <= END and m.created_at.tzinfo is not None for m in msgs)
    assert [m.created_at for m in msgs] == sorted(m.created_at for m in msgs)
    keys = [(m.channel, m.external_id) for m in msgs]
    assert len(set(keys)) == len(keys)
    by_key = {(m.channel, m.external_id): m for m in msgs}
    replies = [m for m in msgs if m.in_reply_to]
    assert len(replies) > len(msgs) // 4
    for m in replies:
        parent = by_key[(m.channel, m.in_reply_to)]
        assert parent.created_at <= m.created_at
    # `replies` counts are the number of direct answers actually in the world.
    answered = Counter((m.channel, m.in_reply_to) for m in replies)
    assert all(m.replies == answered.get((m.channel, m.external_id), 0) for m in msgs)
    channels = Counter(m.channel for m in msgs if not m.is_from_company)
    assert set(channels) == set(generator.CHANNELS)
    assert all(not m.labels and m.language == "" for m in msgs)  # no precomputed analysis


def test_brand_answers_fast_in_office_hours_and_slowly_otherwise(world: DemoWorld) -> None:
    by_key = {(m.channel, m.external_id): m for m in world.messages}
    brand = {a.external_id for a in (*world.brand.support, world.brand.main)}
    office, off = [], []
    for m in world.messages:
        if not m.is_from_company or not m.in_reply_to:
            continue
        assert m.author_id in brand
        parent = by_key[(m.channel, m.in_reply_to)]
        wait = (m.created_at - parent.created_at).total_seconds() / 60
        at = parent.created_at
        (office if at.weekday() < 5 and 9 <= at.hour < 19 else off).append(wait)
    assert statistics.median(office) < 40
    assert statistics.median(off) > 2 * statistics.median(office)
    customer_roots = [m for m in world.messages if not m.in_reply_to and not m.is_from_company]
    answered = {(m.channel, m.in_reply_to) for m in world.messages if m.is_from_company}
    share = sum((m.channel, m.external_id) in answered for m in customer_roots) / len(
        customer_roots
    )
    assert 0.4 < share < 0.9  # many answered, some never


def _incident_like(text: str) -> bool:
    lowered = text.lower()
    return any(k in lowered for k in INCIDENT_KEYWORDS)


def test_every_incident_template_names_a_keyword() -> None:
    assert all(_incident_like(t.text) for t in INCIDENT)


def test_incident_grows_from_a_spark_to_a_spike(world: DemoWorld) -> None:
    inc = world.truth.incident
    hourly: Counter[datetime] = Counter()
    for m in world.messages:
        if not m.is_from_company and _incident_like(m.text):
            hourly[m.created_at.replace(minute=0, second=0, microsecond=0)] += 1
    hours = [inc.hour0 + timedelta(hours=h) for h in range(len(inc.hourly_counts))]
    before = [hourly.get(inc.hour0 - timedelta(hours=h), 0) for h in range(1, 24 * 7)]
    peak = max(hourly[h] for h in hours)
    assert peak >= 10 * max(1.0, statistics.mean(before))
    assert max(before) <= 2  # quiet beforehand: the spark is a handful
    # Exponential-ish: the second half of the growth holds far more than the first.
    growth = [hourly[h] for h in hours if h < inc.peak]
    half = len(growth) // 2
    assert sum(growth[half:]) > 3 * sum(growth[:half]) > 0
    assert inc.start < inc.growth_10pct_at < inc.peak < inc.end
    assert hourly[inc.peak] == max(hourly[h] for h in hours)
    ids = set(inc.message_ids)
    assert len(ids) == sum(inc.hourly_counts)
    texts = {(m.channel, m.external_id): m for m in world.messages}
    matched = sum(_incident_like(texts[k].text) for k in ids)
    assert matched >= 0.85 * len(ids)  # the rest carry typos
    assert statistics.mean(texts[k].shares for k in ids) > 2 * statistics.mean(
        m.shares
        for m in world.messages
        if not m.in_reply_to and (m.channel, m.external_id) not in ids
    )
    assert inc.brand_statement_ids and texts[inc.brand_statement_ids[0]].is_from_company


def test_lapsing_customers_buy_far_below_their_own_baseline(world: DemoWorld) -> None:
    lapse_start = END - timedelta(days=LAPSE_DAYS)
    joined = {c.customer_id: c.joined_at for c in world.customers}
    times: dict[str, list[datetime]] = defaultdict(list)
    spend_before: Counter[str] = Counter({c.customer_id: 0 for c in world.customers})
    for tx in world.transactions:
        times[tx.customer_id].append(tx.occurred_at)
        if tx.occurred_at < lapse_start:
            spend_before[tx.customer_id] += float(tx.amount)
        assert tx.amount > 0 and tx.currency == "EUR"
    lapsing = [lc.customer_id for lc in world.truth.lapsing]
    assert len(lapsing) >= 3
    top = float(np.quantile(list(spend_before.values()), 0.75))
    for cid in lapsing:
        before = [t for t in times[cid] if t < lapse_start]
        recent = len(times[cid]) - len(before)
        years = (lapse_start - joined[cid]).days / 365
        baseline = len(before) / years  # per year
        expected = baseline * LAPSE_DAYS / 365
        assert expected >= 2
        assert recent <= 0.35 * expected
        assert spend_before[cid] >= top  # valuable by their history
    churners = set(world.truth.churners)
    assert churners and not churners & set(lapsing)
    segments = Counter(c.segment for c in world.customers)
    assert segments["active"] > segments["lapsing"]


def test_planted_identities_are_real_and_carry_evidence(world: DemoWorld) -> None:
    authored = {(m.channel, m.author_id) for m in world.messages}
    known = {(i.channel, i.external_id): i for i in world.identities}
    assert authored == set(known)
    texts_by_author: dict[tuple[str, str], list[str]] = defaultdict(list)
    for m in world.messages:
        texts_by_author[(m.channel, m.author_id)].append(m.text)
    refs: dict[str, set[str]] = defaultdict(set)
    emails = {}
    for tx in world.transactions:
        refs[tx.customer_id].add(tx.external_id)
        emails[tx.customer_id] = tx.email
    multi = [s for s in world.truth.shared_identities if len(s.identities) > 1]
    assert len(multi) >= 20
    assert len({ch for s in multi for ch, _ in s.identities}) >= 3
    for shared in world.truth.shared_identities:
        persons = {known[key].person_id for key in shared.identities}
        assert persons == {shared.person_id}
        if shared.customer_id:
            written = " ".join(t for key in shared.identities for t in texts_by_author[key])
            assert any(ref in written for ref in refs[shared.customer_id])
        if "same_email" in shared.evidence:
            assert ("email", emails[shared.customer_id]) in shared.identities
    for neg in world.truth.hard_negatives:
        a, b = known[neg.a], known[neg.b]
        assert a.person_id != b.person_id

        def plain(s: str) -> tuple[str, str]:
            first, last = (
                unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode().split(" ", 1)
            )
            return first, last[0]  # reviews show "Chloe S."

        assert plain(a.display_name) == plain(b.display_name)
    assert world.truth.advocates


def test_the_idea_is_echoed_in_many_wordings(world: DemoWorld) -> None:
    ids = set(world.truth.idea.message_ids)
    assert len(ids) >= 0.009 * len(world.messages)
    truth = {
        (m.channel, m.external_id): t
        for m, t in zip(world.messages, world.message_truth, strict=True)
    }
    assert len({truth[k].text for k in ids}) >= 8
    assert len({k[0] for k in ids}) >= 3


def test_language_is_messy_and_multilingual(world: DemoWorld) -> None:
    texts = [m.text for m in world.messages]
    emoji = re.compile("[\U0001f300-\U0001faff\u2600-\u27bf]")
    assert sum(bool(emoji.search(t)) for t in texts) > 0.05 * len(texts)
    languages = Counter(t.language for t in world.message_truth)
    assert {"es", "fr", "de"} <= set(languages)
    assert 0.005 < (len(texts) - languages["en"]) / len(texts) < 0.1
    assert any(ch in "ñéüß¿" for t in texts for ch in t)
    intents = Counter(t.intent for t in world.message_truth)
    for intent in ("complaint", "question", "praise", "suggestion", "purchase_intent"):
        assert intents[intent] > 0
    assert intents["churn_threat"] > 0
    assert any(t.sarcastic for t in world.message_truth)
    assert any(not c.name.isascii() for c in world.customers)


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("customers", {"customers": 5}),
        ("messages", {"messages": 10}),
        ("days", {"days": 2}),
        ("end", {"end": datetime(2026, 1, 1)}),  # noqa: DTZ001 - naive on purpose
    ],
)
def test_bad_sizes_name_the_field(field: str, kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError, match=f"^{field}:"):
        generate(**kwargs)  # type: ignore[arg-type]


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(0, (1 << 30) - 1), min_size=1, max_size=50, unique=True))
def test_booking_refs_never_collide(numbers: list[int]) -> None:
    refs = booking_refs(np.array(numbers, dtype=np.int64))
    assert len(set(refs)) == len(numbers)
    assert all(len(r) == 6 and r.isalnum() and r.isupper() or r.isdigit() for r in refs)
    assert [generator._pnr(n) for n in numbers] == refs


@settings(max_examples=100, deadline=None)
@given(st.text(min_size=0, max_size=80), st.integers(0, 1 << 31))
def test_typos_change_little(text: str, r: int) -> None:
    out = generator._typo(text, r)
    assert abs(len(out) - len(text)) <= max(1, text.count("'") + text.count("."))


@settings(max_examples=4, deadline=None)
@given(st.integers(0, 10_000))
def test_any_seed_gives_a_complete_small_world(seed: int) -> None:
    w = generate(seed=seed, customers=40, messages=900, days=14, end=END)
    assert len(w.messages) == 900
    assert w.truth.incident.message_ids and w.truth.idea.message_ids
    assert all(
        w.messages[i].created_at <= w.messages[i + 1].created_at for i in range(len(w.messages) - 1)
    )
