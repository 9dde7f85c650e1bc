"""HttpClient against the fake server: retries, backoff, 429 reset headers, errors."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from goodwill.listening.connectors.base import ConnectorError, RateLimited, TransientError
from goodwill.listening.connectors.http import HttpClient, HttpStatusError, rate_limit_reset
from goodwill.listening.tests.fakes import FakeServer, Reply

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.fixture
def slept() -> list[float]:
    return []


@pytest.fixture
def client(slept: list[float]) -> Iterator[HttpClient]:
    with HttpClient(retries=3, backoff=0.5, sleep=slept.append, now=lambda: NOW, timeout=2) as http:
        yield http


def test_get_json_sends_user_agent_params_and_headers(
    fake_server: FakeServer, client: HttpClient
) -> None:
    fake_server.route("GET", "/items", Reply(json={"ok": [1, 2]}))
    answer = client.get_json(
        f"{fake_server.url}/items", params={"q": "late bag", "n": 5}, headers={"X-Key": "k"}
    )
    assert answer == {"ok": [1, 2]}
    (request,) = fake_server.requests
    assert request.query == {"q": "late bag", "n": "5"}
    assert request.headers["x-key"] == "k"
    assert request.headers["user-agent"].startswith("Goodwill/")


def test_5xx_twice_then_success_backs_off_exponentially(
    fake_server: FakeServer, client: HttpClient, slept: list[float]
) -> None:
    fake_server.route("GET", "/flaky", Reply(status=500), Reply(status=503), Reply(json={"n": 1}))
    assert client.get_json(f"{fake_server.url}/flaky") == {"n": 1}
    assert len(fake_server.requests) == 3
    assert len(slept) == 2
    # Full jitter within [ceiling/2, ceiling] with the ceiling doubling each attempt.
    assert 0.25 <= slept[0] <= 0.5
    assert 0.5 <= slept[1] <= 1.0


def test_5xx_until_retries_spent_is_transient(
    fake_server: FakeServer, client: HttpClient, slept: list[float]
) -> None:
    fake_server.route("GET", "/down", Reply(status=502))
    with pytest.raises(TransientError, match="HTTP 502") as caught:
        client.get_json(f"{fake_server.url}/down", params={"access_token": "s3cret"})
    assert "s3cret" not in str(caught.value)
    assert len(fake_server.requests) == 4
    assert len(slept) == 3


def test_connection_refused_is_transient(slept: list[float]) -> None:
    server = FakeServer().start()
    url = server.url
    server.stop()
    with (
        HttpClient(retries=1, sleep=slept.append, timeout=1) as client,
        pytest.raises(TransientError, match="could not reach"),
    ):
        client.get_bytes(f"{url}/gone")
    assert len(slept) == 1


def test_429_with_retry_after_seconds_is_rate_limited_without_retrying(
    fake_server: FakeServer, client: HttpClient, slept: list[float]
) -> None:
    fake_server.route("GET", "/busy", Reply(status=429, headers={"Retry-After": "120"}))
    with pytest.raises(RateLimited) as caught:
        client.get_json(f"{fake_server.url}/busy")
    assert caught.value.retry_at == NOW + timedelta(seconds=120)
    assert len(fake_server.requests) == 1
    assert slept == []


def test_429_x_and_reddit_reset_headers(fake_server: FakeServer, client: HttpClient) -> None:
    reset = int((NOW + timedelta(minutes=15)).timestamp())
    fake_server.route("GET", "/x", Reply(status=429, headers={"x-rate-limit-reset": str(reset)}))
    fake_server.route("GET", "/r", Reply(status=429, headers={"x-ratelimit-reset": "42"}))
    with pytest.raises(RateLimited) as x_limited:
        client.get_json(f"{fake_server.url}/x")
    with pytest.raises(RateLimited) as reddit_limited:
        client.get_json(f"{fake_server.url}/r")
    assert x_limited.value.retry_at == NOW + timedelta(minutes=15)
    assert reddit_limited.value.retry_at == NOW + timedelta(seconds=42)


def test_4xx_is_a_connector_error_with_the_body(
    fake_server: FakeServer, client: HttpClient
) -> None:
    fake_server.route("GET", "/private", Reply(status=401, json={"error": "bad token"}))
    with pytest.raises(HttpStatusError) as caught:
        client.get_json(f"{fake_server.url}/private")
    assert isinstance(caught.value, ConnectorError)
    assert caught.value.status == 401
    assert b"bad token" in caught.value.body
    assert "HTTP 401" in str(caught.value)


def test_not_json_is_a_connector_error(fake_server: FakeServer, client: HttpClient) -> None:
    fake_server.route("GET", "/html", Reply(body="<html>maintenance</html>"))
    with pytest.raises(ConnectorError, match="not JSON"):
        client.get_json(f"{fake_server.url}/html")
    body, headers = client.get_bytes(f"{fake_server.url}/html")
    assert body == b"<html>maintenance</html>"
    assert headers["content-length"] == str(len(body))


def test_post_form_with_basic_auth(fake_server: FakeServer, client: HttpClient) -> None:
    fake_server.route("POST", "/token", Reply(json={"access_token": "abc"}))
    answer = client.post(
        f"{fake_server.url}/token", data={"grant_type": "client_credentials"}, auth=("id", "pw")
    )
    assert answer == {"access_token": "abc"}
    (request,) = fake_server.requests
    assert request.form() == {"grant_type": "client_credentials"}
    assert request.headers["authorization"] == "Basic aWQ6cHc="


def test_query_routes_take_precedence_and_unmatched_is_recorded(fake_server: FakeServer) -> None:
    fake_server.route("GET", "/p", Reply(json={"page": 1}))
    fake_server.route("GET", "/p", Reply(json={"page": 2}), query={"after": "a"})
    with HttpClient(retries=0) as client:
        assert client.get_json(f"{fake_server.url}/p", params={"after": "a"}) == {"page": 2}
        assert client.get_json(f"{fake_server.url}/p") == {"page": 1}
        with pytest.raises(HttpStatusError):
            client.get_json(f"{fake_server.url}/nothing")
    assert [r.path for r in fake_server.unmatched] == ["/nothing"]


def test_retry_after_http_date() -> None:
    later = NOW + timedelta(minutes=3)
    assert rate_limit_reset({"Retry-After": format_datetime(later, usegmt=True)}, NOW) == later


def test_no_reset_header_waits_a_minute() -> None:
    assert rate_limit_reset({}, NOW) == NOW + timedelta(seconds=60)
    assert rate_limit_reset({"Retry-After": "soon"}, NOW) == NOW + timedelta(seconds=60)


@given(st.integers(min_value=0, max_value=10**7))
def test_retry_after_seconds_any_value(seconds: int) -> None:
    assert rate_limit_reset({"retry-after": str(seconds)}, NOW) == NOW + timedelta(seconds=seconds)


def test_mastodon_reset_is_an_iso_time_in_the_reddit_header_name() -> None:
    later = NOW + timedelta(minutes=4)
    header = later.isoformat().replace("+00:00", "Z")
    assert rate_limit_reset({"X-RateLimit-Reset": header}, NOW) == later


def test_reddit_reset_is_seconds_from_now() -> None:
    assert rate_limit_reset({"x-ratelimit-reset": "42"}, NOW) == NOW + timedelta(seconds=42)


def test_bluesky_reset_is_epoch_seconds() -> None:
    later = NOW + timedelta(minutes=5)
    header = str(int(later.timestamp()))
    assert rate_limit_reset({"ratelimit-reset": header}, NOW) == later.replace(microsecond=0)


def test_draft_ratelimit_reset_may_be_seconds_from_now() -> None:
    assert rate_limit_reset({"RateLimit-Reset": "30"}, NOW) == NOW + timedelta(seconds=30)
