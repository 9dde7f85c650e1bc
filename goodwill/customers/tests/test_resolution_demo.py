"""Done-when for identity resolution, on the demo world's planted ground truth.

Automatic merges must have precision >= 0.99 and automatic merges plus pending suggestions
must reach recall >= 0.9 of the true links (pairs of records that are one person: their
channel accounts and, for shop customers, the shop's customer record). The full-size
figures come from `goodwill identities evaluate` (benchmarks/README-identity.md).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from goodwill.customers import services
from goodwill.customers.evaluation import score_against_truth
from goodwill.customers.models import Identity, Merge
from goodwill.demo import services as demo_services

pytestmark = pytest.mark.django_db


def test_resolution_on_the_demo_world(tmp_path: Path) -> None:
    truth_path = tmp_path / "truth.json"
    # The demo world `goodwill demo` builds (default seed and sizes): the Done-when is about
    # that world, and a smaller one has too few links for a 0.9 threshold to be stable.
    demo_services.build_demo(end=datetime(2026, 11, 2, tzinfo=UTC), truth_path=truth_path)
    truth = json.loads(truth_path.read_text(encoding="utf-8"))
    assert len(truth["shared_identities"]) > 500
    merged_on_ingest = Merge.objects.count()
    assert merged_on_ingest > 0  # order numbers and addresses link as messages arrive

    report = services.resolve_identities()
    scores = score_against_truth(truth)
    assert scores.true_links > 1000
    assert scores.auto_precision >= 0.99, scores
    assert scores.recall >= 0.9, scores

    # Different people who share a name are never merged automatically.
    for pair in truth["hard_negatives"]:
        a = Identity.objects.get(channel=pair["a"][0], external_id=pair["a"][1])
        b = Identity.objects.get(channel=pair["b"][0], external_id=pair["b"][1])
        assert a.customer_id != b.customer_id

    again = services.resolve_identities()
    assert again.merged == 0 and again.suggestions_created == 0
    assert again.suggestions_updated == report.suggestions_created + report.suggestions_updated
