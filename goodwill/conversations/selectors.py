from __future__ import annotations

from goodwill.conversations.models import Conversation


def conversation_count() -> int:
    return Conversation.objects.count()
