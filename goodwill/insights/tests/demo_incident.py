"""Replay the demo world's planted incident through the spike watch, as it would run live.

The demo is stored through the real services, then ``scan_spikes`` and ``scan_emerging``
run once to catch up to the hour the incident starts, and every 5 minutes after that, as
the periodic job runs them live (each run sees only what has happened by then; a volume
spike can only fire when an hour closes, an emerging phrase at any step). A detector
"fires" at the first scan that opens an alert whose driving messages include an incident
message. Emerging-phrase alerts opened
before the incident are false alarms (the demo plants nothing else that bursts).
Used by test_spike_watch_demo.py and benchmarks/bench_alerts.py.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from goodwill.analysis.emerging import EmergingConfig
from goodwill.analysis.spikes import SpikeConfig
from goodwill.demo.generator import DEFAULT_END
from goodwill.demo.services import build_demo
from goodwill.insights import services
from goodwill.insights.models import Alert
from goodwill.listening.models import Message

HOUR = timedelta(hours=1)
STEP = timedelta(minutes=5)  # the periodic job's cadence (insights.tasks)


@dataclass(frozen=True, slots=True)
class IncidentReplay:
    seed: int
    start: datetime
    growth_10pct_at: datetime
    peak: datetime
    fired_at: datetime | None  # the scan time at which the first incident alert was opened
    series: str  # that alert's series
    alerts_in_week_before: int  # alerts opened in the 7 days before the incident started
    hourly_counts: tuple[int, ...]  # incident messages per hour from hour0 (ground truth)
    hour0: datetime
    emerging_fired_at: datetime | None = None  # the same, for emerging-phrase alerts
    emerging_phrase: str = ""  # that alert's phrase
    emerging_precision: float = 0.0  # share of that alert's messages that are the incident's
    emerging_before: tuple[str, ...] = ()  # phrases of emerging alerts before the incident
    weeks_before: float = 0.0  # weeks the emerging scan tested before the incident

    @property
    def first_fired_at(self) -> datetime | None:
        """When the spike watch (either detector) first fired on the incident."""
        times = [t for t in (self.fired_at, self.emerging_fired_at) if t is not None]
        return min(times) if times else None

    @property
    def emerging_hours_after_start(self) -> float | None:
        t = self.emerging_fired_at
        return None if t is None else (t - self.start) / HOUR

    @property
    def emerging_growth_share(self) -> float | None:
        t = self.emerging_fired_at
        return None if t is None else (t - self.start) / (self.peak - self.start)

    @property
    def emerging_within_first_10pct(self) -> bool:
        t = self.emerging_fired_at
        return t is not None and t <= self.growth_10pct_at

    @property
    def false_alarms_per_week(self) -> float:
        return len(self.emerging_before) / self.weeks_before if self.weeks_before else 0.0

    @property
    def growth_share(self) -> float | None:
        """Share of the incident's growth time (start to peak) elapsed when it fired."""
        if self.fired_at is None:
            return None
        return (self.fired_at - self.start) / (self.peak - self.start)

    @property
    def hours_after_start(self) -> float | None:
        return None if self.fired_at is None else (self.fired_at - self.start) / HOUR

    @property
    def volume_share(self) -> float | None:
        """Incident messages in the last hour before it fired, as a share of the peak hour."""
        if self.fired_at is None:
            return None
        last_hour = int((self.fired_at - self.hour0) / HOUR) - 1
        return self.hourly_counts[last_hour] / max(self.hourly_counts)

    @property
    def within_first_10pct(self) -> bool:
        return self.fired_at is not None and self.fired_at <= self.growth_10pct_at


def _hour_floor(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def replay_incident(
    *,
    seed: int,
    truth_path: Path,
    config: SpikeConfig | None = None,
    emerging: EmergingConfig | None = None,
) -> IncidentReplay:
    build_demo(seed=seed, end=DEFAULT_END, truth_path=truth_path)
    truth = json.loads(truth_path.read_text(encoding="utf-8"))["incident"]
    start = datetime.fromisoformat(truth["start"])
    g10 = datetime.fromisoformat(truth["growth_10pct_at"])
    peak = datetime.fromisoformat(truth["peak"])
    keys = {(ch, ext) for ch, ext in truth["message_ids"]}
    incident_ids = {
        pk
        for pk, ch, ext in Message.objects.filter(created_at__gte=start).values_list(
            "id", "channel", "external_id"
        )
        if (ch, ext) in keys
    }
    now = _hour_floor(start)
    services.scan_spikes(now=now, config=config, lookback=timedelta(days=120))
    services.scan_emerging(now=now, config=emerging, lookback=timedelta(days=120))
    spikes = Alert.objects.filter(kind=Alert.Kind.SPIKE)
    before = spikes.filter(window_start__gte=start - timedelta(days=7)).count()
    emerging_before = tuple(
        Alert.objects.filter(kind=Alert.Kind.EMERGING)
        .order_by("window_start", "id")
        .values_list("phrase", flat=True)
    )
    first = Message.objects.filter(is_from_company=False).order_by("created_at").first()
    assert first is not None
    warm_up = timedelta(hours=(emerging or EmergingConfig()).min_baseline_hours)
    weeks = max((now - first.created_at - warm_up) / timedelta(days=7), 0.0)
    fired_at: datetime | None = None
    series = ""
    emerging_at: datetime | None = None
    phrase = ""
    precision = 0.0
    while now <= peak and (fired_at is None or emerging_at is None):
        now += STEP
        opened: list[int] = []
        if fired_at is None:
            opened += services.scan_spikes(now=now, config=config).opened
        if emerging_at is None:
            opened += services.scan_emerging(now=now, config=emerging).opened
        for alert in Alert.objects.filter(pk__in=opened).order_by("window_start", "id"):
            driven = incident_ids.intersection(alert.message_ids)
            if not driven:
                continue
            if alert.kind == Alert.Kind.EMERGING and emerging_at is None:
                emerging_at, phrase = now, alert.phrase
                precision = len(driven) / len(alert.message_ids)
            elif alert.kind == Alert.Kind.SPIKE and fired_at is None:
                fired_at, series = now, alert.series_key
    return IncidentReplay(
        seed=seed,
        start=start,
        growth_10pct_at=g10,
        peak=peak,
        fired_at=fired_at,
        series=series,
        alerts_in_week_before=before,
        hourly_counts=tuple(truth["hourly_counts"]),
        hour0=datetime.fromisoformat(truth["hour0"]),
        emerging_fired_at=emerging_at,
        emerging_phrase=phrase,
        emerging_precision=precision,
        emerging_before=emerging_before,
        weeks_before=weeks,
    )
