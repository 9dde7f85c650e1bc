from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from goodwill.conversations.models import Conversation
from goodwill.listening.models import Message
from goodwill.listening.services import ingest_batch
from goodwill.listening.types import MessageItem

T0 = datetime(2024, 1, 1, tzinfo=UTC)


def item(
    ext: str, author: str, minutes: int, reply_to: str = "", company: bool = False, text: str = "hi"
) -> MessageItem:
    return MessageItem(
        channel="x",
        external_id=ext,
        author_id=author,
        author_handle=author,
        created_at=T0 + timedelta(minutes=minutes),
        text=text,
        in_reply_to=reply_to,
        is_from_company=company,
    )


@pytest.mark.django_db
def test_replies_before_their_parent_end_up_in_one_thread() -> None:
    ingest_batch(
        source=None, items=[item("3", "acme", 5, "2", company=True), item("2", "bob", 1, "1")]
    )
    ingest_batch(source=None, items=[item("1", "al", 0, text="<script>alert(1)</script>")])
    conv = Conversation.objects.get()
    assert conv.root_external_id == "1"
    assert conv.message_count == 3
    assert conv.started_by == "customer"
    assert conv.first_response_at == T0 + timedelta(minutes=5)
    assert Message.objects.get(external_id="1").text == "<script>alert(1)</script>"


@pytest.mark.django_db
def test_placeholder_thread_folds_into_the_older_thread_its_parent_joins() -> None:
    ingest_batch(source=None, items=[item("1", "al", 0)])
    ingest_batch(source=None, items=[item("3", "acme", 5, "2", company=True)])
    assert Conversation.objects.count() == 2
    ingest_batch(source=None, items=[item("2", "bob", 1, "1")])
    conv = Conversation.objects.get()
    assert set(Message.objects.values_list("conversation_id", flat=True)) == {conv.pk}
    assert conv.message_count == 3


@pytest.mark.django_db
def test_reingest_is_unchanged_and_an_edit_is_an_update() -> None:
    batch = [item("1", "al", 0), item("2", "bob", 1, "1")]
    first = ingest_batch(source=None, items=batch)
    again = ingest_batch(source=None, items=batch)
    edited = ingest_batch(source=None, items=[item("1", "al", 0, text="edited")])
    assert (first.created, again.created, again.unchanged) == (2, 0, 2)
    assert (edited.updated, edited.unchanged) == (1, 0)
    assert Message.objects.count() == 2
