"""Done-when check of issue 5: the demo world's planted lapsing valuable customers.

The demo shop (goodwill.demo.generator) plants 2.5% of its customers as lapsing: alive,
long-standing, top-quartile spenders who buy under a third of their own baseline in the last
150 days. The product never reads that truth; this test loads the shop's transactions through
the real services, runs the scorer with its default settings, and compares.

What limits precision (see benchmarks/README-value-score.md): the same shop also has
customers who *died* (BG/NBD dropout) shortly before or inside the window. On the transaction
record a valuable customer who stopped buying 150 days ago because they left looks exactly
like a planted one who stopped because they are lapsing, and the truth counts the first as a
false alarm. The test therefore reports both precisions: against the planted set, and
against "planted or churned" (every flagged customer who really stopped buying).
"""

from __future__ import annotations

import pytest

from goodwill.value import services
from goodwill.value.models import CustomerValue
from goodwill.value.tests.helpers import load_shop

pytestmark = pytest.mark.django_db


def _figures(seed: int) -> dict[str, float]:
    world = load_shop(customers=2000, seed=seed)
    services.score_customers()
    flagged = set(
        CustomerValue.objects.filter(lapsing=True).values_list("customer__external_id", flat=True)
    )
    planted = {c.customer_id for c in world.truth.lapsing}
    stopped = planted | set(world.truth.churners)
    found = len(flagged & planted)
    return {
        "flagged": len(flagged),
        "planted": len(planted),
        "recall": found / len(planted),
        "precision": found / max(1, len(flagged)),
        "precision_stopped": len(flagged & stopped) / max(1, len(flagged)),
    }


def test_planted_lapsing_customers_are_found() -> None:
    figures = _figures(seed=0)
    print(f"demo seed 0: {figures}")  # the figures the README quotes (pytest -s)
    assert figures["planted"] == 50
    assert figures["recall"] >= 0.75
    # Most alarms are customers who really stopped buying, planted or churned.
    assert figures["precision_stopped"] >= 0.6


@pytest.mark.xfail(
    strict=True,
    reason=(
        "issue 5's target (recall >= 0.9, precision >= 0.8 against the planted set) is not "
        "met: churned customers are indistinguishable from planted lapsers on the "
        "transaction record; see the module docstring"
    ),
)
def test_issue_target_recall_and_precision() -> None:
    figures = _figures(seed=0)
    assert figures["recall"] >= 0.9 and figures["precision"] >= 0.8
