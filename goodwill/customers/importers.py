"""Transactions CSV importer (docs/import-formats.md).

Columns: `customer_id` or `email` (at least one per row), `date`, `amount`; optional
`currency` (default settings.GOODWILL_DEFAULT_CURRENCY) and `transaction_id`. A row without a
transaction id gets a derived one, a digest of the customer, the moment, the amount and how many
times that same triple appeared before in the file, so importing the file again is idempotent
while two identical purchases on one day stay two transactions.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from goodwill.customers.services import TransactionSpec, record_transactions
from goodwill.importing import (
    BadValue,
    Importer,
    ImportSummary,
    Record,
    amount_value,
    csv_records,
    date_or_datetime_value,
    open_text,
    read_ahead_wanted,
    text_value,
)

REQUIRED = ("date", "amount")
CUSTOMER_COLUMNS = ("customer_id", "email")
DERIVED_PREFIX = "derived-"
_CURRENCY = re.compile(r"[A-Z]{3}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class _Parser:
    """Parses rows; remembers, per (customer, moment, amount) digest, how often it was seen."""

    def __init__(self) -> None:
        self.default_currency = str(settings.GOODWILL_DEFAULT_CURRENCY).upper()
        self.default_tz = timezone.get_default_timezone()
        self.occurrences: dict[int, int] = {}

    def __call__(self, record: Record) -> TransactionSpec:
        values = record.values
        customer_id = text_value(values, "customer_id", max_length=255)
        email = text_value(values, "email", max_length=254).lower()
        if not customer_id and not email:
            raise BadValue("customer_id", "missing: give a customer_id or an email")
        if email and not _EMAIL.fullmatch(email):
            raise BadValue("email", f"{email!r} is not an email address")
        occurred_at = date_or_datetime_value(values, "date", default_tz=self.default_tz)
        amount = amount_value(values, "amount")
        currency = text_value(values, "currency").upper() or self.default_currency
        if not _CURRENCY.fullmatch(currency):
            raise BadValue("currency", f"{currency!r} is not a 3-letter currency code like EUR")
        external_id = text_value(values, "transaction_id", max_length=255)
        if not external_id:
            external_id = self._derive(customer_id or f"email:{email}", occurred_at, amount)
        return TransactionSpec(
            external_id=external_id,
            occurred_at=occurred_at,
            amount=amount,
            currency=currency,
            customer_external_id=customer_id,
            email=email,
        )

    def _derive(self, customer: str, occurred_at: Any, amount: Any) -> str:
        triple = "\x1f".join((customer, occurred_at.isoformat(), str(amount))).encode()
        # A stable 64-bit digest (not hash(), which changes per process) keeps ids repeatable.
        digest = int.from_bytes(hashlib.blake2b(triple, digest_size=8).digest(), "little")
        index = self.occurrences.get(digest, 0)
        self.occurrences[digest] = index + 1
        blob = triple + b"\x1f" + str(index).encode()
        return DERIVED_PREFIX + hashlib.blake2b(blob, digest_size=12).hexdigest()


def _key(spec: TransactionSpec) -> str:
    # Derived ids are unique by construction; only ids the file gives can repeat.
    return "" if spec.external_id.startswith(DERIVED_PREFIX) else spec.external_id


def parse_values(values: Mapping[str, Any]) -> TransactionSpec:
    """One transactions row (as a column -> value map) as a spec; raises BadValue."""
    return _Parser()(Record(0, values, ""))


def import_transactions(
    path: str | Path,
    *,
    strict: bool = False,
    rejects_path: str | Path | None = None,
    progress: bool = False,
) -> ImportSummary:
    """Import a transactions CSV; streaming, batched, idempotent (see import_messages)."""

    def store(specs: list[TransactionSpec]) -> tuple[int, int, int]:
        result = record_transactions(specs=specs)
        return result.created, result.updated, result.unchanged

    stream = open_text(path)
    importer: Importer[TransactionSpec] = Importer(
        parse=_Parser(),
        key=_key,
        store=store,
        batch_size=settings.GOODWILL_IMPORT_BATCH_SIZE,
        strict=strict,
        rejects_path=rejects_path,
        progress=progress,
        key_label="transaction_id",
        read_ahead=read_ahead_wanted(path, settings.GOODWILL_IMPORT_READ_AHEAD_BYTES),
    )
    return importer.run(stream, csv_records(stream, required=REQUIRED, one_of=CUSTOMER_COLUMNS))
