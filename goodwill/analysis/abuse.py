"""Profanity and abuse flag for social text.

Two levels, from a hand-written list (Goodwill authors): ``profanity`` (swearing, which
customers use about a delay without meaning harm) and ``abuse`` (insults or threats aimed at
a person, slurs). Agents see the flag; rules can route abusive messages to a human before any
automatic reply. Obfuscations ("f*ck", "sh1t", "fuuuck") are folded before matching, and each
pattern runs once over the whole batch.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

_LEET = str.maketrans(
    {
        "0": "o",
        "1": "i",
        "3": "e",
        "4": "a",
        "5": "s",
        "7": "t",
        "$": "s",
        "@": "a",
        "*": "u",
        "!": "i",
    }
)
_REPEATS = re.compile(r"([a-z])\1{2,}")

_PROFANITY = re.compile(
    r"\b(?:f+u+c*k+\w*|fck\w*|fuk\w*|sh+i+t+\w*|bullshit|crap+y?|damn\w*|bloody|bastard\w*"
    r"|ass(?:hole)?s?|arse(?:hole)?s?|bitch\w*|piss(?:ed)?|wtf|stfu|dick\w*|douche\w*"
    r"|wank\w*|bollocks|prick|cunt\w*|twat\w*|motherf\w*)\b"
)
_ABUSE = re.compile(
    r"\b(?:(?:you|ur|your|u) (?:\w+ )?(?:idiots?|morons?|stupid|dumb|useless|pathetic|scum"
    r"|clowns?|losers?|imbeciles?|retards?|pigs?|liars?|thie(?:f|ves)|b[iu]tch\w*|c[uo]nts?"
    r"|assholes?|dickheads?|bastards?|f\w*ers?)"
    r"|(?:kill|shoot|stab|hurt|beat|burn) (?:you|your|ur|u|him|her|them|every\w*)"
    r"|(?:hope|wish) (?:you|u|ur|your \w+) (?:die|dies|rot|burn|get fired|get cancer)"
    r"|kys|kill yourself|go die|drop dead|f\w* off and die|i know where you live"
    r"|retard\w*|fag\w*|n[i1]gg\w*|tranny|spastic|slut\w*|whore\w*)\b"
)


@dataclass(frozen=True)
class AbuseFlags:
    profanity: npt.NDArray[np.bool_]
    abuse: npt.NDArray[np.bool_]

    @property
    def flagged(self) -> npt.NDArray[np.bool_]:
        return self.profanity | self.abuse


def _fold(text: str) -> str:
    text = text.replace("\n", " ").lower()
    # Only fold look-alike characters inside words ("sh1t"), not in "@brand" or "$5".
    return _REPEATS.sub(
        r"\1\1",
        re.sub(
            r"(?<=[a-z])[0-9$@*!]+(?=[a-z])|(?<=[a-z])[*!]+\b",
            lambda m: m.group(0).translate(_LEET),
            text,
        ),
    )


def _hits(pattern: re.Pattern[str], docs: list[str]) -> npt.NDArray[np.bool_]:
    hit = np.zeros(len(docs), dtype=bool)
    if not docs:
        return hit
    joined = "\n".join(docs)
    starts = [m.start() for m in pattern.finditer(joined)]
    if starts:
        line_starts = np.cumsum([0] + [len(d) + 1 for d in docs[:-1]])
        hit[np.searchsorted(line_starts, np.array(starts), side="right") - 1] = True
    return hit


def flag_abuse(texts: Sequence[str]) -> AbuseFlags:
    """Profanity and abuse flags of each raw text."""
    docs = [_fold(t[:4000]) for t in texts]
    # Doubled letters are folded to two; the patterns use "+" so both forms match.
    return AbuseFlags(profanity=_hits(_PROFANITY, docs), abuse=_hits(_ABUSE, docs))
