"""Read endpoints for messages: GET /api/messages and /api/messages/{id}."""

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate

from goodwill.accounts.permissions import Capability, require
from goodwill.api import Page, aware
from goodwill.core import Channel
from goodwill.listening import labelling, selectors

router = Router(tags=["messages"])


class AuthorOut(Schema):
    id: int
    channel: str
    external_id: str
    handle: str
    display_name: str
    followers: int | None
    customer_id: int | None


class MessageOut(Schema):
    id: int
    channel: str
    external_id: str
    author: AuthorOut | None
    is_from_company: bool
    text: str
    created_at: datetime
    url: str
    in_reply_to: str
    conversation_id: int | None
    likes: int
    shares: int
    replies: int
    language: str
    sentiment: str
    intent: str


class MessageQuery(Schema):
    channel: Channel | None = Field(None, description="Only this channel.")
    since: datetime | None = Field(None, description="Created at or after (ISO 8601).")
    until: datetime | None = Field(None, description="Created before (ISO 8601).")
    author: str | None = Field(None, max_length=255, description="Author handle (@ optional).")
    conversation: int | None = Field(None, ge=1, description="Conversation id.")
    customer: int | None = Field(None, ge=1, description="Customer id (any of their identities).")
    q: str | None = Field(None, max_length=200, description="Substring of the text.")
    is_from_company: bool | None = Field(None, description="Company (true) or customers (false).")


@router.get("", response=list[MessageOut], summary="List messages, newest first")
@paginate(Page)
def list_messages(request: HttpRequest, filters: Query[MessageQuery]) -> Any:
    return selectors.filter_messages(
        selectors.MessageFilters(
            channel=filters.channel.value if filters.channel else "",
            since=aware(filters.since),
            until=aware(filters.until),
            author=filters.author or "",
            q=filters.q or "",
            is_from_company=filters.is_from_company,
            customer_id=filters.customer,
            conversation_id=filters.conversation,
        )
    )


@router.get("/{message_id}", response=MessageOut, summary="One message")
def get_message(request: HttpRequest, message_id: int) -> Any:
    message = selectors.get_message(message_id)
    if message is None:
        raise HttpError(404, f"message {message_id} not found")
    return message


class CorrectionIn(Schema):
    field: str = Field(..., description="sentiment, intent or topics.")
    value: str | list[str] = Field(
        ...,
        description=(
            "sentiment: negative|neutral|positive; intent: one of the intents; "
            "topics: a list of topic names of the current taxonomy ([] for none)."
        ),
    )


class CorrectionOut(Schema):
    field: str
    value: str | list[str]
    created_by_id: int | None
    created_at: datetime


@router.get(
    "/{message_id}/corrections",
    response=list[CorrectionOut],
    summary="The team's corrections of a message (the model's values stay on the message)",
)
def list_corrections(request: HttpRequest, message_id: int) -> Any:
    if selectors.get_message(message_id) is None:
        raise HttpError(404, f"message {message_id} not found")
    return list(labelling.corrections_of(message_id).values())


@router.post(
    "/{message_id}/corrections",
    response={200: CorrectionOut},
    summary="Correct the sentiment, intent or topics of a message (stored as an agent label)",
)
def correct_message(request: HttpRequest, message_id: int, payload: CorrectionIn) -> Any:
    require(request.user, Capability.LABELS_CORRECT)
    if selectors.get_message(message_id) is None:
        raise HttpError(404, f"message {message_id} not found")
    try:
        return labelling.correct_message(
            message_id=message_id, field=payload.field, value=payload.value, actor=request.user
        )
    except labelling.CorrectionError as exc:
        raise HttpError(422, str(exc)) from None
