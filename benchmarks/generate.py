"""Deterministic generated messages in the generic CSV schema, streamed (flat memory)."""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from goodwill.listening.types import MessageItem

COLUMNS = (
    "external_id",
    "channel",
    "author_handle",
    "created_at",
    "text",
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

_VOCABULARY = (
    "order delivery late refund app crash love great thanks help please why still waiting "
    "support account login password card charged twice store staff friendly rude price "
    "cheap expensive shipping box broken new feature idea would like cancel subscription "
    "never again best ever wow seriously today yesterday week hours days the a my your is "
    "was not and but so very really just can you we our team fix update"
)
_WORDS = tuple(_VOCABULARY.split())
_CHANNELS = (("x", 0.7), ("facebook", 0.15), ("reddit", 0.15))
_LANGUAGES = ("en", "en", "en", "en", "en", "es", "fr", "de", "")
_COMPANY = "acme_support"
START = datetime(2024, 1, 1, tzinfo=UTC)


def generate_rows(n: int, *, seed: int = 7) -> Iterator[tuple[str, ...]]:
    """Yield `n` rows (in COLUMNS order): threads of customer posts and company replies.

    About 40% of messages start a thread; the rest reply to a recent message of the same
    channel (so threads span batch boundaries), a third of replies coming from the company
    account. Authors repeat (a pool of n/4 people), so identities are shared across rows.
    """
    rng = random.Random(seed)
    people = max(1, n // 4)
    recent: dict[str, list[str]] = {c: [] for c, _ in _CHANNELS}
    names = [c for c, _ in _CHANNELS]
    weights = [w for _, w in _CHANNELS]
    at = START
    for i in range(n):
        channel = rng.choices(names, weights)[0]
        at += timedelta(seconds=rng.randint(1, 40))
        ext = f"{channel[0]}{i}"
        pool = recent[channel]
        parent = ""
        company = False
        if pool and rng.random() < 0.6:
            parent = pool[-1 - int(rng.random() ** 2 * len(pool))]
            company = rng.random() < 0.33
        if company:
            handle, name, followers = _COMPANY, "Acme Support", "120000"
        else:
            person = int(rng.paretovariate(1.2) * 7) % people
            handle = f"user{person}"
            name = f"User {person}" if person % 3 else ""
            followers = str(person * 37 % 50000)
        pool.append(ext)
        if len(pool) > 400:
            del pool[:100]
        words = rng.choices(_WORDS, k=rng.randint(5, 30))
        yield (
            ext,
            channel,
            handle,
            at.isoformat(),
            " ".join(words),
            name,
            f"https://example.com/{channel}/{ext}" if rng.random() < 0.5 else "",
            parent,
            str(rng.randint(0, 50)),
            str(rng.randint(0, 10)),
            str(rng.randint(0, 5)),
            followers,
            rng.choice(_LANGUAGES),
            "true" if company else "",
        )


def write_csv(path: Path, n: int, *, seed: int = 7) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(COLUMNS)
        writer.writerows(generate_rows(n, seed=seed))
    return path


def message_item(rec: dict[str, str]) -> MessageItem:
    """One generated CSV record (a csv.DictReader row) as the MessageItem ingest takes."""
    return MessageItem(
        channel=rec["channel"],
        external_id=rec["external_id"],
        author_id=rec["author_handle"],
        author_handle=rec["author_handle"],
        created_at=datetime.fromisoformat(rec["created_at"]),
        text=rec["text"],
        author_name=rec["author_name"],
        url=rec["url"],
        in_reply_to=rec["in_reply_to"],
        likes=int(rec["likes"]),
        shares=int(rec["shares"]),
        replies=int(rec["replies"]),
        followers=int(rec["followers"]) if rec["followers"] else None,
        language=rec["language"],
        is_from_company=rec["is_company"] == "true",
    )
