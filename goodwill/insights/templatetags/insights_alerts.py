"""Display filters for alerts: how unusual a score is, topic names as people read them."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from django import template

register = template.Library()

# Beyond this a "1 in N" figure stops meaning anything to a reader.
_ONE_IN_CEILING = 12


@register.filter
def one_in(score: object) -> str:
    """A score (about once in 10**score by chance) as "1 in 120,000"; a plain decimal else.

    Two significant figures; "less than 1 in a trillion" past 10**12; "" for no score.
    """
    try:
        value = float(score)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return ""
    if math.isnan(value):
        return ""
    if value >= _ONE_IN_CEILING:
        return "less than 1 in a trillion"
    n = 10 ** max(value, 0.0)
    if n < 100:
        return f"1 in {round(n):,}"
    digits = int(math.floor(math.log10(n))) - 1
    return f"1 in {int(round(n, -digits)):,}"


@register.filter
def unusualness(score: object) -> str:
    """A word for how unusual a score is: "unusual", "very unusual", "extremely unusual"."""
    try:
        value = float(score)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return ""
    if value >= 8:
        return "extremely unusual"
    if value >= 5:
        return "very unusual"
    return "unusual"


@register.filter
def topic_label(name: object) -> str:
    """A topic's name as a reader sees it: "customer_service" is "Customer service"."""
    text = " ".join(str(name or "").replace("_", " ").split())
    if not text:
        return ""
    if text.startswith("(") and text.endswith(")"):  # "(no topic)" reads as it is
        return text
    return text[:1].upper() + text[1:]


@register.filter
def sparkline(history: object, size: str = "120x28") -> str:
    """SVG polyline points for an alert's stored history rows ``[label, observed, expected]``.

    Plain numbers only, so the result needs no escaping; "" when there is nothing to draw.
    """
    rows: Sequence[Any] = history if isinstance(history, list | tuple) else ()
    values = []
    for row in rows:
        try:
            values.append(float(row[1]))
        except (TypeError, ValueError, IndexError):
            values.append(0.0)
    if len(values) < 2:
        return ""
    width, _, height = size.partition("x")
    w, h = float(width), float(height or 28)
    top = max(max(values), 1.0)
    step = w / (len(values) - 1)
    return " ".join(
        f"{i * step:.1f},{h - 1 - (v / top) * (h - 2):.1f}" for i, v in enumerate(values)
    )
