"""Small display filters shared by every page."""

from __future__ import annotations

import re
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
    """Up to two initials for an avatar; "?" when there is no name.

    An email address gives the initials of its local part ("fatima.romano@…" is "FR").
    """
    text = str(value or "").strip()
    if "@" in text.strip("@") and not any(ch.isspace() for ch in text):
        text = re.sub(r"[._+\-]+", " ", text.strip("@").split("@", 1)[0])
    words = [w for w in text.replace("@", " ").split() if w[:1].isalnum()]
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


# Explicit bidirectional embeddings, overrides and isolates. In a post they can make text
# read differently from what was written ("refund 001$" shown as "refund $100", a handle
# shown backwards), so pages show each one as a visible mark; the stored text is unchanged.
BIDI_CONTROLS = {
    "\u202a": "LRE",
    "\u202b": "RLE",
    "\u202c": "PDF",
    "\u202d": "LRO",
    "\u202e": "RLO",
    "\u2066": "LRI",
    "\u2067": "RLI",
    "\u2068": "FSI",
    "\u2069": "PDI",
}
_BIDI_TABLE = str.maketrans({ch: f"[{name}]" for ch, name in BIDI_CONTROLS.items()})


@register.filter
def reveal_bidi(value: object) -> str:
    """The text with bidirectional control characters shown as marks like "[RLO]".

    Returns plain (unsafe) text, so autoescaping still applies after it.
    """
    return str(value if value is not None else "").translate(_BIDI_TABLE)


@register.filter
def handle(identity: object) -> str:
    """How an account is named on a page: "@name" for a handle, an address or a full name as is.

    Email addresses and review-site names ("J. Ortega") are not @-handles, so they get no "@".
    """
    if identity is None:
        return "unknown"
    name = str(getattr(identity, "handle", "") or getattr(identity, "external_id", "") or "")
    name = reveal_bidi(name)
    if not name:
        return "unknown"
    if "@" in name or any(ch.isspace() for ch in name):
        return name
    return f"@{name}"
