"""Who may do what: each capability, the roles that hold it, and the one check every write uses.

Reading is open to every signed-in user and every API token; each change is a capability.
Views call `require` (a refusal is a `CapabilityDenied`, a `PermissionDenied`, so Django
renders the 403 page with its message); API handlers call the same `require` and the API
turns the refusal into a 403 whose JSON names the capability. Templates ask `can.<name>`
(dots as underscores, e.g. `can.customers_merge`) to hide what the user may not use.
The CLI runs as the server's operator and checks nothing. docs/roles.md is this table in words.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.core.exceptions import PermissionDenied

from goodwill.accounts.models import Role


class Capability(StrEnum):
    LABELS_CORRECT = "labels.correct"
    ALERTS_ACKNOWLEDGE = "alerts.acknowledge"
    ALERTS_RESOLVE = "alerts.resolve"
    TOPICS_EDIT = "topics.edit"
    CUSTOMERS_MERGE = "customers.merge"
    IDENTITIES_REVIEW = "identities.review"
    VALUE_SETTINGS = "value.settings"
    SOURCES_MANAGE = "sources.manage"
    USERS_MANAGE = "users.manage"


@dataclass(frozen=True, slots=True)
class Grant:
    what: str  # what the capability lets a person do, as a refusal names it
    roles: frozenset[str]


_CARE = frozenset({Role.AGENT, Role.SUPERVISOR, Role.ADMIN})
_LEADS = frozenset({Role.SUPERVISOR, Role.ADMIN})

GRANTS: Mapping[Capability, Grant] = {
    Capability.LABELS_CORRECT: Grant(
        "correct a message's sentiment, intent or topics", _CARE | {Role.ANALYST}
    ),
    Capability.ALERTS_ACKNOWLEDGE: Grant("acknowledge an alert", _CARE),
    Capability.ALERTS_RESOLVE: Grant("resolve an alert", _LEADS),
    Capability.TOPICS_EDIT: Grant("edit the topic taxonomy", _LEADS | {Role.ANALYST}),
    Capability.CUSTOMERS_MERGE: Grant("merge customers, link accounts and undo merges", _LEADS),
    Capability.IDENTITIES_REVIEW: Grant("accept or reject identity suggestions", _LEADS),
    Capability.VALUE_SETTINGS: Grant("change the value-score settings", _LEADS),
    Capability.SOURCES_MANAGE: Grant("add, change, run or delete sources", frozenset({Role.ADMIN})),
    Capability.USERS_MANAGE: Grant("manage staff users and their roles", frozenset({Role.ADMIN})),
}

_ROLE_LABELS = dict(Role.choices)


class CapabilityDenied(PermissionDenied):
    """A user lacks a capability; the message says which, and which roles hold it."""

    def __init__(self, capability: Capability, user: Any) -> None:
        self.capability = capability
        grant = GRANTS[capability]
        self.roles = sorted(grant.roles)
        holders = ", ".join(_ROLE_LABELS[r].lower() for r in self.roles)
        mine = sorted(roles_of(user))
        yours = ", ".join(mine) if mine else "no role"
        super().__init__(
            f"You may not {grant.what}: that needs the '{capability}' capability, held by "
            f"{holders}. Your roles: {yours}."
        )


def roles_of(user: Any) -> frozenset[str]:
    """The user's roles (their group names that are roles), read once per user object."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    cached: frozenset[str] | None = getattr(user, "_goodwill_roles", None)
    if cached is None:
        names = set(user.groups.values_list("name", flat=True)) & set(Role.values)
        if user.is_superuser:
            names.add(Role.ADMIN)  # Django's superuser is the admin role, whatever its groups
        cached = frozenset(names)
        user._goodwill_roles = cached
    return cached


def roles_holding(capability: Capability | str) -> frozenset[str]:
    return GRANTS[Capability(capability)].roles


def role_may(role: str, capability: Capability | str) -> bool:
    return role == Role.ADMIN or role in GRANTS[Capability(capability)].roles


def has(user: Any, capability: Capability | str) -> bool:
    return any(role_may(role, capability) for role in roles_of(user))


def capabilities_of(user: Any) -> frozenset[Capability]:
    return frozenset(c for c in Capability if has(user, c))


def require(user: Any, capability: Capability | str) -> None:
    """Raise CapabilityDenied unless `user` holds `capability`."""
    capability = Capability(capability)
    if not has(user, capability):
        raise CapabilityDenied(capability, user)


class TemplateCapabilities(Mapping[str, bool]):
    """`can.customers_merge` in a template: whether the signed-in user holds the capability."""

    def __init__(self, user: Any) -> None:
        self._user = user

    def __getitem__(self, key: str) -> bool:
        try:
            capability = Capability(key.replace("_", ".", 1))
        except ValueError:
            raise KeyError(key) from None
        return has(self._user, capability)

    def __iter__(self) -> Any:
        return (c.value.replace(".", "_", 1) for c in Capability)

    def __len__(self) -> int:
        return len(Capability)


def context_processor(request: Any) -> dict[str, Any]:
    return {"can": TemplateCapabilities(getattr(request, "user", None))}
