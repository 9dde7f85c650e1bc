"""Reads about customer value used by views, the API, the CLI and other apps."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet

from goodwill.analysis.value_score import TIERS, ScoreConfig
from goodwill.value.models import CustomerValue, ScoringRun, ValueHistory, ValueSettings


def current_settings() -> tuple[int, ScoreConfig]:
    """(version, settings) in force; version 0 means the built-in defaults."""
    row = ValueSettings.objects.order_by("-version").first()
    if row is None:
        return 0, ScoreConfig()
    known = ScoreConfig().to_dict()
    return row.version, ScoreConfig.from_dict({k: v for k, v in row.data.items() if k in known})


def settings_versions(*, limit: int = 20) -> list[ValueSettings]:
    return list(ValueSettings.objects.select_related("created_by").order_by("-version")[:limit])


def last_run() -> ScoringRun | None:
    return ScoringRun.objects.order_by("-started_at", "-id").first()


def last_full_model() -> dict[str, Any] | None:
    run = (
        ScoringRun.objects.filter(kind=ScoringRun.FULL)
        .exclude(model={})
        .order_by("-started_at", "-id")
        .first()
    )
    return run.model if run is not None else None


def customer_value(customer_id: int) -> CustomerValue | None:
    return CustomerValue.objects.filter(customer_id=customer_id).first()


def value_history(customer_id: int, *, limit: int = 200) -> list[ValueHistory]:
    """The last `limit` changes, oldest first."""
    rows = list(
        ValueHistory.objects.filter(customer_id=customer_id).order_by("-computed_at", "-id")[:limit]
    )
    rows.reverse()
    return rows


def scores(*, tier: str = "", lapsing: bool | None = None) -> QuerySet[CustomerValue]:
    """Scored live customers, highest score first, with the customer joined."""
    qs = CustomerValue.objects.select_related("customer").filter(customer__merged_into__isnull=True)
    if tier:
        qs = qs.filter(tier=tier)
    if lapsing is not None:
        qs = qs.filter(lapsing=lapsing)
    return qs.order_by("-score", "customer_id")


def at_risk() -> QuerySet[CustomerValue]:
    """Valuable customers flagged as lapsing, most valuable first."""
    return scores(lapsing=True)


def lapsed_earlier() -> QuerySet[CustomerValue]:
    """Valuable regulars who were already silent when the lapsing window opened."""
    return scores().filter(lapsed_earlier=True)


def tier_counts() -> dict[str, int]:
    counts = dict(
        CustomerValue.objects.filter(customer__merged_into__isnull=True)
        .values_list("tier")
        .annotate(n=Count("customer_id"))
        .values_list("tier", "n")
    )
    return {tier: int(counts.get(tier, 0)) for tier in TIERS}
