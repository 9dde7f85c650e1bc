"""One runner for every benchmark: `python -m benchmarks [NAME ...]` or `goodwill bench`.

A benchmark is a module `benchmarks/bench_<name>.py` with `run(argv) -> list[dict]`: it
parses the options it knows from `argv` (ignoring the rest), runs Goodwill and a baseline
in the same invocation and returns table rows with the keys `name`, `ours`, `baseline`,
`ratio`, `peak_mb` and `note` (optionally `unit`, `cpu_ratio`, `baseline_peak_mb`,
`extra`). The runner
prints one table and writes each benchmark's rows to benchmarks/out/<name>.json with the
command line and the machine, so every figure in a README traces back to a command.
"""

from __future__ import annotations

import importlib
import json
import math
import os
import platform
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
OUT_DIR = HERE / "out"
USAGE = """usage: {prog} [NAME ...] [--list] [--out DIR] [benchmark options]

Runs the named benchmarks (default: all) and prints one table: name, ours, baseline,
ratio, peak MB. Options not listed here go to the benchmarks, which take the ones they
know, for example:
  import: --rows N (default 100,000; 1,000,000 for the headline), --batch-size N,
          --database-url URL (our side on PostgreSQL), --seed N, --workdir DIR
  spikes: --series N, --weeks W, --seed S
  pipeline: --messages N (default 20,000), --batch-size N, --database-url URL (also on
          PostgreSQL), --seed N, --workdir DIR
Benchmarks: {names}
"""


def available() -> list[str]:
    return sorted(p.stem.removeprefix("bench_") for p in HERE.glob("bench_*.py"))


def _fmt(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, int | float):
        if math.isinf(value):
            return "inf"
        return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"
    return str(value)


def format_table(rows: Sequence[dict[str, Any]]) -> str:
    header = ("benchmark", "ours", "baseline", "ratio", "CPU ratio", "peak MB")
    lines = []
    for r in rows:
        unit = f" {r['unit']}" if r.get("unit") else ""
        peak = _fmt(r.get("peak_mb"))
        if r.get("baseline_peak_mb") is not None:
            peak += f" (base {_fmt(r['baseline_peak_mb'])})"
        lines.append(
            (
                str(r["name"]),
                _fmt(r.get("ours")) + unit,
                _fmt(r.get("baseline")) + (unit if r.get("baseline") is not None else ""),
                _fmt(r.get("ratio")),
                _fmt(r.get("cpu_ratio")),
                peak,
            )
        )
    widths = [max(len(c) for c in col) for col in zip(header, *lines, strict=True)]
    out = [" | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip()]
    out.append("-|-".join("-" * w for w in widths))
    out += [
        " | ".join(c.ljust(w) for c, w in zip(ln, widths, strict=True)).rstrip() for ln in lines
    ]
    notes = [f"  {r['name']}: {r['note']}" for r in rows if r.get("note")]
    return "\n".join(out + (["notes:", *notes] if notes else []))


def main(argv: Sequence[str] | None = None, *, prog: str = "python -m benchmarks") -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    names_known = available()
    if "-h" in args or "--help" in args:
        print(USAGE.format(prog=prog, names=", ".join(names_known)))
        return 0
    if "--list" in args:
        for name in names_known:
            doc = (importlib.import_module(f"benchmarks.bench_{name}").__doc__ or "").strip()
            print(f"{name}: {doc.splitlines()[0] if doc else ''}")
        return 0
    out_dir = OUT_DIR
    if "--out" in args:
        at = args.index("--out")
        out_dir = Path(args[at + 1])
        del args[at : at + 2]
    names = []
    while args and not args[0].startswith("-"):
        names.append(args.pop(0))
    unknown = [n for n in names if n not in names_known]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(names_known)}")
        return 2
    command = " ".join([prog, *(sys.argv[1:] if argv is None else argv)])
    all_rows: list[dict[str, Any]] = []
    for name in names or names_known:
        started = time.time()
        module = importlib.import_module(f"benchmarks.bench_{name}")
        rows = list(module.run(args))
        all_rows.extend(rows)
        out_dir.mkdir(parents=True, exist_ok=True)
        report = {
            "benchmark": name,
            "command": command,
            "rows": rows,
            "machine": {
                "python": platform.python_version(),
                "platform": platform.platform(),
                "cpus": os.cpu_count(),
            },
            "started": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(started)),
            "seconds": round(time.time() - started, 1),
        }
        (out_dir / f"{name}.json").write_text(json.dumps(report, indent=2, default=str) + "\n")
    print()
    print(format_table(all_rows))
    print(f"\n(command: {command}; JSON in {out_dir})")
    return 0
