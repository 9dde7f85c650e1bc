"""Test helpers for customer value: a shop's history loaded through the real services."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from goodwill.customers.services import TransactionSpec, record_transactions
from goodwill.demo.generator import DemoWorld, generate
from goodwill.utils import chunks

END = datetime(2026, 11, 2, tzinfo=UTC)


def load_shop(*, customers: int = 300, seed: int = 3) -> DemoWorld:
    """The demo world's shop (customers and transactions only), stored via the services."""
    world = generate(seed=seed, customers=customers, messages=500, end=END)
    specs = [
        TransactionSpec(
            external_id=tx.external_id,
            occurred_at=tx.occurred_at,
            amount=tx.amount,
            currency=tx.currency,
            customer_external_id=tx.customer_id,
            email=tx.email,
        )
        for tx in world.transactions
    ]
    for chunk in chunks(specs, 2000):
        record_transactions(specs=chunk)
    return world


def purchase(customer: str, ext: str, when: datetime, amount: str = "100.00") -> None:
    record_transactions(
        specs=[
            TransactionSpec(
                external_id=ext,
                occurred_at=when,
                amount=Decimal(amount),
                currency="EUR",
                customer_external_id=customer,
            )
        ]
    )


def regular_buyer(customer: str, *, every_days: int, until: datetime, amount: str) -> None:
    """Two years of purchases every `every_days` days up to `until`."""
    start = END - timedelta(days=730)
    when, k = start, 0
    specs = []
    while when <= until:
        specs.append(
            TransactionSpec(
                external_id=f"{customer}-{k}",
                occurred_at=when,
                amount=Decimal(amount),
                currency="EUR",
                customer_external_id=customer,
            )
        )
        when += timedelta(days=every_days)
        k += 1
    record_transactions(specs=specs)
