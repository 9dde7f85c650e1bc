"""Intent of a customer message, by ordered rules over normalised text and sentiment.

The exact intent strings (part of the ``goodwill analyze`` contract):

=================  ==================================================================
``complaint``      something went wrong (negative, or a problem phrase)
``question``       asks something ("?", or opens with how/what/where/can I/do you ...)
``praise``         positive about the brand, its people or product
``suggestion``     proposes a change ("you should add", "would be great if", "please add")
``purchase_intent`` wants to buy ("where can I buy", "how much is", "want to order")
``churn_threat``   says they will leave ("switching to", "cancel my account", "never again")
``other``          none of the above
=================  ==================================================================

Precedence: churn_threat > purchase_intent > suggestion > complaint-shaped question
("why has nobody answered?" is a complaint) > question > complaint > praise > other.
Each rule set is one regular expression run once over the whole batch.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache

import numpy as np
import numpy.typing as npt

from goodwill.analysis.sentiment import Grams, doc_owner, hash_grams, token_hashes

INTENTS: tuple[str, ...] = (
    "complaint",
    "question",
    "praise",
    "suggestion",
    "purchase_intent",
    "churn_threat",
    "other",
)

_CHURN = re.compile(
    r"\b(?:switch(?:ing|ed)? (?:over )?to|mov(?:e|ing) (?:over )?to|(?:go|going|went) (?:back )?to"
    r" (?:a |another )?(?:competitor|rival)"
    r"|(?:cancel(?:l?ing)?|close|closing|terminate|terminating|end|ending|delete|deleting)"
    r" (?:my|our) (?:account|subscription|contract|membership|plan|policy|service)"
    r"|never (?:again|not_again|not_flying|not_fly|not_buying|not_buy|not_using|not_use"
    r"|not_ordering|not_order|not_shopping|not_booking|not_book)"
    r"|(?:last|final) time i(?:'m| am| will|'ll)? (?:fly|flying|use|using|buy|buying|order"
    r"|ordering|shop|shopping|book|booking|deal|dealing)"
    r"|taking (?:my|our) (?:business|money|custom) (?:elsewhere|somewhere else)"
    r"|(?:done|finished|through) with (?:you|your|this company)"
    r"|(?:leaving|left|quit(?:ting)?|ditching|dumping) (?:you|your|_user_)"
    r"|(?:find|finding|look(?:ing)? for) (?:a |another )?new (?:provider|bank|airline|carrier"
    r"|supplier|company|insurer|isp|network)"
    r"|unsubscribe|goodbye _user_|bye _user_)"
)
_PURCHASE = re.compile(
    r"\b(?:where (?:can|do|could) (?:i|we) (?:buy|get|order|purchase|find)"
    r"|how (?:much|do (?:i|we) (?:buy|order|purchase))"
    r"|(?:want|wanna|would like|'d like|planning|plan|looking|hoping|ready) (?:to )?"
    r"(?:buy|order|purchase|get one|subscribe|sign up|upgrade)"
    r"|thinking (?:about|of) (?:getting|buying|ordering|upgrading|switching to you)"
    r"|(?:is|are) (?:it|they|this|these|the \w+) (?:in stock|available)"
    r"|in stock|pre ?-?order|price of|how to (?:buy|order)|(?:can|could) i (?:buy|order)"
    r"|take my money|shut up and take)\b"
)
_SUGGESTION = re.compile(
    r"\b(?:you (?:should|could|guys should|need to|ought to) (?:add|offer|make|have|bring|let"
    r"|consider|allow|start|introduce|support|include|put|give|do|get)"
    r"|(?:please|pls|plz) (?:add|bring back|consider|make|offer|allow|let us|introduce|support)"
    r"|(?:it )?(?:would|'d) be (?:great|nice|good|better|awesome|cool|helpful|lovely|amazing)"
    r" (?:if|to)|why not (?:add|offer|make|have|let)|suggestion|i suggest|may i suggest"
    r"|feature request|(?:i )?wish (?:you|there was|there were|it)|consider adding"
    r"|how about (?:adding|offering|a )|idea :|an idea)\b"
)
_QUESTION_START = re.compile(
    r"^(?:_user_ )*(?:how|what|what's|when|where|which|who|whom|whose|is|are|can|could|do"
    r"|does|did|will|would|should|may|have|has|any(?:one|body)? (?:know|else)|anyone|why)\b"
)
_COMPLAINT_QUESTION = re.compile(
    r"\b(?:why|how (?:long|come|hard|many times|difficult)|seriously|really \?|what the"
    r"|is it too much|are you kidding|is this a joke|wtf)\b"
)
_PROBLEM = re.compile(
    r"\b(?:not_working|not_work|not_received|not_arrived|not_delivered|not_fixed|not_resolved"
    r"|broken|damaged|lost|missing|delayed|cancelled|stuck|on hold|still waiting|refund|overcharged"
    r"|charged twice|wrong|error|outage|down|crash(?:ed|es|ing)?|complaint|unacceptable)\b"
)


def _matches(pattern: re.Pattern[str], docs: Sequence[str], joined: str) -> npt.NDArray[np.bool_]:
    """Whether the pattern matches in each document, with one scan over the batch."""
    hit = np.zeros(len(docs), dtype=bool)
    starts = [m.start() for m in pattern.finditer(joined)]
    if starts:
        hit[doc_owner(docs, starts)] = True
    return hit


_QUESTION_START_LINE = re.compile(_QUESTION_START.pattern, re.MULTILINE)


# Every match of a pattern contains one of its trigger tokens, so a pattern only runs on the
# documents that have one (found with a vectorised look-up of hashed tokens).
def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_TRIGGERS: dict[str, tuple[str, ...]] = {
    "churn": _words(
        "switch switching switched move moving go going went cancel canceling cancelling close "
        "closing terminate terminating end ending delete deleting never last final taking done "
        "finished through leaving left quit quitting ditching dumping find finding look looking "
        "unsubscribe goodbye bye"
    ),
    "purchase": _words(
        "where how want wanna would like i'd we'd planning plan looking hoping ready thinking "
        "stock available preorder pre-order pre price buy order take"
    ),
    "suggestion": _words(
        "you please pls plz would i'd it'd that'd why suggestion suggest feature wish consider "
        "how idea"
    ),
}


@cache
def _trigger_keys(triggers: tuple[str, ...]) -> npt.NDArray[np.int64]:
    return np.unique(token_hashes(list(triggers)))


def _candidates(grams: Grams, triggers: tuple[str, ...]) -> npt.NDArray[np.bool_]:
    hit = grams.unigram_in("intent:" + triggers[0], _trigger_keys(triggers))
    out = np.zeros(grams.n_docs, dtype=bool)
    out[grams.rows[: grams.n_unigrams][hit]] = True
    return out


def _gated(
    pattern: re.Pattern[str], docs: Sequence[str], gate: npt.NDArray[np.bool_]
) -> npt.NDArray[np.bool_]:
    hit = np.zeros(len(docs), dtype=bool)
    chosen = np.flatnonzero(gate)
    if len(chosen):
        subset = [docs[i] for i in chosen.tolist()]
        hit[chosen] = _matches(pattern, subset, "\n".join(subset))
    return hit


def classify_intents(
    docs: Sequence[str],
    sentiment_labels: Sequence[str],
    sentiment_scores: npt.ArrayLike,
    *,
    grams: Grams | None = None,
    problem: npt.NDArray[np.bool_] | None = None,
) -> list[str]:
    """Intent of each normalised document (see :func:`goodwill.analysis.text.normalise_many`).

    ``grams`` (from :func:`goodwill.analysis.sentiment.hash_grams`) and ``problem`` (the
    document has a care-negative term) are reused from sentiment analysis when given.
    """
    n = len(docs)
    if n == 0:
        return []
    grams = grams if grams is not None else hash_grams(docs)
    scores = np.asarray(sentiment_scores, dtype=np.float64)
    negative = np.array([lab == "negative" for lab in sentiment_labels], dtype=bool)
    positive = np.array([lab == "positive" for lab in sentiment_labels], dtype=bool)
    joined = "\n".join(docs)
    question = np.fromiter(("?" in d for d in docs), dtype=bool, count=n)
    question |= _matches(_QUESTION_START_LINE, docs, joined)
    if problem is None:
        problem = _matches(_PROBLEM, docs, joined)
    complaint_question = question & (
        (_gated(_COMPLAINT_QUESTION, docs, question & negative)) | (scores <= -0.6)
    )
    choices = [
        _gated(_CHURN, docs, _candidates(grams, _TRIGGERS["churn"])),
        _gated(_PURCHASE, docs, _candidates(grams, _TRIGGERS["purchase"])),
        _gated(_SUGGESTION, docs, _candidates(grams, _TRIGGERS["suggestion"])),
        complaint_question,
        question,
        negative | (problem & ~positive),
        positive,
    ]
    names = np.array(
        [
            "churn_threat",
            "purchase_intent",
            "suggestion",
            "complaint",
            "question",
            "complaint",
            "praise",
        ]
    )
    result = np.select(choices, names, default="other")
    return [str(x) for x in result]
