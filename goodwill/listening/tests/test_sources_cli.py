"""`goodwill sources add|list|test|run|remove` against the fake server."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from goodwill.listening.models import Message, Source, SourceRun
from goodwill.listening.tests.fakes import FakeServer, Reply
from goodwill.listening.tests.scripted_http import fixture_json

pytestmark = pytest.mark.django_db
SEARCH = "/2/tweets/search/recent"


def cli(*args: str) -> str:
    out = StringIO()
    call_command("sources", *args, stdout=out)
    return out.getvalue()


def add_x(server: FakeServer, *extra: str) -> str:
    return cli(
        "add",
        "acme on x",
        "--kind",
        "x",
        "--set",
        "query=@AcmeAir",
        "--set",
        f"base_url={server.url}",
        "--secret",
        "bearer_token=s3cret-token",
        *extra,
    )


def test_add_confirms_without_showing_the_secret(fake_server: FakeServer) -> None:
    out = add_x(fake_server, "--interval", "300")
    assert "added source 'acme on x' (x, channel x, every 300s)" in out
    assert "bearer_token (encrypted)" in out
    assert "s3cret-token" not in out
    source = Source.objects.get(name="acme on x")
    assert "s3cret-token" not in str(source.secrets)


def test_add_reports_every_bad_field_and_saves_nothing() -> None:
    with pytest.raises(CommandError) as caught:
        cli("add", "bad", "--kind", "reddit", "--set", "listing=hot", "--set", "colour=red")
    message = str(caught.value)
    for field in ("listing", "subreddit", "colour", "client_id", "client_secret"):
        assert f"  {field}:" in message
    assert not Source.objects.exists()
    with pytest.raises(CommandError, match="expected NAME=VALUE"):
        cli("add", "bad", "--kind", "x", "--set", "query")


def test_test_fetches_one_page_and_stores_nothing(fake_server: FakeServer) -> None:
    fake_server.route("GET", SEARCH, Reply(json=fixture_json("x/search_page1.json")))
    add_x(fake_server)
    out = cli("test", "acme on x")
    assert "fetched 3 items, skipped 1, more pages waiting (nothing stored)" in out
    assert "skipped post 1860000000000000103: field 'author_id': missing" in out
    assert Message.objects.count() == 0


def test_test_fails_with_the_error(fake_server: FakeServer) -> None:
    fake_server.route("GET", SEARCH, Reply(status=401, json={"title": "Unauthorized"}))
    add_x(fake_server)
    with pytest.raises(CommandError, match="HTTP 401"):
        cli("test", "acme on x")
    with pytest.raises(CommandError, match="no source named 'nope'"):
        cli("test", "nope")


def test_run_then_list_shows_the_last_run(fake_server: FakeServer) -> None:
    fake_server.route("GET", SEARCH, Reply(json=fixture_json("x/search_page2.json")))
    add_x(fake_server)
    Source.objects.create(name="csv import", channel="x", kind="file")
    assert "ok, 1 pages, fetched 1, new 1, updated 0, skipped 1" in cli("run", "acme on x")
    lines = cli("list").splitlines()
    assert lines[0].split() == [
        "NAME",
        "KIND",
        "CHANNEL",
        "ENABLED",
        "LAST",
        "RUN",
        "FETCHED",
        "ERRORS",
        "NEXT",
    ]
    assert len(lines) == 2  # file imports are not listed
    assert lines[1].startswith("acme on x  x")
    assert " 1 " in lines[1] and " - " in lines[1]
    assert cli("remove", "acme on x").strip() == "removed source 'acme on x'"
    assert not Source.objects.filter(name="acme on x").exists()


def test_list_shows_errors(fake_server: FakeServer) -> None:
    fake_server.route("GET", SEARCH, Reply(status=403, json={"title": "Forbidden"}))
    add_x(fake_server)
    with pytest.raises(CommandError, match="HTTP 403"):
        cli("run", "acme on x")
    assert "HttpStatusError: HTTP 403" in cli("list")


def test_run_while_another_run_holds_the_source_exits_75(fake_server: FakeServer) -> None:
    add_x(fake_server)
    source = Source.objects.get(name="acme on x")
    holder = SourceRun.objects.create(source=source, started_at=timezone.now(), trigger="manual")
    with pytest.raises(CommandError) as caught:
        cli("run", "acme on x")
    assert caught.value.returncode == 75
    assert f"'acme on x' is already being pulled: a manual run (#{holder.pk})" in str(caught.value)
    assert str(caught.value).endswith("; not started")
    assert not fake_server.requests
