from __future__ import annotations

from django.conf import settings
from django.db import models


class SpikeWatch(models.Model):
    """The spike scanner's memory: which buckets it has read and the detector's state.

    One row per watch (``name``). ``processed_until`` is the end of the last bucket scored;
    a scan reads only buckets after it. ``series`` lists the series keys in the detector's
    column order; ``state`` is the detector's arrays (NumPy ``.npz`` bytes).
    """

    name = models.CharField(max_length=64, unique=True)
    bucket_seconds = models.PositiveIntegerField(default=3600)
    processed_until = models.DateTimeField(null=True, blank=True)
    series = models.JSONField(default=list, blank=True)
    state = models.BinaryField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.name


class EmergingWatch(models.Model):
    """The emerging-phrase scanner's memory: the end of the last hour it scanned."""

    name = models.CharField(max_length=64, unique=True)
    processed_until = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.name


class Alert(models.Model):
    """Something customers started saying, caught early. Two detectors raise alerts:

    * ``spike``: a spike in one count series (topic x sentiment x channel), over one or
      more buckets;
    * ``emerging``: a phrase that was rare in the last weeks, suddenly used by several
      people (``phrase`` and its companion ``terms``; ``series_key`` is
      ``"phrase:" + phrase``, topic and sentiment are empty, channel is ``"*"``).
    """

    class Kind(models.TextChoices):
        SPIKE = "spike", "Spike"
        EMERGING = "emerging", "Emerging phrase"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ACKNOWLEDGED = "acknowledged", "Acknowledged"
        RESOLVED = "resolved", "Resolved"

    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.SPIKE)
    series_key = models.CharField(max_length=300)  # "topic|sentiment|channel" ("*" = all)
    phrase = models.CharField(max_length=200, blank=True)  # emerging: the phrase
    terms = models.JSONField(default=list, blank=True)  # emerging: the phrase and companions
    topic = models.CharField(max_length=100)
    sentiment = models.CharField(max_length=16)
    channel = models.CharField(max_length=32)
    window_start = models.DateTimeField()
    window_end = models.DateTimeField()  # end of the last alarming bucket (exclusive)
    score = models.FloatField()  # the highest anomaly score (about once in 10**score by chance)
    expected = models.FloatField()  # sum of expected counts over the alarming buckets
    observed = models.PositiveIntegerField()  # sum of observed counts over them
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    message_ids = models.JSONField(default=list, blank=True)  # the messages that drove it
    # Expected and observed per bucket from a day before the alert to its end, for the chart.
    history = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-window_start", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["series_key", "window_start"], name="alert_series_window_once"
            )
        ]
        indexes = [models.Index(fields=["status", "window_start"])]

    def __str__(self) -> str:
        return f"{self.series_key} at {self.window_start:%Y-%m-%d %H:%M}"


class ThemeSnapshot(models.Model):
    """The newest "new themes" report, computed by the periodic scan and read by /alerts/.

    Finding themes reads five weeks of customer messages (seconds on the demo world), so
    the scan computes it and the page reads this one row (``name`` is "recent").
    ``themes`` holds each theme's fields; ``example_texts`` maps a phrase to example lines.
    """

    name = models.CharField(max_length=64, unique=True)
    since = models.DateTimeField()  # the recent window: since <= created_at < until
    until = models.DateTimeField()
    baseline_since = models.DateTimeField()
    recent_messages = models.PositiveIntegerField()
    baseline_messages = models.PositiveIntegerField()
    themes = models.JSONField(default=list, blank=True)
    example_texts = models.JSONField(default=dict, blank=True)
    computed_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"themes {self.name} until {self.until:%Y-%m-%d %H:%M}"


class TaxonomyVersion(models.Model):
    """One saved state of the topic taxonomy; the highest number is the one in use.

    Each edit stores a whole new version (never changes an old one), so what the pipeline
    used at any time can be read back and an edit can be compared with the one before.
    """

    number = models.PositiveIntegerField(unique=True)
    note = models.CharField(max_length=200, blank=True)  # what changed, for the history list
    example_threshold = models.FloatField(default=0.5)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-number"]

    def __str__(self) -> str:
        return f"taxonomy v{self.number}"


class TopicDefinition(models.Model):
    """A topic as saved in one taxonomy version: its name, keywords and seed examples."""

    version = models.ForeignKey(TaxonomyVersion, on_delete=models.CASCADE, related_name="topics")
    position = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=100)
    keywords = models.JSONField(default=list, blank=True)
    examples = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "name"], name="topic_name_once_per_version"),
            models.UniqueConstraint(
                fields=["version", "position"], name="topic_position_once_per_version"
            ),
        ]

    def __str__(self) -> str:
        return self.name
