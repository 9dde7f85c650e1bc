"""Reddit: new posts or comments of a subreddit, or a search, with app-only OAuth.

Authentication is Reddit's application-only grant: ``POST /api/v1/access_token`` on
www.reddit.com with ``grant_type=client_credentials`` and the app's id and secret as HTTP
basic auth; the bearer token it returns is used on oauth.reddit.com for the run. Reddit asks
every client for a descriptive User-Agent (``user_agent`` setting).

Listings (``/r/{sub}/new``, ``/r/{sub}/comments``, ``/search`` or ``/r/{sub}/search``) are
``{"kind": "Listing", "data": {"after", "children": [{"kind": "t3"|"t1", "data": {...}}]}}``,
newest first. Cursor: the creation time and fullname of the newest item stored
(``newest_utc``, ``newest``). A sweep follows ``data.after`` until it reaches an item at or
before ``newest_utc`` (or the listing ends); mid-sweep the cursor also holds ``after`` and the
sweep's newest, so a stopped run resumes. Dedupe by fullname makes overlaps harmless.

Every answer says how many requests the window has left (``X-Ratelimit-Remaining``) and
when it resets (``X-Ratelimit-Reset``, seconds): below ``LOW_REMAINING`` the page says to
wait until the reset (``FetchPage.wait_until``), so the run stops after storing it, as it
does on a 429, rather than spending the last requests and running into one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
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
from goodwill.listening.connectors.http import rate_limit_reset
from goodwill.listening.connectors.parsing import Parsed, item_ref
from goodwill.listening.types import MessageItem

API_BASE_URL = "https://oauth.reddit.com"
AUTH_BASE_URL = "https://www.reddit.com"
WEB_URL = "https://www.reddit.com"
DEFAULT_USER_AGENT = "python:goodwill-social-crm:0.1 (self-hosted)"
LISTINGS = ("new", "comments", "search")
PAGE_SIZE = 100
# Below this many requests left in Reddit's window, a run stops after the page and waits for
# the window's reset (X-Ratelimit-Reset) instead of running into a 429.
LOW_REMAINING = 2
_SUBREDDIT = re.compile(r"^[A-Za-z0-9_]{2,21}$")


def _text(raw: Mapping[str, Any], name: str) -> str:
    value = raw.get(name)
    if not isinstance(value, str) or not value.strip():
        raise BadValue(name, "missing" if value in (None, "") else f"{value!r} is not text")
    return value


def _created(raw: Mapping[str, Any]) -> float:
    value = raw.get("created_utc")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise BadValue("created_utc", "missing" if value is None else f"{value!r} is not a time")
    if not 0 < value < 32503680000:  # before year 3000
        raise BadValue("created_utc", f"{value!r} is out of range")
    return float(value)


def quota_wait(headers: Mapping[str, str], now: datetime) -> datetime | None:
    """When to ask again if Reddit's ``X-Ratelimit-Remaining`` is below ``LOW_REMAINING``
    (``X-Ratelimit-Reset`` seconds from now); None while there is room or no header says."""
    lowered = {key.lower(): value for key, value in headers.items()}
    try:
        remaining = float(lowered["x-ratelimit-remaining"])
    except (KeyError, ValueError):
        return None
    if remaining >= LOW_REMAINING:
        return None
    return rate_limit_reset({"x-ratelimit-reset": lowered.get("x-ratelimit-reset", "")}, now)


def parse_thing(kind: str, raw: Mapping[str, Any]) -> tuple[MessageItem, float]:
    """A t3 (post) or t1 (comment) as a MessageItem, and its creation time (epoch seconds)."""
    thing_id = _text(raw, "id")
    fullname = str(raw.get("name") or f"{kind}_{thing_id}")
    created = _created(raw)
    author = _text(raw, "author")
    if kind == "t3":
        title = _text(raw, "title")
        body = raw.get("selftext") or ""
        if not isinstance(body, str):
            raise BadValue("selftext", "is not text")
        text = f"{title}\n\n{body}" if body.strip() else title
        in_reply_to = ""
        replies = count_value(raw, "num_comments") or 0
    else:
        text = raw.get("body")  # type: ignore[assignment]
        if not isinstance(text, str):
            raise BadValue("body", "missing" if text is None else "is not text")
        parent = raw.get("parent_id")
        in_reply_to = str(parent) if isinstance(parent, str) else ""
        replies = 0
    score = raw.get("score")
    likes = score if isinstance(score, int) and not isinstance(score, bool) and score > 0 else 0
    permalink = raw.get("permalink")
    url = f"{WEB_URL}{permalink}" if isinstance(permalink, str) and permalink else ""
    return (
        MessageItem(
            channel=Channel.REDDIT.value,
            external_id=fullname,
            author_id=author,  # fullnames (t2_...) are absent for deleted accounts; names stay
            author_handle=author,
            created_at=datetime.fromtimestamp(created, UTC),
            text=text,
            url=url,
            in_reply_to=in_reply_to,
            likes=likes,
            replies=replies,
            raw=dict(raw),
        ),
        created,
    )


def parse_listing(payload: Any) -> tuple[Parsed, list[float], str]:
    """Items and skipped items of a Listing, the items' creation times, and ``data.after``."""
    if not isinstance(payload, Mapping) or not isinstance(payload.get("data"), Mapping):
        raise ConnectorError("Reddit answered with something that is not a Listing")
    data = payload["data"]
    children = data.get("children")
    if not isinstance(children, list):
        raise ConnectorError("Reddit Listing has no 'children' list")
    parsed = Parsed()
    times: list[float] = []
    for position, child in enumerate(children):
        kind = child.get("kind") if isinstance(child, Mapping) else None
        raw = child.get("data") if isinstance(child, Mapping) else None
        ref = item_ref(str(kind or "thing"), raw, "name", position)
        if kind not in ("t1", "t3"):
            parsed.skip(ref, f"kind {kind!r} is not a post (t3) or comment (t1)")
            continue

        def parse(values: Mapping[str, Any], kind: str = str(kind)) -> MessageItem:
            item, created = parse_thing(kind, values)
            times.append(created)
            return item

        parsed.take(ref, parse, raw)
    after = data.get("after")
    return parsed, times, after if isinstance(after, str) else ""


@register
class RedditConnector(Connector):
    """New posts or comments in a subreddit, or new results of a search."""

    kind = "reddit"
    channel = Channel.REDDIT.value
    label = "Reddit"
    fields = (
        ConfigField(
            "listing", "Listing", required=False, default="new", help="new, comments or search"
        ),
        ConfigField(
            "subreddit",
            "Subreddit",
            required=False,
            help="Without r/; required for new and comments, optional for search",
        ),
        ConfigField("query", "Search query", required=False, help="For search"),
        ConfigField("client_id", "App client id", secret=True),
        ConfigField("client_secret", "App client secret", secret=True),
        ConfigField(
            "user_agent",
            "User-Agent",
            required=False,
            default=DEFAULT_USER_AGENT,
            help="Reddit asks for <platform>:<app id>:<version> (by /u/<name>)",
        ),
        ConfigField("base_url", "API base URL", required=False, default=API_BASE_URL),
        ConfigField("auth_url", "OAuth base URL", required=False, default=AUTH_BASE_URL),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._token = ""

    @staticmethod
    def _problems(config: Mapping[str, Any]) -> dict[str, str]:
        problems: dict[str, str] = {}
        listing = config_text(config, "listing", "new")
        if listing not in LISTINGS:
            problems["listing"] = f"{listing!r} is not one of {', '.join(LISTINGS)}"
        subreddit = config_text(config, "subreddit").removeprefix("r/")
        if subreddit and not _SUBREDDIT.match(subreddit):
            problems["subreddit"] = f"{subreddit!r} is not a subreddit name"
        elif not subreddit and listing != "search":
            problems["subreddit"] = f"required for the {listing} listing"
        if listing == "search" and not config_text(config, "query"):
            problems["query"] = "required for search"
        return problems

    @classmethod
    def check_config(cls, config: Mapping[str, Any]) -> dict[str, str]:
        return cls._problems(config)

    def _request(self) -> tuple[str, dict[str, Any]]:
        for name, problem in self._problems(self.config).items():
            raise ConnectorError(f"{name}: {problem}")
        listing = self._setting("listing", "new")
        subreddit = self._setting("subreddit").removeprefix("r/")
        base = self._setting("base_url", API_BASE_URL).rstrip("/")
        params: dict[str, Any] = {"limit": PAGE_SIZE, "raw_json": 1}
        if listing == "search":
            params |= {"q": self._setting("query"), "sort": "new", "type": "link"}
            if subreddit:
                params["restrict_sr"] = "on"
                return f"{base}/r/{subreddit}/search", params
            return f"{base}/search", params
        return f"{base}/r/{subreddit}/{listing}", params

    def _user_agent(self) -> str:
        return self._setting("user_agent", DEFAULT_USER_AGENT)

    def _access_token(self) -> str:
        if self._token:
            return self._token
        client_id = (self.secrets.get("client_id") or "").strip()
        client_secret = (self.secrets.get("client_secret") or "").strip()
        if not client_id or not client_secret:
            raise ConnectorError("client_id and client_secret: both must be set")
        auth = self._setting("auth_url", AUTH_BASE_URL).rstrip("/")
        answer = self.http.post(
            f"{auth}/api/v1/access_token",
            data={"grant_type": "client_credentials"},
            auth=(client_id, client_secret),
            headers={"User-Agent": self._user_agent()},
        )
        token = answer.get("access_token") if isinstance(answer, Mapping) else None
        if not isinstance(token, str) or not token:
            error = answer.get("error") if isinstance(answer, Mapping) else None
            raise ConnectorError(f"Reddit gave no access token ({error or 'no reason given'})")
        self._token = token
        return token

    def fetch(self, cursor: Mapping[str, Any]) -> FetchPage:
        url, params = self._request()
        after = str(cursor.get("after") or "")
        if after:
            params["after"] = after
        token = self._access_token()
        body, answer_headers = self.http.get_bytes(
            url,
            params=params,
            headers={"Authorization": f"bearer {token}", "User-Agent": self._user_agent()},
        )
        try:
            payload = json.loads(body)
        except ValueError:
            raise ConnectorError("Reddit answered with something that is not JSON") from None
        parsed, times, following = parse_listing(payload)
        page = self._page(cursor, parsed, times, following)
        page.wait_until = quota_wait(answer_headers, datetime.now(UTC))
        return page

    def _page(
        self, cursor: Mapping[str, Any], parsed: Parsed, times: list[float], following: str
    ) -> FetchPage:
        mark = float(cursor.get("newest_utc") or 0)
        sweep_utc = float(cursor.get("sweep_utc") or mark)
        sweep_newest = str(cursor.get("sweep_newest") or cursor.get("newest") or "")
        for item, created in zip(parsed.items, times, strict=True):
            if created > sweep_utc:
                sweep_utc, sweep_newest = created, item.external_id
        reached_mark = bool(mark) and any(created <= mark for created in times)
        if following and not reached_mark:
            return FetchPage(
                parsed.items,
                {
                    "newest_utc": mark,
                    "newest": cursor.get("newest", ""),
                    "after": following,
                    "sweep_utc": sweep_utc,
                    "sweep_newest": sweep_newest,
                },
                more=True,
                skipped=parsed.skipped,
            )
        return FetchPage(
            parsed.items,
            {"newest_utc": sweep_utc, "newest": sweep_newest},
            skipped=parsed.skipped,
        )
