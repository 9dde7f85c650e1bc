"""The Sources pages: list, add/edit from ConfigFields with field errors, run now, detail."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from goodwill.listening import sources
from goodwill.listening.models import Source, SourceRun
from goodwill.listening.tests.fakes import FakeServer, Reply
from goodwill.listening.tests.scripted_http import fixture_json
from goodwill.web.tests.helpers import make_user, row_ids

pytestmark = pytest.mark.django_db
HOSTILE = "<script>alert('x')</script>"


@pytest.fixture
def admin(client: Any) -> Any:
    user = make_user("sup")
    user.groups.add(Group.objects.get_or_create(name="admin")[0])
    client.force_login(user)
    return client


def x_source(name: str, base_url: str = "http://127.0.0.1:9") -> Source:
    return sources.create_source(
        name=name,
        kind="x",
        config={"query": "acme", "base_url": base_url},
        secrets={"bearer_token": "very-secret-token"},
    )


def test_list_shows_runs_errors_and_escapes(
    signed_in: Any, django_assert_max_num_queries: Any
) -> None:
    for n in range(12):
        x_source(f"x{n}")
    broken = x_source(f"broken {HOSTILE}")
    Source.objects.filter(pk=broken.pk).update(
        last_error=f"HttpStatusError: HTTP 401 {HOSTILE}", consecutive_failures=3
    )
    with django_assert_max_num_queries(6):
        response = signed_in.get("/sources/")
    html = response.content.decode()
    assert response.status_code == 200
    assert len(row_ids(html, "source")) == 13
    assert HOSTILE not in html
    assert "&lt;script&gt;" in html
    assert "3× error" in html
    assert "rate limited" not in html
    Source.objects.filter(pk=broken.pk).update(
        last_error="rate limited; retry at 2026-11-25T15:00:00+00:00", consecutive_failures=0
    )
    html = signed_in.get("/sources/").content.decode()
    assert "rate limited</span>" in html and "× error" not in html
    assert "due now" in html
    assert 'href="/sources/add/"' not in html  # agents read only


def test_add_form_is_built_from_the_connector_fields(admin: Any) -> None:
    kinds = admin.get("/sources/add/").content.decode()
    assert 'data-kind="reddit"' in kinds and 'data-kind="x"' in kinds
    html = admin.get("/sources/add/?kind=reddit").content.decode()
    for name in ("subreddit", "listing", "client_id", "client_secret", "user_agent"):
        assert f'name="{name}"' in html
    assert 'type="password" name="client_secret"' in html


def test_add_with_errors_names_the_fields_and_saves_nothing(admin: Any) -> None:
    response = admin.post(
        "/sources/add/",
        {
            "kind": "reddit",
            "name": "r",
            "channel": "reddit",
            "interval_seconds": "900",
            "enabled": "on",
            "listing": "hot",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Not saved" in html
    assert "listing: &#x27;hot&#x27; is not one of new, comments, search" in html
    assert "client_secret: required" in html
    assert not Source.objects.exists()


def test_add_then_edit_keeps_a_secret_left_blank(admin: Any) -> None:
    response = admin.post(
        "/sources/add/",
        {
            "kind": "x",
            "name": "acme x",
            "channel": "x",
            "interval_seconds": "300",
            "enabled": "on",
            "query": "@AcmeAir",
            "bearer_token": "env:X_TOKEN",
        },
    )
    source = Source.objects.get(name="acme x")
    assert response.status_code == 302
    assert response["Location"] == f"/sources/{source.pk}/"
    assert source.secrets == {"bearer_token": "env:X_TOKEN"}
    edit = admin.get(f"/sources/{source.pk}/edit/").content.decode()
    assert "set (env:X_TOKEN); leave blank to keep" in edit
    admin.post(
        f"/sources/{source.pk}/edit/",
        {
            "channel": "x",
            "interval_seconds": "600",
            "query": "@AcmeAir OR #acme",
            "bearer_token": "",
        },
    )
    source.refresh_from_db()
    assert (source.interval_seconds, source.enabled) == (600, False)
    assert source.config["query"] == "@AcmeAir OR #acme"
    assert source.secrets == {"bearer_token": "env:X_TOKEN"}


def test_run_now_then_detail_shows_the_run_and_skipped_reasons(
    admin: Any, fake_server: FakeServer
) -> None:
    fake_server.route(
        "GET", "/2/tweets/search/recent", Reply(json=fixture_json("x/search_page1.json"))
    )
    fake_server.route(
        "GET",
        "/2/tweets/search/recent",
        Reply(json=fixture_json("x/search_page2.json")),
        query={"next_token": "b26v89c19zqg8o3fpzbkk"},
    )
    source = x_source("acme", fake_server.url)
    response = admin.post(f"/sources/{source.pk}/run/", follow=True)
    html = response.content.decode()
    assert "Fetched 4 (4 new, 2 skipped)." in html
    assert len(row_ids(html, "run")) == 1
    assert "post 1860000000000000103" in html and "field &#x27;author_id&#x27;: missing" in html
    assert "very-secret-token" not in html
    assert 'set <span class="faint">(encrypted)</span>' in html


def test_run_now_while_another_run_holds_the_source_says_so(
    admin: Any, fake_server: FakeServer
) -> None:
    source = x_source("held", fake_server.url)
    holder = SourceRun.objects.create(source=source, started_at=timezone.now())
    response = admin.post(f"/sources/{source.pk}/run/", follow=True)
    html = response.content.decode()
    assert response.status_code == 200
    said = "Not started: source &#x27;held&#x27; is already being pulled: a schedule run"
    assert f"{said} (#{holder.pk})" in html
    assert not fake_server.requests
    assert SourceRun.objects.filter(source=source).count() == 1


def test_agents_cannot_change_or_run(signed_in: Any) -> None:
    source = x_source("ro")
    assert signed_in.get(f"/sources/{source.pk}/").status_code == 200
    assert signed_in.get("/sources/add/").status_code == 403
    assert signed_in.post(f"/sources/{source.pk}/run/").status_code == 403
    assert signed_in.post(f"/sources/{source.pk}/delete/").status_code == 403
    assert Source.objects.filter(pk=source.pk).exists()


def test_delete_and_unknown(admin: Any) -> None:
    source = x_source("gone")
    assert admin.post(f"/sources/{source.pk}/delete/").status_code == 302
    assert admin.get(f"/sources/{source.pk}/").status_code == 404
    assert admin.get("/sources/").status_code == 200
