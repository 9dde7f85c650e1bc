"""Reading an input file for the value commands, with errors that name the file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import IO, TypeVar

from django.core.management.base import CommandError

T = TypeVar("T")


def parse_file(path: Path, parse: Callable[[IO[str]], T], format_error: type[Exception]) -> T:
    """Open `path` as UTF-8 text and parse it; any problem becomes a CommandError naming it."""
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            return parse(fh)
    except OSError as exc:
        raise CommandError(f"{path}: cannot read ({exc.strerror or exc})") from None
    except UnicodeDecodeError as exc:
        raise CommandError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except format_error as exc:
        raise CommandError(f"{path}: {exc}") from None
