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

import numpy as np
import numpy.typing as npt

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


def _matches(pattern: re.Pattern[str], docs: Sequence[str]) -> npt.NDArray[np.bool_]:
    """Whether the pattern matches in each document, with one scan over the batch."""
    if not docs:
        return np.zeros(0, dtype=bool)
    joined = "\n".join(docs)
    starts = [m.start() for m in pattern.finditer(joined)]
    hit = np.zeros(len(docs), dtype=bool)
    if starts:
        line_starts = np.cumsum([0] + [len(d) + 1 for d in docs[:-1]])
        hit[np.searchsorted(line_starts, np.array(starts), side="right") - 1] = True
    return hit


def _question(docs: Sequence[str]) -> npt.NDArray[np.bool_]:
    mark = np.fromiter(("?" in d for d in docs), dtype=bool, count=len(docs))
    opening = _matches(re.compile(_QUESTION_START.pattern, re.MULTILINE), docs)
    return mark | opening


def classify_intents(
    docs: Sequence[str], sentiment_labels: Sequence[str], sentiment_scores: npt.ArrayLike
) -> list[str]:
    """Intent of each normalised document (see :func:`goodwill.analysis.text.normalise_many`)."""
    n = len(docs)
    if n == 0:
        return []
    scores = np.asarray(sentiment_scores, dtype=np.float64)
    negative = np.array([lab == "negative" for lab in sentiment_labels], dtype=bool)
    positive = np.array([lab == "positive" for lab in sentiment_labels], dtype=bool)
    question = _question(docs)
    problem = _matches(_PROBLEM, docs)
    complaint_question = question & (
        (_matches(_COMPLAINT_QUESTION, docs) & negative) | (scores <= -0.6)
    )
    choices = [
        _matches(_CHURN, docs),
        _matches(_PURCHASE, docs),
        _matches(_SUGGESTION, docs),
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
