"""/api/sources: CRUD with write-only secrets, field errors, run now, recent runs."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.utils import timezone

from goodwill.listening import sources
from goodwill.listening.models import Source, SourceRun
from goodwill.listening.tests.fakes import FakeServer, Reply
from goodwill.listening.tests.scripted_http import fixture_json
from goodwill.web.tests.helpers import make_token, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def api_client(client: Any) -> Any:
    """A bearer-token client for an administrator (sources are managed by that role)."""
    from django.contrib.auth.models import Group

    user = make_user("admin")
    user.groups.add(Group.objects.get_or_create(name="admin")[0])
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {make_token(user)}"
    return client


def post(client: Any, url: str, body: dict[str, Any], method: str = "post") -> Any:
    return getattr(client, method)(url, json.dumps(body), content_type="application/json")


def test_create_returns_how_secrets_are_set_never_their_value(api_client: Any) -> None:
    response = post(
        api_client,
        "/api/sources",
        {
            "name": "r/acmeair",
            "kind": "reddit",
            "config": {"subreddit": "acmeair"},
            "secrets": {"client_id": "env:REDDIT_ID", "client_secret": "very-secret-value"},
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["secrets"] == {"client_id": "env:REDDIT_ID", "client_secret": "encrypted"}
    assert body["channel"] == "reddit"
    assert body["config"]["listing"] == "new"  # the default is filled in
    assert b"very-secret-value" not in response.content
    listed = api_client.get("/api/sources")
    assert listed.json()["count"] == 1
    assert b"very-secret-value" not in listed.content
    assert b"fernet:" not in listed.content


def test_bad_settings_are_a_422_naming_each_field(api_client: Any) -> None:
    response = post(
        api_client,
        "/api/sources",
        {"name": "bad", "kind": "x", "config": {"mode": "firehose", "colour": "red"}},
    )
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"mode", "colour", "bearer_token"}
    assert not Source.objects.exists()
    assert post(api_client, "/api/sources", {"name": "k", "kind": "myspace"}).status_code == 422


def test_patch_delete_and_unknown_ids(api_client: Any) -> None:
    source = sources.create_source(
        name="x1", kind="x", config={"query": "acme"}, secrets={"bearer_token": "t0ken-value"}
    )
    url = f"/api/sources/{source.pk}"
    changed = post(api_client, url, {"interval_seconds": 120, "enabled": False}, "patch")
    assert changed.status_code == 200
    assert (changed.json()["interval_seconds"], changed.json()["enabled"]) == (120, False)
    assert post(api_client, url, {"interval_seconds": 1}, "patch").status_code == 422
    assert post(api_client, url, {"config": {"mode": "x"}}, "patch").json()["errors"].keys() == {
        "mode"
    }
    assert sources.resolve_secrets(Source.objects.get(pk=source.pk)) == {
        "bearer_token": "t0ken-value"
    }
    assert api_client.delete(url).status_code == 204
    assert api_client.get(url).status_code == 404


def test_run_now_and_recent_runs(api_client: Any, fake_server: FakeServer) -> None:
    fake_server.route(
        "GET", "/2/tweets/search/recent", Reply(json=fixture_json("x/search_page2.json"))
    )
    source = sources.create_source(
        name="x2",
        kind="x",
        config={"query": "acme", "base_url": fake_server.url},
        secrets={"bearer_token": "t0ken"},
    )
    run = api_client.post(f"/api/sources/{source.pk}/run")
    assert run.status_code == 200
    assert (run.json()["status"], run.json()["created"], run.json()["trigger"]) == (
        "ok",
        1,
        "manual",
    )
    assert "created_at" in run.json()["skipped_reasons"][0]["reason"]
    runs = api_client.get(f"/api/sources/{source.pk}/runs")
    assert runs.json()["count"] == 1
    assert runs.json()["items"][0]["id"] == run.json()["id"]


def test_a_pushed_source_cannot_be_run(api_client: Any) -> None:
    hook = sources.create_source(name="hook", kind="webhook", secrets={"signing_secret": "s"})
    assert api_client.post(f"/api/sources/{hook.pk}/run").status_code == 409


def test_a_source_another_run_holds_answers_409_and_is_not_pulled(
    api_client: Any, fake_server: FakeServer
) -> None:
    source = sources.create_source(
        name="held",
        kind="x",
        config={"query": "acme", "base_url": fake_server.url},
        secrets={"bearer_token": "t0ken"},
    )
    holder = SourceRun.objects.create(source=source, started_at=timezone.now())
    answer = api_client.post(f"/api/sources/{source.pk}/run")
    assert answer.status_code == 409
    assert "'held' is already being pulled" in answer.json()["detail"]
    assert answer.json()["running"]["id"] == holder.pk
    assert answer.json()["running"]["status"] == "running"
    assert not fake_server.requests
    assert SourceRun.objects.filter(source=source).count() == 1
    paths = api_client.get("/api/openapi.json").json()["paths"]
    assert "409" in paths["/api/sources/{source_id}/run"]["post"]["responses"]


def test_kinds_describe_the_fields(api_client: Any) -> None:
    kinds = {k["kind"]: k for k in api_client.get("/api/sources/kinds").json()}
    assert {"x", "reddit"} <= set(kinds)
    token = next(f for f in kinds["x"]["fields"] if f["name"] == "bearer_token")
    assert token["secret"] and token["required"]
    assert kinds["webhook"]["pushed"] and not kinds["x"]["pushed"]


def test_list_query_count_is_bounded(api_client: Any, django_assert_max_num_queries: Any) -> None:
    for n in range(15):
        sources.create_source(
            name=f"s{n}", kind="x", config={"query": "a"}, secrets={"bearer_token": "tok"}
        )
    with django_assert_max_num_queries(4):
        response = api_client.get("/api/sources?limit=50")
    assert response.json()["count"] == 15


def test_sources_need_a_token_and_agents_only_read(client: Any) -> None:
    assert client.get("/api/sources").status_code == 401
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {make_token(make_user('agent'))}"
    assert client.get("/api/sources").status_code == 200
    created = post(client, "/api/sources", {"name": "n", "kind": "x", "config": {"query": "a"}})
    assert created.status_code == 403
    assert not Source.objects.exists()
