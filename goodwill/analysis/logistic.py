"""The L2 logistic regression the sentiment, intent and topic models share: fitting on the
columns a design matrix uses, and the softmax that turns their scores into probabilities."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


class LinearWeights:
    """What the linear models (sentiment, intent, topics) share: their fitted weights.
    A mixin of plain methods; each model, a dataclass, declares the two fields itself."""

    coef: sp.csr_matrix | None
    intercept: FloatArray | None

    def _fitted(self) -> tuple[sp.csr_matrix, FloatArray]:
        if self.coef is None or self.intercept is None:
            raise RuntimeError(f"{type(self).__name__} is not fitted")
        return self.coef, self.intercept


def fit_logistic(
    design: sp.csr_matrix,
    y: IntArray,
    *,
    c: float,
    n_classes: int,
    class_weight: str | None = "balanced",
    sample_weight: npt.ArrayLike | None = None,
) -> tuple[FloatArray, FloatArray]:
    """Weights (n_classes, columns) and intercepts of an L2 logistic regression; a class
    absent from ``y`` gets a -30 intercept (never predicted). With two classes present of
    several, the binary fit's row is split half and half between them. Binary
    ``n_classes == 1``: one row, the log-odds of class 1."""
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_limits

    present = np.unique(y)
    # Fit on the columns the data uses only: a column that is zero in every row gets a
    # zero weight under L2 anyway, and 2**20 mostly empty columns slow every iteration.
    used = np.unique(design.indices)
    compact = sp.csr_matrix(
        (design.data, np.searchsorted(used, design.indices), design.indptr),
        shape=(design.shape[0], len(used)),
    )
    clf = LogisticRegression(C=c, max_iter=2000, class_weight=class_weight)
    # One BLAS thread: these problems are small per iteration, and on a busy machine a
    # thread pool per core made the fit 30x slower (0.4 s -> 12 s for 1,000 texts).
    with threadpool_limits(limits=1):
        clf.fit(compact, y, sample_weight=sample_weight)
    rows = max(n_classes, 1)
    coef = np.zeros((rows, design.shape[1]))
    intercept = np.full(rows, -30.0)
    if n_classes == 1:
        coef[0, used] = clf.coef_[0]
        intercept[0] = clf.intercept_[0]
    elif len(present) == 2:  # binary LR: one row; expand to the two classes present
        coef[present[1], used] = clf.coef_[0] / 2
        coef[present[0], used] = -clf.coef_[0] / 2
        intercept[present[1]] = clf.intercept_[0] / 2
        intercept[present[0]] = -clf.intercept_[0] / 2
    else:
        coef[np.ix_(present, used)] = clf.coef_
        intercept[present] = clf.intercept_
    return coef, intercept


def softmax(design: sp.csr_matrix, coef: sp.csr_matrix, intercept: FloatArray) -> FloatArray:
    """(n, classes) probabilities of the linear scores ``design @ coef.T + intercept``."""
    z = np.asarray((design @ coef.T).todense()) + intercept
    z -= z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return np.asarray(e / e.sum(axis=1, keepdims=True), dtype=np.float64)
