"""Tiny helpers shared by several apps (no Django, no I/O)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")

# SQLite allows 32,766 bound parameters per statement; 900 keeps IN (...) lists well inside
# that on every backend and keeps PostgreSQL's plans simple.
IN_CHUNK = 900


def chunks(seq: Sequence[T], size: int = IN_CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(seq), size):
        yield seq[start : start + size]
