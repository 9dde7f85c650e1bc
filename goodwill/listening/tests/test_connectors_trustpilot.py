"""Trustpilot connector: reviews become review messages with a rating label; page sweep."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given

from goodwill.importing import BadValue
from goodwill.listening.connectors.base import ConnectorError, RateLimited
from goodwill.listening.connectors.http import HttpClient
from goodwill.listening.connectors.trustpilot import (
    TrustpilotConnector,
    next_page,
    parse_review,
    parse_reviews,
)
from goodwill.listening.tests.fakes import FakeServer, Reply
from goodwill.listening.tests.scripted_http import ScriptedHttp, fixture_json, mutated

UNIT = "46d6a890ffa235a75b00021d"
PATH = f"/v1/business-units/{UNIT}/reviews"


def connector(http: ScriptedHttp, **config: str) -> TrustpilotConnector:
    return TrustpilotConnector({"business_unit_id": UNIT, **config}, {"apikey": "k-123"}, http)


def test_a_review_becomes_a_message_with_its_rating_kept_twice() -> None:
    raw = fixture_json("trustpilot/reviews_page1.json")["reviews"][0]

    item = parse_review(raw)

    assert item.channel == "review"
    assert item.external_id == "trustpilot:6743a1"
    assert item.author_id == "trustpilot:c1"
    assert item.author_handle == item.author_name == "Jane T."
    assert item.text == "Lost my luggage\n\nThree hours on hold, still no bag. <b>Never again</b>."
    assert item.created_at == datetime(2026, 11, 24, 10, 5, tzinfo=UTC)
    assert item.url == "https://www.trustpilot.com/reviews/6743a1"
    assert item.language == "en"
    assert item.raw["rating"] == 1
    assert [(lab.field, lab.value, lab.origin) for lab in item.labels] == [
        ("rating", "1", "review")
    ]


def test_a_review_without_a_title_is_its_text_alone() -> None:
    raw = fixture_json("trustpilot/reviews_page1.json")["reviews"][1]

    assert parse_review(raw).text == "Lovely crew, on time."


def test_bad_reviews_are_skipped_with_the_field_and_the_rest_land() -> None:
    parsed, times, following = parse_reviews(fixture_json("trustpilot/reviews_page1.json"))

    assert [i.external_id for i in parsed.items] == ["trustpilot:6743a1", "trustpilot:6743a0"]
    assert {s.ref: s.reason for s in parsed.skipped} == {
        "review 67439f": "field 'stars': 7 is not a whole-star rating from 1 to 5",
        "review 67439e": "field 'consumer': missing",
    }
    assert len(times) == 4
    assert following == 2


def test_first_run_reads_the_newest_page_with_the_key_in_a_header() -> None:
    http = ScriptedHttp()
    http.script(PATH, fixture_json("trustpilot/reviews_page1.json"))

    page = connector(http).fetch({})

    assert page.more is False
    assert page.cursor == {"since": "2026-11-24T10:05:00Z"}
    call = http.calls[0]
    assert call.url == "https://api.trustpilot.com" + PATH
    assert call.params == {"perPage": 100, "orderBy": "createdat.desc", "page": 1}
    assert call.headers["apikey"] == "k-123"
    assert "k-123" not in call.url and "k-123" not in repr(call.params)


def test_later_runs_follow_next_page_links_until_the_mark() -> None:
    http = ScriptedHttp()
    http.script(PATH, fixture_json("trustpilot/reviews_page1.json"))
    http.script(PATH, fixture_json("trustpilot/reviews_page2.json"))
    conn = connector(http, base_url="http://127.0.0.1:9/")

    one = conn.fetch({"since": "2026-11-20T00:00:00Z"})
    two = conn.fetch(one.cursor)

    assert one.more is True
    assert one.cursor == {
        "since": "2026-11-20T00:00:00Z",
        "page": 2,
        "newest": "2026-11-24T10:05:00Z",
    }
    assert [c.params["page"] for c in http.calls] == [1, 2]
    assert http.calls[1].url == "http://127.0.0.1:9" + PATH
    assert [i.external_id for i in two.items] == ["trustpilot:67439d"]
    assert two.more is False
    assert two.cursor == {"since": "2026-11-24T10:05:00Z"}


def test_a_page_reaching_the_mark_stops_the_sweep() -> None:
    http = ScriptedHttp()
    http.script(PATH, fixture_json("trustpilot/reviews_page1.json"))

    page = connector(http).fetch({"since": "2026-11-24T08:30:00Z"})

    assert page.more is False and page.cursor == {"since": "2026-11-24T10:05:00Z"}


def test_next_page_ignores_other_links() -> None:
    assert next_page(fixture_json("trustpilot/reviews_page2.json")) is None
    assert next_page({"links": "nope"}) is None


@pytest.mark.parametrize(
    ("config", "secrets", "error"),
    [
        ({}, {"apikey": "k"}, "business_unit_id"),
        ({"business_unit_id": UNIT}, {}, "apikey"),
        ({"business_unit_id": UNIT, "base_url": "api"}, {"apikey": "k"}, "base_url"),
    ],
)
def test_bad_configuration_names_the_field(
    config: dict[str, str], secrets: dict[str, str], error: str
) -> None:
    with pytest.raises(ConnectorError, match=error):
        TrustpilotConnector(config, secrets, ScriptedHttp())


def test_an_answer_without_reviews_is_an_error() -> None:
    with pytest.raises(ConnectorError, match="reviews"):
        parse_reviews({"message": "Unauthorized"})


# --- over HTTP, against the fake server --------------------------------------------------

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.fixture
def http() -> Iterator[HttpClient]:
    with HttpClient(retries=2, sleep=lambda _seconds: None, now=lambda: NOW, timeout=5) as client:
        yield client


def test_over_http_pages_are_followed_and_a_5xx_is_retried(
    fake_server: FakeServer, http: HttpClient
) -> None:
    fake_server.route(
        "GET", PATH, Reply(status=500), Reply(json=fixture_json("trustpilot/reviews_page1.json"))
    )
    fake_server.route(
        "GET", PATH, Reply(json=fixture_json("trustpilot/reviews_page2.json")), query={"page": "2"}
    )
    conn = TrustpilotConnector(
        {"business_unit_id": UNIT, "base_url": fake_server.url}, {"apikey": "k-123"}, http
    )

    one = conn.fetch({"since": "2026-11-01T00:00:00Z"})
    two = conn.fetch(one.cursor)

    assert len(one.items) == 2 and len(one.skipped) == 2 and one.more
    assert [i.external_id for i in two.items] == ["trustpilot:67439d"]
    assert [r.query["page"] for r in fake_server.requests] == ["1", "1", "2"]
    assert all(r.headers["apikey"] == "k-123" for r in fake_server.requests)
    assert all("apikey" not in r.query for r in fake_server.requests)


def test_over_http_a_429_raises_rate_limited_with_the_reset_time(
    fake_server: FakeServer, http: HttpClient
) -> None:
    fake_server.route(
        "GET", PATH, Reply(status=429, headers={"Retry-After": "Wed, 25 Nov 2026 12:10:00 GMT"})
    )
    conn = TrustpilotConnector(
        {"business_unit_id": UNIT, "base_url": fake_server.url}, {"apikey": "k-123"}, http
    )

    with pytest.raises(RateLimited) as caught:
        conn.fetch({})

    assert caught.value.retry_at == datetime(2026, 11, 25, 12, 10, tzinfo=UTC)


@given(mutated(fixture_json("trustpilot/reviews_page1.json")["reviews"][0]))
def test_any_review_becomes_a_message_or_a_reason_naming_a_field(raw: dict[str, Any]) -> None:
    try:
        item = parse_review(raw)
    except BadValue as exc:
        assert exc.field and exc.error
    else:
        assert 1 <= item.raw["rating"] <= 5 and item.labels[0].value == str(item.raw["rating"])
