from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from goodwill.importing import BadValue
from goodwill.listening.connectors import graph
from goodwill.listening.connectors.base import (
    REGISTRY,
    ConnectorError,
    RateLimited,
    TransientError,
)
from goodwill.listening.connectors.graph import (
    FacebookPageConnector,
    InstagramConnector,
    graph_time,
    parse_facebook_comment,
    raise_for_error,
)
from goodwill.listening.connectors.http import HttpClient
from goodwill.listening.models import Message
from goodwill.listening.services import ingest_batch
from goodwill.listening.tests.fakes import FakeServer, Reply

DATA = Path(__file__).parent / "data" / "graph"
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
TOKEN = "EAAB-page-token"


def fixture(name: str) -> Any:
    return json.loads((DATA / name).read_text())


# Tests run against h1's fake HTTP server (goodwill/listening/tests/fakes.py) through the real
# HttpClient, with retries that do not sleep.


_open_clients: list[HttpClient] = []


def client() -> HttpClient:
    http = HttpClient(retries=2, sleep=lambda _: None, now=lambda: NOW)
    _open_clients.append(http)
    return http


@pytest.fixture(autouse=True)
def close_clients() -> Iterator[None]:
    yield
    while _open_clients:
        _open_clients.pop().close()


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(graph, "_now", lambda: NOW)


def facebook(base_url: str, **config: str) -> FacebookPageConnector:
    settings = {"page_id": "1001", "base_url": base_url, "api_version": "v21.0", **config}
    return FacebookPageConnector(settings, {"page_access_token": TOKEN}, client())


def instagram(base_url: str, **config: str) -> InstagramConnector:
    settings = {"ig_user_id": "17841400000000001", "base_url": base_url, **config}
    return InstagramConnector(settings, {"access_token": TOKEN}, client())


# --- Facebook Page --------------------------------------------------------------------------------


def script_facebook(fake: FakeServer) -> None:
    fake.route("GET", "/v21.0/1001/feed", Reply(json=fixture("fb_feed_1.json")))
    fake.route(
        "GET", "/v21.0/1001/feed", Reply(json=fixture("fb_feed_2.json")), query={"after": "QVFIUp2"}
    )
    fake.route(
        "GET",
        "/v21.0/1001_777/comments",
        Reply(json=fixture("fb_comments_777_after.json")),
        query={"after": "QVFIUc2"},
    )


def test_connectors_are_registered() -> None:
    assert REGISTRY["facebook_page"] is FacebookPageConnector
    assert REGISTRY["instagram"] is InstagramConnector


def test_facebook_feed_pages_through_posts_and_comments(fake_server: FakeServer) -> None:
    script_facebook(fake_server)
    connector = facebook(fake_server.url)
    first = connector.fetch({})
    since = int((NOW - timedelta(days=7)).timestamp())
    assert first.more and first.cursor == {"since": since, "after": "QVFIUp2"}
    assert [i.external_id for i in first.items] == [
        "777_9001",
        "777_9002",
        "777_9004",
        "1001_888",
        "888_1",
    ]
    by_id = {i.external_id: i for i in first.items}
    ann = by_id["777_9001"]
    assert ann.text == "3 hours on hold and still nothing <img src=x onerror=alert(1)>"
    assert (ann.author_id, ann.author_name, ann.likes, ann.replies) == ("5550001", "Ann Lee", 4, 1)
    assert ann.in_reply_to == "" and ann.raw["post_id"] == "1001_777"
    assert ann.created_at == datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
    assert by_id["777_9002"].is_from_company and by_id["777_9002"].in_reply_to == "777_9001"
    assert by_id["888_1"].in_reply_to == "1001_888"  # a comment on a visitor's post answers it
    assert not by_id["1001_888"].is_from_company
    reasons = sorted(s.reason for s in first.skipped)
    assert reasons == [
        "field 'message': empty (a sticker or photo comment has no text to read)",
        "not an object",
    ]

    second = connector.fetch(first.cursor)
    assert not second.more and second.cursor == {}
    assert [i.external_id for i in second.items] == ["999_1"]
    assert [s.ref for s in second.skipped] == ["comment 999_2"]
    assert "created_time" in second.skipped[0].reason

    feed_requests = fake_server.requests_to("/v21.0/1001/feed")
    assert feed_requests[0].query["since"] == str(since)
    assert feed_requests[1].query["after"] == "QVFIUp2"
    assert feed_requests[1].query["since"] == str(since)
    assert "comments.limit(100){" in feed_requests[0].query["fields"]
    assert all(r.headers["authorization"] == f"Bearer {TOKEN}" for r in fake_server.requests)
    assert all("access_token" not in r.query for r in fake_server.requests)
    assert fake_server.unmatched == []


def script_busy_replies(fake: FakeServer) -> None:
    fake.route("GET", "/v21.0/1001/feed", Reply(json=fixture("fb_feed_busy_replies.json")))
    for after, page in (("UlI2", "page2"), ("UlI4", "page3")):
        fake.route(
            "GET",
            "/v21.0/555_1/comments",
            Reply(json=fixture(f"fb_replies_555_1_{page}.json")),
            query={"after": after},
        )


def test_facebook_follows_a_comment_s_replies_beyond_the_first_page(
    fake_server: FakeServer,
) -> None:
    script_busy_replies(fake_server)
    page = facebook(fake_server.url).fetch({})
    assert not page.more and page.cursor == {}
    replies = [i for i in page.items if i.in_reply_to == "555_1"]
    assert [i.external_id for i in replies] == ["555_r1", "555_r2", "555_r3", "555_r4", "555_r5"]
    by_id = {i.external_id: i for i in page.items}
    assert by_id["555_r4"].is_from_company and not by_id["555_r3"].is_from_company
    assert by_id["555_r2"].text == "me too <b>again</b>"  # verbatim
    assert all(i.raw["post_id"] == "1001_555" for i in replies)
    assert by_id["555_3_r1"].in_reply_to == "555_3"
    assert "comment #1 under 555_1" in [s.ref for s in page.skipped]

    followed = fake_server.requests_to("/v21.0/555_1/comments")
    assert [r.query["after"] for r in followed] == ["UlI2", "UlI4"]
    for request in followed:
        assert request.query["fields"] == graph.COMMENT_FIELDS
        assert request.headers["authorization"] == f"Bearer {TOKEN}"
        assert "access_token" not in request.query  # the cursor, never the next URL
    # A comment that was skipped, or whose replies all came nested, is not followed.
    assert fake_server.requests_to("/v21.0/555_2/comments") == []
    assert fake_server.requests_to("/v21.0/555_3/comments") == []
    assert not fake_server.unmatched


def test_facebook_reply_pages_are_bounded_per_comment(
    fake_server: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_server.route("GET", "/v21.0/1001/feed", Reply(json=fixture("fb_feed_busy_replies.json")))
    more = Reply(json=fixture("fb_replies_555_1_page2.json"))  # its next page is UlI4
    fake_server.route("GET", "/v21.0/555_1/comments", more, query={"after": "UlI2"})
    fake_server.route("GET", "/v21.0/555_1/comments", more, query={"after": "UlI4"})
    monkeypatch.setattr(FacebookPageConnector, "max_reply_pages", 3)
    page = facebook(fake_server.url).fetch({})
    assert len(fake_server.requests_to("/v21.0/555_1/comments")) == 3
    assert {i.external_id for i in page.items} >= {"555_r1", "555_r3", "555_r4"}


@pytest.mark.django_db
def test_facebook_replies_beyond_the_first_page_are_stored_in_their_thread(
    fake_server: FakeServer,
) -> None:
    script_busy_replies(fake_server)
    page = facebook(fake_server.url).fetch({})
    assert ingest_batch(source=None, items=page.items).created == len(page.items)
    stored = Message.objects.filter(in_reply_to="555_1")
    assert stored.count() == 5
    parent = Message.objects.get(external_id="555_1")
    assert set(stored.values_list("conversation_id", flat=True)) == {parent.conversation_id}


@pytest.mark.django_db
def test_facebook_items_are_stored_exactly_once_across_runs(fake_server: FakeServer) -> None:
    script_facebook(fake_server)
    connector = facebook(fake_server.url)
    first = connector.fetch({})
    second = connector.fetch(first.cursor)
    assert ingest_batch(source=None, items=first.items).created == 5
    assert ingest_batch(source=None, items=second.items).created == 1
    rerun = connector.fetch({})
    result = ingest_batch(source=None, items=rerun.items)
    assert (result.created, result.unchanged) == (0, 5)
    assert Message.objects.filter(channel="facebook").count() == 6
    ann, reply = (Message.objects.get(external_id=e) for e in ("777_9001", "777_9002"))
    assert ann.conversation_id == reply.conversation_id


def test_facebook_rate_limit_error_codes_become_rate_limited(fake_server: FakeServer) -> None:
    usage = json.dumps({"1001": [{"type": "pages", "estimated_time_to_regain_access": 40}]})
    throttled = fixture("error_rate_limit.json")
    fake_server.route(
        "GET",
        "/v21.0/1001/feed",
        Reply(status=400, json=throttled, headers={"X-Business-Use-Case-Usage": usage}),
        Reply(status=403, json=throttled),
    )
    with pytest.raises(RateLimited) as exc:
        facebook(fake_server.url).fetch({})
    assert exc.value.retry_at == NOW + timedelta(minutes=40)
    assert "Page request limit reached" in str(exc.value)
    with pytest.raises(RateLimited) as exc:
        facebook(fake_server.url).fetch({})
    assert exc.value.retry_at == NOW + graph.DEFAULT_RATE_LIMIT_WAIT


def test_http_429_and_persistent_5xx_surface_from_the_client(fake_server: FakeServer) -> None:
    fake_server.route(
        "GET",
        "/v21.0/1001/feed",
        Reply(status=429, headers={"Retry-After": "120"}),
        Reply(status=503),
    )
    with pytest.raises(RateLimited) as exc:
        facebook(fake_server.url).fetch({})
    assert exc.value.retry_at == NOW + timedelta(seconds=120)
    with pytest.raises(TransientError):
        facebook(fake_server.url).fetch({})
    assert len(fake_server.requests) == 1 + 3  # the 503 was retried twice


def test_an_expired_token_is_a_connector_error(fake_server: FakeServer) -> None:
    fake_server.route(
        "GET", "/v21.0/1001/feed", Reply(status=400, json=fixture("error_token.json"))
    )
    with pytest.raises(ConnectorError, match="190 \\(OAuthException\\): Error validating"):
        facebook(fake_server.url).fetch({})


def test_a_4xx_without_an_error_object_stays_an_http_error(fake_server: FakeServer) -> None:
    fake_server.route("GET", "/v21.0/1001/feed", Reply(status=404, body="<html>gone</html>"))
    with pytest.raises(ConnectorError, match="HTTP 404"):
        facebook(fake_server.url).fetch({})


def test_a_response_without_data_is_a_connector_error(fake_server: FakeServer) -> None:
    fake_server.route("GET", "/v21.0/1001/feed", Reply(json={"unexpected": True}))
    with pytest.raises(ConnectorError, match="'data' list"):
        facebook(fake_server.url).fetch({})
    fake_server.route("GET", "/v21.0/1002/feed", Reply(body="not json"))
    with pytest.raises(ConnectorError, match="not JSON"):
        facebook(fake_server.url, page_id="1002").fetch({})


def test_missing_settings_are_named() -> None:
    no_token = FacebookPageConnector({"page_id": "1"}, {}, client())
    with pytest.raises(ConnectorError, match="'page_access_token'"):
        no_token.fetch({})
    with pytest.raises(ConnectorError, match="'page_id'"):
        FacebookPageConnector({}, {"page_access_token": "t"}, client()).fetch({})
    with pytest.raises(ConnectorError, match="'page_size'"):
        facebook("http://127.0.0.1:9", page_size="lots").fetch({})
    with pytest.raises(ConnectorError, match="'api_version'"):
        facebook("http://127.0.0.1:9", api_version="21").fetch({})


# --- Instagram ------------------------------------------------------------------------------------


def test_instagram_reads_comments_of_recent_media_and_stops_at_old_ones(
    fake_server: FakeServer,
) -> None:
    fake_server.route("GET", "/v21.0/17841400000000001/media", Reply(json=fixture("ig_media.json")))
    fake_server.route(
        "GET", "/v21.0/17900000000000001/comments", Reply(json=fixture("ig_comments_1.json"))
    )
    fake_server.route(
        "GET",
        "/v21.0/17900000000000001/comments",
        Reply(status=500),  # fails once; the client retries
        Reply(json=fixture("ig_comments_2.json")),
        query={"after": "QVFIUi2"},
    )
    page = instagram(fake_server.url, lookback_days="30").fetch({})
    assert not page.more and page.cursor == {}  # the 2020 media ended the sweep
    assert [i.external_id for i in page.items] == [
        "17870000000000001",
        "17870000000000002",
        "17870000000000004",
    ]
    first, answer, bo = page.items
    assert first.text == "great, another delay \U0001f643"
    assert (first.author_id, first.author_handle, first.likes) == ("232323232", "ann.travels", 3)
    assert first.url == "https://www.instagram.com/p/Cabc123/"
    assert first.raw["media_id"] == "17900000000000001" and first.in_reply_to == ""
    assert answer.is_from_company and answer.in_reply_to == first.external_id
    assert not bo.is_from_company
    assert [(s.ref, s.reason) for s in page.skipped] == [
        ("comment 17870000000000003", "field 'username': missing (no username and no from.id)")
    ]
    assert len(fake_server.requests_to("/v21.0/17900000000000001/comments")) == 3
    assert fake_server.requests_to("/v21.0/17900000000000002/comments") == []  # no comments
    assert fake_server.requests_to("/v21.0/17900000000000003/comments") == []  # too old


def test_instagram_continues_with_the_media_cursor(fake_server: FakeServer) -> None:
    media = fixture("ig_media.json")
    media["data"] = media["data"][:2]  # all recent: the sweep goes on to the next page
    fake_server.route("GET", "/v21.0/17841400000000001/media", Reply(json=media))
    fake_server.route(
        "GET", "/v21.0/17900000000000001/comments", Reply(json=fixture("ig_comments_2.json"))
    )
    page = instagram(fake_server.url, lookback_days="30").fetch({})
    assert page.more and page.cursor["after"] == "QVFIUm2"
    assert page.cursor["since"] == int((NOW - timedelta(days=30)).timestamp())


# --- parsing and errors ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (4, RateLimited),
        (17, RateLimited),
        (32, RateLimited),
        (613, RateLimited),
        (80001, RateLimited),
        (2, TransientError),
        (190, ConnectorError),
        (100, ConnectorError),
    ],
)
def test_graph_error_codes_map_to_connector_exceptions(code: int, expected: type) -> None:
    with pytest.raises(expected):
        raise_for_error(
            {"error": {"message": "m", "type": "OAuthException", "code": code}}, now=NOW
        )


def test_usage_headers_set_when_a_throttled_source_may_retry() -> None:
    usage = json.dumps({"1001": [{"type": "pages", "estimated_time_to_regain_access": 40}]})
    with pytest.raises(RateLimited) as exc:
        raise_for_error(
            {"error": {"code": 80001, "message": "m"}},
            headers={"X-Business-Use-Case-Usage": usage},
            now=NOW,
        )
    assert exc.value.retry_at == NOW + timedelta(minutes=40)
    raise_for_error({"data": []})  # no error: returns


@given(st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2100, 1, 1)))
def test_graph_times_parse_in_both_shapes(moment: datetime) -> None:
    aware = moment.replace(microsecond=0, tzinfo=UTC)
    assert graph_time(aware.strftime("%Y-%m-%dT%H:%M:%S+0000"), "t") == aware
    assert graph_time(int(aware.timestamp()), "t") == aware


@given(st.text(max_size=30))
def test_graph_time_rejects_junk_with_the_field_name(text: str) -> None:
    try:
        graph_time(text, "created_time")
    except BadValue as exc:
        assert exc.field == "created_time"


@given(
    message=st.text(min_size=1, max_size=200).filter(str.strip),
    likes=st.integers(0, 10**6),
)
def test_comment_text_and_counts_are_kept_verbatim(message: str, likes: int) -> None:
    raw = {
        "id": "1_2",
        "message": message,
        "created_time": "2026-11-24T10:00:00+0000",
        "from": {"id": "9", "name": "N"},
        "like_count": likes,
    }
    item = parse_facebook_comment(raw, page_id="1001", post_id="1001_1")
    assert item.text == message and item.likes == likes
