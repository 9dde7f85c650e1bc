"""The alerts list: compact rows, paging, filters, readable figures; its cost is flat."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from goodwill.insights import selectors, services
from goodwill.insights.models import Alert
from goodwill.insights.views import ALERT_PAGE_SIZE
from goodwill.listening.models import Message
from goodwill.web.tests.helpers import T0, ingest, post

RLO = "\u202e"


def make_alert(hour: int, *, message_ids: list[int] | None = None, **fields: Any) -> Alert:
    start = T0 + timedelta(hours=hour)
    topic = fields.pop("topic", "customer_service")
    values: dict[str, Any] = {
        "series_key": selectors.series_key(topic, "negative", "*"),
        "topic": topic,
        "sentiment": "negative",
        "channel": "*",
        "window_start": start,
        "window_end": start + timedelta(hours=1),
        "score": 5.2,
        "expected": 1.25,
        "observed": 9,
        "message_ids": message_ids or [],
        "history": [[(start - timedelta(hours=k)).isoformat(), 9 - k, 1.25] for k in range(24)],
    }
    values.update(fields)
    return Alert.objects.create(**values)


def emerging(hour: int, phrase: str, **fields: Any) -> Alert:
    return make_alert(
        hour,
        kind=Alert.Kind.EMERGING,
        series_key=f"phrase:{phrase}",
        phrase=phrase,
        terms=[phrase, "gate", "desk"],
        topic="",
        sentiment="",
        **fields,
    )


def list_queries(client: Any, query: str = "") -> tuple[int, str, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("insights:alerts") + query)
    assert response.status_code == 200
    return len(captured), response.content.decode(), [q["sql"] for q in captured]


@pytest.mark.django_db
def test_list_cost_does_not_grow_with_the_messages_that_drove_each_alert(signed_in: Any) -> None:
    few = [make_alert(h, message_ids=[1, 2]) for h in range(5)]
    n_few, html_few, _ = list_queries(signed_in)
    many = list(range(1, 20_001))
    Alert.objects.filter(pk__in=[a.pk for a in few]).update(message_ids=many)
    n_many, html_many, sqls = list_queries(signed_in)
    assert n_many == n_few
    # Not one message is read, and the alerts' message ids are never selected.
    assert not any(Message._meta.db_table in sql for sql in sqls)
    alert_reads = [sql for sql in sqls if Alert._meta.db_table in sql and "SELECT" in sql]
    assert alert_reads and not any("message_ids" in sql for sql in alert_reads)
    assert len(html_many) == len(html_few)


@pytest.mark.django_db
def test_list_is_paged_with_bounded_queries(
    signed_in: Any, django_assert_max_num_queries: Any
) -> None:
    for h in range(ALERT_PAGE_SIZE + 4):
        make_alert(h)
    with django_assert_max_num_queries(10):
        first = signed_in.get(reverse("insights:alerts")).content.decode()
    assert first.count("data-alert=") == ALERT_PAGE_SIZE and 'rel="next"' in first
    with django_assert_max_num_queries(10):
        second = signed_in.get(reverse("insights:alerts") + "?page=2").content.decode()
    assert second.count("data-alert=") == 4 and 'rel="prev"' in second
    newest = Alert.objects.order_by("-window_start").first()
    assert newest is not None and f'data-alert="{newest.pk}"' in first


@pytest.mark.django_db
def test_list_filters_by_kind_and_status_and_keeps_the_other_filter(signed_in: Any) -> None:
    spike = make_alert(0)
    phrase = emerging(1, "gate change")
    done = make_alert(2, status=Alert.Status.RESOLVED, topic="refund")
    _, spikes, _ = list_queries(signed_in, "?kind=spike")
    assert re.findall(r'data-alert="(\d+)"', spikes) == [str(spike.pk)]
    _, phrases, _ = list_queries(signed_in, "?kind=emerging&status=")
    assert re.findall(r'data-alert="(\d+)"', phrases) == [str(phrase.pk)]
    # A status tab keeps the chosen kind, and a kind tab keeps the status.
    assert 'href="?kind=emerging&amp;status=resolved"' in phrases
    _, resolved, _ = list_queries(signed_in, "?status=resolved")
    assert re.findall(r'data-alert="(\d+)"', resolved) == [str(done.pk)]
    assert 'href="?status=resolved&amp;kind=spike"' in resolved
    _, unknown, _ = list_queries(signed_in, "?kind=nonsense&status=nonsense")
    assert len(re.findall(r'data-alert="(\d+)"', unknown)) == 2  # open, any kind


@pytest.mark.django_db
def test_rows_read_as_people_talk(signed_in: Any) -> None:
    make_alert(0, score=5.0, observed=12, expected=2.0)
    emerging(1, f"gate {RLO}change", score=13.0, observed=1)
    _, html, _ = list_queries(signed_in)
    assert "Customer service" in html and ">customer_service<" not in html
    assert "1 in 100,000 by chance" in html and "very unusual" in html
    assert "less than 1 in a trillion" in html and "extremely unusual" in html
    assert "10^" not in html
    assert "<strong>12</strong> messages" in html and "<strong>1</strong> message<" in html
    assert "about 2.0 expected" in html
    assert RLO not in html.split('data-phrase="')[1].split('"', 1)[1]  # shown marked…
    assert "gate [RLO]change" in html  # …as a visible mark
    assert "<polyline" in html  # the stored history draws a sparkline, no script needed


@pytest.mark.django_db
def test_detail_names_the_topic_the_authors_and_marks_bidi_controls(signed_in: Any) -> None:
    ingest(
        [
            post("e1", "fatima.romano@example.com", text=f"refund {RLO}001$ please"),
            post("e2", "sam_k", 5, text="still waiting"),
        ]
    )
    ids = list(Message.objects.order_by("pk").values_list("pk", flat=True))
    alert = make_alert(0, message_ids=ids)
    html = signed_in.get(reverse("insights:alert", args=[alert.pk])).content.decode()
    assert "Customer service" in html
    assert "@fatima.romano@example.com" not in html and "fatima.romano@example.com" in html
    assert "@sam_k" in html
    assert RLO not in html and "refund [RLO]001$ please" in html
    assert "1 in 160,000 by chance" in html and "10^" not in html


@pytest.mark.django_db
def test_a_refused_status_change_names_the_statuses_in_words(signed_in: Any, user: Any) -> None:
    user.groups.add(Group.objects.get_or_create(name="supervisor")[0])
    alert = make_alert(0, status=Alert.Status.RESOLVED)
    page = signed_in.post(
        reverse("insights:alert_action", args=[alert.pk, "acknowledge"]), follow=True
    )
    html = page.content.decode()
    assert f"alert {alert.pk} is resolved, so it cannot become acknowledged" in html
    assert "Alert.Status" not in html


@pytest.mark.django_db
def test_home_marks_bidi_controls_and_names_authors_with_the_handle_filter(
    signed_in: Any,
) -> None:
    ingest([post("h1", "li.wei@example.com", text=f"pay {RLO}001$ now")])
    html = signed_in.get(reverse("home")).content.decode()
    assert RLO not in html and "pay [RLO]001$ now" in html
    assert "li.wei@example.com" in html and "@li.wei@example.com" not in html


@pytest.mark.django_db
def test_themes_come_from_the_scan_and_a_new_topic_hides_its_theme_at_once(
    signed_in: Any, user: Any
) -> None:
    old = ["my flight is delayed", "lovely crew today", "seat was fine"]
    ingest(
        post(f"o{d}-{k}", f"p{k}", d * 1440 + 60 * k, text=text)
        for d in range(20)
        for k, text in enumerate(old)
    )
    asks = ["please add dark mode", "dark mode when?", "I want dark mode at night"]
    ingest(post(f"n{i}", f"fan{i}", 24 * 1440 + 30 * i, text=asks[i % 3]) for i in range(12))
    assert services.refresh_themes() is not None
    assert 'data-theme="dark mode"' in list_queries(signed_in)[1]
    # Reading the stored report reads no message.
    assert not any(Message._meta.db_table in sql for sql in list_queries(signed_in)[2])
    services.save_topic(
        actor=user,
        form=services.TopicForm.from_text(name="dark mode", keywords="dark mode", examples=""),
    )
    assert 'data-theme="dark mode"' not in list_queries(signed_in)[1]


@pytest.mark.django_db
def test_a_window_over_several_days_shows_the_day_it_ends(signed_in: Any) -> None:
    one_day = make_alert(0)
    longer = emerging(1, "twice")
    longer.window_end = longer.window_start + timedelta(days=2, hours=3)
    longer.save()
    _, html, _ = list_queries(signed_in)
    end = longer.window_end
    start = one_day.window_start
    assert f"–{end.day} {end:%b}, {end:%H:%M}" in html
    assert f"{start.day} {start:%b}, {start:%H:%M}</span>–{one_day.window_end:%H:%M}<" in html
