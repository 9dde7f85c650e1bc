"""Alerts, their actions, and the topic taxonomy editor (mounted at /alerts/)."""

from __future__ import annotations

from django.urls import URLPattern, path

from goodwill.insights import views

app_name = "insights"
urlpatterns: list[URLPattern] = [
    path("", views.alerts, name="alerts"),
    path("<int:alert_id>/", views.alert_detail, name="alert"),
    path(
        "<int:alert_id>/<str:action>/",
        views.alert_action,
        name="alert_action",
    ),
    path("topics/", views.topics, name="topics"),
    path("topics/<str:name>/", views.topic_edit, name="topic_edit"),
]
