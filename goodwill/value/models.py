from __future__ import annotations

from django.conf import settings
from django.db import models


class ValueSettings(models.Model):
    """One version of the scoring settings; the highest version is in force. Never edited:
    a change is a new version, so every stored score names the settings it used."""

    version = models.PositiveIntegerField(unique=True)
    data = models.JSONField()
    note = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-version"]
        verbose_name_plural = "value settings"

    def __str__(self) -> str:
        return f"value settings v{self.version}"


class ScoringRun(models.Model):
    """One pass of the scorer: the fitted models it used and what it changed."""

    FULL = "full"
    CHANGED = "changed"

    kind = models.CharField(max_length=16)
    started_at = models.DateTimeField(db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    as_of = models.DateTimeField(null=True, blank=True)
    settings_version = models.PositiveIntegerField(default=0)
    model = models.JSONField(default=dict, blank=True)
    scored = models.PositiveIntegerField(default=0)
    changed = models.PositiveIntegerField(default=0)
    tier_changes = models.PositiveIntegerField(default=0)
    lapsing = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.kind} scoring at {self.started_at:%Y-%m-%d %H:%M}"


class CustomerValue(models.Model):
    """The current Customer Value score of a customer with every part that made it."""

    customer = models.OneToOneField(
        "customers.Customer", on_delete=models.CASCADE, related_name="value", primary_key=True
    )
    score = models.FloatField(db_index=True)
    tier = models.CharField(max_length=16, db_index=True)
    currency = models.CharField(max_length=3)
    historic_spend = models.FloatField()
    predicted_value = models.FloatField()
    purchases = models.PositiveIntegerField(default=0)
    p_alive = models.FloatField(null=True, blank=True)
    expected_purchases = models.FloatField(null=True, blank=True)
    multiplier = models.FloatField()
    reach_percentile = models.FloatField(null=True, blank=True)
    influence_percentile = models.FloatField(null=True, blank=True)
    advocacy = models.FloatField(default=0.0)
    answers = models.PositiveIntegerField(default=0)
    defences = models.PositiveIntegerField(default=0)
    praised = models.PositiveIntegerField(default=0)
    referrals = models.PositiveIntegerField(default=0)
    explanation = models.JSONField(default=list)
    lapsing = models.BooleanField(default=False, db_index=True)
    lapsing_expected = models.FloatField(null=True, blank=True)
    lapsing_actual = models.PositiveIntegerField(null=True, blank=True)
    lapsing_reasons = models.JSONField(default=list, blank=True)
    # A valuable regular already silent for several usual gaps when the lapsing window
    # opened: lapsed earlier (a win-back list), never a new lapsing event.
    lapsed_earlier = models.BooleanField(default=False, db_index=True)
    settings_version = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField()
    changed_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["lapsing", "score"])]

    def __str__(self) -> str:
        return f"value {self.score:.0f} ({self.tier}) of customer {self.customer_id}"


class ValueHistory(models.Model):
    """One row per recompute that changed a customer's score or tier."""

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="value_history"
    )
    computed_at = models.DateTimeField()
    score = models.FloatField()
    tier = models.CharField(max_length=16)
    monetary = models.FloatField()
    multiplier = models.FloatField()
    lapsing = models.BooleanField(default=False)
    settings_version = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["computed_at", "id"]
        indexes = [models.Index(fields=["customer", "computed_at"])]

    def __str__(self) -> str:
        return f"{self.score:.0f} at {self.computed_at:%Y-%m-%d}"
