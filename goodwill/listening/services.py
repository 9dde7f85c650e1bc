"""Ingest: the one function every connector and importer hands its items to."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from goodwill import bulk
from goodwill.analysis.abuse import flag_abuse
from goodwill.analysis.understand import analyse as understand
from goodwill.analysis.virality import virality_risk
from goodwill.conversations import services as conversation_services
from goodwill.customers import services as customer_services
from goodwill.events import services as event_services
from goodwill.listening.models import Label, Message, Source
from goodwill.listening.types import BatchResult, MessageItem
from goodwill.utils import chunks

log = logging.getLogger(__name__)

# The pipeline's stages, in order; ingest_batch(timings=...) reports CPU seconds per stage.
STAGES = ("normalise", "dedupe", "identity", "analyse", "thread", "store", "events")
MESSAGE_RECEIVED = "message.received"

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
# Analysis columns, in the order of the tuples built by _analyse (language is a content field:
# the analysed language replaces it only when the platform gave none).
ANALYSIS_FIELDS = (
    "sentiment",
    "sentiment_score",
    "intent",
    "topics",
    "is_abusive",
    "virality_risk",
    "analysed_at",
)
_LANGUAGE = _CONTENT_FIELDS.index("language")
_N_ANALYSIS = len(ANALYSIS_FIELDS)

Key = tuple[str, str]
# What ingest needs to know about a stored message: id, content hash, conversation id.
Stored = tuple[int, str, int | None]


def get_or_create_source(*, name: str, channel: str, kind: str = "file") -> Source:
    source, _ = Source.objects.get_or_create(name=name, defaults={"channel": channel, "kind": kind})
    return source


class StageClock:
    """Accumulates process CPU seconds per pipeline stage into a dict (or does nothing)."""

    __slots__ = ("_into", "_name", "_started")

    def __init__(self, into: dict[str, float] | None) -> None:
        self._into = into
        self._name = ""
        self._started = 0.0

    def __call__(self, name: str) -> StageClock:
        self._name = name
        return self

    def __enter__(self) -> None:
        if self._into is not None:
            self._started = time.process_time()

    def __exit__(self, *exc: object) -> None:
        if self._into is not None:
            spent = time.process_time() - self._started
            self._into[self._name] = self._into.get(self._name, 0.0) + spent


def ingest_batch(
    *,
    source: Source | None,
    items: Sequence[MessageItem],
    analyse: bool = True,
    emit_events: bool = True,
    timings: dict[str, float] | None = None,
    normalised: list[tuple[str, Any]] | None = None,
) -> BatchResult:
    """The listening pipeline over one batch, in one transaction; idempotent.

    normalise (validate every item; a bad one raises ValueError naming it and the field,
    before anything is written) -> dedupe by (channel, external id): a known message whose
    content is the same is 'unchanged', one whose content differs is 'updated' (counts, text
    edits), a new one is 'created' -> resolve identity (authors upserted as identities; each
    new person gets a customer) -> analyse new and updated messages (sentiment, intent,
    topics, language unless the platform gave one, abuse flag, virality risk) -> thread new
    messages into conversations -> store -> emit one ``message.received`` event per new
    message from a customer (not the company), with the analysis in its payload and a
    dedupe key, so a re-run stores nothing twice. Items must be unique by (channel, external
    id) within the batch (ValueError otherwise).

    ``analyse=False`` and ``emit_events=False`` are for bulk loads of history: messages are
    stored with ``analysed_at`` empty (an updated one has it cleared) for
    ``analyse_stored_messages`` to fill in a follow-up pass, which also reads the texts for
    identity references (order numbers, addresses) that ingest otherwise links at once.
    ``timings``, when given, gets the CPU seconds spent in each of STAGES added to it
    (benchmarks/bench_pipeline.py). ``normalised``, when given, is what :func:`normalise`
    returned for these very items (an importer's reader process computes it while this
    process stores the previous batch); they are then not validated again.

    The writes are hand-written statements (goodwill.bulk: executemany INSERT on SQLite, its
    ids counted from the table's counter or read back by key, COPY on PostgreSQL,
    executemany UPDATE) instead of
    bulk_create/bulk_update: that took ingest from ~3,800 to ~22,000 messages/s on SQLite
    (benchmarks/README.md). Objects older than the batch are kept out of the garbage
    collector's scans meanwhile (``bulk.older_objects_frozen``).
    """
    with bulk.older_objects_frozen():
        return _ingest(
            source=source,
            items=items,
            analyse=analyse,
            emit_events=emit_events,
            timings=timings,
            normalised=normalised,
        )


def normalise(items: Sequence[MessageItem]) -> list[tuple[str, Any]]:
    """Validate a batch (ValueError naming the first bad item and field, or a key that
    appears twice) and return each item's (content hash, created_at in database form).

    The first stage of :func:`ingest_batch`, callable on its own: it reads no table, so an
    importer's reader process runs it (``normalised=`` then skips it in ingest_batch).
    """
    _validate(items)
    digests, times = _hashes_and_times(items)
    return list(zip(digests, times, strict=True))


@transaction.atomic
def _ingest(
    *,
    source: Source | None,
    items: Sequence[MessageItem],
    analyse: bool,
    emit_events: bool,
    timings: dict[str, float] | None,
    normalised: list[tuple[str, Any]] | None,
) -> BatchResult:
    result = BatchResult()
    if not items:
        return result
    clock = StageClock(timings)
    now = timezone.now()
    adapt = _Adapter(analyse=analyse)
    with clock("normalise"):
        if normalised is None:
            _validate(items)
            digests, times = _hashes_and_times(items)
        elif len(normalised) != len(items):
            raise ValueError(f"normalised: {len(normalised)} entries for {len(items)} items")
        else:
            digests = [digest for digest, _ in normalised]
            times = [at for _, at in normalised]

    with clock("dedupe"):
        existing = _existing(items)
        new: dict[str, list[tuple[MessageItem, str]]] = {}
        new_times: dict[str, list[Any]] = {}  # created_at in database form, as `new`
        changed: list[tuple[MessageItem, str, Stored]] = []
        for item, digest, at in zip(items, digests, times, strict=True):
            row = existing.get((item.channel, item.external_id))
            if row is None:
                new.setdefault(item.channel, []).append((item, digest))
                new_times.setdefault(item.channel, []).append(at)
            elif row[1] == digest:
                result.unchanged += 1
            else:
                changed.append((item, digest, row))

    with clock("identity"):
        identities = _identities(items)

    analysis: dict[Key, tuple[Any, ...]] = {}
    if analyse:
        with clock("analyse"):
            targets = [i for group in new.values() for i, _ in group] + [c[0] for c in changed]
            analysis = _analyse(targets, now)

    with clock("thread"):
        plans = {
            channel: _thread(channel, group, identities, existing) for channel, group in new.items()
        }

    with clock("store"):
        created: dict[Key, int] = {}
        refresh: set[int] = set()
        for channel, group in new.items():
            refresh |= _store_new(
                channel,
                group,
                new_times[channel],
                identities,
                source,
                plans[channel],
                adapt,
                analysis,
                created,
            )
        updates = []
        for item, digest, row in changed:
            updates.append((*adapt.content(item, digest, identities, analysis), row[0]))
            if row[2] is not None:
                refresh.add(row[2])
        bulk.update_rows(Message, adapt.update_fields, updates)
        if refresh:
            _refresh(refresh)
        _store_labels(items, existing, created)

    if analyse:  # a bulk load leaves reading the texts to analyse_stored_messages
        with clock("identity"):
            # Identity resolution: order numbers and addresses in new inbound messages.
            customer_services.resolve_messages(
                messages=[
                    (identities[(i.channel, i.author_id)].identity_id, i.text)
                    for group in new.values()
                    for i, _ in group
                    if not i.is_from_company and (i.channel, i.external_id) in created
                ]
            )

    if emit_events:
        with clock("events"):
            _emit_received(new, created, identities, plans, analysis)

    result.created = len(created)
    result.updated = len(changed)
    result.message_ids = list(created.values()) + [row[0] for _, _, row in changed]
    return result


def _identities(items: Sequence[MessageItem]) -> dict[Key, customer_services.IdentityRef]:
    authors: dict[Key, MessageItem] = {}
    for i in items:
        authors[(i.channel, i.author_id)] = i
    return customer_services.ensure_identities(
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


# Column limits of listening_message (and identities) that a connector could overrun.
_MAX_LENGTH = {"channel": 32, "external_id": 255, "url": 2048, "in_reply_to": 255, "language": 16}
_MAX_COUNT = 2**31 - 1  # PositiveIntegerField on PostgreSQL


def _validate(items: Sequence[MessageItem]) -> None:
    """Raise ValueError naming the first bad item and field; check unique keys."""
    seen: set[Key] = set()
    for n, item in enumerate(items):
        problem = _problem(item)
        if problem is not None:
            field, reason = problem
            raise ValueError(
                f"item {n} ({item.channel!r}:{item.external_id!r}): field {field!r} {reason}"
            )
        key = (item.channel, item.external_id)
        if key in seen:
            raise ValueError(
                f"item {n}: external_id {item.external_id!r} appears twice in one batch "
                f"on channel {item.channel!r}"
            )
        seen.add(key)


def _problem(item: MessageItem) -> tuple[str, str] | None:
    """The first bad field of an item and why, or None; a fast path first (~1 us a good item)."""
    channel, ext, author, text, created = (
        item.channel,
        item.external_id,
        item.author_id,
        item.text,
        item.created_at,
    )
    likes, shares, replies, followers = item.likes, item.shares, item.replies, item.followers
    if (
        type(channel) is str
        and type(ext) is str
        and type(author) is str
        and type(text) is str
        and type(item.url) is str
        and type(item.in_reply_to) is str
        and type(item.language) is str
        and type(item.author_handle) is str
        and type(item.author_name) is str
        and type(item.is_from_company) is bool
        and type(likes) is int
        and type(shares) is int
        and type(replies) is int
        and (followers is None or (type(followers) is int and 0 <= followers <= _MAX_COUNT))
        and 0 <= likes <= _MAX_COUNT
        and 0 <= shares <= _MAX_COUNT
        and 0 <= replies <= _MAX_COUNT
        and 0 < len(channel) <= 32
        and 0 < len(ext) <= 255
        and len(item.url) <= 2048
        and len(item.in_reply_to) <= 255
        and len(item.language) <= 16
        and "\x00" not in text
        and isinstance(created, datetime)
        and created.utcoffset() is not None
        and author.strip()
        and ext.strip()
        and channel.strip()
    ):
        return None
    return _slow_problem(item)


def _slow_problem(item: MessageItem) -> tuple[str, str] | None:
    for name, limit in _MAX_LENGTH.items():
        value = getattr(item, name)
        if type(value) is not str:
            return name, f"must be text, got {type(value).__name__}"
        if len(value) > limit:
            return name, f"is {len(value)} characters long; the limit is {limit}"
    for name in ("channel", "external_id", "author_id"):
        value = getattr(item, name)
        if not isinstance(value, str) or not value.strip():
            return name, "is empty"
    for name in ("author_handle", "author_name", "text"):
        if not isinstance(getattr(item, name), str):
            return name, f"must be text, got {type(getattr(item, name)).__name__}"
    if "\x00" in item.text:
        return "text", "contains a NUL character (U+0000), which cannot be stored"
    created = item.created_at
    if not isinstance(created, datetime):
        return "created_at", f"must be a datetime, got {type(created).__name__}"
    if created.tzinfo is None or created.utcoffset() is None:
        return "created_at", f"{created.isoformat()} has no time zone"
    for name in ("likes", "shares", "replies", "followers"):
        count = getattr(item, name)
        if count is None and name == "followers":
            continue
        if type(count) is not int:
            return name, f"must be a whole number, got {count!r}"
        if not 0 <= count <= _MAX_COUNT:
            return name, f"must be between 0 and {_MAX_COUNT}, got {count}"
    if type(item.is_from_company) is not bool:
        return "is_from_company", f"must be true or false, got {item.is_from_company!r}"
    return None


def _hashes_and_times(items: Sequence[MessageItem]) -> tuple[list[str], list[Any]]:
    """Each item's content hash and its created_at in database form.

    A hand-written fast path: where date-times are stored as UTC text (SQLite), the
    isoformat() the hash covers is that text rearranged, so each time is formatted once
    instead of twice (isoformat on an aware datetime costs ~2 us; this is on every row of an
    import). Tested with hypothesis: the same hashes as MessageItem.content_hash().
    """
    digests: list[str] = []
    times: list[Any] = []
    if not bulk.stores_utc_text():
        when = bulk.datetime_adapter()
        for item in items:
            digests.append(item.content_hash())
            times.append(when(item.created_at))
        return digests, times
    utc_text = bulk.utc_text
    for item in items:
        at = item.created_at
        if at.tzinfo is UTC:
            text = utc_text(at)
            digests.append(item.content_hash(f"{text[:10]}T{text[11:]}+00:00"))
        else:
            offset = at.utcoffset()
            assert offset is not None  # _validate rejected naive times
            text = utc_text(at - offset)
            digests.append(item.content_hash())
        times.append(text)
    return digests, times


def _analyse(items: list[MessageItem], now: datetime) -> dict[Key, tuple[Any, ...]]:
    """By key: the ANALYSIS_FIELDS values in database form, then the topics list and language."""
    rows = _analysis_rows(
        texts=[i.text for i in items],
        languages=[i.language for i in items],
        followers=[i.followers for i in items],
        likes=[i.likes for i in items],
        shares=[i.shares for i in items],
        replies=[i.replies for i in items],
        created=[i.created_at for i in items],
        now=now,
    )
    return {(i.channel, i.external_id): row for i, row in zip(items, rows, strict=True)}


def _analysis_rows(
    *,
    texts: list[str],
    languages: list[str],
    followers: list[int | None],
    likes: list[int],
    shares: list[int],
    replies: list[int],
    created: list[datetime],
    now: datetime,
) -> list[tuple[Any, ...]]:
    """Analyse one batch, column-wise; a language the platform gave is kept."""
    if not texts:
        return []
    from goodwill.listening.understanding import (
        current_intent_model,
        current_model,
        current_taxonomy,
        current_topic_model,
    )

    found = understand(
        texts,
        model=current_model(),
        taxonomy=current_taxonomy(),
        intent_model=current_intent_model(),
        topic_model=current_topic_model(),
    )
    abusive = flag_abuse(texts).flagged.tolist()
    risk = virality_risk(
        followers=followers,
        likes=likes,
        shares=shares,
        replies=replies,
        age_hours=[(now - at).total_seconds() / 3600.0 for at in created],
        sentiment_scores=[a.sentiment_score for a in found],
    )
    stamp = bulk.db_datetime(now)
    topics = bulk.json_adapter(Message, "topics")
    return [
        (
            a.sentiment,
            a.sentiment_score,
            a.intent,
            topics(a.topics),
            flag,
            round(r, 4),
            stamp,
            a.topics,  # as a list, for event payloads
            given or a.language,
        )
        for a, flag, r, given in zip(found, abusive, risk.tolist(), languages, strict=True)
    ]


def analyse_stored_messages(*, batch_size: int = 2000, limit: int | None = None) -> int:
    """Analyse stored messages that have no analysis yet (bulk loads, edits made with
    ``analyse=False``, messages from before analysis existed); returns how many were done.

    Also links identities from references in the texts (customers.services.resolve_messages),
    as ingest does. Oldest id first, one transaction per batch, so it can be stopped and run
    again: each run picks up where the last one stopped. Emits no events: these are history,
    and rules acted (or chose not to) when they arrived.
    """
    done = 0
    while limit is None or done < limit:
        size = batch_size if limit is None else min(batch_size, limit - done)
        with transaction.atomic():
            rows = list(
                Message.objects.filter(analysed_at__isnull=True)
                .order_by("id")
                .values_list(
                    "id",
                    "text",
                    "language",
                    "author__followers",
                    "likes",
                    "shares",
                    "replies",
                    "created_at",
                    "author_id",
                    "is_from_company",
                )[:size]
            )
            if not rows:
                break
            ids, texts, languages, followers, likes, shares, replies, created, authors, company = (
                list(col) for col in zip(*rows, strict=True)
            )
            found = _analysis_rows(
                texts=texts,
                languages=languages,
                followers=followers,
                likes=likes,
                shares=shares,
                replies=replies,
                created=created,
                now=timezone.now(),
            )
            bulk.update_rows(
                Message,
                (*ANALYSIS_FIELDS, "language"),
                [(*row[:_N_ANALYSIS], row[-1], pk) for row, pk in zip(found, ids, strict=True)],
            )
            customer_services.resolve_messages(
                messages=[
                    (author, text)
                    for author, text, by_company in zip(authors, texts, company, strict=True)
                    if author is not None and not by_company
                ]
            )
        done += len(rows)
    return done


class _Adapter:
    """Turns items into row tuples in database form, caching what is the same for all rows."""

    def __init__(self, *, analyse: bool) -> None:
        self.datetime = bulk.datetime_adapter()
        self.empty_raw = bulk.db_json(Message, "raw", {})
        self.analyse = analyse
        # An updated message is re-analysed, or its stale analysis is marked as not done.
        self.update_fields = (
            (*_CONTENT_FIELDS, *ANALYSIS_FIELDS) if analyse else (*_CONTENT_FIELDS, "analysed_at")
        )

    def content(
        self,
        item: MessageItem,
        digest: str,
        identities: dict[Key, customer_services.IdentityRef],
        analysis: dict[Key, tuple[Any, ...]],
    ) -> tuple[Any, ...]:
        row = (
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
        if not self.analyse:
            return (*row, None)
        found = analysis[(item.channel, item.external_id)]
        return (*row[:_LANGUAGE], found[-1], *row[_LANGUAGE + 1 :], *found[:_N_ANALYSIS])


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


def _thread(
    channel: str,
    group: list[tuple[MessageItem, str]],
    identities: dict[Key, customer_services.IdentityRef],
    existing: dict[Key, Stored],
) -> conversation_services.ThreadPlan:
    """Assign the new messages of one channel to conversations (creating new ones)."""
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

    return conversation_services.thread_batch(
        channel=channel,
        items=[
            conversation_services.ThreadItem(
                external_id=i.external_id,
                in_reply_to=i.in_reply_to,
                created_at=i.created_at,
                is_from_company=i.is_from_company,
                customer_id=identities[(channel, i.author_id)].customer_id,
            )
            for i, _ in group
        ],
        parent_conversations=parent_conversations,
    )


def _store_new(
    channel: str,
    group: list[tuple[MessageItem, str]],
    times: list[Any],
    identities: dict[Key, customer_services.IdentityRef],
    source: Source | None,
    plan: conversation_services.ThreadPlan,
    adapt: _Adapter,
    analysis: dict[Key, tuple[Any, ...]],
    created: dict[Key, int],
) -> set[int]:
    """Insert the new messages of one channel; return conversations to refresh."""
    source_id = source.pk if source is not None else None
    assignment = plan.conversation_ids
    empty_raw = adapt.empty_raw
    rows: list[tuple[Any, ...]] = [
        (
            channel,
            item.external_id,
            source_id,
            assignment[item.external_id],
            identities[(channel, item.author_id)].identity_id,
            item.is_from_company,
            item.text,
            at,
            item.url,
            item.in_reply_to,
            item.likes,
            item.shares,
            item.replies,
            item.language,
            bulk.db_json(Message, "raw", item.raw) if item.raw else empty_raw,
            digest,
        )
        for (item, digest), at in zip(group, times, strict=True)
    ]
    fields: tuple[str, ...] = _INSERT_FIELDS
    if adapt.analyse:
        fields = (*_INSERT_FIELDS, *ANALYSIS_FIELDS)
        language = len(_INSERT_FIELDS) - len(_CONTENT_FIELDS) + _LANGUAGE
        rows = [
            (*row[:language], found[-1], *row[language + 1 :], *found[:_N_ANALYSIS])
            for row, found in zip(
                rows, [analysis[(channel, item.external_id)] for item, _ in group], strict=True
            )
        ]
    for pk, ext in bulk.insert_rows(
        Message,
        fields,
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


def _emit_received(
    new: dict[str, list[tuple[MessageItem, str]]],
    created: dict[Key, int],
    identities: dict[Key, customer_services.IdentityRef],
    plans: dict[str, conversation_services.ThreadPlan],
    analysis: dict[Key, tuple[Any, ...]],
) -> None:
    """One message.received event per new customer message, keyed so it is stored once."""
    events = []
    for channel, group in new.items():
        assignment = plans[channel].conversation_ids
        for item, _ in group:
            if item.is_from_company:
                continue
            key = (channel, item.external_id)
            ref = identities[(channel, item.author_id)]
            payload: dict[str, Any] = {
                "channel": channel,
                "external_id": item.external_id,
                "identity_id": ref.identity_id,
                "in_reply_to": item.in_reply_to,
                "followers": item.followers,
                "analysed": key in analysis,
            }
            found = analysis.get(key)
            if found is not None:
                payload.update(
                    sentiment=found[0],
                    sentiment_score=found[1],
                    intent=found[2],
                    topics=found[_N_ANALYSIS],
                    is_abusive=found[4],
                    virality_risk=found[5],
                    language=found[-1],
                )
            else:
                payload["language"] = item.language
            events.append(
                event_services.EventSpec(
                    type=MESSAGE_RECEIVED,
                    dedupe_key=event_services.dedupe_key(
                        MESSAGE_RECEIVED, channel, item.external_id
                    ),
                    occurred_at=item.created_at,
                    payload=payload,
                    customer_id=ref.customer_id,
                    message_id=created[key],
                    conversation_id=assignment.get(item.external_id),
                )
            )
    event_services.emit_many(events=events)


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
