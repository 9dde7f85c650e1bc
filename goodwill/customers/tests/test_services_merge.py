"""Merge and unmerge, deterministic links from messages, suggestions: services."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from goodwill.accounts.models import AuditEntry
from goodwill.conversations.models import Conversation
from goodwill.customers import services
from goodwill.customers.models import Customer, Identity, MatchSuggestion, Merge, Transaction
from goodwill.web.tests.helpers import buy, ingest, make_user, post

pytestmark = pytest.mark.django_db


def customer_of(handle: str, channel: str = "x") -> Customer:
    customer = Identity.objects.get(channel=channel, handle=handle).customer
    assert customer is not None
    return customer


def snapshot() -> dict[str, Any]:
    return {
        "identities": sorted(Identity.objects.values_list("id", "customer_id")),
        "transactions": sorted(Transaction.objects.values_list("id", "customer_id")),
        "conversations": sorted(Conversation.objects.values_list("id", "customer_id")),
        "customers": sorted(Customer.objects.values_list("id", "merged_into_id")),
    }


@pytest.fixture
def world() -> None:
    buy("SHOP-1", "10.00", "20.00")
    buy("SHOP-2", "5.00")
    ingest(
        [
            post("a1", "ann", 0, text="my bag is lost"),
            post("a2", "acme", 1, reply_to="a1", company=True),
            post("b1", "ann_fb", 2, channel="facebook", text="hello"),
            post("c1", "carl", 3),
        ]
    )


def test_merge_then_unmerge_restores_everything(world: None) -> None:
    actor = make_user("sup")
    shop = Customer.objects.get(external_id="SHOP-1")
    ann, ann_fb = customer_of("ann"), customer_of("ann_fb", "facebook")
    before = snapshot()
    first = services.merge_customers(into=shop, other=ann, actor=actor, evidence={"k": 1})
    second = services.merge_customers(into=shop, other=ann_fb, actor=actor)
    assert set(Identity.objects.filter(customer=shop).values_list("handle", flat=True)) == {
        "ann",
        "ann_fb",
    }
    assert Conversation.objects.filter(customer=shop).count() == 2
    assert first.moved_conversation_ids and first.moved_identity_ids
    assert Customer.objects.get(pk=ann.pk).merged_into_id == shop.pk
    services.unmerge(merge=second, actor=actor)
    services.unmerge(merge=first, actor=actor)
    assert snapshot() == before
    actions = list(AuditEntry.objects.order_by("id").values_list("action", flat=True))
    assert actions == ["customers.merge"] * 2 + ["customers.unmerge"] * 2
    assert AuditEntry.objects.filter(actor=actor).count() == 4


def test_merging_into_a_merged_customer_follows_the_chain(world: None) -> None:
    shop = Customer.objects.get(external_id="SHOP-1")
    ann, carl = customer_of("ann"), customer_of("carl")
    services.merge_customers(into=shop, other=ann)
    merge = services.merge_customers(into=ann, other=carl)
    assert merge.into_id == shop.pk
    assert customer_of("carl").pk == shop.pk


def test_errors_name_the_customers(world: None) -> None:
    shop = Customer.objects.get(external_id="SHOP-1")
    ann = customer_of("ann")
    with pytest.raises(services.MergeError, match=f"customer {shop.pk} .*itself"):
        services.merge_customers(into=shop, other=shop)
    first = services.merge_customers(into=shop, other=ann)
    with pytest.raises(services.MergeError, match=f"customer {ann.pk} .*already merged"):
        services.merge_customers(into=shop, other=ann)
    with pytest.raises(services.MergeError, match="customer 999999 does not exist"):
        services.merge_customers(into=shop, other=999999)
    # An undo in the wrong order is refused, and nothing changes.
    top = Customer.objects.get(external_id="SHOP-2")
    services.merge_customers(into=top, other=shop)
    before = snapshot()
    with pytest.raises(services.MergeError, match=f"customer {shop.pk} .*undo that merge first"):
        services.unmerge(merge=first)
    assert snapshot() == before


def test_an_order_number_in_a_message_links_its_author(world: None) -> None:
    tx = Transaction.objects.filter(customer__external_id="SHOP-1").first()
    assert tx is not None
    ingest([post("n1", "nina", 5, text=f"@acme booking {tx.external_id.lower()}, no refund yet")])
    nina = customer_of("nina")
    assert nina.external_id == "SHOP-1"
    merge = Merge.objects.get(into=nina)
    assert merge.kind == "automatic"
    assert merge.evidence["kind"] == "order_number"
    assert merge.evidence["reference"] == tx.external_id


def test_numbers_that_are_nobodys_reference_link_nothing(world: None) -> None:
    before = Merge.objects.count()
    ingest(
        [
            post("r1", "rita", 5, text="Ref is ZZ9PLURAL, order number 12345678, 2024-03-01"),
            post("r2", "rita", 6, text="paid 129.99 on 12/03, flight BF1234 at 10:45"),
        ]
    )
    assert Merge.objects.count() == before


def test_references_of_two_customers_are_a_conflict_not_a_merge(world: None) -> None:
    refs = [
        Transaction.objects.filter(customer__external_id=c).values_list("external_id", flat=True)[0]
        for c in ("SHOP-1", "SHOP-2")
    ]
    ingest([post("m1", "mallory", 5, text=f"bookings {refs[0]} and {refs[1]}")])
    assert customer_of("mallory").external_id is None
    assert not Merge.objects.exists()


def test_resolving_a_batch_without_references_costs_one_read(
    world: None, django_assert_max_num_queries: Any
) -> None:
    ids = list(Identity.objects.values_list("id", flat=True))
    with django_assert_max_num_queries(1):
        report = services.resolve_messages(messages=[(i, "no refs here at all") for i in ids])
    assert report.merged == 0


def test_same_email_merges_into_the_shop_record() -> None:
    services.record_transactions(
        specs=[
            services.TransactionSpec(
                external_id="T-1",
                occurred_at=datetime(2024, 1, 1, tzinfo=UTC),
                amount=Decimal("3.00"),
                currency="EUR",
                customer_external_id="SHOP-9",
                email="Zoe@Example.org",
            )
        ]
    )
    shop = Customer.objects.get(external_id="SHOP-9")
    assert shop.email == "zoe@example.org"
    ingest([post("e1", "zoe@example.org", 0, channel="email", text="Hello, where is my refund?")])
    assert customer_of("zoe@example.org", "email").pk == shop.pk
    assert Merge.objects.get().evidence == {
        "kind": "same_email",
        "email": "zoe@example.org",
        "identity_id": Identity.objects.get(channel="email").pk,
    }


def test_account_link(world: None) -> None:
    shop = Customer.objects.get(external_id="SHOP-2")
    carl = Identity.objects.get(handle="carl")
    merge = services.link_identity(identity_id=carl.pk, customer_id=shop.pk, source="import")
    assert merge is not None and merge.evidence["kind"] == "account_link"
    assert customer_of("carl").pk == shop.pk
    assert services.link_identity(identity_id=carl.pk, customer_id=shop.pk) is None
    with pytest.raises(services.MergeError, match="identity 0 does not exist"):
        services.link_identity(identity_id=0, customer_id=shop.pk)


def test_resolve_all_suggests_then_accept_and_reject_are_audited() -> None:
    ingest(
        [
            post("s1", "anna_smith", 0),
            post("s2", "annasmith", 1, channel="facebook"),
            post("s3", "bob_jones", 2),
            post("s4", "bobjones", 3, channel="reddit"),
        ]
    )
    Identity.objects.filter(handle__in=["anna_smith", "annasmith"]).update(
        display_name="Anna Smith"
    )
    report = services.resolve_all(messages=[])
    assert report.merged == 0 and report.suggestions_created == 2
    again = services.resolve_all(messages=[])
    assert again.suggestions_created == 0 and again.suggestions_updated == 2
    anna, bob = MatchSuggestion.objects.order_by("-confidence")
    assert anna.identity_a.handle.startswith("anna") and anna.confidence > bob.confidence
    assert any(e["kind"] == "name" for e in anna.evidence)
    actor = make_user("reviewer")
    services.accept_suggestion(suggestion=anna, actor=actor)
    services.reject_suggestion(suggestion=bob, actor=actor)
    assert customer_of("anna_smith").pk == customer_of("annasmith", "facebook").pk
    assert customer_of("bob_jones").pk != customer_of("bobjones", "reddit").pk
    anna.refresh_from_db()
    assert anna.status == "accepted" and anna.merge is not None and anna.decided_by == actor
    with pytest.raises(services.MergeError, match=f"suggestion {bob.pk} was already rejected"):
        services.accept_suggestion(suggestion=bob, actor=actor)
    actions = set(AuditEntry.objects.filter(actor=actor).values_list("action", flat=True))
    assert actions == {
        "customers.merge",
        "customers.suggestion.accept",
        "customers.suggestion.reject",
    }
    # A rejected pair stays rejected; undoing the accepted merge reopens its suggestion.
    services.resolve_all(messages=[])
    assert MatchSuggestion.objects.get(pk=bob.pk).status == "rejected"
    services.unmerge(merge=anna.merge_id, actor=actor)  # type: ignore[arg-type]
    assert MatchSuggestion.objects.get(pk=anna.pk).status == "pending"
