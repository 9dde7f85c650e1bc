"""Emerging-phrase alerts through the service, the periodic job and the alerts page."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.db import transaction
from django.urls import reverse

from goodwill.events.models import Event
from goodwill.insights import services, tasks
from goodwill.insights.models import Alert
from goodwill.insights.tests.background import (
    emerging_alerts,
    emerging_events,
    ingest_background,
)
from goodwill.listening.models import Message
from goodwill.web.tests.helpers import HOSTILE, T0, ingest, post

DAYS = 30
BURST_AT = T0 + timedelta(days=DAYS - 1, hours=2)  # T0 is at noon: 14:00


def _background() -> None:
    ingest_background(DAYS, lambda day, k: f"person{(day + k) % 12}")


def _burst(first: int, n: int, at: Any, text: str = "you charged me twice, refund me") -> None:
    start = (at - T0).total_seconds() / 60
    ingest(
        post(f"burst{i}", f"angry{i}", start + 5 * (i - first), text=f"{text} {HOSTILE}")
        for i in range(first, first + n)
    )


def _burst_ids() -> set[int]:
    return set(Message.objects.filter(external_id__startswith="burst").values_list("id", flat=True))


@pytest.mark.django_db
def test_a_new_phrase_from_several_people_opens_one_alert_and_one_event() -> None:
    _background()
    _burst(0, 4, BURST_AT)
    now = BURST_AT + timedelta(hours=1)
    result = services.scan_emerging(now=now)
    assert result.processed_until == now.replace(minute=0)
    (alert,) = Alert.objects.filter(kind=Alert.Kind.EMERGING)
    assert alert.phrase == "charged twice"
    assert {"charged", "twice", "charged twice"} <= set(alert.terms)
    assert set(alert.message_ids) == _burst_ids() and alert.observed == 4
    assert alert.window_end == now.replace(minute=0) and alert.channel == "*"
    assert result.opened == [alert.pk]
    (event,) = Event.objects.filter(type=services.EMERGING_EVENT)
    assert event.payload["alert_id"] == alert.pk and event.payload["phrase"] == "charged twice"
    assert event.payload["score"] >= event.payload["threshold"]
    # It opened at the first 5-minute scan after the third voice (14:10), with three, and
    # grew with the fourth (14:15) at the next scans.
    assert event.payload["authors"] == 3
    assert event.payload["window_end"] == (BURST_AT + timedelta(minutes=15)).isoformat()
    # Nothing before the burst alarmed, and a second run at the same time finds nothing new.
    again = services.scan_emerging(now=now)
    assert again.hours == 0 and again.opened == []


@pytest.mark.django_db
def test_an_alert_grows_with_new_voices_instead_of_reopening() -> None:
    _background()
    _burst(0, 4, BURST_AT)
    _burst(4, 3, BURST_AT + timedelta(hours=1), text="double charged, they charged me twice")
    opened: list[int] = []
    for hours in range(1, 6):
        opened += services.scan_emerging(now=BURST_AT + timedelta(hours=hours)).opened
    (alert,) = Alert.objects.filter(kind=Alert.Kind.EMERGING)
    assert opened == [alert.pk]
    assert set(alert.message_ids) == _burst_ids() and alert.observed == 7
    assert alert.window_end > BURST_AT + timedelta(hours=2)
    assert len(alert.history) >= 2
    assert Event.objects.filter(type=services.EMERGING_EVENT).count() == 1


@pytest.mark.django_db
def test_a_grown_alert_counts_each_message_once_when_it_keeps_fewer_ids(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Every 5-minute scan sees each message in ~36 windows; with its id list full, the
    # alert must still count each message once (it once added the whole window per scan).
    monkeypatch.setattr(services, "MAX_PHRASE_DRIVERS", 3)
    _background()
    _burst(0, 4, BURST_AT)
    _burst(4, 3, BURST_AT + timedelta(hours=1), text="double charged, they charged me twice")
    for hours in range(1, 6):
        services.scan_emerging(now=BURST_AT + timedelta(hours=hours))
    (alert,) = Alert.objects.filter(kind=Alert.Kind.EMERGING)
    assert len(alert.message_ids) == 3 and set(alert.message_ids) <= _burst_ids()
    assert alert.observed == 7
    # What was expected grew with the time covered (a few windows' worth, not one per
    # scan); the chart keeps a point every 15 minutes at most (the latest one moves on).
    opened_expected = Event.objects.get(type=services.EMERGING_EVENT).payload["expected"]
    assert opened_expected < alert.expected < 0.2 * alert.observed
    times = [datetime.fromisoformat(p[0]) for p in alert.history]
    assert len(times) >= 2 and times == sorted(times)
    assert all(b - a >= timedelta(minutes=15) for a, b in zip(times, times[1:-1], strict=False))


@pytest.mark.django_db
def test_a_long_story_keeps_its_start_on_the_chart(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(services, "MAX_HISTORY", 4)
    _background()
    _burst(0, 4, BURST_AT)
    _burst(4, 3, BURST_AT + timedelta(hours=1), text="double charged, they charged me twice")
    first = None
    for minutes in range(60, 6 * 60, 5):
        services.scan_emerging(now=BURST_AT + timedelta(minutes=minutes))
        alert = Alert.objects.filter(kind=Alert.Kind.EMERGING).first()
        if alert is not None and first is None:
            first = alert.history[0]
    alert = Alert.objects.get(kind=Alert.Kind.EMERGING)
    assert len(alert.history) <= 4
    assert alert.history[0] == first  # the opening point is still there
    assert alert.history[-1][0] == (alert.window_end - timedelta(hours=1)).isoformat()


@pytest.mark.django_db
def test_a_resolved_phrase_opens_a_new_alert_when_it_comes_back() -> None:
    _background()
    _burst(0, 4, BURST_AT)
    services.scan_emerging(now=BURST_AT + timedelta(hours=1))
    first = Alert.objects.get(kind=Alert.Kind.EMERGING)
    first.status = Alert.Status.RESOLVED
    first.save()
    _burst(10, 4, BURST_AT + timedelta(hours=1))
    services.scan_emerging(now=BURST_AT + timedelta(hours=2))
    assert Alert.objects.filter(kind=Alert.Kind.EMERGING).count() == 2


@pytest.mark.django_db
def test_ordinary_days_raise_no_emerging_alert() -> None:
    _background()
    result = services.scan_emerging(now=T0 + timedelta(days=DAYS))
    assert result.hours > 24 * (DAYS - 2)
    assert result.phrases == 0
    assert not Alert.objects.filter(kind=Alert.Kind.EMERGING).exists()


@pytest.mark.django_db
def test_the_periodic_job_runs_both_detectors(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    monkeypatch.setattr(services, "scan_spikes", lambda: calls.append("spikes"))
    monkeypatch.setattr(services, "scan_emerging", lambda: calls.append("emerging"))
    tasks.scan_spikes()
    assert calls == ["spikes", "emerging"]


@pytest.mark.django_db
def test_the_alerts_page_shows_the_phrase_and_its_messages_escaped(signed_in: Any) -> None:
    _background()
    _burst(0, 4, BURST_AT)
    services.scan_emerging(now=BURST_AT + timedelta(hours=1))
    alert = Alert.objects.get(kind=Alert.Kind.EMERGING)
    html = signed_in.get(reverse("insights:alerts")).content.decode()
    assert f'data-alert="{alert.pk}"' in html
    assert re.search(r'data-phrase="charged twice"', html)
    # The list is one row per alert; the (escaped) messages are on the detail page.
    assert "<script>alert" not in html and "data-message=" not in html
    detail = signed_in.get(reverse("insights:alert", args=[alert.pk])).content.decode()
    assert "charged twice" in detail and "&lt;script&gt;" in detail
    assert "<script>alert" not in detail
    assert detail.count("data-message=") == 4


@pytest.mark.django_db
def test_one_catch_up_and_a_call_every_five_minutes_raise_the_sameemerging_alerts() -> None:
    _background()
    _burst(0, 4, BURST_AT)
    _burst(4, 3, BURST_AT + timedelta(minutes=95), text="double charged, they charged me twice")
    end = BURST_AT + timedelta(hours=5)
    with transaction.atomic():
        caught_up = services.scan_emerging(now=end)
        alerts, events = emerging_alerts(), emerging_events()
        transaction.set_rollback(True)
    assert alerts and events
    first = services.scan_emerging(now=BURST_AT - timedelta(hours=1, minutes=3))
    stepped = [first]
    now = BURST_AT - timedelta(hours=1)
    while now <= end:
        stepped.append(services.scan_emerging(now=now + timedelta(seconds=17)))
        now += timedelta(minutes=5)
    assert emerging_alerts() == alerts and emerging_events() == events
    assert sum(r.scans for r in stepped) == caught_up.scans
    assert [r.processed_until for r in stepped[1:4]] == [
        BURST_AT - timedelta(minutes=m) for m in (60, 55, 50)
    ]
