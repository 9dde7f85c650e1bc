"""Customer value: scoring, tiers, lapsing detection and the versioned settings.

The maths is in :mod:`goodwill.analysis.clv`, :mod:`goodwill.analysis.social` and
:mod:`goodwill.analysis.value_score`; this module loads the data through other apps'
selectors, runs it, and stores the result in one transaction per run.

Models are population-level (the BG/NBD prior, the reach and influence percentiles), so a
run always computes every customer; an incremental run (:func:`rescore_changed`) only
*stores* and emits events for the customers whose transactions or messages arrived since
the last run, and reuses the purchase models fitted by the last full run.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
from django.db import transaction
from django.utils import timezone
from numpy.typing import NDArray

from goodwill.accounts import services as account_services
from goodwill.analysis import clv, social
from goodwill.analysis.value_score import (
    ConfigError,
    CustomerFacts,
    ScoreConfig,
    assess_lapsing,
    explain,
    explain_lapsed_earlier,
    explain_lapsing,
    own_rhythm,
    tiers,
    value_scores,
)
from goodwill.customers import selectors as customer_selectors
from goodwill.events import services as event_services
from goodwill.listening import selectors as listening_selectors
from goodwill.value import selectors
from goodwill.value.models import CustomerValue, ScoringRun, ValueHistory, ValueSettings

FloatArray = NDArray[np.float64]

DAYS_PER_WEEK = 7.0
# Channels where a message is a private contact with the company, not a public post.
PRIVATE_CHANNELS = frozenset({"email", "chat", "phone"})
TIER_CHANGED = "customer.tier_changed"
LAPSING = "customer.lapsing"
WRITE_BATCH = 1000
EPOCH = date(1970, 1, 1)  # clv's day numbers count from it

__all__ = ["ConfigError", "rescore_changed", "save_settings", "score_customers"]


# --------------------------------------------------------------------------- settings


@transaction.atomic
def save_settings(*, data: dict[str, Any], actor: Any, note: str = "") -> ValueSettings:
    """Validate and store a new settings version (raises ConfigError naming the fields).

    Only the values that differ from the defaults need be given; the stored version holds
    them all, and the audit log records what changed from the previous version.
    """
    _, previous = selectors.current_settings()
    merged = {**previous.to_dict(), **data}
    config = ScoreConfig.from_dict(merged)
    last = ValueSettings.objects.select_for_update().order_by("-version").first()
    version = (last.version if last else 0) + 1
    row = ValueSettings.objects.create(
        version=version,
        data=config.to_dict(),
        note=note[:200],
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    changes = {
        k: [previous.to_dict()[k], v]
        for k, v in config.to_dict().items()
        if previous.to_dict()[k] != v
    }
    account_services.audit(
        actor=actor,
        action="value.settings.update",
        target=row,
        data={"version": version, "changes": changes, "note": note[:200]},
    )
    return row


# --------------------------------------------------------------------------- scoring


@dataclass
class ScoringResult:
    run_id: int
    kind: str
    scored: int = 0
    stored: int = 0
    changed: int = 0
    tier_changes: int = 0
    lapsing: int = 0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)


@dataclass
class _Population:
    """Everything computed for every live customer (index i <-> customer_ids[i])."""

    customer_ids: list[int]
    currency: str
    historic: FloatArray
    predicted: FloatArray
    purchases: NDArray[np.int64]
    p_alive: FloatArray
    expected: FloatArray
    vector: social.SocialVector
    score: FloatArray
    multiplier: FloatArray
    effects: tuple[FloatArray, FloatArray, FloatArray]
    tiers: list[str]
    lapsing: NDArray[np.bool_]
    lapsed_earlier: NDArray[np.bool_]
    lapsing_expected: FloatArray
    lapsing_actual: NDArray[np.int64]
    lapsing_reasons: list[list[str]]
    model: dict[str, Any]
    notes: list[str]
    config: ScoreConfig


def score_customers(
    *,
    only: Iterable[int] | None = None,
    as_of: date | None = None,
    reuse_model: bool = False,
) -> ScoringResult:
    """Score every live customer; store and emit events for `only` (default: everyone).

    `as_of` is the scoring date; by default the day of the latest transaction (the
    transaction feed is taken to be complete up to it) or today when there is none.
    With `reuse_model`, the purchase models of the last full run are used when present.
    """
    started = time.perf_counter()
    # Taken before reading: whatever arrives while this run computes is the next run's.
    read_at = timezone.now()
    kind = ScoringRun.FULL if only is None else ScoringRun.CHANGED
    version, config = selectors.current_settings()
    stored_model = selectors.last_full_model() if reuse_model else None
    pop = _compute(config, as_of=as_of, stored_model=stored_model)
    targets = set(pop.customer_ids) if only is None else set(only) & set(pop.customer_ids)
    result = _store(pop, targets, kind=kind, version=version, read_at=read_at)
    result.scored = len(pop.customer_ids)
    result.notes = pop.notes
    result.seconds = time.perf_counter() - started
    ScoringRun.objects.filter(pk=result.run_id).update(
        finished_at=timezone.now(),
        scored=result.scored,
        changed=result.changed,
        tier_changes=result.tier_changes,
        lapsing=result.lapsing,
    )
    return result


def rescore_changed() -> ScoringResult:
    """Store new scores for customers with transactions or messages since the last run.

    Without any earlier run this is a full run.
    """
    last = selectors.last_run()
    if last is None:
        return score_customers()
    dirty = customer_selectors.customers_with_transactions_since(last.started_at)
    # A merge or a new link moves identities, and with them reach and advocacy.
    dirty |= customer_selectors.customers_with_identities_changed_since(last.started_at)
    authors = listening_selectors.authors_with_messages_since(last.started_at)
    if authors:
        owner = {ident: cust for ident, cust, _, _ in customer_selectors.identity_rows() if cust}
        dirty |= {owner[a] for a in authors if a in owner}
    return score_customers(only=dirty, reuse_model=True)


def _day(value: datetime) -> int:
    return clv.date_to_day(value.astimezone(UTC).date())


def _compute(
    config: ScoreConfig, *, as_of: date | None, stored_model: dict[str, Any] | None
) -> _Population:
    notes: list[str] = []
    customer_ids = customer_selectors.live_customer_ids()
    index = {cid: i for i, cid in enumerate(customer_ids)}
    n = len(customer_ids)

    rows = [r for r in customer_selectors.transaction_rows() if r[0] in index]
    owner = np.array([index[r[0]] for r in rows], dtype=np.int64)
    day = np.array([_day(r[1]) for r in rows], dtype=np.int64)
    amount = np.array([float(r[2]) for r in rows], dtype=np.float64)
    purchase = amount > 0
    if as_of is not None:
        as_of_day = clv.date_to_day(as_of)
    elif np.any(purchase):
        as_of_day = int(day[purchase].max())
    else:
        as_of_day = clv.date_to_day(timezone.now().date())
    upto = day <= as_of_day
    historic = np.maximum(
        np.bincount(owner[upto], weights=amount[upto], minlength=n).astype(np.float64), 0.0
    )
    purchases = np.zeros(n, dtype=np.int64)
    predicted = np.zeros(n, dtype=np.float64)
    p_alive = np.full(n, np.nan)
    expected = np.full(n, np.nan)
    horizon = config.horizon_months * 365.25 / 12.0 / DAYS_PER_WEEK
    window = config.lapsing_window_days
    model: dict[str, Any] = {"as_of": str(EPOCH + timedelta(days=as_of_day))}

    now_fit = _fit(owner[purchase], day[purchase], amount[purchase], as_of_day, stored_model, "now")
    if now_fit is None:
        notes.append("too few repeat customers to fit the purchase models: no predictions")
    else:
        fit, summary_idx = now_fit
        s = fit.summary
        purchases[summary_idx] = (s.frequency + 1).astype(np.int64)
        p_alive[summary_idx] = clv.probability_alive(fit.bgnbd, s.frequency, s.recency, s.T)
        expected[summary_idx] = clv.expected_purchases(
            fit.bgnbd, horizon, s.frequency, s.recency, s.T
        )
        predicted[summary_idx] = clv.customer_lifetime_value(
            fit.bgnbd,
            fit.gamma_gamma,
            s.frequency,
            s.recency,
            s.T,
            s.monetary_value,
            horizon=horizon,
            unit_days=DAYS_PER_WEEK,
            annual_discount_rate=config.annual_discount_rate,
        )
        model["now"] = _model_json(fit)

    # Lapsing: each customer's own rhythm before the window against what they bought in it;
    # the purchase models fitted on the history before it give P(alive) at its start.
    start_day = as_of_day - window
    lap_actual = np.zeros(n, dtype=np.int64)
    alive_before = np.full(n, np.nan)
    in_window = purchase & (day > start_day) & upto
    if np.any(in_window):
        pairs = np.unique(owner[in_window] * (1 << 32) + day[in_window])
        lap_actual = np.bincount(pairs >> 32, minlength=n).astype(np.int64)
    returns = np.bincount(owner[(amount < 0) & (day > start_day) & upto], minlength=n)
    before = clv.rfm_summary(
        owner[purchase],
        day[purchase],
        amount[purchase],
        calibration_end_day=start_day,
        unit_days=DAYS_PER_WEEK,
    )
    at = np.asarray(before.customer_ids, dtype=np.int64)
    # Valuable for lapsing: what they had spent with us by the window's start.
    value_before = _spread(before.total_spend, at, n, 0.0)
    rhythm = own_rhythm(
        _spread(before.frequency, at, n, 0.0),
        _spread(before.recency, at, n, 0.0),
        _spread(before.T, at, n, 0.0),
        window_days=window,
        unit_days=DAYS_PER_WEEK,
    )
    before_fit = _fit(
        owner[purchase], day[purchase], amount[purchase], start_day, stored_model, "before"
    )
    if before_fit is not None:
        fit, idx = before_fit
        s = fit.summary
        alive_before[idx] = clv.probability_alive(fit.bgnbd, s.frequency, s.recency, s.T)
        model["before"] = _model_json(fit)

    vector, support_only = _social(customer_ids, index)
    parts = value_scores(
        historic,
        predicted,
        vector.reach_percentile,
        vector.influence_percentile,
        vector.advocacy,
        config,
    )
    tier_of = tiers(parts.score, config)
    silent = returns + support_only.astype(np.int64)
    lapse = assess_lapsing(value_before, rhythm, lap_actual, silent, config)
    lap_expected = rhythm.expected
    reasons: list[list[str]] = [[] for _ in range(n)]
    for i in np.flatnonzero(lapse.lost).tolist():
        reasons[i] = explain_lapsed_earlier(
            expected=float(lap_expected[i]),
            actual=int(lap_actual[i]),
            window_days=window,
            purchases_before=int(rhythm.purchases[i]),
            tenure_days=float(rhythm.tenure_days[i]),
            gap_days=float(rhythm.gap_days[i]),
            silent_days=float(rhythm.silent_days[i]),
        )
    for i in np.flatnonzero(lapse.flagged).tolist():
        reasons[i] = explain_lapsing(
            expected=float(lap_expected[i]),
            actual=int(lap_actual[i]),
            window_days=window,
            purchases_before=int(rhythm.purchases[i]),
            tenure_days=float(rhythm.tenure_days[i]),
            gap_days=float(rhythm.gap_days[i]),
            silent_days=float(rhythm.silent_days[i]),
            p_alive_before=float(np.nan_to_num(alive_before[i])),
            p_alive_now=float(np.nan_to_num(p_alive[i])),
            returns=int(returns[i]),
            support_without_posts=bool(support_only[i]),
        )
    currency = config.currency
    return _Population(
        customer_ids=customer_ids,
        currency=currency,
        historic=historic,
        predicted=predicted,
        purchases=purchases,
        p_alive=p_alive,
        expected=expected,
        vector=vector,
        score=parts.score,
        multiplier=parts.multiplier,
        effects=(parts.reach_effect, parts.influence_effect, parts.advocacy_effect),
        tiers=tier_of,
        lapsing=lapse.flagged,
        lapsed_earlier=lapse.lost,
        lapsing_expected=lap_expected,
        lapsing_actual=lap_actual,
        lapsing_reasons=reasons,
        model=model,
        notes=notes,
        config=config,
    )


def _spread(values: FloatArray, at: NDArray[np.int64], n: int, fill: float) -> FloatArray:
    """Summary rows (for the customers `at`) as one entry per customer, `fill` elsewhere."""
    out = np.full(n, fill, dtype=np.float64)
    out[at] = values
    return out


def _model_json(fit: clv.ValueFit) -> dict[str, float]:
    return {
        "r": fit.bgnbd.r,
        "alpha": fit.bgnbd.alpha,
        "a": fit.bgnbd.a,
        "b": fit.bgnbd.b,
        "p": fit.gamma_gamma.p,
        "q": fit.gamma_gamma.q,
        "v": fit.gamma_gamma.v,
    }


def _fit(
    owner: NDArray[np.int64],
    day: NDArray[np.int64],
    amount: FloatArray,
    end_day: int,
    stored: dict[str, Any] | None,
    key: str,
) -> tuple[clv.ValueFit, NDArray[np.int64]] | None:
    """Fit (or reuse) the purchase models on purchases up to `end_day`.

    Returns the fit and, for each summary row, the customer index it belongs to.
    """
    summary = clv.rfm_summary(owner, day, amount, calibration_end_day=end_day, unit_days=7.0)
    if len(summary) == 0:
        return None
    idx = np.asarray(summary.customer_ids, dtype=np.int64)
    params = (stored or {}).get(key)
    if params:
        bg = clv.BGNBDParams(params["r"], params["alpha"], params["a"], params["b"], math.nan)
        gg = clv.GammaGammaParams(params["p"], params["q"], params["v"])
        return clv.ValueFit(summary, bg, gg, 0), idx
    repeat = (summary.frequency > 0) & (summary.monetary_value > 0)
    if int(repeat.sum()) < 10:
        return None
    try:
        return clv.fit_value_models(summary), idx
    except (ValueError, FloatingPointError):
        return None


def _social(
    customer_ids: list[int], index: dict[int, int]
) -> tuple[social.SocialVector, NDArray[np.bool_]]:
    n = len(customer_ids)
    idents = customer_selectors.identity_rows()
    ident_index = {row[0]: i for i, row in enumerate(idents)}
    ident_cust = np.array(
        [index.get(cust, -1) if cust is not None else -1 for _, cust, _, _ in idents],
        dtype=np.int64,
    )
    followers = np.array([float(f or 0) for _, _, f, _ in idents], dtype=np.float64)
    msgs = [m for m in listening_selectors.interaction_rows() if m.author_id in ident_index]
    position = {(m.channel, m.external_id): i for i, m in enumerate(msgs)}
    rows = social.MessageRows.build(
        author=[ident_index[m.author_id] for m in msgs],
        parent=[
            position.get((m.channel, m.in_reply_to), -1) if m.in_reply_to else -1 for m in msgs
        ],
        from_company=[m.is_from_company for m in msgs],
        question=[m.asks for m in msgs],
        negative=[m.sentiment == "negative" or m.intent == "complaint" for m in msgs],
        positive=[m.sentiment == "positive" for m in msgs],
        engagement=[m.engagement for m in msgs],
        public=[m.channel not in PRIVATE_CHANNELS for m in msgs],
    )
    facts = social.social_facts(rows, ident_cust, followers, n)
    private = ~rows.public & ~rows.from_company
    author_cust = ident_cust[rows.author] if len(msgs) else np.zeros(0, dtype=np.int64)
    mine = author_cust >= 0
    private_contacts = np.bincount(author_cust[mine & private], minlength=n)
    support_only = (private_contacts > 0) & (facts.public_posts == 0)
    return social.social_vector(facts), support_only


def _store(
    pop: _Population, targets: set[int], *, kind: str, version: int, read_at: datetime
) -> ScoringResult:
    now = timezone.now()
    with transaction.atomic():
        run = ScoringRun.objects.create(
            kind=kind,
            started_at=read_at,
            as_of=datetime.fromisoformat(pop.model["as_of"]).replace(tzinfo=UTC),
            settings_version=version,
            model=pop.model,
        )
        result = ScoringResult(run_id=run.pk, kind=kind)
        wanted = [i for i, cid in enumerate(pop.customer_ids) if cid in targets]
        for chunk_start in range(0, len(wanted), WRITE_BATCH):
            chunk = wanted[chunk_start : chunk_start + WRITE_BATCH]
            _store_chunk(pop, chunk, now=now, version=version, run=run, result=result)
        result.stored = len(wanted)
        if kind == ScoringRun.FULL:
            # A customer merged into another lives on in the survivor's score.
            CustomerValue.objects.filter(customer__merged_into__isnull=False).delete()
    return result


def _row_values(pop: _Population, i: int, version: int) -> dict[str, Any]:
    v = pop.vector
    reach = v.reach_percentile[i]
    influence = v.influence_percentile[i]
    facts = CustomerFacts(
        historic_spend=float(pop.historic[i]),
        predicted_value=float(pop.predicted[i]),
        purchases=int(pop.purchases[i]),
        multiplier=float(pop.multiplier[i]),
        reach_effect=float(pop.effects[0][i]),
        influence_effect=float(pop.effects[1][i]),
        advocacy_effect=float(pop.effects[2][i]),
        reach_percentile=None if math.isnan(reach) else float(reach),
        influence_percentile=None if math.isnan(influence) else float(influence),
        answers=int(v.facts.answers[i]),
        defences=int(v.facts.defences[i]),
        praised=int(v.facts.praised[i]),
        referrals=int(v.facts.referrals[i]),
        tier=pop.tiers[i],
        floored=0 < float(pop.historic[i] + pop.predicted[i]) < pop.config.floor,
    )
    return {
        "score": round(float(pop.score[i]), 2),
        "tier": pop.tiers[i],
        "currency": pop.currency,
        "historic_spend": round(float(pop.historic[i]), 2),
        "predicted_value": round(float(pop.predicted[i]), 2),
        "purchases": int(pop.purchases[i]),
        "p_alive": None if math.isnan(pop.p_alive[i]) else round(float(pop.p_alive[i]), 4),
        "expected_purchases": (
            None if math.isnan(pop.expected[i]) else round(float(pop.expected[i]), 3)
        ),
        "multiplier": round(float(pop.multiplier[i]), 4),
        "reach_percentile": facts.reach_percentile,
        "influence_percentile": facts.influence_percentile,
        "advocacy": round(float(v.advocacy[i]), 4),
        "answers": facts.answers,
        "defences": facts.defences,
        "praised": facts.praised,
        "referrals": facts.referrals,
        "explanation": explain(facts, pop.config),
        "lapsing": bool(pop.lapsing[i]),
        "lapsing_expected": round(float(pop.lapsing_expected[i]), 3),
        "lapsing_actual": int(pop.lapsing_actual[i]),
        "lapsing_reasons": pop.lapsing_reasons[i],
        "lapsed_earlier": bool(pop.lapsed_earlier[i]),
        "settings_version": version,
    }


def _store_chunk(
    pop: _Population,
    chunk: list[int],
    *,
    now: datetime,
    version: int,
    run: ScoringRun,
    result: ScoringResult,
) -> None:
    ids = [pop.customer_ids[i] for i in chunk]
    existing = {cv.customer_id: cv for cv in CustomerValue.objects.filter(customer_id__in=ids)}
    creates: list[CustomerValue] = []
    updates: list[CustomerValue] = []
    history: list[ValueHistory] = []
    tier_events: list[tuple[int, str, CustomerValue]] = []
    lapsing_events: list[CustomerValue] = []
    untouched: list[int] = []
    for i in chunk:
        cid = pop.customer_ids[i]
        values = _row_values(pop, i, version)
        old = existing.get(cid)
        if old is None:
            row = CustomerValue(customer_id=cid, computed_at=now, changed_at=now, **values)
            creates.append(row)
            changed = True
        else:
            changed = (old.score, old.tier, old.lapsing) != (
                values["score"],
                values["tier"],
                values["lapsing"],
            )
            if changed and old.tier != values["tier"]:
                tier_events.append((cid, old.tier, old))
            if values["lapsing"] and not old.lapsing:
                lapsing_events.append(old)
            row = old
            if any(getattr(old, name) != value for name, value in values.items()):
                for name, value in values.items():
                    setattr(old, name, value)
                old.computed_at = now
                if changed:
                    old.changed_at = now
                updates.append(old)
            else:
                untouched.append(cid)
        if old is None and values["lapsing"]:
            lapsing_events.append(row)
        if changed:
            result.changed += 1
            history.append(
                ValueHistory(
                    customer_id=cid,
                    computed_at=now,
                    score=values["score"],
                    tier=values["tier"],
                    monetary=round(float(pop.historic[i] + pop.predicted[i]), 2),
                    multiplier=values["multiplier"],
                    lapsing=values["lapsing"],
                    settings_version=version,
                )
            )
    if updates:
        # Replace rather than bulk_update, whose CASE-per-column UPDATE crawls on SQLite
        # when a settings change touches every row; delete + insert is two statements per
        # chunk, and the run's transaction hides the gap from readers.
        CustomerValue.objects.filter(customer_id__in=[u.customer_id for u in updates]).delete()
        for row in updates:
            row._state.adding = True
    CustomerValue.objects.bulk_create(creates + updates, batch_size=WRITE_BATCH)
    if untouched:
        CustomerValue.objects.filter(customer_id__in=untouched).update(computed_at=now)
    ValueHistory.objects.bulk_create(history, batch_size=WRITE_BATCH)
    for cid, before, row in tier_events:
        result.tier_changes += 1
        event_services.emit(
            type=TIER_CHANGED,
            customer_id=cid,
            occurred_at=now,
            payload={
                "from": before,
                "to": row.tier,
                "score": row.score,
                "explanation": row.explanation,
                "settings_version": version,
            },
            dedupe_key=f"{TIER_CHANGED}:{cid}:run{run.pk}",
        )
    for row in lapsing_events:
        emitted = event_services.emit(
            type=LAPSING,
            customer_id=row.customer_id,
            occurred_at=now,
            payload={
                "score": row.score,
                "tier": row.tier,
                "expected": row.lapsing_expected,
                "actual": row.lapsing_actual,
                "reasons": row.lapsing_reasons,
            },
            dedupe_key=f"{LAPSING}:{row.customer_id}:{pop.model['as_of']}",
        )
        # Flagged again on the same scoring day (e.g. after a settings change): one event.
        result.lapsing += emitted is not None
