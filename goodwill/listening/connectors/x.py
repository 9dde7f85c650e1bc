"""X (Twitter) API v2: recent search and a user's mentions, with an app bearer token.

Requests ask for ``expansions=author_id`` with ``user.fields=username,name,public_metrics`` so
each post's author (handle, name, followers) comes in ``includes.users``, and
``tweet.fields=created_at,public_metrics,conversation_id,referenced_tweets,lang``.

Cursor: X answers newest first. A sweep starts at ``since_id`` (the newest post stored by
the previous sweep) and follows ``meta.next_token`` page by page; the cursor saved after
each page holds the sweep's ``next_token`` and the newest id seen, so a run that stops
mid-sweep (page cap, 429, crash) resumes where it was. When a sweep ends, the newest id seen
becomes the next ``since_id``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from goodwill.core import Channel
from goodwill.importing import BadValue, count_value
from goodwill.listening.connectors.base import (
    ConfigField,
    Connector,
    ConnectorError,
    FetchPage,
    config_text,
    register,
)
from goodwill.listening.connectors.parsing import Parsed, iso_time, item_ref
from goodwill.listening.types import MessageItem

API_BASE_URL = "https://api.x.com"
TWEET_FIELDS = "created_at,public_metrics,conversation_id,referenced_tweets,lang"
USER_FIELDS = "username,name,public_metrics"
MODES = ("search", "mentions")


def _newer(a: str, b: str) -> str:
    """The larger of two post ids (numeric strings; '' is the smallest)."""
    if not a:
        return b
    if not b:
        return a
    return a if (len(a), a) >= (len(b), b) else b


def _text(raw: Mapping[str, Any], name: str) -> str:
    value = raw.get(name)
    if not isinstance(value, str) or not value.strip():
        raise BadValue(name, "missing" if value in (None, "") else f"{value!r} is not text")
    return value


def _metric(metrics: Any, name: str) -> int:
    if not isinstance(metrics, Mapping):
        return 0
    return count_value(metrics, name) or 0


def parse_post(raw: Mapping[str, Any], users: Mapping[str, Mapping[str, Any]]) -> MessageItem:
    """One post of ``data`` as a MessageItem; BadValue names the field that is wrong."""
    post_id = _text(raw, "id")
    if not post_id.isdigit():
        raise BadValue("id", f"{post_id!r} is not a post id")
    text = raw.get("text")
    if not isinstance(text, str):
        raise BadValue("text", "missing" if text is None else "is not text")
    author_id = _text(raw, "author_id")
    created = iso_time(raw.get("created_at"), "created_at")
    user = users.get(author_id, {})
    handle = str(user.get("username") or author_id)
    metrics = raw.get("public_metrics")
    user_metrics = user.get("public_metrics")
    followers = (
        count_value(user_metrics, "followers_count") if isinstance(user_metrics, Mapping) else None
    )
    replied_to = ""
    referenced = raw.get("referenced_tweets")
    if isinstance(referenced, list):
        for ref in referenced:
            if isinstance(ref, Mapping) and ref.get("type") == "replied_to":
                replied_to = str(ref.get("id") or "")
    language = str(raw.get("lang") or "")
    return MessageItem(
        channel=Channel.X.value,
        external_id=post_id,
        author_id=author_id,
        author_handle=handle,
        author_name=str(user.get("name") or ""),
        created_at=created,
        text=text,
        url=f"https://x.com/{handle}/status/{post_id}",
        in_reply_to=replied_to,
        likes=_metric(metrics, "like_count"),
        shares=_metric(metrics, "retweet_count") + _metric(metrics, "quote_count"),
        replies=_metric(metrics, "reply_count"),
        followers=followers,
        language="" if language in ("und", "zxx", "qme", "qht") else language,
        raw=dict(raw),
    )


def parse_response(payload: Any) -> tuple[Parsed, str, str]:
    """Items, skipped items, ``meta.newest_id`` and ``meta.next_token`` of one answer."""
    if not isinstance(payload, Mapping):
        raise ConnectorError("X answered with something that is not a JSON object")
    data = payload.get("data", [])
    meta = payload.get("meta") if isinstance(payload.get("meta"), Mapping) else {}
    if "data" not in payload and payload.get("errors") and not meta:
        errors = payload["errors"]
        first = errors[0] if isinstance(errors, list) and errors else errors
        detail = first.get("detail") or first.get("title") if isinstance(first, Mapping) else first
        raise ConnectorError(f"X API error: {detail}")
    if not isinstance(data, list):
        raise ConnectorError("X answered with 'data' that is not a list")
    includes = payload.get("includes")
    users: dict[str, Mapping[str, Any]] = {}
    if isinstance(includes, Mapping) and isinstance(includes.get("users"), list):
        for user in includes["users"]:
            if isinstance(user, Mapping) and user.get("id"):
                users[str(user["id"])] = user
    parsed = Parsed()
    for position, raw in enumerate(data):
        parsed.take(item_ref("post", raw, "id", position), lambda r: parse_post(r, users), raw)
    assert isinstance(meta, Mapping)
    return parsed, str(meta.get("newest_id") or ""), str(meta.get("next_token") or "")


@register
class XConnector(Connector):
    """Recent search (last 7 days) for a query, or the mentions of one account."""

    kind = "x"
    channel = Channel.X.value
    label = "X / Twitter (API v2)"
    fields = (
        ConfigField("mode", "Mode", required=False, default="search", help="search or mentions"),
        ConfigField(
            "query",
            "Search query",
            required=False,
            help='For search: X search syntax, e.g. "@acme OR #acmeair -is:retweet"',
        ),
        ConfigField(
            "user_id", "Account id", required=False, help="For mentions: the numeric user id"
        ),
        ConfigField("bearer_token", "Bearer token", secret=True, help="The app's bearer token"),
        ConfigField(
            "max_results", "Posts per page", required=False, default="100", help="10 to 100"
        ),
        ConfigField("base_url", "API base URL", required=False, default=API_BASE_URL),
    )

    @staticmethod
    def _problems(config: Mapping[str, Any]) -> dict[str, str]:
        problems: dict[str, str] = {}
        mode = config_text(config, "mode", "search")
        if mode not in MODES:
            problems["mode"] = f"{mode!r} is not one of {', '.join(MODES)}"
        raw_size = config_text(config, "max_results", "100")
        if not raw_size.isdigit() or not 10 <= int(raw_size) <= 100:
            problems["max_results"] = f"{raw_size!r} is not a number from 10 to 100"
        if mode == "search" and not config_text(config, "query"):
            problems["query"] = "required for search"
        if mode == "mentions" and not config_text(config, "user_id").isdigit():
            problems["user_id"] = "required for mentions (the numeric account id)"
        return problems

    @classmethod
    def check_config(cls, config: Mapping[str, Any]) -> dict[str, str]:
        return cls._problems(config)

    def _settings(self) -> tuple[str, str, dict[str, Any]]:
        for name, problem in self._problems(self.config).items():
            raise ConnectorError(f"{name}: {problem}")
        base = self._setting("base_url", API_BASE_URL).rstrip("/")
        params: dict[str, Any] = {
            "max_results": self._int_setting("max_results", 100, low=10, high=100),
            "expansions": "author_id",
            "user.fields": USER_FIELDS,
            "tweet.fields": TWEET_FIELDS,
        }
        if self._setting("mode", "search") == "search":
            params["query"] = self._setting("query")
            return f"{base}/2/tweets/search/recent", "next_token", params
        user_id = self._setting("user_id")
        return f"{base}/2/users/{user_id}/mentions", "pagination_token", params

    def fetch(self, cursor: Mapping[str, Any]) -> FetchPage:
        token = (self.secrets.get("bearer_token") or "").strip()
        if not token:
            raise ConnectorError("bearer_token: not set")
        url, page_param, params = self._settings()
        since_id = str(cursor.get("since_id") or "")
        next_token = str(cursor.get("next_token") or "")
        if since_id:
            params["since_id"] = since_id
        if next_token:
            params[page_param] = next_token
        payload = self.http.get_json(
            url, params=params, headers={"Authorization": f"Bearer {token}"}
        )
        parsed, newest_id, following = parse_response(payload)
        newest = _newer(str(cursor.get("newest") or ""), newest_id)
        for item in parsed.items:
            newest = _newer(newest, item.external_id)
        if following:
            return FetchPage(
                parsed.items,
                {"since_id": since_id, "next_token": following, "newest": newest},
                more=True,
                skipped=parsed.skipped,
            )
        return FetchPage(
            parsed.items, {"since_id": _newer(since_id, newest)}, skipped=parsed.skipped
        )
