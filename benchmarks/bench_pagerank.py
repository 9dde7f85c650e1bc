"""PageRank on a large synthetic interaction graph: goodwill.analysis.influence vs networkx.

The graph has --edges directed edges over --edges / 10 nodes. Who interacts and who is
interacted with are both heavy-tailed (node activity and popularity drawn from Pareto
weights), with self-loops and repeated pairs as in real reply/mention data; about 6% of
nodes never interact outward (dangling).

Both sides start from the same two integer arrays (source, target), built in their own
subprocess (not timed), and compute PageRank with damping 0.85 and tolerance 1e-10:

* ours: `influence.simple_graph` (collapse repeated pairs, as a networkx DiGraph does) and
  `influence.pagerank` (scipy.sparse power iteration; converged when the L1 change < 1e-10);
* networkx: `nx.DiGraph()` + `add_edges_from`, then `nx.pagerank(G, alpha=0.85, tol=1e-10)`
  (networkx stops when the L1 change < N x tol, a looser test).

The ratio is networkx seconds / our seconds for the whole path (graph + ranks); the note
also gives the ratio for the PageRank call alone and the Spearman rank correlation and
largest absolute difference between the two score vectors. Peak memory is each
subprocess's ru_maxrss. With --nx-edges M (M < --edges) networkx runs on the first M edges
and ours runs again at that size for the comparison (used when networkx cannot hold the
full graph).

Run alone: ``python -m benchmarks.bench_pagerank [--edges N] [--nx-edges M] [--seed S]``.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from goodwill.analysis import influence

DEFAULT_EDGES = 10_000_000


def synthetic_edges(n_edges: int, seed: int) -> tuple[NDArray[np.int64], NDArray[np.int64], int]:
    n_nodes = max(n_edges // 10, 10)
    rng = np.random.default_rng(seed)
    activity = rng.pareto(1.5, size=n_nodes) + 0.05
    activity[rng.random(n_nodes) < 0.06] = 0.0  # silent accounts: dangling nodes
    popularity = rng.pareto(1.2, size=n_nodes) + 0.05
    src = _draw(rng, activity, n_edges)
    dst = _draw(rng, popularity, n_edges)
    return src, dst, n_nodes


def _draw(rng: np.random.Generator, weights: NDArray[np.float64], size: int) -> NDArray[np.int64]:
    cumulative = np.cumsum(weights)
    picks = np.searchsorted(cumulative, rng.random(size) * cumulative[-1], side="right")
    result: NDArray[np.int64] = np.minimum(picks, weights.shape[0] - 1).astype(np.int64)
    return result


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_pagerank", add_help=False)
    parser.add_argument("--edges", type=int, default=DEFAULT_EDGES)
    parser.add_argument("--nx-edges", type=int, default=None)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--pagerank-side", choices=["ours", "networkx"], help=argparse.SUPPRESS)
    parser.add_argument("--scores-out", help=argparse.SUPPRESS)
    return parser


def _side(name: str, n_edges: int, seed: int, limit: int, scores_out: str) -> dict[str, Any]:
    src, dst, n_nodes = synthetic_edges(n_edges, seed)
    src, dst = src[:limit], dst[:limit]
    wall, cpu = time.perf_counter(), time.process_time()
    if name == "ours":
        s, d, w = influence.simple_graph(src, dst, n_nodes)
        graph_s = time.perf_counter() - wall
        result = influence.pagerank(s, d, n_nodes, weight=w, damping=0.85, tol=1e-10)
        scores = result.scores
        iterations = result.iterations
    else:
        import networkx as nx

        graph = nx.DiGraph()
        graph.add_nodes_from(range(n_nodes))
        graph.add_edges_from(zip(src.tolist(), dst.tolist(), strict=True))
        del src, dst
        graph_s = time.perf_counter() - wall
        ranks = nx.pagerank(graph, alpha=0.85, tol=1e-10, max_iter=1000)
        scores = np.fromiter((ranks[i] for i in range(n_nodes)), dtype=np.float64, count=n_nodes)
        iterations = None
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    np.save(scores_out, scores)
    return {
        "seconds": wall,
        "graph_seconds": graph_s,
        "rank_seconds": wall - graph_s,
        "cpu_seconds": cpu,
        "nodes": n_nodes,
        "edges": int(limit),
        "iterations": iterations,
        "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def _run_side(name: str, args: argparse.Namespace, limit: int, out: Path) -> dict[str, Any] | str:
    cmd = [
        sys.executable,
        "-m",
        "benchmarks.bench_pagerank",
        "--pagerank-side",
        name,
        "--edges",
        str(args.edges),
        "--nx-edges",
        str(limit),
        "--seed",
        str(args.seed),
        "--scores-out",
        str(out),
    ]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or [f"exit code {done.returncode}"])[-1]
        return f"{name} failed: {last}"
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def run(argv: Sequence[str] | None = None) -> list[dict[str, Any]]:
    from scipy.stats import spearmanr

    args, _ = _parser().parse_known_args(list(argv or []))
    nx_edges = min(args.nx_edges or args.edges, args.edges)
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="gw-bench-pagerank-") as tmp:
        ours_full = _run_side("ours", args, args.edges, Path(tmp) / "ours_full.npy")
        if isinstance(ours_full, str):
            raise RuntimeError(ours_full)
        if nx_edges < args.edges:
            rows.append(
                {
                    "name": f"PageRank, {args.edges:,} edges (ours only)",
                    "ours": round(ours_full["seconds"], 2),
                    "unit": "s",
                    "baseline": None,
                    "ratio": None,
                    "peak_mb": ours_full["peak_mb"],
                    "note": f"{ours_full['nodes']:,} nodes, {ours_full['iterations']} "
                    "iterations; networkx compared at the smaller size below",
                    "extra": {"ours": ours_full},
                }
            )
            ours = _run_side("ours", args, nx_edges, Path(tmp) / "ours.npy")
            if isinstance(ours, str):
                raise RuntimeError(ours)
            ours_scores = np.load(Path(tmp) / "ours.npy")
        else:
            ours = ours_full
            ours_scores = np.load(Path(tmp) / "ours_full.npy")
        row: dict[str, Any] = {
            "name": f"PageRank, {nx_edges:,} edges vs networkx",
            "ours": round(ours["seconds"], 2),
            "unit": "s",
            "peak_mb": ours["peak_mb"],
            "extra": {"ours": ours},
        }
        base = _run_side("networkx", args, nx_edges, Path(tmp) / "nx.npy")
        if isinstance(base, str):
            row.update(baseline=None, ratio=None, note=f"baseline not run ({base})")
            rows.append(row)
            return rows
        theirs = np.load(Path(tmp) / "nx.npy")
    rho = float(spearmanr(ours_scores, theirs).statistic)
    row.update(
        baseline=round(base["seconds"], 2),
        ratio=round(base["seconds"] / ours["seconds"], 1),
        cpu_ratio=round(base["cpu_seconds"] / ours["cpu_seconds"], 1),
        baseline_peak_mb=base["peak_mb"],
        note=(
            f"ratio = networkx s / ours s (graph + PageRank); PageRank call alone "
            f"{base['rank_seconds'] / ours['rank_seconds']:.1f}x "
            f"({base['rank_seconds']:.2f} s vs {ours['rank_seconds']:.2f} s); "
            f"{ours['nodes']:,} nodes, {ours['iterations']} iterations; "
            f"Spearman {rho:.6f}, max |diff| {float(np.abs(ours_scores - theirs).max()):.1e}"
        ),
    )
    row["extra"].update(networkx=base, spearman=rho)
    rows.append(row)
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    args, _ = _parser().parse_known_args(list(sys.argv[1:] if argv is None else argv))
    if args.pagerank_side:
        limit = args.nx_edges if args.nx_edges is not None else args.edges
        result = _side(args.pagerank_side, args.edges, args.seed, limit, args.scores_out)
        print(json.dumps(result))
        return 0
    from benchmarks.runner import format_table

    print(format_table(run(sys.argv[1:] if argv is None else argv)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
