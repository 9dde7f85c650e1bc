"""Agent corrections: stored as agent labels, audited, shown apart from the model, escaped."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from goodwill.accounts import services as account_services
from goodwill.accounts.models import AuditEntry
from goodwill.listening import labelling
from goodwill.listening.models import Label, Message
from goodwill.web.tests.helpers import HOSTILE, PASSWORD, ingest, make_user, post


@pytest.fixture
def user(db: None) -> Any:
    """Pages and API calls here act as an agent (correcting needs labels.correct)."""
    return account_services.create_staff_user(username="agent", password=PASSWORD, roles=["agent"])


@pytest.fixture
def message(db: None) -> Message:
    ingest([post("m1", "alice", 0, text=HOSTILE), post("m2", "bob", 5, text="the gate moved")])
    found = Message.objects.get(external_id="m1")
    # As the understanding pipeline would have left it.
    Message.objects.filter(pk=found.pk).update(
        sentiment="positive", sentiment_score=0.4, intent="praise", topics=["delay"]
    )
    found.refresh_from_db()
    return found


def test_correction_is_an_agent_label_with_its_author_and_an_audit_entry(message: Message) -> None:
    agent = make_user()
    result = labelling.correct_message(
        message_id=message.pk, field="sentiment", value="negative", actor=agent
    )
    assert result.value == "negative" and result.created_by_id == agent.pk
    label = Label.objects.get(message=message, field="sentiment", origin="agent")
    assert (label.value, label.created_by_id) == ("negative", agent.pk)
    message.refresh_from_db()
    assert message.sentiment == "positive"  # the model's output is kept
    entry = AuditEntry.objects.get(action="message.correct")
    assert entry.actor_id == agent.pk and entry.target_id == str(message.pk)
    assert entry.data == {
        "field": "sentiment",
        "model": "positive",
        "previous": None,
        "value": "negative",
    }


def test_a_new_correction_replaces_the_previous_one_and_audits_both(message: Message) -> None:
    agent = make_user()
    for value in ("complaint", "question"):
        labelling.correct_message(message_id=message.pk, field="intent", value=value, actor=agent)
    assert list(Label.objects.filter(field="intent").values_list("value", flat=True)) == [
        "question"
    ]
    entries = AuditEntry.objects.filter(action="message.correct").order_by("id")
    assert [e.data["previous"] for e in entries] == [None, "complaint"]


def test_topics_are_validated_against_the_taxonomy_and_kept_in_its_order(message: Message) -> None:
    agent = make_user()
    result = labelling.correct_message(
        message_id=message.pk, field="topics", value=["refund", "baggage", "refund"], actor=agent
    )
    assert result.value == ["baggage", "refund"]
    assert labelling.corrections_of(message.pk)["topics"].value == ["baggage", "refund"]
    empty = labelling.correct_message(message_id=message.pk, field="topics", value=[], actor=agent)
    assert empty.value == [] and empty.display == "no topic"


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("sentiment", "angry", r"message \d+: sentiment: 'angry' is not one of"),
        ("intent", "rant", r"message \d+: intent: 'rant' is not one of"),
        ("topics", ["delay", "weather"], r"message \d+: topics: unknown topic\(s\) 'weather'"),
        ("language", "fr", r"message \d+: field 'language' is not one of"),
    ],
)
def test_bad_corrections_name_the_record_and_field_and_store_nothing(
    message: Message, field: str, value: Any, expected: str
) -> None:
    with pytest.raises(labelling.CorrectionError, match=expected):
        labelling.correct_message(message_id=message.pk, field=field, value=value, actor=None)
    assert not Label.objects.exists() and not AuditEntry.objects.exists()


def test_unknown_message(db: None) -> None:
    with pytest.raises(labelling.CorrectionError, match="message 999999: not found"):
        labelling.correct_message(message_id=999999, field="sentiment", value="neutral", actor=None)


def test_sentiment_examples_prefer_the_agent_over_a_dataset(message: Message) -> None:
    other = Message.objects.get(external_id="m2")
    Label.objects.create(message=message, field="sentiment", value="neutral", origin="dataset:x")
    Label.objects.create(message=other, field="sentiment", value="neutral", origin="dataset:x")
    assert labelling.sentiment_examples() == []
    labelling.correct_message(
        message_id=message.pk, field="sentiment", value="negative", actor=None
    )
    assert [(e.message_id, e.label) for e in labelling.sentiment_examples()] == [
        (message.pk, "negative")
    ]
    both = labelling.sentiment_examples(include_datasets=True)
    assert [(e.message_id, e.label, e.origin) for e in both] == [
        (message.pk, "negative", "agent"),
        (other.pk, "neutral", "dataset:x"),
    ]
    assert both[0].text == HOSTILE  # verbatim


def test_message_page_shows_model_and_correction_apart_and_escaped(
    signed_in: Any, message: Message
) -> None:
    url = reverse("listening:detail", args=[message.pk])
    response = signed_in.post(
        reverse("listening:correct", args=[message.pk]),
        {"field": "sentiment", "sentiment": "negative"},
    )
    assert response.status_code == 302 and response["Location"] == url
    signed_in.post(
        reverse("listening:correct", args=[message.pk]),
        {"field": "topics", "topics": ["refund", "baggage"]},
    )
    html = signed_in.get(url).content.decode()
    assert HOSTILE not in html and "&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;" in html
    sentiment = html.split('data-field="sentiment"')[1].split("</section>")[0]
    model = sentiment.split('class="model-value"')[1].split("</dd>")[0]
    team = sentiment.split('class="team-value"')[1].split("</dd>")[0]
    assert "positive" in model and "negative" not in model
    assert "negative" in team and "positive" not in team
    topics = html.split('data-field="topics"')[1].split("</section>")[0]
    assert "baggage, refund" in topics.split('class="team-value"')[1].split("</dd>")[0]
    assert "delay" in topics.split('class="model-value"')[1].split("</dd>")[0]


def test_message_page_rejects_a_bad_value_with_the_field_named(
    signed_in: Any, message: Message
) -> None:
    response = signed_in.post(
        reverse("listening:correct", args=[message.pk]), {"field": "intent", "intent": "rant"}
    )
    assert response.status_code == 422
    assert "intent" in response.content.decode() and not Label.objects.exists()
    missing = signed_in.post(reverse("listening:correct", args=[999999]), {"field": "intent"})
    assert missing.status_code == 404


def test_message_page_query_count(
    signed_in: Any, message: Message, django_assert_max_num_queries: Any
) -> None:
    labelling.correct_message(message_id=message.pk, field="intent", value="question", actor=None)
    with django_assert_max_num_queries(6):
        response = signed_in.get(reverse("listening:detail", args=[message.pk]))
    assert response.status_code == 200


def test_message_page_needs_login(client: Any, message: Message) -> None:
    response = client.get(reverse("listening:detail", args=[message.pk]))
    assert response.status_code == 302


def test_api_corrections(api_client: Any, message: Message) -> None:
    url = f"/api/messages/{message.pk}/corrections"
    assert api_client.get(url).json() == []
    response = api_client.post(
        url, {"field": "topics", "value": ["staff"]}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["value"] == ["staff"]
    bad = api_client.post(
        url, {"field": "sentiment", "value": "meh"}, content_type="application/json"
    )
    assert bad.status_code == 422 and "sentiment" in bad.json()["detail"]
    rows = api_client.get(url).json()
    assert [(r["field"], r["value"]) for r in rows] == [("topics", ["staff"])]
    assert api_client.get("/api/messages/999999/corrections").status_code == 404
    assert AuditEntry.objects.filter(action="message.correct").count() == 1
