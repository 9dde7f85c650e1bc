"""The generic messages schema, shared by the `csv` and `jsonl` formats (docs/import-formats.md)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from goodwill.core import normalise_channel
from goodwill.importing import (
    BadValue,
    Record,
    aware_datetime_value,
    bool_value,
    count_value,
    text_value,
)
from goodwill.listening.types import MessageItem

REQUIRED = ("external_id", "channel", "author_handle", "created_at", "text")
OPTIONAL = (
    "author_id",
    "author_name",
    "url",
    "in_reply_to",
    "likes",
    "shares",
    "replies",
    "followers",
    "language",
    "is_company",
)
KNOWN = frozenset(REQUIRED + OPTIONAL)
ID_LENGTH = 255


@lru_cache(maxsize=256)
def _channel(name: str) -> str:
    try:
        return normalise_channel(name)
    except ValueError as exc:
        raise BadValue("channel", str(exc)) from None


def _extra(values: Mapping[str, Any]) -> dict[str, Any]:
    if KNOWN.issuperset(values):
        return {}
    return {k: v for k, v in values.items() if k not in KNOWN and v not in ("", None)}


def parse(record: Record) -> MessageItem:
    return parse_values(record.values)


def parse_values(values: Mapping[str, Any]) -> MessageItem:
    """One record of the generic schema as a MessageItem; raises BadValue naming the field.

    `text` is kept exactly as written (not stripped); other text fields lose surrounding
    whitespace. Columns outside the schema are kept in the message's raw payload.
    """
    external_id = text_value(values, "external_id", required=True, max_length=ID_LENGTH)
    channel = _channel(text_value(values, "channel", required=True))
    handle = text_value(values, "author_handle", required=True, max_length=ID_LENGTH)
    created_at = aware_datetime_value(values, "created_at")
    if "text" not in values or values["text"] is None:
        raise BadValue("text", "missing")
    text = values["text"]
    if not isinstance(text, str):
        raise BadValue("text", f"must be a string, not {type(text).__name__}")
    author_id = text_value(values, "author_id", max_length=ID_LENGTH) or handle
    return MessageItem(
        channel=channel,
        external_id=external_id,
        author_id=author_id,
        author_handle=handle,
        created_at=created_at,
        text=text,
        author_name=text_value(values, "author_name", max_length=255),
        url=text_value(values, "url", max_length=2048),
        in_reply_to=text_value(values, "in_reply_to", max_length=ID_LENGTH),
        likes=count_value(values, "likes") or 0,
        shares=count_value(values, "shares") or 0,
        replies=count_value(values, "replies") or 0,
        followers=count_value(values, "followers", maximum=2**63 - 1),
        language=text_value(values, "language", max_length=16),
        is_from_company=bool_value(values, "is_company") or False,
        raw=_extra(values),
    )
