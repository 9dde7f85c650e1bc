"""Read endpoints for customers: GET /api/customers and /api/customers/{id}."""

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate

from goodwill.api import Page
from goodwill.customers import selectors

router = Router(tags=["customers"])


class IdentityOut(Schema):
    id: int
    channel: str
    external_id: str
    handle: str
    display_name: str
    followers: int | None
    profile_url: str


class CustomerOut(Schema):
    id: int
    display_name: str
    email: str
    external_id: str | None
    created_at: datetime
    identities: list[IdentityOut]
    transaction_count: int = Field(..., alias="tx_count")
    total_spent: Decimal = Field(..., alias="tx_total", description="Sum over all currencies.")
    last_purchase_at: datetime | None


class SpendTotalOut(Schema):
    currency: str
    count: int
    total: Decimal


class CustomerDetailOut(Schema):
    id: int
    display_name: str
    email: str
    phone: str
    external_id: str | None
    created_at: datetime
    merged_into_id: int | None
    identities: list[IdentityOut]
    totals: list[SpendTotalOut]


class CustomerQuery(Schema):
    q: str | None = Field(
        None, max_length=200, description="Name, email, handle or display name substring, or id."
    )
    email: str | None = Field(None, max_length=254, description="Exact email (any case).")
    external_id: str | None = Field(None, max_length=255, description="The company's customer id.")


@router.get("", response=list[CustomerOut], summary="List customers, newest first")
@paginate(Page)
def list_customers(request: HttpRequest, filters: Query[CustomerQuery]) -> Any:
    return selectors.search_customers(
        q=filters.q or "", email=filters.email or "", external_id=filters.external_id or ""
    )


@router.get("/{customer_id}", response=CustomerDetailOut, summary="One customer")
def get_customer(request: HttpRequest, customer_id: int) -> Any:
    customer = selectors.get_customer(customer_id)
    if customer is None:
        raise HttpError(404, f"customer {customer_id} not found")
    return {
        "id": customer.pk,
        "display_name": customer.display_name,
        "email": customer.email,
        "phone": customer.phone,
        "external_id": customer.external_id,
        "created_at": customer.created_at,
        "merged_into_id": customer.merged_into_id,
        "identities": selectors.customer_identities(customer.pk),
        "totals": selectors.transaction_totals(customer.pk),
    }
