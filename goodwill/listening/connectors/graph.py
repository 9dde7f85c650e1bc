"""Facebook Page and Instagram comments through Meta's Graph API.

Two pull connectors share this module:

- ``facebook_page``: ``GET /{version}/{page-id}/feed`` with the posts' comments and their
  replies nested in the same request (``comments{..., comments{...}}``; Facebook comments are
  at most two levels deep). Further comment pages of a busy post are read from
  ``/{post-id}/comments``, and replies beyond the first 100 nested in a comment from
  ``/{comment-id}/comments``, following that edge's paging. Posts written by visitors are
  messages too; the Page's own posts are not (they are the company's broadcast, not a
  customer speaking), but the Page's own replies to comments are stored as company messages
  so conversations read in full.
- ``instagram``: ``GET /{version}/{ig-user-id}/media``, then ``/{media-id}/comments`` with
  ``id,text,timestamp,username,like_count,from,replies{...}`` for each media that has comments.

Threading: a top-level comment starts its own conversation (``in_reply_to`` is empty and the
post or media id is kept in ``raw``); a reply points at the comment it answers. Otherwise
every comment under a popular post would fold into one giant conversation. A comment on a
visitor's post answers that post.

Cursor: each run sweeps the posts (media) created in the last ``lookback_days`` from newest to
oldest, one Graph page per ``fetch``; the cursor holds the sweep's fixed ``since`` and the
``after`` token of the next page, and is emptied when the sweep ends so the next run starts a
fresh sweep. Re-reading a comment is harmless: ingest reports it unchanged, or updated when its
like count moved. Comments on older posts arrive through the Graph webhook
(``goodwill.hooks``). Pagination uses ``paging.cursors.after`` rather than following
``paging.next``, because ``next`` URLs embed the access token, which must never be logged.

The access token is sent in an ``Authorization: Bearer`` header, never in the URL. Graph
errors (``{"error": {"message", "type", "code"}}``) are mapped by :func:`raise_for_error`:
throttling codes become :class:`RateLimited`, temporary ones :class:`TransientError`, the
rest (expired token, missing permission, unknown id) :class:`ConnectorError`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from goodwill.core import Channel
from goodwill.importing import BadValue, count_value, text_value
from goodwill.listening.connectors.base import (
    ConfigField,
    Connector,
    ConnectorError,
    FetchPage,
    RateLimited,
    Skipped,
    TransientError,
    register,
)
from goodwill.listening.connectors.http import HttpStatusError
from goodwill.listening.types import MessageItem

GRAPH_BASE_URL = "https://graph.facebook.com"
DEFAULT_VERSION = "v21.0"
_VERSION = re.compile(r"v\d+\.\d+")
ID_LENGTH = 255

# Graph error codes that mean "slow down": 4 app-level, 17 user-level, 32 page-level,
# 613 custom-level throttling, 80001/80002 business-use-case limits (Pages / Instagram).
RATE_LIMIT_CODES = frozenset({4, 17, 32, 613, 80001, 80002})
# Codes Meta documents as temporary ("retry later"): 1 unknown error, 2 service unavailable.
TRANSIENT_CODES = frozenset({1, 2})
# How long to wait on a throttling error that comes without a usage header saying so.
DEFAULT_RATE_LIMIT_WAIT = timedelta(minutes=15)

COMMENT_FIELDS = "id,message,created_time,from,like_count,comment_count,permalink_url,parent{id}"
FEED_FIELDS = (
    "id,message,created_time,from,permalink_url,"
    f"comments.limit(100){{{COMMENT_FIELDS},comments.limit(100){{{COMMENT_FIELDS}}}}}"
)
IG_MEDIA_FIELDS = "id,caption,timestamp,permalink,username,comments_count"
IG_REPLY_FIELDS = "id,text,timestamp,username,like_count,from,parent_id"
IG_COMMENT_FIELDS = f"id,text,timestamp,username,like_count,from,replies{{{IG_REPLY_FIELDS}}}"


def _now() -> datetime:
    return datetime.now(UTC)


# --- errors ----------------------------------------------------------------------------------


def raise_for_error(
    payload: Any, *, headers: Mapping[str, str] | None = None, now: datetime | None = None
) -> None:
    """Raise the connector exception a Graph error object stands for; return if there is none.

    ``headers`` may carry ``X-Business-Use-Case-Usage`` (or ``X-App-Usage``), whose
    ``estimated_time_to_regain_access`` (minutes) sets when a throttled source may try again.
    """
    if not isinstance(payload, Mapping) or "error" not in payload:
        return
    error = payload["error"]
    if not isinstance(error, Mapping):
        raise ConnectorError(f"Graph API error: {error!r}")
    code = error.get("code")
    message = str(error.get("message") or "no message")
    kind = str(error.get("type") or "")
    text = (
        f"Graph API error {code} ({kind}): {message}"
        if kind
        else f"Graph API error {code}: {message}"
    )
    if code in RATE_LIMIT_CODES:
        moment = now or _now()
        raise RateLimited(moment + _regain_access_after(headers), text)
    if code in TRANSIENT_CODES or error.get("is_transient") is True:
        raise TransientError(text)
    raise ConnectorError(text)


def _regain_access_after(headers: Mapping[str, str] | None) -> timedelta:
    if not headers:
        return DEFAULT_RATE_LIMIT_WAIT
    lowered = {k.lower(): v for k, v in headers.items()}
    minutes = 0
    for name in ("x-business-use-case-usage", "x-app-usage", "x-page-usage"):
        if name not in lowered:
            continue
        try:
            usage = json.loads(lowered[name])
        except ValueError:
            continue
        minutes = max(minutes, _max_regain(usage))
    return timedelta(minutes=minutes) if minutes > 0 else DEFAULT_RATE_LIMIT_WAIT


def _max_regain(usage: Any) -> int:
    """The largest ``estimated_time_to_regain_access`` anywhere in a usage header's JSON."""
    if isinstance(usage, Mapping):
        found = usage.get("estimated_time_to_regain_access", 0)
        best = found if isinstance(found, int) and not isinstance(found, bool) else 0
        return max([best, *(_max_regain(v) for v in usage.values())])
    if isinstance(usage, list):
        return max((_max_regain(v) for v in usage), default=0)
    return 0


# --- parsing ---------------------------------------------------------------------------------


class BadItem(ValueError):
    """A Graph object that cannot become a message; the message says which field and why."""


def graph_time(value: Any, name: str) -> datetime:
    """A Graph time: ISO 8601 like ``2024-05-01T13:45:00+0000`` or, in webhooks, unix seconds."""
    if isinstance(value, bool):
        raise BadValue(name, f"{value!r} is not a time")
    if isinstance(value, int | float):
        try:
            return datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):
            raise BadValue(name, f"{value!r} is not a unix time") from None
    if not isinstance(value, str) or not value.strip():
        raise BadValue(name, "missing")
    text = value.strip()
    for graph_format in ("%Y-%m-%dT%H:%M:%S%z", None):
        try:
            if graph_format:
                moment = datetime.strptime(text, graph_format)
            else:
                moment = datetime.fromisoformat(text)
        except ValueError:
            continue
        if moment.tzinfo is not None:
            return moment
    raise BadValue(name, f"{value!r} is not a Graph time (like 2024-05-01T13:45:00+0000)")


def _author(raw: Mapping[str, Any]) -> tuple[str, str, str]:
    """(id, handle, name) of a Graph ``from`` object (Facebook: id, name; Instagram: id,
    username)."""
    sender = raw.get("from")
    if not isinstance(sender, Mapping):
        raise BadValue("from", "missing (the token may lack permission to see who wrote this)")
    author_id = text_value(sender, "id", required=True, max_length=ID_LENGTH)
    name = text_value(sender, "name", max_length=255)
    handle = text_value(sender, "username", max_length=ID_LENGTH) or name or author_id
    return author_id, handle, name


def _message_text(raw: Mapping[str, Any], name: str) -> str:
    value = raw.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BadValue(name, f"must be a string, not {type(value).__name__}")
    return value  # verbatim


def _item_ref(raw: Any, fallback: str) -> str:
    if isinstance(raw, Mapping) and isinstance(raw.get("id"), str | int):
        return str(raw["id"])
    return fallback


def parse_facebook_comment(
    raw: Mapping[str, Any], *, page_id: str, post_id: str, answers_post: bool = False
) -> MessageItem:
    """A Facebook comment (``/{post-id}/comments`` shape) as a MessageItem.

    A reply (``parent.id`` set) answers its parent comment; a top-level comment answers the
    post only when ``answers_post`` (a visitor's post, itself a message).
    """
    comment_id = text_value(raw, "id", required=True, max_length=ID_LENGTH)
    author_id, handle, name = _author(raw)
    text = _message_text(raw, "message")
    if not text.strip():
        raise BadValue("message", "empty (a sticker or photo comment has no text to read)")
    parent = raw.get("parent")
    parent_id = (
        text_value(parent, "id", max_length=ID_LENGTH) if isinstance(parent, Mapping) else ""
    )
    in_reply_to = parent_id or (post_id if answers_post else "")
    return MessageItem(
        channel=Channel.FACEBOOK.value,
        external_id=comment_id,
        author_id=author_id,
        author_handle=handle,
        author_name=name,
        created_at=graph_time(raw.get("created_time"), "created_time"),
        text=text,
        url=text_value(raw, "permalink_url", max_length=2048),
        in_reply_to=in_reply_to,
        likes=count_value(raw, "like_count") or 0,
        replies=count_value(raw, "comment_count") or 0,
        is_from_company=author_id == page_id,
        raw={"post_id": post_id, "kind": "comment"},
    )


def parse_facebook_post(raw: Mapping[str, Any], *, page_id: str) -> MessageItem:
    """A visitor's post on the Page's feed as a MessageItem."""
    post_id = text_value(raw, "id", required=True, max_length=ID_LENGTH)
    author_id, handle, name = _author(raw)
    text = _message_text(raw, "message")
    if not text.strip():
        raise BadValue("message", "empty (a post without text)")
    return MessageItem(
        channel=Channel.FACEBOOK.value,
        external_id=post_id,
        author_id=author_id,
        author_handle=handle,
        author_name=name,
        created_at=graph_time(raw.get("created_time"), "created_time"),
        text=text,
        url=text_value(raw, "permalink_url", max_length=2048),
        is_from_company=author_id == page_id,
        raw={"post_id": post_id, "kind": "post"},
    )


def parse_instagram_comment(
    raw: Mapping[str, Any],
    *,
    media_id: str,
    owner_id: str,
    owner_username: str = "",
    media_url: str = "",
    parent_id: str = "",
) -> MessageItem:
    """An Instagram comment (``/{media-id}/comments`` or a ``replies`` entry) as a MessageItem.

    The author is ``from.id`` (the Instagram-scoped id, stable across renames) when Graph
    gives it, else the username. A comment by the business account itself is a company message.
    """
    comment_id = text_value(raw, "id", required=True, max_length=ID_LENGTH)
    username = text_value(raw, "username", max_length=ID_LENGTH)
    sender = raw.get("from")
    if isinstance(sender, Mapping):
        author_id = text_value(sender, "id", max_length=ID_LENGTH)
        username = username or text_value(sender, "username", max_length=ID_LENGTH)
    else:
        author_id = ""
    if not username and not author_id:
        raise BadValue("username", "missing (no username and no from.id)")
    author_id = author_id or username
    text = _message_text(raw, "text")
    if not text.strip():
        raise BadValue("text", "empty")
    parent = text_value(raw, "parent_id", max_length=ID_LENGTH) or parent_id
    return MessageItem(
        channel=Channel.INSTAGRAM.value,
        external_id=comment_id,
        author_id=author_id,
        author_handle=username or author_id,
        created_at=graph_time(raw.get("timestamp"), "timestamp"),
        text=text,
        url=media_url,
        in_reply_to=parent,
        likes=count_value(raw, "like_count") or 0,
        is_from_company=author_id == owner_id
        or bool(owner_username and username == owner_username),
        raw={"media_id": media_id, "kind": "comment"},
    )


@dataclass
class Parsed:
    """Items parsed from one Graph response, and what was left out with the reason."""

    items: list[MessageItem] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    def take(
        self,
        ref: str,
        parse: Callable[..., MessageItem],
        raw: Mapping[str, Any],
        **context: Any,
    ) -> MessageItem | None:
        try:
            item = parse(raw, **context)
        except BadValue as exc:
            self.skipped.append(Skipped(ref=ref, reason=f"field {exc.field!r}: {exc.error}"))
            return None
        self.items.append(item)
        return item

    def extend(self, other: Parsed) -> None:
        self.items.extend(other.items)
        self.skipped.extend(other.skipped)


def data_list(payload: Any, what: str) -> list[Any]:
    """The ``data`` list of a Graph edge response; a ConnectorError when the shape is wrong."""
    if not isinstance(payload, Mapping) or not isinstance(payload.get("data"), list):
        raise ConnectorError(f"{what}: expected an object with a 'data' list from the Graph API")
    data: list[Any] = payload["data"]
    return data


def next_after(payload: Any) -> str:
    """The ``after`` cursor of a Graph edge response when there is a next page, else ''."""
    if not isinstance(payload, Mapping):
        return ""
    paging = payload.get("paging")
    if not isinstance(paging, Mapping) or not paging.get("next"):
        return ""
    cursors = paging.get("cursors")
    after = cursors.get("after") if isinstance(cursors, Mapping) else None
    return after if isinstance(after, str) else ""


def parse_facebook_comments(
    payload: Any, *, page_id: str, post_id: str, answers_post: bool
) -> Parsed:
    """A page of comments (with nested ``comments`` replies) of one post."""
    parsed = Parsed()
    for n, raw in enumerate(data_list(payload, f"comments of post {post_id}")):
        ref = f"comment {_item_ref(raw, f'#{n} of post {post_id}')}"
        if not isinstance(raw, Mapping):
            parsed.skipped.append(Skipped(ref=ref, reason="not an object"))
            continue
        comment = parsed.take(
            ref,
            parse_facebook_comment,
            raw,
            page_id=page_id,
            post_id=post_id,
            answers_post=answers_post,
        )
        nested = raw.get("comments")
        if isinstance(nested, Mapping) and comment is not None:
            parsed.extend(
                parse_facebook_replies(
                    nested.get("data") or [],
                    page_id=page_id,
                    post_id=post_id,
                    comment_id=comment.external_id,
                )
            )
    return parsed


def parse_facebook_replies(
    replies: Iterable[Any], *, page_id: str, post_id: str, comment_id: str
) -> Parsed:
    """Replies to one comment (the ``data`` of its ``comments`` edge, nested in the comment
    or read from ``/{comment-id}/comments``): each answers that comment."""

    def parse(reply: Mapping[str, Any]) -> MessageItem:
        answer = {"parent": {"id": comment_id}, **reply}
        return parse_facebook_comment(answer, page_id=page_id, post_id=post_id)

    return _replies(replies, comment_id, parse)


def _replies(
    replies: Iterable[Any], comment_id: str, parse: Callable[[Mapping[str, Any]], MessageItem]
) -> Parsed:
    """Each reply under ``comment_id`` read with ``parse``; one that is not an object is
    skipped with that reason."""
    parsed = Parsed()
    for m, reply in enumerate(replies):
        ref = f"comment {_item_ref(reply, f'#{m} under {comment_id}')}"
        if not isinstance(reply, Mapping):
            parsed.skipped.append(Skipped(ref=ref, reason="not an object"))
            continue
        parsed.take(ref, parse, reply)
    return parsed


def parse_instagram_comments(
    payload: Any, *, media_id: str, owner_id: str, owner_username: str = "", media_url: str = ""
) -> Parsed:
    """A page of comments of one media, with each comment's ``replies``."""
    parsed = Parsed()
    common = {
        "media_id": media_id,
        "owner_id": owner_id,
        "owner_username": owner_username,
        "media_url": media_url,
    }
    for n, raw in enumerate(data_list(payload, f"comments of media {media_id}")):
        ref = f"comment {_item_ref(raw, f'#{n} of media {media_id}')}"
        if not isinstance(raw, Mapping):
            parsed.skipped.append(Skipped(ref=ref, reason="not an object"))
            continue
        comment = parsed.take(ref, parse_instagram_comment, raw, **common)
        replies = raw.get("replies")
        if isinstance(replies, Mapping) and comment is not None:
            parent_id = comment.external_id

            def reply(raw: Mapping[str, Any], parent_id: str = parent_id) -> MessageItem:
                return parse_instagram_comment(raw, parent_id=parent_id, **common)

            parsed.extend(_replies(replies.get("data") or [], parent_id, reply))
    return parsed


# --- connectors ------------------------------------------------------------------------------

_COMMON_FIELDS = (
    ConfigField(
        "api_version",
        "Graph API version",
        required=False,
        default=DEFAULT_VERSION,
        help="Like v21.0; pin the version your Meta app was reviewed on.",
    ),
    ConfigField(
        "lookback_days",
        "Days of posts to sweep",
        required=False,
        default="7",
        help="Each run re-reads comments on posts from this many days back; older posts "
        "are covered by the Graph webhook.",
    ),
    ConfigField("page_size", "Posts per request", required=False, default="25"),
    ConfigField(
        "base_url",
        "Graph API base URL",
        required=False,
        default=GRAPH_BASE_URL,
        help="Only change this to point at a test server.",
    ),
)


class _GraphConnector(Connector):
    max_comment_pages: ClassVar[int] = 20  # per post and run: bounds one fetch's requests
    max_reply_pages: ClassVar[int] = 20  # further reply pages per comment and run, likewise

    def _required(self, name: str) -> str:
        value = self._setting(name, "")
        if not value:
            raise ConnectorError(f"config {name!r} is required")
        return value

    def _token(self, name: str) -> str:
        token = (self.secrets.get(name) or "").strip()
        if not token:
            raise ConnectorError(f"secret {name!r} is not set")
        return token

    def _url(self, path: str) -> str:
        base = self._setting("base_url", GRAPH_BASE_URL).rstrip("/")
        version = self._setting("api_version", DEFAULT_VERSION).strip("/")
        if not _VERSION.fullmatch(version):
            raise ConnectorError(f"config 'api_version': {version!r} is not like {DEFAULT_VERSION}")
        return f"{base}/{version}/{path.lstrip('/')}"

    def _get(self, path: str, params: Mapping[str, Any], token: str) -> Any:
        # Bytes and headers rather than get_json: a throttling error's usage headers say
        # when access comes back.
        try:
            body, headers = self.http.get_bytes(
                self._url(path), params=params, headers={"Authorization": f"Bearer {token}"}
            )
        except HttpStatusError as exc:  # Graph explains a 4xx in an error object
            body, headers = exc.body, exc.headers
            try:
                refused = json.loads(body)
            except ValueError:
                raise exc from None
            raise_for_error(refused, headers=headers)
            raise
        try:
            payload = json.loads(body)
        except ValueError:
            raise ConnectorError(
                f"{path}: the Graph API answered with something not JSON"
            ) from None
        raise_for_error(payload, headers=headers)
        return payload

    def _since(self, cursor: Mapping[str, Any]) -> int:
        since = cursor.get("since")
        if isinstance(since, int) and not isinstance(since, bool):
            return since
        days = self._int_setting("lookback_days", 7, low=1, high=3650)
        return int((_now() - timedelta(days=days)).timestamp())


@register
class FacebookPageConnector(_GraphConnector):
    """Comments (and visitors' posts) on a Facebook Page."""

    kind = "facebook_page"
    channel = Channel.FACEBOOK.value
    label = "Facebook Page comments"
    fields = (
        ConfigField("page_id", "Page id", help="The numeric id of the Facebook Page."),
        ConfigField(
            "page_access_token",
            "Page access token",
            secret=True,
            help="A Page token with pages_read_engagement and pages_read_user_content.",
        ),
        *_COMMON_FIELDS,
    )

    def fetch(self, cursor: Mapping[str, Any]) -> FetchPage:
        page_id = self._required("page_id")
        token = self._token("page_access_token")
        since = self._since(cursor)
        params: dict[str, Any] = {
            "fields": FEED_FIELDS,
            "limit": self._int_setting("page_size", 25, low=1, high=100),
            "since": since,
        }
        if cursor.get("after"):
            params["after"] = cursor["after"]
        payload = self._get(f"{page_id}/feed", params, token)
        parsed = Parsed()
        for n, post in enumerate(data_list(payload, f"feed of page {page_id}")):
            ref = f"post {_item_ref(post, f'#{n}')}"
            if not isinstance(post, Mapping) or not post.get("id"):
                parsed.skipped.append(Skipped(ref=ref, reason="field 'id': missing"))
                continue
            post_id = str(post["id"])
            sender = post.get("from")
            visitor = isinstance(sender, Mapping) and str(sender.get("id", "")) != page_id
            if visitor and parsed.take(ref, parse_facebook_post, post, page_id=page_id) is None:
                visitor = False  # its comments start their own conversations
            parsed.extend(self._comments(post, page_id, post_id, visitor, token))
        after = next_after(payload)
        if after:
            return FetchPage(parsed.items, {"since": since, "after": after}, True, parsed.skipped)
        return FetchPage(parsed.items, {}, False, parsed.skipped)

    def _comments(
        self, post: Mapping[str, Any], page_id: str, post_id: str, visitor: bool, token: str
    ) -> Parsed:
        parsed = Parsed()
        page: Any = post.get("comments")
        for _ in range(self.max_comment_pages):
            if not isinstance(page, Mapping):
                break
            comments = parse_facebook_comments(
                page, page_id=page_id, post_id=post_id, answers_post=visitor
            )
            parsed.extend(comments)
            taken = {item.external_id for item in comments.items}
            for raw in data_list(page, f"comments of post {post_id}"):
                comment_id = str(raw.get("id")) if isinstance(raw, Mapping) else ""
                after = next_after(raw.get("comments")) if comment_id in taken else ""
                if after:
                    parsed.extend(self._later_replies(comment_id, after, page_id, post_id, token))
            after = next_after(page)
            if not after:
                break
            page = self._get(
                f"{post_id}/comments",
                {
                    "fields": f"{COMMENT_FIELDS},comments.limit(100){{{COMMENT_FIELDS}}}",
                    "limit": 100,
                    "after": after,
                },
                token,
            )
        return parsed

    def _later_replies(
        self, comment_id: str, after: str, page_id: str, post_id: str, token: str
    ) -> Parsed:
        """The replies after the first 100 nested in a comment: ``/{comment-id}/comments``,
        page after page from the nested edge's cursor, as Graph pages any edge."""
        parsed = Parsed()
        for _ in range(self.max_reply_pages):
            page = self._get(
                f"{comment_id}/comments",
                {"fields": COMMENT_FIELDS, "limit": 100, "after": after},
                token,
            )
            parsed.extend(
                parse_facebook_replies(
                    data_list(page, f"replies to comment {comment_id}"),
                    page_id=page_id,
                    post_id=post_id,
                    comment_id=comment_id,
                )
            )
            after = next_after(page)
            if not after:
                break
        return parsed


@register
class InstagramConnector(_GraphConnector):
    """Comments on an Instagram professional account's media."""

    kind = "instagram"
    channel = Channel.INSTAGRAM.value
    label = "Instagram comments"
    fields = (
        ConfigField(
            "ig_user_id",
            "Instagram account id",
            help="The IG user id of the professional account (not the username).",
        ),
        ConfigField(
            "access_token",
            "Access token",
            secret=True,
            help="A token with instagram_basic and instagram_manage_comments.",
        ),
        *_COMMON_FIELDS,
    )

    def fetch(self, cursor: Mapping[str, Any]) -> FetchPage:
        ig_user_id = self._required("ig_user_id")
        token = self._token("access_token")
        since = self._since(cursor)
        params: dict[str, Any] = {
            "fields": IG_MEDIA_FIELDS,
            "limit": self._int_setting("page_size", 25, low=1, high=100),
        }
        if cursor.get("after"):
            params["after"] = cursor["after"]
        payload = self._get(f"{ig_user_id}/media", params, token)
        parsed = Parsed()
        swept_past_window = False
        for n, media in enumerate(data_list(payload, f"media of account {ig_user_id}")):
            ref = f"media {_item_ref(media, f'#{n}')}"
            if not isinstance(media, Mapping) or not media.get("id"):
                parsed.skipped.append(Skipped(ref=ref, reason="field 'id': missing"))
                continue
            try:
                posted = graph_time(media.get("timestamp"), "timestamp")
            except BadValue as exc:
                parsed.skipped.append(Skipped(ref=ref, reason=f"field {exc.field!r}: {exc.error}"))
                continue
            if posted.timestamp() < since:
                swept_past_window = True  # media come newest first: the rest are older
                break
            if not count_value(media, "comments_count"):
                continue
            parsed.extend(self._comments(media, ig_user_id, token))
        after = "" if swept_past_window else next_after(payload)
        if after:
            return FetchPage(parsed.items, {"since": since, "after": after}, True, parsed.skipped)
        return FetchPage(parsed.items, {}, False, parsed.skipped)

    def _comments(self, media: Mapping[str, Any], ig_user_id: str, token: str) -> Parsed:
        media_id = str(media["id"])
        parsed = Parsed()
        params: dict[str, Any] = {"fields": IG_COMMENT_FIELDS, "limit": 50}
        for _ in range(self.max_comment_pages):
            page = self._get(f"{media_id}/comments", params, token)
            parsed.extend(
                parse_instagram_comments(
                    page,
                    media_id=media_id,
                    owner_id=ig_user_id,
                    owner_username=str(media.get("username") or ""),
                    media_url=str(media.get("permalink") or ""),
                )
            )
            after = next_after(page)
            if not after:
                break
            params = {**params, "after": after}
        return parsed


# --- webhooks --------------------------------------------------------------------------------

# Feed change items that carry something a person wrote; reactions, likes and shares do not.
_FEED_MESSAGE_ITEMS = frozenset({"comment", "post", "status", "photo", "video"})
_FEED_STORED_VERBS = frozenset({"add", "edited"})


def parse_webhook(payload: Any) -> Parsed:
    """Messages in a Graph webhook delivery (``{"object", "entry": [{"id", "time",
    "changes": [{"field", "value"}]}]}``) for the ``page`` (``feed``) and ``instagram``
    (``comments``, ``live_comments``) objects.

    Changes that are not a message (reactions, shares, removals, mentions without text) are
    returned in ``skipped`` with the reason. Raises BadValue naming the field when the
    envelope itself is wrong.
    """
    if not isinstance(payload, Mapping):
        raise BadValue("body", "must be a JSON object")
    kind = payload.get("object")
    if kind not in ("page", "instagram"):
        raise BadValue("object", f"{kind!r} is not 'page' or 'instagram'")
    entries = payload.get("entry")
    if not isinstance(entries, list):
        raise BadValue("entry", "must be a list")
    parsed = Parsed()
    for n, entry in enumerate(entries):
        if not isinstance(entry, Mapping) or not isinstance(entry.get("changes"), list):
            parsed.skipped.append(Skipped(ref=f"entry {n}", reason="field 'changes': missing"))
            continue
        owner = str(entry.get("id") or "")
        for m, change in enumerate(entry["changes"]):
            ref = f"entry {n} change {m}"
            if not isinstance(change, Mapping) or not isinstance(change.get("value"), Mapping):
                parsed.skipped.append(Skipped(ref=ref, reason="field 'value': missing"))
                continue
            if kind == "page":
                _page_change(parsed, ref, owner, change)
            else:
                _instagram_change(parsed, ref, owner, entry.get("time"), change)
    return parsed


def _page_change(parsed: Parsed, ref: str, page_id: str, change: Mapping[str, Any]) -> None:
    value: Mapping[str, Any] = change["value"]
    item, verb = value.get("item"), value.get("verb")
    if change.get("field") != "feed":
        parsed.skipped.append(Skipped(ref, f"field {change.get('field')!r} is not handled"))
    elif item not in _FEED_MESSAGE_ITEMS:
        parsed.skipped.append(Skipped(ref, f"a {item} is not a message"))
    elif verb not in _FEED_STORED_VERBS:
        parsed.skipped.append(Skipped(ref, f"verb {verb!r}: the stored copy is kept as it was"))
    elif item == "comment":
        post_id = str(value.get("post_id") or "")
        parent = str(value.get("parent_id") or "")
        shaped = {
            "id": value.get("comment_id"),
            "from": value.get("from"),
            "message": value.get("message"),
            "created_time": value.get("created_time"),
            "parent": {"id": parent} if parent and parent != post_id else None,
        }
        parsed.take(
            f"{ref} (comment {value.get('comment_id')})",
            parse_facebook_comment,
            shaped,
            page_id=page_id,
            post_id=post_id,
        )
    else:
        sender = value.get("from")
        if isinstance(sender, Mapping) and str(sender.get("id", "")) == page_id:
            parsed.skipped.append(Skipped(ref, "the Page's own post is not a customer message"))
            return
        shaped = {
            "id": value.get("post_id"),
            "from": sender,
            "message": value.get("message"),
            "created_time": value.get("created_time"),
            "permalink_url": value.get("link") if isinstance(value.get("link"), str) else "",
        }
        parsed.take(
            f"{ref} (post {value.get('post_id')})", parse_facebook_post, shaped, page_id=page_id
        )


def _instagram_change(
    parsed: Parsed, ref: str, owner_id: str, time: Any, change: Mapping[str, Any]
) -> None:
    value: Mapping[str, Any] = change["value"]
    field_name = change.get("field")
    if field_name not in ("comments", "live_comments"):
        parsed.skipped.append(Skipped(ref, f"field {field_name!r} is not handled"))
        return
    media = value.get("media")
    media_id = str(media.get("id") or "") if isinstance(media, Mapping) else ""
    # The change value has no time of its own; the entry's time is when it happened.
    shaped = {**value, "timestamp": value.get("timestamp", time)}
    parsed.take(
        f"{ref} (comment {value.get('id')})",
        parse_instagram_comment,
        shaped,
        media_id=media_id,
        owner_id=owner_id,
    )
