"""The HTTP client connectors talk through: timeouts, retries with backoff, 429 handling.

``HttpClient`` implements :class:`goodwill.listening.connectors.base.Http` on httpx:

- a 5xx answer, a timeout or a connection error is retried ``retries`` times with
  exponential backoff and full jitter (``backoff * 2**attempt``, capped at ``max_backoff``);
  when the retries are spent it raises :class:`TransientError`;
- a 429 raises :class:`RateLimited` at once, with ``retry_at`` read from ``Retry-After``
  (seconds or an HTTP date), ``x-rate-limit-reset`` (X: epoch seconds) or
  ``x-ratelimit-reset`` (Reddit: seconds from now), else one minute from now;
- any other 4xx raises :class:`HttpStatusError` (a :class:`ConnectorError`) carrying the
  status, body and headers, so a connector can read a platform's error object;
- ``sleep`` and ``now`` are hooks so tests neither wait nor depend on the clock.

Error messages name the host and path but never the query string or headers, where tokens
may travel.
"""

from __future__ import annotations

import json as jsonlib
import random
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from goodwill.listening.connectors.base import ConnectorError, RateLimited, TransientError

USER_AGENT = "Goodwill/0.1 (open-source social CRM; +https://github.com/goodwill-crm)"
DEFAULT_RATE_LIMIT_WAIT = timedelta(seconds=60)


class HttpStatusError(ConnectorError):
    """A 4xx answer other than 429: the request itself was refused."""

    def __init__(self, status: int, where: str, body: bytes, headers: Mapping[str, str]) -> None:
        snippet = body[:300].decode("utf-8", "replace").strip()
        super().__init__(f"HTTP {status} from {where}" + (f": {snippet}" if snippet else ""))
        self.status = status
        self.body = body
        self.headers = headers


def _utcnow() -> datetime:
    return datetime.now(UTC)


def rate_limit_reset(headers: Mapping[str, str], now: datetime) -> datetime:
    """When a 429's headers say the next request is allowed (one minute if they don't say)."""
    lowered = {key.lower(): value.strip() for key, value in headers.items()}
    retry_after = lowered.get("retry-after")
    if retry_after:
        if retry_after.isdigit():
            return now + timedelta(seconds=int(retry_after))
        try:
            moment = parsedate_to_datetime(retry_after)
        except (TypeError, ValueError, IndexError):
            moment = None
        if moment is not None:
            return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    epoch = lowered.get("x-rate-limit-reset")
    if epoch:
        try:
            return datetime.fromtimestamp(int(float(epoch)), UTC)
        except (ValueError, OverflowError, OSError):
            pass
    # Reddit sends seconds from now; Mastodon sends an ISO 8601 time in the same header.
    reset = lowered.get("x-ratelimit-reset")
    if reset:
        found = _seconds_or_iso(reset, now)
        if found is not None:
            return found
    # Bluesky (and the IETF RateLimit fields draft): epoch seconds, or seconds from now.
    reset = lowered.get("ratelimit-reset")
    if reset:
        try:
            value = float(reset)
        except ValueError:
            value = None
        if value is not None and value > _EPOCH_THRESHOLD:
            return datetime.fromtimestamp(int(value), UTC)
        found = _seconds_or_iso(reset, now)
        if found is not None:
            return found
    return now + DEFAULT_RATE_LIMIT_WAIT


# A reset value above this (2001-09-09 as epoch seconds) is a time, not a number of seconds.
_EPOCH_THRESHOLD = 1_000_000_000


def _seconds_or_iso(value: str, now: datetime) -> datetime | None:
    try:
        return now + timedelta(seconds=float(value))
    except (ValueError, OverflowError):
        pass
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _where(url: httpx.URL | str) -> str:
    parsed = httpx.URL(str(url))
    return f"{parsed.host}{parsed.path}"


class HttpClient:
    """One httpx client with Goodwill's retry and rate-limit rules; close it when done."""

    def __init__(
        self,
        *,
        timeout: float = 20.0,
        retries: int = 3,
        backoff: float = 0.5,
        max_backoff: float = 30.0,
        user_agent: str = USER_AGENT,
        sleep: Callable[[float], None] | None = None,
        now: Callable[[], datetime] = _utcnow,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        import time

        self.retries = retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.sleep = sleep or time.sleep
        self.now = now
        self._client = httpx.Client(
            timeout=timeout,
            headers={"User-Agent": user_agent},
            follow_redirects=True,
            transport=transport,
        )

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    # --- the Http protocol ----------------------------------------------------------------

    def get_json(
        self,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        response = self._send("GET", url, params=params, headers=headers)
        return self._json(response)

    def get_bytes(
        self,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> tuple[bytes, Mapping[str, str]]:
        response = self._send("GET", url, params=params, headers=headers)
        return response.content, dict(response.headers)

    def post(
        self,
        url: str,
        *,
        data: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        auth: tuple[str, str] | None = None,
    ) -> Any:
        response = self._send("POST", url, data=data, json=json, headers=headers, auth=auth)
        if not response.content:
            return None
        return self._json(response)

    # --- internals ------------------------------------------------------------------------

    def _json(self, response: httpx.Response) -> Any:
        try:
            return jsonlib.loads(response.content)
        except ValueError:
            raise ConnectorError(
                f"{_where(response.request.url)} answered with something that is not JSON"
            ) from None

    def _delay(self, attempt: int) -> float:
        ceiling = min(self.max_backoff, self.backoff * (2**attempt))
        return random.uniform(ceiling / 2, ceiling)  # noqa: S311 (jitter, not security)

    def _send(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        data: Mapping[str, Any] | None = None,
        json: Any = None,
        auth: tuple[str, str] | None = None,
    ) -> httpx.Response:
        where = _where(url)
        problem = ""
        for attempt in range(self.retries + 1):
            if attempt:
                self.sleep(self._delay(attempt - 1))
            try:
                response = self._client.request(
                    method,
                    url,
                    params=dict(params) if params else None,
                    headers=dict(headers) if headers else None,
                    data=dict(data) if data is not None else None,
                    json=json,
                    auth=auth,
                )
            except httpx.TimeoutException:
                problem = f"timed out talking to {where}"
                continue
            except httpx.TransportError as exc:
                problem = f"could not reach {where}: {type(exc).__name__}"
                continue
            status = response.status_code
            if status == 429:
                raise RateLimited(
                    rate_limit_reset(response.headers, self.now()),
                    f"{where} answered 429 Too Many Requests",
                )
            if status >= 500:
                problem = f"HTTP {status} from {where}"
                continue
            if status >= 400:
                raise HttpStatusError(status, where, response.content, dict(response.headers))
            return response
        raise TransientError(f"{problem} (after {self.retries + 1} attempts)")
