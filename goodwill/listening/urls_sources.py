"""The Sources pages (/sources/)."""

from __future__ import annotations

from django.urls import path

from goodwill.listening import views_sources as views

app_name = "sources"
urlpatterns = [
    path("", views.source_list, name="list"),
    path("add/", views.source_add, name="add"),
    path("<int:source_id>/", views.source_detail, name="detail"),
    path("<int:source_id>/edit/", views.source_edit, name="edit"),
    path("<int:source_id>/run/", views.source_run, name="run"),
    path("<int:source_id>/delete/", views.source_delete, name="delete"),
]
