"""Identity resolution maths: normalising names and handles, spotting order numbers and
cross-channel mentions in text, blocking, and the pairwise match confidence.

Pure Python on plain data (no Django). String similarity comes from RapidFuzz (a C++
library with a stable, documented scorer set) rather than hand-written edit distances.

The confidence is a logistic combination of a few features whose weights are log-odds a
reviewer can read (`WEIGHTS`): the probability that two accounts are one person is
``1 / (1 + exp(-(bias + sum(weight * feature))))``. The weights were set by hand from the
meaning of each signal and checked on a demo world with a different seed than the one the
done-when figures are measured on (benchmarks/README-identity.md).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import combinations

from rapidfuzz import fuzz
from rapidfuzz.distance import JaroWinkler

# --------------------------------------------------------------------------- normalising

_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_NON_LETTER_SPACE = re.compile(r"[^a-z ]+")
_SPACES = re.compile(r"\s+")
_TRAILING_DIGITS = re.compile(r"(\d+)_*$")


def fold(text: str) -> str:
    """Lower case without accents: 'Müller' and 'Muller' and 'MULLER' fold to 'muller'."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def normalise_name(name: str) -> str:
    """A display name as comparable words: folded, letters only, single spaces."""
    return _SPACES.sub(" ", _NON_LETTER_SPACE.sub(" ", fold(name))).strip()


def handle_core(handle: str) -> str:
    """A handle or email address as comparable characters.

    '@Anna_Smith', 'u/anna.smith' and 'anna.smith@mail.example' all give 'annasmith':
    channel prefixes, the email domain, separators and case do not tell people apart.
    """
    h = fold(handle.strip())
    h = h.partition("@")[0] if "@" in h[1:] else h.lstrip("@")
    if h.startswith("u/"):
        h = h[2:]
    return _NON_ALNUM.sub("", h)


def handle_number(handle: str) -> str:
    """The digits a handle ends with ('' when none): people reuse their number."""
    match = _TRAILING_DIGITS.search(handle_core(handle))
    return match.group(1) if match else ""


def looks_like_name(name: str) -> bool:
    """Two or more words of letters: 'Anna Smith', 'Anna S.'; not 'anna_smith42'."""
    if any(c.isdigit() or c in "_@/" for c in name):
        return False
    return len(normalise_name(name).split()) >= 2


# --------------------------------------------------------------------------- similarity


def name_similarity(a: str, b: str) -> float:
    """Similarity of two person names in [0, 1]; 0 unless both look like names.

    Word order does not matter ('Smith Anna'); an abbreviated last name counts as agreeing
    with a full one that starts with the same letter ('Anna S.' ~ 'Anna Smith' = 0.85).
    """
    if not (looks_like_name(a) and looks_like_name(b)):
        return 0.0
    na, nb = normalise_name(a), normalise_name(b)
    if na == nb:
        return 1.0
    score = fuzz.token_sort_ratio(na, nb) / 100.0
    wa, wb = na.split(), nb.split()
    if wa[0] == wb[0] and (len(wa[-1]) == 1 or len(wb[-1]) == 1) and wa[-1][0] == wb[-1][0]:
        score = max(score, 0.85)
    return float(min(1.0, max(0.0, score)))


def handle_similarity(a: str, b: str) -> float:
    """Jaro-Winkler similarity of two handles' cores in [0, 1] (0 if either is empty)."""
    ca, cb = handle_core(a), handle_core(b)
    if not ca or not cb:
        return 0.0
    return float(JaroWinkler.similarity(ca, cb))


def handle_name_similarity(handle: str, name: str) -> float:
    """How well a handle spells a name: 'anna_smith', 'asmith', 'smithanna' ~ 'Anna Smith'."""
    core = _NON_ALNUM.sub("", handle_core(handle).rstrip("0123456789"))
    if core.startswith("the") and len(core) > 6:
        core = core[3:]
    words = normalise_name(name).split()
    if not core or len(words) < 2 or not looks_like_name(name):
        return 0.0
    first, last = words[0], words[-1]
    spellings = {first + last, last + first, first[0] + last, first + last[0]}
    return float(max(JaroWinkler.similarity(core, s) for s in spellings))


def numbers_conflict(a: str, b: str) -> bool:
    """Both handles end in numbers and neither number starts the other ('jo12' vs 'jo907')."""
    na, nb = handle_number(a), handle_number(b)
    return bool(na and nb) and not (na.startswith(nb) or nb.startswith(na))


# --------------------------------------------------------------------------- text evidence

# A reference a customer writes: 5-20 letters and digits with at least one of each
# ('K7QX2M', 'C00042', 'ORD-2291-XK'), or a long number right after a word that says it
# is one ('order 1234567', 'booking no. 88123456', 'pedido #55120931'). A bare number is
# never a reference: prices, dates, phone numbers and flight times would fire.
_MIXED_TOKEN = re.compile(r"(?<![\w/@#.-])([A-Za-z0-9]+(?:-[A-Za-z0-9]+)*)(?![\w@]|\.\w)")
_NUMBER_AFTER_WORD = re.compile(
    r"(?:order|booking|reservation|ref(?:erence)?|account|customer|ticket|invoice|"
    r"confirmation|pedido|reserva|localizador|commande|r[ée]f[ée]rence|buchung(?:snummer)?|"
    r"bestellung|kundennummer)"
    r"\s*(?:number|no\.?|nr\.?|n[º°o]\.?|id|#|:)?\s*#?:?\s*(\d{6,20})\b",
    re.IGNORECASE,
)


def extract_references(text: str) -> list[str]:
    """Candidate order/account numbers in `text`, upper-cased, in order, without repeats.

    These are only candidates: a reference counts when it equals a stored transaction or
    customer id, so a random word that happens to look like one matches nothing.
    """
    found: dict[str, None] = {}
    for match in _MIXED_TOKEN.finditer(text):
        token = match.group(1)
        compact = token.replace("-", "")
        if 5 <= len(compact) <= 20 and _has_letter_and_digit(compact):
            found[token.upper()] = None
    for match in _NUMBER_AFTER_WORD.finditer(text):
        found[match.group(1)] = None
    return list(found)


def _has_letter_and_digit(token: str) -> bool:
    return any(c.isdigit() for c in token) and any(c.isalpha() for c in token)


_MENTION = re.compile(r"(?<![\w@/])(@|u/)([A-Za-z0-9_.]{2,30})\b")


def extract_mentions(text: str) -> list[tuple[str, str]]:
    """(kind, handle) of each @handle ('at') and u/handle ('u') mentioned, handle folded."""
    out: dict[tuple[str, str], None] = {}
    for prefix, handle in _MENTION.findall(text):
        out[("at" if prefix == "@" else "u", fold(handle.rstrip(".")))] = None
    return list(out)


# --------------------------------------------------------------------------- candidates


@dataclass(frozen=True, slots=True)
class Account:
    """What the resolver knows about one identity (plain data)."""

    id: int
    channel: str
    handle: str
    display_name: str
    profile_url: str = ""
    customer_id: int | None = None


@dataclass(slots=True)
class PairEvidence:
    """Signals about one pair that do not come from the two accounts' own fields."""

    mentions: bool = False  # one wrote the other's handle while posting on another channel
    mutual_replies: bool = False  # each replied to the other at least once


# Log-odds of "same person". The bias makes two strangers ~0.01%; one strong signal alone
# (matching names, or a handle that spells the other's name) reaches a coin flip, and two
# independent signals agreeing reach the high 90s.
BIAS = -7.0
WEIGHTS: dict[str, float] = {
    # Person names agree (0..1, 1 = same words). Names are shared by strangers, so a name
    # alone is not enough.
    "name": 4.0,
    # The handles spell the same thing (Jaro-Winkler of the cores, 0..1).
    "handle": 5.0,
    # One account's handle spells the other account's person name (0..1).
    "handle_name": 3.0,
    # One account pointed at the other ("as @anna_s on Instagram").
    "mention": 5.0,
    # They answered each other: a weak social tie.
    "mutual_replies": 1.0,
    # The same profile URL (one page, two records) is near proof.
    "same_profile_url": 9.0,
    # People keep one account per channel: two on the same channel are usually two people.
    "same_channel": -5.0,
    # Both handles carry a number and the numbers disagree: different people's numbers.
    "numbers_conflict": -4.0,
}
# Similarities below these floors say nothing (random names score ~0.4-0.6).
_FLOORS = {"name": 0.75, "handle": 0.85, "handle_name": 0.8}


def features(a: Account, b: Account, extra: PairEvidence | None = None) -> dict[str, float]:
    """The feature values (see `WEIGHTS`) of one pair, each in [0, 1]."""
    extra = extra or PairEvidence()
    raw = {
        "name": name_similarity(a.display_name, b.display_name),
        "handle": handle_similarity(a.handle, b.handle),
        "handle_name": max(
            handle_name_similarity(a.handle, b.display_name),
            handle_name_similarity(b.handle, a.display_name),
        ),
    }
    out = {k: _rescale(v, _FLOORS[k]) for k, v in raw.items()}
    url_a, url_b = _url_key(a.profile_url), _url_key(b.profile_url)
    out["mention"] = float(extra.mentions)
    out["mutual_replies"] = float(extra.mutual_replies)
    out["same_profile_url"] = float(bool(url_a) and url_a == url_b)
    out["same_channel"] = float(a.channel == b.channel)
    out["numbers_conflict"] = float(numbers_conflict(a.handle, b.handle))
    return out


def _rescale(value: float, floor: float) -> float:
    """Map [floor, 1] onto [0, 1]; below the floor, 0."""
    return 0.0 if value <= floor else (value - floor) / (1.0 - floor)


def _url_key(url: str) -> str:
    u = fold(url.strip()).removeprefix("https://").removeprefix("http://")
    return u.removeprefix("www.").rstrip("/")


def confidence(values: dict[str, float]) -> float:
    """The logistic combination of `features` output: P(same person) in (0, 1)."""
    z = BIAS + sum(WEIGHTS[k] * v for k, v in values.items())
    return 1.0 / (1.0 + math.exp(-z))


_EVIDENCE_TEXT = {
    "name": "names match",
    "handle": "handles match",
    "handle_name": "handle spells the other's name",
    "mention": "one account pointed to the other",
    "mutual_replies": "replied to each other",
    "same_profile_url": "same profile URL",
    "same_channel": "both on the same channel",
    "numbers_conflict": "handles carry different numbers",
}


def explain(values: dict[str, float]) -> list[dict[str, object]]:
    """The evidence list of a pair: each signal that moved the confidence, strongest first."""
    items = [
        {
            "kind": k,
            "label": _EVIDENCE_TEXT[k],
            "value": round(v, 3),
            "log_odds": round(WEIGHTS[k] * v, 2),
        }
        for k, v in values.items()
        if v > 0
    ]
    return sorted(items, key=lambda e: -abs(float(str(e["log_odds"]))))


def blocking_keys(account: Account) -> set[str]:
    """Keys under which an account is compared with others (a pair must share one).

    Blocking keeps candidate generation near-linear: accounts are compared only within a
    block, never all pairs. Keys are the folded name (both word orders), first name plus
    last initial, the handle's core without digits, and the name spelled as a handle.
    """
    keys: set[str] = set()
    core = handle_core(account.handle).rstrip("0123456789")
    if core.startswith("the") and len(core) > 6:
        core = core[3:]
    if len(core) >= 4:
        keys.add("h:" + core)
    if looks_like_name(account.display_name):
        words = normalise_name(account.display_name).split()
        first, last = words[0], words[-1]
        keys.add(f"i:{first} {last[0]}")
        if len(last) > 1:
            for spelling in (first + last, last + first, first[0] + last):
                keys.add("h:" + spelling)
    return keys


@dataclass(slots=True)
class Candidate:
    a: int  # account id, a < b
    b: int
    confidence: float
    features: dict[str, float] = field(default_factory=dict)


def candidate_pairs(
    accounts: Sequence[Account],
    *,
    extra: dict[tuple[int, int], PairEvidence] | None = None,
    min_confidence: float = 0.5,
    max_block: int = 200,
) -> list[Candidate]:
    """Scored pairs of accounts that may be one person, most likely first.

    Pairs come from shared blocking keys (blocks larger than `max_block` are skipped: a key
    that common says nothing) and from `extra` (pairs with outside evidence such as a
    mention). Accounts of the same customer are not paired.
    """
    extra = extra or {}
    by_id = {acc.id: acc for acc in accounts}
    blocks: dict[str, list[int]] = defaultdict(list)
    for acc in accounts:
        for key in blocking_keys(acc):
            blocks[key].append(acc.id)
    pairs: set[tuple[int, int]] = {p for p in extra if p[0] in by_id and p[1] in by_id}
    for members in blocks.values():
        if 1 < len(members) <= max_block:
            pairs.update(combinations(sorted(members), 2))
    out: list[Candidate] = []
    for a_id, b_id in pairs:
        a, b = by_id[a_id], by_id[b_id]
        if a.customer_id is not None and a.customer_id == b.customer_id:
            continue
        values = features(a, b, extra.get((a_id, b_id)))
        score = confidence(values)
        if score >= min_confidence:
            out.append(Candidate(a_id, b_id, score, values))
    out.sort(key=lambda c: (-c.confidence, c.a, c.b))
    return out


def pair_key(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


_CHANNEL_WORDS = {
    "x": ("twitter", " x ", "tweet"),
    "instagram": ("instagram", "insta ", " ig "),
    "reddit": ("reddit",),
    "facebook": ("facebook", " fb "),
    "mastodon": ("mastodon",),
    "bluesky": ("bluesky", "bsky"),
}


def _named_channels(text: str) -> set[str]:
    padded = f" {fold(text)} ".replace("(", " ").replace(")", " ").replace(",", " ")
    return {ch for ch, words in _CHANNEL_WORDS.items() if any(w in padded for w in words)}


def mention_pairs(
    messages: Iterable[tuple[int, str, str]], accounts: Sequence[Account]
) -> set[tuple[int, int]]:
    """Pairs (author, mentioned account) where an author on one channel names a handle that
    exists only on another channel (a pointer to their own account elsewhere). When the text
    names channels ("on Instagram"), only accounts on those channels are meant.

    `messages` are (author id, channel the message was posted on, text). A mention of a
    handle that exists on the message's own channel is an ordinary @reply and is ignored.
    """
    at_channels = {"x", "instagram", "mastodon", "bluesky"}
    by_handle: dict[tuple[str, str], list[Account]] = defaultdict(list)
    for acc in accounts:
        kind = "u" if acc.channel == "reddit" else "at" if acc.channel in at_channels else ""
        if kind and acc.handle:
            by_handle[(kind, fold(acc.handle.lstrip("@")))].append(acc)
    out: set[tuple[int, int]] = set()
    for author, channel, text in messages:
        named = _named_channels(text)
        for key in extract_mentions(text):
            targets = by_handle.get(key, [])
            if any(t.channel == channel for t in targets):
                continue
            if named:  # "as @anna_s on Instagram": only the channel the text names
                targets = [t for t in targets if t.channel in named]
            for target in targets:
                if target.id != author:
                    out.add(pair_key(author, target.id))
    return out


# --------------------------------------------------------------------------- evaluation


@dataclass(frozen=True, slots=True)
class LinkScores:
    true_links: int  # pairs of records that are one person
    auto_links: int  # pairs put in one customer automatically
    auto_correct: int
    found_links: int  # true pairs in one customer or joined by a pending suggestion
    suggestion_links: int  # pairs only a suggestion joins
    suggestions_correct: int

    @property
    def auto_precision(self) -> float:
        return self.auto_correct / self.auto_links if self.auto_links else 1.0

    @property
    def recall(self) -> float:
        return self.found_links / self.true_links if self.true_links else 1.0

    @property
    def suggestion_precision(self) -> float:
        return self.suggestions_correct / self.suggestion_links if self.suggestion_links else 1.0


def _pairs_within(groups: Iterable[Iterable[str]]) -> set[tuple[str, str]]:
    out: set[tuple[str, str]] = set()
    for group in groups:
        members = sorted(set(group))
        out.update(combinations(members, 2))
    return out


def score_links(
    people: Sequence[Sequence[str]],
    customer_of: dict[str, int],
    suggested: Iterable[tuple[int, int]],
) -> LinkScores:
    """Pairwise scores of a resolution against the truth.

    `people`: the records (any string keys: identities, shop customer ids) of each real
    person with more than one record. `customer_of`: the customer each record resolved to,
    for every record (linked or not). `suggested`: pairs of customers a pending suggestion
    joins. A true link is found when both records are in one customer or a suggestion joins
    their customers.
    """
    person_of: dict[str, int] = {}
    for n, group in enumerate(people):
        for key in group:
            person_of[key] = n
    true = _pairs_within(people)
    clusters: dict[int, list[str]] = defaultdict(list)
    for key, customer in customer_of.items():
        clusters[customer].append(key)
    auto = _pairs_within(clusters.values())

    def same_person(pair: tuple[str, str]) -> bool:
        a, b = person_of.get(pair[0], -1), person_of.get(pair[1], -2)
        return a == b

    edges = {pair_key(a, b) for a, b in suggested if a != b}
    found = 0
    for a, b in true:
        ca, cb = customer_of.get(a), customer_of.get(b)
        if ca is not None and cb is not None and (ca == cb or pair_key(ca, cb) in edges):
            found += 1
    # Suggestion precision over customer pairs: a suggestion is right when the two
    # customers hold records of one person.
    persons_in: dict[int, set[int]] = defaultdict(set)
    for key, customer in customer_of.items():
        if key in person_of:
            persons_in[customer].add(person_of[key])
    right = sum(1 for a, b in edges if persons_in.get(a, set()) & persons_in.get(b, set()))
    return LinkScores(
        true_links=len(true),
        auto_links=len(auto),
        auto_correct=sum(1 for p in auto if same_person(p)),
        found_links=found,
        suggestion_links=len(edges),
        suggestions_correct=right,
    )
