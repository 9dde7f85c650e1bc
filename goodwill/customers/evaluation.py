"""Identity resolution measured against the demo world's planted ground truth."""

from __future__ import annotations

from typing import Any

from goodwill.analysis.identity import LinkScores, score_links
from goodwill.customers import selectors


def score_against_truth(truth: dict[str, Any]) -> LinkScores:
    """Score the stored resolution against `truth` (the demo's ground_truth.json as a dict).

    Records are the people's identities and, for shop customers, the shop's customer id:
    linking a social account to the buyer it belongs to is a link too.
    """
    identities, by_external_id, pending = selectors.resolution_state()
    customer_of: dict[str, int] = {f"{ch}:{ext}": c for (ch, ext), c in identities.items()}
    customer_of.update({f"shop:{ext}": c for ext, c in by_external_id.items()})
    people = []
    for shared in truth["shared_identities"]:
        group = [f"{ch}:{ext}" for ch, ext in shared["identities"]]
        if shared.get("customer_id"):
            group.append(f"shop:{shared['customer_id']}")
        people.append(group)
    return score_links(people, customer_of, pending)
