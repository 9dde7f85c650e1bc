"""API: merge and undo, the review queue."""

from __future__ import annotations

from typing import Any

import pytest

from goodwill.customers import services
from goodwill.customers.models import Customer, Identity, MatchSuggestion
from goodwill.web.tests.helpers import HOSTILE, buy, ingest, post

pytestmark = pytest.mark.django_db


def test_merge_and_undo(api_client: Any) -> None:
    buy("SHOP-1", "10.00")
    ingest([post("a1", "ann", 0), post("a2", "acme", 1, reply_to="a1", company=True)])
    shop = Customer.objects.get(external_id="SHOP-1")
    ann = Identity.objects.get(handle="ann").customer
    assert ann is not None
    response = api_client.post(
        f"/api/customers/{shop.pk}/merge",
        {"other": ann.pk, "reason": "same person on the phone"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["into_id"] == shop.pk and body["other_id"] == ann.pk
    assert body["moved_identity_ids"] == [Identity.objects.get(handle="ann").pk]
    assert len(body["moved_conversation_ids"]) == 1
    assert body["evidence"] == {"kind": "operator", "reason": "same person on the phone"}
    listed = api_client.get(f"/api/customers/{ann.pk}/merges").json()
    assert [m["id"] for m in listed] == [body["id"]]
    again = api_client.post(
        f"/api/customers/{shop.pk}/merge", {"other": ann.pk}, content_type="application/json"
    )
    assert again.status_code == 400
    assert f"customer {ann.pk}" in again.json()["detail"]
    undo = api_client.post(f"/api/customers/merges/{body['id']}/undo")
    assert undo.status_code == 200 and undo.json()["undone_at"]
    assert Identity.objects.get(handle="ann").customer_id == ann.pk
    assert api_client.post(f"/api/customers/merges/{body['id']}/undo").status_code == 400


def test_suggestions_queue(api_client: Any, django_assert_max_num_queries: Any) -> None:
    ingest(post(f"x{i}", f"kim{i:02d}_lee", i) for i in range(12))
    ingest(post(f"f{i}", f"kim{i:02d}.lee", i, channel="facebook") for i in range(12))
    Identity.objects.update(display_name=f"Kim Lee {HOSTILE}")
    services.resolve_all(messages=[])
    total = MatchSuggestion.objects.count()
    with django_assert_max_num_queries(6):
        page = api_client.get("/api/customers/suggestions", {"limit": 10}).json()
    assert page["count"] == total and len(page["items"]) == 10
    first = page["items"][0]
    assert first["confidence"] == max(s.confidence for s in MatchSuggestion.objects.all())
    assert first["identity_a"]["display_name"] == f"Kim Lee {HOSTILE}"  # verbatim in JSON
    assert first["evidence"] and first["customer_a_id"] != first["customer_b_id"]
    accepted = api_client.post(f"/api/customers/suggestions/{first['id']}/accept").json()
    assert accepted["status"] == "accepted" and accepted["merge_id"]
    rejected = api_client.get("/api/customers/suggestions", {"status": "accepted"}).json()
    assert [s["id"] for s in rejected["items"]] == [first["id"]]
    assert api_client.post(f"/api/customers/suggestions/{first['id']}/nope").status_code == 422


def test_explicit_account_link(api_client: Any) -> None:
    buy("SHOP-1", "10.00")
    ingest([post("a1", "ann", 0)])
    shop = Customer.objects.get(external_id="SHOP-1")
    ann = Identity.objects.get(handle="ann")
    url = f"/api/customers/{shop.pk}/link"
    response = api_client.post(url, {"identity_id": ann.pk}, content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["merge"]["evidence"] == {
        "kind": "account_link",
        "source": "api",
        "identity_id": ann.pk,
    }
    assert Identity.objects.get(pk=ann.pk).customer_id == shop.pk
    again = api_client.post(url, {"identity_id": ann.pk}, content_type="application/json")
    assert again.status_code == 200 and again.json() == {"merge": None}
    missing = api_client.post(url, {"identity_id": 0}, content_type="application/json")
    assert missing.status_code == 400 and "identity 0" in missing.json()["detail"]
