"""RSS/Atom connector: entries become messages; conditional GET; bozo feeds logged, not fatal."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from goodwill.listening.connectors.base import ConnectorError, RateLimited
from goodwill.listening.connectors.http import HttpClient
from goodwill.listening.connectors.rss import RssConnector, parse_feed
from goodwill.listening.tests.fakes import FakeServer, Reply
from goodwill.listening.tests.scripted_http import ScriptedHttp, fixture_bytes

FEED_URL = "https://flyer.example/feed.xml"
FEED_PATH = "/feed.xml"


def connector(http: ScriptedHttp, url: str = FEED_URL) -> RssConnector:
    return RssConnector({"url": url}, {}, http)


def test_rss_items_become_messages_with_html_stripped_and_bad_ones_named() -> None:
    parsed = parse_feed(fixture_bytes("rss/blog.rss"), feed_url=FEED_URL)

    assert [i.external_id for i in parsed.items] == [
        "flyer-2026-11-lost-bag",
        "https://flyer.example/2026/11/praise",  # no guid: the link is the id
    ]
    first = parsed.items[0]
    assert first.channel == "rss"
    assert first.text == (
        "Acme Air lost my bag \u2014 again\n\n"
        "Three hours on hold & still no bag.\n\nTheir help page is useless."
    )
    assert "alert" not in first.text
    assert first.author_id == "flyer.example:Jane Traveller"
    assert first.author_handle == "Jane Traveller"
    assert first.created_at == datetime(2026, 11, 24, 10, 5, tzinfo=UTC)
    assert first.url == "https://flyer.example/2026/11/lost-bag"
    assert first.language == "en-gb"
    assert first.raw == {"feed": FEED_URL, "tags": ["airlines"]}
    second = parsed.items[1]
    assert second.created_at == datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
    assert second.author_handle == "Frequent Flyer Notes"  # no author: the feed's title
    assert {s.ref: s.reason for s in parsed.skipped} == {
        # a guid that is a permalink (the default) is resolved against the feed's address
        "entry https://flyer.example/flyer-draft": (
            "field 'published': missing (the entry has no published or updated date)"
        ),
        "entry https://flyer.example/flyer-empty": (
            "field 'summary': empty (the entry has no title, summary or content)"
        ),
        "entry #4": "field 'id': missing (the entry has no id, guid or link)",
    }


def test_atom_entries_use_the_content_and_the_feed_author() -> None:
    parsed = parse_feed(fixture_bytes("rss/news.atom"), feed_url="https://news.example/atom")

    (item,) = parsed.items
    assert item.external_id == "urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a"
    assert (
        item.text
        == "Acme Air delays pile up again\n\nPassengers report waits of 3 hours at the desk."
    )
    assert item.author_id == "news.example:News Desk"
    assert item.created_at == datetime(2026, 11, 24, 10, 30, tzinfo=UTC)  # published, in UTC


def test_a_bozo_feed_that_still_parsed_is_logged_and_read(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="goodwill.listening.connectors.rss"):
        parsed = parse_feed(fixture_bytes("rss/bozo.rss"), feed_url="https://broken.example/rss")

    assert [i.text for i in parsed.items] == ["Still readable\n\nFish & chips were cold"]
    assert "not well-formed" in caplog.text


def test_a_page_that_is_not_a_feed_is_an_error() -> None:
    with pytest.raises(ConnectorError, match="is not an RSS or Atom feed"):
        parse_feed(fixture_bytes("rss/not_a_feed.html"), feed_url=FEED_URL)


def test_the_etag_and_last_modified_are_kept_and_sent_back() -> None:
    http = ScriptedHttp()
    validators = {"ETag": '"v1"', "Last-Modified": "Tue, 24 Nov 2026 10:05:00 GMT"}
    http.script(FEED_PATH, fixture_bytes("rss/blog.rss"), validators)
    http.script(FEED_PATH, b"", {"ETag": '"v1"'})  # 304 Not Modified has no body

    first = connector(http).fetch({})
    second = connector(http).fetch(first.cursor)

    assert len(first.items) == 2 and len(first.skipped) == 3
    assert first.cursor == {"etag": '"v1"', "modified": "Tue, 24 Nov 2026 10:05:00 GMT"}
    assert "If-None-Match" not in http.calls[0].headers
    assert http.calls[1].headers["If-None-Match"] == '"v1"'
    assert http.calls[1].headers["If-Modified-Since"] == "Tue, 24 Nov 2026 10:05:00 GMT"
    assert second.items == [] and second.skipped == []
    assert second.cursor == first.cursor


@pytest.mark.parametrize("url", ["", "flyer.example/feed", "file:///etc/passwd"])
def test_only_an_http_address_is_accepted(url: str) -> None:
    with pytest.raises(ConnectorError, match="url"):
        connector(ScriptedHttp(), url)


# --- over HTTP, against the fake server --------------------------------------------------


@pytest.fixture
def http() -> Iterator[HttpClient]:
    with HttpClient(retries=2, sleep=lambda _seconds: None, timeout=5) as client:
        yield client


def test_over_http_a_5xx_is_retried_and_a_304_means_nothing_new(
    fake_server: FakeServer, http: HttpClient
) -> None:
    validators = {"ETag": '"v2"', "Last-Modified": "Wed, 25 Nov 2026 08:00:00 GMT"}
    fake_server.route(
        "GET",
        FEED_PATH,
        Reply(status=503),
        Reply(
            body=fixture_bytes("rss/news.atom"),
            headers={"Content-Type": "application/atom+xml; charset=utf-8", **validators},
        ),
        Reply(status=304, headers={"ETag": '"v2"'}),
    )
    conn = connector(http, f"{fake_server.url}{FEED_PATH}")

    first = conn.fetch({})
    second = conn.fetch(first.cursor)

    assert [i.author_handle for i in first.items] == ["News Desk"]
    assert first.cursor == {"etag": '"v2"', "modified": "Wed, 25 Nov 2026 08:00:00 GMT"}
    assert second.items == [] and second.cursor == first.cursor
    requests = fake_server.requests
    assert len(requests) == 3  # 503, 200, then the conditional request
    assert requests[2].headers["if-none-match"] == '"v2"'
    assert requests[2].headers["if-modified-since"] == "Wed, 25 Nov 2026 08:00:00 GMT"


def test_over_http_a_429_raises_rate_limited(fake_server: FakeServer, http: HttpClient) -> None:
    fake_server.route("GET", FEED_PATH, Reply(status=429, headers={"Retry-After": "90"}))

    with pytest.raises(RateLimited):
        connector(http, f"{fake_server.url}{FEED_PATH}").fetch({})
