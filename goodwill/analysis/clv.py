"""Customer lifetime value: RFM summaries, BG/NBD, Gamma-Gamma and discounted CLV.

Pure NumPy/SciPy on plain arrays (no Django, no I/O beyond parsing lines handed in).

Conventions (the `goodwill value fit` CLI documents the same):

* Time is measured in a configurable unit (``unit_days``: 7 for weeks, 1 for days), as
  fractional units of whole days: a purchase on day ``d`` is at ``d / unit_days``.
* Several purchases by one customer on one calendar day are one purchase whose value is the
  day's total.
* A customer's observation starts at their first purchase. ``frequency`` is the number of
  purchase days after the first, ``recency`` the time from the first to the last purchase day,
  ``T`` the time from the first purchase to the calibration end (inclusive day: a purchase on
  the calibration end day is in the calibration period). Customers whose first purchase is
  after the calibration end are left out.
* ``monetary_value`` is the mean value of the repeat purchase days (the first purchase is left
  out, as in Fader, Hardie & Lee); it is 0 for customers without a repeat purchase.

Models: BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way") fitted by
maximum likelihood with analytic gradients over the unique (frequency, recency, T) rows, and
the Gamma-Gamma spend model (Fader, Hardie & Lee 2005, "RFM and CLV") on customers with at
least one repeat purchase and a positive mean repeat value.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import optimize, special

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

TIME_UNITS: dict[str, float] = {"days": 1.0, "weeks": 7.0}
DEFAULT_ANNUAL_DISCOUNT_RATE = 0.10
DAYS_PER_YEAR = 365.25
_EPOCH = dt.date(1970, 1, 1)


# --------------------------------------------------------------------------- parsing


class TransactionFormatError(ValueError):
    """A transactions row that cannot be used; names the line and the field."""

    def __init__(self, line: int, field: str, reason: str) -> None:
        self.line = line
        self.field = field
        self.reason = reason
        super().__init__(f"line {line}: field '{field}': {reason}")


@dataclass(frozen=True)
class Transactions:
    """Parsed transactions: one entry per row, ids as strings, dates as days since 1970."""

    customer_ids: list[str]
    days: IntArray
    amounts: FloatArray


REQUIRED_TRANSACTION_COLUMNS = ("customer_id", "date", "amount")


def parse_date_to_day(text: str) -> int:
    """Days since 1970-01-01 for ``YYYY-MM-DD``, ``YYYYMMDD`` or an ISO datetime (its date)."""
    value = text.strip()
    if len(value) == 8 and value.isdigit():
        value = f"{value[:4]}-{value[4:6]}-{value[6:]}"
    elif len(value) > 10 and value[10] in "T ":
        # A timestamp: the purchase day is its calendar date as written.
        dt.datetime.fromisoformat(value)  # validates the whole value
        value = value[:10]
    return (dt.date.fromisoformat(value) - _EPOCH).days


def parse_transactions_csv(lines: Iterable[str]) -> Transactions:
    """Parse CSV text lines with header ``customer_id,date,amount`` (extra columns ignored).

    Raises :class:`TransactionFormatError` for the first bad row: a missing column, an empty
    customer id, a date that is not ISO (``YYYY-MM-DD``, ``YYYYMMDD`` or an ISO datetime),
    an amount that is not a finite number >= 0. Line numbers count physical lines from 1
    (the header).
    """
    reader = csv.reader(lines)
    try:
        header = next(reader)
    except StopIteration:
        raise TransactionFormatError(1, "header", "the file is empty") from None
    except csv.Error as exc:
        raise TransactionFormatError(1, "header", f"not valid CSV ({exc})") from None
    names = [h.strip().lstrip("\ufeff").lower() for h in header]
    positions: dict[str, int] = {}
    for column in REQUIRED_TRANSACTION_COLUMNS:
        if column not in names:
            raise TransactionFormatError(
                1,
                column,
                "missing column (header must contain customer_id,date,amount)",
            )
        positions[column] = names.index(column)
    i_id, i_date, i_amount = (positions[c] for c in REQUIRED_TRANSACTION_COLUMNS)
    width = max(positions.values()) + 1

    ids: list[str] = []
    days: list[int] = []
    amounts: list[float] = []
    date_cache: dict[str, int] = {}
    line = 1
    try:
        for row in reader:
            line = reader.line_num
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            if len(row) < width:
                missing = [c for c in REQUIRED_TRANSACTION_COLUMNS if positions[c] >= len(row)]
                raise TransactionFormatError(line, missing[0], "value missing (row too short)")
            customer = row[i_id].strip()
            if not customer:
                raise TransactionFormatError(line, "customer_id", "empty")
            raw_date = row[i_date]
            day = date_cache.get(raw_date)
            if day is None:
                try:
                    day = parse_date_to_day(raw_date)
                except ValueError:
                    raise TransactionFormatError(
                        line, "date", f"not a date: {raw_date!r} (use YYYY-MM-DD)"
                    ) from None
                date_cache[raw_date] = day
            raw_amount = row[i_amount]
            try:
                amount = float(raw_amount)
            except ValueError:
                raise TransactionFormatError(
                    line, "amount", f"not a number: {raw_amount!r}"
                ) from None
            if not math.isfinite(amount) or amount < 0:
                raise TransactionFormatError(
                    line, "amount", f"must be a finite number >= 0, got {raw_amount!r}"
                )
            ids.append(customer)
            days.append(day)
            amounts.append(amount)
    except csv.Error as exc:
        raise TransactionFormatError(line + 1, "row", f"not valid CSV ({exc})") from None
    return Transactions(
        customer_ids=ids,
        days=np.asarray(days, dtype=np.int64),
        amounts=np.asarray(amounts, dtype=np.float64),
    )


def date_to_day(value: dt.date) -> int:
    return (value - _EPOCH).days


# --------------------------------------------------------------------------- RFM


@dataclass(frozen=True)
class RFMSummary:
    """One entry per customer (sorted by customer id)."""

    customer_ids: NDArray[np.generic]
    frequency: FloatArray
    recency: FloatArray
    T: FloatArray
    monetary_value: FloatArray
    total_spend: FloatArray

    def __len__(self) -> int:
        return int(self.frequency.shape[0])


def rfm_summary(
    customer_ids: ArrayLike,
    days: ArrayLike,
    amounts: ArrayLike,
    *,
    calibration_end_day: int,
    unit_days: float = 7.0,
) -> RFMSummary:
    """Frequency / recency / T / mean repeat value per customer, vectorised.

    ``days`` are integer day numbers (e.g. days since 1970); purchases after
    ``calibration_end_day`` are ignored, and so are customers with no purchase up to it.
    ``total_spend`` is the customer's whole calibration-period spend, first purchase included.
    """
    if unit_days <= 0:
        raise ValueError("unit_days must be positive")
    ids = np.asarray(customer_ids)
    day = np.asarray(days, dtype=np.int64)
    amount = np.asarray(amounts, dtype=np.float64)
    if not (ids.shape[0] == day.shape[0] == amount.shape[0]):
        raise ValueError("customer_ids, days and amounts must have the same length")
    keep = day <= calibration_end_day
    ids, day, amount = ids[keep], day[keep], amount[keep]
    if ids.shape[0] == 0:
        empty = np.zeros(0, dtype=np.float64)
        return RFMSummary(ids[:0], empty, empty, empty, empty, empty)

    labels, code = np.unique(ids, return_inverse=True)
    code = code.astype(np.int64).reshape(-1)
    n_customers = int(labels.shape[0])

    # One purchase per (customer, day): sort by customer then day and keep run starts.
    order = np.lexsort((day, code))
    code_s, day_s, amount_s = code[order], day[order], amount[order]
    new_run = np.ones(code_s.shape[0], dtype=bool)
    new_run[1:] = (code_s[1:] != code_s[:-1]) | (day_s[1:] != day_s[:-1])
    run_id = np.cumsum(new_run) - 1
    run_amount = np.bincount(run_id, weights=amount_s)
    run_code = code_s[new_run]
    run_day = day_s[new_run]

    purchase_days = np.bincount(run_code, minlength=n_customers)
    first_run = np.searchsorted(run_code, np.arange(n_customers), side="left")
    last_run = np.searchsorted(run_code, np.arange(n_customers), side="right") - 1
    first_day = run_day[first_run]
    last_day = run_day[last_run]
    total = np.bincount(run_code, weights=run_amount, minlength=n_customers)

    frequency = (purchase_days - 1).astype(np.float64)
    repeat_spend = total - run_amount[first_run]
    with np.errstate(invalid="ignore", divide="ignore"):
        monetary = np.where(frequency > 0, repeat_spend / np.maximum(frequency, 1.0), 0.0)
    return RFMSummary(
        customer_ids=labels,
        frequency=frequency,
        recency=(last_day - first_day) / unit_days,
        T=(calibration_end_day - first_day) / unit_days,
        monetary_value=monetary,
        total_spend=total.astype(np.float64),
    )


# --------------------------------------------------------------------------- helpers


def unique_rows(*columns: ArrayLike) -> tuple[list[FloatArray], IntArray, FloatArray]:
    """Distinct rows of equal-length float columns: (unique columns, inverse, counts)."""
    cols = [np.asarray(c, dtype=np.float64).reshape(-1) for c in columns]
    n = cols[0].shape[0]
    if n == 0:
        return [c.copy() for c in cols], np.zeros(0, dtype=np.int64), np.zeros(0)
    order = np.lexsort(tuple(reversed(cols)))
    sorted_cols = [c[order] for c in cols]
    starts = np.zeros(n, dtype=bool)
    starts[0] = True
    for c in sorted_cols:
        starts[1:] |= c[1:] != c[:-1]
    group = np.cumsum(starts) - 1
    inverse = np.empty(n, dtype=np.int64)
    inverse[order] = group
    counts = np.bincount(group).astype(np.float64)
    return [c[starts] for c in sorted_cols], inverse, counts


def _dot(left: FloatArray, right: FloatArray) -> float:
    """Inner product without BLAS: a threaded BLAS dot on a busy machine spins its threads
    and is many times slower than this single pass."""
    return float(np.einsum("i,i->", left, right))


def _as_float(values: ArrayLike) -> FloatArray:
    return np.asarray(values, dtype=np.float64).reshape(-1)


# --------------------------------------------------------------------------- BG/NBD


@dataclass(frozen=True)
class BGNBDParams:
    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float = math.nan

    def as_array(self) -> FloatArray:
        return np.array([self.r, self.alpha, self.a, self.b], dtype=np.float64)


@dataclass(frozen=True)
class _BGNBDData:
    """Sufficient statistics for the BG/NBD likelihood.

    The terms that depend on x alone are summed once per distinct x, those that depend on T
    alone once per distinct T; only the mixture term of customers with repeat purchases
    needs one entry per distinct (x, t_x, T) row.
    """

    x_values: FloatArray  # distinct frequencies
    x_weight: FloatArray  # customers per distinct frequency
    T_values: FloatArray  # distinct ages
    T_weight: FloatArray  # customers per distinct age
    T_xweight: FloatArray  # sum of frequencies per distinct age
    tx_values: FloatArray  # distinct recencies of repeat customers
    rep_x: FloatArray  # repeat rows: frequency, indices into the tables above, weight
    rep_x_index: IntArray
    rep_T_index: IntArray
    rep_tx_index: IntArray
    rep_weight: FloatArray
    total_weight: float
    mean_T: float

    @classmethod
    def build(
        cls, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike, weights: ArrayLike | None
    ) -> _BGNBDData:
        x, t_x, age = _as_float(frequency), _as_float(recency), _as_float(T)
        _check_rft(x, t_x, age)
        if weights is None:
            (ux, ut, uT), _, w = unique_rows(x, t_x, age)
        else:
            w_in = _as_float(weights)
            if w_in.shape != x.shape or np.any(w_in < 0) or not np.all(np.isfinite(w_in)):
                raise ValueError("weights must be finite, >= 0 and one per row")
            (ux, ut, uT), inverse, _ = unique_rows(x, t_x, age)
            w = np.bincount(inverse, weights=w_in, minlength=ux.shape[0]).astype(np.float64)
        x_values, x_index = np.unique(ux, return_inverse=True)
        T_values, T_index = np.unique(uT, return_inverse=True)
        x_index, T_index = x_index.reshape(-1), T_index.reshape(-1)
        n_x, n_T = x_values.shape[0], T_values.shape[0]
        rep = (ux > 0) & (w > 0)
        tx_values, tx_index = np.unique(ut[rep], return_inverse=True)
        total = float(w.sum())
        return cls(
            x_values=x_values,
            x_weight=np.bincount(x_index, weights=w, minlength=n_x).astype(np.float64),
            T_values=T_values,
            T_weight=np.bincount(T_index, weights=w, minlength=n_T).astype(np.float64),
            T_xweight=np.bincount(T_index, weights=w * ux, minlength=n_T).astype(np.float64),
            tx_values=tx_values,
            rep_x=ux[rep],
            rep_x_index=x_index[rep],
            rep_T_index=T_index[rep],
            rep_tx_index=tx_index.reshape(-1),
            rep_weight=w[rep],
            total_weight=total,
            mean_T=float(_dot(w, uT) / total) if total > 0 else 0.0,
        )


def _check_rft(x: FloatArray, t_x: FloatArray, T: FloatArray) -> None:
    if not (x.shape == t_x.shape == T.shape):
        raise ValueError("frequency, recency and T must have the same length")
    if x.shape[0] == 0:
        raise ValueError("no customers to fit")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(t_x)) and np.all(np.isfinite(T))):
        raise ValueError("frequency, recency and T must be finite")
    if np.any(x < 0) or np.any(x != np.round(x)):
        raise ValueError("frequency must be a whole number >= 0")
    if np.any(t_x < 0) or np.any(t_x > T + 1e-9):
        raise ValueError("recency must satisfy 0 <= recency <= T")
    if np.any((x == 0) & (t_x != 0)):
        raise ValueError("recency must be 0 when frequency is 0")


def _bgnbd_terms(
    theta: FloatArray, d: _BGNBDData, *, grad: bool
) -> tuple[float, FloatArray | None]:
    """Total log-likelihood and its gradient with respect to (r, alpha, a, b).

    Per customer, ll = A1(x) + A2(x) + A3 + log(1 + exp(D)) where A1 + A2 depend on x only,
    A3 = -(r + x) log(alpha + T), and D = A4 - A3 (repeat customers only) with
    A4 = log a - log(b + x - 1) - (r + x) log(alpha + t_x).
    """
    r, alpha, a, b = (float(v) for v in theta)
    xv = d.x_values
    head = (
        special.gammaln(r + xv)
        - special.gammaln(r)
        + r * math.log(alpha)
        + special.gammaln(a + b)
        + special.gammaln(b + xv)
        - special.gammaln(b)
        - special.gammaln(a + b + xv)
    )
    log_aT = np.log(alpha + d.T_values)
    ll = float(_dot(d.x_weight, head) - _dot(r * d.T_weight + d.T_xweight, log_aT))

    log_bx1 = np.log(b + xv - 1.0, where=xv > 0, out=np.zeros_like(xv))
    gap = log_aT[d.rep_T_index] - np.log(alpha + d.tx_values)[d.rep_tx_index]
    rx = r + d.rep_x
    mix = (math.log(a) - log_bx1)[d.rep_x_index] + rx * gap
    # exp(-|D|) capped at e^-50: beyond that its share is below rounding, and letting it
    # underflow into subnormal numbers makes log1p and friends an order of magnitude slower.
    small = np.exp(-np.minimum(np.abs(mix), 50.0))
    ll += float(_dot(d.rep_weight, np.maximum(mix, 0.0) + np.log1p(small)))
    if not grad:
        return ll, None

    # p4: posterior share of "alive after the last purchase" for each repeat row.
    p4 = np.where(mix >= 0, 1.0, small) / (1.0 + small)
    wp4 = d.rep_weight * p4
    inv_aT = 1.0 / (alpha + d.T_values)
    inv_gap = inv_aT[d.rep_T_index] - (1.0 / (alpha + d.tx_values))[d.rep_tx_index]
    dig_ab = special.digamma(a + b)
    dig_abx = special.digamma(a + b + xv)
    g_r = (
        _dot(d.x_weight, special.digamma(r + xv) - special.digamma(r) + math.log(alpha))
        - _dot(d.T_weight, log_aT)
        + _dot(wp4, gap)
    )
    g_alpha = (
        d.total_weight * r / alpha
        - _dot(r * d.T_weight + d.T_xweight, inv_aT)
        + _dot(wp4, rx * inv_gap)
    )
    inv_bx1 = np.divide(1.0, b + xv - 1.0, where=xv > 0, out=np.zeros_like(xv))
    g_a = _dot(d.x_weight, dig_ab - dig_abx) + float(wp4.sum()) / a
    g_b = _dot(d.x_weight, dig_ab + special.digamma(b + xv) - special.digamma(b) - dig_abx) - _dot(
        wp4, inv_bx1[d.rep_x_index]
    )
    return ll, np.array([g_r, g_alpha, g_a, g_b], dtype=np.float64)


def bgnbd_log_likelihood(
    params: BGNBDParams | ArrayLike,
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
) -> FloatArray:
    """Per-customer BG/NBD log-likelihood (same order as the inputs)."""
    theta = params.as_array() if isinstance(params, BGNBDParams) else _as_float(params)
    x, t_x, age = _as_float(frequency), _as_float(recency), _as_float(T)
    r, alpha, a, b = (float(v) for v in theta)
    repeat = x > 0
    a1 = special.gammaln(r + x) - special.gammaln(r) + r * math.log(alpha)
    a2 = (
        special.gammaln(a + b)
        + special.gammaln(b + x)
        - special.gammaln(b)
        - special.gammaln(a + b + x)
    )
    a3 = -(r + x) * np.log(alpha + age)
    bx1 = np.where(repeat, b + x - 1.0, 1.0)
    a4 = np.where(repeat, math.log(a) - np.log(bx1) - (r + x) * np.log(alpha + t_x), -np.inf)
    result: FloatArray = a1 + a2 + np.logaddexp(a3, a4)
    return result


def bgnbd_total_log_likelihood_and_gradient(
    params: ArrayLike,
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
    weights: ArrayLike | None = None,
) -> tuple[float, FloatArray]:
    """Sum of the log-likelihood over customers and its gradient in (r, alpha, a, b)."""
    data = _BGNBDData.build(frequency, recency, T, weights)
    ll, g = _bgnbd_terms(_as_float(params), data, grad=True)
    assert g is not None
    return ll, g


def fit_bgnbd(
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
    *,
    weights: ArrayLike | None = None,
    initial: ArrayLike | None = None,
) -> BGNBDParams:
    """Maximum-likelihood BG/NBD parameters.

    Optimises the log-parameters with L-BFGS-B and the analytic gradient, evaluating the
    likelihood once per distinct (frequency, recency, T) row.
    """
    data = _BGNBDData.build(frequency, recency, T, weights)
    total_weight = data.total_weight
    if total_weight <= 0:
        raise ValueError("no customers to fit")
    if data.rep_x.shape[0] == 0:
        raise ValueError("no customer has a repeat purchase: the BG/NBD model cannot be fitted")

    def objective(phi: FloatArray) -> tuple[float, FloatArray]:
        theta = np.exp(phi)
        ll, g = _bgnbd_terms(theta, data, grad=True)
        assert g is not None
        if not math.isfinite(ll):
            return math.inf, np.zeros(4)
        return -ll / total_weight, -(g * theta) / total_weight

    scale = data.mean_T or 1.0
    # Parameters live within e^+-9 (alpha relative to the mean age): data so thin that the
    # likelihood keeps rising towards a Poisson limit stops at the bound with usable values.
    log_scale = math.log(scale)
    bounds = [(-9.0, 9.0), (log_scale - 9.0, log_scale + 9.0), (-9.0, 9.0), (-9.0, 9.0)]
    if initial is not None:
        starts = [np.log(_as_float(initial))]
    else:
        starts = [
            np.log(np.array([0.5, 0.5 * scale, 1.0, 2.0])),
            np.log(np.array([1.0, 0.1 * scale, 0.5, 1.0])),
        ]
    best: optimize.OptimizeResult | None = None
    for phi0 in starts:
        result = optimize.minimize(
            objective,
            phi0,
            jac=True,
            method="L-BFGS-B",
            bounds=bounds,
            options={"maxiter": 2000, "ftol": 1e-15, "gtol": 1e-10, "maxcor": 20},
        )
        if best is None or result.fun < best.fun:
            best = result
        if initial is None and best is not None and _looks_converged(best):
            break
    assert best is not None
    theta = np.exp(best.x)
    ll, _ = _bgnbd_terms(theta, data, grad=False)
    return BGNBDParams(
        r=float(theta[0]),
        alpha=float(theta[1]),
        a=float(theta[2]),
        b=float(theta[3]),
        log_likelihood=ll,
    )


def _looks_converged(result: optimize.OptimizeResult) -> bool:
    return bool(np.all(np.abs(result.jac) < 1e-6)) and math.isfinite(float(result.fun))


def _bgnbd_log_odds_dead(
    p: BGNBDParams, x: FloatArray, t_x: FloatArray, T: FloatArray
) -> FloatArray:
    """log( P(dead) / P(alive) ) given the history; -inf for customers without repeats."""
    repeat = x > 0
    bx1 = np.where(repeat, p.b + x - 1.0, 1.0)
    value = math.log(p.a) - np.log(bx1) + (p.r + x) * (np.log(p.alpha + T) - np.log(p.alpha + t_x))
    result: FloatArray = np.where(repeat, value, -np.inf)
    return result


def probability_alive(
    params: BGNBDParams, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
) -> FloatArray:
    """P(customer still active at T | frequency, recency, T)."""
    x, t_x, age = _as_float(frequency), _as_float(recency), _as_float(T)
    result: FloatArray = special.expit(-_bgnbd_log_odds_dead(params, x, t_x, age))
    return result


_A_NEAR_ONE = 1e-4


def _near_a_one(
    params: BGNBDParams, evaluate: Callable[[BGNBDParams], FloatArray]
) -> FloatArray | None:
    """The closed forms divide by (a - 1), a removable singularity that cancels badly near
    a = 1; within 5e-5 of it, interpolate linearly between a = 1 -/+ 1e-4 (error ~1e-8)."""
    if abs(params.a - 1.0) >= 0.5 * _A_NEAR_ONE:
        return None
    low = evaluate(replace(params, a=1.0 - _A_NEAR_ONE))
    high = evaluate(replace(params, a=1.0 + _A_NEAR_ONE))
    share = (params.a - (1.0 - _A_NEAR_ONE)) / (2 * _A_NEAR_ONE)
    result: FloatArray = low + share * (high - low)
    return result


def _purchases_if_alive(
    params: BGNBDParams, t: FloatArray | float, x: FloatArray, age: FloatArray
) -> FloatArray:
    """Expected purchases in (T, T + t] of a customer known to be alive at T (broadcasts).

    It depends on the history only through x and T, so callers evaluate it once per
    distinct (x, T) and multiply by P(alive) per customer.
    """
    near = _near_a_one(params, lambda q: _purchases_if_alive(q, t, x, age))
    if near is not None:
        return near
    p = params
    rx = p.r + x
    c = p.a + p.b + x - 1.0
    z = t / (p.alpha + age + t)
    ratio = np.exp(rx * (np.log(p.alpha + age) - np.log(p.alpha + age + t)))
    with np.errstate(invalid="ignore", divide="ignore"):
        hyp = special.hyp2f1(rx, p.b + x, c, z)
        result: FloatArray = c / (p.a - 1.0) * (1.0 - ratio * hyp)
    at_pole = np.abs(c) < 1e-12
    if np.any(at_pole):
        # c = a + b + x - 1 = 0 (a + b = 1, x = 0) is a removable singularity: there
        # c * 2F1(r', b'; c; z) -> r' b' z 2F1(r' + 1, b' + 1; 2; z), and the 1 vanishes.
        limit = -ratio * rx * (p.b + x) * z * special.hyp2f1(rx + 1.0, p.b + x + 1.0, 2.0, z)
        result = np.where(at_pole, limit / (p.a - 1.0), result)
    return result


def expected_purchases(
    params: BGNBDParams,
    horizon: float | ArrayLike,
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
) -> FloatArray:
    """Expected number of purchases in (T, T + horizon] given each customer's history.

    ``horizon`` is a scalar, or an array with one horizon per customer.
    """
    x, t_x, age = _as_float(frequency), _as_float(recency), _as_float(T)
    t = np.asarray(horizon, dtype=np.float64)
    if t.ndim == 0:
        (ux, uT), inverse, _ = unique_rows(x, age)
        factor = _purchases_if_alive(params, float(t), ux, uT)[inverse]
    else:
        factor = _purchases_if_alive(params, t.reshape(-1), x, age)
    alive = special.expit(-_bgnbd_log_odds_dead(params, x, t_x, age))
    result: FloatArray = factor * alive
    return result


def expected_purchases_new_customer(params: BGNBDParams, t: float | ArrayLike) -> FloatArray:
    """E[X(t)]: expected purchases in (0, t] of a randomly chosen new customer."""
    tt = np.asarray(t, dtype=np.float64)
    near = _near_a_one(params, lambda p: expected_purchases_new_customer(p, tt))
    if near is not None:
        return near
    p = params
    hyp = special.hyp2f1(p.r, p.b, p.a + p.b - 1.0, tt / (p.alpha + tt))
    result: FloatArray = (
        (p.a + p.b - 1.0)
        / (p.a - 1.0)
        * (1.0 - np.exp(p.r * (math.log(p.alpha) - np.log(p.alpha + tt))) * hyp)
    )
    return result


def simulate_bgnbd(
    params: BGNBDParams,
    T: ArrayLike,
    *,
    seed: int = 0,
    grid_days: float | None = None,
) -> tuple[FloatArray, FloatArray]:
    """Draw (frequency, recency) for customers observed for ``T`` under the BG/NBD process.

    Each customer gets a purchase rate from Gamma(r, alpha) and a drop-out probability from
    Beta(a, b); after every repeat purchase they leave with that probability. With
    ``grid_days`` (e.g. 1/7 for daily data in weeks) purchase times are floored to that grid.
    """
    age = _as_float(T)
    rng = np.random.default_rng(seed)
    n = age.shape[0]
    lam = np.asarray(rng.gamma(params.r, 1.0 / params.alpha, size=n), dtype=np.float64)
    drop = np.asarray(rng.beta(params.a, params.b, size=n), dtype=np.float64)
    frequency = np.zeros(n, dtype=np.float64)
    recency = np.zeros(n, dtype=np.float64)
    clock = np.zeros(n, dtype=np.float64)
    active = np.arange(n)
    while active.shape[0]:
        clock[active] += rng.exponential(1.0, size=active.shape[0]) / np.maximum(
            lam[active], 1e-300
        )
        in_window = clock[active] <= age[active]
        active = active[in_window]
        frequency[active] += 1.0
        recency[active] = clock[active]
        survives = rng.random(active.shape[0]) >= drop[active]
        active = active[survives]
    if grid_days is not None:
        recency = np.floor(recency / grid_days) * grid_days
    return frequency, np.minimum(recency, age)


# --------------------------------------------------------------------------- Gamma-Gamma


@dataclass(frozen=True)
class GammaGammaParams:
    p: float
    q: float
    v: float
    log_likelihood: float = math.nan

    def as_array(self) -> FloatArray:
        return np.array([self.p, self.q, self.v], dtype=np.float64)


def _gg_terms(
    theta: FloatArray, x: FloatArray, m: FloatArray, w: FloatArray, *, grad: bool
) -> tuple[float, FloatArray | None]:
    p, q, v = (float(t) for t in theta)
    px = p * x
    log_vxm = np.log(v + x * m)
    ll_rows = (
        special.gammaln(px + q)
        - special.gammaln(px)
        - special.gammaln(q)
        + q * math.log(v)
        + (px - 1.0) * np.log(m)
        + px * np.log(x)
        - (px + q) * log_vxm
    )
    ll = float(_dot(w, ll_rows))
    if not grad:
        return ll, None
    dig_pxq = special.digamma(px + q)
    g_p = _dot(w, x * (dig_pxq - special.digamma(px) + np.log(m) + np.log(x) - log_vxm))
    g_q = _dot(w, dig_pxq - special.digamma(q) + math.log(v) - log_vxm)
    g_v = _dot(w, q / v - (px + q) / (v + x * m))
    return ll, np.array([g_p, g_q, g_v], dtype=np.float64)


def _gg_inputs(frequency: ArrayLike, monetary_value: ArrayLike) -> tuple[FloatArray, FloatArray]:
    x, m = _as_float(frequency), _as_float(monetary_value)
    if x.shape != m.shape:
        raise ValueError("frequency and monetary_value must have the same length")
    if np.any(x <= 0) or np.any(m <= 0) or not np.all(np.isfinite(m)):
        raise ValueError("Gamma-Gamma needs frequency > 0 and a finite monetary value > 0")
    return x, m


def gamma_gamma_log_likelihood(
    params: GammaGammaParams | ArrayLike, frequency: ArrayLike, monetary_value: ArrayLike
) -> FloatArray:
    """Per-customer Gamma-Gamma log-likelihood of the mean repeat value."""
    theta = params.as_array() if isinstance(params, GammaGammaParams) else _as_float(params)
    x, m = _gg_inputs(frequency, monetary_value)
    p, q, v = (float(t) for t in theta)
    result: FloatArray = (
        special.gammaln(p * x + q)
        - special.gammaln(p * x)
        - special.gammaln(q)
        + q * math.log(v)
        + (p * x - 1.0) * np.log(m)
        + p * x * np.log(x)
        - (p * x + q) * np.log(v + x * m)
    )
    return result


def gamma_gamma_total_log_likelihood_and_gradient(
    params: ArrayLike, frequency: ArrayLike, monetary_value: ArrayLike
) -> tuple[float, FloatArray]:
    x, m = _gg_inputs(frequency, monetary_value)
    ll, g = _gg_terms(_as_float(params), x, m, np.ones_like(x), grad=True)
    assert g is not None
    return ll, g


def fit_gamma_gamma(
    frequency: ArrayLike, monetary_value: ArrayLike, *, initial: ArrayLike | None = None
) -> GammaGammaParams:
    """Maximum-likelihood Gamma-Gamma parameters (p, q, v) from repeat customers only."""
    x, m = _gg_inputs(frequency, monetary_value)
    if x.shape[0] == 0:
        raise ValueError("no repeat customers: the Gamma-Gamma model cannot be fitted")
    (ux, um), _, w = unique_rows(x, m)
    total = float(w.sum())

    def objective(phi: FloatArray) -> tuple[float, FloatArray]:
        theta = np.exp(phi)
        ll, g = _gg_terms(theta, ux, um, w, grad=True)
        assert g is not None
        if not math.isfinite(ll):
            return math.inf, np.zeros(3)
        return -ll / total, -(g * theta) / total

    mean_value = float(np.average(um, weights=w))
    phi0 = (
        np.log(_as_float(initial))
        if initial is not None
        else np.log(np.array([1.0, 2.0, mean_value]))
    )
    result = optimize.minimize(
        objective,
        phi0,
        jac=True,
        method="L-BFGS-B",
        bounds=[(-9.0, 9.0), (-9.0, 9.0), (math.log(mean_value) - 9.0, math.log(mean_value) + 9.0)],
        options={"maxiter": 2000, "ftol": 1e-15, "gtol": 1e-10, "maxcor": 20},
    )
    theta = np.exp(result.x)
    ll, _ = _gg_terms(theta, ux, um, w, grad=False)
    return GammaGammaParams(
        p=float(theta[0]), q=float(theta[1]), v=float(theta[2]), log_likelihood=ll
    )


def expected_average_value(
    params: GammaGammaParams, frequency: ArrayLike, monetary_value: ArrayLike
) -> FloatArray:
    """E[mean transaction value | x, m]; customers with x = 0 get the population mean."""
    x, m = _as_float(frequency), _as_float(monetary_value)
    p, q, v = params.p, params.q, params.v
    m = np.where(x > 0, m, 0.0)
    result: FloatArray = p * (v + x * m) / (p * x + q - 1.0)
    return result


# --------------------------------------------------------------------------- CLV


_QUADRATURE_NODES = 24


def discounted_expected_purchases(
    params: BGNBDParams,
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
    *,
    horizon: float,
    unit_days: float,
    annual_discount_rate: float = DEFAULT_ANNUAL_DISCOUNT_RATE,
) -> FloatArray:
    """Expected purchases in (T, T + horizon], each discounted to T at the annual rate.

    Discounting is continuous: a purchase expected at time T + s counts
    (1 + annual_discount_rate) ** -(s * unit_days / 365.25). With E(s) the expected
    purchases up to s, the value is integral of e^(-delta s) dE(s) = e^(-delta H) E(H) +
    delta * integral of e^(-delta s) E(s) ds, computed with 24-point Gauss-Legendre
    quadrature in u = log(1 + s / (alpha + T)), once per distinct (frequency, T).
    """
    if horizon < 0 or not math.isfinite(horizon):
        raise ValueError("horizon must be a finite number >= 0")
    if annual_discount_rate <= -1.0:
        raise ValueError("annual_discount_rate must be > -1")
    x, t_x, age = _as_float(frequency), _as_float(recency), _as_float(T)
    if horizon == 0 or x.shape[0] == 0:
        return np.zeros_like(x)
    delta = math.log1p(annual_discount_rate) * unit_days / DAYS_PER_YEAR
    (ux, uT), inverse, _ = unique_rows(x, age)
    total = math.exp(-delta * horizon) * _purchases_if_alive(params, horizon, ux, uT)
    if delta != 0.0:
        # Substitute s = c (e^u - 1), c = alpha + T: E(s) changes on the scale of c, which
        # can be far shorter than the horizon; in u the integrand is smooth.
        nodes, weights = np.polynomial.legendre.leggauss(_QUADRATURE_NODES)
        scale = params.alpha + uT
        top = np.log1p(horizon / scale)
        u = 0.5 * top[None, :] * (nodes[:, None] + 1.0)
        times = scale[None, :] * np.expm1(u)
        factors = _purchases_if_alive(params, times, ux[None, :], uT[None, :])
        jacobian = 0.5 * top[None, :] * weights[:, None] * scale[None, :] * np.exp(u)
        total = total + delta * np.sum(jacobian * np.exp(-delta * times) * factors, axis=0)
    alive = special.expit(-_bgnbd_log_odds_dead(params, x, t_x, age))
    result: FloatArray = total[inverse] * alive
    return result


def customer_lifetime_value(
    bgnbd: BGNBDParams,
    gamma_gamma: GammaGammaParams,
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
    monetary_value: ArrayLike,
    *,
    horizon: float,
    unit_days: float,
    annual_discount_rate: float = DEFAULT_ANNUAL_DISCOUNT_RATE,
) -> FloatArray:
    """Discounted expected spend over the horizon: E[value per purchase] x E[purchases]."""
    purchases = discounted_expected_purchases(
        bgnbd,
        frequency,
        recency,
        T,
        horizon=horizon,
        unit_days=unit_days,
        annual_discount_rate=annual_discount_rate,
    )
    result: FloatArray = purchases * expected_average_value(gamma_gamma, frequency, monetary_value)
    return result


@dataclass(frozen=True)
class ValueFit:
    """Everything `goodwill value fit` reports."""

    summary: RFMSummary
    bgnbd: BGNBDParams
    gamma_gamma: GammaGammaParams
    gamma_gamma_customers: int


def fit_value_models(summary: RFMSummary) -> ValueFit:
    """Fit BG/NBD on every customer and Gamma-Gamma on repeat customers with value > 0."""
    bg = fit_bgnbd(summary.frequency, summary.recency, summary.T)
    spenders = (summary.frequency > 0) & (summary.monetary_value > 0)
    if not np.any(spenders):
        raise ValueError(
            "no customer has a repeat purchase with a positive amount: "
            "the Gamma-Gamma model cannot be fitted"
        )
    gg = fit_gamma_gamma(summary.frequency[spenders], summary.monetary_value[spenders])
    return ValueFit(summary, bg, gg, int(spenders.sum()))
