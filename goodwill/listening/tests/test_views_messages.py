from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from goodwill.listening.models import Message
from goodwill.web.tests.helpers import HOSTILE, ingest, post, row_ids

URL = reverse("listening:messages")


def ids_for(client: Any, **params: Any) -> set[str]:
    response = client.get(URL, params)
    assert response.status_code == 200
    pks = row_ids(response.content.decode(), "message")
    return set(Message.objects.filter(pk__in=pks).values_list("external_id", flat=True))


@pytest.fixture
def world(db: None) -> None:
    ingest(
        [
            post("a1", "alice", 0, text="My order never arrived"),
            post("a2", "acme", 30, reply_to="a1", company=True, text="Sorry! DM us your order"),
            post("b1", "bob", 60 * 24, text="Love the new app", likes=12),
            post("c1", "carol", 60 * 48, channel="reddit", text="anyone else see the ORDER bug?"),
        ]
    )


def test_filters(signed_in: Any, world: None) -> None:
    assert ids_for(signed_in) == {"a1", "a2", "b1", "c1"}
    assert ids_for(signed_in, channel="reddit") == {"c1"}
    assert ids_for(signed_in, author="@Alice") == {"a1"}
    assert ids_for(signed_in, q="order") == {"a1", "a2", "c1"}
    assert ids_for(signed_in, speaker="company") == {"a2"}
    assert ids_for(signed_in, speaker="customer") == {"a1", "b1", "c1"}
    # Both ends of the date range are whole days and included.
    assert ids_for(signed_in, since="2024-03-02") == {"b1", "c1"}
    assert ids_for(signed_in, until="2024-03-02") == {"a1", "a2", "b1"}
    assert ids_for(signed_in, since="2024-03-02", until="2024-03-02") == {"b1"}
    alice = Message.objects.get(external_id="a1").author
    assert alice is not None and alice.customer_id is not None
    assert ids_for(signed_in, customer=alice.customer_id) == {"a1"}
    assert ids_for(signed_in, channel="x", q="order", speaker="customer") == {"a1"}


def test_bad_filters_name_the_field(signed_in: Any, world: None) -> None:
    html = signed_in.get(URL, {"since": "2024-03-05", "until": "2024-03-01"}).content.decode()
    assert "until: The end date is before the start date." in html
    assert row_ids(html, "message") == []
    html = signed_in.get(URL, {"since": "yesterday", "channel": "myspace"}).content.decode()
    assert "since: Enter a valid date." in html
    assert "channel: Select a valid choice." in html


def test_rows_show_channel_author_time_engagement_and_thread(signed_in: Any, world: None) -> None:
    html = signed_in.get(URL, {"author": "bob"}).content.decode()
    bob = Message.objects.get(external_id="b1")
    assert "@bob" in html and "X / Twitter" in html and "2 Mar 2024" in html
    assert "♥ 12" in html
    assert f'href="{reverse("conversations:detail", args=[bob.conversation_id])}"' in html


@pytest.mark.django_db
def test_hostile_text_is_rendered_as_text(signed_in: Any) -> None:
    ingest([post("h1", "mallory", text=HOSTILE)])
    html = signed_in.get(URL).content.decode()
    assert HOSTILE not in html
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;" in html


@pytest.mark.django_db
def test_pages_of_fifty_newest_first_with_bounded_queries(
    signed_in: Any, django_assert_max_num_queries: Any
) -> None:
    ingest(post(f"m{i:03}", f"user{i % 7}", i, likes=i) for i in range(123))
    with django_assert_max_num_queries(8):
        first = signed_in.get(URL)
    pks = row_ids(first.content.decode(), "message")
    assert len(pks) == 50
    by_pk = dict(Message.objects.filter(pk__in=pks).values_list("pk", "external_id"))
    assert [by_pk[pk] for pk in pks] == [f"m{i:03}" for i in range(122, 72, -1)]  # newest first
    with django_assert_max_num_queries(8):
        last = signed_in.get(URL, {"page": 3})
    assert len(row_ids(last.content.decode(), "message")) == 23
    assert "101–123 of 123" in last.content.decode()
    # Filters survive paging: the pager's links keep them.
    html = signed_in.get(URL, {"q": "message m0"}).content.decode()
    assert "1–50 of 100" in html
    next_link = re.search(r'href="(\?[^"]*)" rel="next"', html)
    assert next_link is not None
    html = signed_in.get(URL + next_link.group(1).replace("&amp;", "&")).content.decode()
    assert "51–100 of 100" in html
    assert len(row_ids(html, "message")) == 50


@pytest.mark.django_db
def test_detail_shows_author_customer_risk_and_abuse_with_units(signed_in: Any) -> None:
    ingest([post("v1", "dana", text="This airline lost my bag. Disgusting.", likes=40)])
    message = Message.objects.select_related("author").get(external_id="v1")
    assert message.author is not None and message.virality_risk is not None
    html = signed_in.get(reverse("listening:detail", args=[message.pk])).content.decode()
    facts = html[
        html.index('id="message-facts"') : html.index("</dl>", html.index("message-facts"))
    ]
    assert "@dana" in facts
    assert f'href="{reverse("customers:detail", args=[message.author.customer_id])}"' in facts
    assert f'<dd id="virality-risk">{round(message.virality_risk * 100)}%</dd>' in facts
    assert "Abusive" in facts
    assert "likes" in html and "shares" in html and "replies" in html


@pytest.mark.django_db
def test_bidi_overrides_in_a_post_are_shown_not_obeyed(signed_in: Any) -> None:
    # U+202E makes "001$" display as "$100"; pages show the control instead of obeying it.
    ingest([post("o1", "trick", text="refund \u202e001$\u202c please")])
    message = Message.objects.get(external_id="o1")
    assert message.text == "refund \u202e001$\u202c please"  # stored verbatim
    for url in (URL, reverse("listening:detail", args=[message.pk])):
        html = signed_in.get(url).content.decode()
        assert "\u202e" not in html and "refund [RLO]001$[PDF] please" in html


@pytest.mark.django_db
def test_email_authors_are_not_shown_as_at_handles(signed_in: Any) -> None:
    ingest([post("m1", "li.wei@example.org", channel="email", text="change my address")])
    html = signed_in.get(URL).content.decode()
    assert "li.wei@example.org" in html and "@li.wei@example.org" not in html
