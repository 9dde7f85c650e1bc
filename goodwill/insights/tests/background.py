"""Everyday background traffic for the alert tests: five customer messages a day at fixed
minutes, against which a planted burst stands out."""

from __future__ import annotations

from collections.abc import Callable

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
