from __future__ import annotations

from typing import Any

import pytest

from goodwill.conversations.models import Conversation
from goodwill.web.tests.helpers import ingest, post


@pytest.mark.django_db
def test_list_filter_and_detail(api_client: Any, django_assert_max_num_queries: Any) -> None:
    items = []
    for i in range(55):
        channel = "reddit" if i % 5 == 0 else "x"
        items.append(post(f"q{i}", f"user{i}", i, channel=channel))
        if i % 2:
            items.append(
                post(f"r{i}", "acme", i + 0.5, channel=channel, reply_to=f"q{i}", company=True)
            )
    ingest(items)
    with django_assert_max_num_queries(5):
        body = api_client.get("/api/conversations", {"limit": 100}).json()
    assert body["count"] == 55 and len(body["items"]) == 55
    reddit = api_client.get("/api/conversations", {"channel": "reddit"}).json()
    assert reddit["count"] == 11 and {c["channel"] for c in reddit["items"]} == {"reddit"}
    answered = [c for c in body["items"] if c["first_response_seconds"] is not None]
    assert len(answered) == 27 and {c["first_response_seconds"] for c in answered} == {30.0}

    conv = Conversation.objects.get(root_external_id="q7")
    with django_assert_max_num_queries(4):
        detail = api_client.get(f"/api/conversations/{conv.pk}").json()
    assert detail["started_by"] == "customer" and detail["message_count"] == 2
    assert [m["external_id"] for m in detail["messages"]] == ["q7", "r7"]
    assert [m["is_from_company"] for m in detail["messages"]] == [False, True]
    assert api_client.get(f"/api/conversations/{conv.pk + 999}").status_code == 404
    bad = api_client.get("/api/conversations", {"status": "closed"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"][-1] == "status"
