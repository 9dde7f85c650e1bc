"""Sentiment of social text: negative / neutral / positive with a score in [-1, 1].

Two parts, both vectorised over a batch:

1. A customer-care-aware lexicon scorer: VADER's lexicon (MIT, read from the installed
   ``vaderSentiment`` package) overridden and extended by Goodwill's own hand-written
   care lexicon (``models/care_lexicon.json``: "on hold", "still waiting", "lost", "delayed",
   "no response", emoji, sarcasm patterns such as "great, another delay"). Negation comes from
   the ``not_`` scope marks of :func:`goodwill.analysis.text.normalise`; "but" clauses weigh
   the part after "but" more, as VADER does.
2. A linear model (multinomial logistic regression) over hashed word uni/bigrams plus the
   lexicon's dense features. :class:`SentimentModel` has ``fit`` / ``predict`` / ``save`` /
   ``load`` (``.npz`` of plain arrays; never pickle), so a per-installation model can be
   retrained from the team's corrections.

The shipped default (``models/sentiment_default.npz``) is fitted by
``scripts/train_sentiment.py`` on texts the product may redistribute (see
``models/LICENSES.md``); ``sentiment_score`` is P(positive) - P(negative).
"""

from __future__ import annotations

import json
import re
import threading
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from itertools import chain
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from goodwill.analysis.logistic import LinearWeights, fit_logistic, softmax
from goodwill.analysis.text import (
    SPELLINGS,
    is_negator,
    join_documents,
    mark_negations,
    normalise_many,
    token_stream,
)

LABELS: tuple[str, str, str] = ("negative", "neutral", "positive")
N_FEATURES = 2**20
_MODELS = Path(__file__).resolve().parent / "models"
DEFAULT_MODEL_PATH = _MODELS / "sentiment_default.npz"
CARE_LEXICON_PATH = _MODELS / "care_lexicon.json"
_NEGATION_SCALAR = -0.74  # VADER's factor for a negated lexicon word
_ALPHA = 15.0  # VADER's normalisation constant: compound = s / sqrt(s^2 + alpha)

FloatArray = npt.NDArray[np.float64]


_BIGRAM_MULTIPLIER = 1_000_003  # a prime; bigram feature = (a * M + b + 1) mod N_FEATURES
_INDEX_CACHE_MAX = 2_000_000
IntArray = npt.NDArray[np.int64]


def _crc(token: str) -> int:
    return zlib.crc32(token.encode("utf-8", "surrogatepass"))


_HASH_MASK = 0xFFFFFFFF
_NEGATOR_BIT = 1 << 32
_NEWLINE_BIT = 1 << 33


def _code(token: str) -> int:
    """CRC-32 of the token's standard spelling, with flag bits for the batch pipeline."""
    code = _crc(SPELLINGS.get(token, token))
    if is_negator(token):
        code |= _NEGATOR_BIT
    if token == "\n":
        code |= _NEWLINE_BIT
    return code


class _Vocabulary:
    """Every distinct token seen so far: an id per token, and per-id codes and memberships.

    Tokens repeat across posts, so anything known about a token (its hash, whether it is a
    stop word or a trigger) is computed once per distinct token and looked up by id with
    array indexing, not with a search per occurrence.
    """

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self.codes = np.zeros(0, dtype=np.int64)
        self.members: dict[str, tuple[IntArray, npt.NDArray[np.bool_]]] = {}
        # Writers (new tokens, new membership columns) take the lock; readers need none:
        # codes grow before the ids that index them are published.
        self._lock = threading.Lock()

    def lookup(self, tokens: list[str]) -> IntArray:
        ids = self.ids
        if not set(tokens).issubset(ids):
            with self._lock:
                new = list(set(tokens).difference(ids))
                start = len(ids)
                self.codes = np.concatenate(
                    [self.codes, np.fromiter(map(_code, new), dtype=np.int64, count=len(new))]
                )
                ids.update(zip(new, range(start, start + len(new)), strict=True))
        return np.fromiter(map(ids.__getitem__, tokens), dtype=np.int64, count=len(tokens))

    def member(self, name: str, table: IntArray) -> npt.NDArray[np.bool_]:
        """Per id: whether the token's hash is in ``table`` (sorted, unique; fixed per name)."""
        found = self.members.get(name)
        if found is None or len(found[1]) < len(self.codes):
            with self._lock:
                found = self.members.get(name)
                done = found[1] if found is not None else np.zeros(0, dtype=bool)
                extra = key_in(self.codes[len(done) :] & _HASH_MASK, table)
                found = self.members[name] = (table, np.concatenate([done, extra]))
        return found[1]


_VOCABULARY = _Vocabulary()


def _vocabulary() -> _Vocabulary:
    """The vocabulary for a new batch; a fresh one once it holds too many tokens.

    A batch keeps the vocabulary it started with (its grams hold ids into it), so starting a
    fresh one never invalidates a batch being analysed in another thread.
    """
    global _VOCABULARY
    if len(_VOCABULARY.ids) > _INDEX_CACHE_MAX:
        _VOCABULARY = _Vocabulary()
    return _VOCABULARY


def clear_token_cache() -> None:
    """Forget every token seen (benchmarks time a cold start with it)."""
    global _VOCABULARY
    _VOCABULARY = _Vocabulary()


def token_ids(tokens: list[str]) -> IntArray:
    """Vocabulary id of each token; only tokens not seen before are hashed in Python."""
    return _vocabulary().lookup(tokens)


def token_codes(tokens: list[str]) -> IntArray:
    """Hash and flags of each token (see :func:`_code`), cached per distinct token."""
    vocab = _vocabulary()
    ids = vocab.lookup(tokens)  # first: it may grow the codes array
    return vocab.codes[ids]


def token_hashes(tokens: list[str]) -> IntArray:
    """CRC-32 of each token's standard spelling ("thx" hashes as "thanks"), cached."""
    return token_codes(tokens) & _HASH_MASK


def key_in(keys: IntArray, table: IntArray) -> npt.NDArray[np.bool_]:
    """Whether each key is in ``table`` (sorted, unique): one binary search per key.

    Faster than ``np.isin`` here, which sorts the batch's keys together with the table.
    """
    if not len(table):
        return np.zeros(len(keys), dtype=bool)
    at = np.searchsorted(table, keys)
    at[at == len(table)] = 0
    return np.asarray(table[at] == keys)


def _bigram_keys(first: IntArray, second: IntArray) -> IntArray:
    """Exact 64-bit key of a bigram from its two 32-bit token hashes (high bit stays clear)."""
    return ((first & 0x7FFFFFFF) << 32) | second


@dataclass(frozen=True)
class Grams:
    """Hashed unigrams and bigrams of a batch of normalised documents, as flat arrays.

    ``keys`` identify grams exactly (for lexicon look-ups); ``cols`` are the model's hashed
    feature indices (collisions are the usual price of the hashing trick).
    """

    n_docs: int
    rows: IntArray  # document of each gram
    keys: IntArray
    cols: IntArray
    n_unigrams: int  # grams[:n_unigrams] are unigrams, in token order
    uni_ids: IntArray  # vocabulary id of each unigram
    vocabulary: _Vocabulary = field(repr=False, compare=False)

    def unigram_in(self, name: str, table: IntArray) -> npt.NDArray[np.bool_]:
        """Whether each unigram's key is in ``table`` (sorted; always the same for ``name``)."""
        return self.vocabulary.member(name, table)[self.uni_ids]

    def counts(self) -> sp.csr_matrix:
        data = np.ones(len(self.cols))
        return sp.csr_matrix((data, (self.rows, self.cols)), shape=(self.n_docs, N_FEATURES))


def hash_grams(docs: Sequence[str]) -> Grams:
    vocab = _vocabulary()
    tok_lists = [d.split() for d in docs]
    lengths = np.fromiter(map(len, tok_lists), dtype=np.int64, count=len(tok_lists))
    ids = vocab.lookup(list(chain.from_iterable(tok_lists)))
    rows = np.repeat(np.arange(len(docs), dtype=np.int64), lengths)
    return _grams(vocab, ids, rows, len(docs))


def normalise_and_hash(texts: Sequence[str]) -> tuple[list[str], Grams]:
    """Normalised documents of raw texts and their hashed grams, in one pass.

    The same documents as :func:`goodwill.analysis.text.normalise_many`, but the negators
    are found from the cached token flags rather than by another scan of the batch, and the
    tokens are hashed once, before documents are joined (only tokens that negation changed
    are hashed again).
    """
    if not texts:
        return [], hash_grams([])
    vocab = _vocabulary()
    toks = token_stream(texts)
    ids = vocab.lookup(toks)
    codes = vocab.codes[ids]
    changed = mark_negations(toks, np.flatnonzero(codes & _NEGATOR_BIT).tolist())
    keep = (codes & _NEWLINE_BIT) == 0
    rows = np.cumsum(~keep)
    if changed:
        at = np.array(changed, dtype=np.int64)
        ids[at] = vocab.lookup([toks[i] for i in changed])
        keep[at[[not toks[i] for i in changed]]] = False
    return join_documents(toks, len(texts)), _grams(vocab, ids[keep], rows[keep], len(texts))


def _grams(vocab: _Vocabulary, ids: IntArray, rows: IntArray, n_docs: int) -> Grams:
    uni = vocab.codes[ids] & _HASH_MASK
    same = rows[1:] == rows[:-1]
    first, second = uni[:-1][same], uni[1:][same]
    return Grams(
        n_docs=n_docs,
        rows=np.concatenate([rows, rows[1:][same]]),
        keys=np.concatenate([uni, _bigram_keys(first, second)]),
        cols=np.concatenate(
            [uni % N_FEATURES, (first * _BIGRAM_MULTIPLIER + second + 1) % N_FEATURES]
        ),
        n_unigrams=len(uni),
        uni_ids=ids,
        vocabulary=vocab,
    )


def term_key(term: str) -> int | None:
    """Exact key of a normalised term of one or two tokens (None for longer terms)."""
    parts = term.split()
    if len(parts) == 1:
        return int(token_hashes(parts)[0])
    if len(parts) == 2:
        a, b = token_hashes(parts)
        return int(_bigram_keys(np.array([a]), np.array([b]))[0])
    return None


@dataclass(frozen=True)
class Lexicon:
    """Term valences keyed by exact gram keys, looked up for a whole batch at once."""

    keys: IntArray  # sorted
    values: FloatArray
    sarcasm: re.Pattern[str]
    english_keys: IntArray  # sorted keys of the plain English words (language evidence)
    # Sorted keys of words one of which every sarcasm match holds (empty: scan documents
    # with any positive word instead).
    sarcasm_keys: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def lookup(self, keys: IntArray) -> FloatArray:
        at = np.searchsorted(self.keys, keys)
        at[at == len(self.keys)] = 0
        return np.where(self.keys[at] == keys, self.values[at], 0.0)

    def valence(self, term: str) -> float:
        key = term_key(term)
        return 0.0 if key is None else float(self.lookup(np.array([key]))[0])

    @classmethod
    def build(cls, care_path: Path = CARE_LEXICON_PATH) -> Lexicon:
        vader = _vader_terms()
        vader_keys = list(vader)
        # VADER words that normalisation would change (emoticons, "2g2bt") are left out:
        # their normalised form ("_num_") is no longer the word VADER scored.
        terms = {
            key: vader[key]
            for key, norm in zip(vader_keys, normalise_many(vader_keys), strict=True)
            if norm == key
        }
        care = json.loads(care_path.read_text(encoding="utf-8"))
        own = {k: float(v) for k, v in care["terms"].items()}
        own.update({k: float(v) for k, v in care["emoji"].items()})
        own_keys = list(own)
        for key, norm in zip(own_keys, normalise_many(own_keys), strict=True):
            if norm:
                terms[norm] = own[key]
        for word, value in list(terms.items()):
            if " " not in word and word[0].isalpha() and not word.startswith("not_"):
                terms.setdefault("not_" + word, round(_NEGATION_SCALAR * value, 3))
        by_key: dict[int, float] = {}
        for term, value in terms.items():
            key = term_key(term)
            if key is not None:
                by_key[key] = value
        order = sorted(by_key)
        english = [t for t in terms if len(t) >= 3 and t.isascii() and t.isalpha()]
        return cls(
            keys=np.array(order, dtype=np.int64),
            values=np.array([by_key[k] for k in order]),
            sarcasm=re.compile("|".join(f"(?:{p})" for p in care["sarcasm"])),
            english_keys=np.unique(token_hashes(english)),
            sarcasm_keys=np.unique(token_hashes(list(care.get("sarcasm_triggers", [])))),
        )


def _vader_terms() -> dict[str, float]:
    text = resources.files("vaderSentiment").joinpath("vader_lexicon.txt").read_text("utf-8")
    terms: dict[str, float] = {}
    for line in text.splitlines():
        parts = line.split("\t")
        if len(parts) >= 2 and parts[0] and parts[0][0] not in ":;=<>()[]{}'\"%&$@#*^|\\/-":
            terms[parts[0]] = float(parts[1])
    return terms


@cache
def default_lexicon() -> Lexicon:
    return Lexicon.build()


DENSE_FEATURES = (
    "compound",
    "positive",
    "negative",
    "sarcasm",
    "question",
    "exclaim",
    "url",
    "length",
)


@dataclass(frozen=True)
class Features:
    counts: sp.csr_matrix
    dense: FloatArray  # (n, len(DENSE_FEATURES))

    @property
    def compound(self) -> FloatArray:
        return self.dense[:, 0]


def featurise(texts: Sequence[str], lexicon: Lexicon | None = None) -> Features:
    """Normalise, hash and lexicon-score a batch of raw texts."""
    return featurise_docs(normalise_many(texts), lexicon)[0]


def featurise_docs(docs: Sequence[str], lexicon: Lexicon | None = None) -> tuple[Features, Grams]:
    """Features of normalised documents, and their hashed grams for other analysers."""
    grams = hash_grams(docs)
    return featurise_grams(docs, grams, lexicon), grams


def featurise_grams(docs: Sequence[str], grams: Grams, lexicon: Lexicon | None = None) -> Features:
    """Features of normalised documents whose grams are already hashed."""
    lex = lexicon or default_lexicon()
    n = len(docs)
    value = lex.lookup(grams.keys)
    pos = np.bincount(grams.rows, weights=np.maximum(value, 0.0), minlength=n)
    neg = np.bincount(grams.rows, weights=np.minimum(value, 0.0), minlength=n)
    raw: FloatArray = np.asarray(pos + neg, dtype=np.float64)
    # "but": the clause after the last "but" counts 1.5x, the one before 0.5x (as VADER).
    uni_rows = grams.rows[: grams.n_unigrams]
    but_at = np.flatnonzero(grams.keys[: grams.n_unigrams] == _crc("but"))
    if len(but_at):
        last_but = np.full(n, -1, dtype=np.int64)
        np.maximum.at(last_but, uni_rows[but_at], but_at)
        has_but = last_but >= 0
        after = has_but[uni_rows] & (np.arange(grams.n_unigrams) > last_but[uni_rows])
        tail = np.bincount(uni_rows[after], weights=value[: grams.n_unigrams][after], minlength=n)
        raw = np.where(has_but, 0.5 * raw + tail, raw)
    # Every sarcasm pattern holds a trigger (a positive word): scan only documents with one.
    sarcasm = np.zeros(n)
    if len(lex.sarcasm_keys):
        name = "lexicon:sarcasm" if lex is default_lexicon() else ""
        hit = (
            grams.unigram_in(name, lex.sarcasm_keys)
            if name
            else key_in(grams.keys[: grams.n_unigrams], lex.sarcasm_keys)
        )
        gate = np.zeros(n, dtype=bool)
        gate[uni_rows[hit]] = True
        positive_docs = np.flatnonzero(gate)
    else:
        positive_docs = np.flatnonzero(pos > 0)
    if len(positive_docs):
        subset = [docs[i] for i in positive_docs.tolist()]
        sarcasm[positive_docs] = _per_doc_matches(lex.sarcasm, subset)
    raw = raw - 3.0 * sarcasm - np.where(sarcasm > 0, pos * 0.5, 0.0)
    compound = raw / np.sqrt(raw * raw + _ALPHA)
    counts = grams.counts()
    uni_keys = grams.keys[: grams.n_unigrams]

    def column(token: str) -> FloatArray:
        rows = uni_rows[uni_keys == _crc(token)]
        return np.bincount(rows, minlength=n).astype(np.float64)

    lengths = np.bincount(uni_rows, minlength=n).astype(np.float64)
    dense = np.column_stack(
        [
            compound,
            np.tanh(pos / 4.0),
            np.tanh(-neg / 4.0),
            np.minimum(sarcasm, 2.0),
            np.minimum(column("?"), 3.0) / 3.0,
            np.minimum(column("!"), 3.0) / 3.0,
            np.minimum(column("_url_"), 1.0),
            np.minimum(lengths, 60.0) / 60.0,
        ]
    )
    return Features(counts=counts, dense=dense)


def doc_owner(docs: Sequence[str], positions: Sequence[int]) -> IntArray:
    """Index of the document of each character position in ``"\\n".join(docs)``."""
    lengths = np.fromiter(map(len, docs), dtype=np.int64, count=len(docs))
    line_starts = np.concatenate([[0], np.cumsum(lengths + 1)[:-1]])
    found = np.searchsorted(line_starts, np.asarray(positions, dtype=np.int64), side="right")
    return np.asarray(found - 1, dtype=np.int64)


def _per_doc_matches(pattern: re.Pattern[str], docs: Sequence[str]) -> FloatArray:
    """How many times the pattern matches in each document, with one scan of the batch."""
    starts = [m.start() for m in pattern.finditer("\n".join(docs))]
    if not starts:
        return np.zeros(len(docs))
    return np.bincount(doc_owner(docs, starts), minlength=len(docs)).astype(np.float64)


def lexicon_scores(texts: Sequence[str]) -> FloatArray:
    """The lexicon-only compound score in [-1, 1] of each text."""
    return featurise(texts).compound


def _design(features: Features, dense_weight: float) -> sp.csr_matrix:
    counts = features.counts.copy()
    counts.data = np.log1p(counts.data)
    norms = np.sqrt(np.asarray(counts.multiply(counts).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    counts = sp.csr_matrix(sp.diags(1.0 / norms) @ counts)
    dense = sp.csr_matrix(features.dense * dense_weight)
    return sp.csr_matrix(sp.hstack([counts, dense], format="csr"))


@dataclass
class SentimentModel(LinearWeights):
    """Multinomial logistic regression over hashed n-grams and lexicon features."""

    coef: sp.csr_matrix | None = None  # (3, N_FEATURES + len(DENSE_FEATURES))
    intercept: FloatArray | None = None  # (3,)
    c: float = 2.0
    dense_weight: float = 3.0
    class_weight: str | None = "balanced"
    meta: dict[str, Any] | None = None

    def fit(
        self,
        texts: Sequence[str],
        labels: Sequence[str],
        sample_weight: npt.ArrayLike | None = None,
    ) -> SentimentModel:
        return self.fit_features(featurise(texts), labels, sample_weight)

    def fit_features(
        self,
        features: Features,
        labels: Sequence[str],
        sample_weight: npt.ArrayLike | None = None,
    ) -> SentimentModel:
        y = np.array([_label_index(lab, i) for i, lab in enumerate(labels)])
        present = np.unique(y)
        if len(present) < 2:
            raise ValueError("labels: need at least two different sentiment classes to fit")
        design = _design(features, self.dense_weight)
        if design.shape[1] != N_FEATURES + len(DENSE_FEATURES):
            raise ValueError(
                f"features: {design.shape[1]} columns, not {N_FEATURES + len(DENSE_FEATURES)}"
            )
        coef, intercept = fit_logistic(
            design,
            y,
            c=self.c,
            n_classes=len(LABELS),
            class_weight=self.class_weight,
            sample_weight=sample_weight,
        )
        self.coef = sp.csr_matrix(coef)
        self.intercept = intercept
        return self

    def predict_proba_features(self, features: Features) -> FloatArray:
        coef, intercept = self._fitted()
        return softmax(_design(features, self.dense_weight), coef, intercept)

    def predict_proba(self, texts: Sequence[str]) -> FloatArray:
        """(n, 3) probabilities in LABELS order."""
        return self.predict_proba_features(featurise(texts))

    def predict(self, texts: Sequence[str]) -> list[str]:
        return labels_of(self.predict_proba(texts))

    def save(self, path: Path) -> None:
        coef, intercept = self._fitted()
        coo = coef.tocoo()
        np.savez_compressed(
            path,
            rows=coo.row.astype(np.int8),
            cols=coo.col.astype(np.int32),
            values=coo.data.astype(np.float32),
            intercept=intercept,
            params=np.array([self.c, self.dense_weight]),
            meta=np.array(json.dumps(self.meta or {})),
        )

    @classmethod
    def load(cls, path: Path) -> SentimentModel:
        with np.load(path, allow_pickle=False) as data:
            shape = (3, N_FEATURES + len(DENSE_FEATURES))
            coef = sp.csr_matrix(
                (data["values"].astype(np.float64), (data["rows"], data["cols"])), shape=shape
            )
            c, dense_weight = (float(v) for v in data["params"])
            meta = json.loads(str(data["meta"]))
            return cls(
                coef=coef,
                intercept=np.asarray(data["intercept"], dtype=np.float64),
                c=c,
                dense_weight=dense_weight,
                meta=meta,
            )


def _label_index(label: str, row: int) -> int:
    try:
        return LABELS.index(label)
    except ValueError:
        raise ValueError(f"labels[{row}]: {label!r} is not one of {', '.join(LABELS)}") from None


def labels_of(proba: FloatArray) -> list[str]:
    return [LABELS[i] for i in proba.argmax(axis=1)]


def scores_of(proba: FloatArray) -> FloatArray:
    return np.clip(proba[:, 2] - proba[:, 0], -1.0, 1.0)


@cache
def default_model() -> SentimentModel:
    return SentimentModel.load(DEFAULT_MODEL_PATH)


@dataclass(frozen=True)
class SentimentResult:
    labels: list[str]
    scores: FloatArray


def analyse_sentiment(
    texts: Sequence[str], model: SentimentModel | None = None, features: Features | None = None
) -> SentimentResult:
    """Labels and scores in [-1, 1] for a batch, with the shipped model unless one is given."""
    model = model or default_model()
    proba = model.predict_proba_features(features if features is not None else featurise(texts))
    return SentimentResult(labels=labels_of(proba), scores=scores_of(proba))


@dataclass(frozen=True)
class Scores:
    """Accuracy and macro-F1 of predicted against true labels."""

    accuracy: float
    macro_f1: float

    @classmethod
    def of(cls, truth: Sequence[str], predicted: Sequence[str]) -> Scores:
        from sklearn.metrics import accuracy_score, f1_score

        return cls(
            accuracy=float(accuracy_score(truth, predicted)),
            macro_f1=float(f1_score(truth, predicted, average="macro", zero_division=0)),
        )


Recipe = Callable[[IntArray], "SentimentModel"]
"""Given the indices of the training rows of a fold, the model to test on the other rows."""


def part_of(features: Features, rows: IntArray) -> Features:
    return Features(counts=features.counts[rows], dense=features.dense[rows])


def cross_validate(
    features: Features,
    labels: Sequence[str],
    recipes: Mapping[str, Recipe],
    *,
    folds: int = 5,
    seed: int = 0,
) -> dict[str, Scores]:
    """Scores of each recipe under the same stratified folds (pooled predictions).

    A recipe that ignores its training rows (a model fixed in advance) is simply scored on
    every held-out fold, so fitted and fixed models are compared on exactly the same texts.
    """
    from sklearn.model_selection import StratifiedKFold

    y = np.array(labels, dtype=object)
    for row, label in enumerate(labels):
        _label_index(label, row)
    predicted = {name: np.empty(len(y), dtype=object) for name in recipes}
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train, test in splitter.split(np.zeros(len(y)), y):
        held_out = part_of(features, test)
        for name, recipe in recipes.items():
            model = recipe(np.asarray(train, dtype=np.int64))
            predicted[name][test] = labels_of(model.predict_proba_features(held_out))
    return {name: Scores.of(list(y), list(p)) for name, p in predicted.items()}
