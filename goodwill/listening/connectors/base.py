"""The connector interface every channel implements.

A connector is configured by a Source (``kind`` names the connector, ``config`` holds its
non-secret settings, secrets come from environment variables or encrypted settings) and does
one thing: given the Source's persisted cursor, fetch one page of new items from the platform
and say where to continue. It does not store anything: the runner
(``goodwill.listening.sources``) ingests the page through the listening pipeline in one
transaction and only then persists the returned cursor, so a crash re-fetches a page instead
of losing it, and dedupe by (channel, external id) keeps storage exactly-once.

A malformed item is not an error for the page: the connector returns it in ``skipped`` with
its reference and a reason, and the rest of the page lands.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Protocol

from goodwill.listening.types import MessageItem


class ConnectorError(Exception):
    """A problem retrying will not fix (bad configuration, rejected credentials)."""


class TransientError(Exception):
    """The platform failed (5xx, timeout, connection reset) after the client's own retries."""


class RateLimited(Exception):
    """The platform said 429; ``retry_at`` is when it allows the next request (UTC)."""

    def __init__(self, retry_at: datetime, message: str = "rate limited") -> None:
        super().__init__(f"{message}; retry at {retry_at.isoformat()}")
        self.retry_at = retry_at


@dataclass(frozen=True)
class ConfigField:
    """One setting a connector needs, as the CLI, API and Sources form show it."""

    name: str
    label: str
    required: bool = True
    secret: bool = False  # never logged or shown; from an env var or encrypted settings
    help: str = ""
    default: str = ""


@dataclass(frozen=True)
class Skipped:
    """An item left out of a page: ``ref`` is its id (or position) and ``reason`` says why."""

    ref: str
    reason: str


@dataclass
class FetchPage:
    items: list[MessageItem]
    cursor: dict[str, Any]  # what to persist once the items are stored
    more: bool = False  # another page is ready now (pagination), fetch it in the same run
    skipped: list[Skipped] = field(default_factory=list)
    # The platform's quota is (nearly) spent: store this page, then stop the run and ask
    # nothing more before this time (UTC), as after a 429; None: no such limit.
    wait_until: datetime | None = None


class Http(Protocol):
    """What connectors use to talk HTTP (retries, backoff and 429 handling live behind it)."""

    def get_json(
        self,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any: ...

    def get_bytes(
        self,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> tuple[bytes, Mapping[str, str]]: ...

    def post(
        self,
        url: str,
        *,
        data: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        auth: tuple[str, str] | None = None,
    ) -> Any: ...


def config_text(config: Mapping[str, Any], name: str, default: str = "") -> str:
    """A config value as stripped text (``default`` when unset or empty): what
    ``Connector._setting`` reads, for ``check_config``, which has no connector."""
    value = config.get(name)
    return str(value).strip() if value not in (None, "") else default


class Connector(ABC):
    kind: ClassVar[str]  # e.g. "x", "reddit", "rss"; unique
    channel: ClassVar[str]  # a goodwill.core.Channel value
    label: ClassVar[str]  # human name for the UI
    fields: ClassVar[tuple[ConfigField, ...]] = ()

    def __init__(self, config: Mapping[str, Any], secrets: Mapping[str, str], http: Http) -> None:
        self.config = config
        self.secrets = secrets
        self.http = http

    def _setting(self, name: str, default: str = "") -> str:
        """A config value as stripped text (``default`` when unset or empty)."""
        return config_text(self.config, name, default)

    def _int_setting(self, name: str, default: int, *, low: int, high: int) -> int:
        """A whole-number config value in [low, high]; ConnectorError names the setting."""
        raw = self._setting(name, str(default))
        try:
            number = int(raw)
        except ValueError:
            raise ConnectorError(f"config {name!r}: {raw!r} is not a whole number") from None
        if not low <= number <= high:
            raise ConnectorError(f"config {name!r}: {number} is not between {low} and {high}")
        return number

    @abstractmethod
    def fetch(self, cursor: Mapping[str, Any]) -> FetchPage:
        """One page of items after ``cursor`` (an empty mapping on the first run)."""

    @classmethod
    def check_config(cls, config: Mapping[str, Any]) -> dict[str, str]:
        """Problems with ``config`` beyond missing required fields, as {field: problem}.

        The Sources form, CLI and API call it before saving; the default finds none.
        """
        return {}


REGISTRY: dict[str, type[Connector]] = {}


def register(cls: type[Connector]) -> type[Connector]:
    if cls.kind in REGISTRY and REGISTRY[cls.kind] is not cls:
        raise ValueError(f"connector kind {cls.kind!r} is registered twice")
    REGISTRY[cls.kind] = cls
    return cls
