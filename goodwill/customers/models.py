from __future__ import annotations

from django.conf import settings
from django.db import models

from goodwill.core import Channel


class Customer(models.Model):
    """One person across channels. Identities resolve into it; merges can be undone."""

    display_name = models.CharField(max_length=255, blank=True)
    email = models.EmailField(max_length=254, blank=True, db_index=True)
    phone = models.CharField(max_length=40, blank=True)
    # The id the company's own systems (shop, billing) know this customer by.
    external_id = models.CharField(max_length=255, null=True, blank=True, unique=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_from"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["merged_into", "created_at"])]

    def __str__(self) -> str:
        return self.display_name or self.email or self.external_id or f"Customer {self.pk}"


class Identity(models.Model):
    """An account on one channel. Unique per (channel, external id)."""

    channel = models.CharField(max_length=32, choices=Channel.choices)
    external_id = models.CharField(max_length=255)
    handle = models.CharField(max_length=255, blank=True)
    display_name = models.CharField(max_length=255, blank=True)
    followers = models.PositiveBigIntegerField(null=True, blank=True)
    profile_url = models.CharField(max_length=2048, blank=True)
    # The brand's own accounts (e.g. @AcmeSupport) are identities but never customers.
    is_company = models.BooleanField(default=False)
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="identities"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "identities"
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "external_id"], name="identity_channel_external_id"
            )
        ]
        indexes = [models.Index(fields=["channel", "handle"])]

    def __str__(self) -> str:
        return f"{self.channel}:{self.handle or self.external_id}"


class Merge(models.Model):
    """`other` was merged into `into`; `moved_identity_ids` lets the merge be undone."""

    into = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="merges_in")
    other = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="merges_out")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    evidence = models.JSONField(default=dict, blank=True)
    moved_identity_ids = models.JSONField(default=list, blank=True)
    moved_transaction_ids = models.JSONField(default=list, blank=True)
    # Conversations belong to the conversations app; their ids are kept so undo restores them.
    moved_conversation_ids = models.JSONField(default=list, blank=True)
    # Who decided: an automatic deterministic link, an accepted suggestion, or a person.
    kind = models.CharField(max_length=16, default="manual")
    created_at = models.DateTimeField(auto_now_add=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    def __str__(self) -> str:
        return f"merge {self.other_id} -> {self.into_id}"


class Transaction(models.Model):
    """A purchase (or other monetary event) from the company's own systems."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="transactions")
    external_id = models.CharField(max_length=255, unique=True)
    occurred_at = models.DateTimeField()
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["customer", "occurred_at"])]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} on {self.occurred_at:%Y-%m-%d}"


class MatchSuggestion(models.Model):
    """Two identities that may be one person, waiting for a person to accept or reject."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"

    # identity_a.id < identity_b.id: one row per pair.
    identity_a = models.ForeignKey(Identity, on_delete=models.CASCADE, related_name="+")
    identity_b = models.ForeignKey(Identity, on_delete=models.CASCADE, related_name="+")
    confidence = models.FloatField()
    evidence = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    merge = models.ForeignKey(Merge, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["identity_a", "identity_b"], name="suggestion_pair"),
        ]
        indexes = [models.Index(fields=["status", "-confidence"])]

    def __str__(self) -> str:
        return f"{self.identity_a_id} ~ {self.identity_b_id} ({self.confidence:.2f})"
