from __future__ import annotations

import csv
import json
import random
from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from goodwill.insights import selectors
from goodwill.insights.tests.twcs_world import (
    TWITTER_TIME,
    expected_report,
    generate_twcs,
    threads_from_file,
)
from goodwill.listening.services import ingest_batch
from goodwill.listening.types import MessageItem

KEYS = ["customer_started", "responded", "response_rate", "median_seconds", "p90_seconds"]


def report_json(*args: str) -> dict[str, Any]:
    out = StringIO()
    call_command("report", "response-times", "--format", "json", *args, stdout=out)
    return json.loads(out.getvalue())


def assert_matches(got: dict[str, Any], want: dict[str, Any]) -> None:
    assert list(got) == KEYS
    assert got["customer_started"] == want["customer_started"]
    assert got["responded"] == want["responded"]
    for key in ("response_rate", "median_seconds", "p90_seconds"):
        if want[key] is None:
            assert got[key] is None, key
        else:
            assert got[key] == pytest.approx(want[key], rel=1e-12, abs=1e-6), key


def import_twcs(path: Path) -> None:
    """The real importer, as a user runs it; small batches so threads span several."""
    with override_settings(GOODWILL_IMPORT_BATCH_SIZE=37):
        call_command("import", "messages", str(path), "--format", "twcs", stdout=StringIO())


@pytest.mark.django_db
@pytest.mark.parametrize("seed", [3, 17, 2024])
def test_report_on_a_twcs_import_matches_a_direct_computation(tmp_path: Path, seed: int) -> None:
    path = tmp_path / "twcs.csv"
    generate_twcs(path, seed=seed, threads=160)
    threads = threads_from_file(path)
    want = expected_report(threads)
    # The world must exercise every case, or the comparison proves little.
    assert 0 < want["responded"] < want["customer_started"] < len(threads)

    import_twcs(path)
    assert_matches(report_json(), want)
    assert_matches(report_json("--channel", "twitter"), want)

    # A window by start time: [since, until).
    starts = sorted(t.started_at for t in threads)
    since, until = starts[len(starts) // 4], starts[3 * len(starts) // 4]
    assert_matches(
        report_json("--since", since.isoformat(), "--until", until.isoformat()),
        expected_report(threads, since, until),
    )
    # A bare date for --until includes that whole day.
    day = starts[len(starts) // 2].date()
    assert_matches(
        report_json("--until", day.isoformat()),
        expected_report(
            threads, None, datetime.combine(day, datetime.min.time(), UTC) + timedelta(days=1)
        ),
    )

    # Importing the same file again changes nothing in the report.
    import_twcs(path)
    assert_matches(report_json(), want)


def twcs_items(path: Path) -> list[MessageItem]:
    """Test-side mapping of twcs rows to ingest items (what any twcs importer must produce)."""
    with path.open(encoding="utf-8", newline="") as fh:
        return [
            MessageItem(
                channel="x",
                external_id=row["tweet_id"],
                author_id=row["author_id"],
                author_handle=row["author_id"],
                created_at=datetime.strptime(row["created_at"], TWITTER_TIME).replace(tzinfo=UTC),
                text=row["text"],
                in_reply_to=str(int(float(row["in_response_to_tweet_id"])))
                if row["in_response_to_tweet_id"]
                else "",
                is_from_company=row["inbound"] == "False",
            )
            for row in csv.DictReader(fh)
        ]


@pytest.mark.django_db
@pytest.mark.parametrize("seed", [5, 99])
def test_selector_matches_direct_computation_whatever_the_batch_order(
    tmp_path: Path, seed: int
) -> None:
    path = tmp_path / "twcs.csv"
    generate_twcs(path, seed=seed, threads=120)
    items = twcs_items(path)
    rng = random.Random(seed)
    rng.shuffle(items)
    cut = sorted(rng.sample(range(1, len(items)), 6))
    for start, end in zip([0, *cut], [*cut, len(items)], strict=True):
        ingest_batch(source=None, items=items[start:end])
    got = selectors.response_times().as_dict()
    assert_matches(got, expected_report(threads_from_file(path)))


T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def msg(
    ext: str, minutes: float, *, company: bool, reply_to: str = "", channel: str = "x"
) -> MessageItem:
    author = "AcmeSupport" if company else f"cust-{ext}"
    return MessageItem(
        channel=channel,
        external_id=ext,
        author_id=author,
        author_handle=author,
        created_at=T0 + timedelta(minutes=minutes),
        text="hi",
        in_reply_to=reply_to,
        is_from_company=company,
    )


@pytest.mark.django_db
def test_definitions_on_hand_made_threads() -> None:
    ingest_batch(
        source=None,
        items=[
            # Answered after 10 minutes; the customer's follow-up does not restart the clock.
            msg("a1", 0, company=False),
            msg("a2", 5, company=False, reply_to="a1"),
            msg("a3", 10, company=True, reply_to="a2"),
            msg("a4", 20, company=True, reply_to="a1"),
            # Never answered: counts as customer-started, not as responded.
            msg("b1", 30, company=False),
            # Company-started: not counted at all.
            msg("c1", 40, company=True),
            msg("c2", 41, company=False, reply_to="c1"),
            msg("c3", 42, company=True, reply_to="c2"),
            # Answered after 60 minutes, on another channel.
            msg("d1", 50, company=False, channel="reddit"),
            msg("d2", 110, company=True, reply_to="d1", channel="reddit"),
        ],
    )
    assert report_json() == {
        "customer_started": 3,
        "responded": 2,
        "response_rate": 2 / 3,
        "median_seconds": 35 * 60.0,
        "p90_seconds": 600 + 0.9 * 3000.0,
    }
    assert report_json("--channel", "reddit")["median_seconds"] == 3600.0
    assert report_json("--channel", "x")["customer_started"] == 2
    since = (T0 + timedelta(minutes=30)).isoformat()
    assert report_json("--since", since)["customer_started"] == 2  # b1 and d1; since is inclusive
    assert report_json("--until", since)["customer_started"] == 1  # until is exclusive


@pytest.mark.django_db
def test_empty_report_has_nulls() -> None:
    assert report_json() == dict.fromkeys(KEYS, None) | {"customer_started": 0, "responded": 0}
    out = StringIO()
    call_command("report", "response-times", stdout=out)
    assert "customer-started conversations" in out.getvalue()


def parse_table(text: str) -> dict[str, tuple[str, str]]:
    rows = {}
    for line in text.splitlines()[2:]:
        label, _, rest = line.partition("  ")
        parts = rest.split(None, 1)
        rows[label.strip()] = (parts[0], parts[1] if len(parts) > 1 else "")
    return rows


@pytest.mark.django_db
def test_table_format_shows_seconds_and_readable_times(tmp_path: Path) -> None:
    path = tmp_path / "twcs.csv"
    generate_twcs(path, seed=11, threads=80)
    ingest_batch(source=None, items=twcs_items(path))
    want = expected_report(threads_from_file(path))
    out = StringIO()
    call_command("report", "response-times", "--format", "table", stdout=out)
    text = out.getvalue()
    assert text.splitlines()[0].split() == ["metric", "value", "readable"]
    rows = parse_table(text)
    assert int(rows["customer-started conversations"][0]) == want["customer_started"]
    assert int(rows["responded"][0]) == want["responded"]
    assert float(rows["response rate"][0]) == pytest.approx(want["response_rate"], abs=5e-5)
    assert rows["response rate"][1] == f"{want['response_rate']:.1%}"
    for label, key in [
        ("median time to first response (s)", "median_seconds"),
        ("p90 time to first response (s)", "p90_seconds"),
    ]:
        value, readable = rows[label]
        assert float(value) == pytest.approx(want[key], abs=0.05)
        parsed = readable_seconds(readable)
        granularity = 60 if "d" in readable else 1
        assert 0 <= want[key] - parsed < granularity, (readable, want[key])


def readable_seconds(text: str) -> int:
    """'1d 2h 03m' -> 93780; '4m 07s' -> 247 (the table's human-readable column)."""
    scale = {"d": 86_400, "h": 3_600, "m": 60, "s": 1}
    return sum(int(part[:-1]) * scale[part[-1]] for part in text.split())


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["--since", "last tuesday"], "--since: 'last tuesday' is not a date"),
        (["--until", "2024-02-30"], "--until: '2024-02-30' is not a valid date"),
        (["--since", "2024-05-02", "--until", "2024-05-01"], "must be earlier than --until"),
        (["--since", "2024-05-01", "--until", "2024-05-01T00:00:00+00:00"], "must be earlier"),
        (["--channel", "myspace"], "--channel: unknown channel 'myspace'"),
        (["--format", "xml"], "invalid choice: 'xml'"),
        (["--bogus"], "unrecognized arguments: --bogus"),
    ],
)
def test_bad_arguments_are_named(args: list[str], error: str) -> None:
    with pytest.raises(CommandError) as err:
        call_command("report", "response-times", *args, stdout=StringIO(), stderr=StringIO())
    assert error in str(err.value)


def test_a_report_name_is_required() -> None:
    with pytest.raises(CommandError, match="REPORT"):
        call_command("report", stdout=StringIO(), stderr=StringIO())
