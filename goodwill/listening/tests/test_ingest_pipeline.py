"""The pipeline inside ingest_batch: analysis on ingest, events, validation, the backfill."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from goodwill.analysis.abuse import flag_abuse
from goodwill.analysis.understand import analyse
from goodwill.customers.models import Identity
from goodwill.events.models import Event
from goodwill.listening import tasks
from goodwill.listening.models import Message
from goodwill.listening.services import (
    MESSAGE_RECEIVED,
    STAGES,
    analyse_stored_messages,
    ingest_batch,
)
from goodwill.listening.types import MessageItem
from goodwill.listening.understanding import current_model, current_taxonomy

TEXTS = {
    "1": "3 hours on hold and still waiting, you lost my bag. Worst airline ever",
    "2": "Thank you so much, the crew was lovely and my refund arrived today!",
    "3": "you useless idiots, where is my order",
    "4": "Necesito ayuda con mi reserva, por favor",
}


def item(ext: str, text: str, **more: Any) -> MessageItem:
    fields: dict[str, Any] = {
        "channel": "x",
        "external_id": ext,
        "author_id": f"user{ext}",
        "author_handle": f"user{ext}",
        "created_at": timezone.now() - timedelta(hours=2),
        "text": text,
        "likes": 40,
        "shares": 12,
        "replies": 5,
        "followers": 25_000,
    }
    fields.update(more)
    return MessageItem(**fields)


def batch() -> list[MessageItem]:
    items = [item(ext, text) for ext, text in TEXTS.items()]
    items[1].language = "fr"  # the platform said so: kept, even if the text looks English
    items.append(item("5", "We are sorry, DM us your booking code", is_from_company=True))
    return items


@pytest.mark.django_db
def test_new_messages_are_stored_with_their_analysis() -> None:
    items = batch()
    ingest_batch(source=None, items=items)
    expected = analyse([i.text for i in items], model=current_model(), taxonomy=current_taxonomy())
    flagged = flag_abuse([i.text for i in items]).flagged.tolist()
    for i, want, abusive in zip(items, expected, flagged, strict=True):
        msg = Message.objects.get(external_id=i.external_id)
        assert (msg.sentiment, msg.sentiment_score, msg.intent, msg.topics) == (
            want.sentiment,
            want.sentiment_score,
            want.intent,
            want.topics,
        )
        assert msg.language == (i.language or want.language)
        assert msg.is_abusive is abusive
        assert msg.analysed_at is not None
        assert msg.virality_risk is not None and 0.0 <= msg.virality_risk <= 1.0
        assert msg.text == i.text
    complaint = Message.objects.get(external_id="1")
    praise = Message.objects.get(external_id="2")
    assert complaint.sentiment == "negative"
    assert complaint.virality_risk is not None and complaint.virality_risk > 0.2
    assert praise.virality_risk == 0.0  # not negative: no risk of a negative moment of truth
    assert Message.objects.get(external_id="2").language == "fr"
    assert Message.objects.get(external_id="3").is_abusive is True


@pytest.mark.django_db
def test_each_new_customer_message_emits_one_event_even_when_ingested_again() -> None:
    items = batch()
    ingest_batch(source=None, items=items)
    ingest_batch(source=None, items=items)
    edited = dataclasses.replace(items[0], likes=400)
    ingest_batch(source=None, items=[edited])
    events = Event.objects.filter(type=MESSAGE_RECEIVED)
    customer_ids = {i.external_id for i in items if not i.is_from_company}
    assert {e.payload["external_id"] for e in events} == customer_ids
    assert events.count() == len(customer_ids)
    complaint = events.get(payload__external_id="1")
    msg = Message.objects.get(external_id="1")
    assert complaint.message_id == msg.pk and complaint.conversation_id == msg.conversation_id
    assert msg.author_id is not None
    assert complaint.customer_id == Identity.objects.get(pk=msg.author_id).customer_id
    assert complaint.occurred_at == items[0].created_at
    assert complaint.payload["sentiment"] == "negative"
    assert complaint.payload["intent"] == msg.intent
    assert complaint.payload["topics"] == msg.topics
    assert complaint.payload["analysed"] is True


@pytest.mark.django_db
def test_a_changed_message_is_analysed_again() -> None:
    ingest_batch(source=None, items=[item("9", TEXTS["2"])])
    before = Message.objects.get(external_id="9")
    assert before.sentiment == "positive"
    ingest_batch(source=None, items=[item("9", TEXTS["1"], created_at=before.created_at)])
    after = Message.objects.get(external_id="9")
    assert after.sentiment == "negative" and after.text == TEXTS["1"]
    assert after.analysed_at is not None and before.analysed_at is not None
    assert after.analysed_at > before.analysed_at
    assert after.virality_risk is not None and after.virality_risk > 0.0


BAD = [
    ("likes", -1, "likes"),
    ("shares", "12", "shares"),
    ("followers", 1.5, "followers"),
    ("created_at", datetime(2024, 1, 1), "created_at"),  # noqa: DTZ001 - the bad value
    ("external_id", "", "external_id"),
    ("text", "nul \x00 byte", "text"),
    ("url", "https://x.test/" + "a" * 3000, "url"),
    ("is_from_company", "yes", "is_from_company"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("field", "value", "named"), BAD)
def test_a_bad_item_names_itself_and_its_field_and_nothing_is_stored(
    field: str, value: Any, named: str
) -> None:
    items = batch()
    bad = dataclasses.replace(items[2], **{field: value})
    with pytest.raises(ValueError, match=rf"item 2 .*field '{named}'"):
        ingest_batch(source=None, items=[*items[:2], bad, *items[3:]])
    assert Message.objects.count() == 0
    assert Identity.objects.count() == 0
    assert Event.objects.count() == 0


@pytest.mark.django_db
def test_bulk_load_without_analysis_then_the_backfill_fills_it_in_batches() -> None:
    items = batch()
    result = ingest_batch(source=None, items=items, analyse=False, emit_events=False)
    assert result.created == len(items)
    assert not Message.objects.filter(analysed_at__isnull=False).exists()
    assert Event.objects.count() == 0
    assert analyse_stored_messages(batch_size=2) == len(items)
    assert analyse_stored_messages(batch_size=2) == 0
    expected = analyse([i.text for i in items], model=current_model(), taxonomy=current_taxonomy())
    for i, want in zip(items, expected, strict=True):
        msg = Message.objects.get(external_id=i.external_id)
        assert (msg.sentiment, msg.intent, msg.topics) == (want.sentiment, want.intent, want.topics)
        assert msg.language == (i.language or want.language)
        assert msg.analysed_at is not None and msg.virality_risk is not None
    # An edit stored without analysis clears the stale analysis date for the next backfill.
    edited = dataclasses.replace(items[0], text="all good now, thanks")
    ingest_batch(source=None, items=[edited], analyse=False)
    assert list(Message.objects.filter(analysed_at__isnull=True).values_list("external_id")) == [
        ("1",)
    ]
    assert analyse_stored_messages(limit=10) == 1


@pytest.mark.django_db
def test_stage_timings_cover_every_stage() -> None:
    timings: dict[str, float] = {}
    ingest_batch(source=None, items=batch(), timings=timings)
    assert set(timings) == set(STAGES)
    assert all(t >= 0.0 for t in timings.values())


@pytest.mark.django_db
def test_the_celery_task_runs_the_same_pipeline() -> None:
    items = batch()
    payload = [tasks.item_to_dict(i) for i in items]
    counts = tasks.ingest_items.apply(args=(None, payload)).get()
    assert counts == {"created": len(items), "updated": 0, "unchanged": 0}
    again = tasks.ingest_items.apply(args=(None, payload)).get()
    assert again == {"created": 0, "updated": 0, "unchanged": len(items)}
    assert Message.objects.filter(analysed_at__isnull=False).count() == len(items)
    assert Event.objects.filter(type=MESSAGE_RECEIVED).count() == len(items) - 1
