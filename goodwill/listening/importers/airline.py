"""Twitter US Airline Sentiment (Figure Eight / Kaggle `Tweets.csv`).

Each tweet becomes a message on X; the crowd workers' judgements become `Label` rows with
origin "dataset:airline": ground truth for evaluation, never shown as Goodwill's own analysis.
"""

from __future__ import annotations

from goodwill.core import Channel
from goodwill.importing import BadValue, Record, count_value, text_value
from goodwill.listening.types import LabelItem, MessageItem

ORIGIN = "dataset:airline"
REQUIRED = ("tweet_id", "airline_sentiment", "name", "text", "tweet_created")
SIGNATURE = frozenset({"tweet_id", "airline_sentiment", "tweet_created"})
SENTIMENTS = frozenset({"negative", "neutral", "positive"})
# Columns kept in the message's raw payload (the rest is mapped onto the message or a label).
RAW_COLUMNS = (
    "airline",
    "airline_sentiment_gold",
    "negativereason_gold",
    "tweet_coord",
    "tweet_location",
    "user_timezone",
)


def _confidence(record: Record, name: str) -> float | None:
    text = text_value(record.values, name)
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise BadValue(name, f"{text!r} is not a number") from None
    if not 0.0 <= value <= 1.0:
        raise BadValue(name, f"{text} is not between 0 and 1")
    return value


def parse(record: Record) -> MessageItem:
    from datetime import datetime

    values = record.values
    tweet_id = text_value(values, "tweet_id", required=True)
    if not tweet_id.isdigit() or len(tweet_id) > 30:
        raise BadValue("tweet_id", f"{tweet_id!r} is not a tweet id (digits)")
    handle = text_value(values, "name", required=True, max_length=255)
    created = text_value(values, "tweet_created", required=True)
    try:
        created_at = datetime.fromisoformat(created)  # "2015-02-24 11:35:52 -0800"
    except ValueError:
        created_at = None
    if created_at is None or created_at.tzinfo is None:
        raise BadValue(
            "tweet_created", f"{created!r} is not a time like '2015-02-24 11:35:52 -0800'"
        )
    sentiment = text_value(values, "airline_sentiment", required=True)
    if sentiment not in SENTIMENTS:
        raise BadValue(
            "airline_sentiment", f"{sentiment!r} is not one of negative, neutral, positive"
        )
    labels = [
        LabelItem(
            field="sentiment",
            value=sentiment,
            origin=ORIGIN,
            confidence=_confidence(record, "airline_sentiment_confidence"),
        )
    ]
    reason = text_value(values, "negativereason", max_length=100)
    if reason:
        labels.append(
            LabelItem(
                field="negative_reason",
                value=reason,
                origin=ORIGIN,
                confidence=_confidence(record, "negativereason_confidence"),
            )
        )
    text = values["text"]
    return MessageItem(
        channel=Channel.X.value,
        external_id=tweet_id,
        author_id=handle,
        author_handle=handle,
        created_at=created_at,
        text=text,
        url=f"https://twitter.com/{handle}/status/{tweet_id}",
        shares=count_value(values, "retweet_count") or 0,
        raw={c: values[c] for c in RAW_COLUMNS if values.get(c)},
        labels=labels,
    )
