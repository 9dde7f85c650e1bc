"""Reads about messages and sources used by several callers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db.models import Count, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, Ord, Substr, Trunc

from goodwill.listening.models import Message, Source


def messages_per_channel() -> dict[str, int]:
    rows = Message.objects.values_list("channel").annotate(n=Count("id")).order_by("channel")
    return dict(rows)


def message_count() -> int:
    return Message.objects.count()


@dataclass(frozen=True, slots=True)
class MessageFilters:
    """What the messages list and API filter on. Empty values mean "any".

    `since` is inclusive and `until` exclusive; `author` is a handle (a leading @ is ignored,
    case-insensitive); `q` is a case-insensitive substring of the text.
    """

    channel: str = ""
    since: datetime | None = None
    until: datetime | None = None
    author: str = ""
    q: str = ""
    is_from_company: bool | None = None
    customer_id: int | None = None
    conversation_id: int | None = None


def filter_messages(filters: MessageFilters) -> QuerySet[Message]:
    """Messages newest first with their author loaded (one query per page, whatever its size)."""
    qs = Message.objects.select_related("author").order_by("-created_at", "-id")
    if filters.channel:
        qs = qs.filter(channel=filters.channel)
    if filters.since is not None:
        qs = qs.filter(created_at__gte=filters.since)
    if filters.until is not None:
        qs = qs.filter(created_at__lt=filters.until)
    author = filters.author.strip().lstrip("@")
    if author:
        qs = qs.filter(author__handle__iexact=author)
    q = filters.q.strip()
    if q:
        qs = qs.filter(text__icontains=q)
    if filters.is_from_company is not None:
        qs = qs.filter(is_from_company=filters.is_from_company)
    if filters.customer_id is not None:
        qs = qs.filter(author__customer_id=filters.customer_id)
    if filters.conversation_id is not None:
        qs = qs.filter(conversation_id=filters.conversation_id)
    return qs


def get_message(message_id: int) -> Message | None:
    return Message.objects.select_related("author").filter(pk=message_id).first()


def conversation_messages(conversation_id: int) -> list[Message]:
    """The thread in the order it was written."""
    return list(
        Message.objects.select_related("author")
        .filter(conversation_id=conversation_id)
        .order_by("created_at", "id")
    )


def customer_messages(customer_id: int, *, limit: int = 20) -> list[Message]:
    """A customer's most recent messages on every channel."""
    return list(filter_messages(MessageFilters(customer_id=customer_id))[:limit])


@dataclass(frozen=True, slots=True)
class InteractionRow:
    channel: str
    external_id: str
    in_reply_to: str
    author_id: int
    is_from_company: bool
    engagement: int  # likes + shares + replies received
    intent: str
    sentiment: str
    asks: bool  # intent is question, or (not analysed yet) the text has a question mark


def interaction_rows() -> list[InteractionRow]:
    """Every message with a known author, reduced to what social-value scoring reads."""
    rows = (
        Message.objects.filter(author__isnull=False)
        .order_by("id")
        .values_list(
            "channel",
            "external_id",
            "in_reply_to",
            "author_id",
            "is_from_company",
            "likes",
            "shares",
            "replies",
            "intent",
            "sentiment",
            "text",
        )
    )
    return [
        InteractionRow(
            ch,
            ext,
            parent,
            author,
            company,
            likes + shares + replies,
            intent,
            sent,
            intent == "question" or (not intent and "?" in text),
        )
        for ch, ext, parent, author, company, likes, shares, replies, intent, sent, text in (
            rows.iterator(chunk_size=5000)
        )
    ]


def authors_with_messages_since(since: datetime) -> set[int]:
    """Identity ids that wrote a message imported at or after `since`."""
    return set(
        Message.objects.filter(imported_at__gte=since, author__isnull=False)
        .values_list("author_id", flat=True)
        .distinct()
    )


def source_by_id(source_id: int) -> Source | None:
    return Source.objects.filter(pk=source_id).first()


@dataclass(frozen=True, slots=True)
class BucketCount:
    """Customer messages in one time bucket with one channel, sentiment and topic list."""

    bucket: datetime  # the bucket's start (UTC)
    channel: str
    sentiment: str  # "" while the message has not been analysed
    topics: tuple[str, ...]
    count: int


def message_bucket_counts(
    *, since: datetime, until: datetime, bucket: str = "hour"
) -> list[BucketCount]:
    """Customer messages with ``since <= created_at < until``, counted per bucket (``hour`` or
    ``day``, UTC) x channel x sentiment x topic list, in one GROUP BY query."""
    rows = (
        Message.objects.filter(created_at__gte=since, created_at__lt=until, is_from_company=False)
        .annotate(at=Trunc("created_at", bucket, tzinfo=UTC))
        .values_list("at", "channel", "sentiment", "topics")
        .annotate(n=Count("id"))
        .order_by()
    )
    return [
        BucketCount(at, channel, sentiment, tuple(topics or ()), n)
        for at, channel, sentiment, topics, n in rows
    ]


@dataclass(frozen=True, slots=True)
class MessageFacts:
    """What spike scanning reads about one message."""

    id: int
    created_at: datetime
    channel: str
    sentiment: str
    topics: tuple[str, ...]
    text: str


def customer_message_facts(
    *,
    since: datetime,
    until: datetime,
    channel: str = "",
    unanalysed_only: bool = False,
    limit: int | None = None,
) -> list[MessageFacts]:
    """Customer messages with ``since <= created_at < until`` in time order (one query)."""
    qs = Message.objects.filter(
        created_at__gte=since, created_at__lt=until, is_from_company=False
    ).order_by("created_at", "id")
    if channel:
        qs = qs.filter(channel=channel)
    if unanalysed_only:
        qs = qs.filter(sentiment="")
    rows = qs.values_list("id", "created_at", "channel", "sentiment", "topics", "text")
    if limit is not None:
        rows = rows[:limit]
    return [
        MessageFacts(pk, at, ch, sentiment, tuple(topics or ()), text)
        for pk, at, ch, sentiment, topics, text in rows.iterator(chunk_size=5000)
    ]


def customer_message_texts(
    *, since: datetime, until: datetime
) -> list[tuple[int, datetime, int, str]]:
    """(id, created_at, author id, text) of customer messages in [since, until), oldest first.

    What the emerging-phrase scan reads (one query).
    """
    rows = (
        Message.objects.filter(created_at__gte=since, created_at__lt=until, is_from_company=False)
        .order_by("created_at", "id")
        .values_list("id", "created_at", "author_id", "text")
    )
    return list(rows.iterator(chunk_size=5000))


# The content fingerprint: four characters of ``content_hash`` (ingest's digest of all a
# re-import can change) packed into one integer per message, twice. 128**4 < 2**29, so the
# sums stay far inside 64 bits (SQLite's SUM raises on overflow) for any reach.
_HASH_PARTS = ((1, 2, 3, 4), (5, 6, 7, 8))


def _hash_part(positions: tuple[int, ...]) -> Any:
    total: Any = Value(0)
    for weight, pos in enumerate(positions):
        total = total + Coalesce(Ord(Substr("content_hash", pos, 1)), 0) * (128**weight)
    return total


def hash_parts(content_hash: str) -> tuple[int, int]:
    """What :func:`customer_message_fingerprint` adds up for one message, in Python."""
    a, b = (
        sum(
            (ord(content_hash[pos - 1]) if len(content_hash) >= pos else 0) * 128**weight
            for weight, pos in enumerate(positions)
        )
        for positions in _HASH_PARTS
    )
    return a, b


def customer_message_rows(
    *, since: datetime, until: datetime, after_id: int = 0, seen_until: datetime | None = None
) -> list[tuple[int, datetime, int | None, str, str]]:
    """(id, created_at, author id, text, content_hash) of customer messages in [since, until),
    oldest first: all of them, or, with ``seen_until``, those a reader that saw the ids up to
    ``after_id`` in [since, seen_until) has not seen: a larger id (a late arrival, whatever
    its date) or a date from ``seen_until`` on (one query: the union of an id range and a
    date range, each on its index; one OR over both would scan the whole date range).
    """
    fields = ("id", "created_at", "author_id", "text", "content_hash")
    rows = Message.objects.filter(
        created_at__gte=since, created_at__lt=until, is_from_company=False
    ).values_list(*fields)
    if seen_until is not None:
        rows = rows.filter(id__gt=after_id).union(
            rows.filter(created_at__gte=max(since, seen_until))
        )
    return list(rows.order_by("created_at", "id").iterator(chunk_size=5000))


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """Sums over a set of customer messages that change when one is added, deleted, moved
    out, re-authored or re-imported with other content (one aggregate query)."""

    count: int = 0
    ids: int = 0
    authors: int = 0
    hash_a: int = 0
    hash_b: int = 0


def customer_message_fingerprint(*, since: datetime, until: datetime, max_id: int) -> Fingerprint:
    """The :class:`Fingerprint` of the customer messages in [since, until) with id <= max_id."""
    found = Message.objects.filter(
        created_at__gte=since, created_at__lt=until, is_from_company=False, id__lte=max_id
    ).aggregate(
        count=Count("id"),
        ids=Sum("id"),
        authors=Sum(Coalesce("author_id", 0)),
        hash_a=Sum(_hash_part(_HASH_PARTS[0])),
        hash_b=Sum(_hash_part(_HASH_PARTS[1])),
    )
    return Fingerprint(**{k: int(v or 0) for k, v in found.items()})


def messages_by_ids(ids: list[int]) -> list[Message]:
    """These messages with their authors, oldest first (one query)."""
    return list(
        Message.objects.select_related("author").filter(pk__in=ids).order_by("created_at", "id")
    )


def first_customer_message_at() -> datetime | None:
    return (
        Message.objects.filter(is_from_company=False)
        .order_by("created_at")
        .values_list("created_at", flat=True)
        .first()
    )


def last_customer_message_at() -> datetime | None:
    return (
        Message.objects.filter(is_from_company=False)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
