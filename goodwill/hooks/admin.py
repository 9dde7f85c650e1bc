from django.contrib import admin

from goodwill.hooks.models import Delivery


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin[Delivery]):
    list_display = ("key", "source", "items", "received_at", "expires_at")
    list_filter = ("source",)
    readonly_fields = ("source", "key", "items", "received_at", "expires_at")
