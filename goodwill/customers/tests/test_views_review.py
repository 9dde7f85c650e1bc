"""The identity review queue and merge/undo from the customer page."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from goodwill.accounts.models import AuditEntry
from goodwill.customers import services
from goodwill.customers.models import Customer, Identity, MatchSuggestion, Merge
from goodwill.web.tests.helpers import HOSTILE, buy, ingest, post, row_ids

pytestmark = pytest.mark.django_db


def suggest(n: int) -> None:
    """n pairs of look-alike accounts on two channels, scored into suggestions."""
    ingest(post(f"x{i}", f"person{i:03d}smith", i) for i in range(n))
    ingest(post(f"f{i}", f"person{i:03d}.smith", i, channel="facebook") for i in range(n))
    Identity.objects.update(display_name="Pat Smith")
    services.resolve_all(messages=[])


def test_queue_lists_pending_with_bounded_queries(
    signed_in: Any, django_assert_max_num_queries: Any
) -> None:
    suggest(60)
    pending = MatchSuggestion.objects.filter(status="pending").count()
    assert pending >= 60
    url = reverse("customers:review")
    with django_assert_max_num_queries(8):
        html = signed_in.get(url).content.decode()
    ids = row_ids(html, "suggestion")
    assert len(ids) == 50
    confidences = list(
        MatchSuggestion.objects.filter(pk__in=ids).values_list("confidence", flat=True)
    )
    assert sorted(confidences, reverse=True) == [
        MatchSuggestion.objects.get(pk=i).confidence for i in ids
    ]
    with django_assert_max_num_queries(8):
        html = signed_in.get(url, {"page": 2}).content.decode()
    second = row_ids(html, "suggestion")
    assert len(second) == min(50, pending - 50) and not set(second) & set(ids)


def test_accept_and_reject_from_the_queue(signed_in: Any, user: Any) -> None:
    suggest(2)
    first, second = MatchSuggestion.objects.order_by("id")[:2]
    url = reverse("customers:review_decide", args=[first.pk, "accept"])
    response = signed_in.post(url, {"next": reverse("customers:review")})
    assert response.status_code == 302 and response["Location"] == reverse("customers:review")
    first.refresh_from_db()
    assert first.status == "accepted" and first.merge is not None
    signed_in.post(reverse("customers:review_decide", args=[second.pk, "reject"]))
    assert MatchSuggestion.objects.get(pk=second.pk).status == "rejected"
    assert (
        signed_in.get(reverse("customers:review_decide", args=[second.pk, "reject"])).status_code
        == 405
    )
    html = signed_in.get(reverse("customers:review")).content.decode()
    assert row_ids(html, "suggestion") == [
        s.pk for s in MatchSuggestion.objects.filter(status="pending").order_by("-confidence", "id")
    ]
    html = signed_in.get(reverse("customers:review"), {"status": "rejected"}).content.decode()
    assert row_ids(html, "suggestion") == [second.pk]
    assert AuditEntry.objects.filter(actor=user, action="customers.suggestion.reject").count() == 1
    # Deciding twice is refused with the reason shown.
    response = signed_in.post(
        reverse("customers:review_decide", args=[second.pk, "accept"]), follow=True
    )
    assert f"suggestion {second.pk} was already rejected" in response.content.decode()


def test_hostile_names_are_escaped(signed_in: Any) -> None:
    ingest([post("h1", "mallory_x", 0), post("h2", "mallory.x", 1, channel="facebook")])
    Identity.objects.update(display_name=f"Mal Lory {HOSTILE}")
    services.resolve_all(messages=[])
    assert MatchSuggestion.objects.exists()
    html = signed_in.get(reverse("customers:review")).content.decode()
    assert HOSTILE not in html and "&lt;script&gt;" in html


def test_merge_and_undo_from_the_customer_page(signed_in: Any, user: Any) -> None:
    buy("SHOP-1", "10.00")
    ingest([post("a1", "ann", 0, text="hello")])
    shop = Customer.objects.get(external_id="SHOP-1")
    ann = Identity.objects.get(handle="ann").customer
    assert ann is not None
    response = signed_in.post(
        reverse("customers:merge", args=[shop.pk]), {"other": str(ann.pk), "reason": HOSTILE}
    )
    assert response["Location"] == reverse("customers:detail", args=[shop.pk])
    merge = Merge.objects.get()
    assert merge.actor == user and merge.evidence == {"kind": "operator", "reason": HOSTILE}
    html = signed_in.get(reverse("customers:detail", args=[shop.pk])).content.decode()
    assert row_ids(html, "merge") == [merge.pk] and "@ann" in html
    response = signed_in.post(reverse("customers:merge_undo", args=[merge.pk]), follow=True)
    assert "Merge undone" in response.content.decode()
    assert Identity.objects.get(handle="ann").customer_id == ann.pk
    response = signed_in.post(
        reverse("customers:merge", args=[shop.pk]), {"other": str(shop.pk)}, follow=True
    )
    assert f"cannot merge customer {shop.pk}" in response.content.decode()
    response = signed_in.post(
        reverse("customers:merge", args=[shop.pk]), {"other": "abc"}, follow=True
    )
    assert "must be a customer id" in response.content.decode()


def test_queue_shows_email_accounts_as_addresses_in_full(signed_in: Any) -> None:
    ingest([post("e1", "pat.smith.longname@mail.example.org", 0, channel="email")])
    ingest([post("x1", "pat.smith.longname", 1)])
    Identity.objects.update(display_name="Pat Smith")
    services.resolve_all(messages=[])
    html = signed_in.get(reverse("customers:review"), {"status": "all"}).content.decode()
    assert row_ids(html, "suggestion"), "the two accounts should be suggested as one person"
    # Shown whole (it wraps) and without an '@' in front of an address.
    assert "<bdi>pat.smith.longname@mail.example.org</bdi>" in html
    assert "<bdi>@pat.smith.longname</bdi>" in html
    assert "@pat.smith.longname@" not in html
