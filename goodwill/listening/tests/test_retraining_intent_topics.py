"""Issue 4 for intent and topics: corrections -> `goodwill analysis retrain` -> installed only
if better on the same folds; the pipeline and the backfill then use the installed models."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from goodwill.accounts.models import AuditEntry
from goodwill.analysis.understand import analyse
from goodwill.listening import labelling, retraining
from goodwill.listening.models import Message
from goodwill.listening.services import analyse_stored_messages
from goodwill.listening.understanding import current_intent_model, current_topic_model
from goodwill.web.tests.helpers import ingest, post

# Words no rule, lexicon entry or taxonomy keyword knows: only the frame carries meaning.
WORDS = (
    "soup",
    "tea",
    "blanket",
    "pillow",
    "cookie",
    "pretzel",
    "juice",
    "coffee",
    "sandwich",
    "magazine",
    "headset",
    "pen",
    "cushion",
    "stroller",
    "guitar",
    "camera",
    "laptop",
    "scarf",
    "jacket",
    "umbrella",
    "helmet",
    "kayak",
    "violin",
    "tripod",
    "lantern",
    "kettle",
    "mirror",
    "puzzle",
    "racket",
    "skateboard",
)

# Frames the rules get wrong (churn and suggestion read as "other") and right.
CHURN = "the {x} crew is getting my money from now on"
SUGGEST = "it would rock to have {x} on board"
BROKEN = "my {x} is broken and nobody helps"
LOUNGE = "is the {x} lounge open today?"
MANGLED = "my {x} got mangled in transit"
LATE = "the {x} flight left two hours late"
LATE_NIGHT = "late night {x} on the flight was lovely"


@pytest.fixture(autouse=True)
def home(settings: Any, tmp_path: Path) -> Path:
    settings.GOODWILL_HOME = tmp_path
    return tmp_path


def label(field: str, frames: dict[str, Any], *, per_frame: int = 30, prefix: str = "m") -> None:
    """Ingest ``per_frame`` messages of each frame and correct ``field`` to its value."""
    items, values = [], []
    for f, (frame, value) in enumerate(frames.items()):
        for i in range(per_frame):
            word = WORDS[i % len(WORDS)]
            text = frame.format(x=word) + ("" if i < len(WORDS) else f" #{i}")
            items.append(post(f"{prefix}{f}-{i}", f"user{i}", i, text=text))
            values.append(value)
    ingest(items)
    ids = dict(Message.objects.values_list("external_id", "pk"))
    for item, value in zip(items, values, strict=True):
        labelling.correct_message(
            message_id=ids[item.external_id], field=field, value=value, actor=None
        )


def test_intent_model_that_beats_the_rules_is_installed_and_used_by_the_pipeline(
    db: None, home: Path
) -> None:
    label(
        "intent",
        {CHURN: "churn_threat", SUGGEST: "suggestion", BROKEN: "complaint", LOUNGE: "question"},
    )
    assert current_intent_model() is None
    report = retraining.retrain_intent()
    assert report.examples == 120 and report.current_version is None
    assert report.candidate.macro_f1 > 0.95, report
    assert report.current.macro_f1 < 0.6, report  # the rules miss two of four intents
    assert report.installed and report.version == 1 and report.target == "intent"
    model = current_intent_model()
    assert model is not None and (model.meta or {})["version"] == 1
    assert model is current_intent_model()  # cached while the pointer is unchanged
    assert (home / "models" / "intent" / "v0001.npz").exists()

    texts = [CHURN.format(x="lamp"), SUGGEST.format(x="lamp")]
    assert [a.intent for a in analyse(texts)] == ["other", "other"]  # the rules alone
    ingest([post("new1", "zed", 1, text=texts[0]), post("new2", "zed", 2, text=texts[1])])
    stored = dict(
        Message.objects.filter(external_id__startswith="new").values_list("text", "intent")
    )
    assert stored == {texts[0]: "churn_threat", texts[1]: "suggestion"}

    # The backfill (after a bulk import) uses it too.
    Message.objects.filter(external_id__startswith="new").update(intent="", analysed_at=None)
    assert analyse_stored_messages() == 2
    again = Message.objects.filter(external_id__startswith="new").values_list("intent", flat=True)
    assert set(again) == {"churn_threat", "suggestion"}
    entry = AuditEntry.objects.get(action="analysis.retrain")
    assert entry.data["target"] == "intent" and entry.data["installed"] is True


def test_intent_labels_the_rules_already_get_right_install_nothing(db: None, home: Path) -> None:
    label("intent", {BROKEN: "complaint", LOUNGE: "question", MANGLED: "other"}, per_frame=40)
    report = retraining.retrain_intent()
    assert report.current.macro_f1 == pytest.approx(1.0)
    assert report.candidate.macro_f1 <= report.current.macro_f1
    assert not report.installed and report.version is None
    assert "current model is as good or better" in report.reason
    assert current_intent_model() is None and not (home / "models" / "intent" / "CURRENT").exists()
    assert [h["installed"] for h in retraining.history("intent")] == [False]


def test_the_installed_intent_model_is_the_one_to_beat_next_time(db: None) -> None:
    label(
        "intent", {CHURN: "churn_threat", SUGGEST: "suggestion", BROKEN: "complaint"}, per_frame=40
    )
    first = retraining.retrain_intent()
    assert first.installed
    again = retraining.retrain_intent()  # same labels: the installed recipe is as good
    assert again.current_version == 1
    assert again.current.macro_f1 == pytest.approx(again.candidate.macro_f1)
    assert not again.installed and retraining.current_version("intent") == 1


def test_rare_intents_are_left_to_the_rules(db: None) -> None:
    label("intent", {CHURN: "churn_threat", BROKEN: "complaint"}, per_frame=55)
    label("intent", {LOUNGE: "question"}, per_frame=3, prefix="q")
    report = retraining.retrain_intent(dry_run=True)
    assert report.not_learned == {"question": 3}
    assert report.examples == 113 and not report.installed


def test_topic_model_that_beats_the_taxonomy_is_installed_and_used(db: None, home: Path) -> None:
    label(
        "topics",
        {MANGLED: ["baggage"], LATE: ["delay"], LATE_NIGHT: [], BROKEN: ["product_quality"]},
    )
    assert current_topic_model() is None
    report = retraining.retrain_topics()
    assert report.examples == 120 and report.by_class["(none)"] == 30
    assert report.candidate.macro_f1 > report.current.macro_f1, report
    assert report.installed and report.version == 1
    model = current_topic_model()
    assert model is not None and set(model.topics) == {"baggage", "delay", "product_quality"}

    texts = [MANGLED.format(x="lamp"), LATE_NIGHT.format(x="lamp"), "the wifi signal dropped"]
    assert [a.topics for a in analyse(texts)] == [[], ["delay"], ["connectivity"]]
    ingest(post(f"new{i}", "zed", i, text=t) for i, t in enumerate(texts))
    stored = dict(
        Message.objects.filter(external_id__startswith="new").values_list("text", "topics")
    )
    # Learned topics decide; a topic it never learned (connectivity) keeps the taxonomy's answer.
    assert stored[texts[0]] == ["baggage"] and stored[texts[1]] == []
    assert "connectivity" in stored[texts[2]]


def test_topic_labels_that_agree_with_the_taxonomy_install_nothing(db: None) -> None:
    label("topics", {LATE: ["delay"], BROKEN: ["product_quality"], MANGLED: []}, per_frame=40)
    report = retraining.retrain_topics()
    assert report.current.macro_f1 == pytest.approx(1.0)
    assert not report.installed and current_topic_model() is None


def test_too_few_or_unusable_labels_are_refused_naming_the_target(db: None, home: Path) -> None:
    label("intent", {BROKEN: "complaint", LOUNGE: "question"}, per_frame=25)
    with pytest.raises(retraining.RetrainError, match=r"too few intent labels.*50 .*at least 100"):
        retraining.retrain_intent()
    label("intent", {MANGLED: "complaint"}, per_frame=60, prefix="x")
    label("intent", {CHURN: "churn_threat"}, per_frame=2, prefix="c")
    report = retraining.retrain_intent(dry_run=True)  # 112 labels: complaint and question
    assert report.not_learned == {"churn_threat": 2}
    Message.objects.filter(external_id__startswith="m1").delete()  # the questions
    label("intent", {LATE: "complaint"}, per_frame=40, prefix="y")
    # 127 labels, but only complaint (125) has enough to learn.
    with pytest.raises(
        retraining.RetrainError,
        match=r"too few labels per intent \(churn_threat: 2, complaint: 125\); at least two",
    ):
        retraining.retrain_intent()
    with pytest.raises(retraining.RetrainError, match=r"too few topics labels.*0 labelled"):
        retraining.retrain_topics()
    label("topics", {LATE_NIGHT: [], MANGLED: []}, per_frame=60, prefix="t")
    with pytest.raises(retraining.RetrainError, match=r"no topic has enough labels.*\(none\): 120"):
        retraining.retrain_topics()
    assert not (home / "models" / "intent").exists() and not (home / "models" / "topics").exists()


def test_retrain_command_all_targets_skips_those_without_labels(db: None, capsys: Any) -> None:
    with pytest.raises(CommandError) as caught:
        call_command("analysis", "retrain")
    message = str(caught.value)
    for target in ("sentiment", "intent", "topics"):
        assert f"retrain {target}: too few" in message
    label(
        "intent",
        {CHURN: "churn_threat", SUGGEST: "suggestion", BROKEN: "complaint", LOUNGE: "question"},
    )
    call_command("analysis", "retrain")
    out = capsys.readouterr().out
    assert "== sentiment: skipped: too few labels to retrain: 0 labelled" in out
    assert "== topics: skipped: too few topics labels to retrain: 0 labelled" in out
    counts = "churn_threat 30, complaint 30, question 30, suggestion 30"
    assert f"== intent\nlabels: 120 ({counts}" in out
    assert "current (rules)" in out and "installed as v1" in out
    with pytest.raises(CommandError, match="retrain topics: too few topics labels"):
        call_command("analysis", "retrain", "--target", "topics")
    call_command("analysis", "status")
    out = capsys.readouterr().out
    assert "current sentiment model: packaged default" in out
    assert "current intent model: v1" in out and "on 120 labels" in out
    assert "cross-validated macro-F1 when installed" in out
    assert "current topics model: taxonomy only" in out
    assert "churn_threat 30" in out


def test_removed_topics_in_old_corrections_are_dropped_and_counted(db: None) -> None:
    from goodwill.insights import services as insights_services

    label(
        "topics",
        {MANGLED: ["baggage"], LATE: ["delay", "connectivity"], BROKEN: ["product_quality"]},
        per_frame=40,
    )
    insights_services.delete_topic(actor=None, name="connectivity")
    report = retraining.retrain_topics(dry_run=True)
    assert report.dropped == 40 and "connectivity" not in report.by_class


def test_json_output_per_target(db: None, capsys: Any) -> None:
    import json

    label("intent", {CHURN: "churn_threat", BROKEN: "complaint"}, per_frame=55)
    call_command("analysis", "retrain", "--target", "intent", "--dry-run", "--json")
    report = json.loads(capsys.readouterr().out)
    assert report["target"] == "intent" and report["dry_run"] and not report["installed"]
    assert report["by_class"] == {"churn_threat": 55, "complaint": 55}
    call_command("analysis", "retrain", "--json")
    every = json.loads(capsys.readouterr().out)
    assert every["intent"]["installed"] and every["intent"]["version"] == 1
    assert "too few" in every["sentiment"]["skipped"] and "too few" in every["topics"]["skipped"]
    call_command("analysis", "status", "--json")
    status = json.loads(capsys.readouterr().out)
    assert set(status) == {"sentiment", "intent", "topics"}
    assert status["intent"]["version"] == 1 and status["topics"]["version"] is None
    assert status["intent"]["labels_available"]["churn_threat"] == 55
