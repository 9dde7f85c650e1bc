"""`goodwill analysis retrain|status`: fit from labels, compare on the same folds, install if
better; the pipeline's current_model() follows the store."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from conftest import shared_file
from goodwill.accounts.models import AuditEntry
from goodwill.analysis.sentiment import Scores, default_model
from goodwill.listening import labelling, retraining
from goodwill.listening.models import Message
from goodwill.listening.types import LabelItem
from goodwill.listening.understanding import current_model
from goodwill.web.tests.helpers import ingest, post


@pytest.fixture(autouse=True)
def home(settings: Any, tmp_path: Path) -> Path:
    settings.GOODWILL_HOME = tmp_path
    return tmp_path


def airline_rows() -> list[dict[str, str]]:
    path = shared_file("airline/Tweets.csv")
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    order = np.random.default_rng(7).permutation(len(rows))
    return [rows[i] for i in order]


def store_labelled(rows: list[dict[str, str]], origin: str = "dataset:airline") -> None:
    items = []
    for i, row in enumerate(rows):
        item = post(f"t{i}", f"user{i % 50}", i, text=row["text"])
        item.labels.append(LabelItem("sentiment", row["airline_sentiment"], origin))
        items.append(item)
    ingest(items)


def correct(n: int, value: str, *, start: int = 0) -> None:
    ingest(post(f"c{start + i}", "someone", i, text=f"text number {start + i}") for i in range(n))
    for i in range(n):
        message = Message.objects.get(external_id=f"c{start + i}")
        labelling.correct_message(message_id=message.pk, field="sentiment", value=value, actor=None)


@pytest.mark.shared_data
def test_retrain_on_airline_labels_beats_the_default_on_held_out_airline(db: None) -> None:
    rows = airline_rows()
    train, held_out = rows[:1500], rows[1500:4500]
    store_labelled(train)
    with pytest.raises(retraining.RetrainError, match="0 labelled message"):
        retraining.retrain_sentiment()  # dataset labels only count when asked for
    report = retraining.retrain_sentiment(include_datasets=True)
    assert report.examples == 1500 and report.origins == {"dataset:airline": 1500}
    assert report.current_version is None
    assert report.candidate.macro_f1 > report.current.macro_f1, report
    assert report.installed and report.version == 1
    assert retraining.current_version() == 1

    texts = [r["text"] for r in held_out]
    truth = [r["airline_sentiment"] for r in held_out]
    installed = current_model()
    assert installed is not default_model() and (installed.meta or {}).get("version") == 1
    ours = Scores.of(truth, installed.predict(texts))
    packaged = Scores.of(truth, default_model().predict(texts))
    assert ours.macro_f1 > packaged.macro_f1 and ours.accuracy > packaged.accuracy, (ours, packaged)
    assert AuditEntry.objects.filter(action="analysis.retrain").count() == 1
    history = retraining.history()
    assert [(h["run"], h["installed"]) for h in history] == [(1, True)]
    assert history[0]["candidate"]["macro_f1"] == pytest.approx(report.candidate.macro_f1)


@pytest.mark.shared_data
def test_a_worse_model_is_not_installed_unless_forced(db: None, home: Path) -> None:
    store_labelled(airline_rows()[:200])
    dry = retraining.retrain_sentiment(include_datasets=True, dry_run=True)
    assert dry.dry_run and not dry.installed and dry.version is None
    assert not (home / "models").exists()  # a dry run writes nothing
    report = retraining.retrain_sentiment(include_datasets=True)
    assert report.candidate.macro_f1 <= report.current.macro_f1, report
    assert not report.installed and report.version is None
    assert retraining.current_version() is None and current_model() is default_model()
    assert "current model is as good or better" in report.reason
    forced = retraining.retrain_sentiment(include_datasets=True, force=True)
    assert forced.installed and forced.version == 2 and "--force" in forced.reason
    assert retraining.current_version() == 2
    assert [h["installed"] for h in retraining.history()] == [False, True]


def test_too_few_labels_are_refused_with_a_clear_message(db: None, home: Path) -> None:
    correct(30, "negative")
    correct(30, "positive", start=30)
    with pytest.raises(retraining.RetrainError, match=r"60 labelled message\(s\).*at least 100"):
        retraining.retrain_sentiment()
    correct(45, "negative", start=60)
    labelling.correct_message(
        message_id=Message.objects.get(external_id="c0").pk,
        field="sentiment",
        value="neutral",
        actor=None,
    )
    with pytest.raises(retraining.RetrainError, match=r"\(neutral: 1\).*at least 10 for 5-fold"):
        retraining.retrain_sentiment()
    assert not (home / "models").exists()
    with pytest.raises(CommandError, match="retrain sentiment: too few labels in some classes"):
        call_command("analysis", "retrain")


def test_current_model_follows_the_store(db: None, home: Path) -> None:
    assert current_model() is default_model()
    correct(60, "negative")
    correct(60, "positive", start=60)
    first = retraining.retrain_sentiment(force=True)
    assert first.installed
    model_1 = current_model()
    assert model_1 is current_model()  # cached while the pointer is unchanged
    assert (model_1.meta or {})["version"] == first.version
    second = retraining.retrain_sentiment(force=True)
    model_2 = current_model()
    assert (model_2.meta or {})["version"] == second.version != first.version
    (home / "models" / "sentiment" / "CURRENT").unlink()
    assert current_model() is default_model()


def test_status_and_retrain_commands(db: None, capsys: Any) -> None:
    call_command("analysis", "status")
    out = capsys.readouterr().out
    assert "packaged default" in out and "no retrains yet" in out
    correct(60, "negative")
    correct(60, "positive", start=60)
    call_command("analysis", "retrain", "--force")
    out = capsys.readouterr().out
    assert "labels: 120 (negative 60, positive 60; from agent 120)" in out
    assert "new" in out and "current (packaged default)" in out and "installed as v1" in out
    call_command("analysis", "status")
    out = capsys.readouterr().out
    assert "current sentiment model: v1" in out and "on 120 labels" in out
    assert "installed v1 (forced)" in out
