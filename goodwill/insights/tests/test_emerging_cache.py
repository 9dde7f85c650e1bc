"""The emerging scan's window cache: the same alerts and events as reading the whole reach
at every call, through late arrivals, edits, deletions and another worker's scans."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from django.db import transaction

from goodwill.insights import services
from goodwill.insights.emerging_cache import EmergingWindow
from goodwill.insights.models import Alert
from goodwill.insights.tests.background import (
    emerging_alerts,
    emerging_events,
    ingest_background,
)
from goodwill.listening import selectors as listening_selectors
from goodwill.listening.models import Message
from goodwill.web.tests.helpers import T0, ingest, post

DAYS = 30
BURST_AT = T0 + timedelta(days=DAYS - 1, hours=2)  # 14:00
WATCH = "cache-test"
CHARGED = "you charged me twice, refund me"


def _minutes(at: datetime) -> float:
    return (at - T0).total_seconds() / 60


def _say(ext: str, author: str, at: datetime, text: str = CHARGED) -> None:
    ingest([post(ext, author, _minutes(at), text=text)])


# What happens before the scan at each time (a call every 5 minutes, 13:30 to 16:30).
def _late_arrival() -> None:
    # Dated 14:03, stored after the 14:10 scan: the third voice, late.
    _say("late2", "angry2", BURST_AT + timedelta(minutes=3))


def _fourth_voice() -> None:
    _say("burst3", "angry3", BURST_AT + timedelta(minutes=20))


def _edit() -> None:
    # angry1's 14:05 message re-imported with other words ("updated"): no longer a voice.
    _say("burst1", "angry1", BURST_AT + timedelta(minutes=5), text="lovely crew today, thanks")


def _delete() -> None:
    Message.objects.filter(external_id="burst0").delete()


def _fifth_voice() -> None:
    _say("burst4", "angry4", BURST_AT + timedelta(minutes=70))


EVENTS: dict[int, Callable[[], None]] = {  # minutes after 14:00 of the scan it precedes
    15: _late_arrival,
    25: _fourth_voice,
    40: _edit,
    60: _delete,
    75: _fifth_voice,
}
OTHER_WORKER = 100  # this call reads fully in both runs: another process's scan


def _run(
    *, incremental: bool, reads: dict[int, tuple[int, int]] | None = None
) -> list[services.EmergingResult]:
    """The calls; ``reads``: each call's (full, incremental) window reads."""
    results = []
    window = services._EMERGING_WINDOWS.setdefault(WATCH, EmergingWindow())
    for minutes in range(-30, 151, 5):
        if minutes in EVENTS:
            EVENTS[minutes]()
        before = (window.full_reads, window.incremental_reads)
        results.append(
            services.scan_emerging(
                now=BURST_AT + timedelta(minutes=minutes, seconds=11),
                watch=WATCH,
                incremental=incremental and minutes != OTHER_WORKER,
            )
        )
        if reads is not None:
            reads[minutes] = (window.full_reads - before[0], window.incremental_reads - before[1])
    return results


def _world() -> None:
    # Stored ahead of their dates and before the background, so their ids are below every
    # id the first read sees: later calls find them by date, not by id.
    _say("burst0", "angry0", BURST_AT)
    _say("burst1", "angry1", BURST_AT + timedelta(minutes=5))
    ingest_background(DAYS, lambda day, k: f"person{(day + k) % 12}")


@pytest.mark.django_db
def test_the_window_cache_gives_the_full_reads_alerts_and_events_exactly() -> None:
    _world()
    services._EMERGING_WINDOWS.pop(WATCH, None)
    with transaction.atomic():
        full = _run(incremental=False)
        alerts, events = emerging_alerts(), emerging_events()
        transaction.set_rollback(True)
    assert services._EMERGING_WINDOWS[WATCH].full_reads == 0
    reads: dict[int, tuple[int, int]] = {}
    cached = _run(incremental=True, reads=reads)
    assert emerging_alerts() == alerts and emerging_events() == events
    assert [(r.scans, r.phrases, r.extended, len(r.opened)) for r in cached] == [
        (r.scans, r.phrases, r.extended, len(r.opened)) for r in full
    ]
    # The sequence tells the story it was built for, so a stale window would show: the
    # late third voice opened the alert at 14:15, the edit and the deletion took voices
    # away (the history's author counts fall), the fifth voice came back to it.
    ((phrase, *_, history, status, ids),) = alerts
    assert phrase == "charged twice" and status == Alert.Status.OPEN
    assert events[0][0] == (BURST_AT + timedelta(minutes=15)).isoformat()
    voices = sorted(events[0][2])  # burst0 was deleted since
    assert voices[0] == "burst1" and voices[1].startswith("gone:") and voices[2] == "late2"
    authors = [point[1] for point in history]
    assert max(authors) == 4 and authors[-1] < 4
    assert "burst4" in ids and "gone:" in " ".join(ids)  # burst0 deleted after it counted
    # Full reads: the first call, after the edit, after the deletion, the other worker's
    # call and the one after it; every other call (the late arrival's too) read only
    # what was new.
    full_reads_at = [m for m, (f, _) in reads.items() if f]
    assert full_reads_at == [-30, 40, 60, 105]
    assert all(i == 1 for m, (f, i) in reads.items() if m not in (-30, 40, 60, OTHER_WORKER, 105))
    assert reads[OTHER_WORKER] == (0, 0)


@pytest.mark.django_db
def test_a_message_edited_then_changed_back_reuses_nothing_stale() -> None:
    """Terms are kept per (id, content_hash): an edit is tokenised again, and so is the
    return to the first text, whatever the window held."""
    _say("m1", "a1", BURST_AT, text="the crew was lovely")
    window = EmergingWindow()
    reach, stop = BURST_AT - timedelta(hours=1), BURST_AT + timedelta(hours=1)
    (first,) = window.posts(key="k", reach=reach, start=None, stop=stop)
    assert "crew" in first.terms
    _say("m1", "a1", BURST_AT, text="charged me twice")
    (edited,) = window.posts(key="k", reach=reach, start=None, stop=stop)
    assert "twice" in edited.terms and "crew" not in edited.terms
    assert edited.id == first.id


@pytest.mark.django_db
def test_the_fingerprint_in_python_is_the_databases() -> None:
    _world()
    _say("nobody", "ghost", BURST_AT + timedelta(minutes=1))
    Message.objects.filter(external_id="nobody").update(author=None)
    since, until = T0, BURST_AT + timedelta(hours=1)
    rows = listening_selectors.customer_message_rows(since=since, until=until)
    parts = [listening_selectors.hash_parts(r[4]) for r in rows]
    expected = listening_selectors.Fingerprint(
        count=len(rows),
        ids=sum(r[0] for r in rows),
        authors=sum(r[2] or 0 for r in rows),
        hash_a=sum(a for a, _ in parts),
        hash_b=sum(b for _, b in parts),
    )
    found = listening_selectors.customer_message_fingerprint(
        since=since, until=until, max_id=max(r[0] for r in rows)
    )
    assert found == expected and found.count > 100 and found.hash_a > 0
    # An edit changes it; the text alone would not tell (the same length).
    _say("burst0", "angry0", BURST_AT, text=CHARGED.replace("twice", "twicf"))
    again = listening_selectors.customer_message_fingerprint(
        since=since, until=until, max_id=max(r[0] for r in rows)
    )
    assert again.count == found.count and again != found


@pytest.mark.django_db
def test_a_row_that_commits_late_with_a_smaller_id_is_read() -> None:
    """A row whose id was taken before the last read but that committed after it (ids are
    not committed in order) is dated inside what the window holds: the count tells."""
    for n in (1, 2, 3):
        _say(f"m{n}", f"a{n}", BURST_AT + timedelta(minutes=n))
    first = Message.objects.get(external_id="m1").pk
    Message.objects.filter(external_id="m2").update(id=first + 100)
    late = Message.objects.filter(external_id="m3")
    late_text = late.get().text
    late.delete()  # not committed yet when the window reads
    window = EmergingWindow()
    reach, stop = BURST_AT - timedelta(hours=1), BURST_AT + timedelta(hours=1)
    read = window.posts(key="k", reach=reach, start=None, stop=stop)
    assert [p.id for p in read] == [first, first + 100]
    _say("m3", "a3", BURST_AT + timedelta(minutes=3), text=late_text)
    Message.objects.filter(external_id="m3").update(id=first + 50)
    later = stop + timedelta(minutes=5)
    read = window.posts(key="k", reach=reach, start=stop, stop=later)
    assert [p.id for p in read] == [first, first + 100, first + 50]  # by date
    assert window.full_reads == 2 and window.incremental_reads == 0
    # With nothing changed, the next call reads only what is new.
    window.posts(key="k", reach=reach, start=later, stop=later + timedelta(minutes=5))
    assert window.full_reads == 2 and window.incremental_reads == 1
