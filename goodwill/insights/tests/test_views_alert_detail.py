"""The alert detail page: the driving messages paged oldest first with their count, a cost
that does not grow with them, escaped social text, a chart labelled like the page."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from goodwill.insights.models import Alert
from goodwill.insights.tests.test_views_alerts_list import make_alert
from goodwill.insights.views import DRIVER_PAGE_SIZE
from goodwill.listening.models import Message
from goodwill.web.tests.helpers import HOSTILE, ingest, post


def _messages(n: int, prefix: str = "m", text: str = "charged twice") -> list[int]:
    """n messages a minute apart, ingested newest first so ids and times disagree."""
    ingest(
        post(f"{prefix}{i}", f"{prefix}author{i}", i, text=f"{text} {i}")
        for i in reversed(range(n))
    )
    return list(
        Message.objects.filter(external_id__startswith=prefix)
        .order_by("-created_at")
        .values_list("pk", flat=True)
    )


def _shown(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'data-message="(\d+)"', html)]


def _detail(client: Any, alert: Alert, query: str = "") -> tuple[int, str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("insights:alert", args=[alert.pk]) + query)
    assert response.status_code == 200
    return len(captured), response.content.decode()


@pytest.mark.django_db
def test_driving_messages_are_paged_oldest_first_with_their_count(signed_in: Any) -> None:
    n = 2 * DRIVER_PAGE_SIZE + 7
    ids = _messages(n)
    alert = make_alert(0, message_ids=ids, observed=n)
    pages = [_detail(signed_in, alert, f"?page={p}")[1] for p in (1, 2, 3)]
    shown = [_shown(html) for html in pages]
    assert [len(s) for s in shown] == [DRIVER_PAGE_SIZE, DRIVER_PAGE_SIZE, 7]
    everything = [pk for s in shown for pk in s]
    assert sorted(everything) == sorted(ids)
    by_time = list(Message.objects.filter(pk__in=ids).order_by("created_at", "id"))
    assert everything == [m.pk for m in by_time]  # oldest first, across the pages
    first, middle, last = pages
    assert f"{n} messages, oldest first" in first
    assert f"1–{DRIVER_PAGE_SIZE} of {n}" in first
    assert 'rel="next">Later ›' in first and 'rel="prev"' not in first
    assert 'rel="prev">‹ Earlier' in middle and 'rel="next">Later ›' in middle
    assert 'rel="next"' not in last and "Newer" not in last and "Older" not in last
    assert 'id="drivers-kept"' not in first  # every counted message is kept


@pytest.mark.django_db
def test_page_cost_does_not_grow_with_the_messages(
    signed_in: Any, django_assert_max_num_queries: Any
) -> None:
    few = make_alert(0, message_ids=_messages(3, "f"))
    many_ids = _messages(3 * DRIVER_PAGE_SIZE, "g")
    # Ids of messages since erased cost nothing either.
    many = make_alert(1, message_ids=[*many_ids, *range(10**7, 10**7 + 5_000)])
    n_few, _ = _detail(signed_in, few)
    with django_assert_max_num_queries(8):
        n_many, html = _detail(signed_in, many, "?page=2")
    assert n_many == n_few
    assert len(_shown(html)) == DRIVER_PAGE_SIZE


@pytest.mark.django_db
def test_the_page_says_when_the_alert_kept_fewer_messages_than_it_counted(
    signed_in: Any,
) -> None:
    ids = _messages(4)
    _, html = _detail(signed_in, make_alert(0, message_ids=ids, observed=1_250))
    assert "keeps the first 4 of the 1,250 messages it counted" in html
    _, gone = _detail(signed_in, make_alert(1, message_ids=[10**7, 10**7 + 1]))
    assert "These messages are no longer stored." in gone and not _shown(gone)
    _, none = _detail(signed_in, make_alert(2, message_ids=[]))
    assert "No message was kept with this alert." in none


@pytest.mark.django_db
def test_social_text_is_escaped(signed_in: Any) -> None:
    ids = _messages(2, "h", text=HOSTILE)
    _, html = _detail(signed_in, make_alert(0, message_ids=ids))
    assert len(_shown(html)) == 2
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;" in html


@pytest.mark.django_db
@override_settings(TIME_ZONE="Europe/Paris")
def test_chart_is_labelled_in_the_page_time_zone_and_marks_the_window(signed_in: Any) -> None:
    alert = make_alert(0)  # T0 is 12:00 UTC, 13:00 in Paris on 1 March 2024
    _, html = _detail(signed_in, alert)
    data = json.loads(
        html.split(f'id="alert-data-{alert.pk}"', 1)[1].split(">", 1)[1].split("<")[0]
    )
    assert len(data["labels"]) == len(alert.history)
    at = {row[0]: label for row, label in zip(alert.history, data["labels"], strict=True)}
    assert at[alert.window_start.isoformat()] == "1 Mar 13:00"
    assert "1 Mar 2024, 13:00" in html  # the window reads the same
    flags = dict(zip(data["labels"], data["in_window"], strict=True))
    assert flags["1 Mar 13:00"] is True and flags["1 Mar 12:00"] is False
    assert sum(data["in_window"]) == 1


@pytest.mark.django_db
def test_topic_and_channel_lead_to_their_other_alerts(signed_in: Any) -> None:
    alert = make_alert(0, topic="billing")
    other = make_alert(1, topic="billing", status=Alert.Status.RESOLVED, channel="x")
    unrelated = make_alert(2, topic="refund")
    _, html = _detail(signed_in, alert)
    links = dict(re.findall(r'href="([^"]+)" data-filter="(\w+)"', html))
    by_filter = {v: k.replace("&amp;", "&") for k, v in links.items()}
    topic_page = signed_in.get(by_filter["topic"]).content.decode()
    assert set(re.findall(r'data-alert="(\d+)"', topic_page)) == {str(alert.pk), str(other.pk)}
    channel_page = signed_in.get(by_filter["channel"]).content.decode()
    shown = set(re.findall(r'data-alert="(\d+)"', channel_page))
    assert shown == {str(alert.pk), str(unrelated.pk)}  # the all-channel series only
