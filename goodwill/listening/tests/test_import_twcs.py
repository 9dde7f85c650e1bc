"""The Customer Support on Twitter importer: threads, company versus customer authors."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from goodwill.conversations.models import Conversation
from goodwill.customers.models import Identity
from goodwill.importing import BadValue
from goodwill.listening.importers import import_messages
from goodwill.listening.importers.twcs import parse_created_at
from goodwill.listening.models import Message

SAMPLE = Path(__file__).parent / "data" / "twcs_sample.csv"


def at(day: int, hh: int, mm: int, ss: int) -> datetime:
    return datetime(2017, 11, day, hh, mm, ss, tzinfo=UTC)


@pytest.mark.parametrize("batch_size", [2, 1000])
@pytest.mark.django_db
def test_threads_and_authors_are_rebuilt_whatever_the_batching(
    settings: Any, batch_size: int
) -> None:
    settings.GOODWILL_IMPORT_BATCH_SIZE = batch_size
    summary = import_messages(SAMPLE)
    assert (summary.read, summary.created, summary.rejected) == (10, 8, 2)
    assert [(e.line, e.field) for e in summary.errors] == [(11, "created_at"), (12, "inbound")]

    threads = {c.root_external_id: c for c in Conversation.objects.all()}
    assert set(threads) == {"10", "20", "30"}
    flight = threads["10"]
    assert (flight.message_count, flight.company_message_count) == (4, 2)
    assert flight.started_by == "customer"
    assert flight.first_response_at == at(6, 9, 12, 41)
    assert threads["20"].first_response_at is None
    assert threads["30"].message_count == 3
    by_id = {m.external_id: m for m in Message.objects.all()}
    assert {by_id[i].conversation_id for i in ("10", "11", "12", "13")} == {flight.pk}
    assert by_id["13"].in_reply_to == "12"  # "12.0" in the file
    assert by_id["11"].is_from_company and not by_id["10"].is_from_company
    assert by_id["12"].text == "@AcmeAirSupport done, sent it.\nCode is in the DM"
    assert by_id["30"].raw == {"response_tweet_id": "31,32"}

    support = Identity.objects.get(channel="x", external_id="AcmeAirSupport")
    assert support.is_company and support.customer_id is None
    assert Identity.objects.get(external_id="200101").customer_id is not None


@pytest.mark.django_db
def test_twcs_import_is_idempotent() -> None:
    import_messages(SAMPLE, format="twcs")
    again = import_messages(SAMPLE, format="twcs")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 8)
    assert Conversation.objects.count() == 3


@given(st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2100, 1, 1)))
def test_twitter_time_format_round_trips(moment: datetime) -> None:
    moment = moment.replace(microsecond=0, tzinfo=UTC)
    assert parse_created_at(moment.strftime("%a %b %d %H:%M:%S +0000 %Y")) == moment


@pytest.mark.parametrize(
    "text",
    ["", "2017-10-31 22:10:47", "Tue Foo 31 22:10:47 +0000 2017", "Tue Feb 30 10:00:00 +0000 2017"],
)
def test_bad_twitter_times_name_the_field(text: str) -> None:
    with pytest.raises(BadValue) as caught:
        parse_created_at(text)
    assert caught.value.field == "created_at"
