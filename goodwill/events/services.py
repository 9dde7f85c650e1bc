from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from goodwill.events.models import Event


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
