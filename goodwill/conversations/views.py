from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from goodwill.conversations import selectors
from goodwill.conversations.models import Conversation, Speaker
from goodwill.core import Channel
from goodwill.listening import selectors as listening_selectors

PAGE_SIZE = 50


def _choice(value: str | None, allowed: list[str]) -> str:
    return value if value in allowed else ""


@login_required
def conversation_list(request: HttpRequest) -> HttpResponse:
    """The inbox, for now: every conversation, most recently active first."""
    channel = _choice(request.GET.get("channel"), list(Channel.values))
    status = _choice(request.GET.get("status"), list(Conversation.Status.values))
    started_by = _choice(request.GET.get("started_by"), list(Speaker.values))
    qs = selectors.filter_conversations(channel=channel, status=status, started_by=started_by)
    page_obj = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "conversations/list.html",
        {
            "page_obj": page_obj,
            "channel": channel,
            "status": status,
            "started_by": started_by,
            "channels": Channel.choices,
            "statuses": Conversation.Status.choices,
            "speakers": Speaker.choices,
            "filtered": bool(channel or status or started_by),
        },
    )


@login_required
def conversation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    conversation = selectors.get_conversation(pk)
    if conversation is None:
        raise Http404("No such conversation.")
    thread = listening_selectors.conversation_messages(conversation.pk)
    # The wait before each company message that answers a customer one, shown in the thread.
    rows: list[dict[str, Any]] = []
    waiting_since: datetime | None = None
    for message in thread:
        wait = None
        if message.is_from_company and waiting_since is not None:
            wait = message.created_at - waiting_since
            waiting_since = None
        elif not message.is_from_company and waiting_since is None:
            waiting_since = message.created_at
        rows.append({"message": message, "wait": wait})
    first_response = None
    if conversation.first_response_at and conversation.started_at:
        first_response = conversation.first_response_at - conversation.started_at
    return render(
        request,
        "conversations/detail.html",
        {"conversation": conversation, "rows": rows, "first_response": first_response},
    )
