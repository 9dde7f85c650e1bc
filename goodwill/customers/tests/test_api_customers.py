from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from goodwill.customers.models import Customer, Identity
from goodwill.web.tests.helpers import buy, ingest, post


@pytest.fixture
def eve(db: None) -> Customer:
    buy("EVE-1", "30.00", "12.50")
    buy("EVE-1-GBP", "8.00", currency="GBP")
    customer = Customer.objects.get(external_id="EVE-1")
    customer.display_name, customer.email = "Eve Moneypenny", "Eve@Example.org"
    customer.save()
    from goodwill.customers.models import Transaction

    Transaction.objects.filter(external_id__startswith="EVE-1-GBP").update(customer=customer)
    Customer.objects.filter(external_id="EVE-1-GBP").delete()
    ingest([post("e1", "evem", followers=77), post("z1", "zed")])
    Identity.objects.filter(handle="evem").update(customer=customer)
    return customer


def test_list_and_filters(api_client: Any, eve: Customer) -> None:
    def ids(**params: Any) -> list[int]:
        response = api_client.get("/api/customers", params)
        assert response.status_code == 200, response.content
        return [c["id"] for c in response.json()["items"]]

    assert eve.pk in ids()
    assert ids(q="moneypenny") == [eve.pk]
    assert ids(q="@evem") == [eve.pk]
    assert ids(email="eve@example.ORG") == [eve.pk]
    assert ids(external_id="EVE-1") == [eve.pk]
    assert ids(external_id="EVE-2") == []
    row = api_client.get("/api/customers", {"q": "EVE-1"}).json()["items"][0]
    assert row["transaction_count"] == 3
    assert Decimal(row["total_spent"]) == Decimal("50.50")
    assert [i["handle"] for i in row["identities"]] == ["evem"]


def test_detail_has_identities_and_totals(api_client: Any, eve: Customer) -> None:
    body = api_client.get(f"/api/customers/{eve.pk}").json()
    assert body["email"] == "Eve@Example.org" and body["external_id"] == "EVE-1"
    assert body["identities"][0]["followers"] == 77
    totals = {t["currency"]: (t["count"], Decimal(t["total"])) for t in body["totals"]}
    assert totals == {"USD": (2, Decimal("42.50")), "GBP": (1, Decimal("8.00"))}
    assert api_client.get(f"/api/customers/{eve.pk + 500}").status_code == 404
    assert api_client.get("/api/customers/abc").status_code == 422


@pytest.mark.django_db
def test_pages_with_bounded_queries(api_client: Any, django_assert_max_num_queries: Any) -> None:
    ingest(post(f"m{i}", f"user{i}", i) for i in range(60))
    with django_assert_max_num_queries(6):
        body = api_client.get("/api/customers", {"limit": 55}).json()
    assert body["count"] == 60 and len(body["items"]) == 55
    rest = api_client.get("/api/customers", {"limit": 55, "offset": 55}).json()["items"]
    assert len({c["id"] for c in body["items"]} | {c["id"] for c in rest}) == 60
