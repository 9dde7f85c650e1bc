from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.dateformat import format as format_date
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from goodwill.accounts.permissions import Capability, has, require
from goodwill.conversations import selectors as conversation_selectors
from goodwill.core import Channel
from goodwill.customers import selectors as customer_selectors
from goodwill.insights import selectors, services
from goodwill.insights.models import Alert
from goodwill.insights.selectors import ALL_CHANNELS
from goodwill.listening import selectors as listening_selectors


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The home page; htmx polls it for the `counts` partial of the same template."""
    labels = dict(Channel.choices)
    per_channel = listening_selectors.messages_per_channel()
    total = sum(per_channel.values())
    top = max(per_channel.values(), default=0)
    channels = [
        {
            "channel": channel,
            "label": labels.get(channel, channel),
            "count": n,
            "share": 100 * n / total if total else 0,
            "width": 100 * n / top if top else 0,
        }
        for channel, n in sorted(per_channel.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    context = {
        "channels": channels,
        "message_total": total,
        "customers": customer_selectors.customer_count(),
        "conversations": conversation_selectors.conversation_count(),
    }
    if request.headers.get("HX-Request") == "true":
        response = render(request, "insights/home.html#counts", context)
    else:
        context["latest"] = listening_selectors.filter_messages(
            listening_selectors.MessageFilters()
        )[:6]
        response = render(request, "insights/home.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


# ----------------------------------------------------------------------------- alerts

ALERT_PAGE_SIZE = 25
DRIVER_PAGE_SIZE = 50
STATUS_TABS = [*Alert.Status.choices, ("", "All")]
KIND_TABS = [("", "Any kind"), *Alert.Kind.choices]


def can_edit_taxonomy(user: Any) -> bool:
    return has(user, Capability.TOPICS_EDIT)


def _series_label(alert: Alert) -> dict[str, str]:
    labels = dict(Channel.choices)
    return {
        "topic": alert.topic,
        "sentiment": alert.sentiment,
        "channel": "all channels"
        if alert.channel == ALL_CHANNELS
        else labels.get(alert.channel, alert.channel),
    }


def _moment(iso: str) -> datetime:
    moment = datetime.fromisoformat(iso)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _chart(alert: Alert) -> dict[str, Any]:
    """Bars per stored bucket, labelled in the site's time zone like the rest of the page
    ("3 Nov 14:00"); the buckets inside the alert's window are flagged to be drawn apart."""
    moments = [_moment(row[0]) for row in alert.history]
    return {
        "labels": [format_date(timezone.localtime(m), "j M H:i") for m in moments],
        "observed": [row[1] for row in alert.history],
        "expected": [row[2] for row in alert.history],
        "in_window": [alert.window_start <= m < alert.window_end for m in moments],
    }


def _add_topic_url(phrase: str, examples: str) -> str:
    query = urlencode({"name": phrase, "keywords": phrase, "examples": examples})
    return f"{reverse('insights:topics')}?{query}"


def _alert_filters(request: HttpRequest) -> dict[str, str]:
    """The list's filters besides status; unknown values mean "any"."""
    kind = request.GET.get("kind", "")
    return {
        "kind": kind if kind in Alert.Kind.values else "",
        "topic": request.GET.get("topic", "").strip()[:100],
        "channel": request.GET.get("channel", "").strip()[:32],
    }


def _filter_chips(request: HttpRequest, filters: dict[str, str]) -> list[dict[str, str]]:
    """The topic and channel filters in force, each with a link that drops only it."""
    labels = dict(Channel.choices)
    chips = []
    for param in ("topic", "channel"):
        value = filters[param]
        if not value:
            continue
        rest = request.GET.copy()
        rest.pop(param, None)
        rest.pop("page", None)
        shown = value
        if param == "channel":
            shown = "all channels" if value == ALL_CHANNELS else labels.get(value, value)
        chips.append({"param": param, "value": shown, "clear_url": f"?{rest.urlencode()}"})
    return chips


@login_required
def alerts(request: HttpRequest) -> HttpResponse:
    """One compact row per alert, paged and filtered by status, kind, topic and channel; new
    themes beside. Every tab, pager and filter link keeps the other filters.

    The list reads neither the driving messages nor their ids (the detail page shows them
    with the chart), so a page costs the same however many messages drove each alert.
    """
    status = request.GET.get("status", "open")
    if status not in {"", *Alert.Status.values}:
        status = "open"
    filters = _alert_filters(request)
    page_obj = Paginator(selectors.alert_list(status=status, **filters), ALERT_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    # The tabs count what each would show with the other filters kept.
    counts = selectors.alert_counts(**filters)
    themes = selectors.stored_themes()
    context = {
        "items": [{"alert": a, "series": _series_label(a)} for a in page_obj],
        "page_obj": page_obj,
        "status": status,
        "kind": filters["kind"],
        "chips": _filter_chips(request, filters),
        "kinds": KIND_TABS,
        "statuses": [
            (value, label, counts.get(value, 0) if value else sum(counts.values()))
            for value, label in STATUS_TABS
        ],
        "themes": themes,
        "theme_rows": [
            (t, _add_topic_url(t.phrase, themes.example_texts.get(t.phrase, "")))
            for t in themes.themes
        ]
        if themes
        else [],
        "can_edit_taxonomy": can_edit_taxonomy(request.user),
        # The hint to run the scan only helps when nothing was ever raised, not when the
        # filters hide what was.
        "no_alert_at_all": not counts and not any(filters.values()),
    }
    return render(request, "insights/alerts.html", context)


@login_required
def alert_detail(request: HttpRequest, alert_id: int) -> HttpResponse:
    """The alert's facts and chart beside the messages that drove it, 50 a page, oldest
    first: the chart reads left to right in time, the list top to bottom the same way, and
    the first messages say how the story started. A page costs the same few queries
    however many messages the alert holds."""
    alert = selectors.get_alert(alert_id)
    if alert is None:
        raise Http404(f"no alert {alert_id}")
    page_obj = Paginator(selectors.alert_drivers(alert), DRIVER_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        "alert": alert,
        "series": _series_label(alert),
        "chart": _chart(alert),
        "data_id": f"alert-data-{alert.pk}",
        "drivers": page_obj,
        "page_obj": page_obj,
        "ids_kept": len(alert.message_ids),
        "chart_js_url": static("vendor/chart.umd.js"),
    }
    return render(request, "insights/alert_detail.html", context)


ALERT_ACTIONS = {
    "acknowledge": Capability.ALERTS_ACKNOWLEDGE,
    "resolve": Capability.ALERTS_RESOLVE,
}


@login_required
@require_POST
def alert_action(request: HttpRequest, alert_id: int, action: str) -> HttpResponse:
    alert = selectors.get_alert(alert_id)
    if alert is None:
        raise Http404(f"no alert {alert_id}")
    change = {"acknowledge": services.acknowledge_alert, "resolve": services.resolve_alert}.get(
        action
    )
    if change is None:
        raise Http404(f"no action {action!r}")
    require(request.user, ALERT_ACTIONS[action])
    try:
        change(alert=alert, actor=request.user)
    except ValueError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            f"Alert {alert.pk} {'acknowledged' if action == 'acknowledge' else 'resolved'}.",
        )
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("insights:alerts")
    return redirect(target)


# ----------------------------------------------------------------------------- taxonomy


def _topic_context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    taxonomy = selectors.current_taxonomy()
    version = selectors.current_version()
    return {
        "topics": taxonomy.topics,
        "version": version,
        "versions": selectors.versions(),
        "editable": can_edit_taxonomy(request.user),
        **extra,
    }


@login_required
def topics(request: HttpRequest) -> HttpResponse:
    """The topic taxonomy; a form adds a topic (pre-filled from a discovered theme)."""
    form = {
        "name": request.GET.get("name", ""),
        "keywords": request.GET.get("keywords", ""),
        "examples": request.GET.get("examples", ""),
    }
    error = None
    if request.method == "POST":
        require(request.user, Capability.TOPICS_EDIT)
        form = {k: request.POST.get(k, "") for k in ("name", "keywords", "examples")}
        try:
            services.save_topic(actor=request.user, form=services.TopicForm.from_text(**form))
        except services.TopicError as exc:
            error = exc
        else:
            messages.success(request, f"Topic {form['name'].strip()!r} added.")
            return redirect("insights:topics")
    return render(request, "insights/topics.html", _topic_context(request, form=form, error=error))


@login_required
def topic_edit(request: HttpRequest, name: str) -> HttpResponse:
    topic = selectors.find_topic(name)
    if topic is None:
        raise Http404(f"no topic {name!r}")
    form = {
        "name": topic.name,
        "keywords": "\n".join(topic.keywords),
        "examples": "\n".join(topic.examples),
    }
    error = None
    if request.method == "POST":
        require(request.user, Capability.TOPICS_EDIT)
        if request.POST.get("delete"):
            try:
                services.delete_topic(actor=request.user, name=name)
            except services.TopicError as exc:
                error = exc
            else:
                messages.success(request, f"Topic {name!r} removed.")
                return redirect("insights:topics")
        else:
            form = {k: request.POST.get(k, "") for k in ("name", "keywords", "examples")}
            try:
                services.save_topic(
                    actor=request.user, form=services.TopicForm.from_text(**form), original=name
                )
            except services.TopicError as exc:
                error = exc
            else:
                messages.success(request, f"Topic {form['name'].strip()!r} saved.")
                return redirect("insights:topics")
    return render(
        request,
        "insights/topic_edit.html",
        _topic_context(request, form=form, error=error, original=name),
    )
