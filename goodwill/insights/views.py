from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers

from goodwill.conversations import selectors as conversation_selectors
from goodwill.core import Channel
from goodwill.customers import selectors as customer_selectors
from goodwill.listening import selectors as listening_selectors


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The home page; htmx polls it for the `counts` partial of the same template."""
    labels = dict(Channel.choices)
    per_channel = listening_selectors.messages_per_channel()
    total = sum(per_channel.values())
    top = max(per_channel.values(), default=0)
    channels = [
        {
            "channel": channel,
            "label": labels.get(channel, channel),
            "count": n,
            "share": 100 * n / total if total else 0,
            "width": 100 * n / top if top else 0,
        }
        for channel, n in sorted(per_channel.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    context = {
        "channels": channels,
        "message_total": total,
        "customers": customer_selectors.customer_count(),
        "conversations": conversation_selectors.conversation_count(),
    }
    if request.headers.get("HX-Request") == "true":
        response = render(request, "insights/home.html#counts", context)
    else:
        context["latest"] = listening_selectors.filter_messages(
            listening_selectors.MessageFilters()
        )[:6]
        response = render(request, "insights/home.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response
