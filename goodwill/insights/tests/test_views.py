"""The alerts page, its actions, and the topic editor."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from goodwill.accounts.models import AuditEntry
from goodwill.insights import services
from goodwill.insights.models import Alert, TaxonomyVersion
from goodwill.insights.views import ALERT_PAGE_SIZE
from goodwill.web.tests.helpers import HOSTILE, T0, ingest, make_user, post

BACKGROUND = ["my flight is delayed again", "lost my bag, useless", "lovely crew today"]


def _world_with_alerts(burst_text: str = "you charged me twice, terrible, refund me") -> None:
    ingest(
        post(f"bg{d}-{k}", f"p{k}", d * 1440 + 600 + 90 * k, text=text)
        for d in range(9)
        for k, text in enumerate(BACKGROUND)
    )
    ingest(
        post(f"b{i}", f"angry{i}", 8 * 1440 + 180 + 2 * i, text=f"{burst_text} {i}")
        for i in range(12)
    )
    services.scan_spikes(now=T0 + timedelta(days=9))


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["insights:alerts", "insights:topics"])
def test_pages_need_a_login(client: Any, name: str) -> None:
    response = client.get(reverse(name))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


@pytest.mark.django_db
def test_alerts_page_lists_one_row_per_alert_and_the_detail_has_chart_and_messages(
    signed_in: Any, django_assert_max_num_queries: Any
) -> None:
    _world_with_alerts(burst_text=f"charged twice, terrible {HOSTILE}")
    alerts = list(Alert.objects.all())
    assert alerts
    with django_assert_max_num_queries(12):
        page = signed_in.get(reverse("insights:alerts"))
    html = page.content.decode()
    shown = set(re.findall(r'data-alert="(\d+)"', html))
    assert shown == {str(a.pk) for a in alerts}
    # The list is compact: no chart script, no message texts (they are on the detail page).
    assert 'id="alert-data-' not in html and "vendor/chart.umd.js" not in html
    assert "charged twice" not in html
    # The nav links to this page, and it is marked active.
    assert re.search(r'<a href="/alerts/" class="active">', html)
    detail = signed_in.get(reverse("insights:alert", args=[alerts[0].pk])).content.decode()
    assert HOSTILE not in detail and "&lt;script&gt;" in detail
    assert 'id="alert-data-' in detail and "vendor/chart.umd.js" in detail
    # Each driving message links to its conversation.
    assert re.search(r'href="/inbox/\d+/"', detail)


@pytest.mark.django_db
def test_query_count_does_not_grow_with_alerts(
    signed_in: Any, django_assert_max_num_queries: Any
) -> None:
    _world_with_alerts()
    first = Alert.objects.first()
    assert first is not None
    for i in range(30):
        Alert.objects.create(
            series_key=f"t{i}|negative|x",
            topic=f"t{i}",
            sentiment="negative",
            channel="x",
            window_start=first.window_start + timedelta(hours=i + 1),
            window_end=first.window_start + timedelta(hours=i + 2),
            score=5,
            expected=0.5,
            observed=9,
            message_ids=first.message_ids,
            history=first.history,
        )
    with django_assert_max_num_queries(12):
        page = signed_in.get(reverse("insights:alerts"))
    assert page.content.decode().count("data-alert=") == ALERT_PAGE_SIZE < Alert.objects.count()


@pytest.mark.django_db
def test_acknowledge_and_resolve_from_the_page(signed_in: Any, user: Any) -> None:
    user.groups.add(Group.objects.get_or_create(name="supervisor")[0])  # alerts.resolve
    _world_with_alerts()
    alert = Alert.objects.order_by("id").first()
    assert alert is not None
    url = reverse("insights:alert_action", args=[alert.pk, "acknowledge"])
    assert signed_in.get(url).status_code == 405  # a GET changes nothing
    back = signed_in.post(url, {"next": "https://evil.example/"})
    assert back.status_code == 302 and back["Location"] == reverse("insights:alerts")
    alert.refresh_from_db()
    assert alert.status == Alert.Status.ACKNOWLEDGED
    signed_in.post(reverse("insights:alert_action", args=[alert.pk, "resolve"]))
    alert.refresh_from_db()
    assert alert.status == Alert.Status.RESOLVED
    assert AuditEntry.objects.filter(action="alert.resolved", target_id=str(alert.pk)).exists()
    page = signed_in.post(
        reverse("insights:alert_action", args=[alert.pk, "acknowledge"]), follow=True
    )
    assert "cannot become" in page.content.decode()
    resolved = signed_in.get(reverse("insights:alerts") + "?status=resolved").content.decode()
    assert f'data-alert="{alert.pk}"' in resolved
    assert (
        signed_in.post(reverse("insights:alert_action", args=[alert.pk, "delete"])).status_code
        == 404
    )


@pytest.mark.django_db
def test_alert_detail_shows_every_driving_message(signed_in: Any) -> None:
    _world_with_alerts()
    alert = Alert.objects.order_by("-observed").first()
    assert alert is not None
    html = signed_in.get(reverse("insights:alert", args=[alert.pk])).content.decode()
    assert set(re.findall(r'data-message="(\d+)"', html)) == {str(i) for i in alert.message_ids}
    assert signed_in.get(reverse("insights:alert", args=[999999])).status_code == 404


@pytest.fixture
def analyst(client: Any) -> Any:
    user = make_user("priya")
    user.groups.add(Group.objects.get_or_create(name="analyst")[0])
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_topics_can_be_added_edited_and_removed_by_an_analyst(analyst: Any) -> None:
    prefilled = analyst.get(reverse("insights:topics") + "?name=dark+mode&keywords=dark+mode")
    assert 'value="dark mode"' in prefilled.content.decode()
    bad = analyst.post(reverse("insights:topics"), {"name": "billing", "keywords": "x"})
    assert bad.status_code == 200 and "already exists" in bad.content.decode()
    assert TaxonomyVersion.objects.count() == 0
    made = analyst.post(
        reverse("insights:topics"),
        {"name": "dark mode", "keywords": "dark mode\ndark theme", "examples": HOSTILE},
    )
    assert made.status_code == 302
    edit_url = reverse("insights:topic_edit", args=["dark mode"])
    form = analyst.get(edit_url).content.decode()
    assert "dark theme" in form and HOSTILE not in form and "&lt;script&gt;" in form
    analyst.post(edit_url, {"name": "dark mode", "keywords": "night mode", "examples": ""})
    listing = analyst.get(reverse("insights:topics")).content.decode()
    assert "night mode" in listing and "v3" in listing
    analyst.post(edit_url, {"delete": "1"})
    assert 'data-topic="dark mode"' not in analyst.get(reverse("insights:topics")).content.decode()
    assert TaxonomyVersion.objects.count() == 4


@pytest.mark.django_db
def test_an_agent_cannot_edit_topics(signed_in: Any) -> None:
    response = signed_in.post(reverse("insights:topics"), {"name": "x", "keywords": "x"})
    assert response.status_code == 403
    assert TaxonomyVersion.objects.count() == 0


@pytest.mark.django_db
def test_new_themes_are_shown_with_a_prefilled_add_topic_link(signed_in: Any) -> None:
    analyst_user = make_user("ana")
    analyst_user.groups.add(Group.objects.get_or_create(name="analyst")[0])
    signed_in.force_login(analyst_user)
    old = ["my flight is delayed", "lovely crew today", "seat was fine"]
    ingest(
        post(f"o{d}-{k}", f"p{k}", d * 1440 + 60 * k, text=text)
        for d in range(20)
        for k, text in enumerate(old)
    )
    asks = ["please add dark mode", "dark mode when?", f"{HOSTILE} I want dark mode at night"]
    ingest(post(f"n{i}", f"fan{i}", 24 * 1440 + 30 * i, text=asks[i % 3]) for i in range(12))
    assert 'data-theme="' not in signed_in.get(reverse("insights:alerts")).content.decode()
    services.refresh_themes()  # the periodic scan stores the report the page reads
    html = signed_in.get(reverse("insights:alerts")).content.decode()
    assert 'data-theme="dark mode"' in html
    assert "?name=dark+mode&amp;keywords=dark+mode&amp;examples=please+add+dark+mode" in html
    assert HOSTILE not in html
