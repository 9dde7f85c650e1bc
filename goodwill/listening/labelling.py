"""Learning from the team: an agent's corrections of what Goodwill understood of a message.

A correction is a :class:`~goodwill.listening.models.Label` with origin ``"agent"`` (one per
message and field; a new correction replaces the previous one), the agent as ``created_by``,
and an audit entry holding the model's value, the previous correction and the new one. The
model's own output on the message is never overwritten: the UI and the API show both, apart.

``goodwill analysis retrain`` reads the corrections (and, when the operator asks, dataset
labels) back through :func:`sentiment_examples`, :func:`intent_examples` and
:func:`topic_examples`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction

from goodwill.accounts.services import audit
from goodwill.analysis.intent import INTENTS
from goodwill.analysis.sentiment import LABELS
from goodwill.listening.models import Label, Message
from goodwill.listening.understanding import current_taxonomy

AGENT = "agent"
DATASET_PREFIX = "dataset:"
FIELDS: tuple[str, ...] = ("sentiment", "intent", "topics")
_VALUE_MAX = Label._meta.get_field("value").max_length or 100


class CorrectionError(ValueError):
    """A correction that cannot be stored; the message names the record and the field."""


@dataclass(frozen=True, slots=True)
class Correction:
    field: str
    value: str | list[str]  # topics: a list of topic names
    created_by_id: int | None
    created_at: datetime

    @property
    def display(self) -> str:
        if isinstance(self.value, list):
            return ", ".join(self.value) or "no topic"
        return self.value


def _clean_value(message_id: int, field: str, value: Any) -> str:
    """The stored form of a corrected value (topics: a JSON list), or a CorrectionError."""
    where = f"message {message_id}: {field}"
    if field == "sentiment":
        if value not in LABELS:
            raise CorrectionError(f"{where}: {value!r} is not one of {', '.join(LABELS)}")
        return str(value)
    if field == "intent":
        if value not in INTENTS:
            raise CorrectionError(f"{where}: {value!r} is not one of {', '.join(INTENTS)}")
        return str(value)
    if field == "topics":
        if isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            raise CorrectionError(f"{where}: expected a list of topic names")
        known = current_taxonomy().names
        unknown = [v for v in value if v not in known]
        if unknown:
            raise CorrectionError(
                f"{where}: unknown topic(s) {', '.join(map(repr, unknown))}; "
                f"known: {', '.join(known)}"
            )
        ordered = [name for name in known if name in set(value)]  # taxonomy order, no repeats
        stored = json.dumps(ordered, ensure_ascii=False)
        if len(stored) > _VALUE_MAX:
            raise CorrectionError(f"{where}: too many topics to store ({len(ordered)})")
        return stored
    raise CorrectionError(
        f"message {message_id}: field {field!r} is not one of {', '.join(FIELDS)}"
    )


def _decode(field: str, stored: str) -> str | list[str]:
    if field == "topics":
        try:
            decoded = json.loads(stored)
        except json.JSONDecodeError:
            return [stored]
        return [str(v) for v in decoded] if isinstance(decoded, list) else [str(decoded)]
    return stored


def correct_message(*, message_id: int, field: str, value: Any, actor: Any) -> Correction:
    """Store an agent's correction of one field of one message, audited.

    ``value`` is a sentiment (negative|neutral|positive), an intent (see
    :data:`goodwill.analysis.intent.INTENTS`) or, for ``topics``, a list of topic names of the
    current taxonomy (or a comma-separated string of them; empty means "no topic").
    """
    stored = _clean_value(message_id, field, value)
    with transaction.atomic():
        message = Message.objects.select_for_update().filter(pk=message_id).first()
        if message is None:
            raise CorrectionError(f"message {message_id}: not found")
        previous = Label.objects.filter(message=message, field=field, origin=AGENT).first()
        label, _ = Label.objects.update_or_create(
            message=message,
            field=field,
            origin=AGENT,
            defaults={
                "value": stored,
                "created_by_id": getattr(actor, "pk", None),
                "confidence": None,
            },
        )
        audit(
            actor=actor,
            action="message.correct",
            target=message,
            data={
                "field": field,
                "model": getattr(message, field),
                "previous": None if previous is None else _decode(field, previous.value),
                "value": _decode(field, stored),
            },
        )
    return Correction(
        field=field,
        value=_decode(field, label.value),
        created_by_id=label.created_by_id,
        created_at=label.created_at,
    )


def corrections_of(message_id: int) -> dict[str, Correction]:
    """The agent corrections of one message, by field (one query)."""
    rows = Label.objects.filter(message_id=message_id, origin=AGENT, field__in=FIELDS)
    return {
        row.field: Correction(
            field=row.field,
            value=_decode(row.field, row.value),
            created_by_id=row.created_by_id,
            created_at=row.created_at,
        )
        for row in rows
    }


@dataclass(frozen=True, slots=True)
class Example:
    message_id: int
    text: str
    label: str
    origin: str


def _examples(field: str, valid: Sequence[str] | None, include_datasets: bool) -> list[Example]:
    qs = Label.objects.filter(field=field)
    if valid is not None:
        qs = qs.filter(value__in=valid)
    if include_datasets:
        qs = qs.filter(origin=AGENT) | qs.filter(origin__startswith=DATASET_PREFIX)
    else:
        qs = qs.filter(origin=AGENT)
    rows = qs.order_by("message_id", "id").values_list(
        "message_id", "message__text", "value", "origin"
    )
    chosen: dict[int, Example] = {}
    for message_id, text, value, origin in rows.iterator(chunk_size=5000):
        found = chosen.get(message_id)
        if found is None or (origin == AGENT and found.origin != AGENT):
            chosen[message_id] = Example(message_id, text, value, origin)
    return list(chosen.values())


def sentiment_examples(*, include_datasets: bool = False) -> list[Example]:
    """Labelled texts to fit a sentiment model on: every agent correction, and with
    ``include_datasets`` the dataset labels (``dataset:*``) of messages no agent corrected.

    In message id order (deterministic folds).
    """
    return _examples("sentiment", LABELS, include_datasets)


def intent_examples(*, include_datasets: bool = False) -> list[Example]:
    """As :func:`sentiment_examples`, for intents (one of ``INTENTS``)."""
    return _examples("intent", INTENTS, include_datasets)


@dataclass(frozen=True, slots=True)
class TopicExample:
    message_id: int
    text: str
    topics: list[str]  # every topic the message is about (an empty list: none)
    origin: str


def topic_examples() -> list[TopicExample]:
    """The agents' topic corrections: each the whole set of a message's topics, as stored
    (names may include topics since removed from the taxonomy). In message id order."""
    return [
        TopicExample(e.message_id, e.text, list(_decode("topics", e.label)), e.origin)
        for e in _examples("topics", None, False)
    ]
