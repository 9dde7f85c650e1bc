"""Benchmarks that measure one demo seed in a child process, each with a fresh SQLite
database in its own temporary GOODWILL_HOME (no DATABASE_URL or REDIS_URL passed on).

The benchmark module runs itself as ``python -m <module> --one SEED`` and reads the JSON
object the child prints last; :func:`main` dispatches between that child and the run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from typing import Any


def in_child(module: str, seed: int, *, prefix: str) -> dict[str, Any]:
    """``module``'s ``--one SEED`` result, run in a child with a fresh GOODWILL_HOME."""
    with tempfile.TemporaryDirectory(prefix=prefix) as home:
        env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
        env["GOODWILL_HOME"] = home
        done = subprocess.run(
            [sys.executable, "-m", module, "--one", str(seed)],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def setup_django() -> None:
    """In the child: Django set up and the fresh database migrated."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "goodwill.settings")
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def main(
    argv: Sequence[str] | None,
    *,
    one: Callable[[int], dict[str, Any]],
    run: Callable[[Sequence[str]], list[dict[str, Any]]],
    line: Callable[[dict[str, Any]], str],
) -> None:
    """``--one SEED``: print ``one(SEED)`` as JSON (the child); otherwise print ``line`` of
    each row of ``run``."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["--one"]:
        print(json.dumps(one(int(args[1]))))
        return
    for row in run(args):
        print(line(row))
