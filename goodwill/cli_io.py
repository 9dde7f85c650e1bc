"""Reading input files for the command-line tools, with errors that name the file."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TypeVar

from django.core.management.base import CommandError

T = TypeVar("T")


@contextmanager
def reading(path: Path, *format_errors: type[Exception]) -> Iterator[None]:
    """Turn an unreadable file, bytes that are not UTF-8, or one of `format_errors` raised
    inside the block into a CommandError that names `path`."""
    try:
        yield
    except OSError as exc:
        other = exc.filename is not None and Path(exc.filename) != path
        if other:  # e.g. the output file of a command that streams input to output
            raise CommandError(f"{exc.filename}: {exc.strerror or exc}") from None
        raise CommandError(f"{path}: cannot read ({exc.strerror or exc})") from None
    except UnicodeDecodeError as exc:
        raise CommandError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except format_errors as exc:
        raise CommandError(f"{path}: {exc}") from None


def parse_file(path: Path, parse: Callable[[IO[str]], T], format_error: type[Exception]) -> T:
    """Open `path` as UTF-8 text and parse it; any problem becomes a CommandError naming it."""
    with reading(path, format_error), path.open(encoding="utf-8", newline="") as fh:
        return parse(fh)
