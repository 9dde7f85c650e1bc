from __future__ import annotations

import pytest
from django.utils import timezone

from goodwill.events.models import Event
from goodwill.events.services import EventSpec, dedupe_key, emit, emit_many


@pytest.mark.django_db
def test_emitting_the_same_fact_twice_stores_it_once() -> None:
    first = emit(type="message.received", payload={"id": 1}, dedupe_key="message:1")
    again = emit(type="message.received", payload={"id": 1}, dedupe_key="message:1")
    assert first is not None and again is None
    assert Event.objects.filter(dedupe_key="message:1").count() == 1


@pytest.mark.django_db
def test_facts_without_a_dedupe_key_are_all_kept() -> None:
    emit(type="spike.detected", payload={"topic": "payment"})
    emit(type="spike.detected", payload={"topic": "payment"})
    assert Event.objects.filter(type="spike.detected").count() == 2


@pytest.mark.django_db
def test_emit_many_stores_each_dedupe_key_once_and_counts_the_new_ones() -> None:
    now = timezone.now()
    specs = [
        EventSpec(type="message.received", dedupe_key=f"m:{n}", occurred_at=now, payload={"n": n})
        for n in range(3)
    ]
    assert emit_many(events=specs) == 3
    more = [EventSpec(type="message.received", dedupe_key="m:3", occurred_at=now)]
    assert emit_many(events=specs + more) == 1
    assert emit_many(events=[]) == 0
    stored = Event.objects.filter(type="message.received").order_by("dedupe_key")
    assert [e.payload for e in stored] == [{"n": 0}, {"n": 1}, {"n": 2}, {}]


def test_long_dedupe_keys_are_hashed_to_fit_and_stay_distinct() -> None:
    a = dedupe_key("message.received", "x", "a" * 300)
    b = dedupe_key("message.received", "x", "a" * 299 + "b")
    assert len(a) <= 200 and len(b) <= 200 and a != b
    assert dedupe_key("message.received", "x", "1") == "message.received:x:1"
