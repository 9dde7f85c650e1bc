"""Test helpers shared by the view, API and browser tests: data goes in through the services."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from goodwill.accounts import services as account_services
from goodwill.customers.services import TransactionSpec, record_transactions
from goodwill.listening.services import ingest_batch
from goodwill.listening.types import BatchResult, MessageItem

T0 = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
PASSWORD = "correct-horse-battery-9"
HOSTILE = '<script>alert("pwned")</script><img src=x onerror=alert(1)>'


def post(
    ext: str,
    author: str,
    minutes: float = 0,
    *,
    channel: str = "x",
    reply_to: str = "",
    company: bool = False,
    text: str | None = None,
    likes: int = 0,
    followers: int | None = None,
) -> MessageItem:
    return MessageItem(
        channel=channel,
        external_id=ext,
        author_id=author,
        author_handle=author,
        author_name=author.title(),
        created_at=T0 + timedelta(minutes=minutes),
        text=f"message {ext} from {author}" if text is None else text,
        in_reply_to=reply_to,
        is_from_company=company,
        likes=likes,
        followers=followers,
    )


def ingest(items: Iterable[MessageItem]) -> BatchResult:
    return ingest_batch(source=None, items=list(items))


def buy(customer_external_id: str, *amounts: str, currency: str = "USD") -> None:
    record_transactions(
        specs=[
            TransactionSpec(
                external_id=f"{customer_external_id}-{i}",
                occurred_at=T0 - timedelta(days=30 * (i + 1)),
                amount=Decimal(a),
                currency=currency,
                customer_external_id=customer_external_id,
            )
            for i, a in enumerate(amounts)
        ]
    )


def make_user(username: str = "agent", *, staff: bool = False) -> Any:
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_user(
        username=username, password=PASSWORD, is_staff=staff, is_superuser=staff
    )


def make_token(user: Any, name: str = "tests") -> str:
    return account_services.create_api_token(user=user, name=name)[1]


def row_ids(html: str, attr: str) -> list[int]:
    """The ids of the rows a page lists, from their data-<attr> attributes, in page order."""
    return [int(x) for x in re.findall(rf'data-{attr}="(\d+)"', html)]


@pytest.fixture
def user(db: None) -> Any:
    return make_user()


@pytest.fixture
def signed_in(client: Any, user: Any) -> Any:
    client.force_login(user)
    return client


@pytest.fixture
def api_client(client: Any, user: Any) -> Any:
    """A test client that sends a valid bearer token with every request."""
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {make_token(user)}"
    return client
