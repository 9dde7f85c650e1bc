"""Writes for customers, identities and transactions. The only place that writes them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import transaction

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
    """
    by_key: dict[tuple[str, str], IdentitySpec] = {}
    for spec in specs:
        by_key[(spec.channel, spec.external_id)] = spec
    if not by_key:
        return {}
    existing = _load_identities(by_key.keys())
    changed: list[Identity] = []
    for key, ident in existing.items():
        spec = by_key[key]
        dirty = False
        for attr in ("handle", "display_name", "profile_url"):
            value = getattr(spec, attr)
            if value and getattr(ident, attr) != value:
                setattr(ident, attr, value)
                dirty = True
        if spec.followers is not None and ident.followers != spec.followers:
            ident.followers = spec.followers
            dirty = True
        if dirty:
            changed.append(ident)
    if changed:
        Identity.objects.bulk_update(
            changed, ["handle", "display_name", "profile_url", "followers"], batch_size=500
        )

    missing = [key for key in by_key if key not in existing]
    if missing:
        Identity.objects.bulk_create(
            [
                Identity(
                    channel=by_key[key].channel,
                    external_id=by_key[key].external_id,
                    handle=by_key[key].handle,
                    display_name=by_key[key].display_name,
                    followers=by_key[key].followers,
                    profile_url=by_key[key].profile_url,
                    is_company=by_key[key].is_company,
                )
                for key in missing
            ],
            batch_size=500,
            ignore_conflicts=True,  # a concurrent worker may have created the same identity
        )
        created = _load_identities(missing)
        orphans = [i for i in created.values() if i.customer_id is None and not i.is_company]
        if orphans:
            customers = Customer.objects.bulk_create(
                [Customer(display_name=i.display_name or i.handle) for i in orphans], batch_size=500
            )
            for ident, customer in zip(orphans, customers, strict=True):
                ident.customer_id = customer.pk
            Identity.objects.bulk_update(orphans, ["customer"], batch_size=500)
        existing.update(created)
    return {
        key: IdentityRef(identity_id=ident.pk, customer_id=ident.customer_id)
        for key, ident in existing.items()
    }


def _load_identities(keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Identity]:
    by_channel: dict[str, list[str]] = {}
    for channel, external_id in keys:
        by_channel.setdefault(channel, []).append(external_id)
    found: dict[tuple[str, str], Identity] = {}
    for channel, ids in by_channel.items():
        for chunk in chunks(ids):
            for ident in Identity.objects.filter(channel=channel, external_id__in=chunk).only(
                "id",
                "channel",
                "external_id",
                "handle",
                "display_name",
                "followers",
                "profile_url",
                "is_company",
                "customer_id",
            ):
                found[(ident.channel, ident.external_id)] = ident
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
