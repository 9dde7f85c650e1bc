"""Replay the demo world's planted incident through the spike watch, as it would run live.

The demo is stored through the real services, then ``scan_spikes`` runs once to catch up
to the hour the incident starts, and once per hour after that (each run sees only buckets
that have closed by then). The alert "fires" at the first scan that opens an alert whose
driving messages include an incident message. Used by test_spike_watch_demo.py.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from goodwill.analysis.spikes import SpikeConfig
from goodwill.demo.generator import DEFAULT_END
from goodwill.demo.services import build_demo
from goodwill.insights import services
from goodwill.insights.models import Alert
from goodwill.listening.models import Message

HOUR = timedelta(hours=1)


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
    *, seed: int, truth_path: Path, config: SpikeConfig | None = None
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
    before = Alert.objects.filter(window_start__gte=start - timedelta(days=7)).count()
    fired_at: datetime | None = None
    series = ""
    while now <= peak and fired_at is None:
        now += HOUR
        result = services.scan_spikes(now=now, config=config)
        for alert in Alert.objects.filter(pk__in=result.opened).order_by("window_start", "id"):
            if incident_ids.intersection(alert.message_ids):
                fired_at, series = now, alert.series_key
                break
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
    )
