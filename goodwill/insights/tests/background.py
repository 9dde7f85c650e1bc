"""Everyday background traffic for the alert tests: five customer messages a day at fixed
minutes, against which a planted burst stands out; and what two runs of the emerging scan
are compared by."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from goodwill.events.models import Event
from goodwill.insights import services
from goodwill.insights.models import Alert
from goodwill.listening.models import Message
from goodwill.web.tests.helpers import ingest, post

BACKGROUND = [
    "my flight is delayed again, two hours late",
    "lost my bag at the airport, useless",
    "thanks for the lovely crew today",
    "how do I change my booking online?",
    "the app keeps crashing at checkout",
]


def ingest_background(days: int, author: Callable[[int, int], str]) -> None:
    """``days`` days of BACKGROUND from T0, the k-th text of a day at 09:00 + k * 97 min,
    posted by ``author(day, k)``."""
    ingest(
        post(f"bg{day}-{k}", author(day, k), day * 1440 + 9 * 60 + k * 97, text=text)
        for day in range(days)
        for k, text in enumerate(BACKGROUND)
    )


def _external(ids: list[int]) -> list[str]:
    names = dict(Message.objects.filter(pk__in=ids).values_list("pk", "external_id"))
    return [names.get(pk, f"gone:{pk}") for pk in ids]


def emerging_alerts() -> list[tuple[Any, ...]]:
    """Every emerging alert's stored fields, its messages as external ids (a deleted one as
    ``gone:<id>``), so a run rolled back and a run kept can be compared."""
    return [
        (*row[:-1], _external(row[-1]))
        for row in Alert.objects.filter(kind=Alert.Kind.EMERGING)
        .order_by("window_start", "phrase")
        .values_list(
            "phrase",
            "terms",
            "observed",
            "window_start",
            "window_end",
            "score",
            "history",
            "status",
            "message_ids",
        )
    ]


def emerging_events() -> list[tuple[Any, ...]]:
    """Every phrase.emerging event (time, payload but the alert id, messages as external ids)."""
    return sorted(
        (
            e.occurred_at.isoformat(),
            {k: v for k, v in e.payload.items() if k not in ("alert_id", "message_ids")},
            _external(e.payload["message_ids"]),
        )
        for e in Event.objects.filter(type=services.EMERGING_EVENT)
    )
