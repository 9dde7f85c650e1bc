"""`goodwill value score`: full and incremental runs from the command line."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from goodwill.value.models import CustomerValue, ScoringRun
from goodwill.value.tests.helpers import END, load_shop, purchase

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("value", "score", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_full_then_incremental_run() -> None:
    world = load_shop(customers=120)
    text = run()
    live = CustomerValue.objects.count()
    assert text.startswith(f"full run {ScoringRun.objects.get().pk}: scored {live} customers")
    purchase(world.transactions[0].customer_id, "CLI-1", END - timedelta(days=2), "75.00")
    assert "stored 1," in run("--changed")
    assert "stored 0," in run("--changed")


def test_as_of_scores_an_earlier_day() -> None:
    load_shop(customers=120)
    run("--as-of", "2026-06-30")
    assert ScoringRun.objects.get().model["as_of"] == "2026-06-30"


def test_as_of_only_applies_to_a_full_run() -> None:
    with pytest.raises(CommandError, match="--as-of applies to a full run only"):
        call_command("value", "score", "--changed", "--as-of", "2026-06-30")
