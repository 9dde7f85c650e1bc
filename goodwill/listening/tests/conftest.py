"""Fixtures for the listening tests: ``fake_server`` (see fakes.py) and ``redis_app``."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import kombu.pools
import pytest
from celery.signals import task_postrun
from django.db import connections

from goodwill.celery import app
from goodwill.listening.tests.fakes import fake_server  # noqa: F401 (a fixture)


@pytest.fixture
def redis_app(redis_url: str) -> Iterator[str]:
    """The Celery app on Redis for one test with a private queue; restored afterwards."""
    queue = f"goodwill-test-{uuid.uuid4().hex}"
    keys = (
        "broker_url",
        "result_backend",
        "task_always_eager",
        "task_default_queue",
        "worker_hijack_root_logger",
    )
    saved = {key: app.conf[key] for key in keys}

    def reset_clients() -> None:
        close_clients()
        # The app caches its broker pool and result backend; drop them so the new URLs apply.
        app._pool = None
        app.amqp._producer_pool = None
        app._backend_cache = None
        if hasattr(app._local, "backend"):
            del app._local.backend
        # The queue set and router are cached from the first configuration: recompute them,
        # so this test's queue does not stay the default for other worker tests.
        for cached in ("default_queue", "queues", "router"):
            app.amqp.__dict__.pop(cached, None)

    def close_clients() -> None:
        # Close the cached Redis connections before dropping them: a socket left for the garbage
        # collector raises ResourceWarning later, inside whichever test happens to be running.
        if app._pool is not None:
            app._pool.force_close_all()
        kombu.pools.reset()  # producer pools are shared process-wide: close and forget them all
        for backend in {
            id(b): b
            for b in (app._backend_cache, getattr(app._local, "backend", None), *worker_backends)
            if b is not None
        }.values():
            consumer = getattr(backend, "result_consumer", None)
            if consumer is not None:
                consumer.stop()
            client = backend.__dict__.get("client")  # a cached_property: only if it was built
            if client is not None:
                client.connection_pool.disconnect()

    # The backend is per thread: the worker thread's own (with its Redis client) is kept here
    # so that it is closed below rather than left for the garbage collector when it ends.
    worker_backends: list[Any] = []

    def close_worker_connections(**_: Any) -> None:
        connections.close_all()  # runs in the worker thread: release its database connections
        worker_backends.append(getattr(app._local, "backend", None))

    app.conf.update(
        broker_url=redis_url,
        result_backend=redis_url,
        task_always_eager=False,
        task_default_queue=queue,
        worker_hijack_root_logger=False,  # leave pytest's log capture alone
    )
    reset_clients()
    task_postrun.connect(close_worker_connections, weak=False)
    try:
        yield queue
    finally:
        task_postrun.disconnect(close_worker_connections)
        try:
            with app.connection_for_write() as conn:
                conn.default_channel.queue_delete(queue)
        finally:
            app.conf.update(saved)
            reset_clients()
