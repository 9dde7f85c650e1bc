"""Writes of the insights app: spike alerts (scan, acknowledge, resolve) and taxonomy edits.

Spike watch: customer messages are counted per bucket (hourly by default) for every series
``topic | sentiment | channel``, plus the same topic and sentiment over all channels
(``channel = "*"``): a spark spread thinly over several channels only shows in the sum.
The online detector (:mod:`goodwill.analysis.spikes`) scores each new bucket against
everything before it; its state is stored in :class:`SpikeWatch`, so each scan reads only
the buckets that closed since the last one. An alarm opens an :class:`Alert` (or extends
the series' alert that is still open) and emits the event ``spike.detected``.

Emerging phrases (:func:`scan_emerging`, run by the same periodic job): a phrase that was
rare in the last four weeks, suddenly said by several distinct people within a few hours
(:mod:`goodwill.analysis.emerging`). It sees a spark that is too faint and too spread over
topics and channels for any count series. It opens an :class:`Alert` of kind
``emerging`` (or grows the open alert that shares a term with it) and emits
``phrase.emerging``: a separate event type, because its facts are a phrase and its terms,
not a topic, sentiment and channel, and rules written for volume spikes read those.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from goodwill.accounts import services as account_services
from goodwill.analysis.emerging import (
    EmergingConfig,
    EmergingPhrase,
    Post,
    same_story,
    scan_grid,
    terms_many,
)
from goodwill.analysis.emerging import scan_emerging as find_emerging
from goodwill.analysis.spikes import SpikeConfig, SpikeDetector
from goodwill.analysis.topics import MAX_TOPICS, Taxonomy, Topic, default_taxonomy
from goodwill.analysis.understand import analyse
from goodwill.events import services as event_services
from goodwill.insights import selectors
from goodwill.insights.emerging_cache import EmergingWindow
from goodwill.insights.models import (
    Alert,
    EmergingWatch,
    SpikeWatch,
    TaxonomyVersion,
    ThemeSnapshot,
    TopicDefinition,
)
from goodwill.insights.selectors import ALL_CHANNELS, NO_TOPIC, series_key, split_series_key
from goodwill.listening import selectors as listening_selectors
from goodwill.listening.selectors import MessageFacts

SPIKE_EVENT = "spike.detected"
ZERO_SERIES = ""  # the detector column that only ever sees zeros (see _scan_window)
BUCKET_KINDS = {3600: "hour", 86400: "day"}
WINDOW_BUCKETS = 24 * 7  # buckets read by one GROUP BY query (and stored in one transaction)
HISTORY_BUCKETS = 24  # buckets before an alert kept for its chart
MAX_HISTORY = 24 * 8
MAX_DRIVERS = 50  # message ids kept per alert
MERGE_BUCKETS = 3  # an alarm at most this many buckets after an alert's end extends it
DEFAULT_LOOKBACK = timedelta(days=90)  # how far back the first scan starts
# The benchmarked detector, except that one or two messages in a bucket never alarm: on a
# quiet series a pair of posts (often one person writing twice) is not worth anyone's time.
# On the demo world this cuts the alerts in the week before the incident from 6 to 2 and
# does not delay the incident's alert (benchmarks/README-alerts.md).
WATCH_CONFIG = SpikeConfig(min_value=3.0)


@dataclass(slots=True)
class ScanResult:
    buckets: int = 0
    series: int = 0
    alarms: int = 0
    opened: list[int] = field(default_factory=list)  # ids of the alerts opened
    extended: int = 0
    analysed_here: int = 0  # messages without stored analysis, analysed for counting
    processed_until: datetime | None = None


def scan_spikes(
    *,
    now: datetime | None = None,
    watch: str = "default",
    config: SpikeConfig | None = None,
    lookback: timedelta = DEFAULT_LOOKBACK,
) -> ScanResult:
    """Score every bucket that closed since the last scan (at most ``lookback`` back).

    Idempotent: a second run at the same ``now`` finds nothing new. Buckets are stored a
    week at a time, each in one transaction, so an interrupted scan resumes where it stopped.
    Messages imported later into a bucket already scored are not counted again.
    """
    now = now or timezone.now()
    result = ScanResult()
    while _scan_window(now=now, name=watch, config=config, lookback=lookback, result=result):
        pass
    return result


def _floor(moment: datetime, width: int) -> datetime:
    ts = int(moment.timestamp())
    return datetime.fromtimestamp(ts - ts % width, tz=UTC)


@dataclass(slots=True)
class _Recent:
    """The last HISTORY_BUCKETS observed and expected values of every series (for charts)."""

    times: list[float]
    observed: np.ndarray[Any, np.dtype[np.float64]]  # (len(times), n_series)
    expected: np.ndarray[Any, np.dtype[np.float64]]

    def widen(self, n: int) -> None:
        extra = n - self.observed.shape[1]
        if extra > 0:
            pad = np.zeros((self.observed.shape[0], extra))
            self.observed = np.hstack([self.observed, pad])
            self.expected = np.hstack([self.expected, pad])

    def push(self, t: float, observed: Any, expected: Any) -> None:
        self.times = [*self.times, t][-HISTORY_BUCKETS:]
        self.observed = np.vstack([self.observed, observed])[-HISTORY_BUCKETS:]
        self.expected = np.vstack([self.expected, expected])[-HISTORY_BUCKETS:]

    def column(self, j: int, since: float) -> list[list[Any]]:
        return [
            [_iso(t), int(self.observed[i, j]), round(float(self.expected[i, j]), 3)]
            for i, t in enumerate(self.times)
            if t >= since
        ]


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=UTC).isoformat()


def _load_state(
    watch: SpikeWatch, config: SpikeConfig | None
) -> tuple[SpikeDetector | None, _Recent]:
    if not watch.state:
        return None, _Recent([], np.zeros((0, 0)), np.zeros((0, 0)))
    with np.load(io.BytesIO(bytes(watch.state))) as data:
        arrays = {k: data[k] for k in data.files}
    recent = _Recent(
        [float(t) for t in arrays.pop("recent_times")],
        arrays.pop("recent_observed"),
        arrays.pop("recent_expected"),
    )
    return SpikeDetector.restore(arrays, config or WATCH_CONFIG), recent


def _dump_state(detector: SpikeDetector, recent: _Recent) -> bytes:
    buffer = io.BytesIO()
    arrays = {
        **detector.state(),
        "recent_times": np.array(recent.times, dtype=np.float64),
        "recent_observed": recent.observed,
        "recent_expected": recent.expected,
    }
    np.savez_compressed(buffer, **arrays)  # type: ignore[arg-type]  # numpy stubs: allow_pickle
    return buffer.getvalue()


def _keys_of(channel: str, sentiment: str, topics: Sequence[str]) -> Iterable[str]:
    for topic in topics or (NO_TOPIC,):
        yield series_key(topic, sentiment, channel)
        yield series_key(topic, sentiment, ALL_CHANNELS)


Analysis = tuple[str, tuple[str, ...]]  # sentiment, topics


def _analysed(facts: list[MessageFacts], taxonomy: Taxonomy) -> dict[int, Analysis]:
    """Sentiment and topics of messages the pipeline has not analysed yet (not stored)."""
    if not facts:
        return {}
    results = analyse([f.text for f in facts], taxonomy=taxonomy)
    return {f.id: (r.sentiment, tuple(r.topics)) for f, r in zip(facts, results, strict=True)}


def _scan_window(
    *,
    now: datetime,
    name: str,
    config: SpikeConfig | None,
    lookback: timedelta,
    result: ScanResult,
) -> bool:
    """Score up to WINDOW_BUCKETS closed buckets in one transaction; False when none is left."""
    with transaction.atomic():
        watch, _ = SpikeWatch.objects.select_for_update().get_or_create(name=name)
        width = watch.bucket_seconds
        if width not in BUCKET_KINDS:
            raise ValueError(f"spike watch {name!r}: bucket_seconds must be 3600 or 86400")
        end = _floor(now, width)
        start = watch.processed_until
        if start is None:
            first = listening_selectors.first_customer_message_at()
            if first is None:
                return False
            start = max(_floor(first, width), _floor(end - lookback, width))
        if start >= end:
            return False
        stop = min(end, start + timedelta(seconds=width * WINDOW_BUCKETS))
        steps = int((stop - start).total_seconds()) // width

        # One GROUP BY for what is analysed; messages the pipeline has not analysed yet are
        # analysed here (in memory) so that every customer message counts.
        counts: dict[tuple[int, str], int] = {}
        pending = False
        start_ts = start.timestamp()
        for row in listening_selectors.message_bucket_counts(
            since=start, until=stop, bucket=BUCKET_KINDS[width]
        ):
            if not row.sentiment:
                pending = True
                continue
            i = int(row.bucket.timestamp() - start_ts) // width
            for key in _keys_of(row.channel, row.sentiment, row.topics):
                counts[(i, key)] = counts.get((i, key), 0) + row.count
        taxonomy = selectors.current_taxonomy()
        if pending:
            facts = listening_selectors.customer_message_facts(
                since=start, until=stop, unanalysed_only=True
            )
            found = _analysed(facts, taxonomy)
            result.analysed_here += len(found)
            for f in facts:
                sentiment, topics = found[f.id]
                i = int(f.created_at.timestamp() - start_ts) // width
                for key in _keys_of(f.channel, sentiment, topics):
                    counts[(i, key)] = counts.get((i, key), 0) + 1

        # Column 0 is always fed zeros; a series seen for the first time starts as a copy of
        # it, so a scan every hour and one scan over the whole day give the same alerts.
        series: list[str] = list(watch.series) or [ZERO_SERIES]
        column = {key: j for j, key in enumerate(series)}
        for _, key in sorted(counts):
            if key not in column:
                column[key] = len(series)
                series.append(key)
        detector, recent = _load_state(watch, config)
        if len(series) == 1:
            watch.processed_until = stop
            watch.save(update_fields=["processed_until", "updated_at"])
            result.buckets += steps
            result.processed_until = stop
            return True
        if detector is None:
            detector = SpikeDetector(len(series), config or WATCH_CONFIG)
        else:
            detector.add_series(len(series) - detector.n_series, like=0)
        recent.widen(len(series))
        matrix = np.zeros((steps, len(series)))
        for (i, key), n in counts.items():
            matrix[i, column[key]] = n

        zone = timezone.get_default_timezone()
        alarms: list[tuple[int, int, float, float]] = []  # step, column, expected, score
        histories: dict[tuple[int, int], list[list[Any]]] = {}
        for i in range(steps):
            moment = start + timedelta(seconds=width * i)
            ts = moment.timestamp()
            offset = moment.astimezone(zone).utcoffset()
            local = ts + (offset.total_seconds() if offset else 0.0)
            step = detector.update(ts, matrix[i], local_seconds=local)
            recent.push(ts, matrix[i], step.expected)
            for j in np.flatnonzero(step.is_spike).tolist():
                alarms.append((i, j, float(step.expected[j]), float(step.score[j])))
                histories[(i, j)] = recent.column(j, since=ts - width * HISTORY_BUCKETS)

        _record_alarms(
            alarms=alarms,
            histories=histories,
            matrix=matrix,
            series=series,
            start=start,
            width=width,
            taxonomy=taxonomy,
            result=result,
        )
        watch.series = series
        watch.state = _dump_state(detector, recent)
        watch.processed_until = stop
        watch.save()
        result.buckets += steps
        result.series = len(series) - 1
        result.alarms += len(alarms)
        result.processed_until = stop
        return True


def _record_alarms(
    *,
    alarms: list[tuple[int, int, float, float]],
    histories: dict[tuple[int, int], list[list[Any]]],
    matrix: Any,
    series: list[str],
    start: datetime,
    width: int,
    taxonomy: Taxonomy,
    result: ScanResult,
) -> None:
    if not alarms:
        return
    keys = {series[j] for _, j, _, _ in alarms}
    live: dict[str, Alert] = {}
    for alert in Alert.objects.filter(series_key__in=keys).exclude(status=Alert.Status.RESOLVED):
        known = live.get(alert.series_key)
        if known is None or alert.window_end > known.window_end:
            live[alert.series_key] = alert
    drivers = _Drivers(taxonomy)
    gap = timedelta(seconds=width * MERGE_BUCKETS)
    for i, j, expected, score in alarms:
        key = series[j]
        bucket_start = start + timedelta(seconds=width * i)
        bucket_end = bucket_start + timedelta(seconds=width)
        observed = int(matrix[i, j])
        ids = drivers.ids(key, bucket_start, bucket_end)
        current = live.get(key)
        if current is not None and current.window_end >= bucket_start - gap:
            alert = current
            seen = {row[0] for row in alert.history}
            alert.history = [
                *alert.history,
                *(row for row in histories[(i, j)] if row[0] not in seen),
            ][-MAX_HISTORY:]
            alert.window_end = bucket_end
            alert.observed += observed
            alert.expected += expected
            alert.score = max(alert.score, score)
            alert.message_ids = [*alert.message_ids, *ids][:MAX_DRIVERS]
            alert.save()
            result.extended += 1
            continue
        topic, sentiment, channel = split_series_key(key)
        alert = Alert.objects.create(
            series_key=key,
            topic=topic,
            sentiment=sentiment,
            channel=channel,
            window_start=bucket_start,
            window_end=bucket_end,
            score=score,
            expected=expected,
            observed=observed,
            message_ids=ids[:MAX_DRIVERS],
            history=histories[(i, j)],
        )
        live[key] = alert
        result.opened.append(alert.pk)
        event_services.emit(
            type=SPIKE_EVENT,
            occurred_at=bucket_end,
            dedupe_key=f"{SPIKE_EVENT}:{key}:{bucket_start.isoformat()}"[:200],
            payload={
                "alert_id": alert.pk,
                "series": key,
                "topic": topic,
                "sentiment": sentiment,
                "channel": channel,
                "window_start": bucket_start.isoformat(),
                "bucket_seconds": width,
                "observed": observed,
                "expected": round(expected, 3),
                "score": round(score, 2),
                "message_ids": ids[:10],
            },
        )


class _Drivers:
    """The messages in an alarming bucket that belong to the alarming series."""

    def __init__(self, taxonomy: Taxonomy) -> None:
        self.taxonomy = taxonomy
        self.buckets: dict[datetime, list[tuple[int, str, str, tuple[str, ...]]]] = {}

    def ids(self, key: str, since: datetime, until: datetime) -> list[int]:
        rows = self.buckets.get(since)
        if rows is None:
            facts = listening_selectors.customer_message_facts(since=since, until=until)
            computed = _analysed([f for f in facts if not f.sentiment], self.taxonomy)
            rows = self.buckets[since] = [
                (f.id, f.channel, *computed.get(f.id, (f.sentiment, f.topics))) for f in facts
            ]
        topic, sentiment, channel = split_series_key(key)
        return [
            pk
            for pk, ch, sent, topics in rows
            if sent == sentiment
            and (channel == ALL_CHANNELS or ch == channel)
            and (topic in topics if topic != NO_TOPIC else not topics)
        ][:MAX_DRIVERS]


# ----------------------------------------------------------------------------- emerging

EMERGING_EVENT = "phrase.emerging"
# The analysis defaults, chosen on principle (README-alerts.md): a 3-hour window, 28 days of
# baseline, 3 distinct authors, alpha 0.01 per scan over all terms heard (Bonferroni), a
# scan every 5 minutes (the periodic job's cadence).
EMERGING_CONFIG = EmergingConfig()
EMERGING_CHUNK = timedelta(days=7)  # scan times handled in one transaction
EMERGING_MERGE = timedelta(hours=24)  # a phrase back within this of its alert's end extends it
MAX_PHRASE_DRIVERS = 200  # message ids kept per emerging alert
_TERMS_CACHE: dict[int, tuple[str, tuple[str, ...]]] = {}  # message id -> (text, terms)
_TERMS_CACHE_MAX = 400_000
_EMERGING_WINDOWS: dict[str, EmergingWindow] = {}  # watch name -> its posts, this process


@dataclass(slots=True)
class EmergingResult:
    scans: int = 0  # scan times evaluated (one every config.step_minutes)
    hours: float = 0.0  # hours of history those scans covered
    phrases: int = 0  # emerging phrases found (one per phrase and scan time)
    opened: list[int] = field(default_factory=list)  # ids of the alerts opened
    extended: int = 0
    processed_until: datetime | None = None


def _terms(rows: Sequence[tuple[int, datetime, int | None, str]]) -> list[tuple[str, ...]]:
    """Each message's terms; kept per message id while its text is unchanged (hourly scans
    re-read four weeks of messages, tokenising them once is what keeps a scan cheap)."""
    missing = [
        i for i, (pk, _, _, text) in enumerate(rows) if _TERMS_CACHE.get(pk, ("",))[0] != text
    ]
    if missing:
        if len(_TERMS_CACHE) + len(missing) > _TERMS_CACHE_MAX:
            _TERMS_CACHE.clear()
        computed = terms_many([rows[i][3] for i in missing])
        for i, terms in zip(missing, computed, strict=True):
            _TERMS_CACHE[rows[i][0]] = (rows[i][3], terms)
    return [_TERMS_CACHE[pk][1] for pk, _, _, _ in rows]


def scan_emerging(
    *,
    now: datetime | None = None,
    watch: str = "default",
    config: EmergingConfig | None = None,
    lookback: timedelta = DEFAULT_LOOKBACK,
    incremental: bool = True,
) -> EmergingResult:
    """Look for emerging phrases at every step (``config.step_minutes``, 5 by default) up
    to ``now`` floored to the step, since the last scan.

    Each scan reads only messages before its time, so a catch-up in one call and a call at
    every step find the same phrases in the same order. Idempotent: a second run at the
    same ``now`` finds nothing new. A week of scans is handled per transaction, so an
    interrupted catch-up resumes where it stopped.

    ``incremental``: the posts of the reach come from the process's
    :class:`~goodwill.insights.emerging_cache.EmergingWindow` of the watch, which reads only
    the messages it has not seen (the same posts as a full read, checked at every call);
    False reads the whole reach, as before it. Each worker process keeps its own window:
    the watch's row lock, held while reading and recording, is what keeps two workers from
    scanning the same times, not the cache.
    """
    now = now or timezone.now()
    result = EmergingResult()
    while _emerging_window(
        now=now,
        name=watch,
        config=config or EMERGING_CONFIG,
        lookback=lookback,
        result=result,
        incremental=incremental,
    ):
        pass
    return result


def _emerging_window(
    *,
    now: datetime,
    name: str,
    config: EmergingConfig,
    lookback: timedelta,
    result: EmergingResult,
    incremental: bool,
) -> bool:
    with transaction.atomic():
        watch, _ = EmergingWatch.objects.select_for_update().get_or_create(name=name)
        step = config.step_minutes * 60
        end = _floor(now, step)
        first = listening_selectors.first_customer_message_at()
        if first is None:
            return False
        start = watch.processed_until or max(_floor(first, step), _floor(end - lookback, step))
        if start >= end:
            return False
        stop = min(end, start + EMERGING_CHUNK)
        reach = start - timedelta(hours=config.window_hours, days=config.baseline_days)
        posts: Sequence[Post]
        if incremental:
            posts = _EMERGING_WINDOWS.setdefault(name, EmergingWindow()).posts(
                key=(name, config), reach=reach, start=watch.processed_until, stop=stop
            )
        else:
            rows = listening_selectors.customer_message_texts(since=reach, until=stop)
            posts = [
                Post(pk, at.timestamp(), author or 0, terms)
                for (pk, at, author, _), terms in zip(rows, _terms(rows), strict=True)
            ]
        scans = scan_grid(start.timestamp(), stop.timestamp(), config)
        found = find_emerging(
            posts, scan_times=scans, config=config, history_start=first.timestamp()
        )
        for _, phrases in found:
            for phrase in phrases:
                _record_phrase(phrase, result)
        watch.processed_until = stop
        watch.save()
        result.scans += len(scans)
        result.hours += (stop - start) / timedelta(hours=1)
        result.processed_until = stop
        return True


def _at(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, tz=UTC)


def _grow(current: Alert, phrase: EmergingPhrase, point: list[Any], window_end: datetime) -> None:
    """Grow a live emerging alert with a later scan's phrase.

    Only the phrase's messages from after the alert's window end are new: the earlier ones
    were in a window already counted (scans every 5 minutes see each message in ~36
    windows). The alert keeps only MAX_PHRASE_DRIVERS ids, so the ids cannot tell which
    were counted once the list is full: counting by the ids alone added the whole 3-hour
    window again at every scan (one demo alert claimed 48,813 messages of ~1,000). What
    was expected grows at the phrase's expected rate over the time the alert now covers,
    and the chart keeps points at least 15 minutes apart (the latest one moves on until
    it is); when its MAX_HISTORY points are full it keeps every other one, so the chart
    still starts where the story did.
    """
    counted_until = current.window_end.timestamp()
    known = set(current.message_ids)
    new_ids = [
        pk
        for pk, at in zip(phrase.message_ids, phrase.message_times, strict=True)
        if at >= counted_until and pk not in known
    ]
    current.message_ids = [*current.message_ids, *new_ids][:MAX_PHRASE_DRIVERS]
    current.observed += len(new_ids)
    span = phrase.window_end - phrase.window_start
    gained = max(0.0, window_end.timestamp() - counted_until)
    if span > 0:
        current.expected += phrase.expected * min(1.0, gained / span)
    current.terms = [*current.terms, *(t for t in phrase.terms if t not in current.terms)]
    current.window_end = max(current.window_end, window_end)
    current.score = max(current.score, phrase.score)
    history = list(current.history)
    if len(history) >= 2 and _parsed(history[-1][0]) - _parsed(history[-2][0]) < HISTORY_STEP:
        history[-1] = point  # the latest point moves on until it is a step from the one before
    else:
        history.append(point)
    if len(history) > MAX_HISTORY:  # full: every other point, so the spark stays on the chart
        history = [*history[:-1:2], history[-1]]
    current.history = history
    current.save()


def _parsed(iso: str) -> float:
    return datetime.fromisoformat(iso).timestamp()


# The finest step of an emerging alert's chart (scans run every 5 minutes).
HISTORY_STEP = 15 * 60


def _record_phrase(phrase: EmergingPhrase, result: EmergingResult) -> None:
    """Open an alert for the phrase, or grow the live one that tells the same story."""
    result.phrases += 1
    window_start, window_end = _at(phrase.window_start), _at(phrase.window_end)
    point = [_iso(phrase.window_end - 3600), phrase.authors, round(phrase.expected, 3)]
    live = (
        Alert.objects.filter(
            kind=Alert.Kind.EMERGING, window_end__gte=window_start - EMERGING_MERGE
        )
        .exclude(status=Alert.Status.RESOLVED)
        .order_by("-window_end", "-id")
    )
    key = f"phrase:{phrase.phrase}"[:300]
    current = next(
        (
            a
            for a in live
            if same_story(
                phrase.terms, phrase.message_ids, alert_terms=a.terms, alert_ids=a.message_ids
            )
        ),
        None,
    )
    if current is None:
        current = Alert.objects.filter(series_key=key, window_start=window_start).first()
    if current is not None:
        _grow(current, phrase, point, window_end)
        result.extended += 1
        return
    alert = Alert.objects.create(
        kind=Alert.Kind.EMERGING,
        series_key=key,
        phrase=phrase.phrase[:200],
        terms=list(phrase.terms),
        topic="",
        sentiment="",
        channel=ALL_CHANNELS,
        window_start=window_start,
        window_end=window_end,
        score=phrase.score,
        expected=phrase.expected,
        observed=len(phrase.message_ids),
        message_ids=list(phrase.message_ids[:MAX_PHRASE_DRIVERS]),
        history=[point],
    )
    result.opened.append(alert.pk)
    event_services.emit(
        type=EMERGING_EVENT,
        occurred_at=window_end,
        dedupe_key=event_services.dedupe_key(EMERGING_EVENT, key, window_start.isoformat()),
        payload={
            "alert_id": alert.pk,
            "phrase": phrase.phrase,
            "terms": list(phrase.terms),
            "window_start": window_start.isoformat(),
            "window_end": window_end.isoformat(),
            "authors": phrase.authors,
            "expected": round(phrase.expected, 3),
            "baseline_votes": phrase.baseline_votes,
            "score": round(phrase.score, 2),
            "threshold": round(phrase.threshold, 2),
            "message_ids": list(phrase.message_ids[:10]),
        },
    )


def _change_status(*, alert: Alert, actor: Any, to: str, allowed_from: set[str]) -> Alert:
    with transaction.atomic():
        locked = Alert.objects.select_for_update().get(pk=alert.pk)
        if locked.status not in allowed_from:
            now, wanted = Alert.Status(locked.status).label, Alert.Status(to).label
            raise ValueError(
                f"alert {locked.pk} is {now.lower()}, so it cannot become {wanted.lower()}"
            )
        was = locked.status
        locked.status = to
        locked.save(update_fields=["status", "updated_at"])
        account_services.audit(
            actor=actor,
            action=f"alert.{to}",
            target=locked,
            data={"from": was, "series": locked.series_key},
        )
    return locked


def acknowledge_alert(*, alert: Alert, actor: Any) -> Alert:
    """Someone is looking at it (only an open alert can be acknowledged)."""
    return _change_status(
        alert=alert, actor=actor, to=Alert.Status.ACKNOWLEDGED, allowed_from={Alert.Status.OPEN}
    )


def resolve_alert(*, alert: Alert, actor: Any) -> Alert:
    """Dealt with; a later alarm on the same series opens a new alert."""
    return _change_status(
        alert=alert,
        actor=actor,
        to=Alert.Status.RESOLVED,
        allowed_from={Alert.Status.OPEN, Alert.Status.ACKNOWLEDGED},
    )


def refresh_themes(*, until: datetime | None = None) -> selectors.ThemeReport | None:
    """Compute the "new themes" report and store it for /alerts/ (run by the periodic scan).

    ``until`` defaults to the newest customer message; None (and nothing stored) when there
    are no messages. Storing replaces the previous report in one upsert.
    """
    report = selectors.recent_themes(until=until)
    if report is None:
        return None
    ThemeSnapshot.objects.update_or_create(
        name=selectors.RECENT_THEMES,
        defaults={
            "since": report.since,
            "until": report.until,
            "baseline_since": report.baseline_since,
            "recent_messages": report.recent_messages,
            "baseline_messages": report.baseline_messages,
            "themes": [{**asdict(t), "example_ids": list(t.example_ids)} for t in report.themes],
            "example_texts": report.example_texts,
        },
    )
    return report


# ----------------------------------------------------------------------------- taxonomy
# The first edit stores the packaged taxonomy as version 1 and the edit as version 2; every
# edit stores a whole new version (old ones never change), audited.

MAX_TERMS = 200
MAX_TERM_CHARS = 200


class TopicError(ValueError):
    """An edit was refused; ``field`` names the form field at fault ("" for the whole form)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field
        self.message = message


@dataclass(frozen=True, slots=True)
class TopicForm:
    """A topic as typed in the editor: keywords and examples one per line."""

    name: str
    keywords: tuple[str, ...]
    examples: tuple[str, ...]

    @classmethod
    def from_text(cls, *, name: str, keywords: str, examples: str) -> TopicForm:
        def lines(text: str) -> tuple[str, ...]:
            out: list[str] = []
            for raw in text.splitlines():
                line = " ".join(raw.split())
                if line and line not in out:
                    out.append(line)
            return tuple(out)

        return cls(name=" ".join(name.split()), keywords=lines(keywords), examples=lines(examples))


def _validate(form: TopicForm, others: Sequence[Topic]) -> None:
    if not form.name:
        raise TopicError("name", "a topic needs a name")
    if "/" in form.name or "|" in form.name:
        raise TopicError("name", "a topic name cannot contain '/' or '|'")
    if len(form.name) > 100:
        raise TopicError("name", f"at most 100 characters, got {len(form.name)}")
    if any(t.name.casefold() == form.name.casefold() for t in others):
        raise TopicError("name", f"a topic named {form.name!r} already exists")
    if not form.keywords and not form.examples:
        raise TopicError("keywords", "give at least one keyword or one seed example")
    for name, values in (("keywords", form.keywords), ("examples", form.examples)):
        if len(values) > MAX_TERMS:
            raise TopicError(name, f"at most {MAX_TERMS} lines, got {len(values)}")
        for i, value in enumerate(values, start=1):
            if len(value) > MAX_TERM_CHARS:
                raise TopicError(name, f"line {i} is longer than {MAX_TERM_CHARS} characters")
    if len(others) + 1 > MAX_TOPICS:
        raise TopicError("", f"a taxonomy holds at most {MAX_TOPICS} topics")


def _store(topics: Sequence[Topic], *, actor: Any, note: str, threshold: float) -> TaxonomyVersion:
    # Validated once more as a whole, by the same code that loads a taxonomy from JSON.
    Taxonomy.from_dict(
        {
            "topics": [
                {"name": t.name, "keywords": list(t.keywords), "examples": list(t.examples)}
                for t in topics
            ],
            "example_threshold": threshold,
        }
    )
    newest = TaxonomyVersion.objects.aggregate(n=Max("number"))["n"] or 0
    version = TaxonomyVersion.objects.create(
        number=newest + 1,
        note=note[:200],
        example_threshold=threshold,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    TopicDefinition.objects.bulk_create(
        TopicDefinition(
            version=version,
            position=i,
            name=t.name,
            keywords=list(t.keywords),
            examples=list(t.examples),
        )
        for i, t in enumerate(topics)
    )
    selectors.invalidate_taxonomy_cache()
    transaction.on_commit(selectors.invalidate_taxonomy_cache)
    return version


def _editable() -> tuple[list[Topic], float]:
    """The current topics, storing the packaged taxonomy as version 1 on the first edit."""
    if selectors.current_version() is None:
        packaged = default_taxonomy()
        _store(
            packaged.topics,
            actor=None,
            note="seeded from the packaged taxonomy",
            threshold=packaged.example_threshold,
        )
    taxonomy = selectors.current_taxonomy()
    return list(taxonomy.topics), taxonomy.example_threshold


@transaction.atomic
def save_topic(*, actor: Any, form: TopicForm, original: str = "") -> TaxonomyVersion:
    """Add a topic (``original`` empty) or change the topic named ``original``."""
    topics, threshold = _editable()
    names = [t.name for t in topics]
    if original and original not in names:
        raise TopicError("name", f"there is no topic named {original!r} (it may have been removed)")
    others = [t for t in topics if t.name != original]
    _validate(form, others)
    topic = Topic(name=form.name, keywords=form.keywords, examples=form.examples)
    if original:
        topics[names.index(original)] = topic
        renamed = f" (was {original!r})" if original != form.name else ""
        note = f"edited {form.name!r}{renamed}"
    else:
        topics.append(topic)
        note = f"added {form.name!r}"
    version = _store(topics, actor=actor, note=note, threshold=threshold)
    account_services.audit(
        actor=actor,
        action="taxonomy.topic_added" if not original else "taxonomy.topic_edited",
        target=version,
        data={
            "topic": form.name,
            "was": original,
            "keywords": list(form.keywords),
            "examples": list(form.examples),
            "version": version.number,
        },
    )
    return version


@transaction.atomic
def delete_topic(*, actor: Any, name: str) -> TaxonomyVersion:
    topics, threshold = _editable()
    kept = [t for t in topics if t.name != name]
    if len(kept) == len(topics):
        raise TopicError("name", f"there is no topic named {name!r}")
    if not kept:
        raise TopicError("name", "the last topic cannot be removed")
    version = _store(kept, actor=actor, note=f"removed {name!r}", threshold=threshold)
    account_services.audit(
        actor=actor,
        action="taxonomy.topic_removed",
        target=version,
        data={"topic": name, "version": version.number},
    )
    return version
