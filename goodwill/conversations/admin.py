from __future__ import annotations

from django.contrib import admin

from goodwill.conversations.models import Conversation


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin[Conversation]):
    list_display = [
        "id",
        "channel",
        "customer",
        "status",
        "started_by",
        "started_at",
        "first_response_at",
        "message_count",
        "last_message_at",
    ]
    list_filter = ["status", "channel", "started_by"]
    search_fields = ["root_external_id"]
    date_hierarchy = "started_at"
    raw_id_fields = ["customer"]
    list_select_related = ["customer"]
    show_full_result_count = False
