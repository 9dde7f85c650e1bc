"""Bluesky connector: searchPosts post views become messages; session auth; the sweep cursor."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from goodwill.importing import BadValue
from goodwill.listening.connectors.base import ConnectorError, RateLimited
from goodwill.listening.connectors.bluesky import (
    PUBLIC_HOST,
    BlueskyConnector,
    parse_post,
    parse_search,
)
from goodwill.listening.connectors.http import HttpClient
from goodwill.listening.connectors.parsing import iso_time
from goodwill.listening.tests.fakes import FakeServer, Reply
from goodwill.listening.tests.scripted_http import ScriptedHttp, fixture_json, mutated

SEARCH = "/xrpc/app.bsky.feed.searchPosts"
SESSION = "/xrpc/com.atproto.server.createSession"


def connector(http: ScriptedHttp, password: str = "", **config: str) -> BlueskyConnector:
    secrets = {"app_password": password} if password else {}
    return BlueskyConnector({"query": "acmeair", **config}, secrets, http)


def test_a_post_view_becomes_a_message_with_its_uri_did_and_counts() -> None:
    raw = fixture_json("bluesky/search_page1.json")["posts"][0]

    item = parse_post(raw)

    assert item.channel == "bluesky"
    assert item.external_id == "at://did:plc:aaaa1111/app.bsky.feed.post/3lbx5"
    assert (item.author_id, item.author_handle, item.author_name) == (
        "did:plc:aaaa1111",
        "jane.bsky.social",
        "Jane",
    )
    assert item.text == "Lost my bag with @acmeair, 3 hours on hold 😡"
    assert item.created_at == datetime(2026, 11, 24, 10, 5, 0, 123000, tzinfo=UTC)
    assert (item.likes, item.shares, item.replies) == (12, 3, 2)
    assert item.language == "en"
    assert item.url == "https://bsky.app/profile/jane.bsky.social/post/3lbx5"
    assert item.raw["cid"] == "bafyrei3lbx5"


def test_a_reply_points_at_its_parent_uri_and_text_stays_verbatim() -> None:
    posts = fixture_json("bluesky/search_page1.json")["posts"]

    reply = parse_post(posts[1], own_did="did:plc:bbbb2222")

    assert reply.in_reply_to == "at://did:plc:acme/app.bsky.feed.post/3lbw0"
    assert reply.language == ""
    assert reply.author_name == ""
    assert reply.is_from_company is True


def test_malformed_posts_are_skipped_naming_the_field_and_the_rest_land() -> None:
    parsed, indexed, api_cursor = parse_search(fixture_json("bluesky/search_page1.json"))

    assert [i.external_id[-5:] for i in parsed.items] == ["3lbx5", "3lbx4"]
    reasons = {s.ref.rsplit("/", 1)[1]: s.reason for s in parsed.skipped}
    assert reasons == {
        "3lbx3": "field 'record.text': missing",
        "3lbx2": (
            "field 'record.createdAt': 'not a date' is not an ISO 8601 date-time "
            "(like 2024-05-01T13:45:00Z)"
        ),
    }
    assert len(indexed) == 4 and api_cursor == "25"


def test_first_run_reads_one_page_publicly_and_keeps_the_newest_indexed_time() -> None:
    http = ScriptedHttp()
    http.script(SEARCH, fixture_json("bluesky/search_page1.json"))

    page = connector(http).fetch({})

    assert page.more is False
    assert page.cursor == {"since": "2026-11-24T10:05:01.456789Z"}
    call = http.calls[0]
    assert call.url == PUBLIC_HOST + SEARCH
    assert call.params == {"q": "acmeair", "sort": "latest", "limit": 100}
    assert "Authorization" not in call.headers


def test_later_runs_page_with_the_api_cursor_until_the_mark_then_move_it() -> None:
    http = ScriptedHttp()
    http.script(SEARCH, fixture_json("bluesky/search_page1.json"))
    http.script(SEARCH, fixture_json("bluesky/search_page2.json"))
    conn = connector(http, host="http://127.0.0.1:9")
    mark = "2026-11-24T10:00:00Z"

    one = conn.fetch({"since": mark})
    two = conn.fetch(one.cursor)

    assert one.more is True
    assert one.cursor == {"since": mark, "page": "25", "newest": "2026-11-24T10:05:01.456789Z"}
    assert [c.params.get("cursor") for c in http.calls] == [None, "25"]
    assert all(c.params["since"] == mark for c in http.calls)
    assert two.more is False  # page 2 has no API cursor
    assert two.cursor == {"since": "2026-11-24T10:05:01.456789Z"}


def test_a_page_reaching_the_mark_ends_the_sweep() -> None:
    http = ScriptedHttp()
    http.script(SEARCH, fixture_json("bluesky/search_page1.json"))

    page = connector(http).fetch({"since": "2026-11-24T10:03:30Z"})

    assert page.more is False
    assert page.cursor == {"since": "2026-11-24T10:05:01.456789Z"}


def test_with_an_app_password_a_session_is_opened_once_and_its_token_sent() -> None:
    http = ScriptedHttp()
    http.script(SESSION, fixture_json("bluesky/session.json"))
    http.script(SEARCH, fixture_json("bluesky/search_page2.json"))
    conn = connector(http, password="app-pass-1234", identifier="acme.bsky.social")

    conn.fetch({})
    conn.fetch({})

    posts = [c for c in http.calls if c.method == "POST"]
    assert len(posts) == 1
    assert posts[0].url == "https://bsky.social" + SESSION
    assert posts[0].body == {"identifier": "acme.bsky.social", "password": "app-pass-1234"}
    searches = [c for c in http.calls if c.method == "GET"]
    assert all(c.headers["Authorization"] == "Bearer eyJ.access.jwt" for c in searches)
    assert all(c.url.startswith("https://bsky.social/") for c in searches)


def test_a_session_answer_without_a_token_is_an_error() -> None:
    http = ScriptedHttp()
    http.script(SESSION, {"error": "AuthenticationRequired"})
    conn = connector(http, password="x", identifier="acme.bsky.social")

    with pytest.raises(ConnectorError, match="accessJwt"):
        conn.fetch({})


@pytest.mark.parametrize(
    ("config", "password", "error"),
    [
        ({"query": ""}, "", "query"),
        ({"identifier": "acme.bsky.social"}, "", "app_password"),
        ({"host": "bsky"}, "", "host"),
    ],
)
def test_bad_configuration_names_the_field(
    config: dict[str, str], password: str, error: str
) -> None:
    with pytest.raises(ConnectorError, match=error):
        connector(ScriptedHttp(), password, **config)


def test_an_answer_without_posts_is_an_error() -> None:
    with pytest.raises(ConnectorError, match="posts"):
        parse_search({"error": "BadQueryString"})


@given(
    st.datetimes(min_value=datetime(1000, 1, 1), timezones=st.just(UTC)),
    st.integers(min_value=0, max_value=999999999),
)
def test_iso_time_reads_any_number_of_fractional_digits(moment: datetime, nanos: int) -> None:
    text = moment.strftime("%Y-%m-%dT%H:%M:%S") + f".{nanos:09d}Z"

    parsed = iso_time(text, "createdAt")

    assert parsed.replace(microsecond=0) == moment.replace(microsecond=0)
    assert parsed.microsecond == nanos // 1000


def test_iso_time_refuses_a_time_without_a_zone() -> None:
    with pytest.raises(BadValue, match="no timezone"):
        iso_time("2026-11-24T10:00:00", "createdAt")


# --- over HTTP, against the fake server --------------------------------------------------

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.fixture
def http() -> Iterator[HttpClient]:
    with HttpClient(retries=2, sleep=lambda _seconds: None, now=lambda: NOW, timeout=5) as client:
        yield client


def test_over_http_login_search_and_paging_with_a_5xx_retried(
    fake_server: FakeServer, http: HttpClient
) -> None:
    fake_server.route("POST", SESSION, Reply(json=fixture_json("bluesky/session.json")))
    fake_server.route(
        "GET", SEARCH, Reply(status=503), Reply(json=fixture_json("bluesky/search_page1.json"))
    )
    fake_server.route(
        "GET", SEARCH, Reply(json=fixture_json("bluesky/search_page2.json")), query={"cursor": "25"}
    )
    conn = BlueskyConnector(
        {"query": "acmeair", "identifier": "acme.bsky.social", "pds_host": fake_server.url},
        {"app_password": "app-pass-1234"},
        http,
    )

    one = conn.fetch({"since": "2026-11-24T00:00:00Z"})
    two = conn.fetch(one.cursor)

    assert len(one.items) == 2 and len(one.skipped) == 2 and one.more
    assert [i.external_id[-5:] for i in two.items] == ["3lbx1"]
    assert two.cursor == {"since": "2026-11-24T10:05:01.456789Z"}
    login, *searches = fake_server.requests
    assert login.json() == {"identifier": "acme.bsky.social", "password": "app-pass-1234"}
    assert [r.query.get("cursor") for r in searches] == [None, None, "25"]
    assert all(r.headers["authorization"] == "Bearer eyJ.access.jwt" for r in searches)
    assert all(r.query["q"] == "acmeair" and r.query["sort"] == "latest" for r in searches)


def test_over_http_a_429_raises_rate_limited(fake_server: FakeServer, http: HttpClient) -> None:
    fake_server.route(
        "GET",
        SEARCH,
        Reply(status=429, json={"error": "RateLimitExceeded"}, headers={"Retry-After": "60"}),
    )
    conn = BlueskyConnector({"query": "acmeair", "host": fake_server.url}, {}, http)

    with pytest.raises(RateLimited) as caught:
        conn.fetch({})

    assert caught.value.retry_at == datetime(2026, 11, 25, 12, 1, tzinfo=UTC)


def test_over_http_a_refused_login_is_a_connector_error(
    fake_server: FakeServer, http: HttpClient
) -> None:
    fake_server.route(
        "POST",
        SESSION,
        Reply(status=401, json={"error": "AuthenticationRequired", "message": "Invalid"}),
    )
    conn = BlueskyConnector(
        {"query": "acmeair", "identifier": "acme.bsky.social", "pds_host": fake_server.url},
        {"app_password": "wrong-pass"},
        http,
    )

    with pytest.raises(ConnectorError, match="401") as caught:
        conn.fetch({})
    assert "wrong-pass" not in str(caught.value)


@given(mutated(fixture_json("bluesky/search_page1.json")["posts"][1]))
def test_any_post_view_becomes_a_message_or_a_reason_naming_a_field(raw: dict[str, Any]) -> None:
    try:
        item = parse_post(raw)
    except BadValue as exc:
        assert exc.field and exc.error
    else:
        assert item.external_id.startswith("at://") and item.text.strip()
