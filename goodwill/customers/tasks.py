"""Scheduled identity resolution: deterministic links and new match suggestions.

Ingest already links what a message proves (an order number, an email); this pass also
merges customers sharing a verified contact and refreshes the review queue's suggestions.
Idempotent: a rejected suggestion is never made again, an existing one is not duplicated.
"""

from __future__ import annotations

from datetime import timedelta

from goodwill.customers import services
from goodwill.schedule import periodic


@periodic("customers.resolve_identities", every=timedelta(hours=6))
def resolve_identities() -> None:
    services.resolve_identities()
