"""URL routes (filled in by the feature that owns them)."""

from __future__ import annotations

from django.urls import URLPattern

app_name = "sources"
urlpatterns: list[URLPattern] = []
