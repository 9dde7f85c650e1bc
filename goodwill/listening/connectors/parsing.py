"""Small parsing helpers shared by the Mastodon, Bluesky, RSS and Trustpilot connectors.

- :func:`html_to_text` turns the HTML a platform sends (a Mastodon status, a feed summary) into
  plain text a person and the analysis can read: paragraphs and line breaks become newlines,
  a link keeps its visible text (Mastodon puts a link's full URL in the anchor's text, split
  over visible and "invisible" spans, so joining them gives the URL back), entities are
  decoded, scripts and styles are dropped. It uses the standard library's ``html.parser``
  (a tolerant tokenizer that never raises on broken markup); a full DOM library would add a
  dependency for no gain here.
- :func:`iso_time` reads the ISO 8601 times these APIs send, whatever the number of
  fractional digits, and insists on a timezone.
- :class:`Parsed` collects items and what was skipped with the reason, naming the field.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

from goodwill.importing import BadValue, count_value
from goodwill.listening.connectors.base import ConnectorError, Skipped
from goodwill.listening.types import LabelItem, MessageItem

# Tags after (and before) which the text breaks a line; paragraphs leave a blank line.
_LINE_TAGS = frozenset(
    {"br", "div", "li", "tr", "dt", "dd", "figcaption", "pre", "hr", "table", "ul", "ol"}
)
_PARAGRAPH_TAGS = frozenset({"p", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6"})
_DROPPED_TAGS = frozenset({"script", "style", "template", "noscript"})
_SPACES = re.compile(r"[ \t\r\f\v\n]+")
_BLANK_LINES = re.compile(r"\n{3,}")


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._dropped = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _DROPPED_TAGS:
            self._dropped += 1
        elif tag in _PARAGRAPH_TAGS:
            self.parts.append("\n\n")
        elif tag in _LINE_TAGS:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _LINE_TAGS or tag in _PARAGRAPH_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROPPED_TAGS:
            self._dropped = max(0, self._dropped - 1)
        elif tag in _PARAGRAPH_TAGS:
            self.parts.append("\n\n")
        elif tag in _LINE_TAGS and tag != "br":
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._dropped:
            self.parts.append(_SPACES.sub(" ", data))


def html_to_text(html: str) -> str:
    """Readable plain text of an HTML fragment (see the module docstring)."""
    if "<" not in html and "&" not in html:
        return _SPACES.sub(" ", html).strip()
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    text = "".join(parser.parts)
    lines = [line.strip() for line in text.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def iso_time(value: Any, name: str) -> datetime:
    """An ISO 8601 date-time with a timezone, like ``2024-05-01T13:45:00.123456789Z``."""
    if not isinstance(value, str) or not value.strip():
        raise BadValue(name, "missing" if value in (None, "") else f"{value!r} is not a time")
    text = value.strip()
    # Python before 3.12 reads at most 6 fractional digits; AT Protocol may send more.
    normalised = re.sub(r"(\.\d{6})\d+", r"\1", text)
    try:
        moment = datetime.fromisoformat(normalised)
    except ValueError:
        raise BadValue(
            name, f"{text!r} is not an ISO 8601 date-time (like 2024-05-01T13:45:00Z)"
        ) from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise BadValue(name, f"{text!r} has no timezone")
    return moment


def utc_iso(moment: datetime) -> str:
    """A time as the ISO 8601 text kept in cursors (UTC, microseconds, 'Z')."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def item_ref(kind: str, raw: Any, key: str, position: int) -> str:
    """How a skipped item is named: ``status 123``, or ``status #4`` when it has no id."""
    if isinstance(raw, Mapping):
        value = raw.get(key)
        if isinstance(value, str | int) and not isinstance(value, bool) and str(value).strip():
            return f"{kind} {value}"
    return f"{kind} #{position}"


@dataclass
class Parsed:
    """Items parsed from one response, and what was left out with the reason."""

    items: list[MessageItem] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    def take(
        self, ref: str, parse: Callable[[Mapping[str, Any]], MessageItem], raw: Any
    ) -> MessageItem | None:
        if not isinstance(raw, Mapping):
            self.skipped.append(Skipped(ref=ref, reason=f"not an object ({type(raw).__name__})"))
            return None
        try:
            item = parse(raw)
        except BadValue as exc:
            self.skipped.append(Skipped(ref=ref, reason=f"field {exc.field!r}: {exc.error}"))
            return None
        self.items.append(item)
        return item

    def skip(self, ref: str, reason: str) -> None:
        self.skipped.append(Skipped(ref=ref, reason=reason))


def header(headers: Mapping[str, str], name: str) -> str:
    """A response header by name, whatever its case in ``headers`` ('' when absent)."""
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return ""


# --- Reviews (the Trustpilot connector and the reviews file importer) -------------------------

RATING_ORIGIN = "review"  # a rating label is the reviewer's own judgement


def review_text(title: str, text: str) -> str:
    """A review's title and text as one message text, each kept verbatim."""
    if title.strip() and text.strip():
        return f"{title}\n\n{text}"
    return text if text.strip() else title


def rating_value(values: Mapping[str, Any], name: str) -> int:
    """A star rating: a whole number from 1 to 5 ('4' and '4.0' are read, '4.5' is not)."""
    value = values.get(name)
    try:
        stars = count_value(values, name, maximum=5)
    except BadValue:
        stars = -1
    if stars is None:
        raise BadValue(name, "missing")
    if not 1 <= stars <= 5:
        raise BadValue(name, f"{value!r} is not a whole-star rating from 1 to 5")
    return stars


def rating_label(stars: int) -> LabelItem:
    return LabelItem(field="rating", value=str(stars), origin=RATING_ORIGIN)


def address_problem(value: Any, example: str) -> str | None:
    """Why ``value`` is not an http(s) address (None when it is one)."""
    text = str(value or "").strip()
    parts = urlsplit(text)
    if parts.scheme in ("http", "https") and parts.netloc:
        return None
    return f"{text!r} is not an http(s) address like {example}" if text else "required"


def refuse(problems: Mapping[str, str]) -> None:
    """Raise a ConnectorError naming every bad setting, if there is any."""
    if problems:
        raise ConnectorError("; ".join(f"{name}: {problem}" for name, problem in problems.items()))
