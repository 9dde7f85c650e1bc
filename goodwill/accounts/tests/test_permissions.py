"""The capability table: the documented policy, who holds what, the refusal, the template view."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.template import Context, Template
from django.urls import reverse

from goodwill.accounts import permissions
from goodwill.accounts import services as account_services
from goodwill.accounts.models import Role
from goodwill.accounts.permissions import Capability, CapabilityDenied
from goodwill.customers import services as customer_services
from goodwill.customers.models import Customer, Identity
from goodwill.listening.models import Message
from goodwill.web.tests.helpers import PASSWORD, ingest, make_user, post

DOC = Path(__file__).resolve().parents[3] / "docs" / "roles.md"

# The policy as decided (docs/roles.md says why): what each role may change.
POLICY = {
    "agent": {"labels.correct", "alerts.acknowledge"},
    "analyst": {"labels.correct", "topics.edit"},
    "supervisor": {
        "labels.correct",
        "alerts.acknowledge",
        "alerts.resolve",
        "topics.edit",
        "customers.merge",
        "identities.review",
        "value.settings",
    },
    "admin": {c.value for c in Capability},
}


def test_every_role_holds_exactly_what_the_policy_says() -> None:
    assert set(POLICY) == set(Role.values)
    for role, allowed in POLICY.items():
        assert {c.value for c in Capability if permissions.role_may(role, c)} == allowed, role


def test_the_analyst_changes_no_customer_alert_or_source() -> None:
    for capability in Capability:
        if capability.value.split(".")[0] in {"customers", "identities", "alerts", "sources"}:
            assert not permissions.role_may(Role.ANALYST, capability)


def test_docs_table_matches_the_module() -> None:
    text = DOC.read_text()
    header = next(line for line in text.splitlines() if line.startswith("| capability"))
    roles = [cell.strip() for cell in header.strip("|").split("|")][2:]
    assert sorted(roles) == sorted(Role.values)
    documented = {}
    for line in text.splitlines():
        match = re.match(r"\| `([a-z]+\.[a-z]+)` \|", line)
        if match:
            cells = [cell.strip() for cell in line.strip("|").split("|")]
            documented[match.group(1)] = {
                r for r, c in zip(roles, cells[2:], strict=True) if c == "yes"
            }
            assert cells[1] == permissions.GRANTS[Capability(match.group(1))].what
    assert documented == {c.value: set(permissions.roles_holding(c)) for c in Capability}


@pytest.mark.django_db
def test_roles_come_from_groups_superuser_is_admin_inactive_is_nobody(
    django_assert_num_queries: Any,
) -> None:
    agent = account_services.create_staff_user(username="a", password=PASSWORD, roles=["agent"])
    agent = type(agent).objects.get(pk=agent.pk)
    with django_assert_num_queries(1):  # read once, then remembered on the user
        assert permissions.has(agent, Capability.LABELS_CORRECT)
        assert not permissions.has(agent, Capability.CUSTOMERS_MERGE)
        assert permissions.capabilities_of(agent) == {
            Capability.LABELS_CORRECT,
            Capability.ALERTS_ACKNOWLEDGE,
        }
    stranger = make_user("s")
    stranger.groups.add(Group.objects.create(name="marketing"))  # not a role
    assert permissions.roles_of(stranger) == frozenset()
    assert permissions.capabilities_of(stranger) == frozenset()
    root = make_user("root", staff=True)  # a superuser with no group
    assert permissions.capabilities_of(root) == set(Capability)
    gone = account_services.create_staff_user(username="g", password=PASSWORD, roles=["admin"])
    gone.is_active = False
    assert permissions.capabilities_of(gone) == frozenset()
    assert permissions.roles_of(None) == frozenset()


@pytest.mark.django_db
def test_a_refusal_names_the_capability_the_holders_and_the_users_roles() -> None:
    analyst = account_services.create_staff_user(
        username="ana", password=PASSWORD, roles=["analyst"]
    )
    with pytest.raises(CapabilityDenied) as refused:
        permissions.require(analyst, "customers.merge")
    message = str(refused.value)
    assert "'customers.merge'" in message
    assert "merge customers" in message
    assert "supervisor" in message and "administrator" in message
    assert "Your roles: analyst." in message
    assert refused.value.roles == ["admin", "supervisor"]
    with pytest.raises(ValueError):
        permissions.require(analyst, "customers.merg")  # a typo is a bug, never a refusal
    permissions.require(analyst, Capability.TOPICS_EDIT)


@pytest.mark.django_db
def test_templates_ask_can_with_underscores() -> None:
    agent = account_services.create_staff_user(username="a", password=PASSWORD, roles=["agent"])
    can = permissions.TemplateCapabilities(agent)
    html = Template(
        "{% if can.labels_correct %}L{% endif %}{% if can.customers_merge %}M{% endif %}"
        "{% if can.no_such %}X{% endif %}"
    ).render(Context({"can": can}))
    assert html == "L"
    assert len(can) == len(Capability) and "alerts_acknowledge" in set(can)


# ----------------------------------------------------------------------------- hidden buttons

ROLES = [*Role.values, "none"]


def _login(client: Any, role: str) -> None:
    if role == "none":
        client.force_login(make_user("nobody"))
    else:
        client.force_login(
            account_services.create_staff_user(username=role, password=PASSWORD, roles=[role])
        )


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_pages_offer_only_the_writes_the_role_may_make(client: Any, role: str) -> None:
    ingest([post("m1", "alice"), post("m2", "alicia", channel="facebook")])
    a, b = Customer.objects.order_by("id")[:2]
    merge = customer_services.merge_customers(into=a.pk, other=b.pk, actor=None, evidence={})
    ingest([post("x1", "person001smith"), post("f1", "person001.smith", channel="facebook")])
    Identity.objects.filter(handle__startswith="person").update(display_name="Pat Smith")
    customer_services.resolve_all(messages=[])
    _login(client, role)
    merges = role in {"supervisor", "admin"}
    customer = client.get(reverse("customers:detail", args=[a.pk])).content.decode()
    assert ('id="merge-form"' in customer) is merges
    assert (reverse("customers:merge_undo", args=[merge.pk]) in customer) is merges
    review = client.get(reverse("customers:review")).content.decode()
    assert ("data-suggestion=" in review) is True
    assert ('/accept/"' in review) is merges
    assert ('data-refused="identities.review"' in review) is not merges
    message = Message.objects.order_by("id").first()
    assert message is not None
    detail = client.get(reverse("listening:detail", args=[message.pk])).content.decode()
    assert (reverse("listening:correct", args=[message.pk]) in detail) is (role != "none")


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_alert_page_offers_only_the_actions_the_role_may_take(client: Any, role: str) -> None:
    from goodwill.insights.tests.test_views_alerts_list import make_alert

    alert = make_alert(1)
    _login(client, role)
    page = client.get(reverse("insights:alert", args=[alert.pk])).content.decode()
    acknowledge = reverse("insights:alert_action", args=[alert.pk, "acknowledge"])
    resolve = reverse("insights:alert_action", args=[alert.pk, "resolve"])
    assert (acknowledge in page) is (role in {"agent", "supervisor", "admin"})
    assert (resolve in page) is (role in {"supervisor", "admin"})
