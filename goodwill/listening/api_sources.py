"""Sources over the API: /api/sources (list, create, update, delete, run now, recent runs).

Anyone with a token reads; changing and running sources needs the admin or supervisor role.

Secrets are write-only: a request may set them (``"env:VARIABLE"`` or the value, stored
encrypted); answers only say how each one is set (``env:VARIABLE``, ``encrypted`` or "").
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from goodwill.accounts.permissions import Capability, require
from goodwill.api import Page
from goodwill.listening import sources
from goodwill.listening.connectors.base import REGISTRY
from goodwill.listening.models import Source

router = Router(tags=["sources"])


class FieldOut(Schema):
    name: str
    label: str
    required: bool
    secret: bool
    help: str
    default: str


class KindOut(Schema):
    kind: str
    label: str
    channel: str
    pushed: bool
    fields: list[FieldOut]


class SourceOut(Schema):
    id: int
    name: str
    kind: str
    channel: str
    enabled: bool
    interval_seconds: int
    config: dict[str, Any]
    secrets: dict[str, str] = Field(
        description="How each secret is set: 'env:VARIABLE', 'encrypted', or '' (not set)."
    )
    last_run_at: datetime | None
    last_error: str
    consecutive_failures: int
    items_fetched: int
    next_run_at: datetime | None

    @staticmethod
    def resolve_secrets(obj: Source) -> dict[str, str]:
        return sources.secret_names(obj)


class SourceIn(Schema):
    name: str = Field(..., min_length=1, max_length=100)
    kind: str = Field(..., description="A connector kind (GET /api/sources/kinds).")
    channel: str = Field("", description="Default: the kind's channel.")
    config: dict[str, str] = Field(default_factory=dict)
    secrets: dict[str, str] = Field(
        default_factory=dict, description="Write-only: 'env:VARIABLE' or the value."
    )
    interval_seconds: int = Field(900, ge=sources.MIN_INTERVAL_SECONDS)
    enabled: bool = True


class SourcePatch(Schema):
    config: dict[str, str] | None = Field(None, description="Replaces the settings.")
    secrets: dict[str, str] | None = Field(
        None, description="Write-only; each one given replaces that secret, '' keeps it."
    )
    interval_seconds: int | None = Field(None, ge=sources.MIN_INTERVAL_SECONDS)
    enabled: bool | None = None
    channel: str | None = None


class ConfigErrorOut(Schema):
    detail: str
    errors: dict[str, str] = Field(description="Each bad field and its problem.")


class SkippedOut(Schema):
    ref: str
    reason: str


class RunOut(Schema):
    id: int
    started_at: datetime
    finished_at: datetime | None
    status: str
    trigger: str
    pages: int
    fetched: int
    created: int
    updated: int
    skipped: int
    skipped_reasons: list[SkippedOut]
    error: str
    rate_limited_until: datetime | None


def _source(source_id: int) -> Source:
    source = sources.connector_sources().filter(pk=source_id).first()
    if source is None:
        raise HttpError(404, f"source {source_id} not found")
    return source


def _manager(request: HttpRequest) -> None:
    require(request.user, Capability.SOURCES_MANAGE)


def _config_error(exc: sources.SourceConfigError) -> Status[dict[str, Any]]:
    return Status(422, {"detail": str(exc), "errors": exc.errors})


@router.get("/kinds", response=list[KindOut], summary="Connector kinds and their settings")
def list_kinds(request: HttpRequest) -> Any:
    return [
        {
            "kind": kind,
            "label": cls.label,
            "channel": cls.channel,
            "pushed": not sources.is_pulled(kind),
            "fields": [vars(spec) for spec in cls.fields],
        }
        for kind, cls in sorted(REGISTRY.items())
    ]


@router.get("", response=list[SourceOut], summary="List sources")
@paginate(Page)
def list_sources(request: HttpRequest) -> Any:
    return sources.connector_sources()


@router.post("", response={201: SourceOut, 422: ConfigErrorOut}, summary="Add a source")
def create_source(request: HttpRequest, payload: SourceIn) -> Any:
    _manager(request)
    try:
        source = sources.create_source(**payload.dict())
    except sources.SourceConfigError as exc:
        return _config_error(exc)
    return Status(201, source)


@router.get("/{source_id}", response=SourceOut, summary="One source")
def get_source(request: HttpRequest, source_id: int) -> Any:
    return _source(source_id)


@router.patch(
    "/{source_id}", response={200: SourceOut, 422: ConfigErrorOut}, summary="Change a source"
)
def update_source(request: HttpRequest, source_id: int, payload: SourcePatch) -> Any:
    _manager(request)
    source = _source(source_id)
    try:
        return Status(200, sources.update_source(source=source, **payload.dict()))
    except sources.SourceConfigError as exc:
        return _config_error(exc)


@router.delete("/{source_id}", response={204: None}, summary="Delete a source and its runs")
def delete_source(request: HttpRequest, source_id: int) -> Any:
    _manager(request)
    sources.delete_source(source=_source(source_id))
    return Status(204, None)


class BusyOut(Schema):
    detail: str
    running: RunOut | None = Field(
        None, description="The run that holds the source (absent for a pushed source)."
    )


@router.post(
    "/{source_id}/run",
    response={200: RunOut, 409: BusyOut},
    summary="Pull a source now",
    description="409 when the source is pushed to, or already being pulled (by the scheduler "
    "or another manual run): nothing is pulled twice.",
)
def run_source(request: HttpRequest, source_id: int) -> Any:
    _manager(request)
    source = _source(source_id)
    if not sources.is_pulled(source.kind):
        raise HttpError(409, f"source {source_id} is pushed to (a webhook); it has nothing to pull")
    try:
        return Status(200, sources.run_source(source=source, trigger="manual"))
    except sources.SourceBusy as busy:
        return Status(409, {"detail": str(busy), "running": busy.run})


@router.get("/{source_id}/runs", response=list[RunOut], summary="A source's runs, newest first")
@paginate(Page)
def list_runs(request: HttpRequest, source_id: int) -> Any:
    return _source(source_id).runs.order_by("-started_at", "-pk")
