"""build_demo loads the world through the real services; `goodwill demo` builds once."""

from __future__ import annotations

import io
import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError

from goodwill.analysis.understand import analyse
from goodwill.demo import services
from goodwill.demo.generator import generate
from goodwill.listening.selectors import messages_per_channel
from goodwill.listening.understanding import current_model, current_taxonomy

END = datetime(2026, 2, 2, tzinfo=UTC)
SIZE = {"seed": 5, "customers": 60, "messages": 900, "days": 21, "end": END}


@pytest.fixture(autouse=True)
def _fast_and_private(settings: object, tmp_path: Path) -> None:
    settings.GOODWILL_HOME = tmp_path  # type: ignore[attr-defined]
    # The demo hashes five passwords; the default hasher is deliberately slow.
    settings.PASSWORD_HASHERS = [  # type: ignore[attr-defined]
        "django.contrib.auth.hashers.MD5PasswordHasher"
    ]


def _count(label: str) -> int:
    return apps.get_model(label).objects.count()


@pytest.mark.django_db
def test_build_demo_loads_the_generated_world_and_is_idempotent(tmp_path: Path) -> None:
    world = generate(**SIZE)  # type: ignore[arg-type]
    report = services.build_demo(batch_size=250, **SIZE)  # type: ignore[arg-type]

    assert report.messages.created == len(world.messages) == 900
    assert messages_per_channel() == dict(Counter(m.channel for m in world.messages))
    assert _count("customers.Transaction") == report.transactions.created
    assert report.transactions.created == len(world.transactions)
    identities = apps.get_model("customers.Identity")
    assert identities.objects.count() == len(world.identities)
    assert identities.objects.filter(is_company=True).count() == sum(
        i.is_company for i in world.identities
    )
    shop = apps.get_model("customers.Customer").objects.filter(external_id__isnull=False)
    assert shop.count() == len({tx.customer_id for tx in world.transactions})
    # The demo plants truth in the JSON, never labels in the database: what the messages
    # carry is the ingest pipeline's own analysis of their text.
    message = apps.get_model("listening.Message")
    assert not message.objects.filter(analysed_at__isnull=True).exists()
    sample = list(message.objects.order_by("id").values_list("text", "sentiment", "intent")[:50])
    own = analyse([t for t, _, _ in sample], model=current_model(), taxonomy=current_taxonomy())
    assert [(s, i) for _, s, i in sample] == [(a.sentiment, a.intent) for a in own]
    assert _count("listening.Label") == 0
    assert message.objects.filter(text__contains="¿").exists()

    truth = json.loads(report.truth_path.read_text(encoding="utf-8"))  # type: ignore[union-attr]
    assert report.truth_path == tmp_path / "demo" / "ground_truth.json"
    assert truth["incident"]["message_ids"] == [list(k) for k in world.truth.incident.message_ids]
    assert {c["customer_id"] for c in truth["lapsing"]} == {
        c.customer_id for c in world.truth.lapsing
    }
    stored_ids = set(
        message.objects.filter(
            external_id__in=[e for _, e in world.truth.idea.message_ids]
        ).values_list("channel", "external_id")
    )
    assert stored_ids == set(world.truth.idea.message_ids)

    counts = (_count("listening.Message"), _count("customers.Customer"), _count("auth.User"))
    again = services.build_demo(batch_size=400, **SIZE)  # type: ignore[arg-type]
    assert (again.messages.created, again.messages.updated) == (0, 0)
    assert again.messages.unchanged == 900
    assert (again.transactions.created, again.transactions.unchanged) == (
        0,
        len(world.transactions),
    )
    assert (_count("listening.Message"), _count("customers.Customer"), _count("auth.User")) == (
        counts
    )


@pytest.mark.django_db
def test_staff_can_log_in_with_their_roles(client: object) -> None:
    services.build_demo(**SIZE)  # type: ignore[arg-type]
    users = apps.get_model("auth.User").objects
    for login in services.STAFF:
        user = users.get(username=login.username)
        assert set(user.groups.values_list("name", flat=True)) == set(login.roles)
        assert user.is_superuser == ("admin" in login.roles)
        assert client.login(username=login.username, password=login.password)  # type: ignore[attr-defined]


@pytest.mark.django_db
def test_command_builds_once_then_says_so() -> None:
    args = ["--no-serve", "--seed=5", "--customers=60", "--messages=900", "--days=21"]
    out = io.StringIO()
    call_command("demo", *args, "--end=2026-02-02", stdout=out)
    text = out.getvalue()
    assert "Messages" in text and "900" in text
    assert "admin" in text and services.DEMO_PASSWORD in text
    # The scheduled work ran once, so the pages have scores, alerts and suggestions to show.
    assert "Ran the periodic jobs once" in text and "value.rescore" in text
    assert _count("value.CustomerValue") >= 60
    out = io.StringIO()
    call_command("demo", *args, "--end=2026-02-03", stdout=out)  # a day later: same demo
    assert "already holds the demo" in out.getvalue()
    assert _count("listening.Message") == 900
    with pytest.raises(CommandError, match="another demo"):
        call_command("demo", "--no-serve", "--seed=6", "--customers=60", "--messages=900",
                     "--days=21", stdout=io.StringIO())  # fmt: skip
    with pytest.raises(CommandError, match="--yes"):
        call_command("demo", *args, "--reset", stdout=io.StringIO())
    assert _count("listening.Message") == 900


@pytest.mark.django_db
def test_command_rejects_bad_options_by_name() -> None:
    with pytest.raises(CommandError, match="--end"):
        call_command("demo", "--no-serve", "--end=yesterday")
    with pytest.raises(CommandError, match="messages"):
        call_command("demo", "--no-serve", "--messages=10", stdout=io.StringIO())
