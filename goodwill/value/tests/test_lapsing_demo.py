"""Done-when check of issue 5: the demo world's lapsing valuable customers are found.

"Lapsing" is one definition shared by the demo's truth and the product (see
benchmarks/README-value-score.md, "Lapsing"): a valuable regular customer who was still active
when the recent window opened and whose buying in it fell far below their own rhythm. The
truth (goodwill.demo.generator) lists, from latent facts, the planted lapsers (alive, buying
cut to under 30% of their baseline in the last 150 days) and the equally valuable regulars who
left of their own accord with their next purchase due inside the window. The product never
reads that truth: this test loads the shop's transactions through the real services, runs
the scorer with its default settings, and compares.
"""

from __future__ import annotations

from typing import Any

import pytest

from goodwill.value import services
from goodwill.value.models import CustomerValue
from goodwill.value.tests.helpers import load_shop

pytestmark = pytest.mark.django_db


def _figures(seed: int, **settings: Any) -> dict[str, float]:
    world = load_shop(customers=2000, seed=seed)
    if settings:
        services.save_settings(data=settings, actor=None, note="lapsing ablation")
    services.score_customers()
    flagged = set(
        CustomerValue.objects.filter(lapsing=True).values_list("customer__external_id", flat=True)
    )
    truth = {c.customer_id for c in world.truth.lapsing}
    planted = {c.customer_id for c in world.truth.lapsing if c.how == "planted"}
    churners = set(world.truth.churners)
    found = len(flagged & truth)
    return {
        "flagged": len(flagged),
        "lapsing": len(truth),
        "planted": len(planted),
        "found": found,
        "recall": round(found / len(truth), 3),
        "recall_planted": round(len(flagged & planted) / len(planted), 3),
        "precision": round(found / max(1, len(flagged)), 3),
        "flagged_churned_earlier": len(flagged & churners),
        "flagged_still_buying": len(flagged - truth - churners),
    }


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_issue_target_recall_and_precision(seed: int) -> None:
    figures = _figures(seed)
    print(f"demo seed {seed}: {figures}")  # the figures the README quotes (pytest -s)
    assert figures["planted"] == 50
    assert figures["recall"] >= TARGET["recall"]
    assert figures["precision"] >= TARGET["precision"]


# Each ablation changes one part of the definition on the product's side only; the truth keeps
# it, so the two no longer describe the same customers and one of the figures falls below
# issue 5's target (seed 0 with the default settings: 67 flagged, recall 0.95, precision 0.90).
ABLATIONS: dict[str, tuple[dict[str, Any], str]] = {
    # No "still active when the window opened" rule: customers lost earlier come back.
    "no active rule": ({"lapsing_max_overdue_gaps": 100.0}, "precision"),
    "active within 4 gaps": ({"lapsing_max_overdue_gaps": 4.0}, "precision"),
    "active within 2 gaps": ({"lapsing_max_overdue_gaps": 2.0}, "recall"),
    # h8's earlier bar: any repeat buyer expected once in the window, half of it bought.
    "looser regular and shortfall": (
        {"lapsing_min_purchases": 2, "lapsing_min_expected": 1.0, "lapsing_ratio": 0.5},
        "precision",
    ),
    "rhythm of 1.5 in the window": ({"lapsing_min_expected": 1.5}, "precision"),
    "rhythm of 2.5 in the window": ({"lapsing_min_expected": 2.5}, "recall"),
}
TARGET = {"recall": 0.9, "precision": 0.8}


@pytest.mark.parametrize("name", sorted(ABLATIONS))
def test_each_part_of_the_definition_earns_its_place(name: str) -> None:
    settings, falls = ABLATIONS[name]
    figures = _figures(0, **settings)
    print(f"demo seed 0, {name}: {figures}")
    assert figures[falls] < TARGET[falls]
