"""MNLogit's warm start (its loss, its Hessian, Newton's method) against statsmodels' own MNLogit."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm

from logistic_softmax.science import glm, mnist_models
from logistic_softmax.science.data.mnist import Split, scores_dataset


def _data(n=600, d=4, K=3, seed=0):
    """A design with a constant and ``d`` predictors, classes drawn from a softmax of it (an optimum exists)."""
    rng = np.random.default_rng(seed)
    X = np.column_stack([np.ones(n), rng.normal(size=(n, d))])
    Z = np.column_stack([np.zeros(n), X @ rng.normal(size=(d + 1, K - 1))])
    P = np.exp(Z - Z.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    codes = (rng.random(n)[:, None] > np.cumsum(P, axis=1)).sum(axis=1)
    return X, codes


def test_loss_gradient_and_hessian_are_statsmodels_mnlogit():
    X, codes = _data()
    n, d = X.shape
    B = np.random.default_rng(1).normal(size=(d, 2))
    model = sm.MNLogit(codes, X)
    flat = B.ravel(order="F")  # statsmodels: the classes' columns one after another
    loss, G = mnist_models.mnlogit_loss(X, codes, B)
    assert loss == pytest.approx(-model.loglike(flat) / n, rel=1e-13)
    np.testing.assert_allclose(G.ravel(order="F"), -model.score(flat) / n, rtol=1e-11, atol=1e-15)
    H = -model.hessian(flat) / n
    np.testing.assert_allclose(mnist_models.mnlogit_hessian(X, B), H, rtol=1e-12, atol=1e-15)
    # terms rounded to float32 (24-bit significands), each block of rows summed in float32: about 1e-7 relative
    np.testing.assert_allclose(mnist_models.mnlogit_hessian(X, B, np.float32), H, atol=1e-5 * np.abs(H).max())


def test_hessian_blocks_of_rows_add_up():
    X, codes = _data(n=2500)  # more rows than one block of the Hessian's products
    B = np.random.default_rng(2).normal(size=(X.shape[1], 2))
    np.testing.assert_allclose(mnist_models.mnlogit_hessian(X, B), -sm.MNLogit(codes, X).hessian(B.ravel(order="F"))
                               / len(X), rtol=1e-12, atol=1e-15)


def test_the_warm_start_is_statsmodels_optimum_and_newton_confirms_it_in_one_iteration():
    X, codes = _data()
    steps = []
    B = mnist_models.mnlogit_start(X, codes, 3, progress=steps.append)
    cold = sm.MNLogit(codes, X).fit(method="newton", disp=0)
    assert cold.mle_retvals["iterations"] > 3 and steps == list(range(1, len(steps) + 1))
    np.testing.assert_allclose(B.ravel(order="F"), np.asarray(cold.params).ravel(order="F"), atol=1e-9)
    warm = sm.MNLogit(codes, X).fit(method="newton", disp=0, start_params=B.ravel(order="F"))
    assert warm.mle_retvals["iterations"] == 1 and warm.mle_retvals["converged"]
    np.testing.assert_allclose(warm.params, cold.params, atol=1e-12)


def test_no_warm_start_on_separated_data():
    X, _ = _data(n=60)
    codes = (X[:, 1] > 0).astype(int) + (X[:, 2] > 1)  # class 0 is exactly the rows with x1 <= 0: no optimum
    assert mnist_models.mnlogit_start(X, codes, 3) is None


def test_mnlogit_on_components_is_the_cold_fit():
    """The report's fit (warm start, then statsmodels) against ``glm.fit_mnlogit`` from statsmodels' zeros."""
    rng = np.random.default_rng(3)
    labels = rng.integers(0, 3, size=900)
    images = (rng.random((900, 12)) + 0.3 * labels[:, None] * np.linspace(-1, 1, 12)).astype(np.float32)
    train, test = Split(images[:600], labels[:600]), Split(images[600:], labels[600:])
    lines = []
    mnl = mnist_models.mnlogit_on_components(train, test, 4, progress=lines.append)
    cold = glm.fit_mnlogit(scores_dataset(mnl.pca.transform(train.images), train.labels, [0, 1, 2]), "0")
    np.testing.assert_allclose(mnl.fit.params, cold.params, atol=1e-10)
    np.testing.assert_allclose(mnl.fit.bse, cold.bse, rtol=1e-8)
    assert mnl.fit.result.mle_retvals["iterations"] == 1 and mnl.diagnosis.ok and mnl.fit.warnings == []
    assert lines[-1].startswith("MNLogit: Newton iteration 1 (") and "warm start, Newton step 1 (" in lines[0]
