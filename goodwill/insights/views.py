from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from goodwill.conversations import selectors as conversation_selectors
from goodwill.customers import selectors as customer_selectors
from goodwill.listening import selectors as listening_selectors


@login_required
def home(request: HttpRequest) -> HttpResponse:
    context = {
        "per_channel": listening_selectors.messages_per_channel(),
        "messages": listening_selectors.message_count(),
        "customers": customer_selectors.customer_count(),
        "conversations": conversation_selectors.conversation_count(),
    }
    return render(request, "insights/home.html", context)
