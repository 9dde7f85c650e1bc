"""Small display filters shared by every page."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django import template

register = template.Library()


@register.filter
def duration(value: timedelta | None) -> str:
    """A wait as people say it: "45 s", "12 min", "3 h 5 min", "2 d 4 h"."""
    if value is None:
        return "—"
    seconds = int(value.total_seconds())
    if seconds < 0:
        return "—"
    if seconds < 60:
        return f"{seconds} s"
    minutes, _ = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


@register.filter
def initials(value: object) -> str:
    """Up to two initials for an avatar; "?" when there is no name."""
    words = [w for w in str(value or "").replace("@", " ").split() if w[:1].isalnum()]
    return "".join(w[0] for w in words[:2]).upper() or "?"


@register.filter
def elapsed_since(value: datetime | None, start: datetime | None) -> str:
    """`value - start` as a duration (e.g. a first response after the conversation started)."""
    if value is None or start is None:
        return "—"
    return duration(value - start)


@register.filter
def http_url(value: object) -> str:
    """The URL if it is http(s), else "": a `javascript:` link from a post must never be live."""
    url = str(value or "").strip()
    scheme = urlsplit(url).scheme.lower() if url else ""
    return url if scheme in {"http", "https"} else ""
