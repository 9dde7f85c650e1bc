"""Threading messages into conversations, and keeping conversation facts current."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from goodwill.conversations.models import Conversation, Speaker
from goodwill.utils import chunks


@dataclass(slots=True)
class ThreadItem:
    """What threading needs to know about one incoming message."""

    external_id: str
    in_reply_to: str
    created_at: datetime
    is_from_company: bool
    customer_id: int | None


@dataclass(slots=True)
class ThreadPlan:
    conversation_ids: dict[str, int]  # message external id -> conversation id
    touched_existing: set[int]  # existing conversations that gain messages


def thread_batch(
    *,
    channel: str,
    items: Sequence[ThreadItem],
    parent_conversations: dict[str, int | None],
) -> ThreadPlan:
    """Assign each new message of one channel to a conversation before it is stored.

    A message joins its parent's conversation; a message with no parent starts one keyed by
    its own external id. When the parent has not arrived yet (replies can come before the
    post they answer), the conversation is keyed by the missing parent's id, so the parent
    joins it when it arrives. `parent_conversations` maps already-stored parents (external
    id -> conversation id) for the parents named in `items`. Runs inside the ingest
    transaction.
    """
    in_batch = {item.external_id: item for item in items}
    root_key: dict[str, str] = {}
    joins: dict[str, int] = {}

    def resolve(ext_id: str) -> None:
        # Walk up within the batch (iteratively: threads can be long) to a stored parent or a root.
        path: list[str] = []
        current = ext_id
        seen: set[str] = set()
        key: str | None
        conv: int | None
        while True:
            if current in root_key:
                key, conv = root_key[current], None
                break
            if current in joins:
                key, conv = None, joins[current]
                break
            item = in_batch.get(current)
            if item is None:
                # Not in the batch: either stored (has a conversation) or not arrived yet.
                conv = parent_conversations.get(current)
                key = None if conv is not None else current
                break
            path.append(current)
            seen.add(current)
            parent = item.in_reply_to
            if not parent or parent == current or parent in seen:
                key, conv = current, None
                break
            current = parent
        for node in path:
            if conv is not None:
                joins[node] = conv
            else:
                assert key is not None
                root_key[node] = key

    for item in items:
        resolve(item.external_id)

    keys = sorted(set(root_key.values()))
    conv_by_key: dict[str, int] = {}
    for chunk in chunks(keys):
        for pk, root in Conversation.objects.filter(
            channel=channel, root_external_id__in=chunk
        ).values_list("id", "root_external_id"):
            conv_by_key[root] = pk
    touched = set(joins.values()) | set(conv_by_key.values())
    new_keys = [k for k in keys if k not in conv_by_key]
    if new_keys:
        members: dict[str, list[ThreadItem]] = {}
        for ext_id, key in root_key.items():
            members.setdefault(key, []).append(in_batch[ext_id])
        created = Conversation.objects.bulk_create(
            [_new_conversation(channel, key, members[key]) for key in new_keys], batch_size=500
        )
        if any(c.pk is None for c in created):  # backends without RETURNING
            for chunk in chunks(new_keys):
                for pk, root in Conversation.objects.filter(
                    channel=channel, root_external_id__in=chunk
                ).values_list("id", "root_external_id"):
                    conv_by_key[root] = pk
        else:
            for key, conv in zip(new_keys, created, strict=True):
                conv_by_key[key] = conv.pk
    assignment = {ext_id: conv_by_key[key] for ext_id, key in root_key.items()}
    assignment.update(joins)
    return ThreadPlan(conversation_ids=assignment, touched_existing=touched)


def _new_conversation(channel: str, key: str, items: list[ThreadItem]) -> Conversation:
    conv = Conversation(channel=channel, root_external_id=key)
    _apply_facts(conv, [(i.created_at, i.is_from_company, i.customer_id) for i in items])
    return conv


def _apply_facts(conv: Conversation, rows: Iterable[tuple[datetime, bool, int | None]]) -> None:
    """Derive who started, first response and counts from (time, from company, customer)."""
    ordered = sorted(rows, key=lambda r: (r[0], r[1]))
    conv.message_count = len(ordered)
    conv.company_message_count = sum(1 for r in ordered if r[1])
    conv.customer_message_count = conv.message_count - conv.company_message_count
    if not ordered:
        return
    conv.started_at = ordered[0][0]
    conv.last_message_at = ordered[-1][0]
    conv.started_by = Speaker.COMPANY if ordered[0][1] else Speaker.CUSTOMER
    conv.first_response_at = None
    if conv.started_by == Speaker.CUSTOMER:
        conv.first_response_at = next((r[0] for r in ordered if r[1]), None)
    conv.customer_id = next((r[2] for r in ordered if not r[1] and r[2] is not None), None)


def refresh_conversations(
    *,
    conversation_ids: Iterable[int],
    message_rows: dict[int, list[tuple[datetime, bool, int | None]]],
) -> None:
    """Recompute facts of existing conversations from all their stored messages.

    `message_rows` maps conversation id -> [(created_at, is_from_company, customer_id), ...],
    read by the caller (the listening app owns messages).
    """
    ids = sorted(set(conversation_ids))
    for chunk in chunks(ids):
        convs = list(Conversation.objects.filter(id__in=chunk))
        for conv in convs:
            _apply_facts(conv, message_rows.get(conv.pk, []))
        Conversation.objects.bulk_update(
            convs,
            [
                "message_count",
                "company_message_count",
                "customer_message_count",
                "started_at",
                "last_message_at",
                "started_by",
                "first_response_at",
                "customer",
            ],
            batch_size=500,
        )


def absorb_placeholders(
    *, channel: str, external_ids: Sequence[str], assignment: dict[str, int]
) -> dict[int, int]:
    """Merge conversations that were keyed by a parent which has now arrived elsewhere.

    If replies arrived before message P, they were threaded under a conversation keyed by
    P's id. When P arrives and itself belongs to a different conversation (it replies to
    something older), the placeholder conversation is folded into P's. Returns
    {placeholder id: surviving id}; the caller moves the messages.
    """
    moves: dict[int, int] = {}
    for chunk in chunks(list(external_ids)):
        for pk, root in Conversation.objects.filter(
            channel=channel, root_external_id__in=chunk
        ).values_list("id", "root_external_id"):
            target = assignment.get(root)
            if target is not None and target != pk:
                moves[pk] = target
    return moves


def delete_conversations(*, ids: Iterable[int]) -> None:
    Conversation.objects.filter(id__in=list(ids)).delete()
