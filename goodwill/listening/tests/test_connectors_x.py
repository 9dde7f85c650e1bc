"""X API v2 connector against the fake server: fields, pagination, since_id, 429, 5xx, skips."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from goodwill.listening.connectors.base import ConnectorError
from goodwill.listening.connectors.http import HttpClient
from goodwill.listening.connectors.x import XConnector, parse_response
from goodwill.listening.models import Message, Source
from goodwill.listening.sources import SourceConfigError, create_source, run_source
from goodwill.listening.tests.fakes import FakeServer, Reply
from goodwill.listening.tests.scripted_http import fixture_json

SEARCH = "/2/tweets/search/recent"
NEXT = "b26v89c19zqg8o3fpzbkk"
NEWEST = "1860000000000000105"

pytestmark = pytest.mark.django_db


@pytest.fixture
def http() -> Iterator[HttpClient]:
    with HttpClient(retries=2, sleep=lambda _: None, timeout=5) as client:
        yield client


def x_source(server: FakeServer, monkeypatch: pytest.MonkeyPatch, **config: str) -> Source:
    monkeypatch.setenv("TEST_X_BEARER", "x-bearer-123")
    return create_source(
        name="x search",
        kind="x",
        config={"query": "@AcmeAir -is:retweet", "base_url": server.url, **config},
        secrets={"bearer_token": "env:TEST_X_BEARER"},
    )


def script_two_pages(server: FakeServer) -> None:
    server.route("GET", SEARCH, Reply(json=fixture_json("x/search_page1.json")))
    server.route(
        "GET", SEARCH, Reply(json=fixture_json("x/search_page2.json")), query={"next_token": NEXT}
    )


def test_a_post_keeps_author_metrics_reply_and_verbatim_text() -> None:
    parsed, newest, following = parse_response(fixture_json("x/search_page1.json"))
    first, reply, sarcasm = parsed.items
    assert (newest, following) == (NEWEST, NEXT)
    assert first.external_id == NEWEST
    assert first.text == "@AcmeAir 3 hours on hold and still waiting <script>alert(1)</script>"
    assert (first.author_id, first.author_handle, first.author_name) == (
        "1001",
        "jane_flies",
        "Jane <b>Doe</b>",
    )
    assert (first.followers, first.likes, first.shares) == (5400, 12, 4)
    assert first.created_at == datetime(2026, 11, 25, 10, 5, tzinfo=UTC)
    assert first.url == f"https://x.com/jane_flies/status/{NEWEST}"
    assert reply.in_reply_to == "1860000000000000001"
    assert sarcasm.language == ""  # "und": X could not tell
    assert [s.ref for s in parsed.skipped] == ["post 1860000000000000103"]
    assert "author_id" in parsed.skipped[0].reason


def test_run_follows_next_token_stores_items_and_skips_malformed(
    fake_server: FakeServer, monkeypatch: pytest.MonkeyPatch, http: HttpClient
) -> None:
    script_two_pages(fake_server)
    source = x_source(fake_server, monkeypatch)

    run = run_source(source=source, http=http)

    assert run.status == "ok", run.error
    assert (run.pages, run.fetched, run.created, run.skipped) == (2, 4, 4, 2)
    reasons = {s["ref"]: s["reason"] for s in run.skipped_reasons}
    assert "author_id" in reasons["post 1860000000000000103"]
    assert "created_at" in reasons["post 1860000000000000101"]
    assert Message.objects.filter(channel="x", source=source).count() == 4
    source.refresh_from_db()
    assert source.cursor == {"since_id": NEWEST}
    assert source.items_fetched == 4
    first, second = fake_server.requests
    assert first.headers["authorization"] == "Bearer x-bearer-123"
    assert first.query["query"] == "@AcmeAir -is:retweet"
    assert first.query["expansions"] == "author_id"
    assert first.query["user.fields"] == "username,name,public_metrics"
    assert "referenced_tweets" in first.query["tweet.fields"]
    assert "since_id" not in first.query and "next_token" not in first.query
    assert second.query["next_token"] == NEXT


def test_next_run_asks_since_newest_and_rerun_is_exactly_once(
    fake_server: FakeServer, monkeypatch: pytest.MonkeyPatch, http: HttpClient
) -> None:
    script_two_pages(fake_server)
    fake_server.route(
        "GET", SEARCH, Reply(json=fixture_json("x/search_newer.json")), query={"since_id": NEWEST}
    )
    source = x_source(fake_server, monkeypatch)
    run_source(source=source, http=http)

    newer = run_source(source=source, http=http)
    assert (newer.created, newer.fetched) == (1, 1)
    assert fake_server.requests[-1].query["since_id"] == NEWEST
    assert source.cursor == {"since_id": "1860000000000000107"}

    source.cursor = {}  # replaying everything from the start stores nothing twice
    again = run_source(source=source, http=http)
    assert again.status == "ok"
    assert again.created == 0
    assert Message.objects.filter(channel="x").count() == 5


def test_429_keeps_the_stored_page_and_waits_for_the_x_reset(
    fake_server: FakeServer, monkeypatch: pytest.MonkeyPatch, http: HttpClient
) -> None:
    reset = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=15)
    fake_server.route("GET", SEARCH, Reply(json=fixture_json("x/search_page1.json")))
    fake_server.route(
        "GET",
        SEARCH,
        Reply(status=429, headers={"x-rate-limit-reset": str(int(reset.timestamp()))}),
        Reply(json=fixture_json("x/search_page2.json")),
        query={"next_token": NEXT},
    )
    source = x_source(fake_server, monkeypatch)

    limited = run_source(source=source, http=http)

    assert limited.status == "rate_limited"
    assert limited.rate_limited_until == reset
    assert limited.created == 3
    source.refresh_from_db()
    assert source.next_run_at == reset
    assert source.cursor["next_token"] == NEXT  # resumes mid-sweep
    assert "429" in source.last_error

    resumed = run_source(source=source, http=http)
    assert (resumed.status, resumed.created) == ("ok", 1)
    assert source.cursor == {"since_id": NEWEST}


def test_5xx_twice_then_success_lands_everything(
    fake_server: FakeServer, monkeypatch: pytest.MonkeyPatch, http: HttpClient
) -> None:
    fake_server.route(
        "GET",
        SEARCH,
        Reply(status=503),
        Reply(status=500),
        Reply(json=fixture_json("x/search_page2.json")),
    )
    run = run_source(source=x_source(fake_server, monkeypatch), http=http)
    assert (run.status, run.created) == ("ok", 1)
    assert len(fake_server.requests) == 3


def test_5xx_past_the_retries_is_recorded_and_the_cursor_stays(
    fake_server: FakeServer, monkeypatch: pytest.MonkeyPatch, http: HttpClient
) -> None:
    fake_server.route("GET", SEARCH, Reply(status=502))
    source = x_source(fake_server, monkeypatch)
    source.cursor = {"since_id": "1"}
    source.save()

    run = run_source(source=source, http=http)

    assert run.status == "error"
    assert "TransientError" in run.error and "HTTP 502" in run.error
    source.refresh_from_db()
    assert source.cursor == {"since_id": "1"}
    assert source.consecutive_failures == 1
    assert source.last_error == run.error
    assert source.next_run_at is not None and source.next_run_at > run.started_at


def test_mentions_use_the_user_path_and_pagination_token(
    fake_server: FakeServer, monkeypatch: pytest.MonkeyPatch, http: HttpClient
) -> None:
    path = "/2/users/1234/mentions"
    fake_server.route("GET", path, Reply(json=fixture_json("x/search_page1.json")))
    fake_server.route(
        "GET",
        path,
        Reply(json=fixture_json("x/search_empty.json")),
        query={"pagination_token": NEXT},
    )
    source = x_source(fake_server, monkeypatch, mode="mentions", query="", user_id="1234")
    run = run_source(source=source, http=http)
    assert (run.status, run.pages, run.created) == ("ok", 2, 3)
    assert fake_server.requests[1].query["pagination_token"] == NEXT


def test_api_error_object_without_data_is_an_error(
    fake_server: FakeServer, monkeypatch: pytest.MonkeyPatch, http: HttpClient
) -> None:
    fake_server.route(
        "GET",
        SEARCH,
        Reply(json={"errors": [{"title": "Invalid Request", "detail": "bad query operator"}]}),
    )
    run = run_source(source=x_source(fake_server, monkeypatch), http=http)
    assert run.status == "error"
    assert "bad query operator" in run.error


@pytest.mark.parametrize(
    ("config", "field"),
    [
        ({"mode": "timeline"}, "mode"),
        ({"query": ""}, "query"),
        ({"mode": "mentions", "user_id": "acme"}, "user_id"),
        ({"max_results": "500"}, "max_results"),
    ],
)
def test_bad_settings_name_the_field(config: dict[str, str], field: str) -> None:
    with pytest.raises(SourceConfigError) as caught:
        create_source(
            name="bad x",
            kind="x",
            config={"query": "acme", **config},
            secrets={"bearer_token": "t0ken"},
        )
    assert field in caught.value.errors
    assert not Source.objects.filter(name="bad x").exists()


def test_every_bad_setting_is_reported_at_once() -> None:
    assert set(XConnector.check_config({"max_results": "5"})) == {"max_results", "query"}
    assert XConnector.check_config({"query": "acme"}) == {}


def test_missing_token_is_a_connector_error() -> None:
    with HttpClient() as http, pytest.raises(ConnectorError, match="bearer_token"):
        XConnector({"query": "acme"}, {}, http).fetch({})


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)
post_like = st.fixed_dictionaries(
    {},
    optional={
        "id": st.one_of(st.text(max_size=20), st.integers(), st.none()),
        "text": json_values,
        "author_id": json_values,
        "created_at": st.one_of(st.just("2026-11-25T10:05:00.000Z"), json_values),
        "public_metrics": json_values,
        "referenced_tweets": json_values,
        "lang": json_values,
    },
)


@given(st.lists(st.one_of(post_like, json_values), max_size=5), json_values)
def test_any_page_shape_gives_items_skips_or_a_connector_error(
    data: list[Any], includes: Any
) -> None:
    try:
        parsed, _, _ = parse_response({"data": data, "includes": includes, "meta": {}})
    except ConnectorError:
        return
    assert len(parsed.items) + len(parsed.skipped) == len(data)
    for item in parsed.items:
        assert item.external_id.isdigit() and item.created_at.tzinfo is not None


def test_settings_are_read_trimmed_at_fetch_time(fake_server: FakeServer, http: HttpClient) -> None:
    fake_server.route("GET", SEARCH, Reply(json=fixture_json("x/search_page2.json")))
    config = {"query": "  acme  ", "max_results": " 50 ", "base_url": f" {fake_server.url}/ "}
    page = XConnector(config, {"bearer_token": "t0ken"}, http).fetch({})
    assert len(page.items) == 1
    (request,) = fake_server.requests
    assert (request.path, request.query["query"], request.query["max_results"]) == (
        SEARCH,
        "acme",
        "50",
    )


@pytest.mark.parametrize(
    ("config", "field"),
    [
        ({"query": "acme", "max_results": "5"}, "max_results"),
        ({"query": "acme", "max_results": "many"}, "max_results"),
        ({"mode": "timeline"}, "mode"),
        ({"mode": "mentions", "user_id": "acme"}, "user_id"),
        ({"query": "   "}, "query"),
    ],
)
def test_a_bad_setting_at_fetch_time_names_the_field_as_check_config_does(
    fake_server: FakeServer, http: HttpClient, config: dict[str, str], field: str
) -> None:
    said = XConnector.check_config(config)[field]
    connector = XConnector({**config, "base_url": fake_server.url}, {"bearer_token": "t0ken"}, http)
    with pytest.raises(ConnectorError) as caught:
        connector.fetch({})
    assert str(caught.value) == f"{field}: {said}"
    assert not fake_server.requests
