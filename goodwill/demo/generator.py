"""The demo world: Bluefinch Airways, its customers, and what people say about it.

Pure Python + NumPy (no Django, no I/O): `generate(seed=..., customers=..., messages=...,
days=...)` returns plain dataclasses, identical for identical arguments. Tests and benchmarks
reuse it at any size; `goodwill demo` loads it through the real services.

What is in it:

* Shop customers (ids such as C00042) buying over two years from a BG/NBD-like process:
  purchase rates ~ Gamma, dropout after each purchase ~ Beta (geometric lifetimes), spend per
  customer ~ Gamma with Gamma-distributed basket values. Some die (churners); a planted set of
  valuable customers buy far below their own baseline in the last 150 days (lapsing).
* People on six channels (x, facebook, instagram, reddit, email, review). Most are not shop
  customers. Some are one person on several channels (planted, with evidence a resolver can
  use: their own booking reference written in a post, the same email address, a pointer to
  their other account, similar handles) and some are different people with the same name
  (hard negatives).
* Messages over `days` days with daily and weekly seasonality, from templates in English,
  Spanish, French and German with typos and emoji; threads with brand replies whose delay
  depends on office hours, customer follow-ups and customers helping each other.
* One incident (card payments taken twice) growing from a spark to a viral spike and
  decaying, and one idea (dark mode in the app) echoed in many wordings.

The planted truth is returned in `DemoWorld.truth` (and `message_truth` per message); the
messages themselves carry no analysis labels.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
from numpy.typing import NDArray

from goodwill.demo import phrases as ph
from goodwill.demo.phrases import Template
from goodwill.listening.types import MessageItem

CHANNELS = ("x", "facebook", "instagram", "reddit", "email", "review")
X, FB, IG, RD, EM, RV = range(6)
PUBLIC = np.array([True, True, True, True, False, False])  # where strangers can answer
CURRENCY = "EUR"
DEFAULT_END = datetime(2026, 11, 2, tzinfo=UTC)
LAPSE_DAYS = 150
LAPSE_ACTIVE_GAPS = 3.0  # silent longer than this many own gaps: lapsed before the window

# Root message kinds (what a thread starts with) and reply kinds.
COMPLAINT, SARCASM, QUESTION, PRAISE, SUGGESTION, PURCHASE, CHURN, OTHER = range(8)
INCIDENT, IDEA, EVIDENCE_REF, EVIDENCE_SELF, STATEMENT = range(8, 13)
BRAND_REPLY, BRAND_SECOND, FOLLOW_STILL, FOLLOW_THANKS, FOLLOW_REF = range(20, 25)
CLOSING_GOOD, CLOSING_BAD, HELPFUL = range(25, 28)

_ROOT_BANKS: dict[int, list[Template]] = {
    COMPLAINT: ph.COMPLAINT,
    SARCASM: ph.SARCASM,
    QUESTION: ph.QUESTION,
    PRAISE: ph.PRAISE,
    SUGGESTION: ph.SUGGESTION,
    PURCHASE: ph.PURCHASE,
    CHURN: ph.CHURN,
    OTHER: ph.OTHER,
    INCIDENT: ph.INCIDENT,
    IDEA: ph.IDEA,
    EVIDENCE_REF: ph.EVIDENCE_REF,
    EVIDENCE_SELF: ph.EVIDENCE_SELF,
    STATEMENT: ph.STATEMENT,
    FOLLOW_STILL: ph.FOLLOW_STILL,
    FOLLOW_THANKS: ph.FOLLOW_THANKS,
    FOLLOW_REF: ph.FOLLOW_REF,
    CLOSING_GOOD: ph.CLOSING_GOOD,
    CLOSING_BAD: ph.CLOSING_BAD,
    HELPFUL: ph.HELPFUL,
    BRAND_SECOND: ph.BRAND_SECOND_REPLY,
}
_REPLY_CATEGORY = {
    COMPLAINT: "complaint",
    SARCASM: "complaint",
    EVIDENCE_REF: "complaint",
    EVIDENCE_SELF: "complaint",
    QUESTION: "question",
    PRAISE: "praise",
    SUGGESTION: "suggestion",
    IDEA: "suggestion",
    PURCHASE: "purchase_intent",
    CHURN: "churn_threat",
    OTHER: "other",
    INCIDENT: "incident",
}
LANGS = ("en", "es", "fr", "de")


def _by_lang(bank: Sequence[Template]) -> dict[str, list[Template]]:
    out: dict[str, list[Template]] = {}
    for t in bank:
        out.setdefault(t.language, []).append(t)
    return out


_BANKS = {k: _by_lang(v) for k, v in _ROOT_BANKS.items()}
_BRAND_BANKS = {k: _by_lang(v) for k, v in ph.BRAND_REPLY.items()}
_EMAIL_REF = _by_lang(ph.EVIDENCE_REF_EMAIL)
_EMAIL_REPLY = _by_lang(ph.EMAIL_REPLY)

# Hour-of-day (UTC) and day-of-week (Monday first) shapes of how much people post.
_DAILY = np.array(
    [0.35, 0.22, 0.15, 0.12, 0.12, 0.2, 0.4, 0.75, 1.05, 1.25, 1.3, 1.25,
     1.2, 1.2, 1.1, 1.05, 1.05, 1.1, 1.25, 1.45, 1.55, 1.4, 1.05, 0.65]
)  # fmt: skip
_WEEKLY = np.array([1.15, 1.0, 0.95, 1.0, 1.1, 0.82, 0.88])


# --------------------------------------------------------------------------- result types


@dataclass(frozen=True, slots=True)
class BrandAccount:
    channel: str
    external_id: str
    handle: str
    display_name: str
    followers: int | None


@dataclass(frozen=True, slots=True)
class Brand:
    name: str
    short: str
    support: tuple[BrandAccount, ...]  # one per channel: who answers customers
    main: BrandAccount  # the corporate account that posts statements
    agents: tuple[str, ...] = ph.AGENTS


BRAND = Brand(
    name="Bluefinch Airways",
    short="Bluefinch",
    support=(
        BrandAccount("x", "1200000001", "BluefinchHelp", "Bluefinch Support", 182_000),
        BrandAccount(
            "facebook", "100064500000001", "bluefinchairways", "Bluefinch Airways", 640_000
        ),
        BrandAccount("instagram", "5100000001", "bluefinchair", "Bluefinch Airways ✈️", 410_000),
        BrandAccount("reddit", "t2_bluefinch", "Bluefinch_Official", "Bluefinch_Official", None),
        BrandAccount(
            "email", "care@bluefinch.example", "care@bluefinch.example", "Bluefinch Care", None
        ),
        BrandAccount(
            "review", "rv-owner-bluefinch", "Bluefinch Airways", "Bluefinch Airways (owner)", None
        ),
    ),
    main=BrandAccount("x", "1200000000", "BluefinchAir", "Bluefinch Airways", 1_250_000),
)


@dataclass(frozen=True, slots=True)
class DemoParams:
    seed: int = 0
    customers: int = 2000
    messages: int = 50_000
    days: int = 90
    end: datetime = DEFAULT_END
    history_days: int = 730

    def fingerprint(self) -> dict[str, Any]:
        out = asdict(self)
        out["end"] = self.end.isoformat()
        return out


@dataclass(slots=True)
class DemoCustomer:
    customer_id: str  # the shop's id, e.g. C00042
    name: str
    email: str
    joined_at: datetime
    segment: str  # active | churned | lapsing (latent truth, never stored)
    purchases_per_year: float  # the latent Poisson rate
    dropout: float  # the latent probability of leaving after each purchase


@dataclass(slots=True)
class DemoIdentity:
    channel: str
    external_id: str
    handle: str
    display_name: str
    followers: int | None
    person_id: str  # P000123 (same person across channels); "" for the brand
    customer_id: str  # the shop id when this person is a customer, else ""
    is_company: bool = False


@dataclass(slots=True)
class DemoTransaction:
    external_id: str  # the booking reference, e.g. K7QX2M
    customer_id: str
    email: str
    occurred_at: datetime
    amount: Decimal
    currency: str = CURRENCY


MessageKey = tuple[str, str]  # (channel, external id)


@dataclass(slots=True)
class Incident:
    topic: str
    keywords: list[str]
    start: datetime  # the first incident message
    peak: datetime  # start of the busiest hour
    growth_10pct_at: datetime  # start + 10% of (peak - start): a detector should fire by then
    end: datetime  # the last incident message
    hour0: datetime  # start of the first hourly bucket of `hourly_counts`
    hourly_counts: list[int]  # customer incident messages per hour from hour0
    message_ids: list[MessageKey]  # customer messages about the incident
    brand_statement_ids: list[MessageKey]


@dataclass(slots=True)
class LapsingCustomer:
    customer_id: str
    historic_spend: Decimal
    baseline_per_year: float  # purchases per year before the lapse window
    recent_per_year: float  # purchases per year inside it
    lapse_start: datetime
    # "planted": alive, buying cut to a trickle; "left": left of their own accord (dropout)
    # while still active when the window opened (silent for at most LAPSE_ACTIVE_GAPS of
    # their own mean gaps).
    how: str = "planted"


@dataclass(slots=True)
class SharedIdentity:
    person_id: str
    customer_id: str | None
    identities: list[MessageKey]
    evidence: list[str]  # order_number, same_email, self_reference, similar_name


@dataclass(slots=True)
class HardNegative:
    a: MessageKey
    b: MessageKey
    display_name_a: str
    display_name_b: str


@dataclass(slots=True)
class EchoedIdea:
    key: str
    summary: str
    message_ids: list[MessageKey]


@dataclass(slots=True)
class GroundTruth:
    params: DemoParams
    brand: str
    incident: Incident
    idea: EchoedIdea
    lapsing: list[LapsingCustomer]
    churners: list[str]
    shared_identities: list[SharedIdentity]
    hard_negatives: list[HardNegative]
    advocates: list[MessageKey]  # identities that answer other customers' questions

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (datetimes as ISO 8601, money as strings, keys as pairs)."""

        def conv(value: Any) -> Any:
            if isinstance(value, datetime):
                return value.isoformat()
            if isinstance(value, Decimal):
                return str(value)
            if isinstance(value, dict):
                return {k: conv(v) for k, v in value.items()}
            if isinstance(value, list | tuple):
                return [conv(v) for v in value]
            return value

        out = conv(asdict(self))
        out["params"] = self.params.fingerprint()
        return dict(out)


@dataclass(slots=True)
class DemoWorld:
    params: DemoParams
    brand: Brand
    customers: list[DemoCustomer]
    identities: list[DemoIdentity]  # every account that wrote at least one message
    transactions: list[DemoTransaction]
    messages: list[MessageItem]  # in time order
    message_truth: list[Template]  # parallel to `messages`: intent, topic, language, sarcasm
    truth: GroundTruth
    summary: dict[str, int] = field(default_factory=dict)


# --------------------------------------------------------------------------- entry point


def generate(
    *,
    seed: int = 0,
    customers: int = 2000,
    messages: int = 50_000,
    days: int = 90,
    end: datetime | None = None,
    history_days: int = 730,
) -> DemoWorld:
    """Build the whole world; the same arguments always give the same world."""
    params = DemoParams(
        seed=seed,
        customers=customers,
        messages=messages,
        days=days,
        end=end or DEFAULT_END,
        history_days=history_days,
    )
    _check(params)
    seeds = np.random.SeedSequence(seed).spawn(4)
    rng_shop, rng_people, rng_msg, rng_text = (np.random.default_rng(s) for s in seeds)
    shop = _Shop.build(rng_shop, params)
    people = _People.build(rng_people, params, shop)
    plan = _Plan.build(rng_msg, params, shop, people)
    return _assemble(rng_text, params, shop, people, plan)


def _check(p: DemoParams) -> None:
    if p.end.tzinfo is None:
        raise ValueError("end: must be timezone-aware")
    if p.customers < 20:
        raise ValueError(f"customers: {p.customers} is too few (at least 20)")
    if p.days < 7:
        raise ValueError(f"days: {p.days} is too few (at least 7, the incident needs room)")
    if p.messages < 500:
        raise ValueError(f"messages: {p.messages} is too few (at least 500)")
    if p.history_days < 365:
        raise ValueError(f"history_days: {p.history_days} is too few (at least 365)")


def _ts(dt: datetime) -> int:
    return int(dt.timestamp())


def _dt(ts: int | np.integer[Any]) -> datetime:
    return datetime.fromtimestamp(int(ts), tz=UTC)


def _fold(text: str) -> str:
    """ASCII letters and digits only, lower case: 'Siobhán O'Brien' -> 'siobhanobrien'."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain.lower() if ch.isalnum())


_PNR = np.array(list("ABCDEFGHJKLMNPQRSTUVWXYZ23456789"))


def booking_refs(numbers: NDArray[np.int64]) -> list[str]:
    """Six-character booking references, a bijection of 0 <= n < 2**30 (so never collide)."""
    scrambled = (numbers.astype(np.int64) * 747_796_405 + 2_891_336_453) % (1 << 30)
    digits = (scrambled[:, None] >> (5 * np.arange(6))) & 31
    chars = np.ascontiguousarray(_PNR[digits])
    return [str(s) for s in chars.view("<U6").ravel()]


# --------------------------------------------------------------------------- shop


@dataclass(slots=True)
class _Shop:
    names: list[str]
    first: list[str]
    emails: list[str]
    joined: NDArray[np.int64]
    rate: NDArray[np.float64]
    dropout: NDArray[np.float64]
    alive: NDArray[np.bool_]
    lapsing: NDArray[np.int64]  # customer indexes: planted, and those who left in the window
    lapsing_planted: NDArray[np.int64]  # the planted ones (alive, buying cut to a trickle)
    lapsing_facts: list[tuple[float, float]]  # (baseline per year, recent per year)
    tx_owner: NDArray[np.int64]  # in time order
    tx_time: NDArray[np.int64]
    tx_amount: NDArray[np.float64]
    tx_refs: list[str]
    refs_of: list[list[int]]  # customer -> transaction indexes

    @staticmethod
    def build(rng: np.random.Generator, p: DemoParams) -> _Shop:
        n = p.customers
        end_ts = _ts(p.end)
        span = p.history_days * 86400
        joined = end_ts - span + (rng.random(n) * (span - 14 * 86400)).astype(np.int64)
        rate = np.maximum(rng.gamma(1.6, 3.5 / 365 / 1.6, n), 0.2 / 365)  # purchases per day
        dropout = rng.beta(1.1, 7.0, n)
        repeats = rng.geometric(dropout) - 1  # repeat purchases before leaving
        cap = np.minimum(repeats, 150)
        owner = np.repeat(np.arange(n), cap)
        gaps = rng.exponential(1.0, int(cap.sum())) / rate[owner] * 86400.0
        csum = np.cumsum(gaps)
        starts = np.cumsum(cap) - cap
        before = np.concatenate(([0.0], csum))[starts]
        times = joined[owner] + (csum - np.repeat(before, cap)).astype(np.int64)
        within = times < end_ts
        alive = np.bincount(owner[within], minlength=n) < repeats
        tx_owner = np.concatenate((np.arange(n), owner[within]))
        tx_time = np.concatenate((joined, times[within]))
        mean_spend = rng.gamma(2.5, 190.0 / 2.5, n)
        amount = rng.gamma(5.0, 1.0, len(tx_owner)) * mean_spend[tx_owner] / 5.0
        amount = np.maximum(np.round(amount, 2), 19.99)

        # Plant the lapsing valuable customers: alive, long-standing, top-quartile spend, who
        # would expect several purchases in the last LAPSE_DAYS but make almost none.
        lapse_start = end_ts - LAPSE_DAYS * 86400
        pre = tx_time < lapse_start
        pre_count = np.bincount(tx_owner[pre], minlength=n)
        spend = np.bincount(tx_owner[pre], weights=amount[pre], minlength=n)  # before the lapse
        baseline = pre_count / np.maximum(lapse_start - joined, 86400) * 86400  # per day
        expected = baseline * LAPSE_DAYS
        # Lapsing, as the product defines it too (benchmarks/README-value-score.md): a
        # valuable regular who was still active when the window opened, i.e. silent for at
        # most LAPSE_ACTIVE_GAPS of their own mean gaps (1 / rate), and whose buying in the
        # window falls far below their rhythm. Longer silent customers had lapsed earlier.
        # Valuable: top quarter of spend among the customers who had bought before it.
        regular = (pre_count >= 4) & (joined < end_ts - 450 * 86400) & (expected >= 2.0)
        valuable = spend >= np.quantile(spend[pre_count > 0], 0.75)
        last_pre = np.full(n, -1, dtype=np.int64)
        np.maximum.at(last_pre, tx_owner[pre], tx_time[pre])
        active_at_start = last_pre + LAPSE_ACTIVE_GAPS * 86400.0 / rate >= lapse_start
        # (The shuffle runs over a wider pool, as it always did, so the rest of the world
        # draws the same random numbers; the definition then filters it.)
        wide = alive & regular & (spend >= np.quantile(spend, 0.75))
        pool = rng.permutation(np.flatnonzero(wide))
        pool = pool[valuable[pool] & active_at_start[pool]]
        planted = np.sort(pool[: min(len(pool), max(1, round(0.025 * n)))])
        keep = np.ones(len(tx_owner), dtype=bool)
        facts: list[tuple[float, float]] = []
        by_owner = np.argsort(tx_owner, kind="stable")
        bounds = np.searchsorted(tx_owner[by_owner], np.arange(n + 1))
        # Customers who left of their own accord (BG/NBD dropout) are lapsing too when they
        # were just as valuable and regular, still active when the window opened, and bought
        # under 30% of their rhythm in it: on the record, and to a care team, that is the
        # same loss as a planted lapse.
        recent_count = np.bincount(tx_owner[~pre], minlength=n)
        left_in_window = (
            ~alive
            & valuable
            & regular
            & active_at_start
            & (recent_count <= np.floor(0.3 * expected))
        )
        natural = np.flatnonzero(left_in_window)
        lapsing = np.sort(np.concatenate((planted, natural)))
        planted_set = set(planted.tolist())
        for c in lapsing:
            if c not in planted_set:
                facts.append((float(baseline[c] * 365), int(recent_count[c]) / LAPSE_DAYS * 365))
                continue
            mine = by_owner[bounds[c] : bounds[c + 1]]
            recent = mine[~pre[mine]]
            recent = recent[np.argsort(tx_time[recent], kind="stable")]
            allowed = int(0.3 * expected[c])  # a trickle at most: under a third of baseline
            keep[recent[allowed:]] = False
            kept = min(allowed, len(recent))
            facts.append((float(baseline[c] * 365), kept / LAPSE_DAYS * 365))
        tx_owner, tx_time, amount = tx_owner[keep], tx_time[keep], amount[keep]
        order = np.lexsort((tx_owner, tx_time))
        tx_owner, tx_time, amount = tx_owner[order], tx_time[order], amount[order]
        refs = booking_refs(np.arange(len(tx_owner), dtype=np.int64))
        refs_of: list[list[int]] = [[] for _ in range(n)]
        for i, c in enumerate(tx_owner.tolist()):
            refs_of[c].append(i)

        first = [ph.FIRST_NAMES[i] for i in rng.integers(0, len(ph.FIRST_NAMES), n)]
        last = [ph.LAST_NAMES[i] for i in rng.integers(0, len(ph.LAST_NAMES), n)]
        style = rng.integers(0, 4, n)
        numbers = rng.integers(1, 99, n)
        domains = ("example.com", "example.org", "example.net", "mail.example.com")
        dom = rng.integers(0, len(domains), n)
        emails: list[str] = []
        seen: set[str] = set()
        for i in range(n):
            f, la = _fold(first[i]) or "x", _fold(last[i]) or "y"
            local = (f"{f}.{la}", f"{f}{la}{numbers[i]}", f"{f[0]}{la}", f"{f}_{la}")[style[i]]
            email = f"{local}@{domains[dom[i]]}"
            k = 2
            while email in seen:
                email = f"{local}{k}@{domains[dom[i]]}"
                k += 1
            seen.add(email)
            emails.append(email)
        return _Shop(
            names=[f"{a} {b}" for a, b in zip(first, last, strict=True)],
            first=first,
            emails=emails,
            joined=joined,
            rate=rate * 365,
            dropout=dropout,
            alive=alive,
            lapsing=lapsing,
            lapsing_planted=planted,
            lapsing_facts=facts,
            tx_owner=tx_owner,
            tx_time=tx_time,
            tx_amount=amount,
            tx_refs=refs,
            refs_of=refs_of,
        )


def customer_id(index: int) -> str:
    return f"C{index + 1:05d}"


# --------------------------------------------------------------------------- people


@dataclass(slots=True)
class _People:
    # Per person.
    customer: NDArray[np.int64]  # shop customer index or -1
    first: list[str]
    names: list[str]
    idents_of: list[list[int]]
    # Per identity; the brand's support accounts are the last six rows, the main account after.
    person: NDArray[np.int64]  # -1 for the brand
    channel: NDArray[np.int64]
    ext: list[str]
    handle: list[str]
    display: list[str]
    followers: list[int | None]
    weight: NDArray[np.float64]  # how much each identity posts
    by_channel: list[NDArray[np.int64]]
    advocates: NDArray[np.int64]  # identity indexes
    hard_negatives: list[tuple[int, int]]  # identity index pairs
    brand_support: NDArray[np.int64]  # channel -> identity index
    brand_main: int

    @staticmethod
    def build(rng: np.random.Generator, p: DemoParams, shop: _Shop) -> _People:
        n_cust = min(round(0.45 * p.customers), max(10, round(0.06 * p.messages)))
        n_public = max(60, round(0.2 * p.messages))
        social = np.sort(rng.choice(p.customers, size=n_cust, replace=False))
        customer = np.concatenate((social, np.full(n_public, -1))).astype(np.int64)
        n_people = len(customer)
        first = [shop.first[c] for c in social.tolist()]
        last_of_cust = [shop.names[c].split(" ", 1)[1] for c in social.tolist()]
        pf = rng.integers(0, len(ph.FIRST_NAMES), n_public)
        pl = rng.integers(0, len(ph.LAST_NAMES), n_public)
        first += [ph.FIRST_NAMES[i] for i in pf]
        last = last_of_cust + [ph.LAST_NAMES[i] for i in pl]

        is_cust = customer >= 0
        k = np.where(
            is_cust,
            rng.choice([1, 2, 3], size=n_people, p=[0.6, 0.3, 0.1]),
            rng.choice([1, 2, 3], size=n_people, p=[0.9, 0.08, 0.02]),
        )
        w_cust = np.array([0.3, 0.2, 0.15, 0.08, 0.17, 0.1])
        w_pub = np.array([0.42, 0.18, 0.14, 0.14, 0.04, 0.08])
        keys = np.log(np.where(is_cust[:, None], w_cust, w_pub)) + rng.gumbel(size=(n_people, 6))
        ranked = np.argsort(-keys, axis=1)
        # Every channel has some public voices, whatever the size.
        for j in range(12):
            person = n_cust + j
            ranked[person] = np.roll(np.arange(6), -(j % 6))
        # Hard negatives: pairs of one-channel public people who share a name.
        singles = np.flatnonzero(~is_cust & (k == 1) & (ranked[:, 0] != RD))  # reddit: no names
        singles = singles[singles >= n_cust + 12]
        n_pairs = min(len(singles) // 2, max(3, round(0.01 * n_public)))
        chosen = rng.choice(singles, size=2 * n_pairs, replace=False)
        pairs = [(int(chosen[2 * i]), int(chosen[2 * i + 1])) for i in range(n_pairs)]
        for a, b in pairs:
            first[b], last[b] = first[a], last[a]
            if rng.random() < 0.5:  # the same name typed without accents
                first[b] = (
                    unicodedata.normalize("NFKD", first[b]).encode("ascii", "ignore").decode()
                )
        names = [f"{a} {b}" for a, b in zip(first, last, strict=True)]

        person_rows = np.repeat(np.arange(n_people), k)
        rank = np.arange(len(person_rows)) - np.repeat(np.cumsum(k) - k, k)
        channel = ranked[person_rows, rank]
        n_ident = len(person_rows)
        base_style = rng.integers(0, 8, n_people)
        base_num = rng.integers(1, 100, n_people)
        var = rng.integers(0, 10, n_ident)
        var_num = rng.integers(1, 1000, n_ident)
        disp_style = rng.integers(0, 10, n_ident)
        emoji = rng.integers(0, 7, n_ident)
        followers_raw = np.exp(rng.normal(5.0, 1.5, n_ident)).astype(np.int64)
        influencer = rng.random(n_ident) < 0.005
        followers_raw = np.where(influencer, followers_raw * 200 + 20_000, followers_raw)
        weight = rng.pareto(1.2, n_ident) + 1.0
        weight = np.minimum(weight, 150.0)
        lapsing = set(shop.lapsing_planted.tolist())  # they post less, too
        neg_b = {b for _, b in pairs}
        look_alike = neg_b | {a for a, _ in pairs}

        taken: list[set[str]] = [set() for _ in CHANNELS]
        seq = [0] * 6
        ext: list[str] = []
        handles: list[str] = []
        display: list[str] = []
        followers: list[int | None] = []
        idents_of: list[list[int]] = [[] for _ in range(n_people)]
        for i in range(n_ident):
            pr, ch = int(person_rows[i]), int(channel[i])
            f, la = _fold(first[pr]) or "x", _fold(last[pr]) or "y"
            num = int(base_num[pr])
            base = (
                f"{f}{la}", f"{f}_{la}", f"{f}.{la}", f"{f}{la}{num}", f"{f[0]}{la}",
                f"{f}_{num}", f"the{f}{la}", f"{la}{f}",
            )[int(base_style[pr])]  # fmt: skip
            if pr in neg_b or var[i] >= 8:
                base = f"{base.replace('.', '')}{int(var_num[i])}"
            elif var[i] >= 6 and rank[i] > 0:
                base = f"{base}_"
            if ch in (X, IG):
                base = base.replace(".", "_")[:15]
            handle = base
            bump = 2
            while handle in taken[ch]:
                handle = f"{base}{bump}"
                bump += 1
            taken[ch].add(handle)
            s = seq[ch]
            seq[ch] += 1
            cust = int(customer[pr])
            if ch == X:
                eid = str(1_300_000_000 + s * 7919)
            elif ch == FB:
                eid = str(100_010_000_000_000 + s * 113)
            elif ch == IG:
                eid = str(5_200_000_000 + s * 59)
            elif ch == RD:
                eid = "t2_" + np.base_repr(8_000_000 + s * 31, 36).lower()
            elif ch == EM:
                eid = shop.emails[cust] if cust >= 0 else f"{handle}@mail.example.org"
                handle = eid
            else:
                eid = f"rv-user-{s + 1:06d}"
            name = names[pr]
            ds = 0 if pr in look_alike else int(disp_style[i])  # their names must collide
            if ch == X:
                name = (
                    name
                    if ds < 6
                    else (f"{first[pr]} {ph.EMOJI['other'][emoji[i] % 4]}" if ds < 8 else handle)
                )
            elif ch == IG:
                name = name if ds < 5 else handle
            elif ch == RD:
                name = handle
            elif ch == RV:
                name = f"{first[pr]} {last[pr][0]}."
            ext.append(eid)
            handles.append(handle)
            display.append(name)
            followers.append(int(followers_raw[i]) if ch in (X, FB, IG, RD) else None)
            idents_of[pr].append(i)
            if cust in lapsing:
                weight[i] *= 0.2

        # The brand's accounts.
        ident_person = np.concatenate((person_rows, np.full(7, -1))).astype(np.int64)
        channel = np.concatenate((channel, np.arange(6), [X])).astype(np.int64)
        for acct in (*BRAND.support, BRAND.main):
            ext.append(acct.external_id)
            handles.append(acct.handle)
            display.append(acct.display_name)
            followers.append(acct.followers)
        weight = np.concatenate((weight, np.zeros(7)))
        by_channel = [np.flatnonzero((channel == c) & (ident_person >= 0)) for c in range(6)]

        pub_people = np.arange(n_cust, n_people)
        n_adv = max(3, round(0.004 * n_public))
        adv_people = set(rng.choice(pub_people, size=n_adv, replace=False).tolist())
        advocates = np.array(
            [
                i
                for i in range(n_ident)
                if int(person_rows[i]) in adv_people and PUBLIC[int(channel[i])]
            ],
            dtype=np.int64,
        )
        return _People(
            customer=customer,
            first=first,
            names=names,
            idents_of=idents_of,
            person=ident_person,
            channel=channel,
            ext=ext,
            handle=handles,
            display=display,
            followers=followers,
            weight=weight,
            by_channel=by_channel,
            advocates=advocates,
            hard_negatives=[(idents_of[a][0], idents_of[b][0]) for a, b in pairs],
            brand_support=np.arange(n_ident, n_ident + 6, dtype=np.int64),
            brand_main=n_ident + 6,
        )


# --------------------------------------------------------------------------- messages


def _seasonal_times(
    rng: np.random.Generator, n: int, start_ts: int, days: int, trend: float = 0.15
) -> NDArray[np.int64]:
    hours = np.arange(days * 24)
    abs_h = start_ts // 3600 + hours
    dow = (abs_h // 24 + 3) % 7  # 1970-01-01 was a Thursday
    w = _DAILY[abs_h % 24] * _WEEKLY[dow] * (1.0 + trend * hours / len(hours))
    idx = rng.choice(len(hours), size=n, p=w / w.sum())
    return (start_ts + idx * 3600 + rng.integers(0, 3600, n)).astype(np.int64)


def _brand_delay(
    t: NDArray[np.int64], z: NDArray[np.float64], night: NDArray[np.bool_]
) -> NDArray[np.int64]:
    """Seconds until the brand answers a message sent at `t` (UTC, office in Dublin).

    Weekdays 08-20 the queue moves fast (median 15 min), weekends 09-18 slowly (90 min);
    outside those hours a message waits for the morning shift, unless the small night shift
    (`night`) picks it up (median 2 h).
    """
    dow = (t // 86400 + 3) % 7
    sec = t % 86400
    opens = np.where(dow < 5, 8, 9) * 3600
    closes = np.where(dow < 5, 20, 18) * 3600
    opens_tomorrow = np.where((dow + 1) % 7 < 5, 8, 9) * 3600
    open_now = (sec >= opens) & (sec < closes)
    wait = np.where(sec < opens, opens - sec, 86400 - sec + opens_tomorrow)
    median_min = np.where(open_now, np.where(dow < 5, 15.0, 90.0), np.where(night, 120.0, 40.0))
    wait = np.where(open_now | night, 0, wait)
    return (wait + median_min * 60.0 * np.exp(0.9 * z)).astype(np.int64) + 30


@dataclass(slots=True)
class _Plan:
    t: NDArray[np.int64]  # in final (time) order
    channel: NDArray[np.int64]
    author: NDArray[np.int64]
    kind: NDArray[np.int64]
    root_kind: NDArray[np.int64]
    lang: NDArray[np.int64]
    parent: NDArray[np.int64]  # position in this order, -1 for roots
    root: NDArray[np.int64]
    root_author: NDArray[np.int64]
    likes: NDArray[np.int64]
    shares: NDArray[np.int64]
    replies: NDArray[np.int64]
    other_ident: NDArray[np.int64]  # EVIDENCE_SELF: the account pointed to
    planted: NDArray[np.int64]  # 0 none, 1 incident, 2 idea, 3 statement
    incident_hour0: int
    incident_hourly: NDArray[np.int64]
    evidence: dict[int, list[str]]  # person -> evidence kinds

    @staticmethod
    def build(rng: np.random.Generator, p: DemoParams, shop: _Shop, people: _People) -> _Plan:
        end_ts = _ts(p.end)
        start_ts = end_ts - p.days * 86400
        N = p.messages

        roots: list[dict[str, NDArray[Any]]] = []

        def add(
            t: Any, ch: Any, author: Any, kind: Any, other: Any = None, planted: int = 0
        ) -> None:
            t = np.asarray(t, dtype=np.int64)
            n = len(t)
            roots.append(
                {
                    "t": t,
                    "ch": np.asarray(ch, dtype=np.int64),
                    "author": np.asarray(author, dtype=np.int64),
                    "kind": np.broadcast_to(np.asarray(kind, dtype=np.int64), (n,)).copy(),
                    "other": np.full(n, -1, dtype=np.int64)
                    if other is None
                    else np.asarray(other, dtype=np.int64),
                    "planted": np.full(n, planted, dtype=np.int64),
                }
            )

        # 1. Forced posts: every account of a linked person (a shop customer, or someone on
        # several channels) and of each hard-negative pair writes at least once, with evidence.
        f_author: list[int] = []
        f_kind: list[int] = []
        f_other: list[int] = []
        evidence: dict[int, list[str]] = {}
        r_self = rng.random(len(people.idents_of))
        for pr, idents in enumerate(people.idents_of):
            cust = int(people.customer[pr])
            if cust < 0 and len(idents) < 2:
                continue
            ev: list[str] = []
            for pos, ident in enumerate(idents):
                f_author.append(ident)
                if cust >= 0:
                    f_kind.append(EVIDENCE_REF)
                    f_other.append(-1)
                elif pos == 1 and r_self[pr] < 0.6:
                    f_kind.append(EVIDENCE_SELF)
                    f_other.append(idents[0])
                    ev.append("self_reference")
                else:
                    f_kind.append(COMPLAINT if (pos + pr) % 2 else QUESTION)
                    f_other.append(-1)
            if cust >= 0:
                ev.append("order_number")
                if any(int(people.channel[i]) == EM for i in idents):
                    ev.append("same_email")
            if len(idents) > 1:
                ev.append("similar_name")
            evidence[pr] = sorted(set(ev))
        for a, b in people.hard_negatives:
            f_author += [a, b]
            f_kind += [COMPLAINT, QUESTION]
            f_other += [-1, -1]
        fa = np.array(f_author, dtype=np.int64)
        add(
            _seasonal_times(rng, len(fa), start_ts, p.days),
            people.channel[fa],
            fa,
            np.array(f_kind),
            f_other,
        )

        # 2. The incident: a spark, exponential growth to a peak about 30 h later, then decay.
        n_inc = max(30, round(0.035 * N))
        inc_day = int(p.days * 0.72) + int(rng.integers(0, max(1, p.days // 12)))
        inc_day = min(inc_day, p.days - 5)
        hour0 = start_ts + inc_day * 86400 + int(rng.integers(7, 11)) * 3600
        h = np.arange(96, dtype=np.float64)
        spark, grow = 3.0, 28.0
        rate = np.log(60.0) / grow
        peak_h = spark + grow
        shape = np.where(
            h < spark,
            1.0,
            np.where(h < peak_h, np.exp(rate * (h - spark)), 60.0 * np.exp(-(h - peak_h) / 12.0)),
        )
        hourly = rng.multinomial(n_inc - 1, shape / shape.sum())
        hourly[0] += 1  # the spark: the first message opens the incident
        inc_t = hour0 + np.repeat(np.arange(96), hourly) * 3600 + rng.integers(0, 3600, n_inc)
        inc_t[0] = hour0 + 60 * int(rng.integers(0, 20))  # hour 0 holds at least this one
        inc_ch = rng.choice([X, FB, RD, IG], size=n_inc, p=[0.65, 0.18, 0.12, 0.05])
        add(inc_t, inc_ch, _pick_authors(rng, people, inc_ch, flat=True), INCIDENT, planted=1)
        peak_t = hour0 + int(np.argmax(hourly)) * 3600
        add([peak_t + 2 * 3600 + 900], [X], [people.brand_main], STATEMENT, planted=3)

        # 3. The echoed idea, slowly gathering voices.
        n_idea = max(10, round(0.01 * N))
        idea_t = _seasonal_times(rng, n_idea, start_ts, p.days, trend=1.5)
        idea_ch = rng.choice([X, RD, FB, IG, RV], size=n_idea, p=[0.35, 0.2, 0.2, 0.15, 0.1])
        add(idea_t, idea_ch, _pick_authors(rng, people, idea_ch, flat=True), IDEA, planted=2)

        fixed = {k: np.concatenate([r[k] for r in roots]) for k in roots[0]}
        fixed_threads = _threads(rng, fixed, people, end_ts)
        budget = N - int(fixed_threads["size"].sum())
        if budget < 0:
            raise ValueError(
                f"messages: {N} is too few for {p.customers} customers; "
                f"the planted scenario alone needs {N - budget}"
            )

        # 4. Everyday traffic, threaded, trimmed to exactly `messages` in total.
        g_n = max(budget, 1)
        g_ch = rng.choice(6, size=g_n, p=[0.38, 0.16, 0.11, 0.10, 0.15, 0.10])
        kinds = np.array([COMPLAINT, SARCASM, QUESTION, PRAISE, SUGGESTION, PURCHASE, CHURN, OTHER])
        mix = {
            EM: [0.45, 0.0, 0.40, 0.05, 0.0, 0.05, 0.05, 0.0],
            RV: [0.35, 0.05, 0.0, 0.35, 0.05, 0.0, 0.08, 0.12],
        }
        default_mix = [0.30, 0.06, 0.22, 0.13, 0.04, 0.08, 0.04, 0.13]
        g_kind = np.empty(g_n, dtype=np.int64)
        for c in range(6):
            sel = np.flatnonzero(g_ch == c)
            g_kind[sel] = rng.choice(kinds, size=len(sel), p=mix.get(c, default_mix))
        general = {
            "t": _seasonal_times(rng, g_n, start_ts, p.days),
            "ch": g_ch,
            "author": _pick_authors(rng, people, g_ch, flat=False),
            "kind": g_kind,
            "other": np.full(g_n, -1, dtype=np.int64),
            "planted": np.zeros(g_n, dtype=np.int64),
        }
        g_threads = _threads(rng, general, people, end_ts)
        fits = int(np.searchsorted(np.cumsum(g_threads["size"]), budget, side="right"))
        gap = budget - int(g_threads["size"][:fits].sum())
        # The gap (smaller than one thread) is filled with unanswered posts.
        take = fits + gap
        for key in ("levels", "c2c", "size"):
            g_threads[key][fits:take] = 1 if key == "size" else 0
        roots_all = {k: np.concatenate((fixed[k], general[k][:take])) for k in fixed}
        threads = {
            k: np.concatenate((fixed_threads[k], g_threads[k][:take])) for k in fixed_threads
        }
        return _Plan.rows(rng, roots_all, threads, people, hour0, hourly, evidence)

    @staticmethod
    def rows(
        rng: np.random.Generator,
        roots: dict[str, NDArray[Any]],
        th: dict[str, NDArray[Any]],
        people: _People,
        hour0: int,
        hourly: NDArray[np.int64],
        evidence: dict[int, list[str]],
    ) -> _Plan:
        R = len(roots["t"])
        ridx = np.arange(R)
        blocks: list[dict[str, NDArray[Any]]] = []
        row_of_level = np.full((5, R), -1, dtype=np.int64)
        offset = 0

        def block(
            sel: NDArray[np.int64],
            t: NDArray[np.int64],
            author: NDArray[np.int64],
            kind: NDArray[np.int64],
            parent_level: int,
        ) -> None:
            nonlocal offset
            n = len(sel)
            blocks.append(
                {
                    "t": t[sel],
                    "ch": roots["ch"][sel],
                    "author": author[sel],
                    "kind": kind[sel],
                    "root": sel,
                    "parent": row_of_level[parent_level, sel]
                    if parent_level >= 0
                    else np.full(n, -1),
                    "planted": roots["planted"][sel]
                    if parent_level < 0
                    else np.zeros(n, dtype=np.int64),
                    "other": roots["other"][sel] if parent_level < 0 else np.full(n, -1),
                }
            )
            return_rows = np.arange(offset, offset + n)
            offset += n
            if parent_level < 3:
                row_of_level[parent_level + 1, sel] = return_rows

        brand = people.brand_support[roots["ch"]]
        cust = roots["author"]
        block(ridx, roots["t"], cust, roots["kind"], -1)
        levels = th["levels"]
        kinds_by_level = (BRAND_REPLY, th["follow_kind"], BRAND_SECOND, th["closing_kind"])
        authors_by_level = (brand, cust, brand, cust)
        for lvl in range(1, 5):
            sel = np.flatnonzero(levels >= lvl)
            kind = kinds_by_level[lvl - 1]
            kind_arr = np.broadcast_to(np.asarray(kind), (R,))
            block(sel, th[f"t{lvl}"], authors_by_level[lvl - 1], kind_arr, lvl - 1)
        sel = np.flatnonzero(th["c2c"] > 0)
        blocks.append(
            {
                "t": th["tc"][sel],
                "ch": roots["ch"][sel],
                "author": th["helper"][sel],
                "kind": np.full(len(sel), HELPFUL),
                "root": sel,
                "parent": row_of_level[0, sel],
                "planted": np.zeros(len(sel), dtype=np.int64),
                "other": np.full(len(sel), -1),
            }
        )
        cat = {k: np.concatenate([b[k] for b in blocks]).astype(np.int64) for k in blocks[0]}
        order = np.lexsort((np.arange(len(cat["t"])), cat["t"]))
        position = np.empty_like(order)
        position[order] = np.arange(len(order))
        parent = cat["parent"][order]
        parent = np.where(parent >= 0, position[np.maximum(parent, 0)], -1)
        root = cat["root"][order]
        author = cat["author"][order]
        replies = np.bincount(parent[parent >= 0], minlength=len(order))

        foll = np.array([f if f is not None else 0 for f in people.followers], dtype=np.float64)
        reach = np.sqrt(foll[author])
        planted = cat["planted"][order]
        is_root = parent < 0
        boost = np.where(planted == 1, 4.0, 1.0)
        likes = rng.poisson(np.where(is_root, (0.3 + 0.05 * reach) * boost, 0.2))
        shares = rng.poisson(np.where(is_root, (0.02 + 0.01 * reach) * boost * boost, 0.01))
        ch = cat["ch"][order]
        no_social = (ch == EM) | (ch == RV)
        likes = np.where(no_social, 0, likes)
        shares = np.where(no_social, 0, shares)
        return _Plan(
            t=cat["t"][order],
            channel=ch,
            author=author,
            kind=cat["kind"][order],
            root_kind=roots["kind"][root],
            lang=th["lang"][root],
            parent=parent,
            root=position[row_of_level[0, root]],
            root_author=roots["author"][root],
            likes=likes,
            shares=shares,
            replies=replies,
            other_ident=cat["other"][order],
            planted=planted,
            incident_hour0=hour0,
            incident_hourly=hourly,
            evidence=evidence,
        )


def _pick_authors(
    rng: np.random.Generator, people: _People, channels: NDArray[np.int64], *, flat: bool
) -> NDArray[np.int64]:
    """Authors for posts on `channels`: heavy posters more often, unless `flat` (a crowd)."""
    out = np.empty(len(channels), dtype=np.int64)
    for c in range(6):
        sel = np.flatnonzero(channels == c)
        pool = people.by_channel[c]
        if not len(sel):
            continue
        w = people.weight[pool] ** (0.3 if flat else 1.0)
        out[sel] = rng.choice(pool, size=len(sel), p=w / w.sum())
    return out


def _threads(
    rng: np.random.Generator, roots: dict[str, NDArray[Any]], people: _People, end_ts: int
) -> dict[str, NDArray[Any]]:
    """Decide each root's thread: brand replies, follow-ups, a helpful stranger; with times."""
    n = len(roots["t"])
    ch, kind, t0 = roots["ch"], roots["kind"], roots["t"]
    p_answer = np.array([0.78, 0.65, 0.5, 0.3, 0.95, 0.45])[ch]
    p_answer = np.where(kind == PRAISE, p_answer * 0.6, p_answer)
    p_answer = np.where(kind == OTHER, p_answer * 0.35, p_answer)
    p_answer = np.where(kind == INCIDENT, 0.45, p_answer)
    p_answer = np.where(kind == STATEMENT, 0.0, p_answer)
    u = rng.random((n, 6))
    levels = (u[:, 0] < p_answer).astype(np.int64)
    levels += (levels == 1) & (u[:, 1] < 0.4) & (ch != RV)
    levels += (levels == 2) & (u[:, 2] < 0.8)
    levels += (levels == 3) & (u[:, 3] < 0.45)
    night = rng.random((n, 2)) < 0.25
    z = rng.normal(size=(n, 4))
    slow = np.where(kind == INCIDENT, 3.0, 1.0)
    t1 = t0 + (_brand_delay(t0, z[:, 0], night[:, 0]) * slow).astype(np.int64)
    t2 = t1 + (30 * 60 * np.exp(1.1 * z[:, 1])).astype(np.int64) + 20
    t3 = t2 + (_brand_delay(t2, z[:, 2], night[:, 1]) * 0.7).astype(np.int64)
    t4 = t3 + (45 * 60 * np.exp(1.0 * z[:, 3])).astype(np.int64) + 20
    # Nothing happens after the end of the world: truncate threads there.
    levels = np.minimum(levels, (t1 <= end_ts) + (t2 <= end_ts) + (t3 <= end_ts) + (t4 <= end_ts))
    levels = np.where(t1 > end_ts, 0, levels)

    p_help = np.where(
        kind == QUESTION, 0.2, np.where((kind == COMPLAINT) | (kind == INCIDENT), 0.05, 0.01)
    )
    p_help = np.where(ch == RD, np.minimum(p_help * 2.5, 0.6), p_help)
    p_help = np.where(PUBLIC[ch] & (kind != STATEMENT), p_help, 0.0)
    tc = t0 + (50 * 60 * np.exp(rng.normal(size=n))).astype(np.int64) + 60
    c2c = (u[:, 4] < p_help) & (tc <= end_ts)
    helper = np.full(n, -1, dtype=np.int64)
    sel = np.flatnonzero(c2c)
    if len(sel):
        adv_ch = (
            people.channel[people.advocates]
            if len(people.advocates)
            else np.array([], dtype=np.int64)
        )
        crowd = _pick_authors(rng, people, ch[sel], flat=True)
        pick = rng.integers(0, 1 << 30, len(sel))
        for j, r in enumerate(sel.tolist()):
            cands = people.advocates[adv_ch == ch[r]]
            use_adv = len(cands) and u[r, 5] < 0.6
            helper[r] = cands[pick[j] % len(cands)] if use_adv else crowd[j]
            if helper[r] == roots["author"][r]:
                pool = people.by_channel[int(ch[r])]
                helper[r] = pool[(np.searchsorted(pool, helper[r]) + 1) % len(pool)]
        c2c &= helper != roots["author"]

    customer_author = people.person[roots["author"]] >= 0
    is_cust = np.zeros(n, dtype=bool)
    is_cust[customer_author] = people.customer[people.person[roots["author"]][customer_author]] >= 0
    v = rng.random(n)
    follow = np.where(v < 0.35, FOLLOW_STILL, np.where(v < 0.65, FOLLOW_THANKS, FOLLOW_REF))
    follow = np.where(
        (follow == FOLLOW_REF) & ~is_cust & (rng.random(n) < 0.5), FOLLOW_STILL, follow
    )
    closing = np.where(rng.random(n) < 0.6, CLOSING_GOOD, CLOSING_BAD)
    lang_u = rng.random(n)
    lang = np.where(lang_u < 0.035, rng.choice([1, 2, 3], size=n, p=[0.45, 0.3, 0.25]), 0)
    lang = np.where(
        np.isin(kind, [INCIDENT, IDEA]) & (lang_u < 0.06), rng.choice([1, 2, 3], size=n), lang
    )
    lang = np.where(np.isin(kind, [EVIDENCE_REF, EVIDENCE_SELF, STATEMENT]), 0, lang)
    size = 1 + levels + c2c
    return {
        "levels": levels,
        "c2c": c2c.astype(np.int64),
        "size": size,
        "t1": t1,
        "t2": t2,
        "t3": t3,
        "t4": t4,
        "tc": tc,
        "helper": helper,
        "follow_kind": follow,
        "closing_kind": closing,
        "lang": lang,
    }


# --------------------------------------------------------------------------- text


_TYPO_SKIP = set(" @#^/{}.,!?'\"\n")


def _typo(text: str, r: int) -> str:
    """One human slip: swapped, dropped or doubled letter, or all lower case without stops."""
    kind = r % 4
    if kind == 3:
        return text.lower().replace("'", "").replace(".", "")
    pos = (r >> 2) % max(1, len(text) - 2) + 1
    while pos < len(text) - 1 and not (text[pos].isalpha() and text[pos + 1].isalpha()):
        pos += 1
    if pos >= len(text) - 1:
        return text
    if kind == 0:
        return text[:pos] + text[pos + 1] + text[pos] + text[pos + 2 :]
    if kind == 1:
        return text[:pos] + text[pos + 1 :]
    return text[:pos] + text[pos] + text[pos:]


class _Texts:
    """Fills templates for one world; every choice comes from the per-message random words."""

    def __init__(self, params: DemoParams, shop: _Shop, people: _People, plan: _Plan) -> None:
        self.shop, self.people = shop, people
        self.year = str(params.end.year)
        # Plain lists: indexing NumPy arrays one element at a time is slow.
        self.kind: list[int] = plan.kind.tolist()
        self.channel: list[int] = plan.channel.tolist()
        self.lang: list[int] = plan.lang.tolist()
        self.root_kind: list[int] = plan.root_kind.tolist()
        self.root: list[int] = plan.root.tolist()
        self.author: list[int] = plan.author.tolist()
        self.root_author: list[int] = plan.root_author.tolist()
        self.other: list[int] = plan.other_ident.tolist()
        self.person: list[int] = people.person.tolist()
        self.ident_channel: list[int] = people.channel.tolist()
        self.customer: list[int] = people.customer.tolist()

    def bank(self, i: int) -> list[Template]:
        kind, ch = self.kind[i], self.channel[i]
        lang = LANGS[self.lang[i]]
        if kind == BRAND_REPLY or (kind == BRAND_SECOND and ch == EM):
            if ch == EM:
                return _EMAIL_REPLY["en"]
            banks = _BRAND_BANKS[_REPLY_CATEGORY.get(self.root_kind[i], "other")]
        elif kind == EVIDENCE_REF and ch == EM:
            banks = _EMAIL_REF
        else:
            banks = _BANKS[kind]
        return banks.get(lang) or banks["en"]

    def text(self, i: int, r: list[int]) -> tuple[str, Template]:
        bank = self.bank(i)
        tpl = bank[r[0] % len(bank)]
        slot = self.slot
        values = {name: slot(name, i, r[1 + k % 5]) for k, name in enumerate(tpl.slots)}
        text = tpl.text.format_map(values).strip()
        kind = self.kind[i]
        if kind in (BRAND_REPLY, BRAND_SECOND, STATEMENT) or self.channel[i] == EM:
            return text, tpl
        style = r[6]
        if "ref" in tpl.slots:  # people copy-paste references: keep them exact
            style = style // 100 * 100 + 99
        if tpl.language == "en" and style % 100 < 12:
            text = _typo(text, style >> 7)
        if style % 1000 >= 720:
            icons = ph.EMOJI.get(tpl.intent, ph.EMOJI["other"])
            text = f"{text} {icons[(style >> 10) % len(icons)] * (1 + (style >> 14) % 2)}"
        if tpl.intent == "complaint" and (style >> 16) % 50 == 0 and "ref" not in tpl.slots:
            text = text.upper()
        return text, tpl

    def slot(self, name: str, i: int, r: int) -> str:
        simple = _SIMPLE_SLOTS.get(name)
        if simple is not None:
            return simple(r)
        ch = self.channel[i]
        if name == "brand_at":
            return (
                "@BluefinchAir"
                if ch == X
                else ("u/Bluefinch_Official" if ch == RD else BRAND.short)
            )
        if name == "year":
            return self.year
        if name == "agent":
            return ph.AGENTS[self.root[i] % len(ph.AGENTS)]
        if name == "ref":
            return self.ref(self.author[i], r)
        if name in ("first", "name"):
            person = self.person[self.author[i]]
            if person < 0:  # the brand writing to the customer who started the thread
                person = self.person[self.root_author[i]]
            return self.people.first[person] if name == "first" else self.people.names[person]
        if name == "to":
            return self.greeting(self.root_author[i], ch)
        if name in ("other", "other_channel"):
            other = self.other[i]
            och = self.ident_channel[other]
            if name == "other_channel":
                return ph.CHANNEL_LABELS[CHANNELS[och]]
            return self.mention(other, och)
        raise KeyError(name)

    def ref(self, author: int, r: int) -> str:
        person = self.person[author]
        cust = self.customer[person] if person >= 0 else -1
        if cust >= 0:
            mine = self.shop.refs_of[cust]
            return self.shop.tx_refs[mine[r % len(mine)]]
        # Strangers quote references that exist nowhere in the shop (past 2**29).
        return _pnr((1 << 29) + r % (1 << 28))

    def mention(self, ident: int, ch: int) -> str:
        handle = self.people.handle[ident]
        if ch in (X, IG):
            return f"@{handle}"
        if ch == RD:
            return f"u/{handle}"
        return self.people.display[ident]

    def greeting(self, ident: int, ch: int) -> str:
        if ch in (X, IG):
            return f"@{self.people.handle[ident]}"
        person = self.person[ident]
        first = self.people.first[person] if person >= 0 else ""
        if ch in (FB, RV):
            return f"Hi {first},"
        return ""


def _outcome(r: int, cap: bool) -> str:
    text = ph.EMAIL_OUTCOMES[r % len(ph.EMAIL_OUTCOMES)]
    return text[0].upper() + text[1:] if cap else text


_SIMPLE_SLOTS = {
    "brand": lambda r: BRAND.short,
    "city": lambda r: ph.CITIES[r % len(ph.CITIES)],
    "city3": lambda r: _fold(ph.CITIES[r % len(ph.CITIES)])[:3].upper(),
    "flight": lambda r: f"BF{100 + r % 900}",
    "hours": lambda r: str(2 + r % 6),
    "mins": lambda r: str(20 + r % 76),
    "days": lambda r: str(3 + r % 40),
    "weeks": lambda r: str(2 + r % 7),
    "n": lambda r: str(2 + r % 8),
    "amount": lambda r: f"€{29 + r % 420}.{(r >> 9) % 100:02d}",
    "item": lambda r: ph.ITEMS[r % len(ph.ITEMS)],
    "month": lambda r: ph.MONTHS[r % 12],
    "seat": lambda r: f"{1 + r % 30}{'ABCDEF'[(r >> 5) % 6]}",
    "case": lambda r: f"CX-{r % 1_000_000:06d}",
    "outcome": lambda r: _outcome(r, False),
    "outcome_cap": lambda r: _outcome(r, True),
}


def _pnr(number: int) -> str:
    """The pure-Python twin of `booking_refs` for a single number."""
    scrambled = (number * 747_796_405 + 2_891_336_453) % (1 << 30)
    return "".join(str(_PNR[(scrambled >> (5 * k)) & 31]) for k in range(6))


def _url(ch: int, ext: str, handle: str) -> str:
    if ch == X:
        return f"https://x.com/{handle}/status/{ext}"
    if ch == RD:
        return f"https://www.reddit.com/r/travel/comments/{ext[3:]}/"
    if ch == FB:
        return f"https://www.facebook.com/{ext}"
    if ch == IG:
        return f"https://www.instagram.com/p/{ext}/"
    if ch == RV:
        return f"https://reviews.example/bluefinch-airways/{ext}"
    return ""


def _message_ids(plan: _Plan) -> list[str]:
    """External ids in each channel's own style, increasing with time within a channel."""
    n = len(plan.t)
    seq = np.zeros(n, dtype=np.int64)
    for c in range(6):
        sel = np.flatnonzero(plan.channel == c)
        seq[sel] = np.arange(len(sel))
    out: list[str] = []
    for c, s in zip(plan.channel.tolist(), seq.tolist(), strict=True):
        if c == X:
            out.append(str(1_850_000_000_000_000_000 + s * 4_194_304_007))
        elif c == FB:
            out.append(f"100064500000001_{9_000_000_000 + s * 37}")
        elif c == IG:
            out.append(str(17_900_000_000_000_000 + s * 1_009))
        elif c == RD:
            out.append("t1_" + np.base_repr(30_000_000 + s * 17, 36).lower())
        elif c == EM:
            out.append(f"<{s + 1:08d}.demo@mail.bluefinch.example>")
        else:
            out.append(f"rv-{s + 1:07d}")
    return out


# --------------------------------------------------------------------------- assembly


def _assemble(
    rng: np.random.Generator, p: DemoParams, shop: _Shop, people: _People, plan: _Plan
) -> DemoWorld:
    n = len(plan.t)
    words_all = rng.integers(0, 1 << 31, size=(n, 7), dtype=np.int64)
    ext = _message_ids(plan)
    texts = _Texts(p, shop, people, plan)
    first_brand = len(people.person) - 7
    channel_of = [CHANNELS[c] for c in plan.channel.tolist()]
    authors, parents = plan.author.tolist(), plan.parent.tolist()
    likes, shares, replies = plan.likes.tolist(), plan.shares.tolist(), plan.replies.tolist()
    base = _dt(0)
    seconds = plan.t.tolist()
    ident_ext, handles, names, followers = (
        people.ext,
        people.handle,
        people.display,
        people.followers,
    )
    channel_codes = plan.channel.tolist()
    messages: list[MessageItem] = []
    truth: list[Template] = []
    words: list[list[int]] = []
    for i in range(n):
        if i % 65536 == 0:  # Python ints for speed, a slice at a time for memory
            words = words_all[i : i + 65536].tolist()
        a = authors[i]
        text, tpl = texts.text(i, words[i % 65536])
        parent = parents[i]
        messages.append(
            MessageItem(
                channel=channel_of[i],
                external_id=ext[i],
                author_id=ident_ext[a],
                author_handle=handles[a],
                author_name=names[a],
                created_at=base + timedelta(seconds=seconds[i]),
                text=text,
                url=_url(channel_codes[i], ext[i], handles[a]),
                in_reply_to=ext[parent] if parent >= 0 else "",
                likes=likes[i],
                shares=shares[i],
                replies=replies[i],
                followers=followers[a],
                is_from_company=a >= first_brand,
            )
        )
        truth.append(tpl)
    brand_idents = set(range(first_brand, len(people.person)))

    used = np.unique(plan.author)
    identities = [
        DemoIdentity(
            channel=CHANNELS[int(people.channel[i])],
            external_id=people.ext[i],
            handle=people.handle[i],
            display_name=people.display[i],
            followers=people.followers[i],
            person_id=f"P{int(people.person[i]) + 1:06d}" if people.person[i] >= 0 else "",
            customer_id=_customer_of(people, int(i)),
            is_company=int(i) in brand_idents,
        )
        for i in used.tolist()
    ]
    segment = np.where(shop.alive, "active", "churned").astype(object)
    segment[shop.lapsing] = "lapsing"
    customers = [
        DemoCustomer(
            customer_id=customer_id(c),
            name=shop.names[c],
            email=shop.emails[c],
            joined_at=_dt(shop.joined[c]),
            segment=str(segment[c]),
            purchases_per_year=round(float(shop.rate[c]), 3),
            dropout=round(float(shop.dropout[c]), 3),
        )
        for c in range(p.customers)
    ]
    transactions = [
        DemoTransaction(
            external_id=shop.tx_refs[i],
            customer_id=customer_id(c),
            email=shop.emails[c],
            occurred_at=_dt(t),
            amount=Decimal(f"{amt:.2f}"),
        )
        for i, (c, t, amt) in enumerate(
            zip(shop.tx_owner.tolist(), shop.tx_time.tolist(), shop.tx_amount.tolist(), strict=True)
        )
    ]
    world_truth = _truth(p, shop, people, plan, ext)
    summary = {
        "customers": len(customers),
        "transactions": len(transactions),
        "identities": len(identities),
        "messages": len(messages),
        "brand_messages": sum(1 for m in messages if m.is_from_company),
        "incident_messages": len(world_truth.incident.message_ids),
        "idea_messages": len(world_truth.idea.message_ids),
        "lapsing_customers": len(world_truth.lapsing),
        "churners": len(world_truth.churners),
        "shared_identities": len(world_truth.shared_identities),
    }
    return DemoWorld(
        params=p,
        brand=BRAND,
        customers=customers,
        identities=identities,
        transactions=transactions,
        messages=messages,
        message_truth=truth,
        truth=world_truth,
        summary=summary,
    )


def _customer_of(people: _People, ident: int) -> str:
    person = int(people.person[ident])
    if person < 0:
        return ""
    cust = int(people.customer[person])
    return customer_id(cust) if cust >= 0 else ""


def _truth(p: DemoParams, shop: _Shop, people: _People, plan: _Plan, ext: list[str]) -> GroundTruth:
    def key(i: int) -> MessageKey:
        return (CHANNELS[int(plan.channel[i])], ext[i])

    def ident_key(i: int) -> MessageKey:
        return (CHANNELS[int(people.channel[i])], people.ext[i])

    inc = np.flatnonzero(plan.planted == 1)
    inc_t = plan.t[inc]
    start, last = int(inc_t.min()), int(inc_t.max())
    peak = plan.incident_hour0 + int(np.argmax(plan.incident_hourly)) * 3600
    incident = Incident(
        topic=ph.INCIDENT_TOPIC,
        keywords=list(ph.INCIDENT_KEYWORDS),
        start=_dt(start),
        peak=_dt(peak),
        growth_10pct_at=_dt(start + (peak - start) // 10),
        end=_dt(last),
        hour0=_dt(plan.incident_hour0),
        hourly_counts=[int(c) for c in plan.incident_hourly],
        message_ids=[key(i) for i in inc.tolist()],
        brand_statement_ids=[key(i) for i in np.flatnonzero(plan.planted == 3).tolist()],
    )
    idea = EchoedIdea(
        key=ph.IDEA_KEY,
        summary=ph.IDEA_SUMMARY,
        message_ids=[key(i) for i in np.flatnonzero(plan.planted == 2).tolist()],
    )
    lapse_start = _dt(_ts(p.end) - LAPSE_DAYS * 86400)
    spend = np.bincount(shop.tx_owner, weights=shop.tx_amount, minlength=p.customers)
    planted = set(shop.lapsing_planted.tolist())
    lapsing = [
        LapsingCustomer(
            customer_id=customer_id(int(c)),
            historic_spend=Decimal(f"{spend[c]:.2f}"),
            baseline_per_year=round(base, 3),
            recent_per_year=round(recent, 3),
            lapse_start=lapse_start,
            how="planted" if c in planted else "left",
        )
        for c, (base, recent) in zip(shop.lapsing.tolist(), shop.lapsing_facts, strict=True)
    ]
    lapsing_set = set(shop.lapsing.tolist())
    shared = []
    for person, ev in sorted(plan.evidence.items()):
        cust = int(people.customer[person])
        shared.append(
            SharedIdentity(
                person_id=f"P{person + 1:06d}",
                customer_id=customer_id(cust) if cust >= 0 else None,
                identities=[ident_key(i) for i in people.idents_of[person]],
                evidence=ev,
            )
        )
    negatives = [
        HardNegative(
            a=ident_key(a),
            b=ident_key(b),
            display_name_a=people.display[a],
            display_name_b=people.display[b],
        )
        for a, b in people.hard_negatives
    ]
    helped = set(plan.author[plan.kind == HELPFUL].tolist())
    return GroundTruth(
        params=p,
        brand=BRAND.name,
        incident=incident,
        idea=idea,
        lapsing=lapsing,
        churners=[
            customer_id(c) for c in np.flatnonzero(~shop.alive).tolist() if c not in lapsing_set
        ],
        shared_identities=shared,
        hard_negatives=negatives,
        advocates=[ident_key(i) for i in people.advocates.tolist() if i in helped],
    )


__all__ = [
    "BRAND",
    "CHANNELS",
    "DemoCustomer",
    "DemoIdentity",
    "DemoParams",
    "DemoTransaction",
    "DemoWorld",
    "GroundTruth",
    "generate",
]
