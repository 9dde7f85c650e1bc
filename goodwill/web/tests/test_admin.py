from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin
from django.urls import reverse

from goodwill.web.tests.helpers import HOSTILE, buy, ingest, make_token, make_user, post

GOODWILL_MODELS = {
    "accounts.apitoken",
    "accounts.auditentry",
    "events.event",
    "customers.customer",
    "customers.identity",
    "customers.merge",
    "customers.transaction",
    "conversations.conversation",
    "listening.source",
    "listening.message",
    "listening.label",
}


@pytest.mark.django_db
def test_every_model_is_in_the_admin_and_its_pages_load(client: Any) -> None:
    staff = make_user("boss", staff=True)
    make_token(staff)
    ingest([post("1", "al", text=HOSTILE), post("2", "acme", 3, reply_to="1", company=True)])
    buy("C1", "9.99")
    registered = {m._meta.label_lower for m in admin.site._registry}
    assert registered >= GOODWILL_MODELS
    client.force_login(staff)
    for model in admin.site._registry:
        if model._meta.label_lower not in GOODWILL_MODELS:
            continue
        opts = model._meta
        changelist = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        assert changelist.status_code == 200, opts.label
        assert HOSTILE not in changelist.content.decode(), opts.label
        obj = model._default_manager.first()
        if obj is not None:
            url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
            assert client.get(url).status_code == 200, opts.label


@pytest.mark.django_db
def test_admin_is_for_staff_only(client: Any) -> None:
    client.force_login(make_user("agent"))
    response = client.get(reverse("admin:listening_message_changelist"))
    assert response.status_code == 302
