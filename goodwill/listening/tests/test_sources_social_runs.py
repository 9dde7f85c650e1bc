"""Mastodon, Bluesky, RSS and Trustpilot sources run end to end: fake platform -> HttpClient ->
connector -> ``run_source`` -> storage. Exactly-once on re-runs, the cursor persisted after each
page, malformed items skipped with their reason while the rest land, 429 recorded."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from goodwill.listening.connectors.http import HttpClient
from goodwill.listening.models import Label, Message, Source, SourceRun
from goodwill.listening.sources import create_source, run_source
from goodwill.listening.tests.fakes import FakeServer, Reply
from goodwill.listening.tests.scripted_http import fixture_bytes, fixture_json

TAG_PATH = "/api/v1/timelines/tag/acmeair"
SEARCH = "/xrpc/app.bsky.feed.searchPosts"
UNIT = "46d6a890ffa235a75b00021d"
REVIEWS = f"/v1/business-units/{UNIT}/reviews"


@pytest.fixture
def http() -> Iterator[HttpClient]:
    with HttpClient(retries=2, sleep=lambda _seconds: None, timeout=5) as client:
        yield client


def _reload(source: Source) -> Source:
    source.refresh_from_db()
    return source


@pytest.mark.django_db
def test_mastodon_runs_store_each_status_once_and_keep_the_since_id(
    fake_server: FakeServer, http: HttpClient
) -> None:
    fake_server.route("GET", TAG_PATH, Reply(json=fixture_json("mastodon/tag_page1.json")))
    fake_server.route(
        "GET",
        TAG_PATH,
        Reply(json=fixture_json("mastodon/tag_newer.json")),
        query={"since_id": "113500000000000105"},
    )
    fake_server.route("GET", TAG_PATH, Reply(json=[]), query={"since_id": "113500000000000107"})
    source = create_source(
        name="acme on mastodon",
        kind="mastodon",
        config={"base_url": fake_server.url, "hashtag": "#acmeair"},
    )

    first = run_source(source=source, http=http)
    assert (first.status, first.created, first.skipped) == (SourceRun.Status.OK, 3, 1)
    assert first.skipped_reasons == [
        {"ref": "status 113500000000000103", "reason": "field 'account': missing"}
    ]
    assert _reload(source).cursor == {"since_id": "113500000000000105"}

    second = run_source(source=source, http=http)
    assert (second.created, second.skipped) == (2, 0)
    assert _reload(source).cursor == {"since_id": "113500000000000107"}
    server = fake_server.url.removeprefix("http://")  # status ids are scoped to their server
    reply = Message.objects.get(external_id=f"{server}:113500000000000106")
    assert reply.in_reply_to == f"{server}:113500000000000105"
    parent = Message.objects.get(external_id=f"{server}:113500000000000105")
    assert reply.conversation_id == parent.conversation_id

    third = run_source(source=source, http=http)
    assert (third.fetched, third.created) == (0, 0)

    # Forget the cursor: the same statuses come back and none is stored twice.
    Source.objects.filter(pk=source.pk).update(cursor={})
    again = run_source(source=_reload(source), http=http)
    assert (again.created, again.fetched) == (0, 3)
    assert Message.objects.filter(channel="mastodon").count() == 5


@pytest.mark.django_db
def test_a_429_is_recorded_and_moves_the_next_run_to_the_reset_time(
    fake_server: FakeServer, http: HttpClient
) -> None:
    fake_server.route("GET", TAG_PATH, Reply(status=429, headers={"Retry-After": "600"}))
    source = create_source(
        name="acme on mastodon",
        kind="mastodon",
        config={"base_url": fake_server.url, "hashtag": "acmeair"},
    )

    run = run_source(source=source, http=http)

    assert run.status == SourceRun.Status.RATE_LIMITED
    assert run.rate_limited_until is not None
    assert _reload(source).next_run_at == run.rate_limited_until
    assert source.cursor == {}
    assert Message.objects.count() == 0


@pytest.mark.django_db
def test_bluesky_sweep_runs_page_by_page_and_stores_once(
    fake_server: FakeServer, http: HttpClient
) -> None:
    fake_server.route("GET", SEARCH, Reply(json=fixture_json("bluesky/search_page1.json")))
    fake_server.route(
        "GET", SEARCH, Reply(json=fixture_json("bluesky/search_page2.json")), query={"cursor": "25"}
    )
    source = create_source(
        name="acme on bluesky", kind="bluesky", config={"query": "acmeair", "host": fake_server.url}
    )
    Source.objects.filter(pk=source.pk).update(cursor={"since": "2026-11-24T00:00:00Z"})

    run = run_source(source=_reload(source), http=http)

    assert (run.pages, run.created, run.skipped) == (2, 3, 2)
    assert _reload(source).cursor == {"since": "2026-11-24T10:05:01.456789Z"}
    again = run_source(source=source, http=http)
    assert again.created == 0
    assert Message.objects.filter(channel="bluesky").count() == 3


@pytest.mark.django_db
def test_rss_runs_use_the_validators_and_never_store_an_entry_twice(
    fake_server: FakeServer, http: HttpClient
) -> None:
    body = fixture_bytes("rss/blog.rss")
    fake_server.route(
        "GET",
        "/feed.xml",
        Reply(body=body, headers={"Content-Type": "application/rss+xml", "ETag": '"a"'}),
        Reply(status=304),
        Reply(body=body, headers={"Content-Type": "application/rss+xml", "ETag": '"b"'}),
    )
    source = create_source(
        name="flyer blog", kind="rss", config={"url": f"{fake_server.url}/feed.xml"}
    )

    first = run_source(source=source, http=http)
    not_modified = run_source(source=source, http=http)
    changed = run_source(source=source, http=http)

    assert (first.created, first.skipped) == (2, 3)
    assert not_modified.fetched == 0
    assert (changed.fetched, changed.created) == (2, 0)
    assert _reload(source).cursor == {"etag": '"b"'}
    assert fake_server.requests[1].headers["if-none-match"] == '"a"'
    assert Message.objects.filter(channel="rss").count() == 2


@pytest.mark.django_db
def test_trustpilot_reviews_land_with_rating_labels_once(
    fake_server: FakeServer, http: HttpClient
) -> None:
    fake_server.route("GET", REVIEWS, Reply(json=fixture_json("trustpilot/reviews_page1.json")))
    source = create_source(
        name="acme on trustpilot",
        kind="trustpilot",
        config={"business_unit_id": UNIT, "base_url": fake_server.url},
        secrets={"apikey": "k-123"},
    )

    run_source(source=source, http=http)
    Source.objects.filter(pk=source.pk).update(cursor={})
    again = run_source(source=_reload(source), http=http)

    assert again.created == 0
    ratings = dict(
        Label.objects.filter(field="rating", origin="review").values_list(
            "message__external_id", "value"
        )
    )
    assert ratings == {"trustpilot:6743a1": "1", "trustpilot:6743a0": "5"}
    assert "k-123" not in str(_reload(source).secrets)
