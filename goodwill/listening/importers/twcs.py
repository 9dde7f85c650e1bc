"""Customer Support on Twitter (Kaggle `twcs.csv`): brands' support accounts and customers.

`inbound` is True for a customer's tweet and False for the company's; replies point at their
parent with `in_response_to_tweet_id`, so the ingest threads them into conversations.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from goodwill.core import Channel
from goodwill.importing import BadValue, Record, bool_value, text_value
from goodwill.listening.types import MessageItem

REQUIRED = ("tweet_id", "author_id", "inbound", "created_at", "text", "in_response_to_tweet_id")
SIGNATURE = frozenset({"tweet_id", "author_id", "inbound", "in_response_to_tweet_id"})

_MONTHS = {
    m: i
    for i, m in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}
# "Tue Oct 31 22:10:47 +0000 2017" (Twitter's API format); parsed by hand: strptime's %a and %b
# follow the process locale.
_CREATED = re.compile(
    r"\s*[A-Z][a-z]{2} ([A-Z][a-z]{2}) (\d{1,2}) (\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d) (\d{4})\s*"
)
# Ids are whole numbers; pandas writes the reply column as floats ("119237.0").
_ID = re.compile(r"\s*(\d+)(?:\.0*)?\s*")


def parse_created_at(text: str) -> datetime:
    match = _CREATED.fullmatch(text)
    if match is None or match.group(1) not in _MONTHS:
        raise BadValue(
            "created_at", f"{text!r} is not a time like 'Tue Oct 31 22:10:47 +0000 2017'"
        )
    month, day, hh, mm, ss, sign, oh, om, year = match.groups()
    offset = timedelta(hours=int(oh), minutes=int(om))
    try:
        return datetime(
            int(year),
            _MONTHS[month],
            int(day),
            int(hh),
            int(mm),
            int(ss),
            tzinfo=timezone(-offset if sign == "-" else offset),
        )
    except ValueError as exc:
        raise BadValue("created_at", f"{text!r} is not a valid time: {exc}") from None


def _tweet_id(record: Record, name: str, *, required: bool) -> str:
    text = text_value(record.values, name, required=required)
    if not text:
        return ""
    match = _ID.fullmatch(text)
    if match is None:
        raise BadValue(name, f"{text!r} is not a tweet id (digits)")
    return match.group(1)


def parse(record: Record) -> MessageItem:
    values = record.values
    author = text_value(values, "author_id", required=True, max_length=255)
    inbound = bool_value(values, "inbound")
    if inbound is None:
        raise BadValue("inbound", "missing: expected True (customer) or False (company)")
    raw = {}
    if values.get("response_tweet_id"):
        raw["response_tweet_id"] = values["response_tweet_id"]
    return MessageItem(
        channel=Channel.X.value,
        external_id=_tweet_id(record, "tweet_id", required=True),
        author_id=author,
        author_handle=author,
        created_at=parse_created_at(text_value(values, "created_at", required=True)),
        text=values["text"],
        in_reply_to=_tweet_id(record, "in_response_to_tweet_id", required=False),
        is_from_company=not inbound,
        raw=raw,
    )
