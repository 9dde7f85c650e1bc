"""Per-installation sentiment, intent and topic models fitted from the team's labels
(``goodwill analysis``).

A retrain fits a candidate on the labelled messages (agent corrections, and dataset labels
when the operator asks), scores it and the current model under the same folds, and installs
the candidate only if its cross-validated macro-F1 is higher (or when forced). For intent the
current model with nothing installed is the rules; for topics, the taxonomy (the learned
models refine those: see ``goodwill.analysis.learned``).

Each target has a store, ``GOODWILL_HOME/models/<target>/`` (sentiment, intent, topics):

- ``vNNNN.npz``: each installed model (plain arrays, see ``SentimentModel.save``), with the
  ids of the messages it was fitted on in its metadata;
- ``history.jsonl``: one line per retrain (installed or not): when, labels used, scores;
- ``CURRENT``: the version in use (absent: the packaged default model, the rules, the
  taxonomy).

The current model is fair game for comparison: the packaged default never saw these labels,
so it is scored as it is; an installed model was fitted on some of them, so its recipe is
refitted on the training part of each fold (restricted to the messages it had) instead of
being scored on texts it was trained on.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings

from goodwill.accounts.services import audit
from goodwill.analysis.intent import INTENTS
from goodwill.analysis.learned import (
    Inputs,
    IntentModel,
    TopicModel,
    TopicScores,
    cross_validate_intents,
    cross_validate_topics,
)
from goodwill.analysis.sentiment import (
    LABELS,
    Recipe,
    Scores,
    SentimentModel,
    cross_validate,
    default_model,
    featurise,
    part_of,
)
from goodwill.listening.labelling import intent_examples, sentiment_examples, topic_examples

MIN_LABELS = 100
MIN_PER_CLASS = 10  # sentiment and intent classes, and topics (with and without)
FOLDS = 5
C = 2.0  # regularisation of per-installation models (benchmarks/README-sentiment.md)
_CURRENT = "CURRENT"
_HISTORY = "history.jsonl"


class RetrainError(Exception):
    """Retraining cannot run; the message says why and what would let it."""


SENTIMENT, INTENT, TOPICS = "sentiment", "intent", "topics"
TARGETS: tuple[str, ...] = (SENTIMENT, INTENT, TOPICS)


def store(target: str = SENTIMENT) -> Path:
    if target not in TARGETS:
        raise RetrainError(f"target {target!r} is not one of {', '.join(TARGETS)}")
    return Path(settings.GOODWILL_HOME) / "models" / target


def _model_path(version: int, target: str = SENTIMENT) -> Path:
    return store(target) / f"v{version:04d}.npz"


@dataclass(frozen=True)
class RetrainReport:
    examples: int
    by_class: dict[str, int]  # topics: messages per topic (and "(none)" for no topic)
    origins: dict[str, int]
    candidate: Scores | TopicScores
    current: Scores | TopicScores
    current_version: int | None  # None: the packaged default
    installed: bool
    version: int | None  # of the candidate, if it was saved
    reason: str
    dry_run: bool
    forced: bool
    folds: int
    seed: int
    created_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())
    target: str = SENTIMENT
    # Classes (intent) or topics left to the rules or the taxonomy: too few labels to learn.
    not_learned: dict[str, int] = field(default_factory=dict)
    dropped: int = 0  # topic names in labels that are no longer in the taxonomy

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def current_version(target: str = SENTIMENT) -> int | None:
    """The installed version (None: the packaged default), read from the store's pointer."""
    try:
        text = (store(target) / _CURRENT).read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return None
    return int(text) if text.isdigit() else None


def pointer_stamp(target: str = SENTIMENT) -> tuple[int, int] | None:
    """Changes whenever the current model changes (cheap: one ``stat``)."""
    try:
        st = (store(target) / _CURRENT).stat()
    except FileNotFoundError:
        return None
    return (st.st_mtime_ns, st.st_size)


def load_current() -> tuple[int | None, SentimentModel]:
    version = current_version()
    if version is None:
        return None, default_model()
    return version, SentimentModel.load(_model_path(version))


def load_current_intent() -> tuple[int | None, IntentModel | None]:
    """The installed intent model (None: the rules alone)."""
    version = current_version(INTENT)
    if version is None:
        return None, None
    return version, IntentModel.load(_model_path(version, INTENT))


def load_current_topics() -> tuple[int | None, TopicModel | None]:
    """The installed topic model (None: the taxonomy alone)."""
    version = current_version(TOPICS)
    if version is None:
        return None, None
    return version, TopicModel.load(_model_path(version, TOPICS))


def history(target: str = SENTIMENT) -> list[dict[str, Any]]:
    path = store(target) / _HISTORY
    if not path.exists():
        return []
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            rows.append(json.loads(line))
    return rows


def _check_counts(by_class: Counter[str], origins: str, folds: int) -> None:
    total = sum(by_class.values())
    if total < MIN_LABELS:
        raise RetrainError(
            f"too few labels to retrain: {total} labelled message(s) ({origins}); at least "
            f"{MIN_LABELS} are needed. Correct more messages on their message page, or add "
            "--with-datasets to use imported dataset labels."
        )
    if len(by_class) < 2:
        raise RetrainError(
            f"all {total} labels are {next(iter(by_class))!r}: a model needs at least two "
            "sentiment classes"
        )
    need = max(MIN_PER_CLASS, folds)
    rare = {label: n for label, n in by_class.items() if n < need}
    if rare:
        listed = ", ".join(f"{label}: {n}" for label, n in sorted(rare.items()))
        raise RetrainError(
            f"too few labels in some classes ({listed}); each class present needs at least "
            f"{need} for {folds}-fold cross-validation"
        )


def retrain_sentiment(
    *,
    include_datasets: bool = False,
    force: bool = False,
    dry_run: bool = False,
    folds: int = FOLDS,
    seed: int = 0,
    actor: Any = None,
) -> RetrainReport:
    """Fit, compare by cross-validation, and install the candidate only if it is better."""
    if folds < 2:
        raise RetrainError(f"--folds: at least 2 (got {folds})")
    examples = sentiment_examples(include_datasets=include_datasets)
    by_class = Counter(e.label for e in examples)
    origins = Counter(e.origin for e in examples)
    _check_counts(
        by_class,
        "agent corrections and dataset labels" if include_datasets else "agent corrections",
        folds,
    )
    texts = [e.text for e in examples]
    labels = [e.label for e in examples]
    ids = np.array([e.message_id for e in examples], dtype=np.int64)
    features = featurise(texts)

    def candidate(train: np.ndarray) -> SentimentModel:
        return SentimentModel(c=C).fit_features(
            part_of(features, train), [labels[i] for i in train]
        )

    version_before, current_model = load_current()
    current_recipe: Recipe
    if version_before is None:
        current_recipe = lambda train: current_model  # noqa: E731 - fixed in advance
    else:
        meta = current_model.meta or {}
        had = np.isin(ids, np.array(meta.get("message_ids", []), dtype=np.int64))
        c = float(meta.get("c", C))

        def current_recipe(train: np.ndarray) -> SentimentModel:
            rows = train[had[train]]
            present = {labels[i] for i in rows}
            if len(present) < 2:  # nothing left of its data: score the model as it is
                return current_model
            return SentimentModel(c=c).fit_features(
                part_of(features, rows), [labels[i] for i in rows]
            )

    scores = cross_validate(
        features,
        labels,
        {"candidate": candidate, "current": current_recipe},
        folds=folds,
        seed=seed,
    )
    return _conclude(
        SENTIMENT,
        scores,
        examples=len(examples),
        by_class=dict(sorted(by_class.items())),
        origins=dict(sorted(origins.items())),
        version_before=version_before,
        fit=lambda: SentimentModel(c=C).fit_features(features, labels),
        message_ids=ids.tolist(),
        meta={"include_datasets": include_datasets},
        force=force,
        dry_run=dry_run,
        folds=folds,
        seed=seed,
        actor=actor,
    )


def _next_version(target: str = SENTIMENT) -> int:
    used = [int(row.get("run") or 0) for row in history(target)]
    return max(used, default=0) + 1


def _save_model(
    model: SentimentModel | IntentModel | TopicModel, version: int, target: str = SENTIMENT
) -> None:
    folder = store(target)
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, suffix=".npz.tmp")
    os.close(fd)
    try:
        with open(tmp, "wb") as handle:
            model.save(handle)  # type: ignore[arg-type]
        os.replace(tmp, _model_path(version, target))
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(tmp, path)


def _append_history(row: dict[str, Any], target: str = SENTIMENT) -> None:
    folder = store(target)
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / _HISTORY).open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(row, sort_keys=True) + "\n")


# ----------------------------------------------------------------------------- intent, topics


def _inputs(texts: list[str]) -> Inputs:
    """The learned models' inputs under the sentiment model and taxonomy in use now."""
    from goodwill.analysis.understand import learning_inputs
    from goodwill.listening.understanding import current_model, current_taxonomy

    return learning_inputs(texts, model=current_model(), taxonomy=current_taxonomy())


def _verdict(better: bool, force: bool, dry_run: bool) -> tuple[bool, str]:
    install = (better or force) and not dry_run
    if better:
        reason = "candidate has the higher cross-validated macro-F1"
    else:
        reason = "current model is as good or better"
        if force:
            reason += "; installed anyway (--force)"
    if dry_run:
        reason += "; dry run: nothing saved"
    return install, reason


def _record(
    target: str,
    report: RetrainReport,
    model: SentimentModel | IntentModel | TopicModel | None,
    actor: Any,
) -> None:
    """Save the installed model (if any), the history line, the pointer, and audit."""
    run = report.version if report.installed else _next_version(target)
    if model is not None and report.version is not None:
        _save_model(model, report.version, target)
    _append_history({"run": run, **report.as_dict()}, target)
    if report.installed:
        _write_atomic(store(target) / _CURRENT, f"{report.version}\n")
    audit(
        actor=actor,
        action="analysis.retrain",
        data={
            "target": target,
            "version": run,
            "installed": report.installed,
            "candidate": asdict(report.candidate),
            "current": asdict(report.current),
            "current_version": report.current_version,
            "examples": report.examples,
        },
    )


def _conclude(
    target: str,
    scores: Mapping[str, Scores | TopicScores],
    *,
    examples: int,
    by_class: dict[str, int],
    origins: dict[str, int],
    version_before: int | None,
    fit: Callable[[], SentimentModel | IntentModel | TopicModel | None],
    message_ids: list[int],
    meta: dict[str, Any],
    force: bool,
    dry_run: bool,
    folds: int,
    seed: int,
    actor: Any,
    not_learned: dict[str, int] | None = None,
    dropped: int = 0,
) -> RetrainReport:
    """The steps every target shares once candidate and current are scored: the verdict,
    the report, and (unless a dry run) the fitted model installed with its metadata
    (``fit`` fits the candidate on all the labels; ``meta`` adds the target's own keys),
    the history line, the pointer and the audit entry."""
    install, reason = _verdict(
        scores["candidate"].macro_f1 > scores["current"].macro_f1, force, dry_run
    )
    report = RetrainReport(
        examples=examples,
        by_class=by_class,
        origins=origins,
        candidate=scores["candidate"],
        current=scores["current"],
        current_version=version_before,
        installed=install,
        version=_next_version(target) if install else None,
        reason=reason,
        dry_run=dry_run,
        forced=force,
        folds=folds,
        seed=seed,
        target=target,
        not_learned=dict(not_learned or {}),
        dropped=dropped,
    )
    if dry_run:
        return report
    model = None
    if install:
        model = fit()
        assert model is not None
        model.meta = {
            "version": report.version,
            "c": C,
            "created_at": report.created_at,
            "message_ids": message_ids,
            "by_class": report.by_class,
            **meta,
        }
    _record(target, report, model, actor)
    return report


def _check_total(target: str, total: int, origins: str) -> None:
    if total < MIN_LABELS:
        raise RetrainError(
            f"too few {target} labels to retrain: {total} labelled message(s) ({origins}); at "
            f"least {MIN_LABELS} are needed. Correct the {target} of more messages on their "
            "message page or through the API."
        )


def retrain_intent(
    *,
    include_datasets: bool = False,
    force: bool = False,
    dry_run: bool = False,
    folds: int = FOLDS,
    seed: int = 0,
    actor: Any = None,
) -> RetrainReport:
    """Fit an intent model over the rules from the intent labels, compare it with the
    current classifier (the rules, or the installed model's recipe) on the same folds, and
    install it only if its cross-validated macro-F1 is higher (or when forced).

    An intent with fewer than ``max(MIN_PER_CLASS, folds)`` labels is not learned: the
    model leaves it to the rules. Its messages still count in the comparison.
    """
    if folds < 2:
        raise RetrainError(f"--folds: at least 2 (got {folds})")
    examples = intent_examples(include_datasets=include_datasets)
    by_class = Counter(e.label for e in examples)
    origins = Counter(e.origin for e in examples)
    _check_total(
        INTENT,
        len(examples),
        "agent corrections and dataset labels" if include_datasets else "agent corrections",
    )
    need = max(MIN_PER_CLASS, folds)
    learnable = {label for label, n in by_class.items() if n >= need}
    not_learned = {label: n for label, n in sorted(by_class.items()) if label not in learnable}
    if len(learnable) < 2:
        listed = ", ".join(f"{k}: {v}" for k, v in sorted(by_class.items()))
        raise RetrainError(
            f"too few labels per intent ({listed}); at least two intents need "
            f"{need} labels each for {folds}-fold cross-validation"
        )
    labels = [e.label for e in examples]
    ids = np.array([e.message_id for e in examples], dtype=np.int64)
    inputs = _inputs([e.text for e in examples])
    usable = np.array([lab in learnable for lab in labels], dtype=bool)

    def fitted(rows: np.ndarray, c: float, min_confidence: float) -> IntentModel | None:
        rows = rows[usable[rows]]
        if len({labels[i] for i in rows.tolist()}) < 2:
            return None
        return IntentModel(c=c, min_confidence=min_confidence).fit(
            inputs.rows(rows), [labels[i] for i in rows.tolist()]
        )

    def rules(inp: Inputs) -> list[str]:
        return list(inp.rule_intents)

    def candidate(train: np.ndarray) -> Any:
        model = fitted(train, C, 0.0)
        return rules if model is None else model.predict

    version_before, installed = load_current_intent()
    if installed is None:
        current_recipe: Any = lambda train: rules  # noqa: E731 - fixed in advance
    else:
        had = np.isin(ids, np.array((installed.meta or {}).get("message_ids", []), dtype=np.int64))
        kept = installed

        def current_recipe(train: np.ndarray) -> Any:
            model = fitted(train[had[train]], kept.c, kept.min_confidence)
            return (kept if model is None else model).predict

    # Stratify on the labels, with intents too rare to learn pooled (they may have fewer
    # messages than folds).
    strata = [lab if lab in learnable else "(rare)" for lab in labels]
    if 0 < sum(s == "(rare)" for s in strata) < folds:
        strata = [lab if lab in learnable else min(learnable) for lab in labels]
    scores = cross_validate_intents(
        inputs,
        labels,
        {"candidate": candidate, "current": current_recipe},
        folds=folds,
        seed=seed,
        strata=strata,
    )
    return _conclude(
        INTENT,
        scores,
        examples=len(examples),
        by_class=dict(sorted(by_class.items())),
        origins=dict(sorted(origins.items())),
        version_before=version_before,
        fit=lambda: fitted(np.arange(len(labels), dtype=np.int64), C, 0.0),
        message_ids=ids[usable].tolist(),
        meta={"not_learned": not_learned, "include_datasets": include_datasets},
        force=force,
        dry_run=dry_run,
        folds=folds,
        seed=seed,
        actor=actor,
        not_learned=not_learned,
    )


def retrain_topics(
    *,
    force: bool = False,
    dry_run: bool = False,
    folds: int = FOLDS,
    seed: int = 0,
    actor: Any = None,
) -> RetrainReport:
    """Fit per-topic classifiers over the taxonomy from the topic corrections, compare with
    the current topics (the taxonomy, or the installed model's recipe) on the same folds, and
    install only if the cross-validated macro-F1 over the corrected topics is higher.

    A topic is learned when at least ``max(MIN_PER_CLASS, folds)`` corrected messages have it
    and as many have not; the others keep the taxonomy's answer. Topic names in corrections
    that the taxonomy no longer has are dropped (counted in the report).
    """
    if folds < 2:
        raise RetrainError(f"--folds: at least 2 (got {folds})")
    from goodwill.listening.understanding import current_taxonomy

    names = current_taxonomy().names
    known = set(names)
    examples = topic_examples()
    _check_total(TOPICS, len(examples), "agent corrections")
    dropped = sum(1 for e in examples for t in e.topics if t not in known)
    labels = [[t for t in e.topics if t in known] for e in examples]
    per_topic = Counter(t for found in labels for t in found)
    by_class = {name: per_topic[name] for name in names if per_topic[name]}
    by_class["(none)"] = sum(1 for found in labels if not found)
    need = max(MIN_PER_CLASS, folds)

    def learnable_in(rows: np.ndarray) -> list[str]:
        counts = Counter(t for i in rows.tolist() for t in labels[i])
        return [n for n in names if need <= counts[n] <= len(rows) - need]

    learn = learnable_in(np.arange(len(labels), dtype=np.int64))
    if not learn:
        listed = ", ".join(f"{k}: {v}" for k, v in by_class.items())
        raise RetrainError(
            f"no topic has enough labels to learn ({listed}); a topic needs at least "
            f"{need} corrected messages with it and {need} without"
        )
    not_learned = {k: v for k, v in by_class.items() if k != "(none)" and k not in learn}
    scored = [n for n in names if per_topic[n]]
    ids = np.array([e.message_id for e in examples], dtype=np.int64)
    inputs = _inputs([e.text for e in examples])

    def fitted(rows: np.ndarray, c: float, topics: list[str] | None = None) -> TopicModel:
        chosen = learnable_in(rows) if topics is None else topics
        return TopicModel(c=c).fit(inputs.rows(rows), [labels[i] for i in rows.tolist()], chosen)

    def taxonomy(inp: Inputs) -> list[list[str]]:
        return [list(found) for found in inp.taxonomy_topics]

    def candidate(train: np.ndarray) -> Any:
        model = fitted(train, C)
        return lambda inp: model.predict(inp, names)

    version_before, installed = load_current_topics()
    if installed is None:
        current_recipe: Any = lambda train: taxonomy  # noqa: E731 - fixed in advance
    else:
        had = np.isin(ids, np.array((installed.meta or {}).get("message_ids", []), dtype=np.int64))
        kept = installed

        def current_recipe(train: np.ndarray) -> Any:
            rows = train[had[train]]
            usable = [t for t in learnable_in(rows) if t in kept.topics]
            model = fitted(rows, kept.c, usable) if usable else kept
            return lambda inp: model.predict(inp, names)

    scores = cross_validate_topics(
        inputs,
        labels,
        scored,
        {"candidate": candidate, "current": current_recipe},
        folds=folds,
        seed=seed,
    )
    return _conclude(
        TOPICS,
        scores,
        examples=len(examples),
        by_class=by_class,
        origins=dict(Counter(e.origin for e in examples)),
        version_before=version_before,
        fit=lambda: fitted(np.arange(len(labels), dtype=np.int64), C, learn),
        message_ids=ids.tolist(),
        meta={"not_learned": not_learned},
        force=force,
        dry_run=dry_run,
        folds=folds,
        seed=seed,
        actor=actor,
        not_learned=not_learned,
        dropped=dropped,
    )


def retrain(target: str, **options: Any) -> RetrainReport:
    """Retrain one target (``sentiment``, ``intent`` or ``topics``)."""
    if target == SENTIMENT:
        return retrain_sentiment(**options)
    if target == INTENT:
        return retrain_intent(**options)
    if target == TOPICS:
        options.pop("include_datasets", None)  # topic labels come from agents only
        return retrain_topics(**options)
    raise RetrainError(f"target {target!r} is not one of {', '.join(TARGETS)}")


@dataclass(frozen=True)
class Status:
    version: int | None
    meta: dict[str, Any]
    history: list[dict[str, Any]]
    labels_available: dict[str, int]


def sentiment_status() -> Status:
    return status(SENTIMENT)


def status(target: str = SENTIMENT) -> Status:
    """The installed model of a target (None: the packaged default, the rules or the
    taxonomy), its retrain history, and the agent corrections available to the next one."""
    version = current_version(target)
    model: SentimentModel | IntentModel | TopicModel | None = None
    if version is not None:
        loaded = {SENTIMENT: load_current, INTENT: load_current_intent, TOPICS: load_current_topics}
        model = loaded[target]()[1]
    meta: dict[str, Any] = {}
    if model is not None:
        meta = {k: v for k, v in (model.meta or {}).items() if k != "message_ids"}
        meta["examples"] = len((model.meta or {}).get("message_ids", []))
    available: dict[str, int]
    if target == TOPICS:
        counts = Counter(t for e in topic_examples() for t in (e.topics or ["(none)"]))
        available = dict(sorted(counts.items()))
    else:
        examples = sentiment_examples() if target == SENTIMENT else intent_examples()
        counts = Counter(e.label for e in examples)
        classes = LABELS if target == SENTIMENT else INTENTS
        available = {label: counts.get(label, 0) for label in classes}
    return Status(
        version=version,
        meta=meta,
        history=history(target),
        labels_available=available,
    )
