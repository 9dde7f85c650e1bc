"""Writes for customers, identities and transactions. The only place that writes them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from goodwill import bulk
from goodwill.core import Channel
from goodwill.customers.models import Customer, Identity, Transaction
from goodwill.utils import chunks


@dataclass(slots=True, frozen=True)
class IdentitySpec:
    channel: str
    external_id: str
    handle: str = ""
    display_name: str = ""
    followers: int | None = None
    profile_url: str = ""
    is_company: bool = False


@dataclass(slots=True, frozen=True)
class IdentityRef:
    identity_id: int
    customer_id: int | None


def ensure_identities(*, specs: Iterable[IdentitySpec]) -> dict[tuple[str, str], IdentityRef]:
    """Upsert identities by (channel, external id); new non-company identities get a Customer.

    Returns a map from (channel, external id) to the identity and its customer. Profile fields
    (handle, name, followers, URL) take the newest non-empty value. Must run inside a
    transaction (the ingest batch's).

    This is on the ingest hot path, so it reads tuples and writes with hand-written
    statements (goodwill.bulk): ~10x faster than bulk_create/bulk_update on 20,000
    generated messages with 5,000 authors.
    """
    by_key: dict[tuple[str, str], IdentitySpec] = {}
    for spec in specs:
        by_key[(spec.channel, spec.external_id)] = spec
    if not by_key:
        return {}
    refs: dict[tuple[str, str], IdentityRef] = {}
    changed: list[tuple[object, ...]] = []
    for pk, channel, external_id, handle, name, followers, url, customer in _load_identities(
        by_key.keys()
    ):
        key = (channel, external_id)
        refs[key] = IdentityRef(identity_id=pk, customer_id=customer)
        spec = by_key[key]
        new = (
            spec.handle or handle,
            spec.display_name or name,
            spec.profile_url or url,
            followers if spec.followers is None else spec.followers,
        )
        if new != (handle, name, url, followers):
            changed.append((*new, pk))
    bulk.update_rows(Identity, ("handle", "display_name", "profile_url", "followers"), changed)

    missing = [key for key in by_key if key not in refs]
    if missing:
        refs.update(_create_identities([by_key[key] for key in missing]))
    return refs


def _email_of(spec: IdentitySpec) -> str:
    """An email-channel identity is an address: the customer record carries it, which is the
    deterministic key identity resolution links other records by."""
    if spec.channel != Channel.EMAIL:
        return ""
    address = spec.external_id.strip().lower()
    local, at, domain = address.partition("@")
    return address if at and local and "." in domain and len(address) <= 254 else ""


def _create_identities(specs: list[IdentitySpec]) -> dict[tuple[str, str], IdentityRef]:
    now = timezone.now()
    people = [s for s in specs if not s.is_company]
    # Customers first, so each identity row is written once, already pointing at its customer.
    # RETURNING rows come back in VALUES order on SQLite and PostgreSQL (bulk_create relies
    # on the same).
    customer_ids = [
        row[0]
        for row in bulk.insert_rows(
            Customer,
            ("display_name", "email"),
            [((s.display_name or s.handle)[:255], _email_of(s)) for s in people],
            returning=("id",),
            now=now,
        )
    ]
    owner = {(s.channel, s.external_id): c for s, c in zip(people, customer_ids, strict=True)}
    rows = [
        (
            s.channel,
            s.external_id,
            s.handle,
            s.display_name,
            s.followers,
            s.profile_url,
            s.is_company,
            owner.get((s.channel, s.external_id)),
        )
        for s in specs
    ]
    refs: dict[tuple[str, str], IdentityRef] = {}
    for pk, channel, external_id, customer in bulk.insert_rows(
        Identity,
        (
            "channel",
            "external_id",
            "handle",
            "display_name",
            "followers",
            "profile_url",
            "is_company",
            "customer_id",
        ),
        rows,
        returning=("id", "channel", "external_id", "customer_id"),
        # A concurrent worker may have created the same identity: keep theirs.
        on_conflict_do_nothing=("channel", "external_id"),
        now=now,
    ):
        refs[(channel, external_id)] = IdentityRef(identity_id=pk, customer_id=customer)
    lost = [(s.channel, s.external_id) for s in specs if (s.channel, s.external_id) not in refs]
    if lost:
        unused = [owner[key] for key in lost if key in owner]
        for pk, channel, external_id, *_, customer in _load_identities(lost):
            refs[(channel, external_id)] = IdentityRef(identity_id=pk, customer_id=customer)
        Customer.objects.filter(id__in=unused).delete()
    return refs


def _load_identities(
    keys: Iterable[tuple[str, str]],
) -> list[tuple[int, str, str, str, str, int | None, str, int | None]]:
    """(id, channel, external id, handle, display name, followers, profile URL, customer id)."""
    by_channel: dict[str, list[str]] = {}
    for channel, external_id in keys:
        by_channel.setdefault(channel, []).append(external_id)
    found = []
    for channel, ids in by_channel.items():
        found.extend(
            bulk.select_in(
                Identity,
                (
                    "id",
                    "channel",
                    "external_id",
                    "handle",
                    "display_name",
                    "followers",
                    "profile_url",
                    "customer_id",
                ),
                "external_id",
                ids,
                where={"channel": channel},
            )
        )
    return found


@dataclass(slots=True, frozen=True)
class TransactionSpec:
    external_id: str
    occurred_at: datetime
    amount: Decimal
    currency: str
    customer_external_id: str = ""
    email: str = ""


@dataclass(slots=True)
class TransactionBatchResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@transaction.atomic
def record_transactions(*, specs: Sequence[TransactionSpec]) -> TransactionBatchResult:
    """Upsert transactions by external id, creating customers by external id or email."""
    result = TransactionBatchResult()
    if not specs:
        return result
    customer_ids = _customers_for(specs)
    existing: dict[str, Transaction] = {}
    ext_ids = [s.external_id for s in specs]
    for chunk in chunks(ext_ids):
        for tx in Transaction.objects.filter(external_id__in=chunk):
            existing[tx.external_id] = tx
    new: list[Transaction] = []
    changed: list[Transaction] = []
    for spec in specs:
        customer_id = customer_ids[_customer_key(spec)]
        found = existing.get(spec.external_id)
        if found is None:
            new.append(
                Transaction(
                    customer_id=customer_id,
                    external_id=spec.external_id,
                    occurred_at=spec.occurred_at,
                    amount=spec.amount,
                    currency=spec.currency,
                )
            )
            continue
        tx = found
        if (tx.customer_id, tx.occurred_at, tx.amount, tx.currency) == (
            customer_id,
            spec.occurred_at,
            spec.amount,
            spec.currency,
        ):
            result.unchanged += 1
            continue
        tx.customer_id, tx.occurred_at = customer_id, spec.occurred_at
        tx.amount, tx.currency = spec.amount, spec.currency
        changed.append(tx)
    Transaction.objects.bulk_create(new, batch_size=500)
    if changed:
        Transaction.objects.bulk_update(
            changed, ["customer", "occurred_at", "amount", "currency"], batch_size=500
        )
    result.created += len(new)
    result.updated += len(changed)
    return result


def _customer_key(spec: TransactionSpec) -> tuple[str, str]:
    if spec.customer_external_id:
        return ("external_id", spec.customer_external_id)
    return ("email", spec.email.lower())


def _customers_for(specs: Sequence[TransactionSpec]) -> dict[tuple[str, str], int]:
    keys = {_customer_key(s) for s in specs}
    ext_ids = sorted(v for k, v in keys if k == "external_id")
    emails = sorted(v for k, v in keys if k == "email")
    found: dict[tuple[str, str], int] = {}
    for chunk in chunks(ext_ids):
        for pk, ext in Customer.objects.filter(external_id__in=chunk).values_list(
            "id", "external_id"
        ):
            found[("external_id", ext or "")] = pk
    for chunk in chunks(emails):
        # A merged-away customer keeps its email; prefer the surviving record.
        rows = (
            Customer.objects.filter(email__in=chunk)
            .order_by("merged_into_id", "id")
            .values_list("id", "email", "merged_into_id")
        )
        for pk, email, merged_into in rows:
            found.setdefault(("email", (email or "").lower()), merged_into or pk)
    missing = [k for k in keys if k not in found]
    if missing:
        created = Customer.objects.bulk_create(
            [
                Customer(external_id=v) if k == "external_id" else Customer(email=v)
                for k, v in missing
            ],
            batch_size=500,
        )
        for key, customer in zip(missing, created, strict=True):
            found[key] = customer.pk
    return found
