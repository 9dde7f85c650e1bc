"""Scoring, history, tier and lapsing events, incremental runs and settings (value.services)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from goodwill.accounts.models import AuditEntry
from goodwill.customers.models import Customer, Identity
from goodwill.events.models import Event
from goodwill.schedule import JOBS
from goodwill.value import selectors, services
from goodwill.value.models import CustomerValue, ScoringRun, ValueHistory, ValueSettings
from goodwill.value.tests.helpers import END, load_shop, purchase, regular_buyer
from goodwill.web.tests.helpers import ingest, make_user, post

pytestmark = pytest.mark.django_db


def test_every_live_customer_gets_a_score_with_its_parts_and_explanation() -> None:
    load_shop()
    result = services.score_customers()
    live = Customer.objects.filter(merged_into__isnull=True).count()
    assert result.scored == result.stored == live == CustomerValue.objects.count()
    assert ValueHistory.objects.count() == live  # the first score is the first history row
    _, config = selectors.current_settings()
    for v in CustomerValue.objects.all():
        base = max(v.historic_spend + v.predicted_value, config.floor)
        assert v.score == pytest.approx(base * v.multiplier, abs=0.01)
        assert v.multiplier == 1.0  # no social accounts in this shop
        assert v.explanation[0].endswith(f"purchase{'s' if v.purchases != 1 else ''}"), (
            v.explanation
        )
        assert "predicted 12-month value" in v.explanation[0]
        assert v.explanation[-1] == f"Tier: {v.tier}"
    counts = selectors.tier_counts()
    assert counts["exceptional"] < counts["excellent"] < counts["adequate"]
    run = ScoringRun.objects.get()
    assert run.model["now"]["r"] > 0 and run.finished_at is not None


def test_a_second_run_with_nothing_new_changes_nothing() -> None:
    load_shop()
    services.score_customers()
    history, events = ValueHistory.objects.count(), Event.objects.count()
    again = services.score_customers()
    assert again.changed == 0 and again.tier_changes == 0 and again.lapsing == 0
    assert ValueHistory.objects.count() == history
    assert Event.objects.count() == events


def test_a_tier_change_is_an_event_once() -> None:
    load_shop()
    services.score_customers()
    top = CustomerValue.objects.order_by("-score").first()
    assert top is not None and top.tier == "exceptional"
    services.save_settings(
        data={
            "tier_method": "threshold",
            "excellent_threshold": top.score * 10,
            "exceptional_threshold": top.score * 20,
        },
        actor=None,
    )
    result = services.score_customers()
    changed = CustomerValue.objects.exclude(tier="adequate").count()
    assert changed == 0
    events = Event.objects.filter(type=services.TIER_CHANGED)
    assert result.tier_changes == events.count() > 0
    mine = events.get(customer_id=top.customer_id)
    assert mine.payload["from"] == "exceptional" and mine.payload["to"] == "adequate"
    assert mine.payload["explanation"][-1] == "Tier: adequate"
    assert ValueHistory.objects.filter(customer_id=top.customer_id).count() == 2
    services.score_customers()
    assert Event.objects.filter(type=services.TIER_CHANGED).count() == events.count()


def test_a_valuable_customer_who_stops_buying_raises_a_lapsing_event_once() -> None:
    load_shop()
    # Bought every three weeks for a year and a half, nothing in the last 150 days.
    regular_buyer("LOYAL", every_days=21, until=END - timedelta(days=155), amount="450.00")
    regular_buyer("STEADY", every_days=21, until=END, amount="450.00")
    services.score_customers()
    loyal = CustomerValue.objects.get(customer__external_id="LOYAL")
    steady = CustomerValue.objects.get(customer__external_id="STEADY")
    assert loyal.lapsing and not steady.lapsing
    assert loyal.lapsing_actual == 0 and loyal.lapsing_expected > 3
    assert loyal.lapsing_reasons[0].startswith("Bought 0 times in the last 150 days")
    assert loyal.lapsing_reasons[1].startswith("Still a regular when the window opened")
    assert "P(still a customer) fell from" in loyal.lapsing_reasons[2]
    event = Event.objects.get(type=services.LAPSING, customer_id=loyal.customer_id)
    assert event.payload["reasons"] == loyal.lapsing_reasons
    flagged = CustomerValue.objects.filter(lapsing=True).count()
    assert Event.objects.filter(type=services.LAPSING).count() == flagged
    services.score_customers()
    assert Event.objects.filter(type=services.LAPSING).count() == flagged


def test_a_customer_lost_before_the_window_is_not_a_new_lapse() -> None:
    load_shop()
    # Bought every three weeks, then nothing for the last 300 days: already silent for
    # over five of their usual gaps when the 150-day window opened.
    regular_buyer("GONE", every_days=21, until=END - timedelta(days=300), amount="450.00")
    regular_buyer("STEADY", every_days=21, until=END, amount="450.00")
    services.score_customers()
    gone = CustomerValue.objects.get(customer__external_id="GONE")
    assert not gone.lapsing and gone.lapsing_actual == 0 and gone.lapsing_expected > 3
    assert gone.lapsed_earlier and "earlier loss" in gone.lapsing_reasons[1]
    assert not Event.objects.filter(type=services.LAPSING, customer_id=gone.customer_id).exists()


def test_returns_count_as_silent_unhappiness() -> None:
    load_shop()
    regular_buyer("RETURNS", every_days=21, until=END, amount="450.00")
    purchase("RETURNS", "RETURNS-refund", END - timedelta(days=20), "-450.00")
    services.score_customers()
    row = CustomerValue.objects.get(customer__external_id="RETURNS")
    spent = (
        450.0
        * Customer.objects.get(external_id="RETURNS").transactions.filter(amount__gt=0).count()
    )
    assert row.historic_spend == pytest.approx(spent - 450.0)


def test_the_incremental_run_stores_only_customers_with_new_transactions() -> None:
    world = load_shop()
    services.score_customers()
    some = world.transactions[0].customer_id
    purchase(some, "NEW-1", END - timedelta(days=1), "900.00")
    result = services.rescore_changed()
    assert result.kind == ScoringRun.CHANGED and result.stored == 1
    row = CustomerValue.objects.get(customer__external_id=some)
    assert ValueHistory.objects.filter(customer_id=row.customer_id).count() == 2
    assert services.rescore_changed().stored == 0


def test_the_incremental_run_picks_up_new_messages_of_linked_customers() -> None:
    load_shop()
    services.score_customers()
    ingest([post("q1", "asker", 0, text="which lounge is open?")])
    result = services.rescore_changed()
    assert result.stored == 1  # the new customer behind @asker


def test_answering_another_customers_question_counts_as_advocacy() -> None:
    load_shop()
    ingest(
        [
            post("q1", "asker", 0, text="Does my ticket include a checked bag?", followers=10),
            post("a1", "helper", 5, reply_to="q1", text="Yes, one 23 kg bag.", followers=900),
            post("b1", "brand", 6, reply_to="q1", company=True, text="Yes, it does."),
            post("a2", "helper", 7, reply_to="a1", text="Cabin bags are free.", followers=900),
        ]
    )
    services.score_customers()
    helper = CustomerValue.objects.get(customer__identities__handle="helper")
    asker = CustomerValue.objects.get(customer__identities__handle="asker")
    assert helper.answers == 1  # the reply to their own answer is not another answer
    assert asker.answers == 0
    assert helper.advocacy > 0 and helper.multiplier > 1.0
    assert "Answered 1 customer question" in helper.explanation
    # No purchases: the floor, however social.
    _, config = selectors.current_settings()
    assert helper.score <= config.floor * config.multiplier_max
    assert helper.explanation[0].startswith("No purchases yet")


def test_merged_away_customers_are_not_scored() -> None:
    load_shop(customers=120)
    services.score_customers()
    first, second = Customer.objects.order_by("id")[:2]
    assert CustomerValue.objects.filter(customer=second).exists()
    second.merged_into = first
    second.save()
    services.score_customers()
    assert not CustomerValue.objects.filter(customer=second).exists()
    assert CustomerValue.objects.filter(customer=first).exists()


def test_settings_are_versioned_validated_and_audited() -> None:
    admin = make_user("boss", staff=True)
    assert selectors.current_settings()[0] == 0
    row = services.save_settings(data={"multiplier_max": "1.3"}, actor=admin, note="calmer")
    assert row.version == 1 and row.data["multiplier_max"] == 1.3
    assert selectors.current_settings()[1].multiplier_max == 1.3
    entry = AuditEntry.objects.get(action="value.settings.update")
    assert entry.actor == admin and entry.data["changes"] == {"multiplier_max": [1.5, 1.3]}
    services.save_settings(data={"floor": 5}, actor=admin)
    assert selectors.current_settings()[1].multiplier_max == 1.3  # kept from v1
    with pytest.raises(services.ConfigError) as caught:
        services.save_settings(data={"multiplier_min": "2"}, actor=admin)
    assert "multiplier_min" in caught.value.problems
    assert ValueSettings.objects.count() == 2


def test_scoring_is_registered_nightly_and_incrementally() -> None:
    assert JOBS["value.rescore"].every == timedelta(hours=24)
    assert JOBS["value.rescore_changed"].every <= timedelta(hours=1)


def test_scores_show_the_settings_version_they_used(settings: Any) -> None:
    load_shop(customers=120)
    services.save_settings(data={"horizon_months": 6}, actor=None)
    services.score_customers()
    row = CustomerValue.objects.first()
    assert row is not None and row.settings_version == 1
    assert "predicted 6-month value" in row.explanation[0]


def test_the_incremental_run_picks_up_identities_linked_to_a_customer() -> None:
    world = load_shop(customers=120)
    ingest([post("p1", "frequentflyer", 0, text="Lovely crew today", followers=12000)])
    services.score_customers()
    buyer = Customer.objects.get(external_id=world.transactions[0].customer_id)
    before = CustomerValue.objects.get(customer=buyer)
    assert before.reach_percentile is None
    identity = Identity.objects.get(handle="frequentflyer")
    Customer.objects.filter(pk=identity.customer_id).update(merged_into=buyer)
    identity.customer = buyer
    identity.save()
    result = services.rescore_changed()
    assert result.stored == 1
    after = CustomerValue.objects.get(customer=buyer)
    assert after.reach_percentile is not None  # now has a social presence
