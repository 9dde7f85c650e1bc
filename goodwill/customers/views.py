from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from goodwill.conversations import selectors as conversation_selectors
from goodwill.customers import selectors
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
    }
    return render(request, "customers/detail.html", context)
