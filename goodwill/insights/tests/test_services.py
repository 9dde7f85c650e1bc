"""Spike watch, alert status changes and taxonomy edits, through the services."""

from __future__ import annotations

from datetime import timedelta

import pytest

from goodwill.accounts.models import AuditEntry
from goodwill.analysis.topics import default_taxonomy
from goodwill.events.models import Event
from goodwill.insights import selectors, services
from goodwill.insights.models import Alert, SpikeWatch, TaxonomyVersion
from goodwill.insights.tests.background import ingest_background
from goodwill.listening import understanding
from goodwill.listening.models import Message
from goodwill.web.tests.helpers import T0, ingest, make_user, post

BURST_TEXT = "you charged me twice for one booking, terrible, refund me"
BURST_AT = T0 + timedelta(days=8, hours=14)


def _background(days: int = 10) -> None:
    ingest_background(days, lambda day, k: f"person{k}")


def _burst(n: int = 15) -> None:
    start = (BURST_AT - T0).total_seconds() / 60
    ingest(
        post(f"burst{i}", f"angry{i}", start + 3 * i, channel="x", text=f"{BURST_TEXT} #{i}")
        for i in range(n)
    )


@pytest.mark.django_db
def test_a_burst_opens_one_alert_with_its_messages_and_an_event() -> None:
    _background()
    _burst()
    result = services.scan_spikes(now=T0 + timedelta(days=10))
    assert result.buckets == 10 * 24 - 9  # from the first message's hour to now
    burst_ids = set(
        Message.objects.filter(external_id__startswith="burst").values_list("id", flat=True)
    )
    alerts = list(Alert.objects.all())
    driven = [a for a in alerts if burst_ids & set(a.message_ids)]
    assert driven, "the burst raised no alert"
    assert {a.sentiment for a in driven} == {"negative"}
    for alert in driven:
        assert alert.window_start == BURST_AT.replace(minute=0)
        assert alert.observed == 15 and alert.expected < 1
        assert set(alert.message_ids) == burst_ids  # only the burst, all of it
        assert alert.status == Alert.Status.OPEN
        assert alert.history[-1][1] == 15  # the chart ends with the alarming bucket
    assert {a.channel for a in driven} >= {"x", "*"}
    # Nothing alarms on the steady background.
    assert len(alerts) == len(driven)
    events = Event.objects.filter(type=services.SPIKE_EVENT)
    assert events.count() == len(driven)
    payload = events.get(payload__alert_id=driven[0].pk).payload
    assert payload["series"] == driven[0].series_key and payload["observed"] == 15


@pytest.mark.django_db
def test_scanning_twice_or_hour_by_hour_gives_the_same_alerts() -> None:
    _background()
    _burst()
    end = T0 + timedelta(days=10)
    services.scan_spikes(now=end)
    again = services.scan_spikes(now=end)
    assert again.buckets == 0 and again.opened == []
    once = sorted(Alert.objects.values_list("series_key", "window_start", "observed"))
    spikes = Event.objects.filter(type=services.SPIKE_EVENT)
    events = sorted(spikes.values_list("dedupe_key", flat=True))

    Alert.objects.all().delete()
    SpikeWatch.objects.all().delete()
    spikes.delete()
    moment = T0
    while moment < end:
        moment += timedelta(hours=1)
        services.scan_spikes(now=moment)
    hourly = sorted(Alert.objects.values_list("series_key", "window_start", "observed"))
    assert hourly == once
    assert sorted(spikes.values_list("dedupe_key", flat=True)) == events


@pytest.mark.django_db
def test_a_sustained_spike_extends_the_open_alert_until_it_is_resolved() -> None:
    _background()
    _burst()
    start = (BURST_AT - T0).total_seconds() / 60
    ingest(
        post(f"more{i}", f"late{i}", start + 60 + 3 * i, channel="x", text=BURST_TEXT)
        for i in range(20)
    )
    services.scan_spikes(now=T0 + timedelta(days=9))
    alert = Alert.objects.get(series_key="billing|negative|x")
    assert alert.window_end - alert.window_start == timedelta(hours=2)
    assert alert.observed == 35


@pytest.mark.django_db
def test_acknowledge_then_resolve_is_audited_and_cannot_go_back() -> None:
    _background()
    _burst()
    services.scan_spikes(now=T0 + timedelta(days=10))
    user = make_user()
    alert = Alert.objects.order_by("id").first()
    assert alert is not None
    services.acknowledge_alert(alert=alert, actor=user)
    services.resolve_alert(alert=alert, actor=user)
    alert.refresh_from_db()
    assert alert.status == Alert.Status.RESOLVED
    actions = list(
        AuditEntry.objects.filter(target_id=str(alert.pk)).values_list("action", flat=True)
    )
    assert sorted(actions) == ["alert.acknowledged", "alert.resolved"]
    with pytest.raises(ValueError, match=f"alert {alert.pk} is resolved, so it cannot become ackn"):
        services.acknowledge_alert(alert=alert, actor=user)


@pytest.mark.django_db
def test_no_messages_means_nothing_to_scan() -> None:
    result = services.scan_spikes(now=T0)
    assert result.buckets == 0 and not SpikeWatch.objects.filter(processed_until__isnull=False)


# ----------------------------------------------------------------------------- taxonomy


def _form(name: str, keywords: str = "", examples: str = "") -> services.TopicForm:
    return services.TopicForm.from_text(name=name, keywords=keywords, examples=examples)


@pytest.mark.django_db
def test_first_edit_seeds_the_packaged_taxonomy_then_versions_each_change() -> None:
    user = make_user()
    assert understanding.current_taxonomy() is default_taxonomy()
    services.save_topic(actor=user, form=_form("dark mode", "dark mode\ndark theme"))
    v1, v2 = TaxonomyVersion.objects.order_by("number")
    assert (v1.number, v2.number) == (1, 2)
    assert v1.topics.count() == len(default_taxonomy().topics)
    current = understanding.current_taxonomy()
    assert current.names == [*default_taxonomy().names, "dark mode"]
    assert current.topics[-1].keywords == ("dark mode", "dark theme")

    services.save_topic(actor=user, form=_form("night mode", "night mode"), original="dark mode")
    assert understanding.current_taxonomy().names[-1] == "night mode"
    services.delete_topic(actor=user, name="night mode")
    assert understanding.current_taxonomy().names == default_taxonomy().names
    assert TaxonomyVersion.objects.count() == 4
    actions = AuditEntry.objects.filter(action__startswith="taxonomy.").values_list(
        "action", flat=True
    )
    assert sorted(actions) == [
        "taxonomy.topic_added",
        "taxonomy.topic_edited",
        "taxonomy.topic_removed",
    ]


@pytest.mark.django_db
def test_the_edited_taxonomy_is_what_analysis_uses() -> None:
    user = make_user()
    from goodwill.analysis.understand import analyse

    text = "please add a dark theme to the app"
    assert "dark mode" not in analyse([text], taxonomy=understanding.current_taxonomy())[0].topics
    services.save_topic(actor=user, form=_form("dark mode", "dark theme"))
    assert "dark mode" in analyse([text], taxonomy=understanding.current_taxonomy())[0].topics
    # A keyword change keeps the topic names: the new keywords are used all the same.
    services.save_topic(actor=user, form=_form("dark mode", "night mode"), original="dark mode")
    assert "dark mode" not in analyse([text], taxonomy=understanding.current_taxonomy())[0].topics


@pytest.mark.parametrize(
    ("name", "keywords", "examples", "field", "message"),
    [
        ("", "x", "", "name", "needs a name"),
        ("Billing", "x", "", "name", "already exists"),
        ("a/b", "x", "", "name", "cannot contain"),
        ("empty", "", "   \n", "keywords", "at least one keyword or one seed example"),
        ("long", "x" * 201, "", "keywords", "line 1 is longer than 200"),
    ],
)
@pytest.mark.django_db
def test_invalid_topics_are_refused_naming_the_field(
    name: str, keywords: str, examples: str, field: str, message: str
) -> None:
    with pytest.raises(services.TopicError, match=message) as caught:
        services.save_topic(actor=make_user(), form=_form(name, keywords, examples))
    assert caught.value.field == field
    assert TaxonomyVersion.objects.count() == 0  # nothing half-written, not even the seed


@pytest.mark.django_db
def test_editing_a_topic_that_is_gone_is_refused() -> None:
    user = make_user()
    with pytest.raises(services.TopicError, match="no topic named 'nope'"):
        services.save_topic(actor=user, form=_form("x", "x"), original="nope")
    with pytest.raises(services.TopicError, match="no topic named 'nope'"):
        services.delete_topic(actor=user, name="nope")


@pytest.mark.django_db
def test_selectors_split_and_join_series_keys() -> None:
    key = selectors.series_key("a|b", "negative", "x")
    assert selectors.split_series_key(key) == ("a|b", "negative", "x")
