"""Ingest: the one function every connector and importer hands its items to."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from django.db import transaction

from goodwill.conversations import services as conversation_services
from goodwill.customers import services as customer_services
from goodwill.listening.models import Label, Message, Source
from goodwill.listening.types import BatchResult, MessageItem
from goodwill.utils import chunks

log = logging.getLogger(__name__)

_MESSAGE_FIELDS = (
    "author",
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
    unique by (channel, external id) within the batch.
    """
    result = BatchResult()
    if not items:
        return result
    identities = customer_services.ensure_identities(
        specs=(
            customer_services.IdentitySpec(
                channel=i.channel,
                external_id=i.author_id,
                handle=i.author_handle,
                display_name=i.author_name,
                followers=i.followers,
                is_company=i.is_from_company,
            )
            for i in items
        )
    )
    existing = _existing(items)
    hashes = [i.content_hash() for i in items]

    new: list[tuple[MessageItem, str]] = []
    changed: list[Message] = []
    for item, digest in zip(items, hashes, strict=True):
        row = existing.get((item.channel, item.external_id))
        if row is None:
            new.append((item, digest))
        elif row.content_hash == digest:
            result.unchanged += 1
        else:
            _fill(row, item, digest, identities)
            changed.append(row)

    by_channel: dict[str, list[tuple[MessageItem, str]]] = {}
    for item, digest in new:
        by_channel.setdefault(item.channel, []).append((item, digest))
    touched: set[int] = set()
    created: list[Message] = []
    for channel, group in by_channel.items():
        touched |= _store_new(channel, group, identities, source, created)

    if changed:
        Message.objects.bulk_update(changed, list(_MESSAGE_FIELDS), batch_size=500)
        touched |= {m.conversation_id for m in changed if m.conversation_id}
    if touched:
        _refresh(touched)
    _store_labels(items, existing, created)

    result.created = len(created)
    result.updated = len(changed)
    result.message_ids = [m.pk for m in created] + [m.pk for m in changed]
    return result


def _existing(items: Sequence[MessageItem]) -> dict[tuple[str, str], Message]:
    by_channel: dict[str, list[str]] = {}
    for item in items:
        by_channel.setdefault(item.channel, []).append(item.external_id)
    found: dict[tuple[str, str], Message] = {}
    for channel, ids in by_channel.items():
        for chunk in chunks(ids):
            for msg in Message.objects.filter(channel=channel, external_id__in=chunk):
                found[(msg.channel, msg.external_id)] = msg
    return found


def _fill(
    msg: Message,
    item: MessageItem,
    digest: str,
    identities: dict[tuple[str, str], customer_services.IdentityRef],
) -> None:
    ref = identities[(item.channel, item.author_id)]
    msg.author_id = ref.identity_id
    msg.is_from_company = item.is_from_company
    msg.text = item.text
    msg.created_at = item.created_at
    msg.url = item.url
    msg.in_reply_to = item.in_reply_to
    msg.likes, msg.shares, msg.replies = item.likes, item.shares, item.replies
    msg.language = item.language
    msg.raw = item.raw
    msg.content_hash = digest


def _store_new(
    channel: str,
    group: list[tuple[MessageItem, str]],
    identities: dict[tuple[str, str], customer_services.IdentityRef],
    source: Source | None,
    created: list[Message],
) -> set[int]:
    parents = sorted({i.in_reply_to for i, _ in group if i.in_reply_to})
    parent_conversations: dict[str, int | None] = {}
    for chunk in chunks(parents):
        for ext, conv in Message.objects.filter(channel=channel, external_id__in=chunk).values_list(
            "external_id", "conversation_id"
        ):
            parent_conversations[ext] = conv
    thread_items = [
        conversation_services.ThreadItem(
            external_id=i.external_id,
            in_reply_to=i.in_reply_to,
            created_at=i.created_at,
            is_from_company=i.is_from_company,
            customer_id=identities[(i.channel, i.author_id)].customer_id,
        )
        for i, _ in group
    ]
    plan = conversation_services.thread_batch(
        channel=channel, items=thread_items, parent_conversations=parent_conversations
    )
    rows = []
    for item, digest in group:
        msg = Message(
            channel=channel,
            external_id=item.external_id,
            source=source,
            conversation_id=plan.conversation_ids[item.external_id],
        )
        _fill(msg, item, digest, identities)
        rows.append(msg)
    created.extend(Message.objects.bulk_create(rows, batch_size=500))
    moves = conversation_services.absorb_placeholders(
        channel=channel,
        external_ids=[i.external_id for i, _ in group],
        assignment=plan.conversation_ids,
    )
    touched = set(plan.touched_existing)
    for placeholder, target in moves.items():
        Message.objects.filter(conversation_id=placeholder).update(conversation_id=target)
        touched.add(target)
        touched.discard(placeholder)
    if moves:
        conversation_services.delete_conversations(ids=moves.keys())
    return touched


def _refresh(conversation_ids: set[int]) -> None:
    rows: dict[int, list[tuple[datetime, bool, int | None]]] = {}
    ids = sorted(conversation_ids)
    for chunk in chunks(ids):
        for conv, at, company, customer in Message.objects.filter(
            conversation_id__in=chunk
        ).values_list("conversation_id", "created_at", "is_from_company", "author__customer_id"):
            rows.setdefault(conv, []).append((at, company, customer))
    conversation_services.refresh_conversations(conversation_ids=ids, message_rows=rows)


def _store_labels(
    items: Sequence[MessageItem], existing: dict[tuple[str, str], Message], created: list[Message]
) -> None:
    if not any(i.labels for i in items):
        return
    ids = {(m.channel, m.external_id): m.pk for m in created}
    ids.update({k: m.pk for k, m in existing.items()})
    labels = [
        Label(
            message_id=ids[(i.channel, i.external_id)],
            field=lab.field,
            value=lab.value,
            confidence=lab.confidence,
            origin=lab.origin,
        )
        for i in items
        for lab in i.labels
    ]
    Label.objects.bulk_create(labels, batch_size=500, ignore_conflicts=True)
