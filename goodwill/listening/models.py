from __future__ import annotations

from django.db import models

from goodwill.core import Channel


class Source(models.Model):
    """Where messages come from: a connector with its config and cursor, or a file import."""

    name = models.CharField(max_length=100, unique=True)
    channel = models.CharField(max_length=32, choices=Channel.choices)
    kind = models.CharField(max_length=32, default="file")
    config = models.JSONField(default=dict, blank=True)
    cursor = models.JSONField(default=dict, blank=True)
    enabled = models.BooleanField(default=True)
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    items_fetched = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    # Scheduling (goodwill.listening.sources): pulled every interval; a 429 or a failure
    # moves next_run_at; null means "due now".
    interval_seconds = models.PositiveIntegerField(default=900)
    next_run_at = models.DateTimeField(null=True, blank=True, db_index=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    # name -> "env:VARIABLE" or "fernet:<token>" (encrypted with a key from SECRET_KEY).
    # Never shown back: goodwill.listening.sources resolves them only to run the connector.
    secrets = models.JSONField(default=dict, blank=True, editable=False)

    def __str__(self) -> str:
        return self.name


class SourceRun(models.Model):
    """One scheduled or manual pull of a Source: what it fetched, skipped and what went wrong."""

    class Status(models.TextChoices):
        RUNNING = "running"
        OK = "ok"
        ERROR = "error"
        RATE_LIMITED = "rate_limited"

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="runs")
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RUNNING)
    trigger = models.CharField(max_length=16, default="schedule")  # schedule, manual
    pages = models.PositiveIntegerField(default=0)
    fetched = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    skipped_reasons = models.JSONField(default=list, blank=True)  # [{"ref", "reason"}], capped
    error = models.TextField(blank=True)
    rate_limited_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["source", "-started_at"], name="sourcerun_recent")]

    def __str__(self) -> str:
        return f"{self.source_id} run at {self.started_at.isoformat()} ({self.status})"


class Message(models.Model):
    """One post, comment, review, email or DM, normalised. Text is stored verbatim."""

    channel = models.CharField(max_length=32, choices=Channel.choices)
    external_id = models.CharField(max_length=255)
    # Not indexed: nothing lists messages by source (a source keeps its own counters), and
    # deleting a source, the one query that would use it, is a rare admin action.
    source = models.ForeignKey(
        Source, null=True, blank=True, on_delete=models.SET_NULL, db_index=False
    )
    # No single-column index on author or conversation: the (author, created_at) and
    # (conversation, created_at) indexes below serve those lookups, and each extra index
    # costs ingest ~1.5 us a message (benchmarks/README.md).
    author = models.ForeignKey(
        "customers.Identity",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    is_from_company = models.BooleanField(default=False)
    text = models.TextField()
    created_at = models.DateTimeField()
    url = models.CharField(max_length=2048, blank=True)
    in_reply_to = models.CharField(max_length=255, blank=True)
    conversation = models.ForeignKey(
        "conversations.Conversation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    likes = models.PositiveIntegerField(default=0)
    shares = models.PositiveIntegerField(default=0)
    replies = models.PositiveIntegerField(default=0)
    language = models.CharField(max_length=16, blank=True)
    raw = models.JSONField(default=dict, blank=True)
    # A digest of the normalised content: a re-import compares it to tell updated from unchanged.
    content_hash = models.CharField(max_length=32)
    imported_at = models.DateTimeField(auto_now_add=True)

    # Analysis (filled by the understanding pipeline).
    sentiment = models.CharField(max_length=16, blank=True)
    sentiment_score = models.FloatField(null=True, blank=True)
    intent = models.CharField(max_length=32, blank=True)
    topics = models.JSONField(default=list, blank=True)
    is_abusive = models.BooleanField(null=True, blank=True)
    virality_risk = models.FloatField(null=True, blank=True)
    analysed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "external_id"], name="message_channel_external_id"
            )
        ]
        indexes = [
            models.Index(fields=["created_at"]),
            models.Index(fields=["channel", "created_at"]),
            models.Index(fields=["conversation", "created_at"]),
            models.Index(fields=["author", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.channel}:{self.external_id}"


class Label(models.Model):
    """A human judgement on a message (dataset ground truth or an agent's correction).

    Labels are kept apart from model output: they are never shown as what Goodwill predicted.
    """

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="labels")
    field = models.CharField(max_length=32)  # sentiment, intent, topic, negative_reason
    value = models.CharField(max_length=100)
    confidence = models.FloatField(null=True, blank=True)
    origin = models.CharField(max_length=64)  # e.g. "dataset:airline", "agent"
    created_by_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["message", "field", "origin"], name="label_once_per_origin"
            )
        ]

    def __str__(self) -> str:
        return f"{self.field}={self.value} ({self.origin})"
