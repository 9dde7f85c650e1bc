"""The shared logistic regression: class layout of the weights, and the softmax."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from goodwill.analysis.logistic import fit_logistic, softmax


def _separable(n: int, columns: int) -> tuple[sp.csr_matrix, np.ndarray]:
    rng = np.random.default_rng(0)
    y = np.arange(n) % 2
    dense = rng.random((n, columns)) * 0.1
    dense[:, 1] += y  # column 1 tells the classes apart
    return sp.csr_matrix(dense), y.astype(np.int64)


def test_two_of_three_classes_split_the_binary_row_and_the_absent_one_is_never_chosen() -> None:
    design, y = _separable(40, 4)
    y3 = np.where(y == 1, 2, 0)  # classes 0 and 2 present, 1 absent
    coef, intercept = fit_logistic(design, y3, c=1.0, n_classes=3)
    assert coef.shape == (3, 4)
    assert intercept[1] == -30.0
    np.testing.assert_allclose(coef[0], -coef[2])
    assert coef[2, 1] > 0  # the telling column pushes towards class 2
    proba = softmax(design, sp.csr_matrix(coef), intercept)
    assert (proba.argmax(axis=1) == y3).mean() > 0.9


def test_binary_gives_one_row_of_log_odds() -> None:
    design, y = _separable(40, 3)
    coef, intercept = fit_logistic(design, y, c=1.0, n_classes=1)
    assert coef.shape == (1, 3) and intercept.shape == (1,)
    odds = np.asarray(design @ coef.T).ravel() + intercept[0]
    assert ((odds > 0) == (y == 1)).mean() > 0.9


def test_unused_columns_get_zero_weight() -> None:
    design, y = _separable(30, 3)
    wide = sp.csr_matrix(sp.hstack([design, sp.csr_matrix((30, 5))], format="csr"))
    coef, _ = fit_logistic(wide, y, c=1.0, n_classes=2)
    assert coef.shape == (2, 8)
    assert not coef[:, 3:].any()


@settings(max_examples=50, deadline=None)
@given(
    hnp.arrays(np.float64, (4, 3), elements=st.floats(-50, 50)),
    hnp.arrays(np.float64, (2, 3), elements=st.floats(-5, 5)),
    hnp.arrays(np.float64, (2,), elements=st.floats(-30, 30)),
)
def test_softmax_rows_are_distributions_ordered_like_the_scores(
    x: np.ndarray, w: np.ndarray, b: np.ndarray
) -> None:
    proba = softmax(sp.csr_matrix(x), sp.csr_matrix(w), b)
    assert proba.shape == (4, 2)
    assert np.all(proba >= 0) and np.all(np.isfinite(proba))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    z = x @ w.T + b
    clear = np.abs(z[:, 0] - z[:, 1]) > 1e-9
    assert np.array_equal((proba[:, 0] > proba[:, 1])[clear], (z[:, 0] > z[:, 1])[clear])


def test_an_unfitted_model_names_itself() -> None:
    from goodwill.analysis.learned import TopicModel

    with pytest.raises(RuntimeError, match="TopicModel is not fitted"):
        TopicModel()._fitted()
