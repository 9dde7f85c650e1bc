"""`goodwill value fit` and `goodwill influence` contracts (no database involved)."""

from __future__ import annotations

import csv
import json
import math
from io import StringIO
from pathlib import Path

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from conftest import shared_file
from goodwill.analysis import clv

PRED_COLUMNS = [
    "customer_id",
    "frequency",
    "recency",
    "T",
    "p_alive",
    "expected_purchases",
    "expected_avg_value",
    "clv",
]


def cdnow_sample_csv(tmp_path: Path) -> Path:
    """The CDNOW 1/10 sample as customer_id,date,amount (sample ids, ISO dates)."""
    source = shared_file("cdnow/CDNOW_sample.txt")
    out = tmp_path / "cdnow.csv"
    with out.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["customer_id", "date", "amount"])
        for line in source.read_text().splitlines():
            _master, sample_id, day, _cds, dollars = line.split()
            writer.writerow([sample_id, f"{day[:4]}-{day[4:6]}-{day[6:]}", dollars])
    return out


def run_fit(path: Path, tmp_path: Path, *extra: str, unit: str = "weeks") -> dict:
    params = tmp_path / "params.json"
    call_command(
        "value",
        "fit",
        str(path),
        "--calibration-end",
        "1997-09-30",
        "--time-unit",
        unit,
        "--output",
        str(params),
        *extra,
        stdout=StringIO(),
    )
    return json.loads(params.read_text())


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.shared_data
def test_fit_on_cdnow_reproduces_the_published_parameters(tmp_path: Path) -> None:
    transactions = cdnow_sample_csv(tmp_path)
    pred = tmp_path / "pred.csv"
    params = run_fit(transactions, tmp_path, "--predictions", str(pred), "--horizon", "39")

    assert set(params) == {"bgnbd", "gamma_gamma", "customers"}
    assert set(params["bgnbd"]) == {"r", "alpha", "a", "b", "log_likelihood"}
    assert set(params["gamma_gamma"]) == {"p", "q", "v"}
    assert params["customers"] == 2357
    published = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    for name, value in published.items():
        assert params["bgnbd"][name] == pytest.approx(value, rel=0.005)
    assert abs(params["bgnbd"]["log_likelihood"] - (-9582.4)) <= 0.1
    for name, value in {"p": 6.25, "q": 3.74, "v": 15.44}.items():
        assert params["gamma_gamma"][name] == pytest.approx(value, rel=0.01)

    with pred.open(newline="") as fh:
        assert next(csv.reader(fh)) == PRED_COLUMNS
    rows = read_rows(pred)
    assert len(rows) == 2357
    summary = {
        row["ID"]: row
        for row in read_rows(shared_file("cdnow/cdnow_customers_summary_with_transactions.csv"))
    }
    bg = clv.BGNBDParams(**{k: params["bgnbd"][k] for k in ("r", "alpha", "a", "b")})
    gg = clv.GammaGammaParams(**params["gamma_gamma"])
    for row in rows:
        ref = summary[str(int(row["customer_id"]))]
        x, t_x, T = int(row["frequency"]), float(row["recency"]), float(row["T"])
        assert x == int(ref["x"])
        assert abs(t_x - float(ref["t_x"])) <= 0.0051
        assert abs(T - float(ref["T"])) <= 0.0051
        assert 0.0 <= float(row["p_alive"]) <= 1.0
        expected = float(clv.expected_purchases(bg, 39.0, [x], [t_x], [T])[0])
        assert float(row["expected_purchases"]) == pytest.approx(expected, rel=1e-9)
        value = float(row["expected_avg_value"])
        assert value == pytest.approx(
            float(clv.expected_average_value(gg, [x], [float(ref["zbar"])])[0]), rel=1e-3
        )
        # Discounting makes the CLV a bit less than value x expected purchases.
        assert value * expected * 0.9 <= float(row["clv"]) <= value * expected + 1e-9


def test_calibration_rules_on_a_small_file(tmp_path: Path) -> None:
    path = tmp_path / "tx.csv"
    path.write_text(
        "customer_id,date,amount\n"
        "a,2024-01-01,10\n"
        "a,2024-01-01,5\n"  # same day: one purchase worth 15
        "a,2024-01-15,20\n"
        "a,2024-01-29,40\n"
        "a,2024-03-01,99\n"  # after the calibration end: ignored
        "b,2024-01-08,7\n"
        "b,2024-01-22,9\n"
        "c,2024-01-10,3\n"
        "d,2024-02-15,50\n"  # first purchase after the end: not a customer yet
        "e,2024-01-03,12\n"
        "e,2024-02-12,30\n"
    )
    pred = tmp_path / "pred.csv"
    params = run_fit_at(path, tmp_path, "2024-02-12", "--predictions", str(pred), "--horizon", "4")
    assert params["customers"] == 4
    rows = {row["customer_id"]: row for row in read_rows(pred)}
    assert set(rows) == {"a", "b", "c", "e"}
    a = rows["a"]
    assert (int(a["frequency"]), float(a["recency"]), float(a["T"])) == (2, 4.0, 6.0)
    assert float(rows["c"]["p_alive"]) == 1.0
    assert float(rows["e"]["recency"]) == float(rows["e"]["T"])  # bought on the end day
    expected_purchases = [float(r["expected_purchases"]) for r in rows.values()]
    assert all(math.isfinite(v) and v >= 0 for v in expected_purchases)


def run_fit_at(path: Path, tmp_path: Path, end: str, *extra: str) -> dict:
    params = tmp_path / "params.json"
    call_command(
        "value",
        "fit",
        str(path),
        "--calibration-end",
        end,
        "--time-unit",
        "weeks",
        "--output",
        str(params),
        *extra,
        stdout=StringIO(),
    )
    return json.loads(params.read_text())


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ("a,2024-01-01,10\nb,2024-02-30,5\n", "line 3: field 'date'"),
        ("a,2024-01-01,10\nb,2024-01-02,ten\n", "line 3: field 'amount'"),
        ("a,2024-01-01,-1\n", "line 2: field 'amount'"),
        (",2024-01-01,1\n", "line 2: field 'customer_id'"),
    ],
)
def test_bad_rows_stop_the_command_naming_line_and_field(
    tmp_path: Path, body: str, needle: str
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("customer_id,date,amount\n" + body)
    with pytest.raises(CommandError, match=needle):
        run_fit(path, tmp_path)
    assert not (tmp_path / "params.json").exists()


def test_missing_column_and_missing_horizon_are_reported(tmp_path: Path) -> None:
    path = tmp_path / "tx.csv"
    path.write_text("customer,date,amount\na,2024-01-01,1\n")
    with pytest.raises(CommandError, match="line 1: field 'customer_id': missing column"):
        run_fit(path, tmp_path)
    with pytest.raises(CommandError, match="--horizon"):
        run_fit(path, tmp_path, "--predictions", str(tmp_path / "p.csv"))


def test_no_repeat_purchases_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "tx.csv"
    path.write_text("customer_id,date,amount\na,1997-01-01,1\nb,1997-02-01,2\n")
    with pytest.raises(CommandError, match="repeat purchase"):
        run_fit(path, tmp_path)


@pytest.mark.shared_data
def test_days_unit_rescales_alpha(tmp_path: Path) -> None:
    transactions = cdnow_sample_csv(tmp_path)
    weeks = run_fit(transactions, tmp_path)["bgnbd"]
    days = run_fit(transactions, tmp_path, unit="days")["bgnbd"]
    assert days["alpha"] == pytest.approx(7 * weeks["alpha"], rel=1e-4)
    assert days["r"] == pytest.approx(weeks["r"], rel=1e-4)


# ------------------------------------------------------------------ influence


def run_influence(path: Path, tmp_path: Path, *extra: str) -> list[dict[str, str]]:
    out = tmp_path / "out.csv"
    call_command("influence", str(path), "--output", str(out), *extra, stdout=StringIO())
    with out.open(newline="") as fh:
        assert next(csv.reader(fh)) == ["node", "pagerank"]
    return read_rows(out)


@pytest.mark.parametrize("undirected", [False, True])
def test_influence_matches_networkx(tmp_path: Path, undirected: bool) -> None:
    nx = pytest.importorskip("networkx")
    rng = np.random.default_rng(3)
    edges = [(f"n{u}", f"n{v}") for u, v in rng.integers(0, 40, size=(150, 2))]
    path = tmp_path / "edges.txt"
    lines = ["# source target"]
    for i, (u, v) in enumerate(edges):
        lines.append(f"{u},{v}" if i % 2 else f"{u}\t {v}")
    path.write_text("\n".join(lines) + "\n")

    rows = run_influence(path, tmp_path, *(["--undirected"] if undirected else []))
    ours = {row["node"]: float(row["pagerank"]) for row in rows}
    graph = nx.Graph(edges) if undirected else nx.DiGraph(edges)
    theirs = nx.pagerank(graph, alpha=0.85, tol=1e-13, max_iter=10_000)
    assert set(ours) == set(theirs)
    assert sum(ours.values()) == pytest.approx(1.0, abs=1e-12)
    for node, value in theirs.items():
        assert ours[node] == pytest.approx(value, abs=1e-9)
    values = [float(row["pagerank"]) for row in rows]
    assert values == sorted(values, reverse=True)


def test_influence_bad_line_is_named(tmp_path: Path) -> None:
    path = tmp_path / "edges.txt"
    path.write_text("a b\nb c\nonly-one\n")
    with pytest.raises(CommandError, match="line 3"):
        run_influence(path, tmp_path)
