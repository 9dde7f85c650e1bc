from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from goodwill import bulk
from goodwill.events.models import Event

_DEDUPE_KEY_MAX = 200  # Event.dedupe_key's max_length


@dataclass(slots=True)
class EventSpec:
    """One event for emit_many (the same fields as emit's arguments)."""

    type: str
    dedupe_key: str
    occurred_at: datetime
    payload: dict[str, Any] = field(default_factory=dict)
    customer_id: int | None = None
    message_id: int | None = None
    conversation_id: int | None = None


def dedupe_key(*parts: str) -> str:
    """A dedupe key from parts joined by ':'; hashed when it would exceed the column's length."""
    key = ":".join(parts)
    if len(key) <= _DEDUPE_KEY_MAX:
        return key
    digest = hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=20).hexdigest()
    return f"{parts[0][:100]}:#{digest}"


def emit_many(*, events: Sequence[EventSpec]) -> int:
    """Record many facts at once, each stored once by its dedupe key; returns how many are new.

    One prepared ``INSERT ... ON CONFLICT (dedupe_key) DO NOTHING`` run for all of them,
    inside the caller's transaction (the ingest pipeline emits one per new message), so an
    event is stored exactly when the facts it describes are.
    """
    if not events:
        return 0
    adapt = bulk.datetime_adapter()
    payload = bulk.json_adapter(Event, "payload")
    rows = [
        (
            e.type,
            adapt(e.occurred_at),
            payload(e.payload),
            e.customer_id,
            e.message_id,
            e.conversation_id,
            e.dedupe_key,
        )
        for e in events
    ]
    return bulk.insert_new_rows(
        Event,
        (
            "type",
            "occurred_at",
            "payload",
            "customer_id",
            "message_id",
            "conversation_id",
            "dedupe_key",
        ),
        rows,
        unique=("dedupe_key",),
    )


def emit(
    *,
    type: str,
    payload: dict[str, Any] | None = None,
    occurred_at: datetime | None = None,
    customer_id: int | None = None,
    message_id: int | None = None,
    conversation_id: int | None = None,
    dedupe_key: str | None = None,
) -> Event | None:
    """Record that something happened. With a dedupe_key, emitting twice stores it once."""
    try:
        with transaction.atomic():
            return Event.objects.create(
                type=type,
                payload=payload or {},
                occurred_at=occurred_at or timezone.now(),
                customer_id=customer_id,
                message_id=message_id,
                conversation_id=conversation_id,
                dedupe_key=dedupe_key,
            )
    except IntegrityError:
        if dedupe_key is None:
            raise
        return None
