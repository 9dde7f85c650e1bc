"""Small shared vocabulary used by every app (no models here)."""

from __future__ import annotations

from django.db import models


class Channel(models.TextChoices):
    X = "x", "X / Twitter"
    REDDIT = "reddit", "Reddit"
    FACEBOOK = "facebook", "Facebook"
    INSTAGRAM = "instagram", "Instagram"
    MASTODON = "mastodon", "Mastodon"
    BLUESKY = "bluesky", "Bluesky"
    RSS = "rss", "Blogs and news"
    REVIEW = "review", "Reviews"
    EMAIL = "email", "Email"
    WEBHOOK = "webhook", "Webhook"
    CHAT = "chat", "Chat"
    PHONE = "phone", "Phone"
    OTHER = "other", "Other"


CHANNEL_ALIASES = {
    "twitter": Channel.X,
    "tweet": Channel.X,
    "fb": Channel.FACEBOOK,
    "ig": Channel.INSTAGRAM,
    "mail": Channel.EMAIL,
    "blog": Channel.RSS,
    "atom": Channel.RSS,
    "reviews": Channel.REVIEW,
}


# Channel.values builds a new list on every access (~27 us); importers call this per row.
_CHANNEL_VALUES = frozenset(Channel.values)


def normalise_channel(value: str) -> str:
    """Map a channel name as people write it to a Channel value; raise ValueError if unknown."""
    key = value.strip().lower()
    if key in _CHANNEL_VALUES:
        return key
    if key in CHANNEL_ALIASES:
        return str(CHANNEL_ALIASES[key])
    raise ValueError(f"unknown channel {value!r}; expected one of {', '.join(Channel.values)}")
