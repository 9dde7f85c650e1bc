from __future__ import annotations

from django.contrib import admin

from goodwill.value.models import CustomerValue, ScoringRun, ValueHistory, ValueSettings


@admin.register(CustomerValue)
class CustomerValueAdmin(admin.ModelAdmin[CustomerValue]):
    list_display = ("customer_id", "score", "tier", "multiplier", "lapsing", "computed_at")
    list_filter = ("tier", "lapsing")
    raw_id_fields = ("customer",)


@admin.register(ValueHistory)
class ValueHistoryAdmin(admin.ModelAdmin[ValueHistory]):
    list_display = ("customer_id", "computed_at", "score", "tier")
    raw_id_fields = ("customer",)


@admin.register(ScoringRun)
class ScoringRunAdmin(admin.ModelAdmin[ScoringRun]):
    list_display = ("started_at", "kind", "scored", "changed", "tier_changes", "lapsing")


@admin.register(ValueSettings)
class ValueSettingsAdmin(admin.ModelAdmin[ValueSettings]):
    list_display = ("version", "created_by", "created_at", "note")
