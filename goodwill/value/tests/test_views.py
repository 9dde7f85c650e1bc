"""Value pages: the customer panel, the at-risk list and the settings page."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.template.loader import render_to_string
from django.urls import reverse

from goodwill.accounts.models import AuditEntry
from goodwill.analysis.value_score import ScoreConfig
from goodwill.customers.models import Customer
from goodwill.value import services
from goodwill.value.models import CustomerValue, ValueSettings
from goodwill.value.tests.helpers import END, load_shop, regular_buyer
from goodwill.web.tests.helpers import HOSTILE, row_ids

pytestmark = pytest.mark.django_db


@pytest.fixture
def scored() -> Customer:
    """A scored shop with one valuable customer who stopped buying (named hostilely) and
    one who had stopped long before the lapsing window."""
    load_shop(customers=150)
    regular_buyer("LOYAL", every_days=21, until=END - timedelta(days=155), amount="450.00")
    regular_buyer("GONE", every_days=21, until=END - timedelta(days=300), amount="450.00")
    customer = Customer.objects.get(external_id="LOYAL")
    customer.display_name = HOSTILE
    customer.save()
    services.score_customers()
    return customer


def test_customer_page_loads_the_value_panel_with_htmx(signed_in: Any, scored: Customer) -> None:
    html = signed_in.get(reverse("customers:detail", args=[scored.pk])).content.decode()
    assert f'hx-get="{reverse("value:customer_panel", args=[scored.pk])}"' in html


def test_panel_shows_value_components_explanation_tier_and_lapsing(
    signed_in: Any, scored: Customer
) -> None:
    value = CustomerValue.objects.get(customer=scored)
    html = signed_in.get(reverse("value:customer_panel", args=[scored.pk])).content.decode()
    assert f"tier-{value.tier}" in html
    for line in value.explanation:
        assert line in html
    assert 'id="value-lapsing"' in html and value.lapsing_reasons[0] in html
    assert "Social multiplier" in html and "Predicted value" in html
    assert "History appears after the score changes" in html


def test_panel_draws_the_history_once_the_score_has_changed(
    signed_in: Any, scored: Customer
) -> None:
    services.save_settings(data={"horizon_months": 24}, actor=None)
    services.score_customers()
    html = signed_in.get(reverse("value:customer_panel", args=[scored.pk])).content.decode()
    assert 'id="value-history-chart"' in html and 'id="value-history-data"' in html
    assert "vendor/chart.umd.js" in html


def test_panel_gives_probabilities_and_percentiles_in_words(
    signed_in: Any, scored: Customer
) -> None:
    # Was "P(still a customer) 0.44" and "Reach percentile 0.91": numbers without a unit.
    CustomerValue.objects.filter(customer=scored).update(
        p_alive=0.437, reach_percentile=0.91, influence_percentile=0.03
    )
    html = signed_in.get(reverse("value:customer_panel", args=[scored.pk])).content.decode()
    assert "Chance still a customer</dt><dd>44%</dd>" in html
    assert ">Reach</dt><dd>91st percentile</dd>" in html
    assert ">Influence</dt><dd>3rd percentile</dd>" in html


def test_panel_of_an_unscored_customer_says_so(signed_in: Any, db: None) -> None:
    html = signed_in.get(reverse("value:customer_panel", args=[12345])).content.decode()
    assert "Not scored yet" in html


def test_at_risk_lists_lapsing_customers_by_value_with_reasons_escaped(
    signed_in: Any, scored: Customer
) -> None:
    response = signed_in.get(reverse("value:at_risk"))
    html = response.content.decode()
    ids = row_ids(html.split('id="lapsed-earlier"')[0], "customer")
    expected = list(
        CustomerValue.objects.filter(lapsing=True)
        .order_by("-score", "customer_id")
        .values_list("customer_id", flat=True)
    )
    assert ids == expected[:50] and scored.pk in ids
    assert HOSTILE not in html and "&lt;script&gt;" in html
    assert "Bought 0 times in the last 150 days" in html
    assert 'href="/value/"' in html  # the nav link


def test_at_risk_lists_customers_lost_earlier_apart(signed_in: Any, scored: Customer) -> None:
    html = signed_in.get(reverse("value:at_risk")).content.decode()
    lapsing, lapsed = html.split('id="lapsed-earlier"')
    gone = CustomerValue.objects.get(customer__external_id="GONE")
    assert gone.lapsed_earlier and not gone.lapsing
    assert gone.customer_id in row_ids(lapsed, "customer")
    assert gone.customer_id not in row_ids(lapsing, "customer")
    assert gone.lapsing_reasons[1].startswith("Already silent when the window opened")
    assert gone.lapsing_reasons[1] in lapsed


def test_both_tables_draw_their_rows_with_the_one_customer_row(
    signed_in: Any, scored: Customer
) -> None:
    html = signed_in.get(reverse("value:at_risk")).content.decode()
    lapsing, lapsed = html.split('id="lapsed-earlier"')
    loyal = CustomerValue.objects.select_related("customer").get(customer=scored)
    gone = CustomerValue.objects.select_related("customer").get(customer__external_id="GONE")
    loyal_row = render_to_string("value/_customer_row.html", {"v": loyal})
    gone_row = render_to_string("value/_customer_row.html", {"v": gone})
    assert loyal_row in lapsing and gone_row in lapsed
    assert HOSTILE not in loyal_row and "&lt;script&gt;" in loyal_row
    for row in (loyal_row, gone_row):
        assert row.count("<tr ") == 1 and row.count("<td") == 5
    assert f'href="/customers/{gone.customer_id}/"' in gone_row
    assert gone.lapsing_reasons[1] in gone_row


def test_at_risk_filters_by_tier(signed_in: Any, scored: Customer) -> None:
    tier = CustomerValue.objects.get(customer=scored).tier
    html = signed_in.get(reverse("value:at_risk"), {"tier": tier}).content.decode()
    ids = row_ids(html, "customer")
    assert scored.pk in ids
    assert set(
        CustomerValue.objects.filter(customer_id__in=ids).values_list("tier", flat=True)
    ) == {tier}


def test_at_risk_page_queries_do_not_grow_with_rows(
    signed_in: Any, scored: Customer, django_assert_max_num_queries: Any
) -> None:
    CustomerValue.objects.update(lapsing=True, lapsed_earlier=True)  # every row on the page
    with django_assert_max_num_queries(12):
        response = signed_in.get(reverse("value:at_risk"))
    lapsing, lapsed = response.content.decode().split('id="lapsed-earlier"')
    assert len(row_ids(lapsing, "customer")) == 50
    assert len(row_ids(lapsed, "customer")) == 25


def test_value_pages_need_a_login(client: Any, db: None) -> None:
    for url in (reverse("value:at_risk"), reverse("value:settings")):
        assert client.get(url).status_code == 302


def test_settings_page_shows_fields_to_everyone_but_only_admins_change_them(
    signed_in: Any, user: Any
) -> None:
    html = signed_in.get(reverse("value:settings")).content.decode()
    assert 'name="multiplier_max"' in html and "disabled" in html
    response = signed_in.post(reverse("value:settings"), {"multiplier_max": "1.2"})
    assert response.status_code == 403
    assert not ValueSettings.objects.exists()


def test_settings_page_saves_a_version_and_audits_it(signed_in: Any, user: Any) -> None:
    user.groups.add(Group.objects.get_or_create(name="supervisor")[0])
    data = {name: str(value) for name, value in ScoreConfig().to_dict().items()}
    data.update(multiplier_max="1.25", note="less weight on fame")
    response = signed_in.post(reverse("value:settings"), data)
    assert response.status_code == 302
    row = ValueSettings.objects.get()
    assert row.version == 1 and row.data["multiplier_max"] == 1.25
    assert row.created_by == user and row.note == "less weight on fame"
    assert AuditEntry.objects.filter(action="value.settings.update", actor=user).exists()
    html = signed_in.get(reverse("value:settings")).content.decode()
    assert "Saved as version 1" in html and "v1" in html


def test_invalid_settings_are_refused_naming_the_field(signed_in: Any, user: Any) -> None:
    user.groups.add(Group.objects.get_or_create(name="admin")[0])
    data = {name: str(value) for name, value in ScoreConfig().to_dict().items()}
    data.update(multiplier_min="1.4", lapsing_window_days="soon")
    response = signed_in.post(reverse("value:settings"), data)
    html = response.content.decode()
    assert response.status_code == 422
    assert "multiplier_min: must be above 0 and at most 1" in html
    assert "lapsing_window_days: must be a whole number" in html
    assert 'value="soon"' in html  # what was typed stays in the form
    assert not ValueSettings.objects.exists()


def test_settings_page_has_an_input_for_every_setting(signed_in: Any) -> None:
    html = signed_in.get(reverse("value:settings")).content.decode()
    for name in ScoreConfig().to_dict():
        assert html.count(f'name="{name}"') == 1, name


def test_read_only_settings_say_so_before_the_fields(signed_in: Any) -> None:
    # An agent saw greyed-out fields and learnt why only at the bottom of a long form.
    html = signed_in.get(reverse("value:settings")).content.decode()
    assert 'id="read-only-note"' in html
    assert html.index('id="read-only-note"') < html.index('id="value-settings"')
    assert "Save as a new version" not in html


def test_at_risk_rows_say_the_counts_are_purchases(scored: Customer) -> None:
    value = CustomerValue.objects.select_related("customer").get(customer=scored)
    row = render_to_string("value/_customer_row.html", {"v": value})
    assert f"{value.lapsing_actual} / {value.lapsing_expected:.1f} <span" in row
    assert "purchases</span>" in row
