from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from goodwill.accounts.permissions import Capability, require
from goodwill.conversations import selectors as conversation_selectors
from goodwill.customers import selectors, services
from goodwill.customers.models import MatchSuggestion
from goodwill.listening import selectors as listening_selectors

PAGE_SIZE = 50


@login_required
def customer_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:200]
    page_obj = Paginator(selectors.search_customers(q=q), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "customers/list.html", {"page_obj": page_obj, "q": q})


@login_required
def customer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    customer = selectors.get_customer(pk)
    if customer is None:
        raise Http404("No such customer.")
    if customer.merged_into_id is not None:
        # A merged-away record lives on in the customer it was merged into.
        return redirect("customers:detail", pk=customer.merged_into_id)
    context = {
        "customer": customer,
        "identities": selectors.customer_identities(customer.pk),
        "totals": selectors.transaction_totals(customer.pk),
        "transactions": selectors.recent_transactions(customer.pk, limit=20),
        "recent_messages": listening_selectors.customer_messages(customer.pk, limit=20),
        "conversations": list(
            conversation_selectors.filter_conversations(customer_id=customer.pk)[:20]
        ),
        "merges": selectors.customer_merges(customer.pk),
    }
    return render(request, "customers/detail.html", context)


@login_required
@require_POST
def customer_merge(request: HttpRequest, pk: int) -> HttpResponse:
    """Merge another customer (by id, from the form) into this one."""
    require(request.user, Capability.CUSTOMERS_MERGE)
    raw = request.POST.get("other", "").strip().lstrip("#")
    if not raw.isdigit():
        messages.error(request, f"customer {pk}: 'other' must be a customer id, not {raw!r}")
        return redirect("customers:detail", pk=pk)
    reason = request.POST.get("reason", "").strip()[:500]
    try:
        merge = services.merge_customers(
            into=pk,
            other=int(raw),
            actor=request.user,
            evidence={"kind": "operator", "reason": reason},
        )
    except services.MergeError as exc:
        messages.error(request, str(exc))
        return redirect("customers:detail", pk=pk)
    messages.success(request, f"Customer {merge.other_id} merged into customer {merge.into_id}.")
    return redirect("customers:detail", pk=merge.into_id)


@login_required
@require_POST
def merge_undo(request: HttpRequest, merge_id: int) -> HttpResponse:
    require(request.user, Capability.CUSTOMERS_MERGE)
    try:
        merge = services.unmerge(merge=merge_id, actor=request.user)
    except services.MergeError as exc:
        messages.error(request, str(exc))
        return _back(request, reverse("customers:list"))
    messages.success(
        request, f"Merge undone: customer {merge.other_id} is separate from {merge.into_id} again."
    )
    return _back(request, reverse("customers:detail", args=[merge.into_id]))


REVIEW_PAGE_SIZE = 50
REVIEW_TABS = [*MatchSuggestion.Status.choices, ("", "All")]


@login_required
def review_queue(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", MatchSuggestion.Status.PENDING)
    if status not in {value for value, _ in REVIEW_TABS}:
        status = MatchSuggestion.Status.PENDING
    page_obj = Paginator(selectors.suggestions(status=status), REVIEW_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    counts = selectors.suggestion_counts()
    context = {
        "page_obj": page_obj,
        "status": status,
        "tabs": [
            (value, label, counts.get(value, 0) if value else sum(counts.values()))
            for value, label in REVIEW_TABS
        ],
    }
    return render(request, "customers/review.html", context)


@login_required
@require_POST
def review_decide(request: HttpRequest, suggestion_id: int, action: str) -> HttpResponse:
    require(request.user, Capability.IDENTITIES_REVIEW)
    decide = {"accept": services.accept_suggestion, "reject": services.reject_suggestion}.get(
        action
    )
    if decide is None:
        raise Http404(f"no action {action!r}")
    try:
        found = decide(suggestion=suggestion_id, actor=request.user)
    except services.MergeError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Suggestion {found.pk} {found.status}.")
    return _back(request, reverse("customers:review"))


def _back(request: HttpRequest, default: str) -> HttpResponse:
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = default
    return redirect(target)
