"""Reads about messages and sources used by several callers."""

from __future__ import annotations

from django.db.models import Count

from goodwill.listening.models import Message


def messages_per_channel() -> dict[str, int]:
    rows = Message.objects.values_list("channel").annotate(n=Count("id")).order_by("channel")
    return dict(rows)


def message_count() -> int:
    return Message.objects.count()
