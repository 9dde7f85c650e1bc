"""The hand-written ingest statements agree with Django and stay few as batches grow."""

from __future__ import annotations

import gc
from datetime import UTC, datetime, timedelta, timezone

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import given
from hypothesis import strategies as st

from goodwill import bulk
from goodwill.conversations.models import Conversation
from goodwill.customers.models import Customer, Identity
from goodwill.listening.models import Label, Message
from goodwill.listening.services import _hashes_and_times, ingest_batch
from goodwill.listening.types import LabelItem, MessageItem

T0 = datetime(2024, 1, 1, tzinfo=UTC)

aware = st.datetimes(
    min_value=datetime(1971, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.timezones()
)


@given(moment=aware)
def test_datetime_adapter_matches_django_and_reads_back(moment: datetime) -> None:
    assert bulk.datetime_adapter()(moment) == connection.ops.adapt_datetimefield_value(moment)
    if connection.vendor == "sqlite":
        # Compared in UTC: local times inside a DST gap do not compare equal to themselves
        # across zones in Python, though they name the same instant.
        assert bulk.datetime_reader()(bulk.datetime_adapter()(moment)) == moment.astimezone(UTC)


def _items(n: int, prefix: str) -> list[MessageItem]:
    zone = timezone(timedelta(hours=-5))
    return [
        MessageItem(
            channel="reddit" if i % 3 else "x",
            external_id=f"{prefix}{i}",
            author_id=f"a{i % 7}",
            author_handle=f"a{i % 7}",
            author_name=f"Author {i % 7}",
            followers=(i % 7) * 10,
            created_at=(T0 + timedelta(minutes=i)).astimezone(zone),
            text=f"text {i} \u200f\u05e9\u05dc\u05d5\u05dd <script>x</script>",
            in_reply_to=f"{prefix}{i - 3}" if i >= 3 and i % 2 else "",
            raw={"n": i, "nested": {"ok": True}} if i % 4 == 0 else {},
            labels=[LabelItem(field="sentiment", value="negative", origin="dataset:test")],
        )
        for i in range(n)
    ]


@pytest.mark.django_db
def test_rows_written_by_hand_read_back_through_the_orm_like_orm_rows() -> None:
    items = _items(12, "r")
    # Not analysed: the analysis columns keep their defaults, as the ORM would write them.
    result = ingest_batch(source=None, items=items, analyse=False)
    assert result.created == 12 and len(result.message_ids) == 12
    for item in items:
        msg = Message.objects.get(channel=item.channel, external_id=item.external_id)
        assert msg.created_at == item.created_at
        assert msg.text == item.text
        assert msg.raw == item.raw
        assert msg.topics == [] and msg.sentiment == "" and msg.imported_at is not None
        assert msg.analysed_at is None and msg.virality_risk is None
        assert msg.author is not None and msg.author.followers == item.followers
        assert msg.conversation_id is not None
        assert msg.labels.get().value == "negative"
    authors = {(i.channel, i.author_id) for i in items}
    assert Customer.objects.count() == Identity.objects.count() == len(authors)
    assert Label.objects.count() == 12
    assert Conversation.objects.filter(message_count__gt=1).exists()


@pytest.mark.django_db
def test_queries_per_batch_do_not_grow_with_the_batch() -> None:
    def count(items: list[MessageItem]) -> int:
        with CaptureQueriesContext(connection) as ctx:
            ingest_batch(source=None, items=items)
        return len(ctx.captured_queries)

    small = count(_items(20, "s"))
    large = count(_items(240, "l"))
    assert small > 5  # the hand-written statements are visible to query counting
    assert large <= small + 4  # a few more INSERT chunks at most, never one per row


@pytest.mark.django_db
def test_new_ids_are_right_whether_counted_or_read_back(monkeypatch: pytest.MonkeyPatch) -> None:
    def check(prefix: str) -> None:
        result = ingest_batch(source=None, items=_items(30, prefix))
        stored = Message.objects.filter(external_id__startswith=prefix)
        assert sorted(result.message_ids) == sorted(stored.values_list("id", flat=True))
        for channel, conv in stored.values_list("channel", "conversation_id"):
            assert Conversation.objects.get(pk=conv).channel == channel

    check("a")
    Message.objects.filter(external_id="a29").delete()  # the counter is now ahead of max(id)
    check("b")
    # A counter that moved by more than our rows (another writer got in first): read back.
    monkeypatch.setattr(bulk, "_sequence", lambda cursor, model: 0)
    check("c")


# datetime.UTC itself takes the adapter's fast path; st.timezones() yields ZoneInfo zones.
any_zone = st.one_of(
    st.just(UTC),
    st.timezones(),
    st.integers(min_value=-14 * 60, max_value=14 * 60).map(
        lambda minutes: timezone(timedelta(minutes=minutes))
    ),
)
moments = st.datetimes(
    min_value=datetime(1971, 1, 1), max_value=datetime(2100, 1, 1), timezones=any_zone
)


@given(moment=moments)
def test_datetime_adapter_fast_path_matches_django(moment: datetime) -> None:
    assert bulk.datetime_adapter()(moment) == connection.ops.adapt_datetimefield_value(moment)


@given(moments=st.lists(moments, min_size=1, max_size=5), likes=st.integers(0, 2**31 - 1))
def test_hashes_and_times_match_content_hash_and_the_adapter(
    moments: list[datetime], likes: int
) -> None:
    items = [
        MessageItem(
            channel="x",
            external_id=str(n),
            author_id="a",
            author_handle="a",
            created_at=moment,
            text="t",
            likes=likes,
        )
        for n, moment in enumerate(moments)
    ]
    digests, times = _hashes_and_times(items)
    assert digests == [item.content_hash() for item in items]
    assert times == [bulk.datetime_adapter()(item.created_at) for item in items]


def test_nested_freezes_do_not_count_the_frozen_objects(monkeypatch: pytest.MonkeyPatch) -> None:
    gc.unfreeze()
    counted: list[int] = []
    real = gc.get_freeze_count

    def counting() -> int:
        counted.append(1)
        return real()

    monkeypatch.setattr(gc, "get_freeze_count", counting)
    with bulk.older_objects_frozen():
        assert real() > 0
        for _ in range(3):
            with bulk.older_objects_frozen():
                assert real() > 0
        assert real() > 0  # the nested blocks did not unfreeze
    assert real() == 0
    assert len(counted) == 1  # only the outer block looked


def test_a_bulk_block_lets_the_youngest_generation_grow_and_restores_it() -> None:
    before = gc.get_threshold()
    with bulk.older_objects_frozen():
        inside = gc.get_threshold()
        with bulk.older_objects_frozen():
            assert gc.get_threshold() == inside
    assert inside[0] == max(before[0], bulk.BULK_GC_THRESHOLD)
    assert inside[1:] == before[1:]
    assert gc.get_threshold() == before
