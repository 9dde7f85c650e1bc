from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import (
    CharField,
    Count,
    DateTimeField,
    DecimalField,
    Exists,
    Field,
    IntegerField,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from goodwill.customers.models import Customer, Identity, MatchSuggestion, Merge, Transaction


def customer_count() -> int:
    """Customers that are people in their own right (merged-away records excluded)."""
    return Customer.objects.filter(merged_into__isnull=True).count()


def _tx_aggregate(expression: Count | Sum | Max, output: Field[Any, Any]) -> Subquery:
    # One correlated subquery per figure: joining two reverse relations would multiply rows.
    return Subquery(
        Transaction.objects.filter(customer=OuterRef("pk"))
        .order_by()
        .values("customer")
        .annotate(v=expression)
        .values("v")[:1],
        output_field=output,
    )


def search_customers(*, q: str = "", email: str = "", external_id: str = "") -> QuerySet[Customer]:
    """Live customers matching all given criteria, newest first, with list-page figures.

    `q` matches a substring of the name or email, an identity's handle (a leading @ is
    ignored) or display name, or the exact external id. Each row carries `tx_count`,
    `tx_total`, `tx_currencies`, `tx_currency` and `last_purchase_at`; identities are prefetched.
    """
    qs = Customer.objects.filter(merged_into__isnull=True)
    q = q.strip()
    if q:
        handle = q.lstrip("@")
        identity_match = Identity.objects.filter(customer=OuterRef("pk")).filter(
            Q(handle__icontains=handle) | Q(display_name__icontains=q)
        )
        qs = qs.filter(
            Q(display_name__icontains=q)
            | Q(email__icontains=q)
            | Q(external_id=q)
            | Q(Exists(identity_match))
        )
    if email.strip():
        qs = qs.filter(email__iexact=email.strip())
    if external_id.strip():
        qs = qs.filter(external_id=external_id.strip())
    money = DecimalField(max_digits=16, decimal_places=2)
    return (
        qs.annotate(
            tx_count=Coalesce(_tx_aggregate(Count("id"), IntegerField()), Value(0)),
            tx_total=Coalesce(
                _tx_aggregate(Sum("amount"), money), Value(Decimal("0")), output_field=money
            ),
            tx_currencies=Coalesce(
                _tx_aggregate(Count("currency", distinct=True), IntegerField()), Value(0)
            ),
            # The one currency when tx_currencies == 1 (shown beside the total).
            tx_currency=_tx_aggregate(Max("currency"), CharField()),
            last_purchase_at=_tx_aggregate(Max("occurred_at"), DateTimeField()),
        )
        .prefetch_related(
            Prefetch("identities", queryset=Identity.objects.order_by("channel", "handle"))
        )
        .order_by("-created_at", "-id")
    )


def get_customer(customer_id: int) -> Customer | None:
    return Customer.objects.filter(pk=customer_id).select_related("merged_into").first()


def customer_identities(customer_id: int) -> list[Identity]:
    return list(Identity.objects.filter(customer_id=customer_id).order_by("channel", "handle"))


@dataclass(frozen=True, slots=True)
class SpendTotal:
    currency: str
    count: int
    total: Decimal


def transaction_totals(customer_id: int) -> list[SpendTotal]:
    """Number and sum of a customer's transactions per currency (largest first)."""
    rows = (
        Transaction.objects.filter(customer_id=customer_id)
        .values("currency")
        .annotate(n=Count("id"), total=Sum("amount"))
        .order_by("-total", "currency")
    )
    return [SpendTotal(r["currency"], r["n"], r["total"] or Decimal("0")) for r in rows]


def recent_transactions(customer_id: int, *, limit: int = 50) -> list[Transaction]:
    return list(
        Transaction.objects.filter(customer_id=customer_id).order_by("-occurred_at", "-id")[:limit]
    )


def transaction_rows() -> list[tuple[int, datetime, Decimal]]:
    """(customer id, occurred at, amount) of every live customer's transactions.

    For population-level models (value scoring); ordered by customer, then time.
    """
    return list(
        Transaction.objects.filter(customer__merged_into__isnull=True)
        .order_by("customer_id", "occurred_at", "id")
        .values_list("customer_id", "occurred_at", "amount")
    )


def customers_with_transactions_since(since: datetime) -> set[int]:
    """Customers with a transaction recorded (not occurred) at or after `since`."""
    return set(
        Transaction.objects.filter(created_at__gte=since)
        .values_list("customer_id", flat=True)
        .distinct()
    )


def identity_rows() -> list[tuple[int, int | None, int | None, bool]]:
    """(identity id, live customer id or None, followers or None, is the company) of all."""
    rows = Identity.objects.values_list(
        "id", "customer_id", "customer__merged_into_id", "followers", "is_company"
    )
    return [
        (pk, None if company else (into or cust), followers, company)
        for pk, cust, into, followers, company in rows.order_by("id")
    ]


def live_customer_ids() -> list[int]:
    return list(
        Customer.objects.filter(merged_into__isnull=True)
        .order_by("id")
        .values_list("id", flat=True)
    )


def suggestions(*, status: str = MatchSuggestion.Status.PENDING) -> QuerySet[MatchSuggestion]:
    """The review queue: suggestions with a status (all when empty), most likely first,
    with both identities and their customers loaded (one query per page)."""
    qs = MatchSuggestion.objects.select_related(
        "identity_a__customer", "identity_b__customer", "decided_by"
    )
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-confidence", "id")


def suggestion_counts() -> dict[str, int]:
    rows = MatchSuggestion.objects.values_list("status").annotate(n=Count("id")).order_by()
    return {str(status): int(n) for status, n in rows.values_list("status", "n")}


def get_suggestion(suggestion_id: int) -> MatchSuggestion | None:
    return suggestions(status="").filter(pk=suggestion_id).first()


def customer_merges(customer_id: int) -> list[Merge]:
    """Merges into or out of a customer, newest first, with both customers loaded."""
    return list(
        Merge.objects.filter(Q(into_id=customer_id) | Q(other_id=customer_id))
        .select_related("into", "other", "actor", "undone_by")
        .order_by("-created_at", "-id")
    )


def get_merge(merge_id: int) -> Merge | None:
    return (
        Merge.objects.select_related("into", "other", "actor", "undone_by")
        .filter(pk=merge_id)
        .first()
    )


def resolution_state() -> tuple[dict[tuple[str, str], int], dict[str, int], list[tuple[int, int]]]:
    """For evaluating identity resolution: the live customer of every person identity by
    (channel, external id), of every customer by its external id, and the customer pairs
    that pending suggestions join."""
    identities = {
        (channel, ext): cust
        for channel, ext, cust in Identity.objects.filter(
            is_company=False, customer__isnull=False
        ).values_list("channel", "external_id", "customer_id")
    }
    live: dict[int, int | None] = dict(Customer.objects.values_list("id", "merged_into_id"))

    def root(pk: int) -> int:
        seen = 0
        while live.get(pk) is not None and seen < 1000:
            pk, seen = live[pk] or pk, seen + 1
        return pk

    by_external_id = {
        str(ext): root(pk)
        for pk, ext in Customer.objects.filter(external_id__isnull=False).values_list(
            "id", "external_id"
        )
    }
    pending = list(
        MatchSuggestion.objects.filter(status=MatchSuggestion.Status.PENDING).values_list(
            "identity_a__customer_id", "identity_b__customer_id"
        )
    )
    return identities, by_external_id, [(a, b) for a, b in pending if a and b]


def customers_with_identities_changed_since(since: datetime) -> set[int]:
    """Live customers owning an identity linked, moved or updated at or after `since`."""
    rows = Identity.objects.filter(updated_at__gte=since, customer__isnull=False).values_list(
        "customer_id", "customer__merged_into_id"
    )
    return {into or cust for cust, into in rows}
