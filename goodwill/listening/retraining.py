"""Per-installation sentiment models fitted from the team's labels (``goodwill analysis``).

A retrain fits a candidate on the labelled messages (agent corrections, and dataset labels
when the operator asks), scores it and the current model under the same stratified folds,
and installs the candidate only if its cross-validated macro-F1 is higher (or when forced).

The store is ``GOODWILL_HOME/models/sentiment/``:

- ``vNNNN.npz``: each installed model (plain arrays, see ``SentimentModel.save``), with the
  ids of the messages it was fitted on in its metadata;
- ``history.jsonl``: one line per retrain (installed or not): when, labels used, scores;
- ``CURRENT``: the version in use (absent: the packaged default model).

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
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings

from goodwill.accounts.services import audit
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
from goodwill.listening.labelling import sentiment_examples

MIN_LABELS = 100
MIN_PER_CLASS = 10
FOLDS = 5
C = 2.0  # regularisation of per-installation models (benchmarks/README-sentiment.md)
_CURRENT = "CURRENT"
_HISTORY = "history.jsonl"


class RetrainError(Exception):
    """Retraining cannot run; the message says why and what would let it."""


def store() -> Path:
    return Path(settings.GOODWILL_HOME) / "models" / "sentiment"


def _model_path(version: int) -> Path:
    return store() / f"v{version:04d}.npz"


@dataclass(frozen=True)
class RetrainReport:
    examples: int
    by_class: dict[str, int]
    origins: dict[str, int]
    candidate: Scores
    current: Scores
    current_version: int | None  # None: the packaged default
    installed: bool
    version: int | None  # of the candidate, if it was saved
    reason: str
    dry_run: bool
    forced: bool
    folds: int
    seed: int
    created_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def current_version() -> int | None:
    """The installed version (None: the packaged default), read from the store's pointer."""
    try:
        text = (store() / _CURRENT).read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return None
    return int(text) if text.isdigit() else None


def pointer_stamp() -> tuple[int, int] | None:
    """Changes whenever the current model changes (cheap: one ``stat``)."""
    try:
        st = (store() / _CURRENT).stat()
    except FileNotFoundError:
        return None
    return (st.st_mtime_ns, st.st_size)


def load_current() -> tuple[int | None, SentimentModel]:
    version = current_version()
    if version is None:
        return None, default_model()
    return version, SentimentModel.load(_model_path(version))


def history() -> list[dict[str, Any]]:
    path = store() / _HISTORY
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
    better = scores["candidate"].macro_f1 > scores["current"].macro_f1
    install = (better or force) and not dry_run
    if better:
        reason = "candidate has the higher cross-validated macro-F1"
    else:
        reason = "current model is as good or better"
        if force:
            reason += "; installed anyway (--force)"
    if dry_run:
        reason += "; dry run: nothing saved"
    version = None if dry_run else _next_version()  # run number; the version if installed
    report = RetrainReport(
        examples=len(examples),
        by_class=dict(sorted(by_class.items())),
        origins=dict(sorted(origins.items())),
        candidate=scores["candidate"],
        current=scores["current"],
        current_version=version_before,
        installed=install,
        version=version if install else None,
        reason=reason,
        dry_run=dry_run,
        forced=force,
        folds=folds,
        seed=seed,
    )
    if dry_run:
        return report
    assert version is not None
    if install:
        model = SentimentModel(c=C).fit_features(features, labels)
        model.meta = {
            "version": version,
            "c": C,
            "created_at": report.created_at,
            "message_ids": ids.tolist(),
            "by_class": report.by_class,
            "include_datasets": include_datasets,
        }
        _save_model(model, version)
    _append_history({"run": version, **report.as_dict()})
    if install:
        _write_atomic(store() / _CURRENT, f"{version}\n")
    audit(
        actor=actor,
        action="analysis.retrain",
        data={
            "version": version,
            "installed": install,
            "candidate": asdict(report.candidate),
            "current": asdict(report.current),
            "current_version": version_before,
            "examples": report.examples,
        },
    )
    return report


def _next_version() -> int:
    used = [int(row.get("run") or 0) for row in history()]
    return max(used, default=0) + 1


def _save_model(model: SentimentModel, version: int) -> None:
    folder = store()
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, suffix=".npz.tmp")
    os.close(fd)
    try:
        with open(tmp, "wb") as handle:
            model.save(handle)  # type: ignore[arg-type]
        os.replace(tmp, _model_path(version))
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(tmp, path)


def _append_history(row: dict[str, Any]) -> None:
    folder = store()
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / _HISTORY).open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(row, sort_keys=True) + "\n")


@dataclass(frozen=True)
class Status:
    version: int | None
    meta: dict[str, Any]
    history: list[dict[str, Any]]
    labels_available: dict[str, int]


def sentiment_status() -> Status:
    version = current_version()
    meta: dict[str, Any] = {}
    if version is not None:
        _, model = load_current()
        meta = {k: v for k, v in (model.meta or {}).items() if k != "message_ids"}
        meta["examples"] = len((model.meta or {}).get("message_ids", []))
    counts = Counter(e.label for e in sentiment_examples())
    return Status(
        version=version,
        meta=meta,
        history=history(),
        labels_available={label: counts.get(label, 0) for label in LABELS},
    )
