"""Load the demo world through the real services: the same paths real data takes."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection

from goodwill.accounts import services as account_services
from goodwill.customers import services as customer_services
from goodwill.customers.selectors import customer_count
from goodwill.demo.generator import CHANNELS, DemoParams, DemoWorld, generate
from goodwill.demo.phrases import CHANNEL_LABELS
from goodwill.listening import services as listening_services
from goodwill.listening.selectors import message_count
from goodwill.listening.types import BatchResult, MessageItem
from goodwill.utils import chunks

DEMO_PASSWORD = "goodwill-demo"


@dataclass(frozen=True, slots=True)
class StaffLogin:
    username: str
    password: str
    roles: tuple[str, ...]
    first_name: str


STAFF = (
    StaffLogin("admin", DEMO_PASSWORD, ("admin",), "Alex"),
    StaffLogin("supervisor", DEMO_PASSWORD, ("supervisor", "agent"), "Marta"),
    StaffLogin("agent", DEMO_PASSWORD, ("agent",), "Aoife"),
    StaffLogin("agent2", DEMO_PASSWORD, ("agent",), "Tomás"),
    StaffLogin("analyst", DEMO_PASSWORD, ("analyst",), "Priya"),
)


@dataclass(slots=True)
class DemoReport:
    params: DemoParams
    messages: BatchResult = field(default_factory=BatchResult)
    transactions: customer_services.TransactionBatchResult = field(
        default_factory=customer_services.TransactionBatchResult
    )
    staff: tuple[StaffLogin, ...] = STAFF
    summary: dict[str, int] = field(default_factory=dict)
    truth_path: Path | None = None
    generate_seconds: float = 0.0
    load_seconds: float = 0.0


def ground_truth_path() -> Path:
    return Path(settings.GOODWILL_HOME) / "demo" / "ground_truth.json"


def _database_label() -> str:
    db = connection.settings_dict
    return f"{db['ENGINE'].rsplit('.', 1)[-1]}:{db.get('HOST') or ''}/{db['NAME']}"


def stored_demo(*, path: Path | None = None) -> dict[str, Any] | None:
    """The ground truth last written for this database, if any."""
    path = path or ground_truth_path()
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(stored, dict) or stored.get("database") != _database_label():
        return None
    return stored


def same_demo(stored: dict[str, Any], params: DemoParams) -> bool:
    """Same seed and sizes (the end date may differ: a demo built yesterday is this demo)."""
    built = stored.get("params", {})
    return all(built.get(k) == v for k, v in params.fingerprint().items() if k != "end")


def loaded_demo(*, params: DemoParams, path: Path | None = None) -> dict[str, Any] | None:
    """The stored ground truth when this database already holds this demo, else None."""
    stored = stored_demo(path=path)
    if stored is None or not same_demo(stored, params):
        return None
    if message_count() < params.messages or customer_count() < params.customers:
        return None
    return stored


def build_demo(
    *,
    seed: int = 0,
    customers: int = 2000,
    messages: int = 50_000,
    days: int = 90,
    end: datetime | None = None,
    batch_size: int = 2000,
    truth_path: Path | None = None,
    progress: Callable[[int], None] | None = None,
) -> DemoReport:
    """Generate the world and store it: staff, transactions, then messages in batches.

    Idempotent: the second run finds everything unchanged. `progress` is called with the
    number of messages stored after each batch. The planted truth is written to
    GOODWILL_HOME/demo/ground_truth.json (or `truth_path`).
    """
    started = time.perf_counter()
    world = generate(seed=seed, customers=customers, messages=messages, days=days, end=end)
    report = DemoReport(params=world.params, summary=dict(world.summary))
    report.generate_seconds = time.perf_counter() - started

    started = time.perf_counter()
    _create_staff()
    report.transactions = _load_transactions(world, batch_size=batch_size)
    report.messages = _load_messages(world, batch_size=batch_size, progress=progress)
    report.load_seconds = time.perf_counter() - started
    report.truth_path = write_ground_truth(world, path=truth_path)
    return report


def _create_staff() -> None:
    for login in STAFF:
        account_services.create_staff_user(
            username=login.username,
            password=login.password,
            roles=list(login.roles),
            first_name=login.first_name,
        )


def _load_transactions(
    world: DemoWorld, *, batch_size: int
) -> customer_services.TransactionBatchResult:
    total = customer_services.TransactionBatchResult()
    specs = [
        customer_services.TransactionSpec(
            external_id=tx.external_id,
            occurred_at=tx.occurred_at,
            amount=tx.amount,
            currency=tx.currency,
            customer_external_id=tx.customer_id,
            email=tx.email,
        )
        for tx in world.transactions
    ]
    for chunk in chunks(specs, batch_size):
        result = customer_services.record_transactions(specs=chunk)
        total.created += result.created
        total.updated += result.updated
        total.unchanged += result.unchanged
    return total


def _load_messages(
    world: DemoWorld, *, batch_size: int, progress: Callable[[int], None] | None
) -> BatchResult:
    sources = {
        channel: listening_services.get_or_create_source(
            name=f"{world.brand.short} demo: {CHANNEL_LABELS[channel]}",
            channel=channel,
            kind="demo",
        )
        for channel in CHANNELS
    }
    total = BatchResult()
    for chunk in chunks(world.messages, batch_size):
        by_channel: dict[str, list[MessageItem]] = {}
        for item in chunk:
            by_channel.setdefault(item.channel, []).append(item)
        for channel, items in by_channel.items():
            result = listening_services.ingest_batch(source=sources[channel], items=items)
            total.add(result)
        if progress is not None:
            progress(len(chunk))
    return total


def write_ground_truth(world: DemoWorld, *, path: Path | None = None) -> Path:
    """Write the planted truth as JSON (atomically: a reader never sees half a file)."""
    path = path or ground_truth_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    data = world.truth.to_json()
    data["database"] = _database_label()
    data["summary"] = dict(world.summary)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, path)
    return path
