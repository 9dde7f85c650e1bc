from __future__ import annotations

from django.contrib import admin

from goodwill.events.models import Event


@admin.register(Event)
class EventAdmin(admin.ModelAdmin[Event]):
    list_display = [
        "type",
        "occurred_at",
        "customer_id",
        "message_id",
        "conversation_id",
        "processed_at",
    ]
    list_filter = ["type", "processed_at"]
    search_fields = ["type", "dedupe_key"]
    date_hierarchy = "occurred_at"
    show_full_result_count = False
