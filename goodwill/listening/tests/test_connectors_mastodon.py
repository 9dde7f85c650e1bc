"""Mastodon connector: Status entities become messages; the since_id + Link sweep cursor."""

from __future__ import annotations

import copy
import html
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from goodwill.importing import BadValue
from goodwill.listening.connectors.base import ConnectorError, RateLimited
from goodwill.listening.connectors.http import HttpClient
from goodwill.listening.connectors.mastodon import (
    DEFAULT_LIMIT,
    MastodonConnector,
    next_max_id,
    parse_page,
    parse_status,
)
from goodwill.listening.connectors.parsing import html_to_text
from goodwill.listening.tests.fakes import FakeServer, Reply
from goodwill.listening.tests.scripted_http import ScriptedHttp, fixture_json, mutated

SERVER = "https://social.example"
TAG_PATH = "/api/v1/timelines/tag/acmeair"


def connector(http: ScriptedHttp, **config: str) -> MastodonConnector:
    settings = {"base_url": SERVER, "timeline": "tag", "hashtag": "acmeair", **config}
    secrets = {"access_token": config.pop("token")} if "token" in config else {}
    return MastodonConnector(settings, secrets, http)


def link(max_id: str) -> dict[str, str]:
    return {
        "Link": f'<{SERVER}{TAG_PATH}?max_id={max_id}>; rel="next", '
        f'<{SERVER}{TAG_PATH}?min_id=999>; rel="prev"'
    }


def test_a_status_becomes_a_message_with_links_kept_as_text() -> None:
    raw = fixture_json("mastodon/tag_page1.json")[0]

    item = parse_status(raw, server="social.example")

    assert item.channel == "mastodon"
    assert item.external_id == "social.example:113500000000000105"
    assert item.author_id == item.author_handle == "jane@social.example"
    assert item.author_name == "Jane <script>x</script>"  # verbatim; templates escape it
    assert item.text == (
        "Lost my bag again & nobody answers #acmeair\n\n"
        "Tracking: https://example.org/track/ABC123456"
    )
    assert item.created_at == datetime(2026, 11, 24, 10, 5, tzinfo=UTC)
    assert (item.likes, item.shares, item.replies, item.followers) == (5, 2, 1, 1520)
    assert item.language == "en"
    assert item.url == "https://social.example/@x/113500000000000105"
    assert item.raw["html"] == raw["content"]
    assert item.raw["account_id"] == raw["account"]["id"]


def test_a_reply_from_another_server_keeps_its_full_address_and_target() -> None:
    raw = fixture_json("mastodon/tag_page1.json")[1]

    item = parse_status(raw, server="social.example", own_account="bob@other.example")

    assert item.author_id == "bob@other.example"
    assert item.in_reply_to == "social.example:113499999999999999"
    assert item.text == "@acme still waiting on hold, 3 hours\n#acmeair"
    assert item.language == ""
    assert item.is_from_company is True


def test_a_content_warning_is_kept_in_front_of_the_text() -> None:
    raw = fixture_json("mastodon/tag_page1.json")[3]

    assert parse_status(raw, server="social.example").text == (
        "CW: travel rant\n\ngreat, another delay #acmeair"
    )


def test_malformed_statuses_are_skipped_with_the_field_while_the_rest_land() -> None:
    page = fixture_json("mastodon/tag_page1.json") + fixture_json("mastodon/tag_page2.json")
    page.append("not a status")

    parsed, ids = parse_page(page, server="social.example", mentions=False)

    assert [i.external_id.split(":")[1][-3:] for i in parsed.items] == ["105", "104", "102", "101"]
    reasons = {s.ref: s.reason for s in parsed.skipped}
    assert reasons == {
        "status 113500000000000103": "field 'account': missing",
        "status 113500000000000100": (
            "field 'content': empty (a post with only media has no text to read)"
        ),
        "status #6": "not an object (str)",
    }
    assert len(ids) == 6  # skipped statuses still move the cursor past them


def test_a_boost_is_skipped_not_stored_as_new_words() -> None:
    original = fixture_json("mastodon/tag_page1.json")[0]
    boost = {**copy.deepcopy(original), "id": "9", "content": "", "reblog": original}

    parsed, _ = parse_page([boost], server="social.example", mentions=False)

    assert parsed.items == []
    assert parsed.skipped[0].reason == "field 'reblog': a boost of another status, not new words"


def test_first_run_reads_the_newest_page_only_and_remembers_its_newest_id() -> None:
    http = ScriptedHttp()
    http.script(TAG_PATH, fixture_json("mastodon/tag_page1.json"), link("113500000000000102"))

    page = connector(http).fetch({})

    assert len(page.items) == 3 and len(page.skipped) == 1
    assert page.more is False
    assert page.cursor == {"since_id": "113500000000000105"}
    call = http.calls[0]
    assert call.params == {"limit": DEFAULT_LIMIT}
    assert "Authorization" not in call.headers  # public timelines need no token


def _full_page(first_id: int) -> list[dict[str, Any]]:
    template = fixture_json("mastodon/tag_page2.json")[0]
    statuses = []
    for n in range(DEFAULT_LIMIT):
        status = copy.deepcopy(template)
        status["id"] = str(first_id - n)
        statuses.append(status)
    return statuses


def test_a_run_sweeps_older_pages_down_to_the_last_mark_then_moves_the_mark() -> None:
    http = ScriptedHttp()
    first = _full_page(5000)
    http.script(TAG_PATH, first, link(first[-1]["id"]))
    http.script(TAG_PATH, fixture_json("mastodon/tag_page2.json"), link("113500000000000100"))
    conn = connector(http, local="true")

    one = conn.fetch({"since_id": "4000"})
    two = conn.fetch(one.cursor)

    assert one.more is True
    assert one.cursor == {"since_id": "4000", "max_id": "4961", "newest": "5000"}
    assert [c.params.get("max_id") for c in http.calls] == [None, "4961"]
    assert all(c.params["since_id"] == "4000" and c.params["local"] == "true" for c in http.calls)
    assert two.more is False
    assert two.cursor == {"since_id": "113500000000000101"}


def test_an_empty_answer_keeps_the_mark() -> None:
    http = ScriptedHttp()
    http.script(TAG_PATH, [])

    page = connector(http).fetch({"since_id": "77"})

    assert page.items == [] and page.cursor == {"since_id": "77"} and not page.more


def test_mentions_send_the_token_and_skip_a_notification_without_its_status() -> None:
    http = ScriptedHttp()
    http.script("/api/v1/notifications", fixture_json("mastodon/notifications.json"))

    page = connector(http, timeline="mentions", token="s3cret").fetch({})

    assert [i.external_id for i in page.items] == ["social.example:113500000000000201"]
    assert page.items[0].author_id == "gina@elsewhere.example"
    assert [s.ref for s in page.skipped] == ["notification 3400"]
    call = http.calls[0]
    assert call.params["types[]"] == "mention"
    assert call.headers["Authorization"] == "Bearer s3cret"
    assert page.cursor == {"since_id": "3401"}
    assert "s3cret" not in repr(page.cursor)


@pytest.mark.parametrize(
    ("config", "error"),
    [
        ({"base_url": "social.example"}, "base_url"),
        ({"timeline": "home"}, "timeline"),
        ({"hashtag": ""}, "hashtag"),
        ({"timeline": "mentions"}, "access_token"),
    ],
)
def test_bad_configuration_names_the_field(config: dict[str, str], error: str) -> None:
    with pytest.raises(ConnectorError, match=error):
        connector(ScriptedHttp(), **config)


def test_a_page_that_is_not_a_list_is_an_error() -> None:
    with pytest.raises(ConnectorError, match="expected a list of statuses"):
        parse_page({"error": "nope"}, server="social.example", mentions=False)


def test_next_link_max_id_is_read_whatever_the_header_case() -> None:
    assert next_max_id({"link": f'<{SERVER}{TAG_PATH}?limit=40&max_id=12>; rel="next"'}) == "12"
    assert next_max_id({"Link": f'<{SERVER}{TAG_PATH}?min_id=12>; rel="prev"'}) == ""
    assert next_max_id({}) == ""


@given(st.text())
def test_escaped_plain_text_comes_back_with_whitespace_collapsed(text: str) -> None:
    expected = " ".join(text.replace("\r", " ").split())
    got = html_to_text(f"<p>{html.escape(text)}</p>")
    assert " ".join(got.split()) == expected


@given(st.text(alphabet=st.sampled_from(list("<>/&;#abp \"'=x\n"))))
def test_html_to_text_never_fails_on_broken_markup(markup: str) -> None:
    assert isinstance(html_to_text(markup), str)


# --- over HTTP, against the fake server --------------------------------------------------


NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.fixture
def http() -> Iterator[HttpClient]:
    with HttpClient(retries=2, sleep=lambda _seconds: None, now=lambda: NOW, timeout=5) as client:
        yield client


def test_over_http_a_5xx_is_retried_and_the_sweep_follows_the_link_header(
    fake_server: FakeServer, http: HttpClient
) -> None:
    first = _full_page(5000)
    older = f'<{fake_server.url}{TAG_PATH}?max_id={first[-1]["id"]}>; rel="next"'
    fake_server.route(
        "GET",
        TAG_PATH,
        Reply(status=502),
        Reply(json=first, headers={"Link": older}),
    )
    fake_server.route(
        "GET",
        TAG_PATH,
        Reply(json=fixture_json("mastodon/tag_page2.json")),
        query={"max_id": "4961"},
    )
    conn = MastodonConnector(
        {"base_url": fake_server.url, "hashtag": "acmeair"}, {"access_token": "t0k"}, http
    )

    one = conn.fetch({"since_id": "4000"})
    two = conn.fetch(one.cursor)

    assert len(one.items) == DEFAULT_LIMIT and one.more
    assert [i.external_id.split(":")[-1] for i in two.items] == ["113500000000000101"]
    assert two.cursor == {"since_id": "113500000000000101"}
    statuses = [r.query.get("max_id") for r in fake_server.requests]
    assert statuses == [None, None, "4961"]  # 502, then the retry, then the older page
    assert all(r.headers["authorization"] == "Bearer t0k" for r in fake_server.requests)
    assert all(r.query["since_id"] == "4000" for r in fake_server.requests)
    assert fake_server.unmatched == []


def test_over_http_a_429_raises_rate_limited_with_the_reset_time(
    fake_server: FakeServer, http: HttpClient
) -> None:
    fake_server.route(
        "GET",
        TAG_PATH,
        Reply(status=429, json={"error": "Too many requests"}, headers={"Retry-After": "300"}),
    )
    conn = MastodonConnector({"base_url": fake_server.url, "hashtag": "acmeair"}, {}, http)

    with pytest.raises(RateLimited) as caught:
        conn.fetch({})

    assert caught.value.retry_at == datetime(2026, 11, 25, 12, 5, tzinfo=UTC)
    assert len(fake_server.requests) == 1  # a 429 is not retried in a loop


@given(mutated(fixture_json("mastodon/tag_page1.json")[1]))
def test_any_status_becomes_a_message_or_a_reason_naming_a_field(raw: dict[str, Any]) -> None:
    try:
        item = parse_status(raw, server="social.example")
    except BadValue as exc:
        assert exc.field and exc.error
    else:
        assert item.external_id.startswith("social.example:") and item.text
