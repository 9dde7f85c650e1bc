from __future__ import annotations

from django.contrib import admin

from goodwill.listening.models import Label, Message, Source


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin[Source]):
    list_display = ["name", "channel", "kind", "enabled", "last_run_at", "items_fetched"]
    list_filter = ["channel", "kind", "enabled"]
    search_fields = ["name"]
    exclude = ["secrets"]  # write-only: set with `goodwill sources` or the Sources page


class LabelInline(admin.TabularInline[Label, Message]):
    model = Label
    fields = ["field", "value", "confidence", "origin"]
    extra = 0


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin[Message]):
    # The admin escapes every field, so hostile social text is shown as text.
    list_display = [
        "external_id",
        "channel",
        "author",
        "created_at",
        "is_from_company",
        "short_text",
    ]
    list_filter = ["channel", "is_from_company", "sentiment"]
    search_fields = ["external_id", "text", "author__handle"]
    date_hierarchy = "created_at"
    raw_id_fields = ["author", "conversation", "source"]
    list_select_related = ["author"]
    inlines = [LabelInline]
    show_full_result_count = False

    @admin.display(description="text")
    def short_text(self, obj: Message) -> str:
        return obj.text if len(obj.text) <= 80 else obj.text[:79] + "…"


@admin.register(Label)
class LabelAdmin(admin.ModelAdmin[Label]):
    list_display = ["message", "field", "value", "origin", "confidence"]
    list_filter = ["field", "origin"]
    search_fields = ["value", "message__external_id"]
    raw_id_fields = ["message"]
    list_select_related = ["message"]
    show_full_result_count = False
