"""Threading and idempotency of ingest_batch under any arrival order and batching."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import transaction
from hypothesis import given, settings
from hypothesis import strategies as st

from goodwill.conversations.models import Conversation
from goodwill.customers.models import Customer, Identity
from goodwill.listening.models import Message
from goodwill.listening.services import ingest_batch
from goodwill.listening.types import MessageItem

T0 = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
COMPANY = "acme_care"


@dataclass(frozen=True)
class Forest:
    """Reply trees over nodes 0..n-1: parent[i] < i (or None for a root); times never fall
    with i, and equal times happen (ties are where ordering bugs hide)."""

    parent: list[int | None]
    company: list[bool]
    author: list[int]
    times: list[datetime]

    def root(self, i: int) -> int:
        while (p := self.parent[i]) is not None:
            i = p
        return i

    def trees(self) -> dict[int, list[int]]:
        out: dict[int, list[int]] = {}
        for i in range(len(self.parent)):
            out.setdefault(self.root(i), []).append(i)
        return out

    def item(self, i: int, prefix: str, *, likes: int = 0) -> MessageItem:
        author = COMPANY if self.company[i] else f"{prefix}u{self.author[i]}"
        parent = self.parent[i]
        return MessageItem(
            channel="x",
            external_id=f"{prefix}{i}",
            author_id=author,
            author_handle=author,
            created_at=self.times[i],
            text=f"message {i} <b>&amp;</b>",
            in_reply_to="" if parent is None else f"{prefix}{parent}",
            is_from_company=self.company[i],
            likes=likes,
        )


@st.composite
def forests(draw: st.DrawFn, max_size: int = 24) -> Forest:
    n = draw(st.integers(1, max_size))
    parent: list[int | None] = [None]
    for i in range(1, n):
        parent.append(draw(st.none() | st.integers(0, i - 1)))
    gaps = draw(st.lists(st.sampled_from([0, 0, 1, 59, 3600, 86400]), min_size=n, max_size=n))
    times, at = [], T0
    for gap in gaps:
        at += timedelta(seconds=gap, microseconds=gap % 7)  # also exercise microseconds
        times.append(at)
    return Forest(
        parent=parent,
        company=draw(st.lists(st.booleans(), min_size=n, max_size=n)),
        author=draw(st.lists(st.integers(0, 3), min_size=n, max_size=n)),
        times=times,
    )


def _batches(items: list[MessageItem], cuts: list[int]) -> list[list[MessageItem]]:
    bounds = sorted({0, len(items), *(c % (len(items) + 1) for c in cuts)})
    return [items[a:b] for a, b in zip(bounds, bounds[1:], strict=False) if b > a]


def _snapshot(prefix: str) -> dict[str, Any]:
    convs = Conversation.objects.filter(root_external_id__startswith=prefix).order_by("id")
    return {
        "conversations": list(
            convs.values(
                "id",
                "root_external_id",
                "message_count",
                "company_message_count",
                "customer_message_count",
                "started_at",
                "started_by",
                "last_message_at",
                "first_response_at",
                "customer_id",
            )
        ),
        "messages": list(
            Message.objects.filter(external_id__startswith=prefix)
            .order_by("id")
            .values_list("id", "conversation_id", "author_id", "content_hash")
        ),
        "identities": Identity.objects.count(),
        "customers": Customer.objects.count(),
    }


def _check_threads(forest: Forest, prefix: str) -> None:
    """Each reply tree is one conversation with the facts computed straight from the tree."""
    trees = forest.trees()
    convs = {c.root_external_id: c for c in Conversation.objects.filter(channel="x")}
    assert sorted(convs) == sorted(f"{prefix}{r}" for r in trees)
    by_ext = dict(Message.objects.filter(channel="x").values_list("external_id", "conversation_id"))
    customer_of = dict(
        Identity.objects.filter(channel="x").values_list("external_id", "customer_id")
    )
    for root, members in trees.items():
        conv = convs[f"{prefix}{root}"]
        assert {by_ext[f"{prefix}{m}"] for m in members} == {conv.pk}
        # Time order; at equal times a customer's message counts as first.
        members = sorted(members, key=lambda m: (forest.times[m], forest.company[m]))
        company = [m for m in members if forest.company[m]]
        customers = [m for m in members if not forest.company[m]]
        assert conv.message_count == len(members)
        assert conv.company_message_count == len(company)
        assert conv.customer_message_count == len(customers)
        assert conv.started_at == forest.times[members[0]]
        assert conv.last_message_at == forest.times[members[-1]]
        first = members[0]
        assert conv.started_by == ("company" if forest.company[first] else "customer")
        expected_response = (
            forest.times[company[0]] if company and not forest.company[first] else None
        )
        assert conv.first_response_at == expected_response
        # The customer is the author of the first customer message (any of them on a tie).
        expected_customers = {
            customer_of[f"{prefix}u{forest.author[m]}"]
            for m in customers
            if forest.times[m] == forest.times[customers[0]]
        }
        assert conv.customer_id in (expected_customers or {None})


@pytest.mark.django_db
@settings(max_examples=60, deadline=None)
@given(
    forest=forests(),
    order=st.randoms(use_true_random=False),
    cuts=st.lists(st.integers(0, 30), max_size=4),
)
def test_any_arrival_order_and_batching_gives_one_conversation_per_tree(
    forest: Forest, order: random.Random, cuts: list[int]
) -> None:
    with transaction.atomic():
        items = [forest.item(i, "m") for i in range(len(forest.parent))]
        order.shuffle(items)
        results = [ingest_batch(source=None, items=batch) for batch in _batches(items, cuts)]
        assert sum(r.created for r in results) == len(items)
        _check_threads(forest, "m")

        before = _snapshot("m")
        order.shuffle(items)
        again = ingest_batch(source=None, items=items)
        assert (again.created, again.updated, again.unchanged) == (0, 0, len(items))
        assert _snapshot("m") == before
        transaction.set_rollback(True)


@pytest.mark.django_db
@settings(max_examples=25, deadline=None)
@given(forest=forests(max_size=12), order=st.randoms(use_true_random=False))
def test_an_edit_is_an_update_and_keeps_the_threads(forest: Forest, order: random.Random) -> None:
    with transaction.atomic():
        items = [forest.item(i, "e") for i in range(len(forest.parent))]
        order.shuffle(items)
        ingest_batch(source=None, items=items)
        edited = order.randrange(len(items))
        changed = forest.item(edited, "e", likes=5)
        result = ingest_batch(source=None, items=[changed])
        assert (result.created, result.updated, result.unchanged) == (0, 1, 0)
        assert Message.objects.get(external_id=f"e{edited}").likes == 5
        _check_threads(forest, "e")
        transaction.set_rollback(True)


def _generated(n: int, seed: int) -> Forest:
    rng = random.Random(seed)
    parent: list[int | None] = []
    for i in range(n):
        # About a third start a thread; the rest answer a recent message (long threads).
        parent.append(None if i == 0 or rng.random() < 0.35 else rng.randrange(max(0, i - 50), i))
    times = [T0 + timedelta(seconds=37 * i + rng.randrange(30)) for i in range(n)]
    return Forest(
        parent=parent,
        company=[rng.random() < 0.3 for _ in range(n)],
        author=[rng.randrange(400) for _ in range(n)],
        times=times,
    )


@pytest.mark.django_db
def test_thousands_of_shuffled_messages_twice_change_nothing_the_second_time() -> None:
    forest = _generated(3000, seed=11)
    rng = random.Random(5)
    items = [forest.item(i, "g") for i in range(len(forest.parent))]
    rng.shuffle(items)
    created = sum(
        ingest_batch(source=None, items=items[k : k + 400]).created for k in range(0, 3000, 400)
    )
    assert created == 3000
    _check_threads(forest, "g")
    before = _snapshot("g")
    assert before["customers"] == len(
        {a for a, c in zip(forest.author, forest.company, strict=True) if not c}
    )

    rng.shuffle(items)
    totals = [0, 0, 0]
    for k in range(0, 3000, 700):
        result = ingest_batch(source=None, items=items[k : k + 700])
        totals = [
            totals[0] + result.created,
            totals[1] + result.updated,
            totals[2] + result.unchanged,
        ]
    assert totals == [0, 0, 3000]
    assert _snapshot("g") == before


@pytest.mark.django_db
def test_chained_placeholders_fold_into_the_oldest_thread() -> None:
    # 4 -> 3 -> 2 -> 1: replies arrive deepest first, one per batch, the root last but one.
    forest = Forest(
        parent=[None, 0, 1, 2, 3],
        company=[False, True, False, True, False],
        author=[0, 0, 1, 0, 2],
        times=[T0 + timedelta(minutes=m) for m in range(5)],
    )
    for i in (4, 2, 0, 3, 1):
        ingest_batch(source=None, items=[forest.item(i, "c")])
    _check_threads(forest, "c")
    assert Conversation.objects.count() == 1


@pytest.mark.django_db
def test_duplicate_keys_in_one_batch_are_refused_naming_the_id() -> None:
    forest = _generated(3, seed=1)
    item = forest.item(1, "d")
    with pytest.raises(ValueError, match="'d1' appears twice"):
        ingest_batch(source=None, items=[forest.item(0, "d"), item, item])
    assert not Message.objects.exists()


@pytest.mark.django_db
def test_a_customer_message_at_the_same_instant_as_the_company_post_counts_as_first() -> None:
    forest = Forest(parent=[None, 0], company=[True, False], author=[0, 1], times=[T0, T0])
    ingest_batch(source=None, items=[forest.item(0, "t")])
    assert Conversation.objects.get().started_by == "company"
    ingest_batch(source=None, items=[forest.item(1, "t")])
    _check_threads(forest, "t")
    assert Conversation.objects.get().started_by == "customer"
