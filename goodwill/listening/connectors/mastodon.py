"""Mastodon: a hashtag timeline, the public timeline, or the account's mentions.

Endpoints (Mastodon REST API, v1):

- ``tag``: ``GET /api/v1/timelines/tag/:hashtag`` (public; a token is optional),
- ``public``: ``GET /api/v1/timelines/public`` (``local=true`` for this server only; some
  servers disable the public preview and then need a token),
- ``mentions``: ``GET /api/v1/notifications?types[]=mention`` (needs a user token with
  ``read:notifications``); each notification carries the status that mentions the account.

Cursor: every list comes newest first. A run reads the statuses newer than the ``since_id``
kept from the last run, newest first, following the ``Link`` header's ``rel="next"`` (whose
``max_id`` is the oldest id of the page) until a short page says nothing newer than
``since_id`` is left; then ``since_id`` becomes the newest id seen. While a sweep is under way
the cursor holds ``max_id`` (where to continue) and ``newest``, so a crash resumes the sweep.
The very first run reads only the newest page: a listening source starts from now, it does
not backfill a hashtag's whole history.

Identity: status and account ids are local to the server that answers, so a status is stored
as ``<server>:<id>`` (its reply target likewise) and an author by their full ``user@server``
address, which is the same on every server. The status HTML becomes plain text with links
kept as their text (:func:`~goodwill.listening.connectors.parsing.html_to_text`); the HTML
itself is kept in ``raw["html"]``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any, ClassVar
from urllib.parse import parse_qs, quote, urlsplit

from goodwill.core import Channel
from goodwill.importing import BadValue, count_value, text_value
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
    iso_time,
    item_ref,
    refuse,
)
from goodwill.listening.types import MessageItem

TIMELINES = ("tag", "public", "mentions")
DEFAULT_LIMIT = 40  # the API's maximum for statuses
ID_LENGTH = 255
_LINK = re.compile(r"<([^>]*)>\s*;\s*rel=\"?([^\";,]+)\"?")


def id_key(value: str) -> tuple[int, str]:
    """Order Mastodon ids: numeric strings of any length, or fixed-width flake ids."""
    return (len(value), value)


def newest_id(ids: list[str], current: str = "") -> str:
    candidates = [i for i in [*ids, current] if i]
    return max(candidates, key=id_key) if candidates else ""


def link_targets(headers: Mapping[str, str]) -> dict[str, str]:
    """``rel`` -> URL from an RFC 8288 ``Link`` header (``rel="next"``, ``rel="prev"``)."""
    value = header(headers, "link")
    return {rel.strip().lower(): url for url, rel in _LINK.findall(value)}


def next_max_id(headers: Mapping[str, str]) -> str:
    """The ``max_id`` of the ``rel="next"`` link (the older page), or '' when there is none."""
    url = link_targets(headers).get("next")
    if not url:
        return ""
    values = parse_qs(urlsplit(url).query).get("max_id")
    return values[0] if values else ""


def full_acct(acct: str, server: str) -> str:
    """``user@server`` for a local account's bare ``user``; remote ones already have it."""
    return acct if "@" in acct else f"{acct}@{server}"


def parse_status(raw: Mapping[str, Any], *, server: str, own_account: str = "") -> MessageItem:
    """A Mastodon Status entity as a MessageItem; raises BadValue naming the field."""
    status_id = text_value(raw, "id", required=True, max_length=ID_LENGTH - len(server) - 1)
    if isinstance(raw.get("reblog"), Mapping):
        raise BadValue("reblog", "a boost of another status, not new words")
    account = raw.get("account")
    if not isinstance(account, Mapping):
        raise BadValue("account", "missing")
    try:
        acct = text_value(account, "acct", required=True, max_length=ID_LENGTH)
        followers = count_value(account, "followers_count", maximum=2**63 - 1)
        display_name = text_value(account, "display_name", max_length=255)
        account_id = text_value(account, "id", max_length=ID_LENGTH)
        account_url = text_value(account, "url", max_length=2048)
    except BadValue as exc:
        raise BadValue(f"account.{exc.field}", exc.error) from None
    author = full_acct(acct, server)
    html = raw.get("content")
    if html is None:
        html = ""
    if not isinstance(html, str):
        raise BadValue("content", f"must be a string, not {type(html).__name__}")
    text = html_to_text(html)
    spoiler = raw.get("spoiler_text")
    if isinstance(spoiler, str) and spoiler.strip():
        text = f"CW: {spoiler.strip()}\n\n{text}".strip()
    if not text:
        raise BadValue("content", "empty (a post with only media has no text to read)")
    reply_to = text_value(raw, "in_reply_to_id", max_length=ID_LENGTH)
    language = raw.get("language")
    extra: dict[str, Any] = {
        "id": status_id,
        "uri": text_value(raw, "uri", max_length=2048),
        "account_id": account_id,
        "account_url": account_url,
        "visibility": text_value(raw, "visibility", max_length=32),
        "html": html,
    }
    return MessageItem(
        channel=Channel.MASTODON.value,
        external_id=f"{server}:{status_id}",
        author_id=author,
        author_handle=author,
        author_name=display_name,
        created_at=iso_time(raw.get("created_at"), "created_at"),
        text=text,
        url=text_value(raw, "url", max_length=2048) or extra["uri"],
        in_reply_to=f"{server}:{reply_to}" if reply_to else "",
        likes=count_value(raw, "favourites_count") or 0,
        shares=count_value(raw, "reblogs_count") or 0,
        replies=count_value(raw, "replies_count") or 0,
        followers=followers,
        language=language[:16] if isinstance(language, str) else "",
        is_from_company=bool(own_account) and author.lower() == own_account.lower(),
        raw={k: v for k, v in extra.items() if v},
    )


def parse_page(
    payload: Any, *, server: str, mentions: bool, own_account: str = ""
) -> tuple[Parsed, list[str]]:
    """The items of one page (statuses, or mention notifications) and every entry id on it
    (skipped entries' ids too: the cursor moves past them)."""
    if not isinstance(payload, list):
        raise ConnectorError(
            f"Mastodon answered with {type(payload).__name__}, expected a list of "
            + ("notifications" if mentions else "statuses")
        )
    parsed = Parsed()
    ids: list[str] = []
    kind = "notification" if mentions else "status"
    for position, entry in enumerate(payload):
        ref = item_ref(kind, entry, "id", position)
        if isinstance(entry, Mapping) and isinstance(entry.get("id"), str | int):
            ids.append(str(entry["id"]))
        if not mentions:
            parsed.take(
                ref, lambda raw: parse_status(raw, server=server, own_account=own_account), entry
            )
            continue
        if not isinstance(entry, Mapping):
            parsed.skip(ref, f"not an object ({type(entry).__name__})")
            continue
        if entry.get("type") != "mention":
            parsed.skip(ref, f"field 'type': {entry.get('type')!r} is not a mention")
            continue
        status = entry.get("status")
        if not isinstance(status, Mapping):
            parsed.skip(ref, "field 'status': missing (the status may have been deleted)")
            continue
        parsed.take(
            f"{ref} (status {status.get('id', '?')})",
            lambda raw: parse_status(raw, server=server, own_account=own_account),
            status,
        )
    return parsed, ids


def _flag(value: Any) -> bool:
    return str(value).strip().lower() in ("1", "true", "yes", "on")


@register
class MastodonConnector(Connector):
    kind: ClassVar[str] = "mastodon"
    channel: ClassVar[str] = Channel.MASTODON.value
    label: ClassVar[str] = "Mastodon"
    fields: ClassVar[tuple[ConfigField, ...]] = (
        ConfigField(
            "base_url", "Server", help="The Mastodon server to ask, like https://mastodon.social"
        ),
        ConfigField(
            "timeline",
            "Timeline",
            help="tag (a hashtag), public (the server's public timeline) or mentions",
            default="tag",
        ),
        ConfigField("hashtag", "Hashtag", required=False, help="For the tag timeline, without #"),
        ConfigField(
            "local",
            "Local only",
            required=False,
            help="true: only posts from this server (tag and public timelines)",
            default="false",
        ),
        ConfigField(
            "own_account",
            "Company account",
            required=False,
            help="Your account as user@server: its posts are stored as the company's",
        ),
        ConfigField(
            "access_token",
            "Access token",
            required=False,
            secret=True,
            help="Needed for mentions (read:notifications), optional for public timelines",
        ),
    )

    @classmethod
    def check_config(cls, config: Mapping[str, Any]) -> dict[str, str]:
        problems: dict[str, str] = {}
        if problem := address_problem(config.get("base_url"), "https://mastodon.social"):
            problems["base_url"] = problem
        timeline = str(config.get("timeline") or "tag").strip().lower()
        if timeline not in TIMELINES:
            problems["timeline"] = f"{timeline!r} is not one of {', '.join(TIMELINES)}"
        if timeline == "tag" and not str(config.get("hashtag") or "").strip().lstrip("#"):
            problems["hashtag"] = "required for the tag timeline"
        return problems

    def __init__(self, config: Mapping[str, Any], secrets: Mapping[str, str], http: Http) -> None:
        super().__init__(config, secrets, http)
        problems = self.check_config(config)
        self.token = str(secrets.get("access_token") or "")
        self.timeline = str(config.get("timeline") or "tag").strip().lower()
        if self.timeline == "mentions" and not self.token:
            problems["access_token"] = "required for the mentions timeline"
        refuse(problems)
        self.base_url = str(config["base_url"]).strip().rstrip("/")
        parts = urlsplit(self.base_url)
        self.server = (parts.hostname or parts.netloc).lower()
        if parts.port and parts.port not in (80, 443):
            self.server = f"{self.server}:{parts.port}"
        self.hashtag = str(config.get("hashtag") or "").strip().lstrip("#")
        self.local = _flag(config.get("local", ""))
        self.own_account = str(config.get("own_account") or "").strip().lstrip("@")

    def _request(self) -> tuple[str, dict[str, Any]]:
        params: dict[str, Any] = {"limit": DEFAULT_LIMIT}
        if self.timeline == "tag":
            path = f"/api/v1/timelines/tag/{quote(self.hashtag, safe='')}"
        elif self.timeline == "public":
            path = "/api/v1/timelines/public"
        else:
            path = "/api/v1/notifications"
            params["types[]"] = "mention"
        if self.local and self.timeline != "mentions":
            params["local"] = "true"
        return self.base_url + path, params

    def fetch(self, cursor: Mapping[str, Any]) -> FetchPage:
        since = str(cursor.get("since_id") or "")
        max_id = str(cursor.get("max_id") or "")
        url, params = self._request()
        if since:
            params["since_id"] = since
        if max_id:
            params["max_id"] = max_id
        headers = {"Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        body, response_headers = self.http.get_bytes(url, params=params, headers=headers)
        try:
            payload = json.loads(body or b"[]")
        except ValueError as exc:
            raise ConnectorError(
                f"Mastodon answered with something that is not JSON: {exc}"
            ) from exc
        parsed, ids = parse_page(
            payload,
            server=self.server,
            mentions=self.timeline == "mentions",
            own_account=self.own_account,
        )
        newest = newest_id(ids, str(cursor.get("newest") or ""))
        older = next_max_id(response_headers)
        if since and older and len(ids) >= DEFAULT_LIMIT:
            # More statuses newer than since_id wait on older pages: continue the sweep.
            next_cursor: dict[str, Any] = {"since_id": since, "max_id": older, "newest": newest}
            return FetchPage(parsed.items, next_cursor, more=True, skipped=parsed.skipped)
        return FetchPage(
            parsed.items, {"since_id": newest or since}, more=False, skipped=parsed.skipped
        )
