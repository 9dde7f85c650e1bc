"""The Sources pages: list, add/edit (a form built from the connector's fields), detail with
recent runs, run now, delete. Everyone signed in reads; admins and supervisors change."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from goodwill.accounts.permissions import Capability, require
from goodwill.core import Channel
from goodwill.listening import sources
from goodwill.listening.connectors.base import REGISTRY
from goodwill.listening.models import Source

RECENT_RUNS = 20


def _kinds() -> list[dict[str, Any]]:
    # Plain data: a template would call a connector class it was given.
    return [
        {"kind": kind, "label": cls.label, "channel": cls.channel, "fields": cls.fields}
        for kind, cls in sorted(REGISTRY.items())
    ]


class SourceForm(forms.Form):
    """Name, channel, interval and switch, then one field per connector setting."""

    name = forms.CharField(max_length=100)
    channel = forms.ChoiceField(choices=Channel.choices)
    interval_seconds = forms.IntegerField(
        label="Pull every (seconds)", min_value=sources.MIN_INTERVAL_SECONDS, initial=900
    )
    enabled = forms.BooleanField(required=False, initial=True, label="Enabled")

    def __init__(self, *args: Any, kind: str, source: Source | None = None, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.kind = kind
        self.source = source
        cls = REGISTRY[kind]
        self.fields["channel"].initial = cls.channel
        set_secrets = sources.secret_names(source) if source is not None else {}
        self.setting_names: list[str] = []
        self.secret_names: list[str] = []
        for spec in cls.fields:
            if spec.secret:
                how = set_secrets.get(spec.name, "")
                placeholder = (
                    f"set ({how}); leave blank to keep"
                    if how
                    else "env:VARIABLE_NAME, or the value (stored encrypted)"
                )
                self.fields[spec.name] = forms.CharField(
                    label=spec.label,
                    required=False,
                    help_text=spec.help,
                    widget=forms.PasswordInput(
                        render_value=False,
                        attrs={"placeholder": placeholder, "autocomplete": "new-password"},
                    ),
                )
                self.secret_names.append(spec.name)
            else:
                self.fields[spec.name] = forms.CharField(
                    label=spec.label,
                    required=False,
                    help_text=spec.help,
                    initial=spec.default,
                    widget=forms.TextInput(attrs={"placeholder": spec.default}),
                )
                self.setting_names.append(spec.name)
        if source is not None:
            del self.fields["name"]
            self.initial.update(
                {
                    "channel": source.channel,
                    "interval_seconds": source.interval_seconds,
                    "enabled": source.enabled,
                    **{k: v for k, v in source.config.items() if k in self.setting_names},
                }
            )

    def save(self) -> Source | None:
        """Create or update through the service; its field errors land on this form."""
        data = self.cleaned_data
        config = {name: data.get(name) or "" for name in self.setting_names}
        secrets = {name: data.get(name) or "" for name in self.secret_names}
        try:
            if self.source is None:
                return sources.create_source(
                    name=data["name"],
                    kind=self.kind,
                    channel=data["channel"],
                    config=config,
                    secrets=secrets,
                    interval_seconds=data["interval_seconds"],
                    enabled=data["enabled"],
                )
            return sources.update_source(
                source=self.source,
                config=config,
                secrets=secrets,
                interval_seconds=data["interval_seconds"],
                enabled=data["enabled"],
                channel=data["channel"],
            )
        except sources.SourceConfigError as exc:
            for name, problem in exc.errors.items():
                field = {"interval": "interval_seconds"}.get(name, name)
                self.add_error(field if field in self.fields else None, f"{name}: {problem}")
            return None


def _manager(request: HttpRequest) -> None:
    require(request.user, Capability.SOURCES_MANAGE)


def _get(source_id: int) -> Source:
    source = sources.connector_sources().filter(pk=source_id).first()
    if source is None:
        raise Http404("No such source.")
    return source


@login_required
def source_list(request: HttpRequest) -> HttpResponse:
    rows = [
        {"source": s, "pulled": sources.is_pulled(s.kind), "label": REGISTRY[s.kind].label}
        for s in sources.connector_sources()
    ]
    return render(
        request,
        "sources/list.html",
        {
            "rows": rows,
            "can_manage": sources.can_manage_sources(request.user),
        },
    )


@login_required
def source_add(request: HttpRequest) -> HttpResponse:
    _manager(request)
    kind = request.GET.get("kind") or request.POST.get("kind") or ""
    if kind not in REGISTRY:
        return render(request, "sources/kinds.html", {"kinds": _kinds()})
    form = SourceForm(request.POST or None, kind=kind)
    if request.method == "POST" and form.is_valid():
        source = form.save()
        if source is not None:
            messages.success(request, f"Added source “{source.name}”.")
            return redirect("sources:detail", source.pk)
    return render(
        request,
        "sources/form.html",
        {"form": form, "kind": kind, "label": REGISTRY[kind].label, "source": None},
    )


@login_required
def source_edit(request: HttpRequest, source_id: int) -> HttpResponse:
    _manager(request)
    source = _get(source_id)
    form = SourceForm(request.POST or None, kind=source.kind, source=source)
    if request.method == "POST" and form.is_valid() and form.save() is not None:
        messages.success(request, "Saved.")
        return redirect("sources:detail", source.pk)
    return render(
        request,
        "sources/form.html",
        {"form": form, "kind": source.kind, "label": REGISTRY[source.kind].label, "source": source},
    )


@login_required
def source_detail(request: HttpRequest, source_id: int) -> HttpResponse:
    source = _get(source_id)
    connector = REGISTRY[source.kind]
    settings_rows = [
        (spec.label, source.config.get(spec.name, ""))
        for spec in connector.fields
        if not spec.secret
    ]
    secret_rows = [
        (spec.label, sources.secret_names(source).get(spec.name, ""))
        for spec in connector.fields
        if spec.secret
    ]
    return render(
        request,
        "sources/detail.html",
        {
            "source": source,
            "label": connector.label,
            "pulled": sources.is_pulled(source.kind),
            "settings_rows": settings_rows,
            "secret_rows": secret_rows,
            "runs": sources.recent_runs(source, limit=RECENT_RUNS),
            "can_manage": sources.can_manage_sources(request.user),
        },
    )


@login_required
@require_POST
def source_run(request: HttpRequest, source_id: int) -> HttpResponse:
    _manager(request)
    source = _get(source_id)
    if not sources.is_pulled(source.kind):
        messages.error(request, "This source is pushed to by a webhook; there is nothing to pull.")
        return redirect("sources:detail", source.pk)
    try:
        run = sources.run_source(source=source, trigger="manual")
    except sources.SourceBusy as busy:
        messages.warning(request, f"Not started: {busy}. Its result shows below when it ends.")
        return redirect("sources:detail", source.pk)
    if run.status == "ok":
        messages.success(
            request, f"Fetched {run.fetched} ({run.created} new, {run.skipped} skipped)."
        )
    else:
        messages.error(request, f"Run {run.get_status_display().lower()}: {run.error}")
    return redirect("sources:detail", source.pk)


@login_required
@require_POST
def source_delete(request: HttpRequest, source_id: int) -> HttpResponse:
    _manager(request)
    source = _get(source_id)
    sources.delete_source(source=source)
    messages.success(request, f"Deleted source “{source.name}”; its messages stay.")
    return redirect("sources:list")
