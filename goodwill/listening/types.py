"""The normalised shape every connector and importer produces before storage."""

from __future__ import annotations

import hashlib
import operator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(slots=True)
class LabelItem:
    field: str
    value: str
    origin: str
    confidence: float | None = None


@dataclass(slots=True)
class MessageItem:
    channel: str
    external_id: str
    author_id: str  # the author's id on the channel (often the handle)
    author_handle: str
    created_at: datetime  # timezone-aware
    text: str
    author_name: str = ""
    url: str = ""
    in_reply_to: str = ""
    likes: int = 0
    shares: int = 0
    replies: int = 0
    followers: int | None = None
    language: str = ""
    is_from_company: bool = False
    raw: dict[str, Any] = field(default_factory=dict)
    labels: list[LabelItem] = field(default_factory=list)

    def content_hash(self, created_iso: str | None = None) -> str:
        """A digest of what a re-import could change; equal digests mean 'unchanged'.

        `created_iso` is ``created_at.isoformat()`` when the caller has it already (ingest
        derives it from the database text it formats anyway; isoformat costs ~2 us).
        """
        parts = (
            self.author_id,
            self.author_handle,
            self.author_name,
            self.created_at.isoformat() if created_iso is None else created_iso,
            self.text,
            self.url,
            self.in_reply_to,
            str(self.likes),
            str(self.shares),
            str(self.replies),
            "" if self.followers is None else str(self.followers),
            self.language,
            "1" if self.is_from_company else "0",
        )
        return hashlib.blake2b(
            "\x1f".join(parts).encode("utf-8", "surrogatepass"), digest_size=16
        ).hexdigest()


_ITEM_FIELDS = tuple(MessageItem.__dataclass_fields__)
_item_values = operator.attrgetter(*_ITEM_FIELDS)


def pack_items(items: list[MessageItem]) -> list[tuple[Any, ...]]:
    """Items as tuples of their fields, in declaration order: what an import's reader process
    sends (a dataclass with slots unpickles through a Python-level __setstate__, ~4x slower)."""
    return [_item_values(item) for item in items]


def unpack_items(rows: list[tuple[Any, ...]]) -> list[MessageItem]:
    return [MessageItem(*row) for row in rows]


@dataclass(slots=True)
class BatchResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    message_ids: list[int] = field(default_factory=list)

    def add(self, other: BatchResult) -> None:
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged
