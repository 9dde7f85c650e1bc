from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import (
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

from goodwill.customers.models import Customer, Identity, Transaction


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
    `tx_total`, `tx_currencies` and `last_purchase_at`; identities are prefetched.
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
