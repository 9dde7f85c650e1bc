"""Receiving webhook deliveries: check the signature, validate the body, store in one go.

Both receivers hand their messages to ``goodwill.listening.services.ingest_batch``, so a
message delivered twice (Meta retries, a sender resends) is stored once, keyed by (channel,
external id). The signed inbound webhook also remembers each accepted delivery until its
signature expires and answers a replay with :class:`ReplayedDelivery`; the record and the
messages are written in the same transaction, so a failed delivery leaves neither behind and
can be sent again.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from goodwill.hooks import signing
from goodwill.hooks.models import Delivery
from goodwill.importing import BadValue
from goodwill.listening import selectors as listening_selectors
from goodwill.listening import services as listening_services
from goodwill.listening import sources as listening_sources
from goodwill.listening.connectors import graph
from goodwill.listening.connectors.base import Skipped
from goodwill.listening.importers import generic
from goodwill.listening.types import BatchResult, MessageItem

log = logging.getLogger(__name__)

# A goodwill.listening Source as listening.selectors.source_by_id returns it (hooks does not
# import another app's models, so the type is not named here).
Source = Any

GRAPH_KIND = "graph_webhook"
SIGNED_KIND = "webhook"
MAX_ERRORS_REPORTED = 20
_DELIVERY_ID = re.compile(r"[\x21-\x7e]{1,128}")


class UnknownSource(Exception):
    """No enabled Source of the right kind has this id (answered 404)."""


class NotConfigured(Exception):
    """The Source lacks the secret the endpoint needs (answered 503, and logged)."""


class ReplayedDelivery(Exception):
    """This delivery was already accepted (answered 409)."""


@dataclass(frozen=True)
class FieldError:
    item: int | None  # position in the delivered list; None for the envelope
    field: str
    message: str

    def __str__(self) -> str:
        where = f"item {self.item}: " if self.item is not None else ""
        return f"{where}field {self.field!r}: {self.message}"


class BadDelivery(Exception):
    """The body cannot be stored; ``errors`` name each record and field (answered 400)."""

    def __init__(self, errors: Sequence[FieldError]) -> None:
        self.errors = list(errors)
        more = len(self.errors) - 1
        super().__init__(str(self.errors[0]) + (f" (and {more} more)" if more > 0 else ""))


@dataclass
class Receipt:
    received: int
    result: BatchResult
    skipped: list[Skipped] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "received": self.received,
            "created": self.result.created,
            "updated": self.result.updated,
            "unchanged": self.result.unchanged,
            "skipped": [{"ref": s.ref, "reason": s.reason} for s in self.skipped],
        }


def hook_source(source_id: int, *, kind: str) -> Source:
    source = listening_selectors.source_by_id(source_id)
    if source is None or source.kind != kind or not source.enabled:
        raise UnknownSource(f"no enabled {kind} source with id {source_id}")
    return source


def source_secret(source: Source, name: str) -> str:
    """A Source's secret as ``goodwill.listening.sources`` keeps it (encrypted, an ``env:``
    reference, or the environment variable ``GOODWILL_SOURCE_<id>_<NAME>``)."""
    value = listening_sources.resolve_secrets(source).get(name, "")
    if not value:
        log.error("webhook source %s (id %s) has no %s set", source.name, source.pk, name)
        raise NotConfigured(f"source {source.pk} has no {name} configured")
    return value


# --- Meta's Graph webhook ----------------------------------------------------------------------


def verify_graph_subscription(*, source: Source, mode: str | None, token: str | None) -> bool:
    """The GET handshake: Meta sends hub.mode=subscribe and the verify token it was given."""
    return mode == "subscribe" and signing.tokens_match(
        token, source_secret(source, "verify_token")
    )


def receive_graph_delivery(*, source: Source, body: bytes, signature: str | None) -> Receipt:
    """Store the messages of one signed Graph delivery; changes that are not messages are
    skipped (and logged) with the reason."""
    signing.verify_graph_signature(signature, body, source_secret(source, "app_secret"))
    payload = _json(body)
    try:
        parsed = graph.parse_webhook(payload)
    except BadValue as exc:
        raise BadDelivery([FieldError(None, exc.field, exc.error)]) from None
    for skip in parsed.skipped:
        log.info("graph webhook to source %s: skipped %s: %s", source.pk, skip.ref, skip.reason)
    # One delivery can hold a comment's "add" and its "edited": the last word wins.
    latest: dict[tuple[str, str], MessageItem] = {}
    for item in parsed.items:
        latest.pop((item.channel, item.external_id), None)
        latest[(item.channel, item.external_id)] = item
    with transaction.atomic():
        result = listening_services.ingest_batch(source=source, items=list(latest.values()))
        listening_sources.record_delivery(
            source=source, received=len(parsed.items), result=result, skipped=parsed.skipped
        )
    return Receipt(received=len(parsed.items), result=result, skipped=parsed.skipped)


# --- Goodwill's signed inbound webhook -----------------------------------------------------------


def receive_signed_delivery(
    *,
    source: Source,
    body: bytes,
    signature: str | None,
    delivery_id: str | None = None,
    now: datetime | None = None,
) -> Receipt:
    """Check the signature (see goodwill.hooks.signing), validate every item with the generic
    import schema, then record the delivery and store its messages in one transaction.

    Raises SignatureError, BadDelivery (nothing stored) or ReplayedDelivery.
    """
    moment = now or timezone.now()
    _, matched = signing.verify_signature(
        signature, body, source_secret(source, "signing_secret"), now=moment.timestamp()
    )
    if delivery_id is not None and not _DELIVERY_ID.fullmatch(delivery_id):
        raise BadDelivery(
            [FieldError(None, signing.DELIVERY_HEADER, "must be 1-128 printable characters")]
        )
    items = parse_items(_json(body), default_channel=source.channel)
    expires = moment + timedelta(seconds=2 * signing.TOLERANCE_SECONDS)
    with transaction.atomic():
        Delivery.objects.filter(expires_at__lt=moment).delete()
        try:
            with transaction.atomic():
                Delivery.objects.create(
                    source=source,
                    key=delivery_id or matched,
                    received_at=moment,
                    expires_at=expires,
                    items=len(items),
                )
        except IntegrityError:
            raise ReplayedDelivery(
                f"delivery {delivery_id or 'with this signature'} was already received"
            ) from None
        result = listening_services.ingest_batch(source=source, items=items)
        listening_sources.record_delivery(source=source, received=len(items), result=result)
    return Receipt(received=len(items), result=result)


def parse_items(payload: Any, *, default_channel: str) -> list[MessageItem]:
    """One item or a list of items in the generic import shape (docs/import-formats.md);
    ``channel`` defaults to the Source's. Raises BadDelivery naming every bad item and field."""
    if isinstance(payload, Mapping):
        records: list[Any] = [payload]
    elif isinstance(payload, list):
        records = payload
    else:
        raise BadDelivery([FieldError(None, "body", "must be a JSON object or a list of them")])
    if not records:
        raise BadDelivery([FieldError(None, "body", "the list is empty")])
    items: list[MessageItem] = []
    errors: list[FieldError] = []
    seen: dict[tuple[str, str], int] = {}
    for n, record in enumerate(records):
        if not isinstance(record, Mapping):
            errors.append(FieldError(n, "item", "must be a JSON object"))
            continue
        values = dict(record)
        values.setdefault("channel", default_channel)
        try:
            item = generic.parse_values(values)
        except BadValue as exc:
            errors.append(FieldError(n, exc.field, exc.error))
            continue
        key = (item.channel, item.external_id)
        if key in seen:
            errors.append(
                FieldError(n, "external_id", f"{item.external_id!r} is also item {seen[key]}")
            )
            continue
        seen[key] = n
        items.append(item)
    if errors:
        raise BadDelivery(errors[:MAX_ERRORS_REPORTED])
    return items


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadDelivery([FieldError(None, "body", f"not valid JSON: {exc}")]) from None
