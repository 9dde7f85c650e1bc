"""Reads behind /api/alerts and /api/topics: filtered alerts, kinds and taxonomy documents.

Alert kinds and statuses are read from the model's field choices at run time, so a new
detector that adds a kind (and its migration) needs no change here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Count, QuerySet

from goodwill.accounts import selectors as account_selectors
from goodwill.analysis.topics import default_taxonomy
from goodwill.insights.models import Alert, TaxonomyVersion

# Before alerts had a `kind` field every alert was a volume spike; an installation whose
# model has no such field still answers with this one kind.
IMPLICIT_KIND = ("spike", "Spike")


def _choices(field_name: str) -> list[tuple[str, str]]:
    try:
        field = Alert._meta.get_field(field_name)
    except FieldDoesNotExist:
        return []
    return [(str(value), str(label)) for value, label in (getattr(field, "choices", None) or ())]


def has_kind_field() -> bool:
    try:
        Alert._meta.get_field("kind")
    except FieldDoesNotExist:
        return False
    return True


def alert_kinds() -> list[tuple[str, str]]:
    """(value, label) of every alert kind the model knows, in the model's order."""
    if not has_kind_field():
        return [IMPLICIT_KIND]
    return _choices("kind")


def alert_statuses() -> list[tuple[str, str]]:
    return _choices("status")


def kind_of(alert: Alert) -> str:
    return str(getattr(alert, "kind", IMPLICIT_KIND[0]))


@dataclass(frozen=True, slots=True)
class AlertFilters:
    status: str = ""
    kind: str = ""
    topic: str = ""
    channel: str = ""  # a channel, or "*" for the all-channels series
    since: datetime | None = None  # alerts whose window ends after it
    until: datetime | None = None  # alerts whose window starts before it


def filter_alerts(filters: AlertFilters) -> QuerySet[Alert]:
    """Alerts whose window overlaps [since, until), newest window first."""
    qs = Alert.objects.order_by("-window_start", "-id")
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.kind:
        if has_kind_field():
            qs = qs.filter(kind=filters.kind)
        elif filters.kind != IMPLICIT_KIND[0]:
            qs = qs.none()
    if filters.topic:
        qs = qs.filter(topic=filters.topic)
    if filters.channel:
        qs = qs.filter(channel=filters.channel)
    if filters.since is not None:
        qs = qs.filter(window_end__gt=filters.since)
    if filters.until is not None:
        qs = qs.filter(window_start__lt=filters.until)
    return qs


# ----------------------------------------------------------------------------- taxonomy


@dataclass(frozen=True, slots=True)
class TaxonomyDocument:
    """One taxonomy version as the API shows it; ``version`` None is the packaged default."""

    version: int | None
    note: str
    created_by: str | None
    created_at: datetime | None
    example_threshold: float
    topics: list[dict[str, Any]]


def _document(version: TaxonomyVersion) -> TaxonomyDocument:
    return TaxonomyDocument(
        version=version.number,
        note=version.note,
        created_by=version.created_by.get_username() if version.created_by else None,
        created_at=version.created_at,
        example_threshold=version.example_threshold,
        topics=[
            {"name": t.name, "keywords": list(t.keywords), "examples": list(t.examples)}
            for t in version.topics.all()  # ordered by position (Meta.ordering)
        ],
    )


def _versions() -> QuerySet[TaxonomyVersion]:
    return TaxonomyVersion.objects.select_related("created_by")


def current_document() -> TaxonomyDocument:
    """The taxonomy in use, read from one version (never a mix of two concurrent edits)."""
    newest = _versions().prefetch_related("topics").order_by("-number").first()
    if newest is not None:
        return _document(newest)
    packaged = default_taxonomy()
    return TaxonomyDocument(
        version=None,
        note="the packaged taxonomy (no edit stored yet)",
        created_by=None,
        created_at=None,
        example_threshold=packaged.example_threshold,
        topics=[
            {"name": t.name, "keywords": list(t.keywords), "examples": list(t.examples)}
            for t in packaged.topics
        ],
    )


def version_document(number: int) -> TaxonomyDocument | None:
    version = _versions().prefetch_related("topics").filter(number=number).first()
    return _document(version) if version is not None else None


def taxonomy_versions() -> QuerySet[TaxonomyVersion]:
    """Every stored version, newest first, with its author and topic count."""
    return _versions().annotate(topic_count=Count("topics")).order_by("-number")


def alert_activity(alert: Alert) -> list[Any]:
    """Who acknowledged or resolved the alert, and their notes, oldest first (one query)."""
    return account_selectors.audit_trail(target=alert)
