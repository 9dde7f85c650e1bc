from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from goodwill.conversations.models import Conversation
from goodwill.web.tests.helpers import HOSTILE, ingest, post, row_ids


@pytest.mark.django_db
def test_thread_in_order_with_speakers_and_first_response(signed_in: Any) -> None:
    ingest(
        [
            post("3", "acme", 95, reply_to="2", company=True, text="Refund is on its way"),
            post("1", "alice", 0, text="Where is my refund?"),
            post("2", "acme", 12, reply_to="1", company=True, text="Looking into it"),
            post("4", "alice", 100, reply_to="3", text=HOSTILE),
        ]
    )
    conv = Conversation.objects.get()
    html = signed_in.get(reverse("conversations:detail", args=[conv.pk])).content.decode()
    order = [html.index(t) for t in ("Where is my refund?", "Looking into it", "Refund is on")]
    assert order == sorted(order)
    assert html.count('class="bubble from-company"') == 2
    assert html.count('class="bubble from-customer"') == 2
    assert '<dd id="first-response">12 min</dd>' in html
    assert "answered after 12 min" in html
    assert HOSTILE not in html and "&lt;script&gt;" in html


@pytest.mark.django_db
def test_unanswered_and_missing(signed_in: Any) -> None:
    ingest([post("1", "alice", text="hello?")])
    conv = Conversation.objects.get()
    html = signed_in.get(reverse("conversations:detail", args=[conv.pk])).content.decode()
    assert "no company response yet" in html
    assert signed_in.get(reverse("conversations:detail", args=[conv.pk + 99])).status_code == 404


@pytest.mark.django_db
def test_inbox_lists_latest_first_with_filters_and_bounded_queries(
    signed_in: Any, django_assert_max_num_queries: Any
) -> None:
    items = []
    for i in range(60):
        items.append(post(f"q{i}", f"user{i}", i * 10, channel="x" if i % 3 else "reddit"))
        if i % 2 == 0:
            items.append(post(f"r{i}", "acme", i * 10 + 5, reply_to=f"q{i}", company=True))
    ingest(items)
    url = reverse("conversations:list")
    with django_assert_max_num_queries(8):
        html = signed_in.get(url).content.decode()
    pks = row_ids(html, "conversation")
    assert len(pks) == 50
    latest = Conversation.objects.order_by("-last_message_at").values_list("pk", flat=True)[:50]
    assert pks == list(latest)
    reddit = row_ids(signed_in.get(url, {"channel": "reddit"}).content.decode(), "conversation")
    assert set(reddit) == set(
        Conversation.objects.filter(channel="reddit").values_list("pk", flat=True)
    )
    assert len(reddit) == 20
    # An unknown filter value is ignored rather than an error on this page.
    assert (
        len(row_ids(signed_in.get(url, {"status": "bogus"}).content.decode(), "conversation")) == 50
    )


@pytest.mark.django_db
def test_inbox_says_what_the_message_counts_and_waits_mean(signed_in: Any) -> None:
    ingest(
        [
            post("1", "alice", 0, text="hello?"),
            post("2", "acme", 12, reply_to="1", company=True, text="hi!"),
            post("3", "bob", 30, text="anyone there?"),
        ]
    )
    html = signed_in.get(reverse("conversations:list")).content.decode()
    answered = Conversation.objects.get(message_count=2)
    waiting = Conversation.objects.get(message_count=1)
    rows = dict(re.findall(r'data-conversation="(\d+)">(.*?)</tr>', html, re.S))
    assert '2 <span class="faint">· 1 from us</span>' in rows[str(answered.pk)]
    assert 'title="1 from the customer, 1 from the company"' in rows[str(answered.pk)]
    assert "12 min" in rows[str(answered.pk)]
    assert "· 0 from us" in rows[str(waiting.pk)] and "not yet" in rows[str(waiting.pk)]
