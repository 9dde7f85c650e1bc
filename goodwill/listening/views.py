from __future__ import annotations

from datetime import datetime, time, timedelta

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from goodwill.core import Channel
from goodwill.listening import selectors

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
