"""The emerging-phrase scan's window of posts, kept between calls in the process.

Each 5-minute call of :func:`goodwill.insights.services.scan_emerging` needs the posts of
its reach (the baseline and window before its scans: four weeks and three hours). Reading
them all again at every call re-reads four weeks of texts to add five minutes. An
:class:`EmergingWindow` keeps the posts of the last call's reach and reads only what it has
not seen: messages with an id above the largest it read (new rows, also late arrivals
dated inside the reach) and messages dated from the last call's end on (rows stored ahead
of their date, as the demo replay and the tests do); posts that left the reach are dropped.

It is only a cache: the posts it returns are the posts the full read returns, in the same
order, or it reads fully. It reads fully when the reach does not continue the last call's
(the first call in the process, another watch or configuration, a watch reset, a call
whose transaction rolled back, a catch-up that started elsewhere) and when the messages it
holds changed in the database. That is checked at every call with one aggregate query over
the reach, not every N calls: a stale window would give wrong alerts until the next full
read, and the query costs the database a range scan, not a transfer of four weeks of texts
to Python. It compares the count, the sums of ids and of author ids, and two sums of
``content_hash`` characters (ingest's digest of all a re-import can change: text, date,
author, company flag) of the messages it holds with the database's: a deleted message, one
dated out of the reach or made a company message, one that committed late with a smaller
id, and one re-imported as "updated" each change a sum. A changed message's terms are not
reused: on a full read, terms are kept per (id, content_hash) and recomputed otherwise.

Each process (each Celery worker) has its own windows; nothing is shared and nothing needs
to be: the scan holds its :class:`~goodwill.insights.models.EmergingWatch` row lock while it
reads and records, and a window that another worker's scans moved past no longer continues
its watch's ``processed_until``, so it reads fully. Correctness never depends on the cache.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from datetime import datetime

from goodwill.analysis.emerging import Post, terms_many
from goodwill.listening import selectors as listening_selectors
from goodwill.listening.selectors import Fingerprint, hash_parts

Row = tuple[int, datetime, int | None, str, str]  # id, created_at, author id, text, hash


@dataclass(slots=True)
class _Held:
    post: Post
    content_hash: str
    hash_a: int
    hash_b: int


def _order(post: Post) -> tuple[float, int]:
    return (post.at, post.id)


def _at(post: Post) -> float:
    return post.at


class EmergingWindow:
    """The posts of one watch's reach, as of its last call (see the module docstring)."""

    def __init__(self) -> None:
        self.full_reads = 0  # calls that read the whole reach
        self.incremental_reads = 0  # calls that read only what was new
        self._key: Hashable | None = None
        self._reach: datetime | None = None
        self._until: datetime | None = None  # the last call's end: dates read up to here
        self._last_id = 0  # every id up to this one, dated in [reach, until), is held
        self._posts: list[Post] = []  # by (at, id): the full read's order
        self._held: dict[int, _Held] = {}
        self._sums = [0, 0, 0, 0, 0]  # count, ids, authors, hash_a, hash_b

    def __len__(self) -> int:
        """Posts held."""
        return len(self._posts)

    def clear(self) -> None:
        self._key = self._reach = self._until = None
        self._last_id = 0
        self._posts = []
        self._held = {}
        self._sums = [0, 0, 0, 0, 0]

    def posts(
        self, *, key: Hashable, reach: datetime, start: datetime | None, stop: datetime
    ) -> Sequence[Post]:
        """The customer messages' posts in [reach, stop), oldest first. ``start`` is where
        the watch's last call stopped (None for its first call); ``key`` names the watch and
        its configuration. The list is the window's own: read it, don't keep or change it."""
        if (
            start is not None
            and key == self._key
            and start == self._until
            and self._reach is not None
            and reach >= self._reach
            and self._read_new(reach=reach, stop=stop)
        ):
            self.incremental_reads += 1
            return self._posts
        self._read_all(key=key, reach=reach, stop=stop)
        self.full_reads += 1
        return self._posts

    # ------------------------------------------------------------------ reading

    def _read_new(self, *, reach: datetime, stop: datetime) -> bool:
        assert self._until is not None
        seen_until = self._until
        self._until = None  # not usable until this read completes
        self._drop_before(reach)
        rows = listening_selectors.customer_message_rows(
            since=reach, until=stop, after_id=self._last_id, seen_until=seen_until
        )
        # After reading the new rows: a row that committed between the two queries with an
        # id at or below last_id shows here (and not in rows), so it is never lost.
        held = listening_selectors.customer_message_fingerprint(
            since=reach, until=seen_until, max_id=self._last_id
        )
        if held != Fingerprint(*self._sums):
            return False
        posts = self._make_posts(rows)
        for row, (post, digest) in zip(rows, posts, strict=True):
            self._hold(post, digest)
            insort(self._posts, post, key=_order)
            self._last_id = max(self._last_id, row[0])
        self._reach, self._until = reach, stop
        return True

    def _read_all(self, *, key: Hashable, reach: datetime, stop: datetime) -> None:
        rows = listening_selectors.customer_message_rows(since=reach, until=stop)
        posts = self._make_posts(rows)
        self.clear()
        for post, digest in posts:
            self._hold(post, digest)
        self._posts = [post for post, _ in posts]
        self._last_id = max((row[0] for row in rows), default=0)
        self._key, self._reach, self._until = key, reach, stop

    def _make_posts(self, rows: Sequence[Row]) -> list[tuple[Post, str]]:
        """Posts of the rows; a message's terms are reused while its content_hash is the
        one they were computed from (an empty hash, from no ingest, is never trusted)."""
        terms: list[tuple[str, ...] | None] = []
        missing: list[int] = []
        for i, (pk, _, _, _, digest) in enumerate(rows):
            held = self._held.get(pk)
            if held is not None and digest and held.content_hash == digest:
                terms.append(held.post.terms)
            else:
                terms.append(None)
                missing.append(i)
        for i, computed in zip(missing, terms_many([rows[i][3] for i in missing]), strict=True):
            terms[i] = computed
        return [
            (Post(pk, at.timestamp(), author or 0, t or ()), digest)
            for (pk, at, author, _, digest), t in zip(rows, terms, strict=True)
        ]

    # ------------------------------------------------------------------ bookkeeping

    def _hold(self, post: Post, digest: str) -> None:
        a, b = hash_parts(digest)
        self._held[post.id] = _Held(post, digest, a, b)
        self._add(post.id, post.author, a, b, 1)

    def _add(self, pk: int, author: int, a: int, b: int, sign: int) -> None:
        sums = self._sums
        sums[0] += sign
        sums[1] += sign * pk
        sums[2] += sign * author
        sums[3] += sign * a
        sums[4] += sign * b

    def _drop_before(self, reach: datetime) -> None:
        cut = bisect_left(self._posts, reach.timestamp(), key=_at)
        for post in self._posts[:cut]:
            held = self._held.pop(post.id)
            self._add(post.id, post.author, held.hash_a, held.hash_b, -1)
        del self._posts[:cut]
