from __future__ import annotations

import pytest

from goodwill.events.models import Event
from goodwill.events.services import emit


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
