"""Project-wide test fixtures: shared data location, Redis for Celery tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Shared fixtures for view, API and browser tests (user, signed_in, api_client).
pytest_plugins = ["goodwill.web.tests.helpers"]

SHARED_DATA = Path(__file__).resolve().parent.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """../shared/data, or skip with the reason when it is not there."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data not found at {SHARED_DATA} (see ../shared/data/README.md)")
    return SHARED_DATA


def shared_file(relative: str) -> Path:
    path = SHARED_DATA / relative
    if not path.is_file():
        pytest.skip(f"{path} is absent; this check needs ../shared/data/{relative}")
    return path


@pytest.fixture(scope="session")
def redis_url() -> str:
    url = os.environ.get("REDIS_URL_FOR_TESTS", "redis://127.0.0.1:6379/15")
    import redis

    try:
        # Closed at once: a socket left for the garbage collector warns in a later, unrelated test.
        with redis.Redis.from_url(url, socket_connect_timeout=2) as client:
            client.ping()
    except redis.exceptions.ConnectionError as exc:  # pragma: no cover - environment
        pytest.fail(f"Redis is needed for Celery tests at {url}: {exc}")
    return url
