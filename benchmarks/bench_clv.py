"""BG/NBD maximum-likelihood fit on synthetic customers: goodwill.analysis.clv vs lifetimes.

Customers are drawn from the BG/NBD process with the CDNOW parameters (r 0.243, alpha 4.414,
a 0.793, b 2.426), acquired over 12 weeks and observed until week 39, purchase times on a
daily grid (the shape of the CDNOW calibration data). Both sides fit the same
(frequency, recency, T) arrays with default settings: ours `clv.fit_bgnbd`, the baseline
`lifetimes.BetaGeoFitter(penalizer_coef=0).fit` (lifetimes 0.11.3, autograd gradients).

Each side runs in its own subprocess, which builds the data (not timed), times the fit
(wall and CPU) and reports its ru_maxrss as peak memory (whole process: interpreter,
libraries, data, fit). The ratio is baseline seconds / our seconds; the note gives the
largest relative difference between the two sides' parameters and log-likelihoods.

Run alone: ``python -m benchmarks.bench_clv [--customers N] [--seed S]``.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from goodwill.analysis import clv

CDNOW = clv.BGNBDParams(r=0.243, alpha=4.414, a=0.793, b=2.426)
DEFAULT_CUSTOMERS = 1_000_000


def synthetic_customers(
    n: int, seed: int
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    rng = np.random.default_rng(seed)
    T = 39.0 - rng.integers(0, 84, size=n) / 7.0
    x, t_x = clv.simulate_bgnbd(CDNOW, T, seed=seed + 1, grid_days=1 / 7)
    return x, t_x, T


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_clv", add_help=False)
    parser.add_argument("--customers", type=int, default=DEFAULT_CUSTOMERS)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--clv-side", choices=["ours", "lifetimes"], help=argparse.SUPPRESS)
    return parser


def _side(name: str, customers: int, seed: int) -> dict[str, Any]:
    """Run in a child process: fit once and report time, parameters and peak memory."""
    x, t_x, T = synthetic_customers(customers, seed)
    if name == "ours":
        wall, cpu = time.perf_counter(), time.process_time()
        fit = clv.fit_bgnbd(x, t_x, T)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        params = [fit.r, fit.alpha, fit.a, fit.b]
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from lifetimes import BetaGeoFitter

            fitter = BetaGeoFitter(penalizer_coef=0.0)
            wall, cpu = time.perf_counter(), time.process_time()
            fitter.fit(x, t_x, T)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        params = [float(fitter.params_[k]) for k in ("r", "alpha", "a", "b")]
    ll = float(clv.bgnbd_log_likelihood(np.array(params), x, t_x, T).sum())
    return {
        "seconds": wall,
        "cpu_seconds": cpu,
        "params": params,
        "log_likelihood": ll,
        "repeat_share": float((x > 0).mean()),
        "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def _run_side(name: str, customers: int, seed: int) -> dict[str, Any] | str:
    cmd = [
        sys.executable,
        "-m",
        "benchmarks.bench_clv",
        "--clv-side",
        name,
        "--customers",
        str(customers),
        "--seed",
        str(seed),
    ]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return f"{name} failed: {last}"
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def run(argv: Sequence[str] | None = None) -> list[dict[str, Any]]:
    args, _ = _parser().parse_known_args(list(argv or []))
    ours = _run_side("ours", args.customers, args.seed)
    if isinstance(ours, str):
        raise RuntimeError(ours)
    base = _run_side("lifetimes", args.customers, args.seed)
    row: dict[str, Any] = {
        "name": f"BG/NBD fit, {args.customers:,} customers vs lifetimes",
        "ours": round(ours["seconds"], 3),
        "unit": "s",
        "peak_mb": ours["peak_mb"],
        "extra": {"ours": ours},
    }
    if isinstance(base, str):
        row.update(baseline=None, ratio=None, note=f"baseline not run ({base})")
        return [row]
    rel = max(abs(o - b) / abs(b) for o, b in zip(ours["params"], base["params"], strict=True))
    row.update(
        baseline=round(base["seconds"], 3),
        ratio=round(base["seconds"] / ours["seconds"], 1),
        cpu_ratio=round(base["cpu_seconds"] / ours["cpu_seconds"], 1),
        baseline_peak_mb=base["peak_mb"],
        note=(
            f"ratio = lifetimes s / ours s; params max rel diff {rel:.1e}, "
            f"log-likelihood ours - lifetimes = "
            f"{ours['log_likelihood'] - base['log_likelihood']:+.3g}; "
            f"r={ours['params'][0]:.4f} alpha={ours['params'][1]:.4f} "
            f"a={ours['params'][2]:.4f} b={ours['params'][3]:.4f} "
            f"(truth 0.243/4.414/0.793/2.426)"
        ),
    )
    row["extra"]["lifetimes"] = base
    return [row]


def main(argv: Sequence[str] | None = None) -> int:
    args, _ = _parser().parse_known_args(list(sys.argv[1:] if argv is None else argv))
    if args.clv_side:
        print(json.dumps(_side(args.clv_side, args.customers, args.seed)))
        return 0
    from benchmarks.runner import format_table

    print(format_table(run(sys.argv[1:] if argv is None else argv)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
