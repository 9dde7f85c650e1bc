from __future__ import annotations

import json
from typing import Any

import pytest

from goodwill.accounts import services as account_services
from goodwill.accounts.models import ApiToken
from goodwill.web.tests.helpers import make_token, make_user

ENDPOINTS = ["/api/messages", "/api/customers", "/api/conversations"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", [*ENDPOINTS, "/api/messages/1", "/api/customers/1"])
def test_no_or_bad_token_is_401(client: Any, path: str) -> None:
    assert client.get(path).status_code == 401
    assert client.get(path, headers={"Authorization": "Bearer gw_nope"}).status_code == 401
    assert client.get(path, headers={"Authorization": "Basic Zm9vOmJhcg=="}).status_code == 401


@pytest.mark.django_db
def test_a_session_is_not_enough(client: Any) -> None:
    client.force_login(make_user())
    assert client.get("/api/messages").status_code == 401


@pytest.mark.django_db
def test_valid_token_then_revoked_then_inactive_user(client: Any) -> None:
    user = make_user()
    raw = make_token(user)
    auth = {"Authorization": f"Bearer {raw}"}
    for path in ENDPOINTS:
        assert client.get(path, headers=auth).status_code == 200, path
    token = ApiToken.objects.get(user=user)
    assert token.last_used_at is not None
    account_services.revoke_api_token(token=token, actor=user)
    assert client.get("/api/messages", headers=auth).status_code == 401
    other = make_token(user, name="second")
    user.is_active = False
    user.save()
    assert (
        client.get("/api/messages", headers={"Authorization": f"Bearer {other}"}).status_code == 401
    )


@pytest.mark.django_db
def test_openapi_document_lists_the_paths(client: Any) -> None:
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    doc = json.loads(response.content)
    assert doc["openapi"].startswith("3.")
    assert {
        "/api/messages",
        "/api/messages/{message_id}",
        "/api/customers",
        "/api/customers/{customer_id}",
        "/api/conversations",
        "/api/conversations/{conversation_id}",
    } <= set(doc["paths"])
    params = {p["name"] for p in doc["paths"]["/api/messages"]["get"]["parameters"]}
    assert {"channel", "since", "until", "author", "conversation", "q", "is_from_company"} <= params
    assert {"limit", "offset"} <= params
    assert (
        "BearerAuth" in json.dumps(doc["components"]["securitySchemes"])
        or doc["components"]["securitySchemes"]
    )
    docs = client.get("/api/docs")
    assert docs.status_code == 200 and b"openapi.json" in docs.content
