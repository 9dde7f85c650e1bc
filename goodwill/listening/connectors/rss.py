"""RSS and Atom feeds (blogs, news, forums) through feedparser.

The feed is fetched as bytes through the connector's Http client (so retries, backoff and
429 handling are the runner's, and feedparser itself never touches the network: it is handed
the bytes in a ``BytesIO``). The request is conditional: the cursor keeps the feed's ``ETag``
and ``Last-Modified`` and sends them back as ``If-None-Match`` / ``If-Modified-Since``; a
``304 Not Modified`` (an empty body) means nothing new and costs no parsing.

Each entry becomes a message: its ``id`` (``<guid>`` / ``<id>``) or else its link is the
external id, the text is the title and the summary (or content) with the HTML stripped, the
author is the entry's author (else the feed's), scoped to the feed's site so two blogs' "Admin"
are not one person. An entry without an id and a link, without a date or without any text is
skipped with the reason. A feed that is not well-formed but still parsed (feedparser's "bozo"
flag) is logged and read; one that yields nothing at all is an error.

A feed shows its last N entries every time, so every run re-reads them: storage is keyed by
(channel, external id), so they are reported unchanged, never stored twice.
"""

from __future__ import annotations

import calendar
import hashlib
import io
import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar
from urllib.parse import urlsplit

import feedparser

from goodwill.core import Channel
from goodwill.importing import BadValue
from goodwill.listening.connectors.base import (
    ConfigField,
    Connector,
    ConnectorError,
    FetchPage,
    Http,
    register,
)
from goodwill.listening.connectors.parsing import (
    Parsed,
    address_problem,
    header,
    html_to_text,
    refuse,
)
from goodwill.listening.types import MessageItem

logger = logging.getLogger(__name__)

ID_LENGTH = 255
# Bozo reasons that say nothing about the feed's health: a missing or non-XML content type,
# or an encoding the document declares differently from the HTTP header.
_BENIGN = (feedparser.NonXMLContentType, feedparser.CharacterEncodingOverride)


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _external_id(entry: Mapping[str, Any]) -> str:
    key = _text(entry.get("id")) or _text(entry.get("link"))
    if not key:
        raise BadValue("id", "missing (the entry has no id, guid or link)")
    if len(key) > ID_LENGTH:
        # A very long guid (some feeds use a whole URL with tracking): keep it unique and short.
        return "sha256:" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
    return key


def _entry_time(entry: Mapping[str, Any]) -> datetime:
    for name in ("published_parsed", "updated_parsed", "created_parsed"):
        parsed = entry.get(name)
        if parsed:
            return datetime.fromtimestamp(calendar.timegm(parsed), UTC)
    for name in ("published", "updated"):
        if _text(entry.get(name)):
            raise BadValue(name, f"{entry[name]!r} is not a date feedparser can read")
    raise BadValue("published", "missing (the entry has no published or updated date)")


def _body(entry: Mapping[str, Any]) -> str:
    summary = _text(entry.get("summary"))
    contents = entry.get("content")
    if isinstance(contents, list):
        for content in contents:
            value = _text(content.get("value")) if isinstance(content, Mapping) else ""
            if len(value) > len(summary):
                summary = value
    return html_to_text(summary) if summary else ""


def parse_entry(
    entry: Mapping[str, Any], *, site: str, feed_author: str, feed_url: str, language: str = ""
) -> MessageItem:
    """A feedparser entry as a MessageItem; raises BadValue naming the field."""
    external_id = _external_id(entry)
    created_at = _entry_time(entry)
    title = html_to_text(_text(entry.get("title")))
    body = _body(entry)
    if body.startswith(title):
        title = ""  # microblog feeds repeat the text as the title
    text = "\n\n".join(part for part in (title, body) if part)
    if not text:
        raise BadValue("summary", "empty (the entry has no title, summary or content)")
    author = _text(entry.get("author")) or feed_author or site
    author = author[: max(1, ID_LENGTH - len(site) - 1)]
    tags = [
        tag["term"]
        for tag in entry.get("tags") or []
        if isinstance(tag, Mapping) and isinstance(tag.get("term"), str)
    ]
    raw: dict[str, Any] = {"feed": feed_url}
    if tags:
        raw["tags"] = tags[:20]
    return MessageItem(
        channel=Channel.RSS.value,
        external_id=external_id,
        author_id=f"{site}:{author}",
        author_handle=author,
        author_name=author,
        created_at=created_at,
        text=text,
        url=_text(entry.get("link"))[:2048],
        language=language[:16],
        raw=raw,
    )


def parse_feed(body: bytes, *, feed_url: str, content_type: str = "") -> Parsed:
    """The entries of a feed document; a ConnectorError when it is not a feed at all."""
    headers = {"content-location": feed_url}
    if content_type:
        headers["content-type"] = content_type
    result = feedparser.parse(io.BytesIO(body), response_headers=headers)
    if result.get("bozo"):
        problem = result.get("bozo_exception")
        if not result.get("entries") and not result.get("version"):
            raise ConnectorError(f"{feed_url} is not an RSS or Atom feed: {problem}")
        if isinstance(problem, _BENIGN):
            logger.debug("feed %s: %s", feed_url, problem)
        else:
            logger.warning("feed %s is not well-formed, read anyway: %s", feed_url, problem)
    feed = result.get("feed") or {}
    site = urlsplit(_text(feed.get("link")) or feed_url).hostname or feed_url
    feed_author = _text(feed.get("author")) or _text(feed.get("title"))
    language = _text(feed.get("language"))
    parsed = Parsed()
    for position, entry in enumerate(result.get("entries") or []):
        ref = _text(entry.get("id")) or _text(entry.get("link")) or f"#{position}"
        parsed.take(
            f"entry {ref}",
            lambda raw: parse_entry(
                raw, site=site, feed_author=feed_author, feed_url=feed_url, language=language
            ),
            entry,
        )
    return parsed


@register
class RssConnector(Connector):
    kind: ClassVar[str] = "rss"
    channel: ClassVar[str] = Channel.RSS.value
    label: ClassVar[str] = "RSS / Atom feed"
    fields: ClassVar[tuple[ConfigField, ...]] = (
        ConfigField("url", "Feed address", help="The RSS or Atom feed's URL"),
    )

    @classmethod
    def check_config(cls, config: Mapping[str, Any]) -> dict[str, str]:
        problem = address_problem(config.get("url"), "https://blog.example/feed.xml")
        return {"url": problem} if problem else {}

    def __init__(self, config: Mapping[str, Any], secrets: Mapping[str, str], http: Http) -> None:
        super().__init__(config, secrets, http)
        refuse(self.check_config(config))
        self.url = str(config["url"]).strip()

    def fetch(self, cursor: Mapping[str, Any]) -> FetchPage:
        headers = {"Accept": "application/rss+xml, application/atom+xml, application/xml;q=0.9"}
        if cursor.get("etag"):
            headers["If-None-Match"] = str(cursor["etag"])
        if cursor.get("modified"):
            headers["If-Modified-Since"] = str(cursor["modified"])
        body, response_headers = self.http.get_bytes(self.url, headers=headers)
        if not body:  # 304 Not Modified (or an empty answer): nothing new
            return FetchPage([], dict(cursor))
        parsed = parse_feed(
            body, feed_url=self.url, content_type=header(response_headers, "content-type")
        )
        next_cursor = {
            "etag": header(response_headers, "etag"),
            "modified": header(response_headers, "last-modified"),
        }
        return FetchPage(
            parsed.items, {k: v for k, v in next_cursor.items() if v}, skipped=parsed.skipped
        )
