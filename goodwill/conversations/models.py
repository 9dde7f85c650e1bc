from __future__ import annotations

from django.db import models

from goodwill.core import Channel


class Speaker(models.TextChoices):
    CUSTOMER = "customer", "Customer"
    COMPANY = "company", "Company"


class Conversation(models.Model):
    """A thread of messages on one channel, keyed by the external id of its root."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        PENDING = "pending", "Pending"
        RESOLVED = "resolved", "Resolved"

    channel = models.CharField(max_length=32, choices=Channel.choices)
    root_external_id = models.CharField(max_length=255)
    customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    started_at = models.DateTimeField(null=True, blank=True)
    started_by = models.CharField(max_length=16, choices=Speaker.choices, blank=True)
    last_message_at = models.DateTimeField(null=True, blank=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    message_count = models.PositiveIntegerField(default=0)
    customer_message_count = models.PositiveIntegerField(default=0)
    company_message_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "root_external_id"], name="conversation_channel_root"
            )
        ]
        indexes = [
            models.Index(fields=["status", "last_message_at"]),
            models.Index(fields=["started_by", "started_at"]),
            models.Index(fields=["channel", "last_message_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.channel} thread {self.root_external_id}"
