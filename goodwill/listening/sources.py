"""Sources: configure connectors, keep their secrets, and run them on a schedule.

The writes for pulled channels live here (the one place besides ``services.ingest_batch``):

- :func:`create_source` / :func:`update_source` / :func:`delete_source` validate a Source's
  settings against its connector's ``fields`` (errors name the field) and store secrets
  either as a reference to an environment variable (``"env:X_BEARER_TOKEN"``) or encrypted
  with Fernet under a key derived from ``SECRET_KEY``. Secrets are never logged, never in
  a repr, and never returned: callers only learn which secret names are set.
- :func:`run_source` pulls pages until the connector says there is no more or
  ``max_pages`` is reached. Each page is stored with ``ingest_batch`` and the new cursor
  saved in the same transaction, so a crash re-fetches a page rather than losing one and
  dedupe by (channel, external id) keeps storage exactly-once. A 429 moves ``next_run_at``
  to the platform's reset time, and so does a page whose answer said the quota is nearly
  spent (``FetchPage.wait_until``; it is stored first); any failure is recorded on the run
  and on the source.
  Every run, scheduled or manual, first claims the Source (:func:`_claim`): while one run
  holds it, another is refused with :class:`SourceBusy` instead of pulling twice.
- :func:`run_due_sources` runs every enabled pulled Source whose ``next_run_at`` has come;
  it is a periodic job (``goodwill listen`` in-process, or Celery beat).
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from goodwill.core import Channel
from goodwill.listening import connectors
from goodwill.listening.connectors.base import (
    REGISTRY,
    ConfigField,
    Connector,
    FetchPage,
    Http,
    RateLimited,
    Skipped,
)
from goodwill.listening.connectors.http import HttpClient
from goodwill.listening.models import Source, SourceRun
from goodwill.listening.services import ingest_batch
from goodwill.listening.types import BatchResult
from goodwill.schedule import JobOutcome, periodic, run_due_jobs

log = logging.getLogger(__name__)

MAX_PAGES_PER_RUN = 10
MAX_SKIPPED_KEPT = 100  # skipped reasons kept per run; the count is always exact
MAX_FAILURE_BACKOFF = timedelta(hours=6)
ENV_PREFIX = "env:"
FERNET_PREFIX = "fernet:"
# Settings every Source has besides its connector's fields.
MIN_INTERVAL_SECONDS = 30

assert connectors  # imported so REGISTRY holds every connector kind


class SourceConfigError(ValueError):
    """Settings that do not fit the connector; ``errors`` maps each field to its problem."""

    def __init__(self, errors: Mapping[str, str], *, source: str = "") -> None:
        self.errors = dict(errors)
        where = f"source {source!r}: " if source else ""
        super().__init__(where + "; ".join(f"{k}: {v}" for k, v in self.errors.items()))


class SourceBusy(Exception):
    """Another run holds the Source's claim; ``run`` is that run (None: a scheduler ran it
    since this one found it due)."""

    def __init__(self, source: Source, run: SourceRun | None) -> None:
        self.source = source
        self.run = run
        if run is None:
            detail = "another scheduler has just run it"
        else:
            started = timezone.localtime(run.started_at).strftime("%Y-%m-%d %H:%M:%S %Z")
            detail = f"a {run.trigger} run (#{run.pk}) started at {started} is still going"
        super().__init__(f"source {source.name!r} is already being pulled: {detail}")


class QuotaSpent(Exception):
    """A page came with the platform's quota (nearly) spent: the run stops after storing it."""

    def __init__(self, retry_at: datetime, *, more: bool) -> None:
        super().__init__(
            "the platform's rate limit is nearly spent: stopped after this page; "
            f"next request after {retry_at.isoformat()}"
        )
        self.retry_at = retry_at
        self.more = more


# --- secrets ------------------------------------------------------------------------------


def _fernet() -> Fernet:
    digest = hashlib.sha256(b"goodwill.listening.sources:" + settings.SECRET_KEY.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def seal_secret(value: str) -> str:
    """What is stored for a secret: an env reference as is, anything else encrypted."""
    if value.startswith(ENV_PREFIX):
        return value
    return FERNET_PREFIX + _fernet().encrypt(value.encode()).decode()


def secret_origin(stored: str) -> str:
    """How a stored secret is kept, for display: ``env:NAME`` or ``encrypted``."""
    return stored if stored.startswith(ENV_PREFIX) else "encrypted"


def resolve_secrets(source: Source) -> dict[str, str]:
    """The plain secrets a connector needs. Missing ones are left out (the connector says so).

    Order: the stored value (env reference or encrypted), then the environment variable
    ``GOODWILL_SOURCE_<id>_<NAME>``.
    """
    plain: dict[str, str] = {}
    names = {f.name for f in _fields(source.kind) if f.secret} | set(source.secrets)
    for name in names:
        stored = str(source.secrets.get(name) or "")
        value = ""
        if stored.startswith(ENV_PREFIX):
            value = os.environ.get(stored[len(ENV_PREFIX) :], "")
        elif stored.startswith(FERNET_PREFIX):
            try:
                value = _fernet().decrypt(stored[len(FERNET_PREFIX) :].encode()).decode()
            except InvalidToken:
                log.error(
                    "source %s: secret %r cannot be decrypted (SECRET_KEY changed?)",
                    source.name,
                    name,
                )
        if not value and source.pk is not None:
            value = os.environ.get(f"GOODWILL_SOURCE_{source.pk}_{name.upper()}", "")
        if value:
            plain[name] = value
    return plain


def _scrub(text: str, secrets: Mapping[str, str]) -> str:
    for value in secrets.values():
        if len(value) >= 4:
            text = text.replace(value, "***")
    return text


# --- configuration ------------------------------------------------------------------------


def connector_class(kind: str) -> type[Connector]:
    try:
        return REGISTRY[kind]
    except KeyError:
        known = ", ".join(sorted(REGISTRY))
        raise SourceConfigError({"kind": f"unknown kind {kind!r}; known: {known}"}) from None


def _fields(kind: str) -> tuple[ConfigField, ...]:
    cls = REGISTRY.get(kind)
    return cls.fields if cls is not None else ()


def is_pulled(kind: str) -> bool:
    cls = REGISTRY.get(kind)
    return cls is not None and not getattr(cls, "pushed", False)


def _validate(
    *,
    kind: str,
    channel: str,
    config: Mapping[str, Any],
    secrets: Mapping[str, str],
    existing_secrets: Mapping[str, str],
    interval_seconds: int,
) -> dict[str, str]:
    cls = connector_class(kind)
    errors: dict[str, str] = {}
    if channel not in Channel.values:
        errors["channel"] = f"unknown channel {channel!r}"
    if interval_seconds < MIN_INTERVAL_SECONDS:
        errors["interval"] = f"must be at least {MIN_INTERVAL_SECONDS} seconds"
    by_name = {f.name: f for f in cls.fields}
    for name in config:
        spec = by_name.get(name)
        if spec is None:
            known = ", ".join(by_name) or "none"
            errors[name] = f"not a setting of {kind} sources (known: {known})"
        elif spec.secret:
            errors[name] = "is a secret: pass it as a secret, not a setting"
    for name, value in secrets.items():
        spec = by_name.get(name)
        if spec is None or not spec.secret:
            errors[name] = f"not a secret of {kind} sources"
        elif value.startswith(ENV_PREFIX) and not value[len(ENV_PREFIX) :].strip():
            errors[name] = "env: needs a variable name, e.g. env:X_BEARER_TOKEN"
    for name, problem in cls.check_config(config).items():
        errors.setdefault(name, problem)
    for spec in cls.fields:
        if not spec.required:
            continue
        if spec.secret:
            if not (secrets.get(spec.name) or existing_secrets.get(spec.name)):
                errors.setdefault(spec.name, "required (a secret: env:VARIABLE or the value)")
        elif not str(config.get(spec.name, "") or spec.default).strip():
            errors.setdefault(spec.name, "required")
    return errors


def _clean_config(kind: str, config: Mapping[str, Any]) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    for spec in connector_class(kind).fields:
        if spec.secret:
            continue
        value = config.get(spec.name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if spec.default:
                cleaned[spec.name] = spec.default
            continue
        cleaned[spec.name] = value.strip() if isinstance(value, str) else value
    return cleaned


@transaction.atomic
def create_source(
    *,
    name: str,
    kind: str,
    channel: str = "",
    config: Mapping[str, Any] | None = None,
    secrets: Mapping[str, str] | None = None,
    interval_seconds: int = 900,
    enabled: bool = True,
) -> Source:
    """A new Source for ``kind``; a SourceConfigError naming each bad field otherwise."""
    name = name.strip()
    config = dict(config or {})
    secrets = {k: v for k, v in (secrets or {}).items() if v}
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = "required"
    elif Source.objects.filter(name=name).exists():
        errors["name"] = f"a source named {name!r} already exists"
    cls = connector_class(kind)
    channel = channel or cls.channel
    errors |= _validate(
        kind=kind,
        channel=channel,
        config=config,
        secrets=secrets,
        existing_secrets={},
        interval_seconds=interval_seconds,
    )
    if errors:
        raise SourceConfigError(errors, source=name)
    return Source.objects.create(
        name=name,
        kind=kind,
        channel=channel,
        config=_clean_config(kind, config),
        secrets={k: seal_secret(v) for k, v in secrets.items()},
        interval_seconds=interval_seconds,
        enabled=enabled,
    )


@transaction.atomic
def update_source(
    *,
    source: Source,
    config: Mapping[str, Any] | None = None,
    secrets: Mapping[str, str] | None = None,
    interval_seconds: int | None = None,
    enabled: bool | None = None,
    channel: str | None = None,
) -> Source:
    """Change settings; ``config`` replaces the settings, a secret given replaces that secret
    (an empty value keeps the stored one). The cursor is kept."""
    new_config = dict(source.config if config is None else config)
    new_secrets = {k: v for k, v in (secrets or {}).items() if v}
    interval = source.interval_seconds if interval_seconds is None else interval_seconds
    new_channel = channel or source.channel
    errors = _validate(
        kind=source.kind,
        channel=new_channel,
        config=new_config,
        secrets=new_secrets,
        existing_secrets=source.secrets,
        interval_seconds=interval,
    )
    if errors:
        raise SourceConfigError(errors, source=source.name)
    source.config = _clean_config(source.kind, new_config)
    source.secrets = {**source.secrets, **{k: seal_secret(v) for k, v in new_secrets.items()}}
    source.interval_seconds = interval
    source.channel = new_channel
    if enabled is not None:
        source.enabled = enabled
    source.save(update_fields=["config", "secrets", "interval_seconds", "channel", "enabled"])
    return source


def delete_source(*, source: Source) -> None:
    """Remove the Source and its run history; its messages stay (their source is cleared)."""
    source.delete()


# --- reads ------------------------------------------------------------------------------


def can_manage_sources(user: Any) -> bool:
    """Adding, changing, running and deleting sources (goodwill.accounts.permissions)."""
    from goodwill.accounts.permissions import Capability, has  # needs the app registry

    return has(user, Capability.SOURCES_MANAGE)


def source_by_name(name: str) -> Source | None:
    return Source.objects.filter(name=name).first()


def connector_sources() -> QuerySet[Source]:
    """Sources backed by a registered connector (file imports are not listed)."""
    return Source.objects.filter(kind__in=list(REGISTRY)).order_by("name")


def recent_runs(source: Source, *, limit: int = 20) -> list[SourceRun]:
    return list(source.runs.order_by("-started_at", "-pk")[:limit])


def secret_names(source: Source) -> dict[str, str]:
    """Each secret the connector takes -> how it is set (``env:NAME``, ``encrypted``, or "")."""
    return {
        f.name: secret_origin(str(source.secrets[f.name])) if source.secrets.get(f.name) else ""
        for f in _fields(source.kind)
        if f.secret
    }


# --- running ------------------------------------------------------------------------------


@dataclass
class TrialResult:
    """What ``sources test`` reports: one page fetched, nothing stored."""

    fetched: int = 0
    more: bool = False
    skipped: list[Skipped] = field(default_factory=list)
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error


def _connector(source: Source, http: Http) -> tuple[Connector, dict[str, str]]:
    secrets = resolve_secrets(source)
    cls = connector_class(source.kind)
    return cls(source.config, secrets, http), secrets


def try_source(*, source: Source, http: Http | None = None) -> TrialResult:
    """Fetch one page from the Source's cursor without storing anything or moving the cursor."""
    client = HttpClient() if http is None else None
    active: Http = http if http is not None else client  # type: ignore[assignment]
    secrets: dict[str, str] = {}
    try:
        connector, secrets = _connector(source, active)
        page = connector.fetch(dict(source.cursor))
        return TrialResult(fetched=len(page.items), more=page.more, skipped=list(page.skipped))
    except Exception as exc:  # noqa: BLE001 - reported to the person testing, with the type
        return TrialResult(error=_scrub(f"{type(exc).__name__}: {exc}", secrets))
    finally:
        if client is not None:
            client.close()


def _failure_backoff(source: Source, failures: int) -> timedelta:
    wait = timedelta(seconds=source.interval_seconds) * (1 << min(failures - 1, 10))
    return min(wait, max(MAX_FAILURE_BACKOFF, timedelta(seconds=source.interval_seconds)))


def _store_page(source: Source, run: SourceRun, page: FetchPage) -> None:
    with transaction.atomic():
        result = ingest_batch(source=source, items=page.items)
        source.cursor = dict(page.cursor)
        source.items_fetched += len(page.items)
        source.save(update_fields=["cursor", "items_fetched"])
        run.pages += 1
        run.fetched += len(page.items)
        run.created += result.created
        run.updated += result.updated
        run.skipped += len(page.skipped)
        room = MAX_SKIPPED_KEPT - len(run.skipped_reasons)
        run.skipped_reasons = [
            *run.skipped_reasons,
            *({"ref": s.ref, "reason": s.reason} for s in page.skipped[: max(room, 0)]),
        ]
        run.save(
            update_fields=["pages", "fetched", "created", "updated", "skipped", "skipped_reasons"]
        )
    for skipped in page.skipped:
        log.info("source %s: skipped %s: %s", source.name, skipped.ref, skipped.reason)


def record_delivery(
    *, source: Source, received: int, result: BatchResult, skipped: Sequence[Skipped] = ()
) -> SourceRun:
    """Book a pushed delivery (a webhook) on its Source like a run: counters, last run and a
    history row, so pushed sources show on the Sources page as pulled ones do.

    Call it inside the transaction that stored the delivery's messages.
    """
    now = timezone.now()
    run = SourceRun.objects.create(
        source=source,
        started_at=now,
        finished_at=now,
        status=SourceRun.Status.OK,
        trigger="push",
        pages=1,
        fetched=received,
        created=result.created,
        updated=result.updated,
        skipped=len(skipped),
        skipped_reasons=[{"ref": s.ref, "reason": s.reason} for s in skipped[:MAX_SKIPPED_KEPT]],
    )
    Source.objects.filter(pk=source.pk).update(
        items_fetched=F("items_fetched") + received, last_run_at=now, last_error=""
    )
    return run


# No run lasts anywhere near this long (MAX_PAGES_PER_RUN pages with client timeouts and
# retries): a run still "running" after it was left by a crash or a kill.
STALE_RUN_AFTER = timedelta(hours=2)


def _claim(source: Source, *, trigger: str, started: datetime, due: bool = False) -> SourceRun:
    """Take the Source for one run and return the run, or raise :class:`SourceBusy`.

    The claim is the run itself: a Source has at most one run "running". Scheduled and manual
    runs take it the same way, with the Source's row locked while it is checked and taken
    (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite transactions here are IMMEDIATE, one
    writer at a time), so two runners never both take it. A run "running" for longer than
    ``STALE_RUN_AFTER`` was left by a crash: it is closed as interrupted and holds nothing.

    ``due`` is the scheduler's claim: the Source must still have the ``next_run_at`` the
    scheduler saw when it found it due (another scheduler that ran it since has moved it), and
    ``next_run_at`` moves one interval ahead (a lease), so it is not picked again meanwhile.
    """
    with transaction.atomic():
        locked = Source.objects.select_for_update().filter(pk=source.pk)
        if due:
            locked = locked.filter(next_run_at=source.next_run_at)
        if not list(locked.values_list("pk", flat=True)):
            if not Source.objects.filter(pk=source.pk).exists():
                raise Source.DoesNotExist(f"source {source.name!r} was deleted")
            raise SourceBusy(source, None)
        SourceRun.objects.filter(
            source=source,
            status=SourceRun.Status.RUNNING,
            started_at__lt=started - STALE_RUN_AFTER,
        ).update(
            status=SourceRun.Status.ERROR,
            error="interrupted: the process stopped before the run finished",
            finished_at=started,
        )
        holder = (
            SourceRun.objects.filter(source=source, status=SourceRun.Status.RUNNING)
            .order_by("-started_at", "-pk")
            .first()
        )
        if holder is None:
            if due:
                lease = started + timedelta(seconds=source.interval_seconds)
                Source.objects.filter(pk=source.pk).update(next_run_at=lease)
            return SourceRun.objects.create(source=source, started_at=started, trigger=trigger)
    raise SourceBusy(source, holder)  # after the block, so the stale runs stay closed


def run_source(
    *,
    source: Source,
    http: Http | None = None,
    max_pages: int = MAX_PAGES_PER_RUN,
    trigger: str = "schedule",
    now: Callable[[], datetime] = timezone.now,
    due: bool = False,
) -> SourceRun:
    """Claim the Source, then pull it: pages until the connector has no more or ``max_pages``;
    see the module doc.

    Raises :class:`SourceBusy` when another run holds the claim (``due``: see :func:`_claim`).
    Never raises for a platform or connector failure: it is recorded on the run and the
    Source (``last_error``, ``next_run_at`` backed off), and the pages stored before it stay.
    """
    started = now()
    run = _claim(source, trigger=trigger, started=started, due=due)
    source.refresh_from_db()  # the cursor as the run before this one left it
    client = HttpClient() if http is None else None
    active: Http = http if http is not None else client  # type: ignore[assignment]
    secrets: dict[str, str] = {}
    try:
        connector, secrets = _connector(source, active)
        for _ in range(max_pages):
            page = connector.fetch(dict(source.cursor))
            _store_page(source, run, page)
            if page.wait_until is not None:
                raise QuotaSpent(page.wait_until, more=page.more)
            if not page.more:
                break
    except QuotaSpent as exc:
        # The pages fetched are stored; wait as after a 429, but not sooner than the
        # interval unless the sweep was cut short.
        run.status = SourceRun.Status.RATE_LIMITED
        run.rate_limited_until = exc.retry_at
        run.error = str(exc)
        source.consecutive_failures = 0
        scheduled = started + timedelta(seconds=source.interval_seconds)
        source.next_run_at = max(exc.retry_at, now() if exc.more else scheduled)
        source.last_error = run.error
        log.warning("source %s: %s", source.name, run.error)
    except RateLimited as exc:
        run.status = SourceRun.Status.RATE_LIMITED
        run.rate_limited_until = exc.retry_at
        run.error = _scrub(str(exc), secrets)
        source.next_run_at = max(exc.retry_at, now())
        source.last_error = run.error
        log.warning("source %s: %s", source.name, run.error)
    except Exception as exc:  # noqa: BLE001 - any failure is recorded, never lost
        run.status = SourceRun.Status.ERROR
        run.error = _scrub(f"{type(exc).__name__}: {exc}", secrets)
        source.consecutive_failures += 1
        source.next_run_at = now() + _failure_backoff(source, source.consecutive_failures)
        source.last_error = run.error
        log.warning("source %s failed: %s", source.name, run.error)
    else:
        run.status = SourceRun.Status.OK
        source.consecutive_failures = 0
        source.last_error = ""
        source.next_run_at = started + timedelta(seconds=source.interval_seconds)
    finally:
        if client is not None:
            client.close()
    run.finished_at = now()
    run.save(update_fields=["status", "error", "rate_limited_until", "finished_at"])
    source.last_run_at = started
    source.save(update_fields=["last_run_at", "last_error", "next_run_at", "consecutive_failures"])
    return run


def due_sources(now: datetime) -> QuerySet[Source]:
    pulled = [kind for kind in REGISTRY if is_pulled(kind)]
    return (
        Source.objects.filter(enabled=True, kind__in=pulled)
        .filter(Q(next_run_at__isnull=True) | Q(next_run_at__lte=now))
        .order_by(F("next_run_at").asc(nulls_first=True), "pk")
    )


def run_due_sources(
    *, http: Http | None = None, now: Callable[[], datetime] = timezone.now
) -> list[SourceRun]:
    """Run each enabled pulled Source that is due, one after the other; a Source another
    runner holds (a manual run, another scheduler) is left to it."""
    runs = []
    for source in due_sources(now()):
        try:
            runs.append(run_source(source=source, http=http, now=now, due=True))
        except SourceBusy as busy:
            log.info("%s; skipped this round", busy)
    return runs


@periodic("listening.run_due_sources", every=timedelta(minutes=1))
def run_due_sources_job() -> None:
    run_due_sources()


SOURCES_JOB = "listening.run_due_sources"


@dataclass
class Round:
    """One round of the in-process scheduler: the sources pulled and the jobs run."""

    runs: list[SourceRun]
    jobs: list[JobOutcome]

    @property
    def ok(self) -> bool:
        return all(r.status != SourceRun.Status.ERROR for r in self.runs) and not any(
            j.error for j in self.jobs
        )


def run_round(*, now: datetime | None = None) -> Round:
    """Pull the due sources, then run the due periodic jobs (``goodwill.schedule``) once.

    What ``goodwill listen`` and the scheduler thread of ``goodwill serve`` do every tick
    when there is no Celery (no ``REDIS_URL``). When each job last ran is kept in
    ``GOODWILL_HOME/schedule-state.json``.
    """
    runs = run_due_sources()
    jobs = run_due_jobs(
        settings.GOODWILL_HOME / "schedule-state.json",
        now=now or timezone.now(),
        skip=frozenset({SOURCES_JOB}),  # just done above, whatever its interval
    )
    return Round(runs=runs, jobs=jobs)
