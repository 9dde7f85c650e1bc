"""Reddit connector against the fake server: app-only OAuth, Listings, after, 429, skips."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from goodwill.listening.connectors.base import ConnectorError
from goodwill.listening.connectors.http import HttpClient
from goodwill.listening.connectors.reddit import RedditConnector, parse_listing, quota_wait
from goodwill.listening.models import Message, Source
from goodwill.listening.sources import SourceConfigError, create_source, run_source
from goodwill.listening.tests.fakes import FakeServer, Reply
from goodwill.listening.tests.scripted_http import fixture_json

NEW = "/r/acmeair/new"
TOKEN = "/api/v1/access_token"
BASE = 1795600000.0

pytestmark = pytest.mark.django_db


@pytest.fixture
def http() -> Iterator[HttpClient]:
    with HttpClient(retries=1, sleep=lambda _: None, timeout=5) as client:
        yield client


def reddit_source(server: FakeServer, **config: str) -> Source:
    server.route("POST", TOKEN, Reply(json=fixture_json("reddit/access_token.json")))
    return create_source(
        name="r/acmeair",
        kind="reddit",
        config={
            "subreddit": "acmeair",
            "base_url": server.url,
            "auth_url": server.url,
            "user_agent": "test:goodwill:1 (by /u/tester)",
            **config,
        },
        secrets={"client_id": "app-id", "client_secret": "app-secret-value"},
    )


def script_two_pages(server: FakeServer) -> None:
    server.route("GET", NEW, Reply(json=fixture_json("reddit/new_page1.json")))
    server.route(
        "GET", NEW, Reply(json=fixture_json("reddit/new_page2.json")), query={"after": "t3_1h0c"}
    )


def test_a_post_and_a_comment_become_messages() -> None:
    posts, times, after = parse_listing(fixture_json("reddit/new_page1.json"))
    lost, upgrade = posts.items
    assert after == "t3_1h0c"
    assert times == [BASE + 500, BASE + 300]
    assert lost.external_id == "t3_1h0e"
    assert lost.text == "Lost luggage at LHR\n\nThree days and still waiting. <b>Anyone</b>?"
    assert (lost.author_id, lost.likes, lost.replies) == ("frequent_flyer", 42, 7)
    assert lost.url == "https://www.reddit.com/r/acmeair/comments/1h0e/slug/"
    assert lost.created_at == datetime.fromtimestamp(BASE + 500, UTC)
    assert upgrade.text == "Upgrade went well"
    assert [(s.ref, "title" in s.reason) for s in posts.skipped] == [("t3 t3_1h0d", True)]

    comments, _, _ = parse_listing(fixture_json("reddit/comments.json"))
    hint, answer = comments.items
    assert (hint.external_id, hint.in_reply_to) == ("t1_k1", "t3_1h0e")
    assert answer.in_reply_to == "t1_k1"
    assert "'more'" in comments.skipped[0].reason


def test_run_gets_a_token_then_pages_with_after(fake_server: FakeServer, http: HttpClient) -> None:
    source = reddit_source(fake_server)
    script_two_pages(fake_server)

    run = run_source(source=source, http=http)

    assert run.status == "ok", run.error
    assert (run.pages, run.created, run.skipped) == (2, 3, 2)
    assert {s["ref"] for s in run.skipped_reasons} == {"t3 t3_1h0d", "t3 t3_1h0b"}
    assert any("created_utc" in s["reason"] for s in run.skipped_reasons)
    token, first, second = fake_server.requests
    assert token.form() == {"grant_type": "client_credentials"}
    assert token.headers["authorization"].startswith("Basic ")
    assert first.headers["authorization"] == "bearer reddit-app-token"
    assert first.headers["user-agent"] == "test:goodwill:1 (by /u/tester)"
    assert first.query["limit"] == "100"
    assert second.query["after"] == "t3_1h0c"
    assert len(fake_server.requests_to(TOKEN)) == 1  # one token per run
    source.refresh_from_db()
    assert source.cursor == {"newest_utc": BASE + 500, "newest": "t3_1h0e"}


def test_next_sweep_stops_at_the_newest_stored_and_is_exactly_once(
    fake_server: FakeServer, http: HttpClient
) -> None:
    source = reddit_source(fake_server)
    script_two_pages(fake_server)
    run_source(source=source, http=http)
    fake_server.route(
        "GET",
        NEW,
        Reply(json=fixture_json("reddit/new_newer.json")),
        query={"raw_json": "1"},  # more specific than the plain route: the next sweep
    )
    asked = len(fake_server.requests_to(NEW))

    newer = run_source(source=source, http=http)

    assert newer.status == "ok"
    assert (newer.pages, newer.created, newer.updated) == (1, 2, 1)  # 1h0e's score moved
    assert len(fake_server.requests_to(NEW)) == asked + 1  # did not follow after= past the mark
    source.refresh_from_db()
    assert source.cursor == {"newest_utc": BASE + 900, "newest": "t3_1h0g"}
    assert Message.objects.filter(channel="reddit").count() == 5


def test_429_uses_the_reddit_reset_seconds(fake_server: FakeServer, http: HttpClient) -> None:
    source = reddit_source(fake_server)
    fake_server.route(
        "GET",
        NEW,
        Reply(status=429, headers={"x-ratelimit-reset": "300", "x-ratelimit-remaining": "0"}),
    )
    before = datetime.now(UTC)

    run = run_source(source=source, http=http)

    assert run.status == "rate_limited"
    assert run.rate_limited_until is not None
    assert before + timedelta(seconds=299) <= run.rate_limited_until
    assert run.rate_limited_until <= datetime.now(UTC) + timedelta(seconds=301)
    source.refresh_from_db()
    assert source.next_run_at == run.rate_limited_until
    assert source.cursor == {}


def test_a_refused_token_is_recorded_without_the_secret(
    fake_server: FakeServer, http: HttpClient
) -> None:
    fake_server.route("POST", TOKEN, Reply(status=401, json={"message": "Unauthorized"}))
    source = reddit_source(fake_server)  # its token route comes after the 401 one: unused
    fake_server.route("GET", NEW, Reply(json=fixture_json("reddit/new_page1.json")))

    run = run_source(source=source, http=http)

    assert run.status == "error"
    assert "HTTP 401" in run.error
    assert "app-secret-value" not in run.error
    assert Message.objects.count() == 0


def test_comments_listing_and_search_paths(fake_server: FakeServer, http: HttpClient) -> None:
    fake_server.route(
        "GET", "/r/acmeair/comments", Reply(json=fixture_json("reddit/comments.json"))
    )
    comments = reddit_source(fake_server, listing="comments")
    run = run_source(source=comments, http=http)
    assert (run.status, run.created, run.skipped) == ("ok", 2, 1)

    fake_server.route("GET", "/search", Reply(json=fixture_json("reddit/new_page2.json")))
    search = create_source(
        name="reddit search",
        kind="reddit",
        config={
            "listing": "search",
            "query": "acme air",
            "base_url": fake_server.url,
            "auth_url": fake_server.url,
        },
        secrets={"client_id": "a", "client_secret": "b"},
    )
    assert run_source(source=search, http=http).created == 1
    asked = fake_server.requests_to("/search")[0].query
    assert (asked["q"], asked["sort"]) == ("acme air", "new")


@pytest.mark.parametrize(
    ("config", "field"),
    [
        ({"listing": "hot"}, "listing"),
        ({"subreddit": ""}, "subreddit"),
        ({"subreddit": "no spaces allowed"}, "subreddit"),
        ({"listing": "search", "subreddit": ""}, "query"),
    ],
)
def test_bad_settings_name_the_field(config: dict[str, str], field: str) -> None:
    with pytest.raises(SourceConfigError) as caught:
        create_source(
            name="bad reddit",
            kind="reddit",
            config={"subreddit": "acmeair", **config},
            secrets={"client_id": "a", "client_secret": "b"},
        )
    assert field in caught.value.errors


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)
thing_data = st.fixed_dictionaries(
    {},
    optional={
        "id": json_values,
        "name": json_values,
        "title": json_values,
        "selftext": json_values,
        "body": json_values,
        "author": st.one_of(st.just("someone"), json_values),
        "created_utc": st.one_of(st.floats(), st.integers(), json_values),
        "permalink": json_values,
        "score": json_values,
        "num_comments": json_values,
        "parent_id": json_values,
    },
)
child = st.one_of(
    st.fixed_dictionaries({"kind": st.sampled_from(["t1", "t3", "more"]), "data": thing_data}),
    json_values,
)


@given(st.lists(child, max_size=5), json_values)
def test_any_listing_shape_gives_items_skips_or_a_connector_error(
    children: list[Any], after: Any
) -> None:
    try:
        parsed, times, _ = parse_listing(
            {"kind": "Listing", "data": {"children": children, "after": after}}
        )
    except ConnectorError:
        return
    assert len(parsed.items) + len(parsed.skipped) == len(children)
    assert len(times) == len(parsed.items)


def test_settings_are_read_trimmed_at_fetch_time(fake_server: FakeServer, http: HttpClient) -> None:
    fake_server.route("POST", TOKEN, Reply(json=fixture_json("reddit/access_token.json")))
    script_two_pages(fake_server)
    config = {
        "subreddit": " r/acmeair ",
        "listing": " new ",
        "base_url": f" {fake_server.url}/ ",
        "auth_url": f"{fake_server.url}/ ",
        "user_agent": "  test:goodwill:2 (by /u/tester)  ",
    }
    secrets = {"client_id": "app-id", "client_secret": "app-secret-value"}
    page = RedditConnector(config, secrets, http).fetch({})
    assert len(page.items) == 2
    token, listing = fake_server.requests
    assert (token.path, listing.path) == (TOKEN, NEW)
    assert {token.headers["user-agent"], listing.headers["user-agent"]} == {
        "test:goodwill:2 (by /u/tester)"
    }


@pytest.mark.parametrize(
    ("config", "field"),
    [
        ({"listing": "hot", "subreddit": "acmeair"}, "listing"),
        ({"listing": "new"}, "subreddit"),
        ({"subreddit": "not a sub!"}, "subreddit"),
        ({"listing": "search", "query": "  "}, "query"),
    ],
)
def test_a_bad_setting_at_fetch_time_names_the_field_as_check_config_does(
    fake_server: FakeServer, http: HttpClient, config: dict[str, str], field: str
) -> None:
    said = RedditConnector.check_config(config)[field]
    secrets = {"client_id": "app-id", "client_secret": "app-secret-value"}
    settings = {**config, "base_url": fake_server.url, "auth_url": fake_server.url}
    with pytest.raises(ConnectorError) as caught:
        RedditConnector(settings, secrets, http).fetch({})
    assert str(caught.value) == f"{field}: {said}"
    assert not fake_server.requests


def with_quota(page: str, remaining: str, reset: str) -> Reply:
    """A Listing page with the rate-limit headers Reddit sends on every answer."""
    headers = {"X-Ratelimit-Remaining": remaining, "X-Ratelimit-Reset": reset}
    return Reply(json=fixture_json(f"reddit/{page}.json"), headers=headers)


def test_a_nearly_spent_quota_stops_the_run_until_the_reset(
    fake_server: FakeServer, http: HttpClient
) -> None:
    source = reddit_source(fake_server)
    fake_server.route("GET", NEW, with_quota("new_page1", "1.0", "120"))
    fake_server.route(
        "GET", NEW, with_quota("new_page2", "598.0", "500"), query={"after": "t3_1h0c"}
    )
    before = datetime.now(UTC)

    run = run_source(source=source, http=http)

    assert (run.status, run.pages, run.created) == ("rate_limited", 1, 2)  # the page is kept
    assert len(fake_server.requests_to(NEW)) == 1  # nothing asked after the low answer
    assert run.rate_limited_until is not None
    assert before + timedelta(seconds=119) <= run.rate_limited_until
    assert run.rate_limited_until <= datetime.now(UTC) + timedelta(seconds=121)
    assert "rate limit is nearly spent" in run.error
    source.refresh_from_db()
    assert source.next_run_at == run.rate_limited_until  # the sweep was cut short
    assert source.cursor["after"] == "t3_1h0c" and source.consecutive_failures == 0

    resumed = run_source(source=source, http=http)
    assert (resumed.status, resumed.created) == ("ok", 1)
    assert Message.objects.filter(channel="reddit").count() == 3
    assert fake_server.requests_to(NEW)[-1].query["after"] == "t3_1h0c"


def test_a_low_quota_on_the_last_page_waits_for_the_later_of_reset_and_interval(
    fake_server: FakeServer, http: HttpClient
) -> None:
    source = reddit_source(fake_server)
    Source.objects.filter(pk=source.pk).update(interval_seconds=900)
    fake_server.route("GET", NEW, with_quota("new_page2", "0", "60"))
    run = run_source(source=source, http=http)
    assert run.status == "rate_limited" and run.rate_limited_until is not None
    source.refresh_from_db()
    assert source.next_run_at == run.started_at + timedelta(seconds=900)
    assert "after" not in source.cursor


@pytest.mark.parametrize(
    ("headers", "wait"),
    [
        ({"x-ratelimit-remaining": "1.0", "x-ratelimit-reset": "30"}, 30),
        ({"X-Ratelimit-Remaining": "0", "X-Ratelimit-Reset": "7"}, 7),
        ({"x-ratelimit-remaining": "1.99"}, 60),  # no reset given: a minute, as for a 429
        ({"x-ratelimit-remaining": "2.0", "x-ratelimit-reset": "30"}, None),
        ({"x-ratelimit-remaining": "many", "x-ratelimit-reset": "30"}, None),
        ({}, None),
    ],
)
def test_quota_wait_reads_remaining_and_reset(headers: dict[str, str], wait: int | None) -> None:
    now = datetime(2026, 11, 25, 12, tzinfo=UTC)
    expected = None if wait is None else now + timedelta(seconds=wait)
    assert quota_wait(headers, now) == expected
