"""Read-only report queries; each returns plain data the CLI, the API and the pages render."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from goodwill.analysis.durations import summarise_durations
from goodwill.conversations import selectors as conversation_selectors


@dataclass(frozen=True, slots=True)
class ResponseTimes:
    """How customer-started conversations were answered (see docs/reports.md)."""

    customer_started: int
    responded: int
    response_rate: float | None  # responded / customer_started; None when nothing started
    median_seconds: float | None
    p90_seconds: float | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def response_times(
    *,
    channel: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> ResponseTimes:
    """Customer-started conversations with `since <= started_at < until` (either optional)."""
    facts = conversation_selectors.first_response_facts(channel=channel, since=since, until=until)
    summary = summarise_durations(facts.response_seconds)
    started = facts.customer_started
    return ResponseTimes(
        customer_started=started,
        responded=summary.count,
        response_rate=summary.count / started if started else None,
        median_seconds=summary.median_seconds,
        p90_seconds=summary.p90_seconds,
    )
