"""The transactions CSV importer: customers by id or email, derived ids, bad amounts named."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from goodwill.customers.importers import import_transactions
from goodwill.customers.models import Customer, Transaction
from goodwill.importing import BadValue, ImportFailed, amount_value

GOOD = """\
customer_id,email,date,amount,currency,transaction_id
c1,,2024-01-02,10.00,usd,order-1
c1,,2024-01-02,10.00,,
c1,,2024-01-02,10.00,,
,Bo@Example.com,2024-02-03T10:30:00+01:00,99.5,EUR,
c2,,2024-03-04T08:00:00,0,,
c3,c3@example.com,20240305,1234567.89,GBP,order-9
"""


def write(tmp_path: Path, text: str, name: str = "tx.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.django_db
def test_good_rows_create_transactions_and_customers(tmp_path: Path, settings: Any) -> None:
    settings.TIME_ZONE = "Europe/Paris"
    summary = import_transactions(write(tmp_path, GOOD))
    assert summary.as_dict() == {
        "read": 6,
        "created": 6,
        "updated": 0,
        "unchanged": 0,
        "rejected": 0,
        "duplicates": 0,
    }
    c1 = Customer.objects.get(external_id="c1")
    assert c1.transactions.count() == 3  # two identical purchases stay two
    order = Transaction.objects.get(external_id="order-1")
    assert (order.amount, order.currency) == (Decimal("10.00"), "USD")
    # A date is midnight, a naive time is read in the company's TIME_ZONE.
    assert order.occurred_at == datetime(2024, 1, 2, tzinfo=ZoneInfo("Europe/Paris"))
    bo = Customer.objects.get(email="bo@example.com")
    tx = bo.transactions.get()
    assert (tx.amount, tx.currency) == (Decimal("99.50"), "EUR")
    assert tx.occurred_at == datetime(2024, 2, 3, 9, 30, tzinfo=UTC)
    assert Transaction.objects.get(customer__external_id="c2").amount == Decimal("0")
    assert Transaction.objects.get(external_id="order-9").occurred_at.date().isoformat() in (
        "2024-03-04",
        "2024-03-05",
    )


@pytest.mark.django_db
def test_reimport_is_idempotent_even_with_rows_reordered(tmp_path: Path) -> None:
    first = import_transactions(write(tmp_path, GOOD))
    header, *rows = GOOD.splitlines()
    reordered = write(tmp_path, "\n".join([header, *reversed(rows)]) + "\n", "again.csv")
    again = import_transactions(reordered)
    assert first.created == 6
    assert (again.created, again.updated, again.unchanged) == (0, 0, 6)
    assert Transaction.objects.count() == 6


@pytest.mark.django_db
def test_default_currency_comes_from_settings(tmp_path: Path, settings: Any) -> None:
    settings.GOODWILL_DEFAULT_CURRENCY = "EUR"
    import_transactions(write(tmp_path, "customer_id,date,amount\nc1,2024-01-01,5\n"))
    assert Transaction.objects.get().currency == "EUR"


BAD = """\
customer_id,email,date,amount,currency,transaction_id
c1,,2024-01-02,-5.00,,
c1,,2024-01-02,ten,,
c1,,2024-01-02,1.005,,
c1,,2024-01-02,NaN,,
,,2024-01-02,3,,
c1,,2024-02-30,3,,
c1,,2024-01-02,3,EURO,
c1,not-an-email,2024-01-02,3,,
c1,,2024-01-02,,,
c1,,2024-01-02,7,,dup-1
c1,,2024-01-03,8,,dup-1
c1,,2024-01-02,1e3,,
"""


@pytest.mark.django_db
def test_bad_rows_are_named_by_line_and_field_and_good_ones_land(tmp_path: Path) -> None:
    rejects = tmp_path / "rejects.csv"
    summary = import_transactions(write(tmp_path, BAD), rejects_path=rejects)
    assert [(e.line, e.field) for e in summary.errors] == [
        (2, "amount"),
        (3, "amount"),
        (4, "amount"),
        (5, "amount"),
        (6, "customer_id"),
        (7, "date"),
        (8, "currency"),
        (9, "email"),
        (10, "amount"),
    ]
    assert "negative" in summary.errors[0].error
    assert "not a number" in summary.errors[1].error
    assert "2 decimal places" in summary.errors[2].error
    assert (summary.created, summary.duplicates, summary.rejected) == (2, 1, 9)
    assert Transaction.objects.get(external_id="dup-1").amount == Decimal("7.00")
    assert len(rejects.read_text().splitlines()) == 10
    [derived] = Transaction.objects.exclude(external_id="dup-1")
    assert derived.amount == Decimal("1000.00")


@pytest.mark.django_db
def test_strict_stores_nothing(tmp_path: Path) -> None:
    text = "customer_id,date,amount\nc1,2024-01-01,5\nc1,2024-01-02,-1\n"
    with pytest.raises(ImportFailed, match="line 3, field amount"):
        import_transactions(write(tmp_path, text), strict=True)
    assert Transaction.objects.count() == 0
    assert Customer.objects.count() == 0


@pytest.mark.parametrize(
    ("header", "missing"),
    [
        ("customer_id,amount", "'date'"),
        ("customer_id,date", "'amount'"),
        ("date,amount", "'customer_id' or 'email'"),
    ],
)
@pytest.mark.django_db
def test_missing_columns_are_named(tmp_path: Path, header: str, missing: str) -> None:
    with pytest.raises(ImportFailed, match=missing):
        import_transactions(write(tmp_path, f"{header}\nx,y\n"))
    assert Transaction.objects.count() == 0


@given(st.decimals(min_value=0, max_value=Decimal("999999999999.99"), places=2))
def test_amounts_with_two_decimals_round_trip(amount: Decimal) -> None:
    assert amount_value({"amount": str(amount)}, "amount") == amount
    assert amount_value({"amount": f"{amount:.2f}"}, "amount") == amount


@given(st.text(max_size=20))
def test_the_amount_parser_only_ever_raises_bad_value(text: str) -> None:
    try:
        value = amount_value({"amount": text}, "amount")
    except BadValue as exc:
        assert exc.field == "amount"
    else:
        assert value >= 0
