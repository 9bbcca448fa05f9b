"""The homogeneous hard-margin SVM: hand-solved cases, its KKT conditions, SciPy's SLSQP as a second route, and the
duality-gap certificate against the true distance."""

import numpy as np
import pytest
from scipy import optimize

from logistic_softmax.science import svm
from logistic_softmax.science.data import separable


def test_two_points_by_hand():
    """a1 = (1, 0), a2 = (0, 1): the constraints w1 >= 1, w2 >= 1 meet at w* = (1, 1) with multipliers (1, 1)."""
    hm = svm.hard_margin(np.array([[1.0, 0.0], [0.0, 1.0]]))
    assert hm.separable
    np.testing.assert_allclose(hm.w, [1.0, 1.0], atol=hm.distance + 1e-15)
    np.testing.assert_allclose(hm.alpha, [1.0, 1.0], rtol=1e-12)
    assert hm.distance < 1e-6 and hm.norm_lower == pytest.approx(np.sqrt(2.0), rel=1e-12)


def test_an_inactive_point_gets_no_multiplier():
    """Adding a3 = (2, 2), whose margin at w* = (1, 1) is 4 > 1, changes nothing; a4 = (1, 1)/2 is on the margin."""
    hm = svm.hard_margin(np.array([[1.0, 0.0], [0.0, 1.0], [2.0, 2.0]]))
    np.testing.assert_allclose(hm.w, [1.0, 1.0], rtol=1e-12)
    assert hm.alpha[2] == 0.0 and list(hm.support) == [0, 1]
    hm4 = svm.hard_margin(np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]]))
    assert hm4.margins.min() == pytest.approx(1.0, abs=1e-12)


def test_kkt_conditions_and_the_gap_on_generated_data():
    X, y = separable.generated(200, np.random.default_rng(5))
    A = svm.signed_rows(X.to_numpy(), y)
    hm = svm.hard_margin(A)
    kkt = hm.kkt()
    assert hm.separable and kkt["dual_feasibility"] >= 0 and kkt["feasibility"] >= -hm.margin_rounding
    # the gap is 1/2 ||w - A'alpha||^2 + sum alpha_i (a_i'w - 1), both non-negative
    assert 0.5 * np.sum((hm.w - hm.combination) ** 2) <= hm.gap
    assert 0 <= hm.alpha @ (hm.margins - 1) + hm.alpha.sum() * hm.margin_rounding <= hm.gap
    # so each support vector's margin exceeds 1 by at most gap / alpha_i
    s = hm.support
    assert np.all(hm.margins[s] - 1 <= hm.gap / hm.alpha[s] + hm.margin_rounding)


def test_slsqp_finds_the_same_vector_within_the_two_certificates():
    X, y = separable.generated(120, np.random.default_rng(6))
    A = svm.signed_rows(X.to_numpy(), y)
    hm = svm.hard_margin(A)
    res = optimize.minimize(lambda w: 0.5 * w @ w, 2 * hm.w, jac=lambda w: w, method="SLSQP",
                            constraints=[{"type": "ineq", "fun": lambda w: A @ w - 1, "jac": lambda w: A}],
                            options={"ftol": 1e-15, "maxiter": 500})
    w = res.x / min(1.0, float((A @ res.x).min()))  # scaled to feasibility
    own = np.sqrt(max(w @ w - 2 * hm.dual, 0.0))  # ||w - w*|| <= sqrt(||w||^2 - ||w*||^2), ||w*||^2 >= 2 D
    np.testing.assert_allclose(w, hm.w, atol=own + hm.distance)


def test_the_certificate_bounds_the_distance_of_a_worse_feasible_vector():
    """The certificate's argument holds for any feasible w: a perturbed, rescaled vector is within its own bound."""
    X, y = separable.generated(80, np.random.default_rng(7))
    A = svm.signed_rows(X.to_numpy(), y)
    best = svm.hard_margin(A)
    rng = np.random.default_rng(8)
    for _ in range(10):
        w = best.w + 0.3 * rng.normal(size=best.w.size)
        m = (A @ w).min()
        if m <= 0:
            continue
        w = w / m
        assert np.linalg.norm(w - best.w) <= np.sqrt(w @ w - 2 * best.dual) + best.distance


def test_inseparable_data_are_reported():
    A = np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0]])  # a1 and a2 cannot both have positive margins
    hm = svm.hard_margin(A)
    assert not hm.separable and not np.isfinite(hm.distance)
