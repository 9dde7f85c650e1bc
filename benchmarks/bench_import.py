"""Import N generated messages (CSV file -> import_messages) vs raw sqlite3 executemany.

Our side: a generated CSV of the generic schema is imported end to end by
`goodwill.listening.importers.import_messages` (parse, validate, dedupe, identities and
customers, threading, one transaction per batch) into a freshly migrated database in a
scratch GOODWILL_HOME; then the same file is imported again (everything unchanged).
Baseline: plain `sqlite3` executemany of the same rows, already built as tuples (parsing
not timed), into a fresh SQLite file holding a table with listening_message's columns and
its unique index, same PRAGMAs (WAL, synchronous=NORMAL), one transaction. A second
baseline keeps all of listening_message's indexes. Each side runs in its own process;
peak memory is that process's ru_maxrss (whole process: interpreter, Django, the run).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import hashlib
import json
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from benchmarks.generate import COLUMNS, message_item, write_csv

TABLE = "listening_message"
BASELINE_CHUNK = 50_000  # tuples built (untimed) and inserted per executemany call


# --- the parent: generate, spawn one process per side, compare ------------------------------


def options(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks import")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", ""),
        help="our side on this PostgreSQL server (a scratch database is created and dropped)",
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workdir", type=Path, default=None, help="scratch directory (kept)")
    parser.add_argument(
        "--no-analysed",
        action="store_true",
        help="skip the row importing with analysis and events (it takes ~3x as long)",
    )
    opts, _ = parser.parse_known_args(list(argv))
    return opts


def run(argv: Sequence[str] = ()) -> list[dict[str, Any]]:
    args = options(argv)
    return in_workdir(args.workdir, "gw-bench-", lambda work: _run(args, work))


def in_workdir(
    workdir: Path | None, prefix: str, body: Callable[[Path], list[dict[str, Any]]]
) -> list[dict[str, Any]]:
    """Run ``body`` in ``workdir`` (kept), or in a scratch directory removed afterwards."""
    work = Path(workdir or tempfile.mkdtemp(prefix=prefix))
    work.mkdir(parents=True, exist_ok=True)
    try:
        return body(work)
    finally:
        if workdir is None:
            shutil.rmtree(work, ignore_errors=True)


def _run(args: argparse.Namespace, work: Path) -> list[dict[str, Any]]:
    n = args.rows
    path = work / f"messages-{n}-seed{args.seed}.csv"
    if not path.exists():
        _log(f"generating {n:,} messages into {path}")
        write_csv(path, n, seed=args.seed)
    ddl = work / "message-ddl.json"
    _spawn("ddl", path, work, args, out=str(ddl))
    _log("baseline: raw sqlite3 executemany (unique index only)")
    base = _spawn("baseline", path, work, args, ddl=str(ddl))
    _log("baseline: raw sqlite3 executemany (all listening_message indexes)")
    base_all = _spawn("baseline", path, work, args, ddl=str(ddl), all_indexes="1")
    _log("baseline: plain csv.reader + sqlite3 executemany loader (all indexes)")
    base_file = _spawn("baseline", path, work, args, ddl=str(ddl), all_indexes="1", from_file="1")
    url = args.database_url
    target = "PostgreSQL" if url.startswith(("postgres", "postgresql")) else "SQLite"
    _log(f"ours: import_messages (bulk: no analysis, no events) into a fresh {target} db, twice")
    ours = _spawn("ours", path, work, args, database_url=url)
    _log(f"ours: the same, in one process (no reader process) into a fresh {target} db")
    ours_one = _spawn(
        "ours", path, work, args, database_url=url, env={"GOODWILL_IMPORT_READ_AHEAD_BYTES": "0"}
    )
    analysed = None
    if not args.no_analysed:
        _log(f"ours: import_messages (whole pipeline: analysis, events) into a fresh {target} db")
        analysed = _spawn("ours", path, work, args, database_url=url, analyse="1")
    _log("ours: ingest_batch alone on pre-parsed items")
    ingest = _spawn("ingest", path, work, args, database_url=url)

    note = f"{n:,} rows, batch {args.batch_size:,}; {ours['importer']}"
    if target != "SQLite":
        note += "; our side on PostgreSQL, ratio against the SQLite ceiling"

    def row(name: str, side: Any, prefix: str, base_side: Any, **more: Any) -> dict[str, Any]:
        return {
            "name": name,
            "ours": round(side[f"{prefix}rate"]),
            "baseline": round(base_side["rate"]),
            "ratio": round(side[f"{prefix}rate"] / base_side["rate"], 3),
            "cpu_ratio": round(side[f"{prefix}cpu_rate"] / base_side["cpu_rate"], 3),
            "unit": "rows/s",
            "peak_mb": side["peak_mb"],
            "baseline_peak_mb": base_side["peak_mb"],
            **more,
        }

    rows = [
        row(
            f"import CSV -> {target} vs raw sqlite3 (unique index)",
            ours,
            "",
            base,
            note=note,
            extra={"ours": ours, "baseline": base, "baseline_all_indexes": base_all},
        ),
        row(f"import CSV -> {target} vs raw sqlite3 (all indexes)", ours, "", base_all),
        row(
            f"import CSV -> {target}, one process (no reader) vs raw sqlite3 (all indexes)",
            ours_one,
            "",
            base_all,
            extra={"ours_one_process": ours_one},
        ),
        row(
            f"import CSV -> {target} vs csv.reader + sqlite3 loader (all indexes)",
            ours,
            "",
            base_file,
            extra={"baseline_from_file": base_file},
        ),
        row(f"re-import same file -> {target} (all unchanged)", ours, "again_", base),
        row(
            f"ingest_batch only -> {target} (items pre-parsed, bulk)",
            ingest,
            "",
            base,
            extra={"ingest": ingest},
        ),
    ]
    if analysed is not None:
        rows.insert(
            2,
            row(
                f"import CSV -> {target} with analysis + events vs raw sqlite3 (all indexes)",
                analysed,
                "",
                base_all,
                extra={"ours_analysed": analysed},
            ),
        )
    return rows


def _log(text: str) -> None:
    print(f"[import] {text}", file=sys.stderr, flush=True)


def _spawn(
    side: str,
    path: Path,
    work: Path,
    args: argparse.Namespace,
    env: dict[str, str] | None = None,
    **opts: str,
) -> Any:
    cmd = [
        sys.executable,
        "-m",
        "benchmarks.bench_import",
        side,
        str(path),
        "--work",
        str(work),
        "--batch-size",
        str(args.batch_size),
        "--rows",
        str(args.rows),
    ]
    for key, value in opts.items():
        cmd += [f"--{key.replace('_', '-')}", value]
    environ = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "GOODWILL_HOME")}
    environ.update(env or {})
    done = subprocess.run(cmd, env=environ, stdout=subprocess.PIPE, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- the workers ------------------------------------------------------------------------------


def _cpu() -> float:
    """CPU seconds of this process and of its children that have ended (the import's reader
    process is joined before the import returns, so its CPU is counted)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


class _Clock:
    """Wall and CPU seconds spent inside `with clock:` blocks (CPU time is steadier on a
    shared machine: waiting for a core is not counted). CPU includes child processes."""

    def __init__(self) -> None:
        self.wall = 0.0
        self.cpu = 0.0

    def __enter__(self) -> _Clock:
        self._wall, self._cpu = time.perf_counter(), _cpu()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall += time.perf_counter() - self._wall
        self.cpu += _cpu() - self._cpu

    def report(self, rows: int, prefix: str = "") -> dict[str, float]:
        return {
            f"{prefix}seconds": round(self.wall, 3),
            f"{prefix}cpu_seconds": round(self.cpu, 3),
            f"{prefix}rate": rows / self.wall,
            f"{prefix}cpu_rate": rows / self.cpu,
        }


class _ChildMemory:
    """The peak private memory (MB) of this process's child processes, summed, sampled every
    0.1 s from /proc (Private_Clean + Private_Dirty of smaps_rollup: what a forked reader
    process adds; the pages it shares with this process are in this process's peak already)."""

    def __init__(self) -> None:
        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> _ChildMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _watch(self) -> None:
        while not self._stop.wait(0.1):
            total = 0
            for pid in _children():
                try:
                    text = Path(f"/proc/{pid}/smaps_rollup").read_text()
                except OSError:
                    continue
                for line in text.splitlines():
                    if line.startswith(("Private_Clean:", "Private_Dirty:")):
                        total += int(line.split()[1])  # kB
            self.peak_mb = max(self.peak_mb, round(total / 1024, 1))


def _children() -> list[int]:
    pids: list[int] = []
    for task in Path("/proc/self/task").iterdir():
        try:
            pids += [int(p) for p in (task / "children").read_text().split()]
        except OSError:
            continue
    return pids


def _peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # KiB on Linux


def _django(home: Path, database_url: str, batch_size: int) -> None:
    os.environ["GOODWILL_HOME"] = str(home)
    os.environ["GOODWILL_IMPORT_BATCH_SIZE"] = str(batch_size)
    os.environ["DJANGO_SETTINGS_MODULE"] = "goodwill.settings"
    os.environ.pop("DATABASE_URL", None)
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)


def _scratch_postgres(url: str) -> tuple[str, str]:
    """Create an empty database next to the one in `url`; return (its URL, its name)."""
    import psycopg

    name = f"gw_bench_{os.getpid()}"
    parts = urlsplit(url)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path=f"/{name}")), name


def _drop_postgres(url: str, name: str) -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


def worker_ddl(path: Path, work: Path, opts: argparse.Namespace) -> dict[str, Any]:
    """Migrate a scratch SQLite database and copy listening_message's schema from it."""
    home = work / "ddl-home"
    shutil.rmtree(home, ignore_errors=True)
    _django(home, "", opts.batch_size)
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT type, sql FROM sqlite_master WHERE tbl_name = %s", [TABLE])
        rows = [(kind, sql) for kind, sql in cur.fetchall() if sql]
    schema = {
        "table": next(sql for kind, sql in rows if kind == "table"),
        "unique": [sql for kind, sql in rows if kind == "index" and " UNIQUE " in sql],
        "other": [sql for kind, sql in rows if kind == "index" and " UNIQUE " not in sql],
    }
    Path(opts.out).write_text(json.dumps(schema, indent=2))
    return {"indexes": len(schema["unique"]) + len(schema["other"])}


def _baseline_tuples(
    path: Path, columns: list[tuple[str, str, bool]]
) -> Iterator[list[tuple[Any, ...]]]:
    """The generated rows as listening_message tuples, BASELINE_CHUNK at a time."""
    imported = str(datetime.now(UTC).replace(tzinfo=None))
    authors: dict[tuple[str, str], int] = {}
    index = {name: i for i, name in enumerate(COLUMNS)}

    def value(name: str, kind: str, notnull: bool, rec: list[str]) -> Any:
        if name in ("channel", "external_id", "text", "url", "in_reply_to", "language"):
            return rec[index[name]]
        if name in ("likes", "shares", "replies"):
            return int(rec[index[name]] or 0)
        if name == "is_from_company":
            return rec[index["is_company"]] == "true"
        if name == "created_at":
            return str(
                datetime.fromisoformat(rec[index[name]]).astimezone(UTC).replace(tzinfo=None)
            )
        if name == "author_id":
            return authors.setdefault((rec[1], rec[2]), len(authors) + 1)
        if name == "conversation_id":
            return len(chunk) // 3 + 1  # roughly increasing ids, like ours
        if name == "source_id":
            return 1
        if name == "raw":
            return "{}"
        if name == "topics":
            return "[]"
        if name == "content_hash":
            return hashlib.blake2b("\x1f".join(rec).encode(), digest_size=16).hexdigest()
        if name == "imported_at":
            return imported
        if not notnull:
            return None
        return "" if "char" in kind.lower() or "text" in kind.lower() else 0

    chunk: list[tuple[Any, ...]] = []
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        next(reader)
        for rec in reader:
            chunk.append(tuple(value(name, kind, nn, rec) for name, kind, nn in columns))
            if len(chunk) == BASELINE_CHUNK:
                yield chunk
                chunk = []
    if chunk:
        yield chunk


def worker_baseline(path: Path, work: Path, opts: argparse.Namespace) -> dict[str, Any]:
    schema = json.loads(Path(opts.ddl).read_text())
    db = work / ("baseline-all.sqlite3" if opts.all_indexes else "baseline.sqlite3")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute(schema["table"])
    for sql in schema["unique"] + (schema["other"] if opts.all_indexes else []):
        conn.execute(sql)
    info = conn.execute(f'PRAGMA table_info("{TABLE}")').fetchall()
    columns = [(name, kind, bool(notnull)) for _, name, kind, notnull, _, pk in info if not pk]
    names = ", ".join(f'"{c[0]}"' for c in columns)
    sql = f'INSERT INTO "{TABLE}" ({names}) VALUES ({", ".join("?" * len(columns))})'
    clock = _Clock()
    count = 0
    conn.execute("BEGIN")
    chunks = _baseline_tuples(path, columns)
    while True:
        # --from-file: the clock also runs while csv.reader reads the file and the tuples are
        # built (a plain csv + sqlite3 loader, no validation); otherwise only executemany.
        with clock if opts.from_file else contextlib.nullcontext():
            chunk = next(chunks, None)
        if chunk is None:
            break
        with clock:
            conn.executemany(sql, chunk)
        count += len(chunk)
    with clock:
        conn.execute("COMMIT")
    stored = conn.execute(f'SELECT COUNT(*) FROM "{TABLE}"').fetchone()[0]
    conn.close()
    if stored != count:
        raise SystemExit(f"baseline stored {stored} rows, expected {count}")
    return {"rows": count, **clock.report(count), "peak_mb": _peak_mb()}


def _importer() -> tuple[Any, str]:
    try:
        from goodwill.listening.importers import import_messages

        return import_messages, "goodwill.listening.importers.import_messages"
    except ImportError:  # pragma: no cover - before the importers landed
        return None, "fallback reader"


def worker_ours(path: Path, work: Path, opts: argparse.Namespace) -> dict[str, Any]:
    url, scratch = opts.database_url, ""
    if url:
        url, scratch = _scratch_postgres(url)
    home = work / "ours-home"
    shutil.rmtree(home, ignore_errors=True)
    _django(home, url, opts.batch_size)
    try:
        from django.conf import settings

        from goodwill.listening import selectors

        import_messages, label = _importer()
        if import_messages is None:
            raise SystemExit("goodwill.listening.importers.import_messages is not available")
        # The headline is a bulk load (analysis in a follow-up pass); --analyse 1 times the
        # whole pipeline, analysis and message.received events included.
        pipeline = {} if opts.analyse else {"analyse": False, "emit_events": False}
        label += (
            " (analysis + events)" if opts.analyse else " (bulk: analyse=False, emit_events=False)"
        )
        clock = _Clock()
        with clock, _ChildMemory() as reader:
            first = import_messages(path, format="csv", **pipeline)
        stored = selectors.message_count()
        if (first.created, stored, first.rejected) != (opts.rows, opts.rows, 0):
            raise SystemExit(f"first import: {first}, {stored} stored; expected {opts.rows}")
        again_clock = _Clock()
        with again_clock, _ChildMemory() as reader_again:
            again = import_messages(path, format="csv", **pipeline)
        if (again.created, again.unchanged) != (0, opts.rows):
            raise SystemExit(f"second import changed something: {again}")
        return {
            "rows": opts.rows,
            **clock.report(opts.rows),
            **again_clock.report(opts.rows, "again_"),
            # This process's peak plus what its reader process added (0 without one).
            "peak_mb": round(_peak_mb() + max(reader.peak_mb, reader_again.peak_mb), 1),
            "own_peak_mb": _peak_mb(),
            "reader_private_mb": max(reader.peak_mb, reader_again.peak_mb),
            "read_ahead_bytes": settings.GOODWILL_IMPORT_READ_AHEAD_BYTES,
            "importer": label,
        }
    finally:
        if scratch:
            _drop_postgres(opts.database_url, scratch)


def worker_ingest(path: Path, work: Path, opts: argparse.Namespace) -> dict[str, Any]:
    """Time ingest_batch alone: each batch is parsed (untimed) before it is handed over."""
    url, scratch = opts.database_url, ""
    if url:
        url, scratch = _scratch_postgres(url)
    home = work / "ingest-home"
    shutil.rmtree(home, ignore_errors=True)
    _django(home, url, opts.batch_size)
    try:
        from goodwill.listening.services import ingest_batch
        from goodwill.listening.types import MessageItem

        item = message_item

        clock, count = _Clock(), 0
        stages: dict[str, float] = {}

        def ingest(batch: list[MessageItem]) -> int:
            with clock:
                return ingest_batch(
                    source=None, items=batch, analyse=False, emit_events=False, timings=stages
                ).created

        with path.open(newline="", encoding="utf-8") as fh:
            batch: list[MessageItem] = []
            for rec in csv.DictReader(fh):
                batch.append(item(rec))
                if len(batch) == opts.batch_size:
                    count += ingest(batch)
                    batch = []
            if batch:
                count += ingest(batch)
        if count != opts.rows:
            raise SystemExit(f"ingest created {count}, expected {opts.rows}")
        per_message = {k: round(v / count * 1e6, 2) for k, v in stages.items()}
        return {
            "rows": count,
            **clock.report(count),
            "peak_mb": _peak_mb(),
            "stage_cpu_us_per_message": per_message,
        }
    finally:
        if scratch:
            _drop_postgres(opts.database_url, scratch)


WORKERS = {
    "ddl": worker_ddl,
    "baseline": worker_baseline,
    "ours": worker_ours,
    "ingest": worker_ingest,
}


def worker_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_import")
    parser.add_argument("side", choices=sorted(WORKERS))
    parser.add_argument("path", type=Path)
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument("--rows", type=int, required=True)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--ddl", default="")
    parser.add_argument("--out", default="")
    parser.add_argument("--all-indexes", default="")
    parser.add_argument("--from-file", default="")
    parser.add_argument("--analyse", default="")
    opts = parser.parse_args(argv)
    result = WORKERS[opts.side](opts.path, opts.work, opts)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(worker_main(sys.argv[1:]))
