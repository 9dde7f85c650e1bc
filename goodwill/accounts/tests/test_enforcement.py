"""Every write, on pages and over the API, for every role: allowed, or a 403 changing nothing.

The matrix is role x endpoint; each endpoint names the capability it needs, and whether a role
may act comes from goodwill.accounts.permissions (whose table test_permissions.py pins to the
documented policy). A refused request must get 403, name the capability, and leave the
database as it was; an allowed one must not be refused and must have its effect.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse

from goodwill.accounts import services as account_services
from goodwill.accounts.models import AuditEntry, Role
from goodwill.accounts.permissions import Capability, role_may
from goodwill.api import api
from goodwill.customers import services as customer_services
from goodwill.customers.models import Customer, Identity, MatchSuggestion, Merge
from goodwill.insights import selectors as insight_selectors
from goodwill.insights.models import Alert, TaxonomyVersion
from goodwill.listening import labelling, sources
from goodwill.listening.models import Message, Source
from goodwill.value.models import ValueSettings
from goodwill.web.tests.helpers import PASSWORD, T0, ingest, make_token, make_user, post

pytestmark = pytest.mark.django_db

NO_ROLE = "none"
ROLES = [*Role.values, NO_ROLE]


def login(role: str) -> Any:
    if role == NO_ROLE:
        return make_user("nobody")
    return account_services.create_staff_user(username=f"{role}-1", password=PASSWORD, roles=[role])


# ----------------------------------------------------------------------------- arrangements


def two_customers() -> dict[str, int]:
    ingest([post("m1", "alice"), post("m2", "alicia", channel="facebook")])
    a, b = Customer.objects.order_by("id")[:2]
    return {"into": a.pk, "other": b.pk, "identity": Identity.objects.get(customer=b).pk}


def merged() -> dict[str, int]:
    ids = two_customers()
    merge = customer_services.merge_customers(
        into=ids["into"], other=ids["other"], actor=None, evidence={"kind": "test"}
    )
    return {**ids, "merge": merge.pk}


def suggestion() -> dict[str, int]:
    ingest([post("x1", "person001smith"), post("f1", "person001.smith", channel="facebook")])
    Identity.objects.update(display_name="Pat Smith")
    customer_services.resolve_all(messages=[])
    return {"suggestion": MatchSuggestion.objects.get(status="pending").pk}


def alert() -> dict[str, int]:
    made = Alert.objects.create(
        series_key=insight_selectors.series_key("billing", "negative", "x"),
        topic="billing",
        sentiment="negative",
        channel="x",
        window_start=T0,
        window_end=T0 + timedelta(hours=1),
        score=4.5,
        expected=1.25,
        observed=9,
        status="open",
        message_ids=[],
        history=[[T0.isoformat(), 9, 1.25]],
    )
    return {"alert": made.pk}


def message() -> dict[str, int]:
    ingest([post("c1", "carol", text="the refund never arrived")])
    return {"message": Message.objects.get().pk}


def source() -> dict[str, int]:
    made = sources.create_source(
        name="acme on x", kind="x", config={"query": "acme"}, secrets={"bearer_token": "t"}
    )
    return {"source": made.pk}


def pushed_source() -> dict[str, int]:
    made = sources.create_source(name="hook", kind="webhook", secrets={"signing_secret": "s"})
    return {"source": made.pk}


def nothing() -> dict[str, int]:
    return {}


# ----------------------------------------------------------------------------- the endpoints


def form(client: Any, url: str, data: dict[str, Any] | None = None) -> Any:
    return client.post(url, data or {})


def send(client: Any, url: str, body: Any = None, method: str = "post") -> Any:
    if body is None:
        return client.generic(method.upper(), url, b"", content_type="")
    return client.generic(method.upper(), url, json.dumps(body), content_type="application/json")


def customers_state(ids: dict[str, int]) -> Any:
    return (
        sorted(Merge.objects.values_list("pk", "undone_at")),
        sorted(Customer.objects.values_list("pk", "merged_into_id")),
        sorted(Identity.objects.values_list("pk", "customer_id")),
    )


def suggestion_state(ids: dict[str, int]) -> Any:
    return (
        sorted(MatchSuggestion.objects.values_list("pk", "status")),
        customers_state(ids),
    )


def alert_state(ids: dict[str, int]) -> Any:
    return Alert.objects.get(pk=ids["alert"]).status


def taxonomy_state(ids: dict[str, int]) -> Any:
    return TaxonomyVersion.objects.count()


def value_state(ids: dict[str, int]) -> Any:
    return ValueSettings.objects.count()


def corrections_state(ids: dict[str, int]) -> Any:
    return {f: c.value for f, c in labelling.corrections_of(ids["message"]).items()}


def source_state(ids: dict[str, int]) -> Any:
    return sorted(
        (s.pk, s.name, json.dumps(s.config, sort_keys=True), s.interval_seconds)
        for s in Source.objects.all()
    )


def current_value_settings() -> dict[str, Any]:
    from goodwill.value import selectors as value_selectors

    return value_selectors.current_settings()[1].to_dict()


def packaged_topics(client: Any) -> list[dict[str, Any]]:
    from goodwill.analysis.topics import default_taxonomy

    return [
        {"name": t.name, "keywords": list(t.keywords), "examples": list(t.examples)}
        for t in default_taxonomy().topics[:2]
    ]


@dataclass(frozen=True)
class Endpoint:
    name: str  # METHOD path, as the test id
    capability: Capability
    arrange: Callable[[], dict[str, int]]
    act: Callable[[Any, dict[str, int]], Any]
    state: Callable[[dict[str, int]], Any]
    api: bool = False
    changes: bool = True  # False: allowed, the request is well-formed but has nothing to do
    allowed_status: tuple[int, ...] = (200, 201, 204, 302)


ENDPOINTS = [
    # customers.merge
    Endpoint(
        "POST /customers/{id}/merge/",
        Capability.CUSTOMERS_MERGE,
        two_customers,
        lambda c, ids: form(
            c, reverse("customers:merge", args=[ids["into"]]), {"other": ids["other"]}
        ),
        customers_state,
    ),
    Endpoint(
        "POST /customers/merges/{id}/undo/",
        Capability.CUSTOMERS_MERGE,
        merged,
        lambda c, ids: form(c, reverse("customers:merge_undo", args=[ids["merge"]])),
        customers_state,
    ),
    Endpoint(
        "POST /api/customers/{id}/merge",
        Capability.CUSTOMERS_MERGE,
        two_customers,
        lambda c, ids: send(c, f"/api/customers/{ids['into']}/merge", {"other": ids["other"]}),
        customers_state,
        api=True,
    ),
    Endpoint(
        "POST /api/customers/{id}/link",
        Capability.CUSTOMERS_MERGE,
        two_customers,
        lambda c, ids: send(
            c, f"/api/customers/{ids['into']}/link", {"identity_id": ids["identity"]}
        ),
        customers_state,
        api=True,
    ),
    Endpoint(
        "POST /api/customers/merges/{id}/undo",
        Capability.CUSTOMERS_MERGE,
        merged,
        lambda c, ids: send(c, f"/api/customers/merges/{ids['merge']}/undo"),
        customers_state,
        api=True,
    ),
    # identities.review
    *[
        Endpoint(
            f"POST /customers/review/{{id}}/{action}/",
            Capability.IDENTITIES_REVIEW,
            suggestion,
            lambda c, ids, action=action: form(
                c, reverse("customers:review_decide", args=[ids["suggestion"], action])
            ),
            suggestion_state,
        )
        for action in ("accept", "reject")
    ],
    *[
        Endpoint(
            f"POST /api/customers/suggestions/{{id}}/{action}",
            Capability.IDENTITIES_REVIEW,
            suggestion,
            lambda c, ids, action=action: send(
                c, f"/api/customers/suggestions/{ids['suggestion']}/{action}"
            ),
            suggestion_state,
            api=True,
        )
        for action in ("accept", "reject")
    ],
    # alerts.acknowledge / alerts.resolve
    *[
        Endpoint(
            f"POST /alerts/{{id}}/{action}/",
            capability,
            alert,
            lambda c, ids, action=action: form(
                c, reverse("insights:alert_action", args=[ids["alert"], action])
            ),
            alert_state,
        )
        for action, capability in (
            ("acknowledge", Capability.ALERTS_ACKNOWLEDGE),
            ("resolve", Capability.ALERTS_RESOLVE),
        )
    ],
    *[
        Endpoint(
            f"POST /api/alerts/{{id}}/{action}",
            capability,
            alert,
            lambda c, ids, action=action: send(c, f"/api/alerts/{ids['alert']}/{action}"),
            alert_state,
            api=True,
        )
        for action, capability in (
            ("acknowledge", Capability.ALERTS_ACKNOWLEDGE),
            ("resolve", Capability.ALERTS_RESOLVE),
        )
    ],
    # topics.edit
    Endpoint(
        "POST /alerts/topics/",
        Capability.TOPICS_EDIT,
        nothing,
        lambda c, ids: form(
            c, reverse("insights:topics"), {"name": "dark mode", "keywords": "dark mode"}
        ),
        taxonomy_state,
    ),
    Endpoint(
        "POST /alerts/topics/{name}/",
        Capability.TOPICS_EDIT,
        nothing,
        lambda c, ids: form(
            c,
            reverse("insights:topic_edit", args=[packaged_topics(c)[0]["name"]]),
            {"delete": "1"},
        ),
        taxonomy_state,
    ),
    Endpoint(
        "POST /api/topics",
        Capability.TOPICS_EDIT,
        nothing,
        lambda c, ids: send(c, "/api/topics", {"topics": packaged_topics(c)}),
        taxonomy_state,
        api=True,
    ),
    # value.settings
    Endpoint(
        "POST /value/settings/",
        Capability.VALUE_SETTINGS,
        nothing,
        lambda c, ids: form(
            c, reverse("value:settings"), {**current_value_settings(), "note": "m"}
        ),
        value_state,
    ),
    # labels.correct
    Endpoint(
        "POST /messages/{id}/correct",
        Capability.LABELS_CORRECT,
        message,
        lambda c, ids: form(
            c,
            reverse("listening:correct", args=[ids["message"]]),
            {"field": "sentiment", "sentiment": "positive"},
        ),
        corrections_state,
    ),
    Endpoint(
        "POST /api/messages/{id}/corrections",
        Capability.LABELS_CORRECT,
        message,
        lambda c, ids: send(
            c,
            f"/api/messages/{ids['message']}/corrections",
            {"field": "sentiment", "value": "positive"},
        ),
        corrections_state,
        api=True,
    ),
    # sources.manage
    Endpoint(
        "POST /sources/add/",
        Capability.SOURCES_MANAGE,
        nothing,
        lambda c, ids: form(
            c,
            reverse("sources:add"),
            {
                "kind": "rss",
                "name": "blog",
                "channel": "rss",
                "url": "http://127.0.0.1:9/feed.xml",
                "interval_seconds": 900,
                "enabled": "on",
            },
        ),
        source_state,
    ),
    Endpoint(
        "POST /sources/{id}/edit/",
        Capability.SOURCES_MANAGE,
        source,
        lambda c, ids: form(
            c,
            reverse("sources:edit", args=[ids["source"]]),
            {
                "name": "renamed",
                "channel": "x",
                "query": "acme",
                "interval_seconds": 600,
                "enabled": "on",
            },
        ),
        source_state,
    ),
    Endpoint(
        "POST /sources/{id}/run/",
        Capability.SOURCES_MANAGE,
        pushed_source,
        lambda c, ids: form(c, reverse("sources:run", args=[ids["source"]])),
        source_state,
        changes=False,  # a pushed source has nothing to pull: allowed, it says so
    ),
    Endpoint(
        "POST /sources/{id}/delete/",
        Capability.SOURCES_MANAGE,
        source,
        lambda c, ids: form(c, reverse("sources:delete", args=[ids["source"]])),
        source_state,
    ),
    Endpoint(
        "POST /api/sources",
        Capability.SOURCES_MANAGE,
        nothing,
        lambda c, ids: send(
            c,
            "/api/sources",
            {
                "name": "r/acme",
                "kind": "reddit",
                "config": {"subreddit": "acme"},
                "secrets": {"client_id": "env:REDDIT_ID", "client_secret": "env:REDDIT_SECRET"},
            },
        ),
        source_state,
        api=True,
    ),
    Endpoint(
        "PATCH /api/sources/{id}",
        Capability.SOURCES_MANAGE,
        source,
        lambda c, ids: send(c, f"/api/sources/{ids['source']}", {"interval_seconds": 600}, "patch"),
        source_state,
        api=True,
    ),
    Endpoint(
        "DELETE /api/sources/{id}",
        Capability.SOURCES_MANAGE,
        source,
        lambda c, ids: send(c, f"/api/sources/{ids['source']}", method="delete"),
        source_state,
        api=True,
    ),
    Endpoint(
        "POST /api/sources/{id}/run",
        Capability.SOURCES_MANAGE,
        pushed_source,
        lambda c, ids: send(c, f"/api/sources/{ids['source']}/run"),
        source_state,
        api=True,
        changes=False,
        allowed_status=(409,),  # allowed: refused for being pushed to, not for the role
    ),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name)
def test_role_x_write(client: Any, role: str, endpoint: Endpoint) -> None:
    ids = endpoint.arrange()
    user = login(role)
    if endpoint.api:
        client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {make_token(user)}"
    else:
        client.force_login(user)
    before = endpoint.state(ids)
    audited = AuditEntry.objects.count()
    response = endpoint.act(client, ids)
    may = role != NO_ROLE and role_may(role, endpoint.capability)
    if may:
        assert response.status_code in endpoint.allowed_status, response.content[:500]
        if endpoint.changes:
            assert endpoint.state(ids) != before, f"{role}: allowed, yet nothing changed"
        return
    assert response.status_code == 403, response.content[:500]
    assert endpoint.state(ids) == before
    assert AuditEntry.objects.count() == audited
    if endpoint.api:
        body = response.json()
        assert body["capability"] == endpoint.capability
        assert endpoint.capability in body["detail"]
        assert sorted(body["roles"]) == sorted(
            r for r in Role.values if role_may(r, endpoint.capability)
        )
    else:
        assert f"&#x27;{endpoint.capability}&#x27;" in response.content.decode()


def _api_writes() -> set[str]:
    """Every write operation the REST API offers, as 'METHOD /api/path'."""
    found = set()
    for prefix, router in api._routers:
        for path, view in router.path_operations.items():
            for operation in view.operations:
                for method in operation.methods:
                    if method != "GET":
                        full = f"/api/{prefix.strip('/')}{path}".replace("/{int:", "/{")
                        found.add(f"{method} {full.rstrip('/')}")
    return {w for w in found if not w.startswith("GET")}


def _normalise(name: str) -> str:
    method, path = name.split(" ", 1)
    parts = ["{}" if p.startswith("{") else p for p in path.split("/")]
    return f"{method} {'/'.join(parts)}"


def test_every_api_write_is_in_the_matrix() -> None:
    covered = {_normalise(e.name) for e in ENDPOINTS if e.api}
    offered = set()
    for write in _api_writes():
        method, path = write.split(" ", 1)
        # /suggestions/{id}/{action} is two endpoints in the matrix, one per action.
        for action in ("accept", "reject"):
            offered.add(_normalise(f"{method} {path.replace('{action}', action)}"))
    assert "POST /api/customers/{}/merge" in offered  # the walk over the routers finds writes
    assert offered - covered == set(), "API writes with no role check in the matrix"
    assert covered - offered == set(), "the matrix names an endpoint the API does not have"
