"""Bluesky: AT Protocol post search (``app.bsky.feed.searchPosts``).

``GET {host}/xrpc/app.bsky.feed.searchPosts?q=...&sort=latest&limit=...&cursor=...`` returns
``{"posts": [postView, ...], "cursor": "..."}``, newest first. The public AppView
(``https://public.api.bsky.app``) answers without logging in; with an ``identifier`` and an app
password the connector first opens a session (``POST {pds}/xrpc/com.atproto.server.createSession``
with ``{"identifier", "password"}``) and sends its ``accessJwt`` as a bearer token to the PDS,
which forwards the search. The password and the token are never put in a cursor or a URL.

A post view becomes a message: the post's ``at://`` URI is its external id (global, so the
same post found by two searches is stored once), its author is the account's DID (stable
across handle changes) with the handle and display name, the text is ``record.text`` verbatim,
and ``record.reply.parent.uri`` is what it answers.

Cursor: a run reads the posts newer than the newest ``indexedAt`` of the last run (passed as
``since``), newest first, following the API ``cursor`` until a page reaches that time or the
API has no more; then the newest ``indexedAt`` seen becomes the new mark. While paging the
cursor keeps the API cursor (``page``) and the sweep's ``newest``. The first run reads only
the newest page.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar

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
    iso_time,
    item_ref,
    refuse,
    utc_iso,
)
from goodwill.listening.types import MessageItem

PUBLIC_HOST = "https://public.api.bsky.app"
DEFAULT_PDS = "https://bsky.social"
DEFAULT_LIMIT = 100  # the lexicon's maximum
ID_LENGTH = 255
WEB_URL = "https://bsky.app/profile/{handle}/post/{rkey}"


def _nested(raw: Mapping[str, Any], *path: str) -> Any:
    value: Any = raw
    for key in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def parse_post(raw: Mapping[str, Any], *, own_did: str = "") -> MessageItem:
    """An ``app.bsky.feed.defs#postView`` as a MessageItem; raises BadValue naming the field."""
    uri = text_value(raw, "uri", required=True, max_length=ID_LENGTH)
    if not uri.startswith("at://"):
        raise BadValue("uri", f"{uri!r} is not an at:// URI")
    author = raw.get("author")
    if not isinstance(author, Mapping):
        raise BadValue("author", "missing")
    try:
        did = text_value(author, "did", required=True, max_length=ID_LENGTH)
        handle = text_value(author, "handle", max_length=ID_LENGTH) or did
        name = text_value(author, "displayName", max_length=255)
    except BadValue as exc:
        raise BadValue(f"author.{exc.field}", exc.error) from None
    record = raw.get("record")
    if not isinstance(record, Mapping):
        raise BadValue("record", "missing")
    text = record.get("text")
    if not isinstance(text, str):
        raise BadValue("record.text", "missing" if text is None else "must be a string")
    if not text.strip():
        raise BadValue("record.text", "empty (a post with only media has no text to read)")
    created_at = iso_time(record.get("createdAt"), "record.createdAt")
    parent = _nested(record, "reply", "parent", "uri")
    if parent is not None and not isinstance(parent, str):
        raise BadValue("record.reply.parent.uri", "must be a string")
    langs = record.get("langs")
    language = langs[0] if isinstance(langs, list) and langs and isinstance(langs[0], str) else ""
    rkey = uri.rstrip("/").rsplit("/", 1)[-1]
    indexed = raw.get("indexedAt")
    extra = {
        "cid": text_value(raw, "cid", max_length=255),
        "indexed_at": indexed if isinstance(indexed, str) else "",
        "quotes": count_value(raw, "quoteCount") or 0,
    }
    return MessageItem(
        channel=Channel.BLUESKY.value,
        external_id=uri,
        author_id=did,
        author_handle=handle,
        author_name=name,
        created_at=created_at,
        text=text,  # verbatim
        url=WEB_URL.format(handle=handle, rkey=rkey) if "/app.bsky.feed.post/" in uri else "",
        in_reply_to=(parent or "")[:ID_LENGTH],
        likes=count_value(raw, "likeCount") or 0,
        shares=count_value(raw, "repostCount") or 0,
        replies=count_value(raw, "replyCount") or 0,
        language=language[:16],
        is_from_company=bool(own_did) and did == own_did,
        raw={k: v for k, v in extra.items() if v},
    )


def parse_search(payload: Any, *, own_did: str = "") -> tuple[Parsed, list[datetime], str]:
    """Items of one searchPosts page, the ``indexedAt`` times on it, and the API cursor."""
    if not isinstance(payload, Mapping) or not isinstance(payload.get("posts"), list):
        raise ConnectorError("Bluesky answered without a 'posts' list (app.bsky.feed.searchPosts)")
    parsed = Parsed()
    indexed: list[datetime] = []
    for position, post in enumerate(payload["posts"]):
        if isinstance(post, Mapping):
            with contextlib.suppress(BadValue):
                indexed.append(iso_time(post.get("indexedAt"), "indexedAt"))
        parsed.take(
            item_ref("post", post, "uri", position),
            lambda raw: parse_post(raw, own_did=own_did),
            post,
        )
    api_cursor = payload.get("cursor")
    return parsed, indexed, api_cursor if isinstance(api_cursor, str) else ""


@register
class BlueskyConnector(Connector):
    kind: ClassVar[str] = "bluesky"
    channel: ClassVar[str] = Channel.BLUESKY.value
    label: ClassVar[str] = "Bluesky"
    fields: ClassVar[tuple[ConfigField, ...]] = (
        ConfigField("query", "Search", help="Words, #hashtags or @handles to search for"),
        ConfigField(
            "host",
            "AppView",
            required=False,
            help="Where to search without logging in",
            default=PUBLIC_HOST,
        ),
        ConfigField(
            "identifier",
            "Account",
            required=False,
            help="Handle or DID to log in with (with an app password); searches then go "
            "through the account's server",
        ),
        ConfigField(
            "pds_host",
            "Account server",
            required=False,
            help="The logged-in account's server (PDS)",
            default=DEFAULT_PDS,
        ),
        ConfigField(
            "own_did",
            "Company DID",
            required=False,
            help="Your account's DID: its posts are stored as the company's",
        ),
        ConfigField(
            "app_password",
            "App password",
            required=False,
            secret=True,
            help="An app password (Settings > App passwords), never the account password",
        ),
    )

    @classmethod
    def check_config(cls, config: Mapping[str, Any]) -> dict[str, str]:
        problems: dict[str, str] = {}
        if not str(config.get("query") or "").strip():
            problems["query"] = "required"
        for name, default in (("host", PUBLIC_HOST), ("pds_host", DEFAULT_PDS)):
            if config.get(name) and (problem := address_problem(config[name], default)):
                problems[name] = problem
        return problems

    def __init__(self, config: Mapping[str, Any], secrets: Mapping[str, str], http: Http) -> None:
        super().__init__(config, secrets, http)
        problems = self.check_config(config)
        self.identifier = str(config.get("identifier") or "").strip()
        self.password = str(secrets.get("app_password") or "")
        if self.identifier and not self.password:
            problems["app_password"] = "required when an identifier is set"
        refuse(problems)
        self.query = str(config["query"]).strip()
        self.host = str(config.get("host") or PUBLIC_HOST).strip().rstrip("/")
        self.pds_host = str(config.get("pds_host") or DEFAULT_PDS).strip().rstrip("/")
        self.own_did = str(config.get("own_did") or "").strip()
        self._access_jwt = ""

    def _login(self) -> str:
        if not self._access_jwt:
            session = self.http.post(
                f"{self.pds_host}/xrpc/com.atproto.server.createSession",
                json={"identifier": self.identifier, "password": self.password},
            )
            token = session.get("accessJwt") if isinstance(session, Mapping) else None
            if not isinstance(token, str) or not token:
                raise ConnectorError("createSession answered without an accessJwt")
            self._access_jwt = token
        return self._access_jwt

    def fetch(self, cursor: Mapping[str, Any]) -> FetchPage:
        since_text = str(cursor.get("since") or "")
        since = iso_time(since_text, "since") if since_text else None
        page = str(cursor.get("page") or "")
        params: dict[str, Any] = {"q": self.query, "sort": "latest", "limit": DEFAULT_LIMIT}
        if since_text:
            params["since"] = since_text
        if page:
            params["cursor"] = page
        headers = {"Accept": "application/json"}
        host = self.host
        if self.identifier:
            headers["Authorization"] = f"Bearer {self._login()}"
            host = self.pds_host
        payload = self.http.get_json(
            f"{host}/xrpc/app.bsky.feed.searchPosts", params=params, headers=headers
        )
        parsed, indexed, api_cursor = parse_search(payload, own_did=self.own_did)
        seen = [*indexed]
        if cursor.get("newest"):
            seen.append(iso_time(str(cursor["newest"]), "newest"))
        newest = utc_iso(max(seen)) if seen else since_text
        reached_mark = since is not None and bool(indexed) and min(indexed) <= since
        if since is not None and api_cursor and indexed and not reached_mark:
            next_cursor: dict[str, Any] = {
                "since": since_text,
                "page": api_cursor,
                "newest": newest,
            }
            return FetchPage(parsed.items, next_cursor, more=True, skipped=parsed.skipped)
        return FetchPage(parsed.items, {"since": newest}, more=False, skipped=parsed.skipped)
