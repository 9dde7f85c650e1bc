"""A generated Customer Support on Twitter (twcs) file and an independent reading of it.

The generator writes what the real dataset looks like: numeric customer author ids, company
names as author ids, `inbound` True/False, Twitter's created_at format, the reply ids in
`response_tweet_id` (comma-separated) and the parent in `in_response_to_tweet_id` written as a
float ("119237.0") as in the published CSV, rows out of time order. The reading below follows
in_response_to_tweet_id to the root straight from the CSV rows, without any Goodwill code, so
the report can be checked against it.
"""

from __future__ import annotations

import csv
import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

TWCS_FIELDS = [
    "tweet_id",
    "author_id",
    "inbound",
    "created_at",
    "text",
    "response_tweet_id",
    "in_response_to_tweet_id",
]
TWITTER_TIME = "%a %b %d %H:%M:%S +0000 %Y"
COMPANIES = ["AcmeSupport", "FlyRightHelp", "NorthBank_Care"]
START = datetime(2017, 10, 1, tzinfo=UTC)

CUSTOMER_TEXTS = [
    "@{co} my order still hasn't arrived and it's been 2 weeks 😡",
    "@{co} why is the app crashing every time I open it??",
    "@{co} thanks, that fixed it! you're the best 🙌",
    "@{co} <b>still</b> waiting... <script>alert('hi')</script>",
    "@{co} هل يمكنكم مساعدتي؟ the page is blank",
    "@{co} ok DM sent",
    "@{co} I've been charged twice for the same flight, need a refund asap",
    "@{co} cancel my account. done with this.",
]
COMPANY_TEXTS = [
    "@{cust} Sorry to hear that! Please DM us your order number and we'll check. ^JK",
    "@{cust} We'd like to help. Which version of the app are you on? ^AM",
    "@{cust} Glad we could help! Have a great day 😊 ^RS",
    "@{cust} Thanks, we've replied in DM. ^JK",
    "@{cust} Hi, we saw your post about delays - is everything sorted now? ^TB",
]


@dataclass(slots=True)
class Tweet:
    tweet_id: int
    author_id: str
    inbound: bool
    created_at: datetime
    text: str
    parent: int | None
    children: list[int]


def generate_twcs(path: Path, *, seed: int, threads: int) -> None:
    """Write a twcs CSV with `threads` threads of several shapes, rows shuffled."""
    rng = random.Random(seed)
    tweets: dict[int, Tweet] = {}
    next_id = iter(range(1, 10**9))

    def add(author: str, inbound: bool, at: datetime, parent: int | None, text: str) -> int:
        tid = next(next_id)
        tweets[tid] = Tweet(tid, author, inbound, at.replace(microsecond=0), text, parent, [])
        if parent in tweets:  # a parent missing from the file lists no replies
            tweets[parent].children.append(tid)
        return tid

    def company_delay() -> timedelta:
        # Mostly minutes, a long tail of hours and days, like real care teams.
        return timedelta(seconds=max(1, int(rng.lognormvariate(math.log(900), 1.6))))

    def customer_delay() -> timedelta:
        return timedelta(seconds=max(1, int(rng.lognormvariate(math.log(600), 1.2))))

    for _ in range(threads):
        company = rng.choice(COMPANIES)
        customer = str(rng.randint(100_000, 999_999))
        start = START + timedelta(seconds=rng.randint(0, 60 * 86_400))
        shape = rng.random()
        if shape < 0.12:
            # Company reaches out first (proactive care); sometimes the customer answers.
            root = add(company, False, start, None, rng.choice(COMPANY_TEXTS).format(cust=customer))
            if rng.random() < 0.6:
                add(customer, True, start + customer_delay(), root, f"@{company} yes all good now")
            continue
        if shape < 0.22:
            # A reply to a tweet that is not in the file (the dataset has these).
            missing = next(next_id)
            root = add(
                customer, True, start, missing, rng.choice(CUSTOMER_TEXTS).format(co=company)
            )
        else:
            root = add(customer, True, start, None, rng.choice(CUSTOMER_TEXTS).format(co=company))
        if rng.random() < 0.2:
            continue  # never answered
        # A conversation: alternating turns, sometimes a double customer tweet, sometimes two
        # company replies to the same tweet (a branch), depth up to ~8.
        last, at = root, tweets[root].created_at
        for _turn in range(rng.randint(1, 4)):
            if rng.random() < 0.25:  # the customer adds to their own tweet before an answer
                at += customer_delay()
                last = add(customer, True, at, last, f"@{company} hello?? anyone there")
            at += company_delay()
            reply = add(company, False, at, last, rng.choice(COMPANY_TEXTS).format(cust=customer))
            if rng.random() < 0.15:  # a second agent answers the same tweet
                add(company, False, at + company_delay(), last, f"@{customer} Following up ^TB")
            if rng.random() < 0.35:
                break
            at += customer_delay()
            last = add(customer, True, at, reply, rng.choice(CUSTOMER_TEXTS).format(co=company))

    rows = list(tweets.values())
    rng.shuffle(rows)  # replies often come before their parents
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(TWCS_FIELDS)
        for t in rows:
            writer.writerow(
                [
                    t.tweet_id,
                    t.author_id,
                    "True" if t.inbound else "False",
                    t.created_at.strftime(TWITTER_TIME),
                    t.text,
                    ",".join(str(c) for c in t.children),
                    "" if t.parent is None else f"{t.parent}.0",
                ]
            )


@dataclass(frozen=True, slots=True)
class DirectThread:
    started_at: datetime
    customer_started: bool
    first_response_at: datetime | None


def threads_from_file(path: Path) -> list[DirectThread]:
    """Read threads straight from twcs rows: follow in_response_to_tweet_id up to the root."""
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    parent: dict[str, str] = {}
    when: dict[str, datetime] = {}
    company: dict[str, bool] = {}
    for row in rows:
        tid = row["tweet_id"]
        if row["in_response_to_tweet_id"]:
            parent[tid] = str(int(float(row["in_response_to_tweet_id"])))
        when[tid] = datetime.strptime(row["created_at"], TWITTER_TIME).replace(tzinfo=UTC)
        company[tid] = row["inbound"] == "False"

    def root_of(tid: str) -> str:
        # The top of the chain: a tweet with no parent, or a parent that is not in the file.
        while tid in parent and tid in when:
            tid = parent[tid]
        return tid

    members: dict[str, list[str]] = {}
    for tid in when:
        members.setdefault(root_of(tid), []).append(tid)
    threads = []
    for tids in members.values():
        # Earliest first; on equal times the customer's tweet counts as the earlier one.
        ordered = sorted(tids, key=lambda t: (when[t], company[t]))
        first = ordered[0]
        answers = [when[t] for t in ordered if company[t]]
        threads.append(
            DirectThread(
                started_at=when[first],
                customer_started=not company[first],
                first_response_at=min(answers) if answers and not company[first] else None,
            )
        )
    return threads


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile with linear interpolation between closest ranks (written out)."""
    ordered = sorted(values)
    rank = q / 100 * (len(ordered) - 1)
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def expected_report(
    threads: list[DirectThread], since: datetime | None = None, until: datetime | None = None
) -> dict[str, float | int | None]:
    chosen = [
        t
        for t in threads
        if t.customer_started
        and (since is None or t.started_at >= since)
        and (until is None or t.started_at < until)
    ]
    waits = [
        (t.first_response_at - t.started_at).total_seconds()
        for t in chosen
        if t.first_response_at is not None
    ]
    return {
        "customer_started": len(chosen),
        "responded": len(waits),
        "response_rate": len(waits) / len(chosen) if chosen else None,
        "median_seconds": percentile(waits, 50) if waits else None,
        "p90_seconds": percentile(waits, 90) if waits else None,
    }
