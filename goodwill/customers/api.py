"""Customers: list and read, merge and undo, and the identity review queue."""

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate

from goodwill.accounts.permissions import Capability, require
from goodwill.api import Page
from goodwill.customers import selectors, services

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


# --------------------------------------------------------------------------- identity resolution


class MergeIn(Schema):
    other: int = Field(..., description="The customer to merge into this one.")
    reason: str = Field("", max_length=500, description="Why (kept as the merge's evidence).")


class MergeOut(Schema):
    id: int
    into_id: int
    other_id: int
    kind: str
    evidence: dict[str, Any]
    moved_identity_ids: list[int]
    moved_transaction_ids: list[int]
    moved_conversation_ids: list[int]
    created_at: datetime
    undone_at: datetime | None


class SuggestionOut(Schema):
    id: int
    status: str
    confidence: float
    evidence: list[dict[str, Any]]
    identity_a: IdentityOut
    identity_b: IdentityOut
    customer_a_id: int | None = Field(None, alias="identity_a.customer_id")
    customer_b_id: int | None = Field(None, alias="identity_b.customer_id")
    merge_id: int | None


class SuggestionQuery(Schema):
    status: Literal["pending", "accepted", "rejected", ""] = Field(
        "pending", description="Only suggestions with this status; empty for all."
    )


@router.post(
    "/{int:customer_id}/merge", response=MergeOut, summary="Merge another customer into this one"
)
def merge_customer(request: HttpRequest, customer_id: int, body: MergeIn) -> Any:
    require(request.user, Capability.CUSTOMERS_MERGE)
    try:
        return services.merge_customers(
            into=customer_id,
            other=body.other,
            actor=request.user,
            evidence={"kind": "operator", "reason": body.reason},
        )
    except services.MergeError as exc:
        raise HttpError(400, str(exc)) from exc


class LinkIn(Schema):
    identity_id: int = Field(..., description="The channel account that is this customer.")


class LinkOut(Schema):
    merge: MergeOut | None = Field(None, description="None when it was this customer already.")


@router.post(
    "/{int:customer_id}/link",
    response=LinkOut,
    summary="Say a channel account is this customer (an explicit account link)",
)
def link_identity(request: HttpRequest, customer_id: int, body: LinkIn) -> Any:
    require(request.user, Capability.CUSTOMERS_MERGE)
    try:
        merge = services.link_identity(
            identity_id=body.identity_id, customer_id=customer_id, actor=request.user, source="api"
        )
    except services.MergeError as exc:
        raise HttpError(400, str(exc)) from exc
    return {"merge": merge}


@router.get("/{int:customer_id}/merges", response=list[MergeOut], summary="Merges in or out")
def list_merges(request: HttpRequest, customer_id: int) -> Any:
    return selectors.customer_merges(customer_id)


@router.post("/merges/{int:merge_id}/undo", response=MergeOut, summary="Undo a merge")
def undo_merge(request: HttpRequest, merge_id: int) -> Any:
    require(request.user, Capability.CUSTOMERS_MERGE)
    try:
        return services.unmerge(merge=merge_id, actor=request.user)
    except services.MergeError as exc:
        raise HttpError(400, str(exc)) from exc


@router.get(
    "/suggestions", response=list[SuggestionOut], summary="Identity review queue, likeliest first"
)
@paginate(Page)
def list_suggestions(request: HttpRequest, filters: Query[SuggestionQuery]) -> Any:
    return selectors.suggestions(status=filters.status)


@router.post(
    "/suggestions/{int:suggestion_id}/{action}",
    response=SuggestionOut,
    summary="Accept (merge) or reject a suggestion",
)
def decide_suggestion(
    request: HttpRequest, suggestion_id: int, action: Literal["accept", "reject"]
) -> Any:
    require(request.user, Capability.IDENTITIES_REVIEW)
    decide = services.accept_suggestion if action == "accept" else services.reject_suggestion
    try:
        return decide(suggestion=suggestion_id, actor=request.user)
    except services.MergeError as exc:
        raise HttpError(400, str(exc)) from exc


# Last: its path matches any segment, so the fixed paths above (/suggestions) go first.
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
