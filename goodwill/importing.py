"""Shared file-import framework: streaming records, row errors, batching, the summary.

Every importer (messages in several formats, transactions) is the same loop: read one record at
a time from the file, parse it into an item or a row error, skip in-file duplicates, hand full
batches to one service call (one database transaction each), and count what happened. Memory
stays flat: nothing but the current batch, the first few errors and the 64-bit key hashes (for
the in-file duplicate check, 8 bytes a key) is kept. Big files are read and parsed in a child
process while this one stores (`read_ahead`).
"""

from __future__ import annotations

import csv
import itertools
import json
import multiprocessing
import os
import re
import sys
import traceback
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any, Generic, TypeVar

import numpy as np
import numpy.typing as npt
from django.db import DatabaseError, transaction

from goodwill.bulk import older_objects_frozen

SUMMARY_KEYS = ("read", "created", "updated", "unchanged", "rejected", "duplicates")
# How many row errors (and duplicate notes) a summary keeps for display; the rejects file has all.
KEPT_MESSAGES = 20
KEPT_NOTES = 5
RECORD = "(record)"  # the field name used when a problem concerns the whole record
# A generous cap on one CSV field (a 1 MB post must fit; a runaway quote must not eat the file).
CSV_FIELD_LIMIT = 32 * 1024 * 1024

T = TypeVar("T")
C = TypeVar("C")


# --- Results and errors ---------------------------------------------------------------------


@dataclass(slots=True)
class RowError:
    """One bad record: its physical line (1-based, header = 1), the field, why, the raw text."""

    line: int
    field: str
    error: str
    raw: str = ""

    def __str__(self) -> str:
        return f"line {self.line}, field {self.field}: {self.error}"


@dataclass(slots=True)
class ImportSummary:
    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    duplicates: int = 0
    # The first KEPT_MESSAGES row errors and duplicate notes, for display.
    errors: list[RowError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, int]:
        return {key: getattr(self, key) for key in SUMMARY_KEYS}

    def __str__(self) -> str:
        return ", ".join(f"{key} {value:,}" for key, value in self.as_dict().items())


class BadValue(ValueError):
    """Raised by a row parser: `field` of this record is wrong because of `error`."""

    def __init__(self, field: str, error: str) -> None:
        super().__init__(f"{field}: {error}")
        self.field = field
        self.error = error


class ImportFailed(Exception):
    """The import stopped: the file cannot be read, its header is wrong, or --strict hit a bad
    row. `summary` says what had been read; nothing from a strict import was stored."""

    def __init__(self, message: str, *, summary: ImportSummary | None = None) -> None:
        super().__init__(message)
        self.summary = summary if summary is not None else ImportSummary()


# --- Reading files --------------------------------------------------------------------------


@dataclass(slots=True)
class Record:
    """One record as read from the file; `problem` is set when it could not even be parsed."""

    line: int
    values: Mapping[str, Any]
    raw: str
    problem: BadValue | None = None
    # False when the text came through JSON escapes: a surrogate is then a lone surrogate the
    # file spelled out, not an undecodable byte.
    from_bytes: bool = True


def open_text(path: str | Path) -> IO[str]:
    """Open a UTF-8 file (a UTF-8 BOM is accepted) for streaming, or fail with a clear error.

    Undecodable bytes are kept as surrogate escapes, so one bad row is reported with its line
    and field instead of stopping the import; `find_bad_text` turns them into row errors.
    """
    path = Path(path)
    try:
        with path.open("rb") as probe:
            head = probe.read(4096)
    except OSError as exc:
        raise ImportFailed(f"cannot read {path}: {exc.strerror or exc}") from exc
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportFailed(
            f"{path}: line 1: the file is UTF-16 or UTF-32 encoded (it starts with a byte-order "
            "mark); save it as UTF-8"
        )
    if head and head.count(b"\x00") * 4 >= len(head):
        raise ImportFailed(
            f"{path}: line 1: the file is full of NUL bytes, so it looks UTF-16 or UTF-32 "
            "encoded (or binary); save it as UTF-8"
        )
    return path.open(encoding="utf-8-sig", errors="surrogateescape", newline="")


def _without_eol(text: str) -> str:
    if text.endswith("\r\n"):
        return text[:-2]
    return text[:-1] if text.endswith(("\n", "\r")) else text


def csv_records(
    stream: IO[str], *, required: Sequence[str], one_of: Sequence[str] = ()
) -> Iterator[Record]:
    """Stream a CSV file with a header line as Records keyed by (stripped, lower-cased) column.

    Fails before reading any row when a required column (or every column of `one_of`) is
    missing, naming it. A record that breaks the CSV syntax (for example a quote left open at
    the end of a truncated file) is yielded with its `problem` set, and reading goes on.
    """
    if csv.field_size_limit() < CSV_FIELD_LIMIT:
        csv.field_size_limit(CSV_FIELD_LIMIT)
    # The reader reads one copy of the lines; the record's raw text is taken from the other
    # copy, as many lines as the reader used (usually one). tee does this in C; a Python
    # generator remembering each line cost ~1 us a record.
    lines, copies = itertools.tee(stream)
    reader = csv.reader(lines, strict=True)
    try:
        header_row = next(reader)
    except StopIteration:
        raise ImportFailed("the file is empty: expected a header line with column names") from None
    except csv.Error as exc:
        raise ImportFailed(f"line 1: the header line is not valid CSV: {exc}") from None
    header = [name.strip().lower() for name in header_row]
    bad = find_bad_text(dict(zip(header, header, strict=True)))
    if bad is not None:
        raise ImportFailed(f"line 1: the header line {bad.error}")
    seen: set[str] = set()
    for name in header:
        if name in seen:
            raise ImportFailed(f"line 1: column {name!r} appears twice in the header")
        seen.add(name)
    missing = [name for name in required if name not in seen]
    if one_of and not seen.intersection(one_of):
        missing.append(" or ".join(repr(n) for n in one_of))
    if missing:
        names = ", ".join(m if m.startswith("'") else repr(m) for m in missing)
        found = ", ".join(header) or "(none)"
        raise ImportFailed(f"line 1: missing required column(s) {names}; the header has {found}")
    width = len(header)
    used = reader.line_num
    for _ in range(used):
        next(copies)
    line = used + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raw = _without_eol("".join(itertools.islice(copies, reader.line_num - used)))
            message = str(exc)
            if "unexpected end of data" in message:
                message = (
                    "the record ends inside a quoted field: the file looks truncated, or a "
                    "quote is not closed"
                )
            else:
                message = f"not valid CSV: {message}"
            yield Record(line, {}, raw, BadValue(RECORD, message))
        else:
            taken = reader.line_num - used
            raw = _without_eol(
                next(copies) if taken == 1 else "".join(itertools.islice(copies, taken))
            )
            if not row:
                pass  # a blank line
            elif len(row) == width:
                yield Record(line, dict(zip(header, row, strict=True)), raw)
            elif len(row) < width:
                problem = BadValue(
                    header[len(row)],
                    f"missing: the record has {len(row)} fields, the header {width}",
                )
                yield Record(line, dict(zip(header, row, strict=False)), raw, problem)
            else:
                problem = BadValue(RECORD, f"the record has {len(row)} fields, the header {width}")
                yield Record(line, {}, raw, problem)
        used = reader.line_num
        line = used + 1


def jsonl_records(stream: IO[str]) -> Iterator[Record]:
    """Stream a JSON Lines file (one object per line; blank lines are skipped) as Records."""
    for number, text in enumerate(stream, start=1):
        if not text.strip():
            continue
        raw = text.rstrip("\r\n")
        if not raw.isascii() and (bad := _undecodable(raw)) is not None:
            yield Record(number, {}, raw, BadValue(RECORD, bad))
            continue
        try:
            value = json.loads(raw)
        except json.JSONDecodeError as exc:
            problem = BadValue(RECORD, f"invalid JSON: {exc.msg} at column {exc.colno}")
            yield Record(number, {}, raw, problem)
            continue
        except ValueError as exc:  # e.g. a number too long to convert
            yield Record(number, {}, raw, BadValue(RECORD, f"invalid JSON: {exc}"))
            continue
        if not isinstance(value, dict):
            problem = BadValue(RECORD, f"expected a JSON object, found {type(value).__name__}")
            yield Record(number, {}, raw, problem)
            continue
        yield Record(number, value, raw, from_bytes=False)


# --- Hostile text ---------------------------------------------------------------------------

_BAD_CHAR = re.compile("[\x00\ud800-\udfff]")


def _undecodable(text: str) -> str | None:
    match = re.search("[\udc80-\udcff]", text)
    if match is None:
        return None
    byte = ord(match.group()) - 0xDC00
    return (
        f"is not valid UTF-8 (byte 0x{byte:02X}); the file must be UTF-8 "
        "(was it saved as Latin-1 or Windows-1252?)"
    )


def _text_problem(text: str, *, from_bytes: bool) -> str | None:
    if text.isascii():
        return (
            "contains a NUL character (U+0000), which cannot be stored" if "\x00" in text else None
        )
    match = _BAD_CHAR.search(text)
    if match is None:
        return None
    char = match.group()
    if char == "\x00":
        return "contains a NUL character (U+0000), which cannot be stored"
    if from_bytes and "\udc80" <= char <= "\udcff":
        return _undecodable(text)
    return f"contains a lone surrogate (U+{ord(char):04X}), which is not valid Unicode text"


def _may_hold_bad_text(record: Record) -> bool:
    """A cheap scan of the raw record: most records cannot hold a NUL, a surrogate or an
    undecodable byte, and then the field-by-field search is skipped."""
    raw = record.raw
    if not record.from_bytes and "\\u" in raw:
        return True  # JSON escapes can spell NUL or a lone surrogate
    if raw.isascii():
        return "\x00" in raw
    return _BAD_CHAR.search(raw) is not None


def find_bad_text(values: Mapping[str, Any], *, from_bytes: bool = True) -> BadValue | None:
    """The first field holding text no database can store verbatim (NUL, lone surrogates) or
    bytes that were not UTF-8. Nested JSON values are searched too (they go to `raw`)."""
    for key, value in values.items():
        if not isinstance(key, str):
            continue
        problem = _text_problem(key, from_bytes=from_bytes)
        if problem is not None:
            return BadValue(RECORD, f"a field name {problem}")
        problem = _nested_problem(value, from_bytes=from_bytes)
        if problem is not None:
            return BadValue(key, problem)
    return None


def _nested_problem(value: Any, *, from_bytes: bool) -> str | None:
    if isinstance(value, str):
        return _text_problem(value, from_bytes=from_bytes)
    if isinstance(value, dict):
        for key, item in value.items():
            found = _nested_problem(key, from_bytes=from_bytes) or _nested_problem(
                item, from_bytes=from_bytes
            )
            if found is not None:
                return found
    elif isinstance(value, list):
        for item in value:
            found = _nested_problem(item, from_bytes=from_bytes)
            if found is not None:
                return found
    return None


# --- Field parsers (shared by every format) -------------------------------------------------


def present(values: Mapping[str, Any], name: str) -> bool:
    value = values.get(name)
    return value is not None and not (isinstance(value, str) and not value.strip())


def text_value(
    values: Mapping[str, Any],
    name: str,
    *,
    required: bool = False,
    max_length: int | None = None,
    strip: bool = True,
) -> str:
    """A string field. Numbers in JSON are accepted for ids; `strip=False` keeps it verbatim."""
    value = values.get(name)
    if type(value) is not str:  # the common case first: CSV values are always str
        if value is None:
            if required:
                raise BadValue(name, "missing")
            return ""
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise BadValue(name, f"must be a string, not {type(value).__name__}")
        value = str(value)
    text: str = value.strip() if strip else value
    if required and not (text if strip else text.strip()):
        raise BadValue(name, "empty")
    if max_length is not None and len(text) > max_length:
        raise BadValue(name, f"too long: {len(text):,} characters (at most {max_length:,})")
    return text


_INTEGRAL = re.compile(r"\s*([+-]?\d+)(?:\.0*)?\s*")


def count_value(values: Mapping[str, Any], name: str, *, maximum: int = 2**31 - 1) -> int | None:
    """A non-negative whole number (a count); '' or null is None. '12.0' (as spreadsheets and
    pandas write whole numbers) is accepted, '12.5' and '-1' are not."""
    value = values.get(name)
    if type(value) is str and value.isdigit() and value.isascii():  # the common case
        number = int(value)
        if number > maximum:
            raise BadValue(name, f"too large: {number} (at most {maximum})")
        return number
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise BadValue(name, f"must be a whole number, not {value!r}")
    if isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and (match := _INTEGRAL.fullmatch(value)) is not None:
        number = int(match.group(1))
    else:
        raise BadValue(name, f"must be a whole number of at least 0, not {value!r}")
    if number < 0:
        raise BadValue(name, f"must not be negative, not {number}")
    if number > maximum:
        raise BadValue(name, f"too large: {number} (at most {maximum})")
    return number


def bool_value(values: Mapping[str, Any], name: str) -> bool | None:
    value = values.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        return value
    key = str(value).strip().lower()
    if key in ("true", "t", "yes", "y", "1"):
        return True
    if key in ("false", "f", "no", "n", "0"):
        return False
    raise BadValue(name, f"must be true or false, not {value!r}")


def aware_datetime_value(values: Mapping[str, Any], name: str) -> datetime:
    """An ISO 8601 date-time with a timezone ('Z' or an offset). A naive time is rejected:
    guessing its zone would silently shift it by hours."""
    text = text_value(values, name, required=True)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise BadValue(
            name, f"{text!r} is not an ISO 8601 date-time (like 2024-05-01T13:45:00Z)"
        ) from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise BadValue(
            name, f"{text!r} has no timezone; add 'Z' for UTC or an offset like '+02:00'"
        )
    return moment


def date_or_datetime_value(values: Mapping[str, Any], name: str, *, default_tz: Any) -> datetime:
    """An ISO 8601 date or date-time; a date is midnight and a naive time is read in
    `default_tz` (the company's TIME_ZONE: shop exports rarely say their zone)."""
    text = text_value(values, name, required=True)
    try:
        if len(text) <= 10 and "T" not in text and ":" not in text:
            day = date.fromisoformat(text)
            moment = datetime(day.year, day.month, day.day)
        else:
            moment = datetime.fromisoformat(text)
    except ValueError:
        raise BadValue(
            name, f"{text!r} is not an ISO 8601 date or date-time (like 2024-05-01)"
        ) from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        moment = moment.replace(tzinfo=default_tz)
    return moment


def amount_value(values: Mapping[str, Any], name: str, *, max_digits: int = 14) -> Decimal:
    """A non-negative amount with at most two decimals, like 12, 12.5 or 12.50."""
    value = values.get(name)
    if isinstance(value, float | int) and not isinstance(value, bool):
        value = str(value)
    text = text_value({name: value}, name, required=True)
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise BadValue(name, f"{text!r} is not a number (write it like 1234.50)") from None
    if not amount.is_finite():
        raise BadValue(name, f"{text!r} is not a finite number")
    if amount < 0:
        raise BadValue(name, f"{text} is negative; an amount must be 0 or more")
    if amount >= Decimal(10) ** (max_digits - 2):
        raise BadValue(name, f"{text} is too large")
    cents = amount.quantize(Decimal("0.01"))
    if cents != amount:
        raise BadValue(name, f"{text} has more than 2 decimal places")
    return cents


# --- The import loop ------------------------------------------------------------------------


class _Progress:
    """A tqdm bar over the file's bytes, on stderr, only when stderr is a terminal."""

    def __init__(self, stream: IO[str], *, enabled: bool) -> None:
        self._bar: Any = None
        self._buffer = getattr(stream, "buffer", None)
        self._done = 0
        if not (enabled and sys.stderr.isatty() and self._buffer is not None):
            return
        from tqdm import tqdm

        try:
            total = Path(stream.name).stat().st_size
        except (OSError, TypeError):
            total = None
        self._bar = tqdm(total=total, unit="B", unit_scale=True, file=sys.stderr, leave=False)

    def update(self) -> None:
        if self._bar is None or self._buffer is None:
            return
        position = self._buffer.tell()
        self._bar.update(position - self._done)
        self._done = position

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


@dataclass(slots=True)
class _Batch(Generic[T]):
    """Items waiting to be stored, with their lines and raw text in parallel lists (three
    appends a row instead of an object a row)."""

    items: list[T] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    raws: list[str] = field(default_factory=list)
    extras: list[Any] | None = None  # parallel to items when every item has one


class _Rejects:
    """The --rejects CSV (line, field, error, raw), written as errors happen."""

    def __init__(self, path: str | Path | None, stack: ExitStack) -> None:
        self._writer: Any = None
        if path is None:
            return
        try:
            # Undecodable input bytes were kept as surrogate escapes: write them back as they were.
            handle = stack.enter_context(  # the stack closes it
                Path(path).open("w", encoding="utf-8", errors="surrogateescape", newline="")  # noqa: SIM115
            )
        except OSError as exc:
            raise ImportFailed(f"cannot write the rejects file {path}: {exc.strerror}") from exc
        self._writer = csv.writer(handle)
        self._writer.writerow(["line", "field", "error", "raw"])

    def write(self, error: RowError) -> None:
        if self._writer is not None:
            self._writer.writerow([error.line, error.field, error.error, error.raw])


# Records parsed per chunk handed from the reading half of the loop to the storing half (in
# one process; a reader process hands over a batch at a time).
CHUNK_RECORDS = 1000


@dataclass(slots=True)
class _Chunk(Generic[T]):
    """What the reading half made of up to CHUNK_RECORDS records, in file order.

    ``items``/``lines``/``raws`` are the parsed records that are not in-file duplicates.
    ``events`` are the records that are not stored, each as (how many of ``items`` come
    before it, how many records of the chunk were read up to it, what happened): a RowError
    for a bad record, or (line, key) for a duplicate.
    """

    read: int = 0
    items: list[T] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    raws: list[str] = field(default_factory=list)
    events: list[tuple[int, int, RowError | tuple[int, str]]] = field(default_factory=list)
    extras: list[Any] | None = None  # what Importer.prepare made of each item, if it ran


class _SeenKeys:
    """The in-file duplicate check: 64-bit hashes of the keys seen, 8 bytes a key.

    A Python set of the hashes cost ~70 bytes a key (~70 MB for a 1,000,000-row file). The
    hashes are kept as sorted NumPy arrays in levels of growing size (two levels of similar
    size are merged), so a chunk's check is a binary search per level. Two different keys
    with one hash (~1e-8 likely in a 1,000,000-row file) would count as a duplicate.
    """

    def __init__(self) -> None:
        self._levels: list[npt.NDArray[np.int64]] = []

    def first_seen(self, keys: Sequence[str]) -> list[bool]:
        """For each key, True if neither an earlier key of this call nor of an earlier call
        had the same hash; '' (no key) is always new. The new hashes are then remembered."""
        wanted = [i for i, key in enumerate(keys) if key]
        fresh = [True] * len(keys)
        if not wanted:
            return fresh
        hashes = np.fromiter((hash(keys[i]) for i in wanted), dtype=np.int64, count=len(wanted))
        new = np.zeros(len(hashes), dtype=bool)
        new[np.unique(hashes, return_index=True)[1]] = True  # first of equal hashes here
        for level in self._levels:
            at = np.minimum(np.searchsorted(level, hashes), len(level) - 1)
            new &= level[at] != hashes
        for i, ok in zip(wanted, new.tolist(), strict=True):
            fresh[i] = ok
        self._add(np.unique(hashes[new]))
        return fresh

    def _add(self, hashes: npt.NDArray[np.int64]) -> None:
        if not len(hashes):
            return
        self._levels.append(hashes)
        while len(self._levels) > 1 and len(self._levels[-2]) <= 2 * len(self._levels[-1]):
            top = self._levels.pop()
            self._levels[-1] = np.sort(np.concatenate([self._levels[-1], top]))


@dataclass(slots=True)
class Importer(Generic[T]):
    """The loop every importer shares; see the module docstring.

    parse: turns a record's values into an item, raising BadValue.
    key: the item's identity for the in-file duplicate check ('' = never a duplicate).
    store: saves a batch in one transaction and returns (created, updated, unchanged).
    read_ahead: read and parse the file in a child process while this one stores (see
    ``read_ahead``); `pack`/`unpack` turn a chunk's items into something quick to pickle
    and back (the default pickles the items themselves). With a reader process, `prepare`
    (if given) also runs there, on each chunk's items: it returns one value per item (or
    raises ValueError, and then the batch goes to `store` as usual), and batches whose
    items all have one go to `store_prepared(items, values)` instead of `store`.
    """

    parse: Callable[[Record], T]
    key: Callable[[T], str]
    store: Callable[[list[T]], tuple[int, int, int]]
    batch_size: int
    strict: bool = False
    rejects_path: str | Path | None = None
    progress: bool = False
    key_label: str = "id"
    read_ahead: bool = False
    pack: Callable[[list[T]], Any] | None = None
    unpack: Callable[[Any], list[T]] | None = None
    prepare: Callable[[list[T]], list[Any]] | None = None
    store_prepared: Callable[[list[T], list[Any]], tuple[int, int, int]] | None = None
    summary: ImportSummary = field(default_factory=ImportSummary)

    def run(self, stream: IO[str], records: Iterable[Record]) -> ImportSummary:
        with ExitStack() as stack:
            stack.enter_context(stream)
            stack.enter_context(older_objects_frozen())
            rejects = _Rejects(self.rejects_path, stack)
            bar = _Progress(stream, enabled=self.progress)
            stack.callback(bar.close)
            if self.read_ahead:
                # A reader process sends a whole batch at a time: it parses the next batch
                # while this process stores the last one (with smaller chunks it would wait,
                # blocked on the pipe, through each store).
                chunks = read_ahead(
                    self._chunks(
                        iter(records),
                        max(CHUNK_RECORDS, self.batch_size),
                        prepare=self.prepare if self.store_prepared is not None else None,
                    ),
                    pack=self._pack_chunk,
                    unpack=self._unpack_chunk,
                )
            else:
                chunks = self._chunks(iter(records), CHUNK_RECORDS)
            stack.callback(getattr(chunks, "close", lambda: None))
            if self.strict:
                try:
                    with transaction.atomic():
                        self._loop(chunks, rejects, bar)
                except ImportFailed as exc:
                    # Everything was rolled back: say so in the counts.
                    exc.summary.created = exc.summary.updated = exc.summary.unchanged = 0
                    raise
            else:
                self._loop(chunks, rejects, bar)
        return self.summary

    def _chunks(
        self,
        records: Iterator[Record],
        size: int,
        prepare: Callable[[list[T]], list[Any]] | None = None,
    ) -> Iterator[_Chunk[T]]:
        """The reading half: parse each record or name its problem, drop in-file duplicates."""
        seen = _SeenKeys()
        parse, key_of = self.parse, self.key
        while True:
            chunk: _Chunk[T] = _Chunk()
            items, lines, raws, events = chunk.items, chunk.lines, chunk.raws, chunk.events
            keys: list[str] = []
            read = 0
            for record in itertools.islice(records, size):
                read += 1
                problem = record.problem
                if problem is None and _may_hold_bad_text(record):
                    problem = find_bad_text(record.values, from_bytes=record.from_bytes)
                if problem is None:
                    try:
                        item = parse(record)
                    except BadValue as exc:
                        problem = exc
                if problem is not None:
                    error = RowError(record.line, problem.field, problem.error, record.raw)
                    events.append((len(items), read, error))
                    continue
                items.append(item)
                lines.append(record.line)
                raws.append(record.raw)
                keys.append(key_of(item))
            if not read:
                return
            chunk.read = read
            fresh = seen.first_seen(keys)
            if not all(fresh):
                self._drop_duplicates(chunk, keys, fresh)
            if prepare is not None and chunk.items:
                try:
                    chunk.extras = prepare(chunk.items)
                except ValueError:
                    chunk.extras = None  # store() will say what is wrong, as without a reader
            yield chunk

    @staticmethod
    def _drop_duplicates(chunk: _Chunk[T], keys: list[str], fresh: list[bool]) -> None:
        """Move the chunk's duplicates from its items to its events, keeping file order."""
        old_events = chunk.events
        items: list[T] = []
        lines: list[int] = []
        raws: list[str] = []
        events: list[tuple[int, int, RowError | tuple[int, str]]] = []
        ordinal = 0  # records read up to the current item: items and rejects before it
        pending = iter(old_events)
        nxt = next(pending, None)
        for i, ok in enumerate(fresh):
            while nxt is not None and nxt[0] == i:
                events.append((len(items), nxt[1], nxt[2]))
                ordinal = nxt[1]
                nxt = next(pending, None)
            ordinal += 1
            if ok:
                items.append(chunk.items[i])
                lines.append(chunk.lines[i])
                raws.append(chunk.raws[i])
            else:
                events.append((len(items), ordinal, (chunk.lines[i], keys[i])))
        while nxt is not None:
            events.append((len(items), nxt[1], nxt[2]))
            nxt = next(pending, None)
        chunk.items, chunk.lines, chunk.raws, chunk.events = items, lines, raws, events

    def _pack_chunk(self, chunk: _Chunk[T]) -> Any:
        items = self.pack(chunk.items) if self.pack is not None else chunk.items
        return (chunk.read, items, chunk.lines, chunk.raws, chunk.events, chunk.extras)

    def _unpack_chunk(self, packed: Any) -> _Chunk[T]:
        read, items, lines, raws, events, extras = packed
        if self.unpack is not None:
            items = self.unpack(items)
        return _Chunk(read, items, lines, raws, events, extras)

    def _loop(self, chunks: Iterable[_Chunk[T]], rejects: _Rejects, bar: _Progress) -> None:
        """The storing half: count, report rejects and duplicates, store full batches."""
        summary = self.summary
        batch: _Batch[T] = _Batch()
        for chunk in chunks:
            done = summary.read
            events = chunk.events
            extras = chunk.extras
            if not events:
                self._add(batch, chunk.items, chunk.lines, chunk.raws, extras, rejects, bar)
            else:
                start = 0
                for before, ordinal, what in events:
                    if before > start:
                        self._add(
                            batch,
                            chunk.items[start:before],
                            chunk.lines[start:before],
                            chunk.raws[start:before],
                            None if extras is None else extras[start:before],
                            rejects,
                            bar,
                        )
                        start = before
                    summary.read = done + ordinal
                    if isinstance(what, RowError):
                        self._reject(what, rejects)
                    else:
                        self._duplicate(*what)
                if start < len(chunk.items):
                    self._add(
                        batch,
                        chunk.items[start:],
                        chunk.lines[start:],
                        chunk.raws[start:],
                        None if extras is None else extras[start:],
                        rejects,
                        bar,
                    )
            summary.read = done + chunk.read
        if batch.items:
            self._flush(batch, rejects)
        bar.update()

    def _add(
        self,
        batch: _Batch[T],
        items: list[T],
        lines: list[int],
        raws: list[str],
        extras: list[Any] | None,
        rejects: _Rejects,
        bar: _Progress,
    ) -> None:
        if not items:
            return
        # The batch's extras run parallel to its items, or are None if any item has none.
        if not batch.items:
            batch.extras = None if extras is None else list(extras)
        elif batch.extras is not None:
            if extras is None:
                batch.extras = None
            else:
                batch.extras.extend(extras)
        batch.items.extend(items)
        batch.lines.extend(lines)
        batch.raws.extend(raws)
        if len(batch.items) >= self.batch_size:
            self._flush_full(batch, rejects, bar)

    def _flush_full(self, batch: _Batch[T], rejects: _Rejects, bar: _Progress) -> None:
        """Store batch_size items at a time; what is left over waits for the next chunk."""
        size = self.batch_size
        while len(batch.items) >= size:
            extras = batch.extras
            head = _Batch(
                batch.items[:size],
                batch.lines[:size],
                batch.raws[:size],
                None if extras is None else extras[:size],
            )
            del batch.items[:size], batch.lines[:size], batch.raws[:size]
            if extras is not None:
                del extras[:size]
            self._flush(head, rejects)
            bar.update()

    def _duplicate(self, line: int, key: str) -> None:
        summary = self.summary
        summary.duplicates += 1
        if len(summary.notes) < KEPT_NOTES:
            summary.notes.append(
                f"line {line}: {self.key_label} {key.rpartition(chr(31))[2]} "
                "repeats an earlier record of this file; skipped"
            )

    def _reject(self, error: RowError, rejects: _Rejects) -> None:
        self.summary.rejected += 1
        if len(self.summary.errors) < KEPT_MESSAGES:
            self.summary.errors.append(error)
        rejects.write(error)
        if self.strict:
            raise ImportFailed(f"{error} (--strict: nothing was stored)", summary=self.summary)

    def _flush(self, batch: _Batch[T], rejects: _Rejects) -> None:
        try:
            if batch.extras is not None and self.store_prepared is not None:
                counts = self.store_prepared(batch.items, batch.extras)
            else:
                counts = self.store(batch.items)
        except DatabaseError as exc:
            if self.strict:
                lines = f"lines {batch.lines[0]}-{batch.lines[-1]}"
                raise ImportFailed(
                    f"{lines}: the database refused the batch ({exc}); nothing was stored",
                    summary=self.summary,
                ) from exc
            if len(batch.items) == 1:  # the row itself is the one refused
                error = f"the database refused it: {exc}".strip()
                self._reject(RowError(batch.lines[0], RECORD, error, batch.raws[0]), rejects)
                return
            # Find the rows the database refuses, store the rest.
            for item, line, raw in zip(batch.items, batch.lines, batch.raws, strict=True):
                try:
                    self._count(self.store([item]))
                except DatabaseError as exc:
                    error = f"the database refused it: {exc}".strip()
                    self._reject(RowError(line, RECORD, error, raw), rejects)
            return
        self._count(counts)

    def _count(self, counts: tuple[int, int, int]) -> None:
        self.summary.created += counts[0]
        self.summary.updated += counts[1]
        self.summary.unchanged += counts[2]


# --- Reading ahead in a child process ---------------------------------------------------------


def read_ahead_wanted(path: str | Path, min_bytes: int) -> bool:
    """Whether a file is worth a reader process: at least `min_bytes` (0: never), more than one
    CPU, and processes can be forked (POSIX)."""
    if min_bytes <= 0 or (os.cpu_count() or 1) < 2:
        return False
    if "fork" not in multiprocessing.get_all_start_methods():
        return False
    try:
        return Path(path).stat().st_size >= min_bytes
    except OSError:
        return False


def read_ahead(
    chunks: Iterator[C], *, pack: Callable[[C], Any], unpack: Callable[[Any], C]
) -> Iterator[C]:
    """Run the generator `chunks` (reading and parsing a file) in a forked child process and
    yield what it makes, so reading and parsing overlap with storing on another core.

    Reading and parsing is about a third of an import's CPU (~17 us of ~50 a message row);
    the child sends each chunk down a pipe (`pack`ed into plain tuples, which unpickle in
    ~2 us a row instead of ~8) and can be at most about one chunk ahead, so memory stays
    flat. The child never touches the database: it is forked before `chunks` starts and
    leaves with os._exit, so the parent's connection is neither used nor closed by it. An
    ImportFailed in the child (a bad header) is raised here with its message; any other
    error in the child is raised here as a RuntimeError with the child's traceback. If a
    process cannot be started here (for example inside a daemonic worker process), the
    chunks are read in this process instead.
    """
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(
        target=_reader_child, args=(chunks, send, pack), name="goodwill-import-reader"
    )
    try:
        child.start()
    except (AssertionError, OSError, ValueError):  # e.g. "daemonic processes are not allowed"
        receive.close()
        send.close()
        return chunks
    send.close()
    return _received(child, receive, unpack)


def _reader_child(chunks: Iterator[C], send: Any, pack: Callable[[C], Any]) -> None:
    try:
        for chunk in chunks:
            send.send(("chunk", pack(chunk)))
        send.send(("done", None))
    except (BrokenPipeError, KeyboardInterrupt):
        pass  # the parent stopped listening (it failed or was interrupted)
    except ImportFailed as exc:
        send.send(("failed", str(exc)))
    except BaseException:
        send.send(("crashed", traceback.format_exc()))
    finally:
        send.close()


def _received(child: Any, receive: Any, unpack: Callable[[Any], C]) -> Iterator[C]:
    try:
        while True:
            try:
                kind, body = receive.recv()
            except EOFError:
                child.join()
                raise RuntimeError(
                    f"the import's reader process stopped early (exit code {child.exitcode})"
                ) from None
            if kind == "chunk":
                yield unpack(body)
            elif kind == "done":
                return
            elif kind == "failed":
                raise ImportFailed(body)
            else:
                raise RuntimeError(f"the import's reader process failed:\n{body}")
    finally:
        receive.close()
        if child.is_alive():
            child.terminate()
        child.join()
