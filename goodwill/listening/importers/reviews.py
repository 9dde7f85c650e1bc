"""The `reviews` format: customer reviews (a star rating and text) from any platform's export.

Columns (docs/import-formats.md): ``external_id, author, created_at, rating`` are required,
and ``title`` or ``text`` (or both); ``channel`` (default ``review``), ``author_id``, ``url``
and ``language`` are optional, other columns are kept in the message's raw payload.

The title and the text, each verbatim, become the message text. The rating (a whole number of
stars from 1 to 5) is kept in ``raw["rating"]`` and stored as a ``rating`` label with origin
``review``: the reviewer's own judgement, which evaluation can set against Goodwill's
sentiment, never shown as Goodwill's analysis.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from goodwill.core import Channel, normalise_channel
from goodwill.importing import BadValue, Record, aware_datetime_value, text_value
from goodwill.listening.connectors.parsing import rating_label, rating_value, review_text
from goodwill.listening.types import MessageItem

REQUIRED = ("external_id", "author", "created_at", "rating")
ONE_OF = ("text", "title")
OPTIONAL = ("channel", "author_id", "author_name", "title", "text", "url", "language")
KNOWN = frozenset(REQUIRED + OPTIONAL)
# A header with these columns is read as reviews by `--format auto`.
SIGNATURE = frozenset({"external_id", "author", "rating"})
ID_LENGTH = 255


def _created_at(values: Mapping[str, Any]) -> datetime:
    """A date-time with a timezone, or a bare date (review exports often give only the day),
    read as midnight UTC. A date-time without a timezone is refused, as everywhere."""
    text = text_value(values, "created_at", required=True)
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise BadValue("created_at", f"{text!r} is not a date like 2024-05-01") from None
        return datetime(day.year, day.month, day.day, tzinfo=UTC)
    return aware_datetime_value(values, "created_at")


def _verbatim(values: Mapping[str, Any], name: str) -> str:
    value = values.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BadValue(name, f"must be a string, not {type(value).__name__}")
    return value


def parse(record: Record) -> MessageItem:
    return parse_values(record.values)


def parse_values(values: Mapping[str, Any]) -> MessageItem:
    """One review record as a MessageItem; raises BadValue naming the field."""
    external_id = text_value(values, "external_id", required=True, max_length=ID_LENGTH)
    channel_name = text_value(values, "channel")
    try:
        channel = normalise_channel(channel_name) if channel_name else Channel.REVIEW.value
    except ValueError as exc:
        raise BadValue("channel", str(exc)) from None
    author = text_value(values, "author", required=True, max_length=ID_LENGTH)
    created_at = _created_at(values)
    stars = rating_value(values, "rating")
    text = review_text(_verbatim(values, "title"), _verbatim(values, "text"))
    if not text.strip():
        field = "text" if "text" in values else "title"
        raise BadValue(field, "empty: a review needs a title or a text")
    raw: dict[str, Any] = {"rating": stars}
    raw.update({k: v for k, v in values.items() if k not in KNOWN and v not in ("", None)})
    return MessageItem(
        channel=channel,
        external_id=external_id,
        author_id=text_value(values, "author_id", max_length=ID_LENGTH) or author,
        author_handle=author,
        author_name=text_value(values, "author_name", max_length=255),
        created_at=created_at,
        text=text,
        url=text_value(values, "url", max_length=2048),
        language=text_value(values, "language", max_length=16),
        raw=raw,
        labels=[rating_label(stars)],
    )
