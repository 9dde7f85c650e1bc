from __future__ import annotations

from django.contrib import admin

from goodwill.customers.models import Customer, Identity, Merge, Transaction


class IdentityInline(admin.TabularInline[Identity, Customer]):
    model = Identity
    fields = ["channel", "external_id", "handle", "display_name", "followers", "is_company"]
    extra = 0
    show_change_link = True


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin[Customer]):
    list_display = ["__str__", "email", "external_id", "merged_into", "created_at"]
    list_filter = ["created_at"]
    search_fields = ["display_name", "email", "external_id", "identities__handle"]
    raw_id_fields = ["merged_into"]
    inlines = [IdentityInline]
    show_full_result_count = False


@admin.register(Identity)
class IdentityAdmin(admin.ModelAdmin[Identity]):
    list_display = ["handle", "channel", "display_name", "followers", "is_company", "customer"]
    list_filter = ["channel", "is_company"]
    search_fields = ["handle", "display_name", "external_id"]
    raw_id_fields = ["customer"]
    list_select_related = ["customer"]
    show_full_result_count = False


@admin.register(Merge)
class MergeAdmin(admin.ModelAdmin[Merge]):
    list_display = ["id", "into", "other", "actor", "created_at", "undone_at"]
    list_filter = ["undone_at", "created_at"]
    raw_id_fields = ["into", "other", "actor", "undone_by"]
    list_select_related = ["into", "other", "actor"]


@admin.register(Transaction)
class TransactionAdmin(admin.ModelAdmin[Transaction]):
    list_display = ["external_id", "customer", "occurred_at", "amount", "currency"]
    list_filter = ["currency"]
    search_fields = ["external_id", "customer__external_id", "customer__email"]
    date_hierarchy = "occurred_at"
    raw_id_fields = ["customer"]
    list_select_related = ["customer"]
    show_full_result_count = False
