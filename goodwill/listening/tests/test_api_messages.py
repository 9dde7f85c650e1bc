from __future__ import annotations

from typing import Any

import pytest

from goodwill.conversations.models import Conversation
from goodwill.listening.models import Message
from goodwill.web.tests.helpers import HOSTILE, ingest, post


def ext_ids(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [m["external_id"] for m in response.json()["items"]]


@pytest.fixture
def world(db: None) -> None:
    ingest(
        [
            post("a1", "alice", 0, text="My order never arrived", followers=120),
            post("a2", "acme", 30, reply_to="a1", company=True, text="Sorry! DM us"),
            post("b1", "bob", 60 * 24, text=HOSTILE, likes=3),
            post("c1", "carol", 60 * 48, channel="reddit", text="order bug?"),
        ]
    )


def test_filters(api_client: Any, world: None) -> None:
    get = api_client.get
    assert ext_ids(get("/api/messages")) == ["c1", "b1", "a2", "a1"]
    assert ext_ids(get("/api/messages", {"channel": "reddit"})) == ["c1"]
    assert ext_ids(get("/api/messages", {"author": "@ALICE"})) == ["a1"]
    assert ext_ids(get("/api/messages", {"q": "order"})) == ["c1", "a1"]
    assert ext_ids(get("/api/messages", {"is_from_company": "true"})) == ["a2"]
    assert ext_ids(get("/api/messages", {"is_from_company": "false"})) == ["c1", "b1", "a1"]
    assert ext_ids(get("/api/messages", {"since": "2024-03-02T12:00:00Z"})) == ["c1", "b1"]
    # `until` is exclusive; a time without an offset is UTC.
    assert ext_ids(get("/api/messages", {"until": "2024-03-02T12:00:00"})) == ["a2", "a1"]
    conv = Conversation.objects.get(root_external_id="a1")
    assert ext_ids(get("/api/messages", {"conversation": conv.pk})) == ["a2", "a1"]


def test_message_shape_and_text_verbatim(api_client: Any, world: None) -> None:
    b1 = Message.objects.get(external_id="b1")
    body = api_client.get(f"/api/messages/{b1.pk}").json()
    assert body["text"] == HOSTILE
    assert body["channel"] == "x" and body["likes"] == 3 and body["is_from_company"] is False
    assert body["author"]["handle"] == "bob" and body["author"]["customer_id"] is not None
    assert body["conversation_id"] == b1.conversation_id
    assert body["created_at"].startswith("2024-03-02T12:00:00")
    missing = api_client.get(f"/api/messages/{b1.pk + 1000}")
    assert missing.status_code == 404 and str(b1.pk + 1000) in missing.json()["detail"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"channel": "myspace"}, "channel"),
        ({"since": "last tuesday"}, "since"),
        ({"limit": 0}, "limit"),
        ({"limit": 501}, "limit"),
        ({"offset": -1}, "offset"),
        ({"conversation": "abc"}, "conversation"),
        ({"is_from_company": "maybe"}, "is_from_company"),
    ],
)
def test_bad_parameters_are_422_naming_the_field(
    api_client: Any, world: None, params: dict[str, Any], field: str
) -> None:
    response = api_client.get("/api/messages", params)
    assert response.status_code == 422
    assert [field] == [e["loc"][-1] for e in response.json()["detail"]]


@pytest.mark.django_db
def test_pagination_and_query_bound(api_client: Any, django_assert_max_num_queries: Any) -> None:
    ingest(post(f"m{i:03}", f"user{i % 9}", i) for i in range(120))
    with django_assert_max_num_queries(5):
        first = api_client.get("/api/messages")
    body = first.json()
    assert body["count"] == 120 and len(body["items"]) == 50
    seen = []
    for offset in range(0, 120, 40):
        with django_assert_max_num_queries(5):
            page = api_client.get("/api/messages", {"limit": 40, "offset": offset}).json()
        seen += [m["external_id"] for m in page["items"]]
    assert seen == [f"m{i:03}" for i in range(119, -1, -1)]
    assert api_client.get("/api/messages", {"offset": 500}).json() == {"items": [], "count": 120}
