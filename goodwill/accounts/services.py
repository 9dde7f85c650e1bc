"""Users, roles, API tokens and the audit log."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from goodwill.accounts.models import ApiToken, AuditEntry, Role

TOKEN_PREFIX = "gw_"


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def audit(
    *, actor: Any, action: str, target: Any = None, data: dict[str, Any] | None = None
) -> AuditEntry:
    return AuditEntry.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        data=data or {},
    )


@transaction.atomic
def create_api_token(*, user: Any, name: str, actor: Any = None) -> tuple[ApiToken, str]:
    """Create a token; the raw secret is returned once and never stored."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name, prefix=raw[:10], key_hash=hash_token(raw))
    audit(actor=actor or user, action="api_token.create", target=token, data={"name": name})
    return token, raw


def authenticate_token(raw: str) -> ApiToken | None:
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=hash_token(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


@transaction.atomic
def revoke_api_token(*, token: ApiToken, actor: Any) -> None:
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit(actor=actor, action="api_token.revoke", target=token)


@transaction.atomic
def set_roles(*, user: Any, roles: list[str], actor: Any) -> None:
    unknown = set(roles) - set(Role.values)
    if unknown:
        raise ValueError(f"roles: unknown role(s) {', '.join(sorted(unknown))}")
    groups = [Group.objects.get_or_create(name=r)[0] for r in roles]
    user.groups.set(groups)
    audit(actor=actor, action="user.set_roles", target=user, data={"roles": sorted(roles)})


@transaction.atomic
def create_staff_user(
    *, username: str, password: str, roles: list[str], actor: Any = None, first_name: str = ""
) -> Any:
    """Create a staff login with `roles`, or bring an existing one in line; idempotent.

    The admin role also makes the user a Django superuser (the admin site needs it).
    """
    from django.contrib.auth import get_user_model

    unknown = set(roles) - set(Role.values)
    if unknown:
        raise ValueError(f"roles: unknown role(s) {', '.join(sorted(unknown))}")
    user, created = get_user_model().objects.get_or_create(username=username)
    user.is_staff = True
    user.is_active = True
    user.is_superuser = Role.ADMIN in roles
    if first_name:
        user.first_name = first_name
    if created or not user.check_password(password):
        user.set_password(password)
    user.save()
    set_roles(user=user, roles=roles, actor=actor)
    if created:
        audit(actor=actor, action="user.create", target=user, data={"roles": sorted(roles)})
    return user
