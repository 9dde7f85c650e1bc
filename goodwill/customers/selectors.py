from __future__ import annotations

from goodwill.customers.models import Customer


def customer_count() -> int:
    """Customers that are people in their own right (merged-away records excluded)."""
    return Customer.objects.filter(merged_into__isnull=True).count()
