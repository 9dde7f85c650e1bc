from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.error import HTTPError
from urllib.parse import parse_qs, urlencode, urlsplit
from urllib.request import Request, urlopen

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
from goodwill.listening.models import Message
from goodwill.listening.services import ingest_batch

DATA = Path(__file__).parent / "data" / "graph"
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
TOKEN = "EAAB-page-token"


def fixture(name: str) -> Any:
    return json.loads((DATA / name).read_text())


# --- a fake Graph API on 127.0.0.1 --------------------------------------------------------------

Reply = tuple[int, Any, dict[str, str]]


class FakeGraph:
    """Replays scripted replies per (path, after-cursor); each key holds a list of replies,
    the last one repeating. Records every request's path, query and Authorization header."""

    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], list[Reply]] = {}
        self.requests: list[tuple[str, dict[str, str], str]] = []

    def route(self, path: str, *replies: Reply, after: str = "") -> None:
        self.routes[(path, after)] = list(replies)

    def reply(self, path: str, query: dict[str, str]) -> Reply:
        replies = self.routes.get((path, query.get("after", "")))
        if not replies:
            return 404, {"error": {"message": f"no route {path}", "code": 803}}, {}
        return replies.pop(0) if len(replies) > 1 else replies[0]


@pytest.fixture
def fake_graph() -> Iterator[tuple[FakeGraph, str]]:
    fake = FakeGraph()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            fake.requests.append((parts.path, query, self.headers.get("Authorization", "")))
            status, body, headers = fake.reply(parts.path, query)
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class PlainHttp:
    """The Http protocol over urllib, as the runner's client behaves: 429 raises RateLimited,
    5xx TransientError, and a Graph 4xx error object is handed back to the connector."""

    def get_json(self, url: str, **kwargs: Any) -> Any:
        body, _ = self.get_bytes(url, **kwargs)
        return json.loads(body)

    def get_bytes(
        self,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> tuple[bytes, Mapping[str, str]]:
        full = f"{url}?{urlencode(params or {})}"
        try:
            with urlopen(Request(full, headers=dict(headers or {})), timeout=5) as response:
                return response.read(), dict(response.headers)
        except HTTPError as exc:
            if exc.code == 429:
                raise RateLimited(NOW + timedelta(seconds=60)) from None
            if exc.code >= 500:
                raise TransientError(f"HTTP {exc.code}") from None
            return exc.read(), dict(exc.headers)

    def post(self, url: str, **kwargs: Any) -> Any:
        raise NotImplementedError


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(graph, "_now", lambda: NOW)


def facebook(base_url: str, **config: str) -> FacebookPageConnector:
    settings = {"page_id": "1001", "base_url": base_url, "api_version": "v21.0", **config}
    return FacebookPageConnector(settings, {"page_access_token": TOKEN}, PlainHttp())


def instagram(base_url: str, **config: str) -> InstagramConnector:
    settings = {"ig_user_id": "17841400000000001", "base_url": base_url, **config}
    return InstagramConnector(settings, {"access_token": TOKEN}, PlainHttp())


# --- Facebook Page --------------------------------------------------------------------------------


def script_facebook(fake: FakeGraph) -> None:
    fake.route("/v21.0/1001/feed", (200, fixture("fb_feed_1.json"), {}))
    fake.route("/v21.0/1001/feed", (200, fixture("fb_feed_2.json"), {}), after="QVFIUp2")
    fake.route(
        "/v21.0/1001_777/comments",
        (200, fixture("fb_comments_777_after.json"), {}),
        after="QVFIUc2",
    )


def test_connectors_are_registered() -> None:
    assert REGISTRY["facebook_page"] is FacebookPageConnector
    assert REGISTRY["instagram"] is InstagramConnector


def test_facebook_feed_pages_through_posts_and_comments(
    fake_graph: tuple[FakeGraph, str],
) -> None:
    fake, base = fake_graph
    script_facebook(fake)
    connector = facebook(base)
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

    feed_requests = [r for r in fake.requests if r[0] == "/v21.0/1001/feed"]
    assert feed_requests[0][1]["since"] == str(since)
    assert feed_requests[1][1]["after"] == "QVFIUp2" and feed_requests[1][1]["since"] == str(since)
    assert "comments.limit(100){" in feed_requests[0][1]["fields"]
    assert all(auth == f"Bearer {TOKEN}" for _, _, auth in fake.requests)
    assert all("access_token" not in query for _, query, _ in fake.requests)


@pytest.mark.django_db
def test_facebook_items_are_stored_exactly_once_across_runs(
    fake_graph: tuple[FakeGraph, str],
) -> None:
    fake, base = fake_graph
    script_facebook(fake)
    connector = facebook(base)
    first, second = connector.fetch({}), None
    second = connector.fetch(first.cursor)
    assert ingest_batch(source=None, items=first.items).created == 5
    assert ingest_batch(source=None, items=second.items).created == 1
    rerun = connector.fetch({})
    result = ingest_batch(source=None, items=rerun.items)
    assert (result.created, result.unchanged) == (0, 5)
    assert Message.objects.filter(channel="facebook").count() == 6
    ann, reply = (Message.objects.get(external_id=e) for e in ("777_9001", "777_9002"))
    assert ann.conversation_id == reply.conversation_id


def test_facebook_rate_limit_error_codes_become_rate_limited(
    fake_graph: tuple[FakeGraph, str],
) -> None:
    fake, base = fake_graph
    usage = json.dumps({"1001": [{"type": "pages", "estimated_time_to_regain_access": 40}]})
    fake.route(
        "/v21.0/1001/feed",
        (400, fixture("error_rate_limit.json"), {"X-Business-Use-Case-Usage": usage}),
        (403, fixture("error_rate_limit.json"), {}),
    )
    with pytest.raises(RateLimited) as exc:
        facebook(base).fetch({})
    assert exc.value.retry_at == NOW + timedelta(minutes=40)
    with pytest.raises(RateLimited) as exc:
        facebook(base).fetch({})
    assert exc.value.retry_at == NOW + graph.DEFAULT_RATE_LIMIT_WAIT
    assert "Page request limit reached" in str(exc.value)


def test_http_429_and_5xx_surface_from_the_client(fake_graph: tuple[FakeGraph, str]) -> None:
    fake, base = fake_graph
    fake.route("/v21.0/1001/feed", (429, {}, {}), (503, {}, {}))
    with pytest.raises(RateLimited):
        facebook(base).fetch({})
    with pytest.raises(TransientError):
        facebook(base).fetch({})


def test_an_expired_token_is_a_connector_error(fake_graph: tuple[FakeGraph, str]) -> None:
    fake, base = fake_graph
    fake.route("/v21.0/1001/feed", (400, fixture("error_token.json"), {}))
    with pytest.raises(ConnectorError, match="190 \\(OAuthException\\): Error validating"):
        facebook(base).fetch({})


def test_a_response_without_data_is_a_connector_error(fake_graph: tuple[FakeGraph, str]) -> None:
    fake, base = fake_graph
    fake.route("/v21.0/1001/feed", (200, {"unexpected": True}, {}))
    with pytest.raises(ConnectorError, match="'data' list"):
        facebook(base).fetch({})


def test_missing_settings_are_named() -> None:
    no_token = FacebookPageConnector({"page_id": "1"}, {}, PlainHttp())
    with pytest.raises(ConnectorError, match="'page_access_token'"):
        no_token.fetch({})
    with pytest.raises(ConnectorError, match="'page_id'"):
        FacebookPageConnector({}, {"page_access_token": "t"}, PlainHttp()).fetch({})
    with pytest.raises(ConnectorError, match="'page_size'"):
        facebook("http://127.0.0.1:9", page_size="lots").fetch({})


# --- Instagram ------------------------------------------------------------------------------------


def test_instagram_reads_comments_of_recent_media_and_stops_at_old_ones(
    fake_graph: tuple[FakeGraph, str],
) -> None:
    fake, base = fake_graph
    fake.route("/v21.0/17841400000000001/media", (200, fixture("ig_media.json"), {}))
    fake.route("/v21.0/17900000000000001/comments", (200, fixture("ig_comments_1.json"), {}))
    fake.route(
        "/v21.0/17900000000000001/comments",
        (500, {}, {}),
        (200, fixture("ig_comments_2.json"), {}),
        after="QVFIUi2",
    )
    connector = instagram(base, lookback_days="30")
    with pytest.raises(TransientError):  # the second comments page fails once
        connector.fetch({})
    page = connector.fetch({})
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
    paths = [p for p, _, _ in fake.requests]
    assert "/v21.0/17900000000000002/comments" not in paths  # no comments: not asked
    assert "/v21.0/17900000000000003/comments" not in paths  # older than the window


def test_instagram_continues_with_the_media_cursor(fake_graph: tuple[FakeGraph, str]) -> None:
    fake, base = fake_graph
    media = fixture("ig_media.json")
    media["data"] = media["data"][:2]  # all recent: the sweep goes on to the next page
    fake.route("/v21.0/17841400000000001/media", (200, media, {}))
    fake.route("/v21.0/17900000000000001/comments", (200, fixture("ig_comments_2.json"), {}))
    page = instagram(base, lookback_days="30").fetch({})
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
