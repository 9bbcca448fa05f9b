"""The rounding rules: Higham's gamma, the propagated bound, the step map's contraction factor."""

import numpy as np
import pytest

from logistic_softmax.science.rounding import EPS, contraction, gamma, propagate


def test_gamma_is_n_eps_over_one_minus_n_eps():
    assert gamma(0) == 0.0
    assert gamma(10) == pytest.approx(10 * EPS / (1 - 10 * EPS), rel=1e-15)
    assert gamma(3, eps=0.01) == pytest.approx(0.03 / 0.97)
    with pytest.raises(ValueError):
        gamma(-1)
    with pytest.raises(ValueError):
        gamma(10**16)


def test_gamma_bounds_the_error_of_a_long_sum():
    rng = np.random.default_rng(0)
    x = rng.normal(size=100_000) * 10.0 ** rng.uniform(-5, 5, size=100_000)
    exact = float(np.sum(x.astype(np.longdouble)))
    assert abs(float(np.sum(x)) - exact) <= gamma(x.size) * np.sum(np.abs(x))
    total = 0.0
    for v in x:  # recursive summation, the worst order for the bound
        total += v
    assert abs(total - exact) <= gamma(x.size) * np.sum(np.abs(x))


def test_propagate_by_hand():
    np.testing.assert_allclose(propagate([2.0, 1.0, 0.5], [1.0, 1.0, 1.0]), [0.0, 1.0, 2.0, 2.0])
    with pytest.raises(ValueError):
        propagate([1.0], [1.0, 2.0])
    with pytest.raises(ValueError):
        propagate([-1.0], [1.0])


def test_contraction_is_the_norm_of_one_gradient_step():
    rng = np.random.default_rng(1)
    A = rng.normal(size=(5, 5))
    H = A @ A.T / 5
    rates = np.array([0.1, 0.1, 0.2, 0.2, 0.2])
    r = np.sqrt(rates)
    direct = np.linalg.norm(np.diag(1 / r) @ (np.eye(5) - np.diag(rates) @ H) @ np.diag(r), 2)
    assert contraction(H, rates) == pytest.approx(direct, rel=1e-12)
    assert contraction(H, 0.1) == pytest.approx(np.linalg.norm(np.eye(5) - 0.1 * H, 2), rel=1e-12)
