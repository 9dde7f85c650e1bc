"""The REST API: one NinjaAPI, each app contributes a router. OpenAPI at /api/openapi.json."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, NinjaAPI, Schema
from ninja.pagination import LimitOffsetPagination
from ninja.security import HttpBearer

from goodwill.accounts import services as account_services
from goodwill.accounts.permissions import CapabilityDenied

MAX_PAGE = 500


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = account_services.authenticate_token(token)
        if found is None:
            return None
        request.user = found.user
        return found.user


class Page(LimitOffsetPagination):
    """`limit` (1-500, default 50) and `offset`; the answer is `{"items": [...], "count": N}`."""

    class Input(Schema):
        limit: int = Field(50, ge=1, le=MAX_PAGE, description=f"Page size, at most {MAX_PAGE}.")
        offset: int = Field(0, ge=0, description="How many items to skip.")


def aware(value: datetime | None) -> datetime | None:
    """Query datetimes without an offset are taken as UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


api = NinjaAPI(
    title="Goodwill API",
    version="1",
    description=(
        "Social CRM API. Authenticate with `Authorization: Bearer <token>` "
        "(create one with `goodwill token create --user NAME --name PURPOSE`). "
        "Lists take `limit` and `offset` and answer `{items, count}`; times are ISO 8601 "
        "(without an offset, UTC). Bad parameters get a 422 naming the field. Reads are open "
        "to every token; a write the token's user may not make is a 403 "
        '`{"detail", "capability", "roles"}` naming the capability it needs (docs/roles.md).'
    ),
    auth=TokenAuth(),
    urls_namespace="api",
)


@api.exception_handler(CapabilityDenied)
def capability_denied(request: HttpRequest, exc: CapabilityDenied) -> Any:
    """A refused write: 403 naming the capability it needs and the roles that hold it."""
    body = {"detail": str(exc), "capability": str(exc.capability), "roles": exc.roles}
    return api.create_response(request, body, status=403)


def _mount_routers() -> None:
    # Imported here: the app routers use Page and aware from this module.
    from goodwill.conversations.api import router as conversations
    from goodwill.customers.api import router as customers
    from goodwill.insights.api import router as alerts
    from goodwill.insights.api import topics_router as topics
    from goodwill.listening.api import router as messages
    from goodwill.listening.api_sources import router as sources
    from goodwill.value.api import router as value

    api.add_router("/messages", messages)
    api.add_router("/sources", sources)
    api.add_router("/customers", customers)
    api.add_router("/conversations", conversations)
    api.add_router("/value", value)
    api.add_router("/alerts", alerts)
    api.add_router("/topics", topics)


_mount_routers()
