"""Reads about users, API tokens and the audit log used by several callers."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from goodwill.accounts.models import ApiToken, AuditEntry


def api_tokens(*, username: str = "", include_revoked: bool = False) -> QuerySet[ApiToken]:
    """Tokens with their user, oldest first (the secret is never stored, so never returned)."""
    qs = ApiToken.objects.select_related("user").order_by("created_at", "id")
    if username:
        qs = qs.filter(user__username=username)
    if not include_revoked:
        qs = qs.filter(revoked_at__isnull=True)
    return qs


def get_api_token(token_id: int) -> ApiToken | None:
    return ApiToken.objects.select_related("user").filter(pk=token_id).first()


def audit_trail(*, target: Any) -> list[AuditEntry]:
    """The audit entries about one record, oldest first, with their actor (one query)."""
    qs = AuditEntry.objects.select_related("actor").filter(
        target_type=target._meta.label_lower, target_id=str(target.pk)
    )
    return list(qs.order_by("at", "id"))
