"""Trustpilot: a business unit's public reviews.

``GET {base}/v1/business-units/{businessUnitId}/reviews?perPage=100&orderBy=createdat.desc&page=N``
with the API key in the ``apikey`` header (Trustpilot also takes it as a query parameter, but
then it would sit in every logged URL). The answer is ``{"reviews": [...], "links": [{"rel":
"next-page", "href": ...}, ...]}``; a review has ``id``, ``stars`` (1-5), ``title``, ``text``,
``language``, ``createdAt`` and ``consumer{id, displayName}``.

A review becomes a message on the ``review`` channel: the title and the text (both verbatim)
are its text, the consumer is its author, and the star rating is kept in ``raw["rating"]`` and
as a ``rating`` label with origin ``review`` (the author's own judgement, which evaluation can
compare with Goodwill's sentiment). A review whose stars are not 1-5 is skipped with the reason.

Cursor: a run reads the newest reviews first, page after page (the page number of the
``next-page`` link), until a page reaches the newest ``createdAt`` of the last run or there is
no next page; then that mark moves to the newest review seen. A review that slides to the next
page while paging is read twice and stored once. The first run reads only the newest page.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar
from urllib.parse import parse_qs, quote, urlsplit

from goodwill.core import Channel
from goodwill.importing import BadValue, text_value
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
    iso_time,
    item_ref,
    rating_label,
    rating_value,
    refuse,
    review_text,
    utc_iso,
)
from goodwill.listening.types import MessageItem

DEFAULT_BASE = "https://api.trustpilot.com"
PER_PAGE = 100
ID_LENGTH = 255
REVIEW_URL = "https://www.trustpilot.com/reviews/{id}"


def parse_review(raw: Mapping[str, Any]) -> MessageItem:
    """A Trustpilot review object as a MessageItem; raises BadValue naming the field."""
    review_id = text_value(raw, "id", required=True, max_length=ID_LENGTH)
    stars = rating_value(raw, "stars")
    consumer = raw.get("consumer")
    if not isinstance(consumer, Mapping):
        raise BadValue("consumer", "missing")
    try:
        consumer_id = text_value(consumer, "id", required=True, max_length=ID_LENGTH)
        name = text_value(consumer, "displayName", max_length=255)
    except BadValue as exc:
        raise BadValue(f"consumer.{exc.field}", exc.error) from None
    title = raw.get("title") or ""
    body = raw.get("text") or ""
    for field_name, value in (("title", title), ("text", body)):
        if not isinstance(value, str):
            raise BadValue(field_name, f"must be a string, not {type(value).__name__}")
    text = review_text(title, body)
    if not text.strip():
        raise BadValue("text", "empty (no title and no text)")
    return MessageItem(
        channel=Channel.REVIEW.value,
        external_id=f"trustpilot:{review_id}",
        author_id=f"trustpilot:{consumer_id}",
        author_handle=name or consumer_id,
        author_name=name,
        created_at=iso_time(raw.get("createdAt"), "createdAt"),
        text=text,
        url=REVIEW_URL.format(id=quote(review_id, safe="")),
        language=text_value(raw, "language", max_length=16),
        raw={"rating": stars, "platform": "trustpilot", "review_id": review_id},
        labels=[rating_label(stars)],
    )


def next_page(payload: Mapping[str, Any]) -> int | None:
    """The page number of the ``next-page`` link, or None when this is the last page."""
    links = payload.get("links")
    if not isinstance(links, list):
        return None
    for link in links:
        if isinstance(link, Mapping) and link.get("rel") == "next-page":
            href = link.get("href")
            if not isinstance(href, str):
                return None
            pages = parse_qs(urlsplit(href).query).get("page")
            if pages and pages[0].isdigit():
                return int(pages[0])
    return None


def parse_reviews(payload: Any) -> tuple[Parsed, list[datetime], int | None]:
    """Items of one reviews page, the ``createdAt`` times on it, and the next page number."""
    if not isinstance(payload, Mapping) or not isinstance(payload.get("reviews"), list):
        raise ConnectorError("Trustpilot answered without a 'reviews' list")
    parsed = Parsed()
    times: list[datetime] = []
    for position, review in enumerate(payload["reviews"]):
        item = parsed.take(item_ref("review", review, "id", position), parse_review, review)
        if item is not None:
            times.append(item.created_at)
        elif isinstance(review, Mapping):
            with contextlib.suppress(BadValue):
                times.append(iso_time(review.get("createdAt"), "createdAt"))
    return parsed, times, next_page(payload)


@register
class TrustpilotConnector(Connector):
    kind: ClassVar[str] = "trustpilot"
    channel: ClassVar[str] = Channel.REVIEW.value
    label: ClassVar[str] = "Trustpilot reviews"
    fields: ClassVar[tuple[ConfigField, ...]] = (
        ConfigField(
            "business_unit_id",
            "Business unit id",
            help="Your Trustpilot business unit id (find it with /v1/business-units/find)",
        ),
        ConfigField(
            "base_url", "API address", required=False, default=DEFAULT_BASE, help="Rarely changed"
        ),
        ConfigField("apikey", "API key", secret=True, help="The Trustpilot API key"),
    )

    @classmethod
    def check_config(cls, config: Mapping[str, Any]) -> dict[str, str]:
        problems: dict[str, str] = {}
        if not str(config.get("business_unit_id") or "").strip():
            problems["business_unit_id"] = "required"
        if config.get("base_url") and (
            problem := address_problem(config["base_url"], DEFAULT_BASE)
        ):
            problems["base_url"] = problem
        return problems

    def __init__(self, config: Mapping[str, Any], secrets: Mapping[str, str], http: Http) -> None:
        super().__init__(config, secrets, http)
        problems = self.check_config(config)
        self.apikey = str(secrets.get("apikey") or "")
        if not self.apikey:
            problems["apikey"] = "required"
        refuse(problems)
        self.unit = str(config["business_unit_id"]).strip()
        self.base_url = str(config.get("base_url") or DEFAULT_BASE).strip().rstrip("/")

    def fetch(self, cursor: Mapping[str, Any]) -> FetchPage:
        since_text = str(cursor.get("since") or "")
        since = iso_time(since_text, "since") if since_text else None
        page = int(cursor.get("page") or 1)
        payload = self.http.get_json(
            f"{self.base_url}/v1/business-units/{quote(self.unit, safe='')}/reviews",
            params={"perPage": PER_PAGE, "orderBy": "createdat.desc", "page": page},
            headers={"apikey": self.apikey, "Accept": "application/json"},
        )
        parsed, times, following = parse_reviews(payload)
        seen = [*times]
        if cursor.get("newest"):
            seen.append(iso_time(str(cursor["newest"]), "newest"))
        newest = utc_iso(max(seen)) if seen else since_text
        reached_mark = since is not None and bool(times) and min(times) <= since
        if since is not None and following and times and not reached_mark:
            next_cursor: dict[str, Any] = {"since": since_text, "page": following, "newest": newest}
            return FetchPage(parsed.items, next_cursor, more=True, skipped=parsed.skipped)
        return FetchPage(parsed.items, {"since": newest}, more=False, skipped=parsed.skipped)
