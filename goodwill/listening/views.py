from __future__ import annotations

from datetime import datetime, time, timedelta

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from goodwill.accounts.permissions import Capability, require
from goodwill.analysis.intent import INTENTS
from goodwill.analysis.sentiment import LABELS
from goodwill.core import Channel
from goodwill.listening import labelling, selectors
from goodwill.listening.understanding import current_taxonomy

PAGE_SIZE = 50


class MessageFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=200, label="Search text")
    channel = forms.ChoiceField(required=False, choices=[("", "All channels"), *Channel.choices])
    author = forms.CharField(required=False, max_length=255, label="Author handle")
    since = forms.DateField(required=False, label="From")
    until = forms.DateField(required=False, label="To")
    speaker = forms.ChoiceField(
        required=False,
        label="Written by",
        choices=[("", "Anyone"), ("customer", "Customers"), ("company", "Company")],
    )
    customer = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            self.add_error("until", "The end date is before the start date.")
        return data

    def to_filters(self) -> selectors.MessageFilters:
        data = self.cleaned_data
        tz = timezone.get_current_timezone()
        since = until = None
        if data.get("since"):
            since = datetime.combine(data["since"], time.min, tzinfo=tz)
        if data.get("until"):  # the "to" day is included
            until = datetime.combine(data["until"] + timedelta(days=1), time.min, tzinfo=tz)
        speaker = data.get("speaker") or ""
        return selectors.MessageFilters(
            channel=data.get("channel") or "",
            since=since,
            until=until,
            author=data.get("author") or "",
            q=data.get("q") or "",
            is_from_company=None if not speaker else speaker == "company",
            customer_id=data.get("customer"),
        )


@login_required
def message_list(request: HttpRequest) -> HttpResponse:
    form = MessageFilterForm(request.GET or None)
    if form.is_bound and form.is_valid():
        filters = form.to_filters()
    elif form.is_bound:
        filters = None
    else:
        filters = selectors.MessageFilters()
    page_obj = None
    if filters is not None:
        paginator = Paginator(selectors.filter_messages(filters), PAGE_SIZE)
        page_obj = paginator.get_page(request.GET.get("page"))
    filtered = form.is_bound and any(v for k, v in request.GET.items() if k != "page")
    return render(
        request,
        "listening/messages.html",
        {"form": form, "page_obj": page_obj, "filtered": filtered},
    )


class CorrectionForm(forms.Form):
    """One field's correction; which value widget counts depends on ``field``."""

    field = forms.ChoiceField(choices=[(f, f) for f in labelling.FIELDS])
    sentiment = forms.ChoiceField(required=False, choices=[(v, v) for v in LABELS])
    intent = forms.ChoiceField(required=False, choices=[(v, v) for v in INTENTS])
    topics = forms.MultipleChoiceField(required=False, choices=[])

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        names = current_taxonomy().names
        self.fields["topics"].choices = [(n, n) for n in names]  # type: ignore[attr-defined]

    def value(self) -> object:
        field = self.cleaned_data["field"]
        return self.cleaned_data.get(field) or ([] if field == "topics" else "")


def _detail_context(message_id: int) -> dict[str, object]:
    message = selectors.get_message(message_id)
    if message is None:
        raise Http404(f"message {message_id} not found")
    corrections = labelling.corrections_of(message_id)
    rows = [
        {
            "field": "sentiment",
            "model": message.sentiment,
            "score": message.sentiment_score,
            "correction": corrections.get("sentiment"),
            "choices": LABELS,
        },
        {
            "field": "intent",
            "model": message.intent,
            "correction": corrections.get("intent"),
            "choices": INTENTS,
        },
        {
            "field": "topics",
            "model": ", ".join(message.topics or []),
            "correction": corrections.get("topics"),
            "choices": current_taxonomy().names,
            "chosen": (corrections["topics"].value if "topics" in corrections else message.topics)
            or [],
        },
    ]
    return {"message": message, "rows": rows}


@login_required
def message_detail(request: HttpRequest, message_id: int) -> HttpResponse:
    return render(request, "listening/message_detail.html", _detail_context(message_id))


@login_required
@require_POST
def correct_message(request: HttpRequest, message_id: int) -> HttpResponse:
    require(request.user, Capability.LABELS_CORRECT)
    if selectors.get_message(message_id) is None:
        raise Http404(f"message {message_id} not found")
    form = CorrectionForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            labelling.correct_message(
                message_id=message_id,
                field=form.cleaned_data["field"],
                value=form.value(),
                actor=request.user,
            )
        except labelling.CorrectionError as exc:
            error = str(exc)
    else:
        error = "; ".join(f"{k}: {' '.join(map(str, v))}" for k, v in form.errors.items())
    if not error:
        return redirect("listening:detail", message_id=message_id)
    context = _detail_context(message_id)
    context["error"] = error
    return render(request, "listening/message_detail.html", context, status=422)
