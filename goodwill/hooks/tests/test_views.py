from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from goodwill.conversations.models import Conversation
from goodwill.hooks import services, views
from goodwill.hooks.models import Delivery
from goodwill.hooks.signing import sign, sign_graph
from goodwill.listening.models import Message, Source
from goodwill.listening.sources import create_source

DATA = Path(__file__).parent / "data"
SECRET = "whsec-3f9a"
APP_SECRET = "meta-app-secret"


def good_item(ext: str = "t-1", **extra: Any) -> dict[str, Any]:
    return {
        "external_id": ext,
        "author_handle": "ann",
        "created_at": "2026-11-25T10:00:00Z",
        "text": "Still waiting <script>alert(1)</script>",
        **extra,
    }


@pytest.fixture
def inbound(db: None) -> Source:
    # The secret is stored encrypted on the Source, as `goodwill sources add` does.
    return create_source(name="crm push", kind="webhook", secrets={"signing_secret": SECRET})


def post_signed(
    client: Client,
    source: Source,
    payload: Any,
    *,
    timestamp: int | None = None,
    secret: str = SECRET,
    delivery: str | None = None,
    body: bytes | None = None,
) -> Any:
    raw = body if body is not None else json.dumps(payload).encode()
    headers = {"X-Goodwill-Signature": sign(secret, raw, timestamp or int(time.time()))}
    if delivery is not None:
        headers["X-Goodwill-Delivery"] = delivery
    return client.post(
        reverse("hooks:inbound", args=[source.pk]),
        data=raw,
        content_type="application/json",
        headers=headers,
    )


# --- the signed inbound webhook ------------------------------------------------------------------


def test_a_signed_list_is_accepted_and_stored_verbatim(client: Client, inbound: Source) -> None:
    response = post_signed(
        client, inbound, [good_item("t-1"), good_item("t-2", channel="email", in_reply_to="t-9")]
    )
    assert response.status_code == 202
    assert response.json() == {
        "received": 2,
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "skipped": [],
    }
    stored = Message.objects.get(channel="webhook", external_id="t-1")
    assert stored.text == "Still waiting <script>alert(1)</script>"
    assert stored.source_id == inbound.pk
    assert Message.objects.filter(channel="email", external_id="t-2").exists()


def test_a_delivery_is_booked_on_its_source_like_a_run(client: Client, inbound: Source) -> None:
    post_signed(client, inbound, [good_item("t-1"), good_item("t-2")])
    post_signed(client, inbound, [good_item("t-3")])
    inbound.refresh_from_db()
    assert inbound.items_fetched == 3
    assert inbound.last_run_at is not None and inbound.last_error == ""
    runs = list(inbound.runs.order_by("started_at", "pk"))
    assert [(r.trigger, r.status, r.fetched, r.created) for r in runs] == [
        ("push", "ok", 2, 2),
        ("push", "ok", 1, 1),
    ]


def test_one_object_is_a_delivery_of_one(client: Client, inbound: Source) -> None:
    response = post_signed(client, inbound, good_item())
    assert response.status_code == 202 and response.json()["created"] == 1


def test_a_replayed_delivery_is_409_and_stored_once(client: Client, inbound: Source) -> None:
    body = json.dumps([good_item()]).encode()
    now = int(time.time())
    first = post_signed(client, inbound, None, body=body, timestamp=now)
    again = post_signed(client, inbound, None, body=body, timestamp=now)
    assert (first.status_code, again.status_code) == (202, 409)
    assert "already received" in again.json()["error"]
    by_id = post_signed(client, inbound, [good_item()], delivery="d-1")
    by_id_again = post_signed(client, inbound, [good_item()], delivery="d-1", timestamp=now - 5)
    assert (by_id.status_code, by_id_again.status_code) == (202, 409)
    assert by_id.json()["unchanged"] == 1  # a new delivery of a known message: stored once
    assert Message.objects.filter(external_id="t-1").count() == 1


def test_expired_deliveries_are_forgotten(client: Client, inbound: Source) -> None:
    Delivery.objects.create(
        source=inbound,
        key="old",
        received_at="2020-01-01T00:00:00Z",
        expires_at="2020-01-01T00:10:00Z",
    )
    assert post_signed(client, inbound, [good_item()], delivery="new").status_code == 202
    assert list(Delivery.objects.values_list("key", flat=True)) == ["new"]


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({"secret": "wrong"}, "does not match"),
        ({"timestamp": 1_000_000_000}, "s from now"),
    ],
)
def test_bad_or_expired_signatures_are_401(
    client: Client, inbound: Source, kwargs: dict[str, Any], reason: str
) -> None:
    response = post_signed(client, inbound, [good_item()], **kwargs)
    assert response.status_code == 401 and reason in response.json()["error"]
    assert not Message.objects.exists() and not Delivery.objects.exists()


def test_an_unsigned_request_is_401(client: Client, inbound: Source) -> None:
    response = client.post(
        reverse("hooks:inbound", args=[inbound.pk]), data="[]", content_type="application/json"
    )
    assert response.status_code == 401 and "missing" in response.json()["error"]


@pytest.mark.parametrize(
    ("payload", "item", "field"),
    [
        ([good_item(), good_item("t-2", created_at="yesterday")], 1, "created_at"),
        ([good_item(), {**good_item("t-2"), "text": None}], 1, "text"),
        ([{k: v for k, v in good_item().items() if k != "author_handle"}], 0, "author_handle"),
        ([good_item(channel="carrier-pigeon")], 0, "channel"),
        ([good_item(likes=-3)], 0, "likes"),
        ([good_item(), good_item()], 1, "external_id"),
        (["not an object"], 0, "item"),
        (42, None, "body"),
        ([], None, "body"),
    ],
)
def test_a_bad_body_is_400_naming_the_item_and_field_and_stores_nothing(
    client: Client, inbound: Source, payload: Any, item: int | None, field: str
) -> None:
    response = post_signed(client, inbound, payload, delivery="d-bad")
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert (error["item"], error["field"]) == (item, field)
    assert f"field {field!r}" in response.json()["error"]
    assert not Message.objects.exists() and not Delivery.objects.exists()
    # Fixed and sent again under the same delivery id: accepted.
    assert post_signed(client, inbound, [good_item()], delivery="d-bad").status_code == 202


def test_a_body_over_the_upload_limit_is_413(
    client: Client, inbound: Source, settings: Any
) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = post_signed(client, inbound, [good_item(text="x" * 2000)])
    assert response.status_code == 413 and not Message.objects.exists()


def test_invalid_json_is_400(client: Client, inbound: Source) -> None:
    response = post_signed(client, inbound, None, body=b"{not json")
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "body"


def test_unknown_disabled_or_other_kind_sources_are_404(client: Client, inbound: Source) -> None:
    assert post_signed(client, Source(pk=inbound.pk + 99), [good_item()]).status_code == 404
    other = Source.objects.create(name="file", kind="file", channel="x")
    assert post_signed(client, other, [good_item()]).status_code == 404
    Source.objects.filter(pk=inbound.pk).update(enabled=False)
    assert post_signed(client, inbound, [good_item()]).status_code == 404


def test_a_source_without_its_secret_is_503(client: Client, db: None) -> None:
    bare = Source.objects.create(name="bare", kind="webhook", channel="webhook")
    response = post_signed(client, bare, [good_item()])
    assert response.status_code == 503 and "signing_secret" in response.json()["error"]


def test_get_is_not_allowed_and_no_csrf_token_is_needed(inbound: Source) -> None:
    client = Client(enforce_csrf_checks=True)
    assert client.get(reverse("hooks:inbound", args=[inbound.pk])).status_code == 405
    assert post_signed(client, inbound, [good_item()]).status_code == 202


# --- Meta's Graph webhook ------------------------------------------------------------------------


@pytest.fixture
def graph_source(monkeypatch: pytest.MonkeyPatch, db: None) -> Source:
    # Secrets from environment variables: one named by an env: reference, one by the
    # GOODWILL_SOURCE_<id>_<NAME> fallback.
    monkeypatch.setenv("META_APP_SECRET", APP_SECRET)
    source = create_source(
        name="meta",
        kind="graph_webhook",
        secrets={"app_secret": "env:META_APP_SECRET", "verify_token": "placeholder"},
    )
    source.secrets = {"app_secret": "env:META_APP_SECRET"}
    source.save(update_fields=["secrets"])
    monkeypatch.setenv(f"GOODWILL_SOURCE_{source.pk}_VERIFY_TOKEN", "verify-me")
    return source


def test_graph_handshake_echoes_the_challenge_only_for_the_right_token(
    client: Client, graph_source: Source
) -> None:
    url = reverse("hooks:graph", args=[graph_source.pk])
    ok = client.get(
        url,
        {"hub.mode": "subscribe", "hub.verify_token": "verify-me", "hub.challenge": "1158201444"},
    )
    assert ok.status_code == 200 and ok.content == b"1158201444"
    assert ok["Content-Type"].startswith("text/plain")
    wrong = client.get(
        url, {"hub.mode": "subscribe", "hub.verify_token": "nope", "hub.challenge": "1"}
    )
    assert wrong.status_code == 403
    no_mode = client.get(url, {"hub.verify_token": "verify-me", "hub.challenge": "1"})
    assert no_mode.status_code == 403


def post_graph(client: Client, source: Source, body: bytes, secret: str = APP_SECRET) -> Any:
    return client.post(
        reverse("hooks:graph", args=[source.pk]),
        data=body,
        content_type="application/json",
        headers={"X-Hub-Signature-256": sign_graph(secret, body)},
    )


def test_graph_page_feed_delivery_stores_comments_and_visitor_posts(
    client: Client, graph_source: Source
) -> None:
    body = (DATA / "graph_page_feed.json").read_bytes()
    response = post_graph(client, graph_source, body)
    assert response.status_code == 200
    receipt = response.json()
    assert (receipt["received"], receipt["created"]) == (3, 3)
    reasons = {s["ref"]: s["reason"] for s in receipt["skipped"]}
    assert "a reaction is not a message" in reasons.values()
    assert any("'from'" in r for r in reasons.values())  # the comment without an author
    ann = Message.objects.get(channel="facebook", external_id="777_9001")
    assert ann.text == "3 hours on hold <b>and</b> still nothing"
    assert ann.in_reply_to == ""  # a top-level comment on the Page's post starts a thread
    reply = Message.objects.get(channel="facebook", external_id="777_9002")
    assert reply.is_from_company and reply.in_reply_to == "777_9001"
    assert reply.conversation_id == ann.conversation_id
    assert Message.objects.filter(external_id="1001_888", is_from_company=False).exists()

    again = post_graph(client, graph_source, body)  # Meta retries: stored exactly once
    assert again.json()["created"] == 0 and again.json()["unchanged"] == 3
    assert Message.objects.filter(channel="facebook").count() == 3


def test_graph_instagram_delivery(client: Client, graph_source: Source) -> None:
    response = post_graph(
        client, graph_source, (DATA / "graph_instagram_comments.json").read_bytes()
    )
    assert response.status_code == 200
    assert response.json()["created"] == 2
    assert "'mentions' is not handled" in response.json()["skipped"][0]["reason"]
    comment = Message.objects.get(channel="instagram", external_id="17870000000000001")
    assert comment.text == "great, another delay \U0001f643"
    answer = Message.objects.get(channel="instagram", external_id="17870000000000002")
    assert answer.is_from_company and answer.in_reply_to == comment.external_id
    assert Conversation.objects.count() == 1


def test_graph_edit_in_the_same_delivery_keeps_the_last_text(
    client: Client, graph_source: Source
) -> None:
    change = {
        "from": {"id": "9", "name": "Di"},
        "post_id": "1001_1",
        "comment_id": "1_1",
        "parent_id": "1001_1",
        "created_time": 1764064790,
        "item": "comment",
        "message": "first",
    }
    payload = {
        "object": "page",
        "entry": [
            {
                "id": "1001",
                "time": 1764064800,
                "changes": [
                    {"field": "feed", "value": {**change, "verb": "add"}},
                    {"field": "feed", "value": {**change, "verb": "edited", "message": "second"}},
                ],
            }
        ],
    }
    response = post_graph(client, graph_source, json.dumps(payload).encode())
    assert response.status_code == 200
    assert Message.objects.get(external_id="1_1").text == "second"


def test_graph_bad_signature_is_401_and_stores_nothing(
    client: Client, graph_source: Source
) -> None:
    body = (DATA / "graph_page_feed.json").read_bytes()
    assert post_graph(client, graph_source, body, secret="forged").status_code == 401
    unsigned = client.post(
        reverse("hooks:graph", args=[graph_source.pk]), data=body, content_type="application/json"
    )
    assert unsigned.status_code == 401
    assert not Message.objects.exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [({"object": "user", "entry": []}, "object"), ({"object": "page"}, "entry"), ([], "body")],
)
def test_graph_bad_envelope_is_400_naming_the_field(
    client: Client, graph_source: Source, payload: Any, field: str
) -> None:
    response = post_graph(client, graph_source, json.dumps(payload).encode())
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == field


# --- failures, answered in one place for both endpoints -----------------------------------------


def test_both_endpoints_answer_a_sender_s_failures_alike(
    client: Client, inbound: Source, graph_source: Source, settings: Any
) -> None:
    def both(inbound_source: Source, graph: Source, body: bytes) -> list[Any]:
        return [
            post_signed(client, inbound_source, None, body=body),
            post_graph(client, graph, body),
        ]

    gone_inbound, gone_graph = Source(pk=inbound.pk + 99), Source(pk=graph_source.pk + 99)
    for response in both(gone_inbound, gone_graph, b"[]"):
        assert response.status_code == 404 and set(response.json()) == {"error"}
        assert "source with id" in response.json()["error"]
    for response in both(inbound, graph_source, b"{not json"):
        assert response.status_code == 400 and response.json()["errors"][0]["field"] == "body"
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10
    too_big = [r.json() for r in both(inbound, graph_source, b"x" * 100)]
    assert too_big == 2 * [{"error": views.TOO_BIG}]
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
    Source.objects.filter(pk__in=[inbound.pk, graph_source.pk]).update(secrets={})
    for response in both(inbound, graph_source, b"[]"):
        assert response.status_code == 503 and "secret" in response.json()["error"]
    assert not Message.objects.exists()


def test_an_unexpected_failure_is_not_answered_as_the_sender_s(
    client: Client, inbound: Source, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(**_: Any) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "receive_signed_delivery", broken)
    with pytest.raises(RuntimeError, match="database went away"):
        post_signed(client, inbound, [good_item()])
