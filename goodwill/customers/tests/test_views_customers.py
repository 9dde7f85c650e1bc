from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from goodwill.customers.models import Customer, Identity, Transaction
from goodwill.web.tests.helpers import HOSTILE, buy, ingest, post, row_ids


def link(handle: str, channel: str, customer: Customer) -> None:
    """Move an identity to `customer`, as a merge would, leaving its old customer merged away."""
    identity = Identity.objects.get(channel=channel, handle=handle)
    Customer.objects.filter(pk=identity.customer_id).update(merged_into=customer)
    identity.customer = customer
    identity.save()


@pytest.fixture
def dana(db: None) -> Customer:
    """One customer with a shop account, two channel identities, messages and purchases."""
    buy("CUST-7", "19.99", "80.01")
    buy("CUST-7-EU", "10.00", currency="EUR")
    customer = Customer.objects.get(external_id="CUST-7")
    customer.display_name, customer.email = "Dana Scully", "dana@example.org"
    customer.save()
    Customer.objects.filter(external_id="CUST-7-EU").update(merged_into=customer)
    Transaction.objects.filter(external_id__startswith="CUST-7-EU").update(customer=customer)
    ingest(
        [
            post("d1", "dscully", 0, text="my parcel is lost", followers=5400),
            post("d2", "acme", 3, reply_to="d1", company=True),
            post("d3", "dana_s", 10, channel="reddit", text=HOSTILE),
        ]
    )
    link("dscully", "x", customer)
    link("dana_s", "reddit", customer)
    return customer


def test_customer_page(signed_in: Any, dana: Customer) -> None:
    html = signed_in.get(reverse("customers:detail", args=[dana.pk])).content.decode()
    assert "Dana Scully" in html and "dana@example.org" in html and "CUST-7" in html
    assert "@dscully" in html and "@dana_s" in html and "5,400" in html
    assert "100.00 <span" in html and "USD · 2 purchases" in html
    assert "10.00 <span" in html and "EUR · 1 purchase" in html
    assert "my parcel is lost" in html
    assert HOSTILE not in html and "&lt;script&gt;" in html
    assert len(row_ids(html, "message")) == 2
    assert html.count(reverse("conversations:detail", args=[0]).replace("0/", "")) >= 2


def test_merged_away_customer_redirects_to_survivor(signed_in: Any, dana: Customer) -> None:
    other = Customer.objects.get(external_id="CUST-7-EU")
    response = signed_in.get(reverse("customers:detail", args=[other.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("customers:detail", args=[dana.pk])
    assert signed_in.get(reverse("customers:detail", args=[dana.pk + 999])).status_code == 404


@pytest.mark.parametrize("q", ["scully", "DANA@example", "@dscully", "dana_s", "CUST-7"])
def test_search(signed_in: Any, dana: Customer, q: str) -> None:
    ingest([post("z1", "zed")])
    html = signed_in.get(reverse("customers:list"), {"q": q}).content.decode()
    assert row_ids(html, "customer") == [dana.pk]


@pytest.mark.django_db
def test_list_pages_with_bounded_queries(
    signed_in: Any, django_assert_max_num_queries: Any
) -> None:
    ingest(post(f"m{i}", f"user{i}", i) for i in range(55))
    ingest(post(f"f{i}", f"user{i}", i, channel="facebook") for i in range(55))
    for i in range(55):
        buy(f"C{i}", "5.00", "7.50")
    url = reverse("customers:list")
    with django_assert_max_num_queries(8):
        html = signed_in.get(url).content.decode()
    assert len(row_ids(html, "customer")) == 50
    assert "12.50" in html
    with django_assert_max_num_queries(8):
        html = signed_in.get(url, {"page": 4}).content.decode()
    assert len(row_ids(html, "customer")) == 165 - 150


def test_list_shows_each_total_with_its_currency(signed_in: Any, dana: Customer) -> None:
    buy("SOLO", "12.00", "3.50", currency="GBP")
    html = signed_in.get(reverse("customers:list")).content.decode()
    totals = dict(
        re.findall(r'data-customer="(\d+)".*?<td class="num" data-total>(.*?)</td>', html, re.S)
    )
    solo = Customer.objects.get(external_id="SOLO")
    assert re.sub(r"<[^>]+>", "", totals[str(solo.pk)]).split() == ["15.50", "GBP"]
    # Dana bought in USD and EUR: the sum is not one amount of money, and the page says so.
    assert "mixed currencies" in totals[str(dana.pk)]


def test_identities_name_email_accounts_without_an_at(signed_in: Any, dana: Customer) -> None:
    ingest([post("e1", "d.scully@fbi.example", 20, channel="email", text="hello")])
    link("d.scully@fbi.example", "email", dana)
    html = signed_in.get(reverse("customers:detail", args=[dana.pk])).content.decode()
    identities = html[
        html.index('id="identities"') : html.index("</table>", html.index('id="identities"'))
    ]
    assert "@dscully" in identities and "d.scully@fbi.example" in identities
    assert "@d.scully@fbi.example" not in html


def test_merge_form_has_labelled_fields(signed_in: Any, dana: Customer) -> None:
    html = signed_in.get(reverse("customers:detail", args=[dana.pk])).content.decode()
    form = html[
        html.index('id="merge-form"') : html.index("</form>", html.index('id="merge-form"'))
    ]
    assert re.search(r'<label class="field">Customer number to merge in<input name="other"', form)
    assert re.search(r'<label class="field field-grow">Why<input name="reason"', form)


def test_names_written_with_bidi_overrides_are_shown_with_visible_marks(
    signed_in: Any, dana: Customer
) -> None:
    ingest([post("b1", "tricky", 30, text="refund \u202e001$\u202c please")])
    link("tricky", "x", dana)
    Identity.objects.filter(handle="tricky").update(display_name="mal\u202elive")
    html = signed_in.get(reverse("customers:detail", args=[dana.pk])).content.decode()
    assert "\u202e" not in html
    assert "refund [RLO]001$[PDF] please" in html and "mal[RLO]live" in html
