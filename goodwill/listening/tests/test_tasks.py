from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from celery.contrib.testing.worker import start_worker
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.utils import IntegrityError, OperationalError
from django.test import override_settings
from hypothesis import given
from hypothesis import strategies as st

from goodwill.celery import app
from goodwill.conversations.models import Conversation
from goodwill.listening import tasks
from goodwill.listening.models import Message
from goodwill.listening.services import get_or_create_source, ingest_batch
from goodwill.listening.tasks import enqueue_ingest, ingest_items, item_from_dict, item_to_dict
from goodwill.listening.types import LabelItem, MessageItem

T0 = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)


def thread(n: int, prefix: str = "t") -> list[MessageItem]:
    """A customer post and n-1 alternating replies, the company answering."""
    items = []
    for i in range(n):
        company = i % 2 == 1
        items.append(
            MessageItem(
                channel="x",
                external_id=f"{prefix}{i}",
                author_id="AcmeSupport" if company else f"{prefix}-cust",
                author_handle="AcmeSupport" if company else f"{prefix}-cust",
                created_at=T0 + timedelta(minutes=7 * i),
                text=f"<b>message {i}</b> \u200f\u05e9\u05dc\u05d5\u05dd",
                in_reply_to=f"{prefix}{i - 1}" if i else "",
                is_from_company=company,
                likes=i,
                raw={"n": i},
                labels=[LabelItem(field="sentiment", value="neutral", origin="dataset:test")]
                if i == 0
                else [],
            )
        )
    return items


# -- serialisation -----------------------------------------------------------------------

item_strategy = st.builds(
    MessageItem,
    channel=st.sampled_from(["x", "reddit", "email"]),
    external_id=st.text(min_size=1, max_size=20),
    author_id=st.text(min_size=1, max_size=20),
    author_handle=st.text(max_size=20),
    created_at=st.datetimes(
        min_value=datetime(1990, 1, 1),
        max_value=datetime(2100, 1, 1),
        timezones=st.sampled_from([UTC, timezone(timedelta(hours=-8)), timezone(timedelta(0))]),
    ),
    text=st.text(max_size=200),
    in_reply_to=st.text(max_size=20),
    likes=st.integers(0, 10**9),
    followers=st.none() | st.integers(0, 10**9),
    is_from_company=st.booleans(),
    raw=st.dictionaries(st.text(max_size=5), st.integers() | st.text(max_size=5), max_size=3),
    labels=st.lists(
        st.builds(
            LabelItem,
            field=st.just("sentiment"),
            value=st.text(max_size=5),
            origin=st.just("agent"),
            confidence=st.none() | st.floats(0, 1),
        ),
        max_size=2,
    ),
)


@given(item_strategy)
def test_item_dict_round_trip_is_exact(item: MessageItem) -> None:
    import json

    data = json.loads(json.dumps(item_to_dict(item)))
    back = item_from_dict(data)
    assert back == item
    assert back.created_at.utcoffset() == item.created_at.utcoffset()
    assert back.content_hash() == item.content_hash()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"created_at": "yesterday"}, "created_at 'yesterday' is not ISO 8601"),
        ({"created_at": "2024-01-01T10:00:00"}, "has no time zone"),
        ({"created_at": None}, "is not ISO 8601"),
        ({"colour": "red"}, "unknown field(s) colour"),
        ({"labels": [{"field": "sentiment"}]}, "missing 2 required positional arguments"),
    ],
)
def test_malformed_item_dicts_name_the_item_and_field(change: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match="item 3 \\(x:t0\\)") as err:
        item_from_dict(item_to_dict(thread(1)[0]) | change, position=3)
    assert message in str(err.value)


def test_missing_created_at_is_named() -> None:
    data = item_to_dict(thread(1)[0])
    del data["created_at"]
    with pytest.raises(ValueError, match="item 0 \\(x:t0\\): created_at is missing"):
        item_from_dict(data)


# -- eager mode (no REDIS_URL) ---------------------------------------------------------


@pytest.mark.django_db
def test_eager_ingest_stores_messages_and_is_idempotent() -> None:
    assert app.conf.task_always_eager, "tests run without REDIS_URL: tasks are in-process"
    source = get_or_create_source(name="tasks-test", channel="x")
    payload = [item_to_dict(i) for i in thread(5)]
    first = ingest_items.delay(source.pk, payload).get()
    snapshot = list(
        Message.objects.order_by("external_id").values_list(
            "external_id", "text", "conversation_id", "source_id", "likes"
        )
    )
    again = ingest_items.delay(source.pk, payload).get()
    assert first == {"created": 5, "updated": 0, "unchanged": 0}
    assert again == {"created": 0, "updated": 0, "unchanged": 5}
    assert snapshot == list(
        Message.objects.order_by("external_id").values_list(
            "external_id", "text", "conversation_id", "source_id", "likes"
        )
    )
    assert Message.objects.get(external_id="t0").text == payload[0]["text"]
    conv = Conversation.objects.get()
    assert (conv.message_count, conv.started_by) == (5, "customer")
    assert conv.first_response_at == T0 + timedelta(minutes=7)


@pytest.mark.django_db
def test_duplicates_within_one_batch_are_stored_once() -> None:
    payload = [item_to_dict(i) for i in thread(3)]
    edited = dict(payload[1], text="edited")
    result = ingest_items.delay(None, [*payload, edited]).get()
    assert result["created"] == 3
    assert Message.objects.get(external_id="t1").text == "edited"


@pytest.mark.django_db
def test_unknown_source_is_an_error_and_stores_nothing() -> None:
    with pytest.raises(ValueError, match="source 999999 does not exist"):
        ingest_items.delay(999_999, [item_to_dict(i) for i in thread(2)]).get()
    assert not Message.objects.exists()


@pytest.mark.django_db
def test_enqueue_runs_on_commit_only(django_capture_on_commit_callbacks: Any) -> None:
    source = get_or_create_source(name="tasks-test", channel="x")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        batches = enqueue_ingest(source, thread(5), batch_size=2)
        assert not Message.objects.exists(), "nothing is sent before the commit"
    assert batches == 3
    assert len(callbacks) == 3
    assert Message.objects.filter(source=source).count() == 5
    assert Conversation.objects.get().message_count == 5


@pytest.mark.django_db(transaction=True)
def test_enqueue_in_a_rolled_back_transaction_sends_nothing() -> None:
    class Abort(Exception):
        pass

    with pytest.raises(Abort), transaction.atomic():
        enqueue_ingest(None, thread(3))
        raise Abort
    assert not Message.objects.exists()
    with transaction.atomic():
        enqueue_ingest(None, thread(3))
    assert Message.objects.count() == 3


@pytest.fixture
def eager_retries() -> Iterator[None]:
    """Let eager runs retry: with task_eager_propagates on, Celery raises Retry instead."""
    saved = app.conf.task_eager_propagates
    app.conf.task_eager_propagates = False
    try:
        yield
    finally:
        app.conf.task_eager_propagates = saved


@pytest.mark.django_db
@pytest.mark.usefixtures("eager_retries")
@pytest.mark.parametrize("error", [OperationalError, IntegrityError])
def test_transient_database_errors_are_retried(
    monkeypatch: pytest.MonkeyPatch, error: type[Exception]
) -> None:
    calls: list[int] = []

    def flaky(**kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) < 3:
            raise error("database is locked")
        return ingest_batch(**kwargs)

    monkeypatch.setattr(tasks, "ingest_batch", flaky)
    result = ingest_items.delay(None, [item_to_dict(i) for i in thread(2)]).get()
    assert (len(calls), result["created"]) == (3, 2)
    assert Message.objects.count() == 2


@pytest.mark.django_db
@pytest.mark.usefixtures("eager_retries")
def test_retries_stop_after_five(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []

    def broken(**kwargs: Any) -> Any:
        calls.append(1)
        raise OperationalError("database is locked")

    monkeypatch.setattr(tasks, "ingest_batch", broken)
    with pytest.raises(OperationalError, match="database is locked"):
        ingest_items.delay(None, [item_to_dict(i) for i in thread(2)]).get()
    assert len(calls) == 6  # the first run and five retries


@pytest.mark.django_db
@pytest.mark.usefixtures("eager_retries")
def test_bad_items_are_not_retried(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []

    def counted(data: dict[str, Any], *, position: int = 0) -> MessageItem:
        calls.append(position)
        return item_from_dict(data, position=position)

    monkeypatch.setattr(tasks, "item_from_dict", counted)
    with pytest.raises(ValueError, match="item 0 \\(x:1\\): created_at is missing"):
        ingest_items.delay(None, [{"channel": "x", "external_id": "1"}]).get()
    assert calls == [0]


# -- the worker command ----------------------------------------------------------------


def test_worker_refuses_without_redis() -> None:
    with override_settings(REDIS_URL=""), pytest.raises(CommandError, match="REDIS_URL is not set"):
        call_command("worker")


def test_worker_passes_its_options_to_celery(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[list[str]] = []
    monkeypatch.setattr(app, "worker_main", seen.append)
    with override_settings(REDIS_URL="redis://127.0.0.1:6379/0"):
        call_command("worker", "--beat", "--concurrency", "3", "--loglevel", "warning")
        with pytest.raises(CommandError, match="--concurrency must be at least 1"):
            call_command("worker", "--concurrency", "0")
    (argv,) = seen
    assert argv[0] == "worker"
    assert {"--beat", "--concurrency=3", "--loglevel=WARNING"} <= set(argv)
    assert any(a.startswith("--schedule=") for a in argv)


# -- a real worker on Redis --------------------------------------------------------------


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_real_worker_on_redis_stores_a_batch_sent_twice_once(redis_app: str) -> None:
    import celery.contrib.testing.tasks  # noqa: F401  (registers celery.ping for start_worker)

    source = get_or_create_source(name="redis-test", channel="x")
    payload = [item_to_dict(i) for i in thread(6, prefix="r")]
    with start_worker(app, pool="solo", concurrency=1, shutdown_timeout=30):
        first = ingest_items.delay(source.pk, payload)
        second = ingest_items.delay(source.pk, payload)
        # Generous: the first task loads the analysis models, and CI machines are shared.
        results = [first.get(timeout=240), second.get(timeout=240)]
    assert sorted(r["created"] for r in results) == [0, 6]
    assert sorted(r["unchanged"] for r in results) == [0, 6]
    assert Message.objects.filter(source=source).count() == 6
    assert Conversation.objects.get().message_count == 6
    assert not app.conf.task_always_eager  # still configured for Redis inside the test
