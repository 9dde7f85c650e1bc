"""/api/alerts and /api/topics: auth and roles, filters, pages, actions, taxonomy documents."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Group
from hypothesis import given, settings
from hypothesis import strategies as st

from goodwill.accounts.models import AuditEntry
from goodwill.analysis.topics import default_taxonomy
from goodwill.insights import api_selectors, api_services, selectors, services
from goodwill.insights.models import Alert, TaxonomyVersion
from goodwill.listening.models import Message
from goodwill.web.tests.helpers import HOSTILE, T0, ingest, make_token, make_user, post

pytestmark = pytest.mark.django_db


def bearer(client: Any, username: str, *roles: str) -> Any:
    user = make_user(username)
    for role in roles:
        user.groups.add(Group.objects.get_or_create(name=role)[0])
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {make_token(user)}"
    return client


@pytest.fixture
def analyst(client: Any) -> Any:
    return bearer(client, "ana", "analyst")


@pytest.fixture
def supervisor(client: Any) -> Any:
    return bearer(client, "sue", "supervisor")


def send(client: Any, url: str, body: Any = None) -> Any:
    if body is None:  # an empty POST, as `curl -X POST` sends it
        return client.generic("POST", url, b"", content_type="")
    return client.post(url, json.dumps(body), content_type="application/json")


def make_alert(
    hour: int,
    *,
    topic: str = "billing",
    sentiment: str = "negative",
    channel: str = "x",
    status: str = "open",
    hours: int = 1,
    message_ids: list[int] | None = None,
) -> Alert:
    start = T0 + timedelta(hours=hour)
    return Alert.objects.create(
        series_key=selectors.series_key(topic, sentiment, channel),
        topic=topic,
        sentiment=sentiment,
        channel=channel,
        window_start=start,
        window_end=start + timedelta(hours=hours),
        score=4.5,
        expected=1.25,
        observed=9,
        status=status,
        message_ids=message_ids or [],
        history=[
            [(start - timedelta(hours=k)).isoformat(), 9 if k == 0 else 1, 1.25]
            for k in range(3, -1, -1)
        ],
    )


def audit_of(alert: Alert) -> Any:
    return AuditEntry.objects.filter(target_type="insights.alert", target_id=str(alert.pk))


def ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.content
    return [a["id"] for a in response.json()["items"]]


def error_fields(response: Any) -> set[str]:
    """The query or body fields a ninja 422 names."""
    assert response.status_code == 422, response.content
    return {str(e["loc"][-1]) for e in response.json()["detail"]}


# ----------------------------------------------------------------------------- auth


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/api/alerts"),
        ("get", "/api/alerts/kinds"),
        ("get", "/api/alerts/1"),
        ("post", "/api/alerts/1/acknowledge"),
        ("post", "/api/alerts/1/resolve"),
        ("get", "/api/topics"),
        ("get", "/api/topics/versions"),
        ("get", "/api/topics/versions/1"),
        ("post", "/api/topics"),
    ],
)
def test_every_endpoint_needs_a_token(client: Any, method: str, url: str) -> None:
    assert getattr(client, method)(url).status_code == 401
    client.defaults["HTTP_AUTHORIZATION"] = "Bearer gw_not-a-real-token"
    assert getattr(client, method)(url).status_code == 401


def test_agents_acknowledge_supervisors_resolve_and_only_editors_change_topics(
    client: Any,
) -> None:
    alert = make_alert(0)
    bearer(client, "agent", "agent")
    assert send(client, f"/api/alerts/{alert.pk}/acknowledge").status_code == 200
    refused = send(client, f"/api/alerts/{alert.pk}/resolve")
    assert refused.status_code == 403 and refused.json()["capability"] == "alerts.resolve"
    document = client.get("/api/topics").json()
    refused = send(client, "/api/topics", {"topics": document["topics"][:1]})
    assert refused.status_code == 403 and refused.json()["capability"] == "topics.edit"
    assert not TaxonomyVersion.objects.exists()
    for role in ("admin", "supervisor", "analyst"):
        bearer(client, role, role)
        kept = [document["topics"][0], {"name": f"by {role}", "keywords": [role]}]
        assert send(client, "/api/topics", {"topics": kept}).status_code == 201


# ----------------------------------------------------------------------------- alerts


def test_filters_each_narrow_the_list(analyst: Any) -> None:
    a = make_alert(0, topic="billing", channel="x")
    b = make_alert(5, topic="billing", channel="*", status="acknowledged")
    c = make_alert(10, topic="delays", channel="reddit", sentiment="positive", hours=3)
    d = make_alert(20, topic="delays", channel="x", status="resolved")
    get = analyst.get
    assert ids(get("/api/alerts")) == [d.pk, c.pk, b.pk, a.pk]
    assert ids(get("/api/alerts", {"status": "open"})) == [c.pk, a.pk]
    assert ids(get("/api/alerts", {"status": "resolved"})) == [d.pk]
    assert ids(get("/api/alerts", {"status": ""})) == [d.pk, c.pk, b.pk, a.pk]
    assert ids(get("/api/alerts", {"topic": "delays"})) == [d.pk, c.pk]
    assert ids(get("/api/alerts", {"channel": "x"})) == [d.pk, a.pk]
    assert ids(get("/api/alerts", {"channel": "*"})) == [b.pk]
    assert ids(get("/api/alerts", {"topic": "delays", "channel": "x"})) == [d.pk]
    # since/until select alerts whose window overlaps [since, until); no offset means UTC.
    assert ids(get("/api/alerts", {"since": (T0 + timedelta(hours=12)).isoformat()})) == [
        d.pk,
        c.pk,  # its window runs 10:00-13:00 after T0
    ]
    assert ids(get("/api/alerts", {"until": "2024-03-01T17:30:00"})) == [b.pk, a.pk]
    assert ids(get("/api/alerts", {"until": "2024-03-01T17:00:00"})) == [a.pk]  # exclusive
    # a ends at 13:00 (outside), b runs 17:00-18:00, c starts at 22:00.
    window = {"since": "2024-03-01T13:00:00Z", "until": "2024-03-01T22:30:00+00:00"}
    assert ids(get("/api/alerts", window)) == [c.pk, b.pk]


def test_kinds_come_from_the_model_and_filter(analyst: Any) -> None:
    body = analyst.get("/api/alerts/kinds").json()
    kinds = [k["value"] for k in body["kinds"]]
    assert kinds == [value for value, _ in api_selectors.alert_kinds()] and kinds
    assert [s["value"] for s in body["statuses"]] == Alert.Status.values
    newest_first = [make_alert(0)]
    if api_selectors.has_kind_field() and len(kinds) > 1:  # another detector's kind
        other = make_alert(1, topic="", sentiment="", channel="*")
        Alert.objects.filter(pk=other.pk).update(kind=kinds[-1])
        newest_first.insert(0, Alert.objects.get(pk=other.pk))
    kind_of = {a.pk: api_selectors.kind_of(a) for a in newest_first}
    assert set(kind_of.values()) <= set(kinds)
    for kind in kinds:
        listed = analyst.get("/api/alerts", {"kind": kind})
        assert ids(listed) == [pk for pk, k in kind_of.items() if k == kind]
        assert all(a["kind"] == kind for a in listed.json()["items"])


def test_an_emerging_phrase_lists_its_phrase_and_terms_verbatim(analyst: Any) -> None:
    spike = make_alert(0)
    phrase = make_alert(1, topic="", sentiment="", channel="*")
    said = f"gate \u202echange {HOSTILE}"
    Alert.objects.filter(pk=phrase.pk).update(
        kind=Alert.Kind.EMERGING,
        series_key=f"phrase:{said}",
        phrase=said,
        terms=[said, "desk", "queue"],
    )
    items = {a["id"]: a for a in analyst.get("/api/alerts").json()["items"]}
    assert items[phrase.pk]["kind"] == "emerging"
    assert items[phrase.pk]["phrase"] == said
    assert items[phrase.pk]["terms"] == [said, "desk", "queue"]
    assert items[spike.pk]["phrase"] == "" and items[spike.pk]["terms"] == []
    one = analyst.get(f"/api/alerts/{phrase.pk}").json()
    assert one["phrase"] == said and one["terms"][1:] == ["desk", "queue"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "closed"}, "status"),
        ({"kind": "volcano"}, "kind"),
        ({"channel": "myspace"}, "channel"),
        ({"since": "last tuesday"}, "since"),
        ({"until": "2024-13-01"}, "until"),
        ({"topic": "t" * 101}, "topic"),
        ({"limit": 0}, "limit"),
        ({"limit": 501}, "limit"),
        ({"offset": -1}, "offset"),
    ],
)
def test_bad_filters_are_a_422_naming_the_field(
    analyst: Any, params: dict[str, Any], field: str
) -> None:
    response = analyst.get("/api/alerts", params)
    assert error_fields(response) == {field}
    if field in {"status", "kind", "channel"}:
        assert "one of:" in response.content.decode()


def test_pages_and_a_query_count_that_does_not_grow(
    analyst: Any, django_assert_max_num_queries: Any
) -> None:
    ingest([post("m1", "alice", text="double charged")])
    message_ids = list(Message.objects.values_list("pk", flat=True))
    for i in range(3):
        make_alert(i, topic=f"t{i}", message_ids=message_ids)
    with django_assert_max_num_queries(4) as few:
        assert len(ids(analyst.get("/api/alerts"))) == 3
    baseline = len(few.captured_queries)  # read now: each request clears Django's query log
    for i in range(3, 40):
        make_alert(i, topic=f"t{i}", message_ids=message_ids)
    with django_assert_max_num_queries(baseline):
        assert len(ids(analyst.get("/api/alerts", {"limit": 100}))) == 40
    first = analyst.get("/api/alerts", {"limit": 15}).json()
    second = analyst.get("/api/alerts", {"limit": 15, "offset": 15}).json()
    assert first["count"] == second["count"] == 40
    newest_first = list(Alert.objects.order_by("-window_start").values_list("pk", flat=True))
    assert [a["id"] for a in first["items"] + second["items"]] == newest_first[:30]


def test_one_alert_has_its_points_messages_verbatim_and_activity(analyst: Any) -> None:
    ingest(
        [
            post("m1", "alice", 0, text=HOSTILE),
            post("m2", "bob", 5, text="  charged   twice\n\tagain  "),
        ]
    )
    m1, m2 = Message.objects.order_by("created_at")
    alert = make_alert(0, message_ids=[m2.pk, m1.pk])
    body = analyst.get(f"/api/alerts/{alert.pk}").json()
    assert body["series_key"] == "billing|negative|x" and body["observed"] == 9
    assert [m["text"] for m in body["messages"]] == [HOSTILE, "  charged   twice\n\tagain  "]
    assert {m["id"] for m in body["messages"]} == set(body["message_ids"]) == {m1.pk, m2.pk}
    assert [(p["observed"], p["expected"]) for p in body["points"]] == [(1, 1.25)] * 3 + [(9, 1.25)]
    assert body["points"][-1]["at"].startswith("2024-03-01T12:00:00")
    assert body["activity"] == []
    missing = analyst.get(f"/api/alerts/{alert.pk + 1000}")
    assert missing.status_code == 404 and str(alert.pk + 1000) in missing.json()["detail"]


def test_one_alert_costs_the_same_queries_with_many_messages_and_notes(
    supervisor: Any, django_assert_max_num_queries: Any
) -> None:
    ingest([post("m0", "alice", text="double charged")])
    alert = make_alert(0, message_ids=list(Message.objects.values_list("pk", flat=True)))
    with django_assert_max_num_queries(6) as few:
        assert len(supervisor.get(f"/api/alerts/{alert.pk}").json()["messages"]) == 1
    baseline = len(few.captured_queries)  # read now: each request clears Django's query log
    ingest(post(f"m{i}", f"user{i}", i, text=f"charged twice {i}") for i in range(1, 40))
    Alert.objects.filter(pk=alert.pk).update(
        message_ids=list(Message.objects.values_list("pk", flat=True))
    )
    send(supervisor, f"/api/alerts/{alert.pk}/acknowledge", {"note": "looking"})
    with django_assert_max_num_queries(baseline):
        body = supervisor.get(f"/api/alerts/{alert.pk}").json()
    assert len(body["messages"]) == 40 and len(body["activity"]) == 2


def test_acknowledge_then_resolve_with_a_note_is_audited_and_cannot_go_back(
    supervisor: Any,
) -> None:
    alert = make_alert(0)
    url = f"/api/alerts/{alert.pk}"
    acknowledged = send(supervisor, f"{url}/acknowledge")
    assert acknowledged.status_code == 200 and acknowledged.json()["status"] == "acknowledged"
    note = f"refunds sent; {HOSTILE}\nsee ticket 42"
    resolved = send(supervisor, f"{url}/resolve", {"note": note})
    assert resolved.status_code == 200 and resolved.json()["status"] == "resolved"
    alert.refresh_from_db()
    assert alert.status == Alert.Status.RESOLVED
    entries = list(audit_of(alert).order_by("at", "id"))
    assert [e.action for e in entries] == ["alert.acknowledged", "alert.resolved", "alert.note"]
    assert {e.actor.username for e in entries if e.actor} == {"sue"}
    assert entries[-1].data == {"note": note, "status": "resolved"}
    activity = supervisor.get(url).json()["activity"]
    assert [(a["action"], a["actor"]) for a in activity] == [
        ("alert.acknowledged", "sue"),
        ("alert.resolved", "sue"),
        ("alert.note", "sue"),
    ]
    assert activity[-1]["data"]["note"] == note  # verbatim
    again = send(supervisor, f"{url}/acknowledge", {"note": "too late"})
    assert again.status_code == 409 and "cannot become" in again.json()["detail"]
    assert send(supervisor, f"{url}/resolve").status_code == 409
    assert audit_of(alert).count() == 3  # nothing added
    assert send(supervisor, f"/api/alerts/{alert.pk + 1000}/resolve").status_code == 404


def test_a_bad_note_is_refused_and_changes_nothing(analyst: Any) -> None:
    alert = make_alert(0)
    url = f"/api/alerts/{alert.pk}/resolve"
    too_long = "x" * (api_services.MAX_NOTE_CHARS + 1)
    assert error_fields(send(analyst, url, {"note": too_long})) == {"note"}
    assert error_fields(send(analyst, url, {"note": ["a", "list"]})) == {"note"}
    alert.refresh_from_db()
    assert alert.status == Alert.Status.OPEN
    assert not audit_of(alert).exists()


def test_an_alert_the_spike_scan_opened_reads_back_whole(analyst: Any) -> None:
    background = ["my flight is delayed again", "lost my bag, useless", "lovely crew today"]
    ingest(
        post(f"bg{d}-{k}", f"p{k}", d * 1440 + 600 + 90 * k, text=text)
        for d in range(9)
        for k, text in enumerate(background)
    )
    burst = f"you charged me twice, terrible, refund me {HOSTILE}"
    ingest(post(f"b{i}", f"angry{i}", 8 * 1440 + 180 + 2 * i, text=burst) for i in range(12))
    services.scan_spikes(now=T0 + timedelta(days=9))
    listed = analyst.get("/api/alerts", {"limit": 500}).json()
    assert listed["count"] == Alert.objects.count() > 0
    top = max(listed["items"], key=lambda a: a["observed"])
    body = analyst.get(f"/api/alerts/{top['id']}").json()
    assert body["messages"] and all(m["text"] == burst for m in body["messages"])
    assert len(body["points"]) >= 2


# ----------------------------------------------------------------------------- topics


def test_the_packaged_taxonomy_until_the_first_edit(analyst: Any) -> None:
    body = analyst.get("/api/topics").json()
    packaged = default_taxonomy()
    assert body["version"] is None and body["created_by"] is None
    assert [t["name"] for t in body["topics"]] == packaged.names
    assert body["example_threshold"] == packaged.example_threshold
    assert analyst.get("/api/topics/versions").json() == {"items": [], "count": 0}
    assert analyst.get("/api/topics/versions/1").status_code == 404


def test_a_document_round_trips_into_a_new_version_and_is_used(analyst: Any) -> None:
    document = analyst.get("/api/topics").json()
    topics = [*document["topics"][1:], {"name": "dark mode", "keywords": ["dark theme"]}]
    topics[0] = {**topics[0], "keywords": [*topics[0]["keywords"], "  extra   words "]}
    saved = send(analyst, "/api/topics", {"topics": topics, "base_version": 0})
    assert saved.status_code == 201, saved.content
    body = saved.json()
    removed, edited = document["topics"][0]["name"], topics[0]["name"]
    assert (body["added"], body["removed"], body["edited"]) == (["dark mode"], [removed], [edited])
    taxonomy = body["taxonomy"]
    assert taxonomy["version"] == 2 and taxonomy["created_by"] == "ana"  # 1: the packaged one
    assert taxonomy["topics"][0]["keywords"][-1] == "extra words"  # the editor's normalisation
    assert "added 'dark mode'" in taxonomy["note"]
    assert analyst.get("/api/topics").json() == taxonomy
    assert selectors.current_taxonomy().names == [t["name"] for t in topics]
    ingest([post("dm1", "dana", text="please add a dark theme to the app")])
    assert "dark mode" in Message.objects.get(external_id="dm1").topics  # the pipeline uses it

    versions = analyst.get("/api/topics/versions").json()
    assert [(v["version"], v["created_by"]) for v in versions["items"]] == [(2, "ana"), (1, None)]
    assert versions["items"][1]["topic_count"] == len(default_taxonomy().topics)
    first = analyst.get("/api/topics/versions/1").json()
    assert [t["name"] for t in first["topics"]] == default_taxonomy().names

    # The same document again stores nothing; a note and threshold change does.
    again = send(analyst, "/api/topics", {"topics": taxonomy["topics"]})
    assert again.status_code == 200 and again.json()["created"] is False
    assert again.json()["taxonomy"]["version"] == 2
    changed = send(
        analyst,
        "/api/topics",
        {"topics": taxonomy["topics"], "example_threshold": 0.7, "note": "stricter seeds"},
    )
    assert changed.status_code == 201
    assert changed.json()["taxonomy"]["example_threshold"] == 0.7
    assert changed.json()["taxonomy"]["note"] == "stricter seeds"
    audit = AuditEntry.objects.filter(action="taxonomy.replaced").order_by("at", "id")
    assert [e.data["version"] for e in audit] == [2, 3]
    assert audit[0].data["added"] == ["dark mode"] and audit[0].actor is not None


def test_versions_list_costs_the_same_queries_however_many(
    analyst: Any, django_assert_max_num_queries: Any
) -> None:
    document = analyst.get("/api/topics").json()
    send(analyst, "/api/topics", {"topics": document["topics"][:2]})
    with django_assert_max_num_queries(4) as few:
        assert analyst.get("/api/topics/versions").json()["count"] == 2
    baseline = len(few.captured_queries)  # read now: each request clears Django's query log
    for n in range(3, 13):
        send(analyst, "/api/topics", {"topics": document["topics"][:n]})
    with django_assert_max_num_queries(baseline):
        listed = analyst.get("/api/topics/versions").json()
    assert [v["topic_count"] for v in listed["items"]] == [*range(12, 1, -1), 12]
    assert {v["created_by"] for v in listed["items"][:-1]} == {"ana"}


def test_a_stale_document_is_refused(analyst: Any) -> None:
    document = analyst.get("/api/topics").json()
    send(analyst, "/api/topics", {"topics": document["topics"][:2], "base_version": 0})
    stale = send(analyst, "/api/topics", {"topics": document["topics"][:3], "base_version": 0})
    assert stale.status_code == 409 and "base_version" in stale.json()["detail"]
    assert selectors.current_taxonomy().names == default_taxonomy().names[:2]
    fresh = send(analyst, "/api/topics", {"topics": document["topics"][:3], "base_version": 2})
    assert fresh.status_code == 201


@pytest.mark.parametrize(
    ("topics", "field", "message"),
    [
        ([], "topics", "at least one topic"),
        ([{"name": "  ", "keywords": ["x"]}], "topics[0].name", "topic 1: a topic needs a name"),
        (
            [{"name": "a", "keywords": ["x"]}, {"name": "A", "keywords": ["y"]}],
            "topics[1].name",
            "topic 2 ('A'): a topic named 'A' already exists",
        ),
        ([{"name": "a|b", "keywords": ["x"]}], "topics[0].name", "cannot contain"),
        (
            [{"name": "ok", "keywords": ["x"]}, {"name": "empty", "keywords": [" "]}],
            "topics[1].keywords",
            "topic 2 ('empty'): give at least one keyword or one seed example",
        ),
        (
            [{"name": "long", "examples": ["x" * 201]}],
            "topics[0].examples",
            "line 1 is longer than 200",
        ),
    ],
)
def test_bad_documents_name_the_topic_and_field(
    analyst: Any, topics: list[dict[str, Any]], field: str, message: str
) -> None:
    response = send(analyst, "/api/topics", {"topics": topics})
    assert response.status_code == 422, response.content
    body = response.json()
    assert list(body["errors"]) == [field] and message in body["errors"][field]
    assert message in body["detail"]
    assert not TaxonomyVersion.objects.exists()  # nothing half-written, not even the seed


def test_every_problem_of_a_document_is_reported_at_once(analyst: Any) -> None:
    topics = [
        {"name": "a/b", "keywords": ["x"]},
        {"name": "Refunds"},
        {"name": "fine", "keywords": ["z"]},
        {"name": "refunds", "keywords": ["y"]},  # the same name as a refused topic
    ]
    response = send(analyst, "/api/topics", {"topics": topics, "example_threshold": 1.5})
    assert set(response.json()["errors"]) == {
        "topics[0].name",
        "topics[1].keywords",
        "topics[3].name",
        "example_threshold",
    }


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "topics"),
        ({"topics": "billing"}, "topics"),
        ({"topics": [{"name": f"t{i}", "keywords": ["x"]} for i in range(64)]}, "topics"),
        ({"topics": [{"keywords": ["x"]}]}, "name"),
        ({"topics": [{"name": "a", "keywords": "refund"}]}, "keywords"),
        ({"topics": [{"name": "a", "keywords": ["x"]}], "base_version": -1}, "base_version"),
        ({"topics": [{"name": "a", "keywords": ["x"]}], "note": "n" * 201}, "note"),
    ],
)
def test_malformed_documents_are_a_422_naming_the_field(
    analyst: Any, body: dict[str, Any], field: str
) -> None:
    assert field in error_fields(send(analyst, "/api/topics", body))


terms = st.lists(st.text(alphabet=st.characters(codec="utf-8"), max_size=12), max_size=4)
specs = st.lists(
    st.builds(api_services.TopicSpec, name=st.text(max_size=12), keywords=terms, examples=terms),
    max_size=5,
)


@settings(max_examples=200, deadline=None)
@given(specs, st.floats(allow_nan=True, allow_infinity=True))
def test_validation_accepts_only_what_the_taxonomy_loader_accepts(
    topics: list[api_services.TopicSpec], threshold: float
) -> None:
    try:
        accepted = api_services.validate_document(topics, threshold)
    except api_services.TaxonomyDocumentError as exc:
        assert exc.errors
        for path, why in exc.errors.items():
            assert path in {"topics", "example_threshold"} or path.startswith("topics[")
            assert why
        return
    assert 0 < threshold <= 1 and len(accepted) == len(topics) > 0
    names = [t.name.casefold() for t in accepted]
    assert len(set(names)) == len(names)
    for topic in accepted:
        assert topic.name == " ".join(topic.name.split()) and topic.name
        assert topic.keywords or topic.examples
        assert all(k == " ".join(k.split()) and k for k in (*topic.keywords, *topic.examples))
    # What the API accepts, the loader the pipeline uses accepts too.
    from goodwill.analysis.topics import Taxonomy

    Taxonomy.from_dict(
        {
            "topics": [
                {"name": t.name, "keywords": list(t.keywords), "examples": list(t.examples)}
                for t in accepted
            ]
        }
    )
