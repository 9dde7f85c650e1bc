"""Customer value pages: at-risk list, settings, and the customer-page panel."""

from __future__ import annotations

from django.urls import path

from goodwill.value import views

app_name = "value"
urlpatterns = [
    path("", views.at_risk, name="at_risk"),
    path("settings/", views.value_settings, name="settings"),
    path("customers/<int:customer_id>/panel/", views.customer_panel, name="customer_panel"),
]
