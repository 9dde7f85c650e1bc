"""Property tests for the row parsers: any text survives CSV/JSONL -> import -> database."""

from __future__ import annotations

import csv
import itertools
import json
import tempfile
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from goodwill.importing import BadValue, aware_datetime_value, count_value
from goodwill.listening.importers import import_messages
from goodwill.listening.models import Message

# Everything but NUL; CSV files are UTF-8 bytes, so they cannot hold lone surrogates at all.
STORABLE = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"))
ANY_TEXT = st.text(st.characters(), max_size=40)
HEADER = ["external_id", "channel", "author_handle", "created_at", "text"]
_ids = itertools.count()


def _batch_ids(n: int) -> list[str]:
    return [f"p{next(_ids)}" for _ in range(n)]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts=st.lists(STORABLE, min_size=1, max_size=4))
@pytest.mark.django_db
def test_any_text_round_trips_through_csv_verbatim(texts: list[str]) -> None:
    ids = _batch_ids(len(texts))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "m.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(HEADER)
            for ext, text in zip(ids, texts, strict=True):
                writer.writerow([ext, "x", "al", "2024-01-01T00:00:00Z", text])
        summary = import_messages(path, format="csv")
    assert (summary.created, summary.rejected) == (len(texts), 0)
    stored = dict(Message.objects.filter(external_id__in=ids).values_list("external_id", "text"))
    assert stored == dict(zip(ids, texts, strict=True))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts=st.lists(ANY_TEXT, min_size=1, max_size=4))
@pytest.mark.django_db
def test_jsonl_stores_any_valid_text_and_rejects_nul_and_lone_surrogates(
    texts: list[str],
) -> None:
    ids = _batch_ids(len(texts))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "m.jsonl"
        with path.open("w", encoding="utf-8") as handle:
            for ext, text in zip(ids, texts, strict=True):
                record = {
                    "external_id": ext,
                    "channel": "x",
                    "author_handle": "al",
                    "created_at": "2024-01-01T00:00:00Z",
                    "text": text,
                }
                handle.write(json.dumps(record) + "\n")  # ensure_ascii: surrogates as \ud800
        summary = import_messages(path)
    bad = {
        ext
        for ext, text in zip(ids, texts, strict=True)
        if "\x00" in text or any("\ud800" <= c <= "\udfff" for c in text)
    }
    assert summary.rejected == len(bad)
    assert {e.field for e in summary.errors} <= {"text"}
    stored = dict(Message.objects.filter(external_id__in=ids).values_list("external_id", "text"))
    assert stored == {e: t for e, t in zip(ids, texts, strict=True) if e not in bad}


@given(st.integers(min_value=0, max_value=2**31 - 1), st.sampled_from(["{}", " {} ", "{}.0"]))
def test_counts_accept_whole_numbers_as_written(number: int, shape: str) -> None:
    assert count_value({"likes": shape.format(number)}, "likes") == number
    assert count_value({"likes": number}, "likes") == number


@given(st.one_of(st.integers(max_value=-1), st.floats(allow_nan=True).filter(lambda f: f % 1 != 0)))
def test_counts_reject_negative_and_fractional_numbers(value: float) -> None:
    with pytest.raises(BadValue) as caught:
        count_value({"likes": str(value)}, "likes")
    assert caught.value.field == "likes"


@given(ANY_TEXT)
def test_count_parser_only_ever_raises_bad_value(text: str) -> None:
    try:
        count_value({"n": text}, "n")
    except BadValue as exc:
        assert exc.field == "n"


@given(
    st.datetimes(min_value=datetime(1900, 1, 2), max_value=datetime(2999, 12, 30)),
    st.integers(min_value=-14 * 60, max_value=14 * 60),
)
def test_aware_times_keep_their_instant_and_naive_ones_are_rejected(
    moment: datetime, offset_minutes: int
) -> None:
    zone = timezone(timedelta(minutes=offset_minutes))
    aware = moment.replace(tzinfo=zone)
    parsed = aware_datetime_value({"created_at": aware.isoformat()}, "created_at")
    assert parsed.astimezone(UTC) == aware.astimezone(UTC)
    assert aware_datetime_value({"t": moment.isoformat() + "Z"}, "t") == moment.replace(tzinfo=UTC)
    with pytest.raises(BadValue, match="no timezone"):
        aware_datetime_value({"created_at": moment.isoformat()}, "created_at")
