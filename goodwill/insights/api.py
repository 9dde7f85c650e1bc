"""Alerts and the topic taxonomy over the API: /api/alerts and /api/topics.

Anyone with a token reads; acknowledging an alert needs `alerts.acknowledge`, resolving it
`alerts.resolve`, changing the taxonomy `topics.edit` (goodwill.accounts.permissions, as on
/alerts/ and /alerts/topics/); a refusal is a 403 naming the capability. Alert kinds
and statuses are read from the model at run time: a new kind needs no change here.
"""

# No `from __future__ import annotations`: django-ninja reads these annotations at runtime.
from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate
from pydantic import field_validator

from goodwill.accounts.permissions import Capability, require
from goodwill.analysis.topics import MAX_TOPICS
from goodwill.api import Page, aware
from goodwill.core import Channel
from goodwill.insights import api_selectors, api_services, selectors
from goodwill.insights.models import Alert
from goodwill.insights.selectors import ALL_CHANNELS
from goodwill.listening import selectors as listening_selectors
from goodwill.listening.api import MessageOut

router = Router(tags=["alerts"])
topics_router = Router(tags=["topics"])


# ----------------------------------------------------------------------------- alerts


class ChoiceOut(Schema):
    value: str
    label: str


class ChoicesOut(Schema):
    kinds: list[ChoiceOut]
    statuses: list[ChoiceOut]


class AlertOut(Schema):
    id: int
    kind: str = Field(..., description="Which detector raised it (GET /api/alerts/kinds).")
    status: str
    series_key: str = Field(..., description="Spikes: topic|sentiment|channel ('*': all channels).")
    phrase: str = Field("", description="Emerging phrases: the phrase ('' for spikes).")
    terms: list[str] = Field(
        default_factory=list, description="Emerging phrases: the phrase and its companions."
    )
    topic: str
    sentiment: str
    channel: str = Field(..., description="A channel, or '*' for the all-channels series.")
    window_start: datetime
    window_end: datetime = Field(..., description="End of the last alarming bucket (exclusive).")
    score: float = Field(..., description="Highest anomaly score: about once in 10**score.")
    expected: float = Field(..., description="Expected count over the alarming buckets.")
    observed: int = Field(..., description="Observed count over the alarming buckets.")
    message_ids: list[int] = Field(..., description="The messages that drove it.")
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_kind(obj: Alert) -> str:
        return api_selectors.kind_of(obj)

    # Read with a default: only detectors that name a phrase store one.
    @staticmethod
    def resolve_phrase(obj: Alert) -> str:
        return str(getattr(obj, "phrase", "") or "")

    @staticmethod
    def resolve_terms(obj: Alert) -> list[str]:
        return [str(t) for t in getattr(obj, "terms", None) or []]


class PointOut(Schema):
    at: datetime = Field(..., description="Start of the bucket.")
    observed: int
    expected: float


class ActivityOut(Schema):
    action: str = Field(..., description="alert.acknowledged, alert.resolved, alert.note, ...")
    actor: str | None
    at: datetime
    data: dict[str, Any]

    @staticmethod
    def resolve_actor(obj: Any) -> str | None:
        return obj.actor.get_username() if obj.actor is not None else None


class AlertDetailOut(AlertOut):
    points: list[PointOut] = Field(
        ..., description="Observed and expected per bucket, from a day before to the end."
    )
    messages: list[MessageOut] = Field(..., description="The driving messages, text verbatim.")
    activity: list[ActivityOut] = Field(..., description="Status changes and notes, oldest first.")


def _check_choice(value: str | None, choices: list[tuple[str, str]]) -> str | None:
    if value:
        known = [v for v, _ in choices]
        if value not in known:
            raise ValueError(f"unknown value {value!r}; one of: {', '.join(known)}")
    return value


class AlertQuery(Schema):
    status: str | None = Field(None, description="open, acknowledged or resolved; empty: any.")
    kind: str | None = Field(None, description="An alert kind (GET /api/alerts/kinds).")
    topic: str | None = Field(None, max_length=100, description="Exact topic name.")
    channel: str | None = Field(
        None, max_length=32, description="Exact channel, or '*' for the all-channels series."
    )
    since: datetime | None = Field(None, description="Window ends after this (ISO 8601).")
    until: datetime | None = Field(None, description="Window starts before this (ISO 8601).")

    @field_validator("status")
    @classmethod
    def _known_status(cls, value: str | None) -> str | None:
        return _check_choice(value, api_selectors.alert_statuses())

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, value: str | None) -> str | None:
        return _check_choice(value, api_selectors.alert_kinds())

    @field_validator("channel")
    @classmethod
    def _known_channel(cls, value: str | None) -> str | None:
        return _check_choice(value, [*Channel.choices, (ALL_CHANNELS, "all channels")])


class NoteIn(Schema):
    note: str = Field(
        "", max_length=api_services.MAX_NOTE_CHARS, description="Kept verbatim in the audit log."
    )


def _alert(alert_id: int) -> Alert:
    alert = selectors.get_alert(alert_id)
    if alert is None:
        raise HttpError(404, f"alert {alert_id} not found")
    return alert


def _points(alert: Alert) -> list[dict[str, Any]]:
    return [{"at": row[0], "observed": row[1], "expected": row[2]} for row in alert.history]


@router.get("/kinds", response=ChoicesOut, summary="Alert kinds and statuses")
def list_kinds(request: HttpRequest) -> Any:
    return {
        "kinds": [{"value": v, "label": label} for v, label in api_selectors.alert_kinds()],
        "statuses": [{"value": v, "label": label} for v, label in api_selectors.alert_statuses()],
    }


@router.get("", response=list[AlertOut], summary="List alerts, newest window first")
@paginate(Page)
def list_alerts(request: HttpRequest, filters: Query[AlertQuery]) -> Any:
    return api_selectors.filter_alerts(
        api_selectors.AlertFilters(
            status=filters.status or "",
            kind=filters.kind or "",
            topic=filters.topic or "",
            channel=filters.channel or "",
            since=aware(filters.since),
            until=aware(filters.until),
        )
    )


@router.get(
    "/{int:alert_id}",
    response=AlertDetailOut,
    summary="One alert with its series points, driving messages and activity",
)
def get_alert(request: HttpRequest, alert_id: int) -> Any:
    alert = _alert(alert_id)
    alert.points = _points(alert)  # type: ignore[attr-defined]
    alert.messages = listening_selectors.messages_by_ids(list(alert.message_ids))  # type: ignore[attr-defined]
    alert.activity = api_selectors.alert_activity(alert)  # type: ignore[attr-defined]
    return alert


def _change(request: HttpRequest, alert_id: int, payload: NoteIn | None, action: Any) -> Any:
    alert = _alert(alert_id)
    try:
        return action(alert=alert, actor=request.user, note=payload.note if payload else "")
    except ValueError as exc:
        raise HttpError(409, str(exc)) from None


@router.post(
    "/{int:alert_id}/acknowledge",
    response=AlertOut,
    summary="Acknowledge an open alert (409 otherwise); an optional note is kept",
)
def acknowledge_alert(request: HttpRequest, alert_id: int, payload: NoteIn | None = None) -> Any:
    require(request.user, Capability.ALERTS_ACKNOWLEDGE)
    return _change(request, alert_id, payload, api_services.acknowledge_alert)


@router.post(
    "/{int:alert_id}/resolve",
    response=AlertOut,
    summary="Resolve an open or acknowledged alert (409 otherwise), with an optional note",
)
def resolve_alert(request: HttpRequest, alert_id: int, payload: NoteIn | None = None) -> Any:
    require(request.user, Capability.ALERTS_RESOLVE)
    return _change(request, alert_id, payload, api_services.resolve_alert)


# ----------------------------------------------------------------------------- topics


class TopicOut(Schema):
    name: str
    keywords: list[str]
    examples: list[str]


class TaxonomyOut(Schema):
    version: int | None = Field(..., description="None: the packaged taxonomy (never edited).")
    note: str
    created_by: str | None
    created_at: datetime | None
    example_threshold: float
    topics: list[TopicOut]


class VersionOut(Schema):
    version: int = Field(..., alias="number")
    note: str
    created_by: str | None
    created_at: datetime
    example_threshold: float
    topic_count: int

    @staticmethod
    def resolve_created_by(obj: Any) -> str | None:
        return obj.created_by.get_username() if obj.created_by is not None else None


class TopicIn(Schema):
    name: str = Field(..., max_length=1000, description="Unique (any case); no '/' or '|'.")
    keywords: list[str] = Field(default_factory=list, description="Words or phrases.")
    examples: list[str] = Field(default_factory=list, description="Seed example messages.")


class TaxonomyIn(Schema):
    topics: list[TopicIn] = Field(
        ..., max_length=MAX_TOPICS, description="The whole taxonomy, in order."
    )
    example_threshold: float | None = Field(
        None, description="Cosine similarity to a seed example that assigns a topic; None keeps."
    )
    note: str = Field("", max_length=200, description="What changed, for the version list.")
    base_version: int | None = Field(
        None,
        ge=0,
        description="The version this document was read from (0: packaged); 409 if stale.",
    )


class TaxonomyChangeOut(Schema):
    created: bool = Field(..., description="False: the document was already in use.")
    added: list[str]
    removed: list[str]
    edited: list[str]
    taxonomy: TaxonomyOut


class DocumentErrorOut(Schema):
    detail: str
    errors: dict[str, str] = Field(description="Each bad field (topics[2].keywords) and why.")


@topics_router.get("", response=TaxonomyOut, summary="The topic taxonomy in use")
def get_taxonomy(request: HttpRequest) -> Any:
    return api_selectors.current_document()


@topics_router.get(
    "/versions", response=list[VersionOut], summary="Stored taxonomy versions, newest first"
)
@paginate(Page)
def list_versions(request: HttpRequest) -> Any:
    return api_selectors.taxonomy_versions()


@topics_router.get(
    "/versions/{int:number}", response=TaxonomyOut, summary="One stored taxonomy version"
)
def get_version(request: HttpRequest, number: int) -> Any:
    document = api_selectors.version_document(number)
    if document is None:
        raise HttpError(404, f"taxonomy version {number} not found")
    return document


@topics_router.post(
    "",
    response={200: TaxonomyChangeOut, 201: TaxonomyChangeOut, 422: DocumentErrorOut},
    summary="Store a whole taxonomy document as the new version (201; 200 if unchanged)",
)
def replace_taxonomy(request: HttpRequest, payload: TaxonomyIn) -> Any:
    require(request.user, Capability.TOPICS_EDIT)
    try:
        change = api_services.replace_taxonomy(
            actor=request.user,
            topics=[
                api_services.TopicSpec(name=t.name, keywords=t.keywords, examples=t.examples)
                for t in payload.topics
            ],
            example_threshold=payload.example_threshold,
            note=payload.note,
            base_version=payload.base_version,
        )
    except api_services.StaleTaxonomyError as exc:
        raise HttpError(409, str(exc)) from None
    except api_services.TaxonomyDocumentError as exc:
        return Status(422, {"detail": str(exc), "errors": exc.errors})
    return Status(
        201 if change.created else 200,
        {
            "created": change.created,
            "added": change.added,
            "removed": change.removed,
            "edited": change.edited,
            "taxonomy": api_selectors.version_document(change.version.number)
            if change.version is not None
            else api_selectors.current_document(),
        },
    )
