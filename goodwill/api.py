"""The REST API: one NinjaAPI, each app contributes a router. OpenAPI at /api/openapi.json."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.security import HttpBearer

from goodwill.accounts import services as account_services


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = account_services.authenticate_token(token)
        if found is None:
            return None
        request.user = found.user
        return found.user


api = NinjaAPI(
    title="Goodwill API",
    version="1",
    description="Social CRM API. Authenticate with `Authorization: Bearer <token>`.",
    auth=TokenAuth(),
    urls_namespace="api",
)
