"""Normalisation and tokenisation of social text.

Social posts are hostile input: NUL bytes, bidi overrides, zero-width joiners, 1 MB pastes,
emoji, shouting, "sooooo", URLs and @handles. Everything here is pure string work with
compiled regular expressions (C speed); callers pass whole batches.

The normalised form is a space-joined string of tokens, so a vectoriser can split it on
whitespace alone:

- URLs become ``_url_``, @mentions ``_user_``, numbers ``_num_``; ``#hashtag`` keeps its
  word (``hashtag``) because the word carries the meaning ("#fail").
- Letters repeated three or more times collapse to two ("sooooo" -> "soo", "goooood" ->
  "good"); common social spellings ("thx") are mapped to the standard word when tokens are
  hashed (see :data:`SPELLINGS`).
- Emoticons and emoji become tokens of their own (each emoji is one token).
- Words after a negator ("not", "never", "n't", "no", ...) up to the next punctuation mark,
  at most three of them, get a ``not_`` prefix ("not good" -> "not not_good"), so a
  bag-of-words model and the lexicon both see the flipped meaning.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from itertools import compress, repeat

MAX_CHARS = 4000
"""Text beyond this many characters is ignored for analysis (it is still stored verbatim)."""

# Control characters (NUL included), zero-width and bidi formatting characters: removed.
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]"
)
_URL = re.compile(r"(?:https?://|www\.)\S+")  # applied after lower()
_MENTION = re.compile(r"@\w{1,30}")
# Patterns start with a literal or a character class so the regex engine can skip ahead fast.
_NUMBER = re.compile(r"[$£€\d](?<!\w\d)[\d.,:]*(?:%|st|nd|rd|th|am|pm|h|hrs?|mins?)?(?!\w)")
_ELONGATED = re.compile(r"([a-z])\1\1+")
_REPEATED_PUNCT = re.compile(r"([!?.])\1+")
_APOSTROPHE = re.compile("[\u2018\u2019\u02bc`\u00b4]")

# Emoticons are matched before tokenisation and replaced by named tokens.
_EMOTICONS: dict[str, str] = {
    ":)": "_smile_",
    ":-)": "_smile_",
    ":]": "_smile_",
    "=)": "_smile_",
    ":d": "_smile_",
    ":-d": "_smile_",
    ";)": "_wink_",
    ";-)": "_wink_",
    "<3": "_heart_",
    ":p": "_wink_",
    ":(": "_frown_",
    ":-(": "_frown_",
    ":[": "_frown_",
    "=(": "_frown_",
    ":'(": "_cry_",
    ":/": "_meh_",
    ":-/": "_meh_",
    ":|": "_meh_",
    "-_-": "_meh_",
    "</3": "_brokenheart_",
}
# Every alternative starts with a literal character, so the regex engine skips ahead to the
# next ":", ";", "=", "<" or "-" (a leading look-ahead would disable that).
_EMOTICON = re.compile(
    r"("
    + "|".join(re.escape(e) for e in sorted(_EMOTICONS, key=len, reverse=True))
    + r")(?![\w/])",
)

# Social spellings seen in customer-care traffic. Tokens keep their spelling in the
# normalised text; the hashing step (goodwill.analysis.sentiment.token_hashes) maps each to
# the standard word, so models and lexicons see "thanks" for "thx". Apostrophe-less
# negations ("dont") are negators of their own (NEGATORS).
SPELLINGS: dict[str, str] = {
    "thx": "thanks", "thnx": "thanks", "thanx": "thanks", "tnx": "thanks", "ty": "thanks",
    "tysm": "thanks", "pls": "please", "plz": "please", "plez": "please", "u": "you",
    "ur": "your", "r": "are", "y": "why", "b4": "before", "gr8": "great", "luv": "love",
    "wat": "what", "wut": "what", "cuz": "because", "bc": "because", "coz": "because",
    "dont": "don't", "didnt": "didn't", "doesnt": "doesn't", "cant": "can't",
    "wont": "won't", "isnt": "isn't", "wasnt": "wasn't", "havent": "haven't",
    "hasnt": "hasn't", "couldnt": "couldn't", "shouldnt": "shouldn't", "im": "i'm",
    "ive": "i've", "lmao": "lol", "canceled": "cancelled", "cancelation": "cancellation",
    "recieve": "receive", "recieved": "received", "definately": "definitely",
    "terible": "terrible", "horible": "horrible", "wrost": "worst", "servcie": "service",
    "custmer": "customer", "delayd": "delayed", "refun": "refund",
}  # fmt: skip

NEGATORS = (
    "not",
    "no",
    "never",
    "nobody",
    "nothing",
    "none",
    "neither",
    "nor",
    "nowhere",
    "cannot",
    "without",
    "hardly",
    "barely",
    "ain't",
    "aint",
    "can't",
    "won't",
    "don't",
    "doesn't",
    "didn't",
    "isn't",
    "wasn't",
    "aren't",
    "weren't",
    "haven't",
    "hasn't",
    "hadn't",
    "couldn't",
    "shouldn't",
    "wouldn't",
    "mustn't",
    "n't",
    "dont",
    "doesnt",
    "didnt",
    "cant",
    "wont",
    "isnt",
    "wasnt",
    "arent",
    "werent",
    "havent",
    "hasnt",
    "couldnt",
    "shouldnt",
    "wouldnt",
)
_NEGATOR_SET = frozenset(NEGATORS)
_SCOPE_WORDS = 3
# "not only", "no doubt", "no wonder", "nothing but", "never mind" are not negations of what
# follows: the pair becomes one token ("not_only") and opens no scope. ("not bad" is handled
# by the lexicon: not_bad is mildly positive.)
_NOT_NEGATING: dict[str, frozenset[str]] = {
    "not": frozenset({"only"}),
    "no": frozenset({"doubt", "wonder"}),
    "nothing": frozenset({"but"}),
    "never": frozenset({"mind"}),
}
_NOT_NEGATING_PHRASES = tuple(f"{a} {b}" for a, bs in _NOT_NEGATING.items() for b in sorted(bs))

# Tokens: placeholders, words with inner apostrophes, emoji (one symbol each, with
# modifiers and joiners), and the punctuation marks that carry tone.
_TOKEN = re.compile(
    r"\w[\w'-]*"
    r"|[!?.,;:\n]"
    r"|[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF][\uFE0F\U0001F3FB-\U0001F3FF]?",
)


def _prepare(text: str) -> str:
    # Newlines separate the texts of a batch below; inside one text they are just spaces.
    return text[:MAX_CHARS].replace("\n", " ").replace("\r", " ")


def clean(text: str) -> str:
    """Compatibility-normalise (NFKC) and drop invisible/control characters."""
    return _clean_joined(_prepare_clean(text))


def _clean_joined(text: str) -> str:
    """Apostrophes folded to one, invisible/control characters dropped (NFKC done before)."""
    return _INVISIBLE.sub(" ", _APOSTROPHE.sub("'", text))


def _unicode_fold(text: str) -> str:
    """NFKC; ASCII text (most posts) is returned as it is, without a scan."""
    if not text.isascii() and not unicodedata.is_normalized("NFKC", text):
        return unicodedata.normalize("NFKC", text)
    return text


def _prepare_clean(text: str) -> str:
    return _unicode_fold(_prepare(text))


def is_negator(token: str) -> bool:
    """A token that opens a negation scope ("not", "didn't", and "time-not": after a hyphen)."""
    return token in _NEGATOR_SET or token.rpartition("-")[2] in _NEGATOR_SET


def negator_positions(toks: list[str]) -> list[int]:
    """Positions of the negators in a token stream (see :func:`is_negator`)."""
    n = len(toks)
    at = list(compress(range(n), map(_NEGATOR_SET.__contains__, toks)))
    hyphenated = compress(range(n), map(str.__contains__, toks, repeat("-")))
    at.extend(i for i in hyphenated if toks[i].rpartition("-")[2] in _NEGATOR_SET)
    at.sort()
    return at


def mark_negations(toks: list[str], negators: Sequence[int]) -> list[int]:
    """Prefix up to three words after each negator with ``not_``, in place.

    ``negators`` are the (sorted) positions of the negators in ``toks``; only they are
    visited, so the cost is per negation, not per token. A negator inside an earlier scope
    opens none. "not only"-style pairs become one token ("not_only") and the second token
    becomes ``""`` (dropped when documents are joined). Returns the positions changed.
    """
    n = len(toks)
    changed: list[int] = []
    reach = -1  # tokens up to here are already inside a scope
    for i in negators:
        if i <= reach:
            continue
        j = i + 1
        if j < n:
            pair = _NOT_NEGATING.get(toks[i].rpartition("-")[2])
            if pair is not None and toks[j] in pair:
                toks[i] = toks[i] + "_" + toks[j]
                toks[j] = ""
                changed += (i, j)
                reach = j
                continue
        end = min(n, j + _SCOPE_WORDS)
        while j < end and (tok := toks[j]) and tok[0] != "_" and tok[0].isalnum():
            toks[j] = "not_" + tok
            changed.append(j)
            j += 1
        reach = j - 1
    return changed


def join_documents(toks: list[str], n_texts: int) -> list[str]:
    """The documents of a token stream (``"\n"`` tokens separate them; ``""`` is dropped)."""
    joined = " ".join(toks)
    while "  " in joined:  # only where mark_negations merged a pair
        joined = joined.replace("  ", " ")
    docs = [d.strip() for d in joined.split("\n")]
    if len(docs) != n_texts:  # pragma: no cover - guarded by _prepare
        raise AssertionError("normalise: batch split mismatch")
    return docs


def normalise(text: str) -> str:
    """The space-joined token string of one text (see the module docstring)."""
    return normalise_many([text])[0]


def normalise_many(texts: Sequence[str]) -> list[str]:
    """Normalise a batch: each regular expression runs once over the whole batch.

    The texts are joined with newlines (removed from inside each text first), so the
    per-text Python overhead is a join and a split, not ten ``re.sub`` calls.
    """
    if not texts:
        return []
    toks = token_stream(texts)
    mark_negations(toks, negator_positions(toks))
    return join_documents(toks, len(texts))


def token_stream(texts: Sequence[str]) -> list[str]:
    """The tokens of a batch before negation marking, ``"\n"`` between texts.

    :func:`normalise_many` is ``join_documents`` of this stream after ``mark_negations``;
    a caller that hashes tokens anyway can find the negators from its hashes instead.
    """
    big = _clean_joined("\n".join(map(_prepare_clean, texts))).lower()
    big = _URL.sub(" _url_ ", big)
    big = _MENTION.sub(" _user_ ", big)
    big = big.replace("#", " ")  # "#fail" -> "fail": the word carries the meaning
    big = _EMOTICON.sub(lambda m: " " + _EMOTICONS[m.group(1)] + " ", big)
    big = _NUMBER.sub(" _num_ ", big)
    big = _ELONGATED.sub(r"\1\1", big)
    big = _REPEATED_PUNCT.sub(r"\1", big)
    toks: list[str] = _TOKEN.findall(big)
    return toks


def tokens(text: str) -> list[str]:
    """Tokens of one text (the normalised form split on spaces)."""
    return normalise(text).split()
