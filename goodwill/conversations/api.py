"""Read endpoints for conversations: GET /api/conversations and /api/conversations/{id}."""

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate

from goodwill.api import Page
from goodwill.conversations import selectors
from goodwill.conversations.models import Conversation, Speaker
from goodwill.core import Channel
from goodwill.listening import selectors as listening_selectors
from goodwill.listening.api import MessageOut

router = Router(tags=["conversations"])


class ConversationOut(Schema):
    id: int
    channel: str
    root_external_id: str
    customer_id: int | None
    status: str
    started_at: datetime | None
    started_by: str
    last_message_at: datetime | None
    first_response_at: datetime | None
    first_response_seconds: float | None
    message_count: int
    customer_message_count: int
    company_message_count: int

    @staticmethod
    def resolve_first_response_seconds(obj: Conversation) -> float | None:
        if obj.first_response_at is None or obj.started_at is None:
            return None
        return (obj.first_response_at - obj.started_at).total_seconds()


class ConversationDetailOut(ConversationOut):
    messages: list[MessageOut]

    @staticmethod
    def resolve_messages(obj: Conversation) -> list[Any]:
        return listening_selectors.conversation_messages(obj.pk)


class ConversationQuery(Schema):
    channel: Channel | None = Field(None, description="Only this channel.")
    status: Conversation.Status | None = Field(None, description="open, pending or resolved.")
    started_by: Speaker | None = Field(None, description="customer or company.")
    customer: int | None = Field(None, ge=1, description="Customer id.")


@router.get("", response=list[ConversationOut], summary="List conversations, latest first")
@paginate(Page)
def list_conversations(request: HttpRequest, filters: Query[ConversationQuery]) -> Any:
    return selectors.filter_conversations(
        channel=filters.channel.value if filters.channel else "",
        status=filters.status.value if filters.status else "",
        started_by=filters.started_by.value if filters.started_by else "",
        customer_id=filters.customer,
    )


@router.get("/{conversation_id}", response=ConversationDetailOut, summary="One conversation")
def get_conversation(request: HttpRequest, conversation_id: int) -> Any:
    conversation = selectors.get_conversation(conversation_id)
    if conversation is None:
        raise HttpError(404, f"conversation {conversation_id} not found")
    return conversation
