"""`goodwill bench [NAME ...] [--rows N]`: the benchmark runner, as `python -m benchmarks`."""

from __future__ import annotations

import argparse
from typing import Any

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Run Goodwill's benchmarks against their baselines and print one table "
        "(see benchmarks/README.md). Options after the names go to the benchmarks, "
        "for example: goodwill bench import --rows 1000000"
    )

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("args", nargs=argparse.REMAINDER)

    def run_from_argv(self, argv: list[str]) -> None:
        # Pass everything after "bench" straight to the runner: its options are its own.
        self.execute(*argv[2:], no_color=False, force_color=False, skip_checks=True)

    def execute(self, *args: Any, **options: Any) -> None:
        try:
            from benchmarks.runner import main
        except ImportError as exc:  # pragma: no cover - installed without the benchmarks
            raise CommandError(f"the benchmarks package is not installed: {exc}") from exc
        code = main([str(a) for a in args], prog="goodwill bench")
        if code:
            raise CommandError(f"benchmarks failed (exit status {code})")
