"""Customer value endpoints: GET /api/value/scores, /api/value/scores/{id}, /api/value/tiers."""

# No `from __future__ import annotations`: django-ninja reads these annotations at runtime.
from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate

from goodwill.api import Page
from goodwill.value import selectors

router = Router(tags=["value"])

Tier = Literal["adequate", "excellent", "exceptional"]


class ScoreOut(Schema):
    customer_id: int
    score: float = Field(..., description="(historic spend + predicted value) x multiplier.")
    tier: str
    currency: str
    historic_spend: float
    predicted_value: float = Field(..., description="Discounted value over the horizon.")
    purchases: int
    p_alive: float | None
    expected_purchases: float | None = Field(..., description="Over the horizon.")
    multiplier: float = Field(..., description="Bounded social multiplier.")
    reach_percentile: float | None
    influence_percentile: float | None
    advocacy: float
    answers: int
    defences: int
    praised: int
    referrals: int
    explanation: list[str] = Field(..., description="Plain sentences behind the score.")
    lapsing: bool
    lapsing_expected: float | None
    lapsing_actual: int | None
    lapsing_reasons: list[str] = Field(
        ..., description="Why the customer is lapsing, or lapsed earlier; empty otherwise."
    )
    lapsed_earlier: bool = Field(
        ..., description="Valuable regular already silent when the lapsing window opened."
    )
    settings_version: int
    computed_at: datetime
    changed_at: datetime


class HistoryOut(Schema):
    computed_at: datetime
    score: float
    tier: str
    monetary: float
    multiplier: float
    lapsing: bool
    settings_version: int


class ScoreDetailOut(ScoreOut):
    history: list[HistoryOut]


class TiersOut(Schema):
    method: str
    counts: dict[str, int]
    excellent_percentile: float
    exceptional_percentile: float
    excellent_threshold: float
    exceptional_threshold: float
    settings_version: int


class ScoreQuery(Schema):
    tier: Tier | None = Field(None, description="Only this tier.")
    lapsing: bool | None = Field(None, description="Only lapsing (true) or not (false).")


@router.get("/scores", response=list[ScoreOut], summary="Customer value scores, highest first")
@paginate(Page)
def list_scores(request: HttpRequest, filters: Query[ScoreQuery]) -> Any:
    return selectors.scores(tier=filters.tier or "", lapsing=filters.lapsing)


@router.get("/scores/{customer_id}", response=ScoreDetailOut, summary="One customer's score")
def get_score(request: HttpRequest, customer_id: int) -> Any:
    value = selectors.customer_value(customer_id)
    if value is None:
        raise HttpError(404, f"customer {customer_id} has no value score")
    value.history = selectors.value_history(customer_id)  # type: ignore[attr-defined]
    return value


@router.get("/tiers", response=TiersOut, summary="How many customers are in each tier, and why")
def get_tiers(request: HttpRequest) -> Any:
    version, config = selectors.current_settings()
    return {
        "method": config.tier_method,
        "counts": selectors.tier_counts(),
        "excellent_percentile": config.excellent_percentile,
        "exceptional_percentile": config.exceptional_percentile,
        "excellent_threshold": config.excellent_threshold,
        "exceptional_threshold": config.exceptional_threshold,
        "settings_version": version,
    }
