"""Sources service: validation, secrets kept encrypted or as env references, due runs."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from django import db
from django.db.backends.sqlite3.base import DatabaseWrapper as SQLite
from django.utils import timezone

from goodwill.listening import sources
from goodwill.listening.connectors.http import HttpClient
from goodwill.listening.models import Source, SourceRun
from goodwill.listening.tests.fakes import FakeServer, Reply
from goodwill.listening.tests.scripted_http import fixture_json
from goodwill.schedule import JOBS

pytestmark = pytest.mark.django_db
SEARCH = "/2/tweets/search/recent"


@pytest.fixture
def http() -> Iterator[HttpClient]:
    with HttpClient(retries=0, timeout=5) as client:
        yield client


def x_source(name: str, server: FakeServer | None = None, **fields: object) -> Source:
    source = sources.create_source(
        name=name,
        kind="x",
        config={"query": "acme", "base_url": server.url if server else "http://127.0.0.1:9"},
        secrets={"bearer_token": "plain-token-value"},
    )
    for key, value in fields.items():
        setattr(source, key, value)
    source.save()
    return source


def test_a_plain_secret_is_stored_encrypted_and_resolved() -> None:
    source = x_source("enc")
    stored = Source.objects.get(pk=source.pk).secrets["bearer_token"]
    assert stored.startswith("fernet:")
    assert "plain-token-value" not in stored
    assert sources.resolve_secrets(source) == {"bearer_token": "plain-token-value"}
    assert sources.secret_names(source) == {"bearer_token": "encrypted"}
    assert "plain-token-value" not in repr(source) + str(source)


def test_an_env_reference_is_read_at_run_time(monkeypatch: pytest.MonkeyPatch) -> None:
    source = sources.create_source(
        name="env", kind="x", config={"query": "a"}, secrets={"bearer_token": "env:GW_T"}
    )
    assert source.secrets == {"bearer_token": "env:GW_T"}
    assert sources.resolve_secrets(source) == {}
    monkeypatch.setenv("GW_T", "from-env")
    assert sources.resolve_secrets(source) == {"bearer_token": "from-env"}
    assert sources.secret_names(source) == {"bearer_token": "env:GW_T"}


def test_validation_names_every_bad_field() -> None:
    with pytest.raises(sources.SourceConfigError) as caught:
        sources.create_source(
            name="v",
            kind="x",
            channel="myspace",
            config={"query": "a", "colour": "red", "bearer_token": "t"},
            interval_seconds=5,
        )
    errors = caught.value.errors
    assert set(errors) == {"channel", "colour", "bearer_token", "interval"}
    assert "secret" in errors["bearer_token"]
    assert "source 'v'" in str(caught.value)
    with pytest.raises(sources.SourceConfigError, match="kind"):
        sources.create_source(name="k", kind="myspace")


def test_update_keeps_secrets_not_given_and_the_cursor() -> None:
    source = x_source("upd", cursor={"since_id": "5"})
    before = source.secrets["bearer_token"]
    sources.update_source(
        source=source,
        config={"query": "acme OR acmeair"},
        secrets={"bearer_token": ""},
        interval_seconds=120,
        enabled=False,
    )
    source.refresh_from_db()
    assert source.secrets["bearer_token"] == before
    assert (source.config["query"], source.interval_seconds, source.enabled) == (
        "acme OR acmeair",
        120,
        False,
    )
    assert source.cursor == {"since_id": "5"}
    with pytest.raises(sources.SourceConfigError, match="name"):
        sources.create_source(
            name="upd", kind="x", config={"query": "a"}, secrets={"bearer_token": "t"}
        )


def test_due_sources_skip_disabled_future_pushed_and_file_sources() -> None:
    now = timezone.now()
    due = x_source("due")
    x_source("later", next_run_at=now + timedelta(minutes=5))
    x_source("off", enabled=False)
    Source.objects.create(name="file import", channel="x", kind="file")
    sources.create_source(name="hook", kind="webhook", secrets={"signing_secret": "s"})
    past = x_source("past", next_run_at=now - timedelta(minutes=1))
    assert [s.name for s in sources.due_sources(now)] == [due.name, past.name]  # never run first


def test_run_due_sources_runs_each_once_and_schedules_the_next(
    fake_server: FakeServer, http: HttpClient
) -> None:
    fake_server.route("GET", SEARCH, Reply(json=fixture_json("x/search_page2.json")))
    source = x_source("s1", fake_server, interval_seconds=600)
    x_source("not yet", fake_server, next_run_at=timezone.now() + timedelta(hours=1))

    runs = sources.run_due_sources(http=http)

    assert [(r.source.name, r.status, r.created) for r in runs] == [("s1", "ok", 1)]
    source.refresh_from_db()
    assert source.next_run_at == runs[0].started_at + timedelta(seconds=600)
    assert sources.run_due_sources(http=http) == []  # nothing is due any more


def test_a_source_claimed_by_another_scheduler_is_skipped(fake_server: FakeServer) -> None:
    source = x_source("claimed", fake_server, interval_seconds=600)
    seen_due = Source.objects.get(pk=source.pk)
    now = timezone.now()
    taken = sources._claim(source, trigger="schedule", started=now, due=True)
    SourceRun.objects.filter(pk=taken.pk).update(status="ok", finished_at=now)  # it ran
    with pytest.raises(sources.SourceBusy, match="another scheduler has just run it") as busy:
        sources._claim(seen_due, trigger="schedule", started=now, due=True)
    assert busy.value.run is None
    source.refresh_from_db()
    assert source.next_run_at == now + timedelta(seconds=600)  # the first claim's lease
    assert SourceRun.objects.filter(source=source).count() == 1


class RunsDuringFetch(HttpClient):
    """An HttpClient that, on its first request, lets another runner try the same source."""

    def __init__(self, other: Callable[[], object]) -> None:
        super().__init__(retries=0, timeout=5)
        self.other = other
        self.outcome: object = None

    def get_json(self, url: str, **kwargs: Any) -> Any:
        if self.outcome is None:
            try:
                self.outcome = self.other()
            except sources.SourceBusy as busy:
                self.outcome = busy
        return super().get_json(url, **kwargs)


def test_a_manual_run_is_refused_while_a_scheduled_run_holds_the_source(
    fake_server: FakeServer,
) -> None:
    fake_server.route("GET", SEARCH, Reply(json=fixture_json("x/search_page2.json")))
    source = x_source("busy", fake_server)
    manual_view = Source.objects.get(pk=source.pk)  # what the Sources page loaded

    def manual() -> SourceRun:
        return sources.run_source(source=manual_view, trigger="manual")

    http = RunsDuringFetch(manual)
    with http:
        (scheduled,) = sources.run_due_sources(http=http)
    busy = http.outcome
    assert isinstance(busy, sources.SourceBusy)
    assert busy.run is not None and busy.run.pk == scheduled.pk
    assert f"a schedule run (#{scheduled.pk})" in str(busy) and "'busy'" in str(busy)
    assert (scheduled.status, scheduled.created) == ("ok", 1)
    assert list(SourceRun.objects.values_list("trigger", flat=True)) == ["schedule"]
    assert len(fake_server.requests) == 1  # pulled once


def test_the_scheduler_leaves_a_source_a_manual_run_holds(fake_server: FakeServer) -> None:
    fake_server.route("GET", SEARCH, Reply(json=fixture_json("x/search_page2.json")))
    source = x_source("manual first", fake_server, interval_seconds=300)

    def scheduler() -> list[SourceRun]:
        with HttpClient(retries=0, timeout=5) as plain:
            return sources.run_due_sources(http=plain)

    http = RunsDuringFetch(scheduler)
    with http:
        manual = sources.run_source(source=source, http=http, trigger="manual")
    assert http.outcome == []  # the scheduler skipped it
    assert manual.status == "ok"
    assert list(SourceRun.objects.values_list("trigger", flat=True)) == ["manual"]
    source.refresh_from_db()
    assert source.next_run_at == manual.started_at + timedelta(seconds=300)
    assert len(fake_server.requests) == 1
    with HttpClient(retries=0, timeout=5) as plain:
        again = sources.run_source(source=source, http=plain, trigger="manual")
    assert again.status == "ok"  # the claim was released


def test_failures_back_off_and_reset_after_success(
    fake_server: FakeServer, http: HttpClient
) -> None:
    fake_server.route(
        "GET",
        SEARCH,
        Reply(status=401, json={"title": "Unauthorized"}),
        Reply(status=401),
        Reply(json=fixture_json("x/search_page2.json")),
    )
    source = x_source("flaky", fake_server, interval_seconds=60)
    first = sources.run_source(source=source, http=http)
    second = sources.run_source(source=source, http=http)
    assert (first.status, second.status) == ("error", "error")
    assert source.consecutive_failures == 2
    assert source.next_run_at is not None and second.finished_at is not None
    assert source.next_run_at - second.finished_at >= timedelta(seconds=119)  # 2 x interval
    assert SourceRun.objects.filter(source=source, status="error").count() == 2
    ok = sources.run_source(source=source, http=http)
    assert ok.status == "ok"
    assert (source.consecutive_failures, source.last_error) == (0, "")


def test_an_error_quoting_the_secret_is_scrubbed(fake_server: FakeServer, http: HttpClient) -> None:
    fake_server.route(
        "GET", SEARCH, Reply(status=403, json={"detail": "token plain-token-value revoked"})
    )
    source = x_source("leaky", fake_server)
    run = sources.run_source(source=source, http=http)
    assert run.status == "error"
    assert "plain-token-value" not in run.error
    assert "***" in run.error


def test_try_source_fetches_one_page_and_stores_nothing(
    fake_server: FakeServer, http: HttpClient
) -> None:
    fake_server.route("GET", SEARCH, Reply(json=fixture_json("x/search_page1.json")))
    source = x_source("trial", fake_server)
    result = sources.try_source(source=source, http=http)
    assert result.ok
    assert (result.fetched, result.more, len(result.skipped)) == (3, True, 1)
    source.refresh_from_db()
    assert source.cursor == {}
    assert not SourceRun.objects.exists()
    fake_server.route("GET", SEARCH, Reply(status=404), query={"query": "acme"})
    failed = sources.try_source(source=source, http=http)
    assert not failed.ok and "HTTP 404" in failed.error


def test_run_due_sources_is_a_periodic_job() -> None:
    job = JOBS["listening.run_due_sources"]
    assert job.func is sources.run_due_sources_job
    assert job.every == timedelta(minutes=1)


def test_a_run_left_running_by_a_crash_is_closed_by_the_next_run(
    fake_server: FakeServer, http: HttpClient
) -> None:
    fake_server.route("GET", SEARCH, Reply(json=fixture_json("x/search_page2.json")))
    source = x_source("crashed", fake_server)
    now = timezone.now()
    crashed = SourceRun.objects.create(source=source, started_at=now - timedelta(hours=3))
    recent = SourceRun.objects.create(source=source, started_at=now - timedelta(minutes=5))
    with pytest.raises(sources.SourceBusy) as busy:
        sources.run_source(source=source, http=http)
    assert busy.value.run is not None and busy.value.run.pk == recent.pk  # may still be going
    crashed.refresh_from_db()
    recent.refresh_from_db()
    assert crashed.status == "error" and "interrupted" in crashed.error
    assert crashed.finished_at is not None
    assert recent.status == "running"
    assert not fake_server.requests
    SourceRun.objects.filter(pk=recent.pk).update(started_at=now - timedelta(hours=2, seconds=1))
    run = sources.run_source(source=source, http=http)  # the claim of a crashed run lapses
    recent.refresh_from_db()
    assert run.status == "ok" and recent.status == "error"


@pytest.mark.django_db(transaction=True)
def test_two_runners_at_the_same_moment_take_the_claim_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    wrapper = db.connections["default"]
    if isinstance(wrapper, SQLite) and wrapper.is_in_memory_db():
        pytest.skip(
            "needs two connections that lock: an in-memory SQLite test database is shared "
            "between threads without SQLite's file locking (set GOODWILL_TEST_SQLITE to a file)"
        )
    source = x_source("contested")
    create = SourceRun.objects.create

    def slow_create(**fields: Any) -> SourceRun:
        time.sleep(0.3)  # widen the window between checking the claim and taking it
        return create(**fields)

    monkeypatch.setattr(SourceRun.objects, "create", slow_create)
    start = threading.Barrier(2)
    outcomes: list[object] = []

    def runner(trigger: str) -> None:
        try:
            start.wait()
            mine = Source.objects.get(pk=source.pk)
            outcomes.append(sources._claim(mine, trigger=trigger, started=timezone.now()))
        except sources.SourceBusy as busy:
            outcomes.append(busy)
        finally:
            db.connections.close_all()

    threads = [threading.Thread(target=runner, args=(t,)) for t in ("manual", "schedule")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    taken = [o for o in outcomes if isinstance(o, SourceRun)]
    refused = [o for o in outcomes if isinstance(o, sources.SourceBusy)]
    assert (len(taken), len(refused)) == (1, 1)
    assert refused[0].run is not None and refused[0].run.pk == taken[0].pk
    assert SourceRun.objects.filter(source=source).count() == 1
