"""Gradient descent on separable data: the recorded run against a plain loop, and the derived bounds (the rate, the
norm, the margin ratio) against the quantities they bound, on generated data and at random weights."""

import numpy as np
import pytest
from scipy.special import expit

from logistic_softmax.science import implicit_bias as ib
from logistic_softmax.science import separated_fits, svm
from logistic_softmax.science.data import separable
from logistic_softmax.science.links import softplus
from logistic_softmax.science.rounding import gamma


@pytest.fixture(scope="module")
def data():
    X, y = separable.generated(60, np.random.default_rng(2))
    A = svm.signed_rows(X.to_numpy(), y)
    return A, svm.hard_margin(A)


def test_record_steps_are_log_spaced_from_zero_to_the_last():
    steps = ib.record_steps(100000, 50)
    assert steps[0] == 0 and steps[-1] == 100000 and np.all(np.diff(steps) > 0)
    assert 40 <= steps.size <= 52 and np.sum(steps <= 1000) >= steps.size * 0.5
    assert list(ib.record_steps(0)) == [0]


def test_descend_keeps_the_iterates_of_a_plain_loop_within_the_drift_bound(data):
    """A loop written the other way round (w -= eta * gradient, the gradient as a mean over rows) takes the same
    steps in exact arithmetic: the two stay within the run's drift bound (its rounding, summed), from either side."""
    A, _ = data
    run = ib.descend(A, learning_rate=1.5, steps=3000, records=30)
    w, out = np.zeros(A.shape[1]), {}
    for t in range(1, 3001):
        w = w - run.learning_rate * np.mean(-A * expit(-(A @ w))[:, None], axis=0)
        out[t] = w.copy()
    for k, t in enumerate(run.steps[1:], start=1):
        assert np.linalg.norm(run.weights[k] - out[t]) <= 2 * run.drift[k]


def test_the_loss_falls_and_stays_below_the_rate(data):
    A, hm = data
    run = ib.descend(A, learning_rate=1.0, steps=20000, records=60)
    fit = separated_fits.ImplicitBias(None, hm, run)
    rise, allowance = fit.rises()
    assert np.all(rise <= allowance)
    loss, bound = fit.loss_within_bound()
    assert np.all(loss <= bound) and bound[-1] < ib.LOG2
    first, predicted = fit.correct_from, fit.predicted_from
    assert first is not None and predicted is not None and first <= predicted
    assert fit.smallest_margin_from(first) > 0 and np.all(run.norms >= fit.norm_lower_rate())


def test_loss_bound_by_hand():
    """B_t is the minimum over s of l(s) + s^2 ||w||^2 / (2 eta t) (eta L <= 1, so c = 0): at t = 1000 with
    ||w|| = 1, eta = 1, a fine scan of s by hand."""
    s = np.linspace(0.001, 50, 200001)
    by_hand = np.min(softplus(-s) + s**2 / 2000)
    assert ib.loss_bound([1000], 1.0, 1.0, 1.0)[0] == pytest.approx(by_hand, rel=1e-5)
    assert ib.loss_bound([0], 1.0, 1.0, 1.0)[0] == pytest.approx(ib.LOG2)


def test_inverse_loss_inverts_the_logistic_loss():
    m = np.array([0.01, 1.0, 5.0, 30.0])
    np.testing.assert_allclose(ib.inverse_loss(softplus(-m)), m, rtol=1e-12)


def test_norm_and_cosine_bounds_hold_at_random_weights(data):
    """Both inequalities hold for every w, not only gradient descent's: ||w|| >= ||w*|| l^-1(n f(w)) and
    cos(w, w*) >= gamma(w) / gamma*."""
    A, hm = data
    rng = np.random.default_rng(9)
    n = A.shape[0]
    slack = 1 - gamma(n + A.shape[1] + 8)  # the relative rounding of the computed loss, norms and margins
    w_star = hm.w / np.linalg.norm(hm.w)
    for _ in range(200):
        w = hm.w * rng.uniform(0.5, 20) + rng.normal(scale=rng.uniform(0, 3), size=hm.w.size)
        f = float(np.mean(softplus(-(A @ w))))
        assert np.linalg.norm(w) >= ib.norm_bound([f], n, hm.norm_lower)[0] * slack
        gamma_w = (A @ w).min() / np.linalg.norm(w)
        if gamma_w > 0:
            assert w @ w_star / np.linalg.norm(w) + hm.direction_error >= gamma_w * hm.norm_lower * slack
