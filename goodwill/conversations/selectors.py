from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import DurationField, ExpressionWrapper, F, QuerySet

from goodwill.conversations.models import Conversation, Speaker


def conversation_count() -> int:
    return Conversation.objects.count()


@dataclass(frozen=True, slots=True)
class FirstResponseFacts:
    """Customer-started conversations in a window and the waits of those that got an answer."""

    customer_started: int
    response_seconds: list[float]  # one per answered conversation, in no particular order


def first_response_facts(
    *,
    channel: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> FirstResponseFacts:
    """Read time to first company response from the facts ingest keeps on each conversation.

    A conversation is selected when it was started by a customer (its earliest message is a
    customer's), on `channel` if given, with `since <= started_at < until`. Its wait is
    first_response_at - started_at, where first_response_at is the earliest company message in
    the thread. Two queries, whatever the number of conversations.
    """
    started = Conversation.objects.filter(started_by=Speaker.CUSTOMER, started_at__isnull=False)
    if channel:
        started = started.filter(channel=channel)
    if since is not None:
        started = started.filter(started_at__gte=since)
    if until is not None:
        started = started.filter(started_at__lt=until)
    waits = (
        started.filter(first_response_at__isnull=False)
        .annotate(
            wait=ExpressionWrapper(
                F("first_response_at") - F("started_at"), output_field=DurationField()
            )
        )
        .values_list("wait", flat=True)
    )
    return FirstResponseFacts(
        customer_started=started.count(),
        response_seconds=[w.total_seconds() for w in waits.iterator(chunk_size=10_000)],
    )


def filter_conversations(
    *,
    channel: str = "",
    status: str = "",
    customer_id: int | None = None,
    started_by: str = "",
) -> QuerySet[Conversation]:
    """Conversations, most recently active first, with their customer loaded."""
    qs = Conversation.objects.select_related("customer").order_by(
        F("last_message_at").desc(nulls_last=True), "-id"
    )
    if channel:
        qs = qs.filter(channel=channel)
    if status:
        qs = qs.filter(status=status)
    if started_by:
        qs = qs.filter(started_by=started_by)
    if customer_id is not None:
        qs = qs.filter(customer_id=customer_id)
    return qs


def get_conversation(conversation_id: int) -> Conversation | None:
    return Conversation.objects.select_related("customer").filter(pk=conversation_id).first()
