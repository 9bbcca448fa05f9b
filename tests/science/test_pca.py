"""PCA from the covariance eigendecomposition against NumPy's SVD of the centred data."""

from __future__ import annotations

import numpy as np
import pytest

from logistic_softmax.science.pca import PCA


def _data(n=300, d=12, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)) @ rng.normal(size=(d, d)) + rng.normal(size=d)


def test_components_and_variances_match_the_svd():
    X = _data()
    p = PCA.fit(X, 5)
    C = X - X.mean(axis=0)
    _, s, Vt = np.linalg.svd(C, full_matrices=False)
    np.testing.assert_allclose(p.variances, s**2 / len(X), rtol=1e-10)
    # same directions up to sign; ours have their largest entry positive
    for j in range(5):
        v = Vt[j] * np.sign(Vt[j][np.abs(Vt[j]).argmax()])
        np.testing.assert_allclose(p.components[:, j], v, atol=1e-9)
    np.testing.assert_allclose(p.transform(X), C @ p.components, atol=1e-10)
    np.testing.assert_allclose(p.explained, s[:5] ** 2 / np.sum(s**2), rtol=1e-10)


def test_float32_input_and_blocks_give_the_float64_answer():
    X = _data(n=20_000, d=6).astype(np.float32)  # more rows than one block
    p32 = PCA.fit(X, 3)
    p64 = PCA.fit(X.astype(np.float64), 3)
    np.testing.assert_allclose(p32.components, p64.components, atol=1e-12)
    np.testing.assert_allclose(p32.transform(X), p64.transform(X.astype(np.float64)), atol=1e-9)


def test_rank_and_null_space_of_dependent_columns():
    X = _data(d=8)
    X = np.column_stack([X, X[:, 0] - 2 * X[:, 3], np.full(len(X), 4.0)])  # one combination, one constant
    p = PCA.fit(X, 2)
    assert p.rank() == np.linalg.matrix_rank(X - X.mean(axis=0)) == 8
    assert p.null_space.shape == (10, 2)
    np.testing.assert_allclose((X - X.mean(axis=0)) @ p.null_space, 0.0, atol=1e-9)
    full = PCA.fit(X, 8)  # as many components as the rank: the scores hold the whole data
    np.testing.assert_allclose(full.reconstruct(full.transform(X)), X, atol=1e-9)


def test_bad_arguments():
    with pytest.raises(ValueError, match="k: expected a number of components in \\[1, 3\\]"):
        PCA.fit(np.ones((5, 3)), 4)
    with pytest.raises(ValueError, match="X: expected an n x d matrix"):
        PCA.fit(np.ones(5), 1)
