"""Shared file-import framework: streaming records, row errors, batching, the summary."""

from __future__ import annotations

from dataclasses import dataclass, field

SUMMARY_KEYS = ("read", "created", "updated", "unchanged", "rejected", "duplicates")


@dataclass(slots=True)
class RowError:
    line: int
    field: str
    error: str
    raw: str = ""


@dataclass(slots=True)
class ImportSummary:
    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    duplicates: int = 0
    errors: list[RowError] = field(default_factory=list)

    def as_dict(self) -> dict[str, int]:
        return {key: getattr(self, key) for key in SUMMARY_KEYS}
