"""Language of short social texts: ISO 639-1 codes, ``und`` when there is nothing to judge.

Three steps, cheapest first, each over the whole batch:

1. Texts with no letters at all (emoji, numbers, links only) are ``und``.
2. Scripts that name one language (Hangul, kana, Thai, Greek, Hebrew, Georgian, Armenian)
   decide directly; CJK ideographs without kana are ``zh``.
3. Latin-script texts whose words are largely English (function words, or words of the
   English sentiment lexicons) are ``en`` (most
   brand traffic is English, and langid's byte-level model is the slow part); everything
   else goes to py3langid (BSD-3-Clause; its model ships inside the PyPI package),
   restricted to the languages in :data:`LANGUAGES`, which also keeps it from answering
   exotic codes for short, noisy tweets.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from typing import Any

import numpy as np
import numpy.typing as npt

from goodwill.analysis.sentiment import Grams, hash_grams, token_hashes
from goodwill.analysis.text import normalise_many

LANGUAGES: tuple[str, ...] = (
    "en",
    "es",
    "fr",
    "de",
    "it",
    "pt",
    "nl",
    "sv",
    "da",
    "no",
    "fi",
    "pl",
    "cs",
    "sk",
    "hu",
    "ro",
    "tr",
    "ru",
    "uk",
    "bg",
    "sr",
    "hr",
    "el",
    "he",
    "ar",
    "fa",
    "ur",
    "hi",
    "bn",
    "id",
    "ms",
    "tl",
    "vi",
    "th",
    "zh",
    "ja",
    "ko",
    "ca",
    "eu",
    "gl",
    "ga",
    "cy",
    "et",
    "lv",
    "lt",
    "sl",
    "sw",
    "af",
)
UNDETERMINED = "und"

_SCRIPTS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("ko", re.compile("[\uac00-\ud7af\u1100-\u11ff]")),
    ("ja", re.compile("[\u3040-\u30ff]")),
    ("th", re.compile("[\u0e00-\u0e7f]")),
    ("el", re.compile("[\u0370-\u03ff]")),
    ("he", re.compile("[\u0590-\u05ff]")),
    ("ka", re.compile("[\u10a0-\u10ff]")),
    ("hy", re.compile("[\u0530-\u058f]")),
)
_HAN = re.compile("[\u4e00-\u9fff]")
_LETTER = re.compile(r"[^\W\d_]")
_NON_LATIN_LETTER = re.compile(r"[^\W\d_a-zA-Z\u00c0-\u024f]")
_HANDLES = re.compile(r"(?:https?://|www\.)\S+|[@#]\w+")

# Function words that are English and rarely words of other Latin-script languages.
_ENGLISH_FUNCTION_WORDS = (
    "the and is are was were you your my our we they their this that these those with for "
    "have has had been be will would should could can can't don't doesn't didn't i'm it's "
    "i've you're what why how when where who which just not but from about at of it me "
    "get got any some there here than then very so if or an too also still our us his her "
    "she he them its into out up been being does did do done all only after before "
    "you've i'd we're they're he's she's that's there's what's let's i'll you'll we'll "
    "isn't wasn't aren't won't can't couldn't wouldn't haven't hasn't today tomorrow "
    "yesterday please thanks thank yes said say again now because over while"
)
ENGLISH_FUNCTION_WORDS = frozenset(_ENGLISH_FUNCTION_WORDS.split())
_EN_RATIO = 0.2


@cache
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=False)
    known = set(identifier.nb_classes)
    identifier.set_languages([lang for lang in LANGUAGES if lang in known])
    return identifier


def detect_languages(texts: Sequence[str], grams: Grams | None = None) -> list[str]:
    """Language code of each text (see the module docstring).

    ``grams`` are the texts' hashed grams when the caller has them already.
    """
    n = len(texts)
    result = np.full(n, UNDETERMINED, dtype=object)
    undecided = np.ones(n, dtype=bool)
    has_letter = np.fromiter((_LETTER.search(t) is not None for t in texts), bool, count=n)
    undecided &= has_letter
    ascii_ = np.fromiter((t.isascii() for t in texts), bool, count=n)
    for code, pattern in (*_SCRIPTS, ("zh", _HAN)):
        candidates = np.flatnonzero(undecided & ~ascii_)
        hit = [i for i in candidates.tolist() if pattern.search(texts[i]) is not None]
        result[hit] = code
        undecided[hit] = False
    english = undecided & _english_evidence(texts, grams)
    result[english] = "en"
    undecided &= ~english
    rest = np.flatnonzero(undecided)
    if len(rest):
        identifier = _identifier()
        for i in rest.tolist():
            code, _ = identifier.classify(_HANDLES.sub(" ", texts[i][:1000]))
            result[i] = str(code)
    return [str(code) for code in result]


def _english_evidence(texts: Sequence[str], grams: Grams | None) -> npt.NDArray[np.bool_]:
    """Texts in Latin script whose words are mostly English function or lexicon words."""
    from goodwill.analysis.sentiment import default_lexicon

    n = len(texts)
    if grams is None:
        grams = hash_grams(normalise_many(texts))
    uni_rows = grams.rows[: grams.n_unigrams]
    english = _english_keys(default_lexicon().english_keys)
    hits = np.bincount(uni_rows[grams.unigram_in("language:english", english)], minlength=n)
    non_word = grams.unigram_in("language:non-word", _non_word_keys())
    words = np.bincount(uni_rows[~non_word], minlength=n)
    latin = np.fromiter(
        (t.isascii() or _NON_LATIN_LETTER.search(t) is None for t in texts), bool, count=n
    )
    return latin & (hits >= 2) & (hits >= _EN_RATIO * words)


_ENGLISH_KEYS: list[npt.NDArray[np.int64]] = []


def _english_keys(lexicon_keys: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    if not _ENGLISH_KEYS:
        function_words = token_hashes(sorted(ENGLISH_FUNCTION_WORDS))
        _ENGLISH_KEYS.append(np.union1d(function_words, lexicon_keys))
    return _ENGLISH_KEYS[0]


@cache
def _non_word_keys() -> npt.NDArray[np.int64]:
    return np.unique(token_hashes(["_url_", "_user_", "_num_", ",", ".", "!", "?", ";", ":"]))


def detect_language(text: str) -> str:
    return detect_languages([text])[0]
