"""Ingest: the one function every connector and importer hands its items to."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from django.db import transaction

from goodwill import bulk
from goodwill.conversations import services as conversation_services
from goodwill.customers import services as customer_services
from goodwill.listening.models import Label, Message, Source
from goodwill.listening.types import BatchResult, MessageItem
from goodwill.utils import chunks

log = logging.getLogger(__name__)

# Columns ingest writes for a message, in the order of the tuples built by _row.
_CONTENT_FIELDS = (
    "author_id",
    "is_from_company",
    "text",
    "created_at",
    "url",
    "in_reply_to",
    "likes",
    "shares",
    "replies",
    "language",
    "raw",
    "content_hash",
)
_INSERT_FIELDS = ("channel", "external_id", "source_id", "conversation_id", *_CONTENT_FIELDS)

Key = tuple[str, str]
# What ingest needs to know about a stored message: id, content hash, conversation id.
Stored = tuple[int, str, int | None]


def get_or_create_source(*, name: str, channel: str, kind: str = "file") -> Source:
    source, _ = Source.objects.get_or_create(name=name, defaults={"channel": channel, "kind": kind})
    return source


@transaction.atomic
def ingest_batch(*, source: Source | None, items: Sequence[MessageItem]) -> BatchResult:
    """Store a batch of normalised messages in one transaction; idempotent.

    Dedupes by (channel, external id): a known message whose content is the same is
    'unchanged', one whose content differs is 'updated' (counts, text edits), a new one is
    'created'. Authors are upserted as identities (each new person gets a customer record),
    and new messages are threaded into conversations before they are stored. Items must be
    unique by (channel, external id) within the batch (ValueError otherwise).

    The writes are hand-written statements (goodwill.bulk: executemany INSERT with ids read
    back by key on SQLite, COPY on PostgreSQL, executemany UPDATE) instead of
    bulk_create/bulk_update: that took ingest from ~3,800 to ~22,000 messages/s on SQLite
    (benchmarks/README.md).
    """
    result = BatchResult()
    if not items:
        return result
    _check_unique(items)
    authors: dict[Key, MessageItem] = {}
    for i in items:
        authors[(i.channel, i.author_id)] = i
    identities = customer_services.ensure_identities(
        specs=[
            customer_services.IdentitySpec(
                channel=i.channel,
                external_id=i.author_id,
                handle=i.author_handle,
                display_name=i.author_name,
                followers=i.followers,
                is_company=i.is_from_company,
            )
            for i in authors.values()
        ]
    )
    existing = _existing(items)
    adapt = _Adapter()

    new: dict[str, list[tuple[MessageItem, str]]] = {}
    changed: list[tuple[Any, ...]] = []
    refresh: set[int] = set()
    for item in items:
        digest = item.content_hash()
        row = existing.get((item.channel, item.external_id))
        if row is None:
            new.setdefault(item.channel, []).append((item, digest))
        elif row[1] == digest:
            result.unchanged += 1
        else:
            changed.append((*adapt.content(item, digest, identities), row[0]))
            if row[2] is not None:
                refresh.add(row[2])

    created: dict[Key, int] = {}
    for channel, group in new.items():
        refresh |= _store_new(channel, group, identities, source, existing, adapt, created)
    bulk.update_rows(Message, _CONTENT_FIELDS, changed)
    if refresh:
        _refresh(refresh)
    _store_labels(items, existing, created)
    # Identity resolution: order numbers and addresses in new inbound messages.
    customer_services.resolve_messages(
        messages=[
            (identities[(i.channel, i.author_id)].identity_id, i.text)
            for group in new.values()
            for i, _ in group
            if not i.is_from_company and (i.channel, i.external_id) in created
        ]
    )

    result.created = len(created)
    result.updated = len(changed)
    result.message_ids = list(created.values()) + [row[-1] for row in changed]
    return result


def _check_unique(items: Sequence[MessageItem]) -> None:
    seen: set[Key] = set()
    for n, item in enumerate(items):
        key = (item.channel, item.external_id)
        if key in seen:
            raise ValueError(
                f"item {n}: external_id {item.external_id!r} appears twice in one batch "
                f"on channel {item.channel!r}"
            )
        seen.add(key)


class _Adapter:
    """Turns items into row tuples in database form, caching what is the same for all rows."""

    def __init__(self) -> None:
        self.datetime = bulk.datetime_adapter()
        self.empty_raw = bulk.db_json(Message, "raw", {})

    def content(
        self, item: MessageItem, digest: str, identities: dict[Key, customer_services.IdentityRef]
    ) -> tuple[Any, ...]:
        return (
            identities[(item.channel, item.author_id)].identity_id,
            item.is_from_company,
            item.text,
            self.datetime(item.created_at),
            item.url,
            item.in_reply_to,
            item.likes,
            item.shares,
            item.replies,
            item.language,
            bulk.db_json(Message, "raw", item.raw) if item.raw else self.empty_raw,
            digest,
        )


def _existing(items: Sequence[MessageItem]) -> dict[Key, Stored]:
    by_channel: dict[str, list[str]] = {}
    for item in items:
        by_channel.setdefault(item.channel, []).append(item.external_id)
    return _lookup(by_channel)


def _lookup(by_channel: dict[str, list[str]]) -> dict[Key, Stored]:
    found: dict[Key, Stored] = {}
    for channel, ids in by_channel.items():
        for pk, ext, digest, conv in bulk.select_in(
            Message,
            ("id", "external_id", "content_hash", "conversation_id"),
            "external_id",
            ids,
            where={"channel": channel},
        ):
            found[(channel, ext)] = (pk, digest, conv)
    return found


def _store_new(
    channel: str,
    group: list[tuple[MessageItem, str]],
    identities: dict[Key, customer_services.IdentityRef],
    source: Source | None,
    existing: dict[Key, Stored],
    adapt: _Adapter,
    created: dict[Key, int],
) -> set[int]:
    """Thread and insert the new messages of one channel; return conversations to refresh."""
    arriving = {i.external_id for i, _ in group}
    parent_conversations: dict[str, int | None] = {}
    unknown: list[str] = []
    for parent in {i.in_reply_to for i, _ in group if i.in_reply_to} - arriving:
        stored = existing.get((channel, parent))
        if stored is not None:
            parent_conversations[parent] = stored[2]
        else:
            unknown.append(parent)
    for (_, ext), stored in _lookup({channel: sorted(unknown)}).items():
        parent_conversations[ext] = stored[2]

    refs = [identities[(channel, i.author_id)] for i, _ in group]
    plan = conversation_services.thread_batch(
        channel=channel,
        items=[
            conversation_services.ThreadItem(
                external_id=i.external_id,
                in_reply_to=i.in_reply_to,
                created_at=i.created_at,
                is_from_company=i.is_from_company,
                customer_id=ref.customer_id,
            )
            for (i, _), ref in zip(group, refs, strict=True)
        ],
        parent_conversations=parent_conversations,
    )
    source_id = source.pk if source is not None else None
    assignment = plan.conversation_ids
    when, empty_raw = adapt.datetime, adapt.empty_raw
    rows = [
        (
            channel,
            item.external_id,
            source_id,
            assignment[item.external_id],
            ref.identity_id,
            item.is_from_company,
            item.text,
            when(item.created_at),
            item.url,
            item.in_reply_to,
            item.likes,
            item.shares,
            item.replies,
            item.language,
            bulk.db_json(Message, "raw", item.raw) if item.raw else empty_raw,
            digest,
        )
        for (item, digest), ref in zip(group, refs, strict=True)
    ]
    for pk, ext in bulk.insert_rows(
        Message,
        _INSERT_FIELDS,
        rows,
        returning=("id", "external_id"),
        key=("channel", "external_id"),
    ):
        created[(channel, ext)] = pk

    for placeholder, target in plan.moves.items():
        Message.objects.filter(conversation_id=placeholder).update(conversation_id=target)
    if plan.moves:
        conversation_services.delete_conversations(ids=plan.moves.keys())
    return plan.touched_existing


def _refresh(conversation_ids: set[int]) -> None:
    rows: dict[int, list[conversation_services.FactRow]] = {}
    ids = sorted(conversation_ids)
    for chunk in chunks(ids):
        for conv, at, company, customer in Message.objects.filter(
            conversation_id__in=chunk
        ).values_list("conversation_id", "created_at", "is_from_company", "author__customer_id"):
            rows.setdefault(conv, []).append((at, company, customer))
    conversation_services.refresh_conversations(conversation_ids=ids, message_rows=rows)


def _store_labels(
    items: Sequence[MessageItem], existing: dict[Key, Stored], created: dict[Key, int]
) -> None:
    if not any(i.labels for i in items):
        return
    ids = dict(created)
    ids.update({key: stored[0] for key, stored in existing.items()})
    bulk.insert_rows(
        Label,
        ("message_id", "field", "value", "confidence", "origin"),
        [
            (ids[(i.channel, i.external_id)], lab.field, lab.value, lab.confidence, lab.origin)
            for i in items
            for lab in i.labels
        ],
        on_conflict_do_nothing=("message_id", "field", "origin"),
    )
