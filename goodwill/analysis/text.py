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
_EMOTICON = re.compile(
    r"(?=[:;=<\-])("
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
_NEGATION_SCOPE = re.compile(
    r"(?=[nwcdhbiasm])(?<![\w'])("
    + "|".join(map(re.escape, NEGATORS))
    + r")((?: [^\W_][\w'-]*){1,3})(?![\w'-])"
)
# "not only", "no doubt", "not bad" are not negations of what follows in the usual sense;
# "bad" under negation is handled by the lexicon (not_bad is mildly positive).
_NOT_NEGATING_PHRASES = ("not only", "no doubt", "no wonder", "nothing but", "never mind")
_NOT_NEGATING = re.compile(r"\b(?:" + "|".join(_NOT_NEGATING_PHRASES) + r")\b")

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
    return _clean_joined(_prepare(text))


def _clean_joined(text: str) -> str:
    if not text.isascii():
        if not unicodedata.is_normalized("NFKC", text):
            text = unicodedata.normalize("NFKC", text)
        text = _APOSTROPHE.sub("'", text)
    return _INVISIBLE.sub(" ", text)


def _negate(match: re.Match[str]) -> str:
    words = match.group(2).split(" ")
    return match.group(1) + " ".join(w and "not_" + w for w in words)


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
    big = _clean_joined("\n".join(map(_prepare, texts)))
    big = big.lower()
    big = _URL.sub(" _url_ ", big)
    big = _MENTION.sub(" _user_ ", big)
    big = big.replace("#", " ")  # "#fail" -> "fail": the word carries the meaning
    big = _EMOTICON.sub(lambda m: " " + _EMOTICONS[m.group(1)] + " ", big)
    big = _NUMBER.sub(" _num_ ", big)
    big = _ELONGATED.sub(r"\1\1", big)
    big = _REPEATED_PUNCT.sub(r"\1", big)
    joined = " ".join(_TOKEN.findall(big))
    if any(phrase in joined for phrase in _NOT_NEGATING_PHRASES):
        joined = _NOT_NEGATING.sub(lambda m: m.group(0).replace(" ", "_"), joined)
    joined = _NEGATION_SCOPE.sub(_negate, joined)
    docs = [d.strip() for d in joined.split("\n")]
    if len(docs) != len(texts):  # pragma: no cover - guarded by _prepare
        raise AssertionError("normalise_many: batch split mismatch")
    return docs


def tokens(text: str) -> list[str]:
    """Tokens of one text (the normalised form split on spaces)."""
    return normalise(text).split()
