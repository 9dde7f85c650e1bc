"""Ingest as a task: in-process without REDIS_URL, on Celery workers with it.

Tasks take ids and JSON data, never model instances, and are idempotent: ingest dedupes by
(channel, external id), so a redelivered or retried batch stores nothing twice.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from celery import Task
from django.conf import settings
from django.db import transaction
from django.db.utils import IntegrityError, OperationalError

from goodwill.celery import app
from goodwill.listening.models import Source
from goodwill.listening.services import ingest_batch
from goodwill.listening.types import LabelItem, MessageItem
from goodwill.utils import chunks

# Every MessageItem field travels as itself except these three, which need converting; deriving
# the list keeps a field added to MessageItem from being dropped on the way through the queue.
_CONVERTED = ("created_at", "raw", "labels")
_SCALARS = tuple(f.name for f in dataclasses.fields(MessageItem) if f.name not in _CONVERTED)
_KNOWN = {*_SCALARS, *_CONVERTED}


def item_to_dict(item: MessageItem) -> dict[str, Any]:
    """A JSON-serialisable form of a MessageItem (created_at as an ISO 8601 string)."""
    data: dict[str, Any] = {name: getattr(item, name) for name in _SCALARS}
    data["created_at"] = item.created_at.isoformat()
    data["raw"] = item.raw
    data["labels"] = [
        {"field": lab.field, "value": lab.value, "origin": lab.origin, "confidence": lab.confidence}
        for lab in item.labels
    ]
    return data


def item_from_dict(data: dict[str, Any], *, position: int = 0) -> MessageItem:
    """Rebuild a MessageItem; a malformed dict raises ValueError naming its position and field."""
    where = f"item {position} ({data.get('channel', '?')}:{data.get('external_id', '?')})"
    try:
        created_at = datetime.fromisoformat(data["created_at"])
    except KeyError as exc:
        raise ValueError(f"{where}: created_at is missing") from exc
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{where}: created_at {data['created_at']!r} is not ISO 8601") from exc
    if created_at.tzinfo is None:
        raise ValueError(f"{where}: created_at {data['created_at']!r} has no time zone")
    unknown = sorted(set(data) - _KNOWN)
    if unknown:
        raise ValueError(f"{where}: unknown field(s) {', '.join(unknown)}")
    fields = {name: data[name] for name in _SCALARS if name in data}
    try:
        labels = [LabelItem(**lab) for lab in data.get("labels") or []]
        return MessageItem(
            created_at=created_at, raw=data.get("raw") or {}, labels=labels, **fields
        )
    except TypeError as exc:
        raise ValueError(f"{where}: {exc}") from exc


@app.task(
    bind=True,
    # OperationalError: a locked SQLite file, a PostgreSQL restart. IntegrityError: two
    # deliveries of one batch racing for the same unique keys; the retry finds the rows stored
    # and changes nothing.
    autoretry_for=(OperationalError, IntegrityError),
    retry_backoff=True,
    max_retries=5,
    acks_late=True,
)
def ingest_items(
    self: Task[Any, Any], source_id: int | None, items: list[dict[str, Any]]
) -> dict[str, int]:
    """Ingest one batch of item dicts (see item_to_dict) for a source; safe to run twice.

    Retries with backoff (up to 5 times) on transient database errors; a malformed item fails
    at once with a ValueError naming it.
    Returns the batch's created/updated/unchanged counts.
    """
    parsed: dict[tuple[str, str], MessageItem] = {}
    for position, data in enumerate(items):
        item = item_from_dict(data, position=position)
        parsed[(item.channel, item.external_id)] = item  # the last copy of a duplicate wins
    source = Source.objects.filter(pk=source_id).first() if source_id is not None else None
    if source_id is not None and source is None:
        raise ValueError(f"source {source_id} does not exist")
    result = ingest_batch(source=source, items=list(parsed.values()))
    return {"created": result.created, "updated": result.updated, "unchanged": result.unchanged}


def enqueue_ingest(
    source: Source | None, items: Iterable[MessageItem], *, batch_size: int | None = None
) -> int:
    """Queue items for ingest once the current transaction commits; returns the batch count.

    Items are serialised now, so later changes to them do not leak into the task. Without
    REDIS_URL the task runs in-process (eager) at commit; with it, a worker picks it up.
    """
    size = batch_size or settings.GOODWILL_IMPORT_BATCH_SIZE
    payload = [item_to_dict(item) for item in items]
    source_id = source.pk if source is not None else None
    batches: Sequence[Sequence[dict[str, Any]]] = list(chunks(payload, size))
    for batch in batches:
        transaction.on_commit(_sender(source_id, list(batch)))
    return len(batches)


def _sender(source_id: int | None, batch: list[dict[str, Any]]) -> Callable[[], None]:
    def send() -> None:
        ingest_items.delay(source_id, batch)

    return send
