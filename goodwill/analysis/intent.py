"""Intent of a customer message, by ordered rules over normalised text and sentiment (rules v2).

The exact intent strings (part of the ``goodwill analyze`` contract):

=================  ==================================================================
``complaint``      something went wrong (negative, a problem phrase, or sarcasm)
``question``       asks something ("?", or opens with how/what/where/can I/do you ...)
``praise``         positive about the brand, its people or product
``suggestion``     proposes a change ("you should add", "would be great if", "please add")
``purchase_intent`` means to buy, book, order or sign up, or asks price, stock or deals
``churn_threat``   says they will leave ("switching to", "cancel my account", "never again")
``other``          none of the above
=================  ==================================================================

Precedence: churn_threat > suggestion > purchase_intent (said: "want to book") >
purchase_intent (asked: "how much is", "do you ship to", "any deals on"; only when the
message reports no problem, is not negative and is not about something the customer already
has: "where do I find my booking reference?" is a question) > complaint-shaped question
("why has nobody answered?", "who pays for this?") > question > praise said in so many words
("kudos to") > complaint (negative, a problem term, or sarcasm: "great, another delay") >
praise > other.

The phrasing families each rule covers, with examples and what they deliberately leave
out, are in ``docs/intent-rules.md``. Negation comes from normalisation: a word after "not",
"never", "n't" carries a ``not_`` prefix, so "not switching to Delta" has no
``switching to`` and "never flying with you again" reads ``never not_flying``.

Each rule set is one regular expression run once over the documents that hold one of its
trigger words (a vectorised look-up of hashed tokens); every match contains a trigger.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from typing import NamedTuple

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

# "please add my husband to the booking", "you should give me a refund": requests, not ideas.
_NOT_ME = r"(?! (?:me|my|us|our|him|her|them|sure)\b)"


class _Part(NamedTuple):
    """One family of phrasings: a regular expression and the words every match contains."""

    pattern: re.Pattern[str]
    triggers: tuple[str, ...]


def _part(pattern: str, triggers: str) -> _Part:
    # (?<![\w']) is \b at a word's start; as a look-behind it lets the engine scan faster.
    return _Part(re.compile(r"(?<![\w'])(?:" + pattern + ")"), _words(triggers))


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_CHURN = (
    # switching or moving to someone else (not "switching to you", a purchase)
    _part(
        r"switch(?:ing|ed)? (?:over )?to (?!you\b|your\b|the (?:new|app|online)\b)"
        r"|(?:i'm|im|i am|we're|we are) switching(?= ?(?:[.!,]|$| now| soon| next| for good"
        r"| as soon))"
        r"|switch(?:ing|ed)? (?:airlines|banks|providers|networks|carriers|suppliers|insurers"
        r"|companies)"
        r"|mov(?:e|ing) (?:over )?to (?:a |an )?(?:another|different|new|competitor|rival|_user_)"
        r"|(?:mov(?:e|ing)|transfer(?:ring)?|port(?:ing)?) (?:all )?(?:of )?(?:my|our) (?:\w+ )?"
        r"(?:savings|money|salary|mortgage|business|accounts?|pension|isa|numbers?|everything"
        r"|custom) (?:(?:over |out )?to (?!my\b|our\b|your\b|you\b|the\b|a new card\b)"
        r"|elsewhere|out\b|away\b)|pac code|port(?:ing)? out",
        "switch switching switched move moving transfer transferring port porting pac",
    ),
    # ending the relationship, leaving the channel
    _part(
        r"(?:cancel(?:l?ing|led)?|close|closing|terminate|terminating|end|ending|delete|deleting"
        r"|quit|quitting) (?:my|our) (?:\w+ ){0,2}?(?:account|subscription|contract|membership"
        r"|plan|policy|service|broadband)\b"
        r"|(?:deleted?|deleting|uninstall(?:ed|ing)?) (?:the|your|_user_) (?:\w+ )?app"
        r"|unsubscrib(?:e|ed|ing)\b",
        "cancel canceling cancelling cancelled close closing terminate terminating end ending "
        "delete deleting deleted quit quitting uninstall uninstalled uninstalling unsubscribe "
        "unsubscribed unsubscribing",
    ),
    # never again, last time, last straw
    _part(
        r"never (?:again|not_again|not_fly|not_flying|not_buy|not_buying|not_use|not_using"
        r"|not_order|not_ordering|not_shop|not_shopping|not_book|not_booking|not_bank"
        r"|not_banking)"
        r"|not_(?:fly|flying|book|booking|buy|buying|order|ordering|shop|shopping|use|using|bank"
        r"|banking|travel|travelling|traveling|deal|dealing|stay|staying) (?:not_)?(?:with|from"
        r"|at|through) (?:not_)?\w+ (?:\w+ )?again\b"
        r"|(?:last|final) time (?:i|we)(?:'m| am|'ll| will)? (?:ever )?(?:fly|flying|use|using"
        r"|buy|buying|order|ordering|shop|shopping|book|booking|deal|dealing|bank|banking)"
        r"|(?:last|final) straw",
        "never again last final",
    ),
    # taking business elsewhere, to a competitor, to another provider
    _part(
        r"(?:take|taking|took|spend|spending|put|putting) (?:my|our) (?:hard earned )?(?:business"
        r"|money|custom|cash|loyalty) (?:elsewhere|somewhere else|to (?!my\b|our\b|your\b|you\b))"
        r"|(?:go|going|shop|shopping|bank|banking|fly|flying|book|booking|look|looking)"
        r" (?:elsewhere|somewhere else)|(?:with|to) anyone else from now"
        r"|(?:go|going|went) (?:back )?to (?:a |another |the |your )?(?:competitor|competition"
        r"|rival)|(?:with|to|for) (?:your|a|the) (?:competitor|competition|rival)"
        r"|(?:to|for|with) another (?:provider|bank|airline|carrier|supplier|company|insurer|isp"
        r"|network|shop|store|retailer)",
        "take taking took spend spending put putting elsewhere anyone competitor competitors "
        "competition rival rivals another",
    ),
    # done with you, leaving
    _part(
        r"(?:done|finished|through) with (?:you|your|this company|_user_)"
        r"|(?:i'm|im|i am|we're|we are) (?:so |totally |officially |completely |absolutely )?done"
        r"(?= ?(?:[.!]|$| with (?!(?:the|my|it|that|this)\b)))"
        r"|(?:leaving|left|quit(?:ting)?|ditching|dumping) (?:you|your|_user_)"
        r"|leav(?:e|ing) (?:you )?for (?:a|an|another|the competition)"
        r"|(?:and|then) (?:i'm|im|i am|we're|we are) (?:out|gone|off|leaving)\b"
        r"|(?:find|finding|look(?:ing)? for) (?:a |another )?new (?:provider|bank|airline|carrier"
        r"|supplier|company|insurer|isp|network)|goodbye _user_|bye _user_",
        "done finished through leaving left leave quit quitting ditching dumping out gone off "
        "find finding look looking goodbye bye",
    ),
)

# Strong purchase intent: the customer says they mean to buy, book, order or sign up.
_PURCHASE_SAID = re.compile(
    r"\b(?:"
    r"where (?:can|could|do|should|would) (?:i|we|one) (?:buy|order|purchase|get|find|pick up)\b"
    r"(?! (?:out|help|my|our|your|a receipt|an? (?:answer|update|invoice|refund|reply|response)"
    r"|the (?:\w+ )?(?:number|reference|code|form|receipt|invoice|details|link|option|button"
    r"|page|settings?|app|refund|status))\b)"
    r"|how (?:do|can|would) (?:i|we) (?:buy|order|purchase|sign up|subscribe|upgrade to|join"
    r"|open an? (?:\w+ )?account)"
    r"|(?:want|wanna|would like|'d like|planning|plan|looking|hoping|ready|about|going|gonna"
    r"|intend|intending|keen|decided) (?:to )?(?:buy|order|purchase|book|reserve|subscribe"
    r"|sign up|upgrade|pre ?-?order|get one|get (?:a|an|the|two|some) (?!refund|money|answer"
    r"|reply|response|update|bag|luggage|compensation|voucher|call)\w+|open (?:a|an|another"
    r"|new) (?:\w+ ){0,2}?account|switch (?:over )?to (?:you|your)|join)\b"
    r"|thinking (?:about|of) (?:getting|buying|ordering|booking|upgrading|switching (?:over )?to"
    r" (?:you|your)|opening|signing up|joining|subscribing)"
    r"|interested in (?:your|the|a|an|buying|getting|booking|ordering|signing|opening|joining)\b"
    r"|(?:can|could|may) (?:i|we) (?:buy|order|purchase|pre ?-?order|reserve)\b"
    r"|take my money|shut up and take|sign me up|i'll take (?:it|one|two|three|both)\b)"
)
# Asking about price, stock, range or deals: purchase intent unless the message reports a
# problem or is about something already bought or booked ("how much is it to add a bag to my
# booking?" is a question).
_PURCHASE_ASKED = re.compile(
    r"\b(?:"
    r"how much (?:is|are|does|do|would|will|for|to|it|they|per|a|an|the)\b"
    r"|prices? (?:of|for|on)\b|what(?:'s| is| are) (?:your |the )?(?:prices?|rates?|fares?|deals"
    r"|offers)\b|(?:best|cheapest|current|latest) (?:price|deal|offer|rate|fare)s?\b|cheapest"
    r"|(?:in|back in|out of) stock|restock"
    r"|(?:is|are) (?:it|they|this|these|those|the \w+) (?:\w+ )?available\b"
    r"|coming back in\b|available in (?:size|colour|color|other)"
    r"|do you (?:still |also )?(?:sell|stock|ship|deliver to|fly to|fly from|fly direct|carry)\b"
    r"|(?:do you|is there|are there) (?:have )?(?:any )?(?:\w+ ){0,3}?(?:deals?|offers?|discounts?"
    r"|promos?|promotions?|sales?|bundles?|coupons?)\b"
    r"|any (?:\w+ )?(?:deals?|offers?|discounts?|promos?|promo codes?|sales?|bundles?)\b"
    r"|(?:sale|deals?|offers?|discounts?|fares?) (?:coming back|back on|this (?:month|week"
    r"|weekend|year))|release (?:fares|tickets|seats|dates)\b"
    r"|(?:group|bulk|student|family) (?:discounts?|rates?|deals?|bookings?)\b"
    r"|should (?:i|we) (?:buy|book|go for|order|upgrade|get (?:a|an|the|one|it)\b)"
    r"|worth (?:it|the (?:money|price|upgrade|extra))\b|(?:any|your) recommendations?\b"
    r"|would you recommend\b"
    r"|looking (?:for|at) (?:a|an|some|the best|good|cheap|new|flights|tickets|deals|offers"
    r"|plans)\b(?! (?:\w+ )?(?:refund|answer|update|response|reply|human|way|solution|fix"
    r"|explanation|compensation|manager|someone|person|agent)\b))"
)
# "my booking", "order number": the message is about something the customer already has.
_EXISTING = re.compile(
    r"\b(?:(?:my|our) (?:existing |current |upcoming |last |recent |next )?(?:booking|reservation"
    r"|order|ticket|tickets|flight|bill|account|card|contract|plan|subscription|refund|parcel"
    r"|package|delivery|bag|luggage|suitcase|policy)\b|booking (?:reference|ref|number"
    r"|confirmation)|order (?:number|status)|reference number|already (?:booked|bought"
    r"|ordered|paid))"
)
_SUGGESTION = (
    # you should / <brand> should / you need to
    _part(
        r"you (?:guys )?(?:should|could|ought to) (?:really |seriously |definitely |honestly "
        r"|totally |just |also )?(?:add|offer|make|have (?!(?:been|told|known|done|sent|given"
        r"|said|had|let|made|kept|seen|taken|got|gotten|paid|thought|\w+ed)\b)|bring|let"
        r"|consider|allow|start|introduce|support|include|put|give|do|get|stock|open|extend"
        r"|create|build|hire|train|sell|launch|try|think about|look into|partner)"
        + _NOT_ME
        + r"|you (?:guys )?(?:should|could|ought to|need to) (?:really |just |also )?let (?:us"
        r"|me|people|customers|users) (?!know\b)"
        r"|you (?:guys )?(?:really |seriously |honestly )?(?:need to|must|have to) (?:really "
        r"|seriously |definitely |just )?(?:add|offer|bring back|introduce|allow|let us"
        r"|let people|consider|start offering|support|include|extend|stock|open more|hire more"
        r"|launch)"
        + _NOT_ME
        + r"|(?<!\bi )(?<!\bwe )(?<!\bit )(?<!\bhe )(?<!\bshe )(?<!\bthey )(?<!\bthat )"
        r"(?<!\bthis )(?<!\bthere )(?<!\bwho )(?<!\bwhich )(?<=\w )(?:should|ought to)"
        r" (?:really |seriously |just |also )?(?:let (?:us|people|families|customers|passengers"
        r"|parents|users)|add|offer|bring back|introduce|allow)\b",
        "should could ought need must",
    ),
    # please add
    _part(
        r"(?:please|pls|plz|kindly) (?:please )?(?:add|bring back|consider|make it (?:possible"
        r"|easier|easy|simpler)|offer|allow|let us|let people|introduce|support|include|stock"
        r"|extend|open more|create|build|put back|restore|reinstate|launch|start offering"
        r"|hire more)" + _NOT_ME,
        "please pls plz kindly",
    ),
    # it would be great if, would love to see
    _part(
        r"(?:it |that |this )?(?:would|(?:i|we|it|that|this|you|they)'d)"
        r" (?:really |definitely |also )?be (?:great|nice"
        r"|good|better|awesome|cool|helpful|lovely|amazing|handy|useful|brilliant|ideal|fab"
        r"|fantastic|super) (?:if|to)\b"
        r"|(?:would|(?:i|we|it|that|this|you|they)'d) (?:really |so )?love"
        r" (?:to see|it if|if you|if there|the option"
        r"|the ability|more)\b|would (?:really )?help if|would make (?:it|life|things|everything)"
        r" (?:so )?(?:much )?(?:easier|better|simpler)"
        r"|(?:would|(?:i|we|it|that|this|you|they)'d) (?:really |so )?love (?:a|an|some)"
        r" (?!refund|reply|response|answer"
        r"|update|call|callback|word|explanation)",
        "would i'd it'd that'd we'd you'd they'd",
    ),
    # why not
    _part(
        r"why (?:not|don't|dont|do not) (?:not_)?(?:you |not_you )?(?:not_)?(?:guys |not_guys )?"
        r"(?:not_)?(?:add|offer|make|have|let|allow|do|bring|give|introduce|include|try|use|open"
        r"|stock|extend|start|provide|put)\b",
        "why",
    ),
    # naming it, wishing, consider, how about, maybe, bring back, any chance of
    _part(
        r"suggestion|i suggest|i'd suggest|may i suggest|can i suggest|feature request"
        r"|an idea\b|idea :|a thought :|(?:i|we) (?:really |just |so )?wish (?:you|your|there|it"
        r"|they|the|we could|i could|more)\b"
        r"|consider (?:adding|offering|making|having|bringing|introducing|extending|opening"
        r"|allowing|letting|lowering|reducing|a|an|more|longer|lower|cheaper|free|some)\b"
        r"|how about (?:adding|offering|a|an|some|more|making|letting|bringing|free)\b"
        r"|(?:maybe|perhaps) (?:just |also )?(?:add|offer|introduce|bring back|consider|stock"
        r"|allow|extend|make an? (?:option|way|setting))\b"
        r"|(?:could|can|would) you (?:please |pls |plz )?(?:bring back|introduce|consider"
        r"|start offering|stock|offer more)\b|bring back (?:the|free|old|our|your)\b"
        r"|any chance (?:of|you could) (?:a|an|some|more|adding|getting (?:a|an|some|more))"
        r" (?!refund|reply|response|answer|update|call|callback|compensation)",
        "suggestion suggest suggestions feature idea thought wish consider about maybe perhaps "
        "bring introduce stock chance",
    ),
)
_QUESTION_START = re.compile(
    r"^(?:_user_ )*(?:how|what|what's|when|where|which|who|whom|whose|is|are|can|could|do"
    r"|does|did|will|would|should|may|have|has|any(?:one|body)? (?:know|else)|anyone|why)\b(?!')"
)
# A question that is really a complaint (run only on negative questions).
_COMPLAINT_QUESTION = re.compile(
    r"\b(?:why|how come|how (?:many times|hard|difficult)|how long (?:do (?:i|we) have to"
    r"|must (?:i|we)|will (?:this|it|i|we) (?:have to|take you|be)|have (?:i|we) been|has it been"
    r"|until|before|is this going)|seriously|really \?|what the|is it too much"
    r"|where(?:'s| is| are) (?:my|our) (?:\w+ )?(?:bag|bags"
    r"|luggage|suitcase|parcel|package|order|refund|money|delivery|engineer|compensation"
    r"|replacement))\b"
)
# A question that is a complaint whatever its sentiment score.
_INDIGNANT = re.compile(
    r"\b(?:are you (?:kidding|serious|joking)|is this a joke|wtf|who (?:pays|is paying|is going"
    r" to pay|will pay) for (?:this|that|it)|where (?:the hell|on earth)|how is (?:it|this|that)"
    r" (?:that|possible|ok|okay|acceptable|fair|legal|even)|daylight robbery|rip ?-?off)\b"
)
# Praise said in so many words, even when the story has a problem in it ("kudos to the gate
# agent who found my lost passport").
_PRAISE_SAID = re.compile(
    r"\b(?:kudos|shout ?-?out (?:to|for)|shoutout (?:to|for)|hats off|props to|credit where"
    r"|(?:big|huge|massive|special|many) thanks|(?:can't|cannot|couldn't) not_fault"
    r"|never not_disappoints?|above and beyond|made my (?:day|week|trip)|highly recommend)\b"
)
# Sarcasm (run only on positive messages with a negative term in them): "fantastic service
# as always", "great, another delay", "toilets out of order. lovely."
_SARCASM = re.compile(
    r"(?:\bas (?:always|usual|ever)\b|\byet again\b|\b(?:just|exactly) what (?:i|we) needed"
    r"|\bperfect timing|\bthanks for nothing|\boh (?:good|great|wonderful|brilliant|joy|fantastic"
    r"|perfect|super|lovely)\b|^(?:_user_ )*(?:great|brilliant|fantastic|wonderful|perfect|lovely"
    r"|super|genius|awesome|nice|cool) , |\b(?:lovely|brilliant|perfect|fantastic|great"
    r"|wonderful|super|marvellous|amazing) [.!](?: _user_)*$|\blove (?:it )?when\b"
    r"|\blove paying\b)",
    re.MULTILINE,
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


_PURCHASE = (
    _Part(
        _PURCHASE_SAID,
        _words(
            "buy order purchase get find pick sign subscribe upgrade join open book reserve "
            "preorder pre-order pre switch getting buying ordering booking upgrading switching "
            "opening signing joining subscribing interested take"
        ),
    ),
)
_PURCHASE_ASK = (
    _Part(
        _PURCHASE_ASKED,
        _words(
            "much price prices rates rate fares fare deals deal offers offer cheapest best "
            "current latest stock restock available coming sell ship deliver fly carry discounts "
            "discount promos promo promotions promotion sales sale bundles bundle coupons coupon "
            "release group bulk student family should worth recommendations recommendation "
            "recommend looking"
        ),
    ),
)
_PRAISE = (
    _Part(
        _PRAISE_SAID,
        _words(
            "kudos shout shoutout hats props credit thanks can't cannot couldn't never above made "
            "highly"
        ),
    ),
)
RULES: dict[str, tuple[_Part, ...]] = {
    "churn": _CHURN,
    "suggestion": _SUGGESTION,
    "purchase": _PURCHASE,
    "purchase_ask": _PURCHASE_ASK,
    "praise": _PRAISE,
}
"""Each phrase rule's families. A document is scanned by a family only when it holds one of
the family's trigger words (a vectorised look-up of hashed tokens): every match contains one."""


@cache
def _trigger_keys(triggers: tuple[str, ...]) -> npt.NDArray[np.int64]:
    return np.unique(token_hashes(list(triggers)))


def _candidates(grams: Grams, name: str, k: int) -> npt.NDArray[np.bool_]:
    """Documents holding one of the trigger words of family ``k`` of rule ``name``."""
    hit = grams.unigram_in(f"intent-v2:{name}:{k}", _trigger_keys(RULES[name][k].triggers))
    out = np.zeros(grams.n_docs, dtype=bool)
    out[grams.rows[: grams.n_unigrams][hit]] = True
    return out


def _rule(
    name: str, docs: Sequence[str], grams: Grams, gate: npt.NDArray[np.bool_] | None = None
) -> npt.NDArray[np.bool_]:
    """Whether any family of the rule matches each document (only where ``gate`` holds)."""
    hit = np.zeros(len(docs), dtype=bool)
    for k, part in enumerate(RULES[name]):
        chosen = _candidates(grams, name, k) & ~hit
        if gate is not None:
            chosen &= gate
        hit |= _gated(part.pattern, docs, chosen)
    return hit


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
    negative_terms: npt.NDArray[np.bool_] | None = None,
) -> list[str]:
    """Intent of each normalised document (see :func:`goodwill.analysis.text.normalise_many`).

    ``grams`` (from :func:`goodwill.analysis.sentiment.hash_grams`), ``problem`` (the
    document has a strong care-negative term) and ``negative_terms`` (it has any negative
    lexicon term: where sarcasm is looked for) are reused from sentiment analysis when given;
    without them the ``_PROBLEM`` pattern stands in for both.
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
    if negative_terms is None:
        negative_terms = problem
    complaint_question = question & (
        _gated(_COMPLAINT_QUESTION, docs, question & negative)
        | _gated(_INDIGNANT, docs, question)
        | (scores <= -0.6)
    )
    asks = _rule("purchase_ask", docs, grams, ~problem & ~negative)
    asks &= ~_gated(_EXISTING, docs, asks)
    sarcastic = _gated(_SARCASM, docs, positive & (negative_terms | problem))
    choices = [
        _rule("churn", docs, grams),
        _rule("suggestion", docs, grams),
        _rule("purchase", docs, grams),
        asks,
        complaint_question,
        question,
        _rule("praise", docs, grams),
        sarcastic | negative | (problem & ~positive),
        positive,
    ]
    names = np.array(
        [
            "churn_threat",
            "suggestion",
            "purchase_intent",
            "purchase_intent",
            "complaint",
            "question",
            "praise",
            "complaint",
            "praise",
        ]
    )
    result = np.select(choices, names, default="other")
    return [str(x) for x in result]
