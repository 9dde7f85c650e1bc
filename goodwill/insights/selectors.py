"""Read-only report queries; each returns plain data the CLI, the API and the pages render."""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, QuerySet

from goodwill.analysis.durations import summarise_durations
from goodwill.analysis.themes import Theme, discover_themes, uncovered
from goodwill.analysis.topics import Taxonomy, Topic, default_taxonomy
from goodwill.conversations import selectors as conversation_selectors
from goodwill.insights.models import Alert, TaxonomyVersion, ThemeSnapshot
from goodwill.listening import selectors as listening_selectors


@dataclass(frozen=True, slots=True)
class ResponseTimes:
    """How customer-started conversations were answered (see docs/reports.md)."""

    customer_started: int
    responded: int
    response_rate: float | None  # responded / customer_started; None when nothing started
    median_seconds: float | None
    p90_seconds: float | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def response_times(
    *,
    channel: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> ResponseTimes:
    """Customer-started conversations with `since <= started_at < until` (either optional)."""
    facts = conversation_selectors.first_response_facts(channel=channel, since=since, until=until)
    summary = summarise_durations(facts.response_seconds)
    started = facts.customer_started
    return ResponseTimes(
        customer_started=started,
        responded=summary.count,
        response_rate=summary.count / started if started else None,
        median_seconds=summary.median_seconds,
        p90_seconds=summary.p90_seconds,
    )


# ----------------------------------------------------------------------------- taxonomy
# The packaged taxonomy (goodwill/analysis/models/topics_default.json) is in use until the
# first edit (services.save_topic). Reads are cached per process, keyed by the newest
# version's identity: one small indexed query per call, so an edit made by another process
# is seen on the next call.

_lock = threading.Lock()
_cached: tuple[tuple[Any, ...], Taxonomy] | None = None


def _newest_identity() -> tuple[Any, ...] | None:
    newest = TaxonomyVersion.objects.order_by("-number")
    row = newest.values_list("pk", "number", "created_at").first()
    return tuple(row) if row is not None else None


def current_taxonomy() -> Taxonomy:
    """The taxonomy in use: the newest stored version, else the packaged default."""
    global _cached
    identity = _newest_identity()
    if identity is None:
        return default_taxonomy()
    with _lock:
        if _cached is not None and _cached[0] == identity:
            return _cached[1]
    taxonomy = _load(int(identity[1]))
    with _lock:
        _cached = (identity, taxonomy)
    return taxonomy


def invalidate_taxonomy_cache() -> None:
    global _cached
    with _lock:
        _cached = None


def _load(number: int) -> Taxonomy:
    version = TaxonomyVersion.objects.get(number=number)
    topics = tuple(
        Topic(name=t.name, keywords=tuple(t.keywords), examples=tuple(t.examples))
        for t in version.topics.order_by("position")
    )
    return Taxonomy(topics=topics, example_threshold=version.example_threshold)


def current_version() -> TaxonomyVersion | None:
    return TaxonomyVersion.objects.order_by("-number").first()


def versions(limit: int = 20) -> list[TaxonomyVersion]:
    return list(TaxonomyVersion.objects.select_related("created_by").order_by("-number")[:limit])


def topic_names() -> set[str]:
    return set(current_taxonomy().names)


def find_topic(name: str) -> Topic | None:
    return next((t for t in current_taxonomy().topics if t.name == name), None)


# ----------------------------------------------------------------------------- alerts

SERIES_SEP = "|"
ALL_CHANNELS = "*"
NO_TOPIC = "(no topic)"


def series_key(topic: str, sentiment: str, channel: str) -> str:
    return SERIES_SEP.join((topic, sentiment, channel))


def split_series_key(key: str) -> tuple[str, str, str]:
    topic, sentiment, channel = key.rsplit(SERIES_SEP, 2)
    return topic, sentiment, channel


def alerts(*, status: str = "", limit: int = 100) -> list[Alert]:
    """Newest first; ``status`` empty means any. One query."""
    qs = Alert.objects.order_by("-window_start", "-id")
    if status:
        qs = qs.filter(status=status)
    return list(qs[:limit])


# What a list row shows; the driving message ids stay unread (they can be thousands).
ALERT_ROW_FIELDS = (
    "id", "kind", "series_key", "phrase", "terms", "topic", "sentiment", "channel",
    "window_start", "window_end", "score", "expected", "observed", "status", "history",
)  # fmt: skip


def alert_list(
    *, status: str = "", kind: str = "", topic: str = "", channel: str = ""
) -> QuerySet[Alert]:
    """Newest first, for a paged list: only the row's fields; empty filters mean any.

    ``channel`` is a channel code or ``ALL_CHANNELS`` (the series over every channel).
    """
    qs = Alert.objects.only(*ALERT_ROW_FIELDS).order_by("-window_start", "-id")
    if status:
        qs = qs.filter(status=status)
    return _alert_filters(qs, kind=kind, topic=topic, channel=channel)


def _alert_filters(qs: QuerySet[Alert], *, kind: str, topic: str, channel: str) -> QuerySet[Alert]:
    if kind:
        qs = qs.filter(kind=kind)
    if topic:
        qs = qs.filter(topic=topic)
    if channel:
        qs = qs.filter(channel=channel)
    return qs


def get_alert(alert_id: int) -> Alert | None:
    return Alert.objects.filter(pk=alert_id).first()


def alert_counts(*, kind: str = "", topic: str = "", channel: str = "") -> dict[str, int]:
    """Alerts per status among those the other filters keep (one query)."""
    qs = _alert_filters(Alert.objects.all(), kind=kind, topic=topic, channel=channel)
    return dict(qs.values_list("status").annotate(n=Count("id")).order_by())


def alert_drivers(alert: Alert) -> QuerySet[Any]:
    """The stored messages that drove ``alert``, oldest first, authors loaded; a lazy query,
    so a page of it costs one query (and a count one) however many ids the alert holds."""
    everything = listening_selectors.filter_messages(listening_selectors.MessageFilters())
    return everything.filter(pk__in=list(alert.message_ids)).order_by("created_at", "id")


# ----------------------------------------------------------------------------- themes


@dataclass(frozen=True, slots=True)
class ThemeReport:
    since: datetime  # the recent window: since <= created_at < until
    until: datetime
    baseline_since: datetime
    recent_messages: int
    baseline_messages: int
    themes: list[Theme]
    example_texts: dict[str, str]  # phrase -> its first example messages, one per line


_THEME_CACHE: dict[tuple[Any, ...], ThemeReport] = {}
RECENT_THEMES = "recent"


def stored_themes() -> ThemeReport | None:
    """The report the last scan stored (services.refresh_themes), without the themes a topic
    added since then covers; None before the first scan. Two small queries."""
    row = ThemeSnapshot.objects.filter(name=RECENT_THEMES).first()
    if row is None:
        return None
    themes = [Theme(**{**t, "example_ids": tuple(t.get("example_ids", ()))}) for t in row.themes]
    covered = [k for topic in current_taxonomy().topics for k in topic.keywords]
    return ThemeReport(
        row.since,
        row.until,
        row.baseline_since,
        row.recent_messages,
        row.baseline_messages,
        uncovered(themes, covered),
        dict(row.example_texts),
    )


def recent_themes(
    *, days: int = 7, baseline_days: int = 28, limit: int = 8, until: datetime | None = None
) -> ThemeReport | None:
    """New recurring phrases of the last ``days`` against the ``baseline_days`` before them.

    The window ends at the newest customer message (so an import of old data still shows
    its last week). Cached per process until a message, the window or the taxonomy changes.
    """
    end = until or listening_selectors.last_customer_message_at()
    if end is None:
        return None
    end = end + timedelta(microseconds=1)
    since = end - timedelta(days=days)
    baseline_since = since - timedelta(days=baseline_days)
    key = (end, days, baseline_days, limit, _newest_identity())
    cached = _THEME_CACHE.get(key)
    if cached is not None:
        return cached
    facts = listening_selectors.customer_message_facts(since=baseline_since, until=end)
    recent = [f for f in facts if f.created_at >= since]
    baseline = [f for f in facts if f.created_at < since]
    taxonomy = current_taxonomy()
    themes = discover_themes(
        [f.text for f in recent],
        [f.text for f in baseline],
        recent_ids=[f.id for f in recent],
        covered=[k for topic in taxonomy.topics for k in topic.keywords],
        limit=limit,
    )
    text_of = {f.id: " ".join(f.text.split())[:300] for f in recent}
    examples = {t.phrase: "\n".join(text_of[i] for i in t.example_ids[:2]) for t in themes}
    report = ThemeReport(since, end, baseline_since, len(recent), len(baseline), themes, examples)
    _THEME_CACHE.clear()
    _THEME_CACHE[key] = report
    return report
