from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static

from goodwill.accounts.permissions import Capability, has, require
from goodwill.analysis.value_score import TIERS
from goodwill.value import selectors, services

PAGE_SIZE = 50


def can_edit_settings(user: Any) -> bool:
    return has(user, Capability.VALUE_SETTINGS)


@login_required
def customer_panel(request: HttpRequest, customer_id: int) -> HttpResponse:
    """The value section of a customer page (loaded into it with htmx)."""
    value = selectors.customer_value(customer_id)
    history = selectors.value_history(customer_id) if value is not None else []
    chart = {
        "labels": [h.computed_at.strftime("%Y-%m-%d %H:%M") for h in history],
        "scores": [h.score for h in history],
        "tiers": [h.tier for h in history],
    }
    return render(
        request,
        "value/_customer_panel.html",
        {
            "value": value,
            "history": history,
            "chart": chart,
            "customer_id": customer_id,
            "chart_js_url": static("vendor/chart.umd.js"),
        },
    )


LAPSED_SHOWN = 25


@login_required
def at_risk(request: HttpRequest) -> HttpResponse:
    """Valuable customers who are lapsing, most valuable first; below them, the most
    valuable of those who had lapsed before the window (a win-back list)."""
    tier = request.GET.get("tier", "")
    if tier not in TIERS:
        tier = ""
    qs = selectors.at_risk()
    lapsed = selectors.lapsed_earlier()
    if tier:
        qs = qs.filter(tier=tier)
        lapsed = lapsed.filter(tier=tier)
    page_obj = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "value/at_risk.html",
        {
            "page_obj": page_obj,
            "lapsed": lapsed[:LAPSED_SHOWN],
            "lapsed_count": lapsed.count(),
            "tier": tier,
            "tiers": TIERS,
            "tier_counts": selectors.tier_counts(),
            "last_run": selectors.last_run(),
        },
    )


@login_required
def value_settings(request: HttpRequest) -> HttpResponse:
    """Weights and thresholds: view for everyone, change for admins and supervisors."""
    version, config = selectors.current_settings()
    editable = can_edit_settings(request.user)
    problems: dict[str, str] = {}
    values: dict[str, Any] = config.to_dict()
    if request.method == "POST":
        require(request.user, Capability.VALUE_SETTINGS)
        submitted = {name: request.POST.get(name, "") for name in values}
        try:
            row = services.save_settings(
                data=submitted, actor=request.user, note=request.POST.get("note", "")
            )
        except services.ConfigError as exc:
            problems = exc.problems
            values = submitted
        else:
            messages.success(
                request,
                f"Saved as version {row.version}. Scores use it from the next run "
                "(tonight, or `goodwill value score` now).",
            )
            return redirect("value:settings")
    groups = [
        {
            "title": title,
            "fields": [
                {
                    "name": name,
                    "label": name.replace("_", " ").capitalize(),
                    "value": values[name],
                    "error": problems.get(name, ""),
                    "help": FIELD_HELP.get(name, ""),
                }
                for name in names
            ],
        }
        for title, names in FIELD_GROUPS
    ]
    return render(
        request,
        "value/settings.html",
        {
            "groups": groups,
            "version": version,
            "editable": editable,
            "versions": selectors.settings_versions(),
            "problems": problems,
        },
        status=422 if problems else 200,
    )


FIELD_GROUPS = (
    ("Money", ("currency", "horizon_months", "annual_discount_rate", "floor")),
    (
        "Social multiplier",
        ("weight_reach", "weight_influence", "weight_advocacy", "multiplier_min", "multiplier_max"),
    ),
    (
        "Tiers",
        (
            "tier_method",
            "excellent_percentile",
            "exceptional_percentile",
            "excellent_threshold",
            "exceptional_threshold",
        ),
    ),
    (
        "Lapsing",
        (
            "lapsing_window_days",
            "lapsing_ratio",
            "lapsing_min_expected",
            "lapsing_max_probability",
            "lapsing_min_purchases",
            "lapsing_max_overdue_gaps",
            "valuable_percentile",
        ),
    ),
)

FIELD_HELP = {
    "currency": "ISO code the money figures are shown in.",
    "horizon_months": "How far ahead predicted value looks.",
    "annual_discount_rate": "Future purchases are worth less: 0.10 is 10% a year.",
    "weight_reach": "Share of the social multiplier from reach (followers, engagement).",
    "weight_influence": "Share from network influence (PageRank on replies).",
    "weight_advocacy": "Share from advocacy (answers, defending the brand, referrals).",
    "multiplier_min": "Lowest social multiplier (at most 1).",
    "multiplier_max": "Highest social multiplier (at least 1).",
    "floor": "Money value of a customer who has not bought yet.",
    "tier_method": "percentile or threshold.",
    "excellent_percentile": "With percentile tiers: the top share from here is excellent.",
    "exceptional_percentile": "With percentile tiers: the top share from here is exceptional.",
    "excellent_threshold": "With threshold tiers: score from which a customer is excellent.",
    "exceptional_threshold": "With threshold tiers: score from which a customer is exceptional.",
    "lapsing_window_days": "Recent window in which purchases are compared with each "
    "customer's own rhythm before it.",
    "lapsing_ratio": "Lapsing when bought at most this share of what their rhythm promised.",
    "lapsing_min_expected": "Only regulars whose rhythm promises at least this many purchases "
    "in the window.",
    "lapsing_max_probability": "…and only when so few purchases had at most this chance.",
    "lapsing_min_purchases": "A regular has at least this many purchase days before the window "
    "(and is known for two windows).",
    "lapsing_max_overdue_gaps": "Already silent for more of their own usual gaps when the "
    "window opened: lapsed earlier, not a new lapse.",
    "valuable_percentile": "Customers at or above this value percentile count as valuable.",
}
