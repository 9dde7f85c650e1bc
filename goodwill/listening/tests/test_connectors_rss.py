"""RSS/Atom connector: entries become messages; conditional GET; bozo feeds logged, not fatal."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest

from goodwill.listening.connectors.base import ConnectorError
from goodwill.listening.connectors.rss import RssConnector, parse_feed
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
