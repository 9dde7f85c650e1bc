"""GET /api/value/scores, /api/value/scores/{id} and /api/value/tiers."""

from __future__ import annotations

from typing import Any

import pytest

from goodwill.value import services
from goodwill.value.models import CustomerValue
from goodwill.value.tests.helpers import load_shop

pytestmark = pytest.mark.django_db


@pytest.fixture
def scored() -> None:
    load_shop(customers=150)
    services.score_customers()


def test_scores_are_listed_highest_first_with_explanations(
    api_client: Any, scored: None, django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(6):
        body = api_client.get("/api/value/scores", {"limit": 100}).json()
    assert body["count"] == CustomerValue.objects.count()
    scores = [item["score"] for item in body["items"]]
    assert scores == sorted(scores, reverse=True) and len(scores) == 100
    first = body["items"][0]
    assert first["explanation"] and first["explanation"][-1] == f"Tier: {first['tier']}"
    assert {"historic_spend", "predicted_value", "multiplier", "p_alive"} <= set(first)


def test_scores_filter_by_tier_and_lapsing(api_client: Any, scored: None) -> None:
    body = api_client.get("/api/value/scores", {"tier": "exceptional"}).json()
    assert body["count"] == CustomerValue.objects.filter(tier="exceptional").count() > 0
    assert {item["tier"] for item in body["items"]} == {"exceptional"}
    lapsing = api_client.get("/api/value/scores", {"lapsing": "true"}).json()
    assert lapsing["count"] == CustomerValue.objects.filter(lapsing=True).count()
    assert all(item["lapsing"] and item["lapsing_reasons"] for item in lapsing["items"])


def test_a_bad_tier_is_a_422_naming_the_field(api_client: Any, scored: None) -> None:
    response = api_client.get("/api/value/scores", {"tier": "platinum"})
    assert response.status_code == 422 and "tier" in response.content.decode()


def test_one_score_with_its_history(api_client: Any, scored: None) -> None:
    row = CustomerValue.objects.order_by("-score").first()
    assert row is not None
    body = api_client.get(f"/api/value/scores/{row.customer_id}").json()
    assert body["customer_id"] == row.customer_id and body["score"] == row.score
    assert len(body["history"]) == 1 and body["history"][0]["score"] == row.score
    missing = api_client.get("/api/value/scores/999999")
    assert missing.status_code == 404 and "999999" in missing.json()["detail"]


def test_tiers_say_how_many_and_by_which_rule(api_client: Any, scored: None) -> None:
    body = api_client.get("/api/value/tiers").json()
    assert body["method"] == "percentile" and body["settings_version"] == 0
    assert sum(body["counts"].values()) == CustomerValue.objects.count()
    assert body["counts"]["exceptional"] == CustomerValue.objects.filter(tier="exceptional").count()


def test_value_api_needs_a_token(client: Any, db: None) -> None:
    assert client.get("/api/value/scores").status_code == 401
    assert client.get("/api/value/tiers").status_code == 401
