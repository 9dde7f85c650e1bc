"""Everyday airline words for background chatter in the phrase-finding tests (themes,
emerging phrases): common enough that no phrase of them should stand out."""

from __future__ import annotations

FILLER = [
    "flight",
    "crew",
    "seat",
    "gate",
    "plane",
    "airport",
    "trip",
    "ticket",
    "morning",
    "evening",
    "weekend",
    "holiday",
    "coffee",
    "window",
    "aisle",
    "queue",
    "boarding",
    "terminal",
    "lounge",
    "snack",
    "pilot",
    "landing",
    "journey",
]
