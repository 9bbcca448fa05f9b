"""The L2 penalties of softmax regression and their parametrisations: the penalties against their definitions, the
fast Hessian against the networks' one, the penalised optima against SciPy's optimiser (a second route, certified
at its own end point) and against statsmodels' ridge logistic regression, and the derivation's identities."""

import numpy as np
import pytest
import statsmodels.api as sm
from helpers import classes_on_normal_design
from scipy import optimize

from logistic_softmax.science import basenet as bn
from logistic_softmax.science import certificates, penalty_comparison
from logistic_softmax.science import networks as nw
from logistic_softmax.science import penalties as pe
from logistic_softmax.science.links import softmax
from logistic_softmax.science.rounding import gamma


@pytest.fixture
def small():
    return classes_on_normal_design(11, 60)


def test_penalty_matrices_give_the_penalties_sums_of_squares(small):
    rng, _, _ = small
    K, r = 5, 2
    B = rng.normal(size=(4, K))
    B[:, r] = 0.0
    theta = np.delete(B, r, axis=1)[1:]
    for kind in pe.KINDS:
        P = pe.penalty_matrix(K, kind)
        assert np.sum(theta * (theta @ P)) == pytest.approx(pe.penalty(B, r, kind), rel=1e-13)
    centred_by_hand = sum(np.sum((B[1:, k] - B[1:].mean(axis=1)) ** 2) for k in range(K))
    assert pe.penalty(B, r, "centred") == pytest.approx(centred_by_hand, rel=1e-13)
    assert pe.penalty(B, r, "ridge") == pytest.approx(np.sum(B[1:] ** 2), rel=1e-13)


def test_the_centred_penalty_is_the_smallest_softmax_penalty_over_shifts(small):
    """min over c of sum_k ||B_k + c||^2, found by SciPy, is the centred penalty, and is reached at c = -mean B."""
    rng, _, _ = small
    B = rng.normal(size=(4, 6))
    B[:, 1] = 0.0
    rows = B[1:]
    res = optimize.minimize(lambda c: np.sum((rows + c[:, None]) ** 2), np.zeros(3), method="BFGS",
                            jac=lambda c: 2 * np.sum(rows + c[:, None], axis=1), options={"gtol": 1e-12})
    assert res.fun == pytest.approx(pe.penalty(B, 1, "centred"), rel=1e-12)
    np.testing.assert_allclose(res.x, -rows.mean(axis=1), atol=1e-10)


def test_softmax_hessian_is_the_networks_hessian(small):
    rng, X, codes = small
    W = rng.normal(size=(4, 4))
    fast, slow = pe.softmax_hessian(X, W), nw.layer_hessian(X, W)
    # both are means of n products of entries of |X| and probabilities: rounding gamma(n + 4) times |X|'|X| / n
    bound = gamma(len(X) + 4) * np.kron(np.abs(X).T @ np.abs(X) / len(X), np.ones((4, 4))) * 2
    assert np.all(np.abs(fast - slow) <= bound)


def _scipy_softmax_optimum(X, codes, K, l2):
    """The softmax optimum by L-BFGS over every weight but class 0's bias, with its certificate."""
    d = X.shape[1]

    def unpack(v):
        W = np.zeros((d, K))
        W.ravel()[1:] = v
        return W

    def fun(v):
        value, (g,) = bn.value_and_gradient(bn.Net("softmax", (unpack(v),)), X, codes, l2)
        return value, g.ravel()[1:]

    res = optimize.minimize(fun, np.zeros(d * K - 1), jac=True, method="L-BFGS-B",
                            options={"gtol": 1e-13, "ftol": 0.0, "maxiter": 5000})
    W = unpack(res.x)
    return W, certificates.layer(X, codes, W, 0, l2)


def test_centred_fits_under_every_reference_are_the_softmax_optimum_found_by_scipy(small):
    _, X, codes = small
    K, l2 = 4, 0.3
    W_scipy, cert = _scipy_softmax_optimum(X, codes, K, l2)
    assert cert.available
    comp = penalty_comparison.compare(X, codes, ("a", "b", "c", "d"), 0, l2)
    assert comp.certified
    scale = pe.fit_softmax(X, codes, K, l2).certificate.scale  # the centring map's norm
    for r in range(K):
        fit = comp.fits["centred", r]
        np.testing.assert_allclose(fit.W, pe.centred(W_scipy), atol=fit.distance + scale * cert.bound)
    np.testing.assert_allclose(comp.softmax.W, pe.centred(W_scipy), atol=comp.softmax.distance + scale * cert.bound)
    assert np.all(np.abs(comp.weight_sums) <= comp.weight_sum_allowance)
    assert np.all(comp.weight_gap("centred") <= comp.weight_allowance())
    assert np.all(comp.probability_gap("centred") <= comp.probability_allowance())


def test_ridge_is_the_softmax_penalty_plus_the_reference_term_and_moves_with_the_reference(small):
    """The ridge fit with reference r minimises CE + l2/2 (sum_k ||w_k||^2 + K ||w_r||^2) over centred weights
    (SciPy's route), and the fits under two references are different models."""
    _, X, codes = small
    K, l2, r = 4, 0.3, 2
    d = X.shape[1]

    def fun(v):
        W = np.zeros((d, K))
        W.ravel()[1:] = v
        value, (g,) = bn.value_and_gradient(bn.Net("softmax", (W,)), X, codes, l2)
        C = pe.centred(W)[1:]  # the extra term on the centred representative's reference weights
        value += 0.5 * l2 * K * np.sum(C[:, r] ** 2)
        extra = np.zeros((d, K))
        extra[1:] = l2 * K * (np.eye(K)[r] - 1.0 / K)[None, :] * C[:, [r]]
        return value, (g + extra).ravel()[1:]

    res = optimize.minimize(fun, np.zeros(d * K - 1), jac=True, method="L-BFGS-B",
                            options={"gtol": 1e-13, "ftol": 0.0, "maxiter": 5000})
    W = np.zeros((d, K))
    W.ravel()[1:] = res.x
    # SciPy's end point certified like the package's fits: the extra term adds curvature l2 K c c' per weight row
    # (c = e_r - 1/K, the derivative of the centred w_r) and no third derivative
    c = np.eye(K)[r] - 1.0 / K
    H = pe.softmax_hessian(X, W) + np.kron(np.diag(np.r_[0.0, np.ones(d - 1)]), l2 * (np.eye(K) + K * np.outer(c, c)))
    cert = certificates.certify(res.jac, H[1:, 1:], np.sqrt(2.0) * certificates.radius(X))
    ridge = pe.fit_reference(X, codes, K, r, l2, "ridge")
    assert ridge.converged and cert.available
    distance = ridge.distance + cert.bound  # centring is a projection: it shrinks no distance's bound
    np.testing.assert_allclose(pe.centred(W)[1:], ridge.W[1:], atol=distance)
    np.testing.assert_allclose(softmax(X @ W, axis=1), ridge.probabilities(X),
                               atol=pe.probability_allowance(X, distance, W))
    other = pe.fit_reference(X, codes, K, 0, l2, "ridge")
    assert np.abs(other.W - ridge.W).max() > 100 * (other.distance + ridge.distance)


def test_two_class_penalty_lambda_is_logistic_lambda_over_two_against_statsmodels(spector):
    """statsmodels' GLM ridge (elastic net with L1_wt = 0, the intercept unpenalised) minimises the mean negative
    log-likelihood plus alpha/2 ||beta||^2: with alpha = l2/2 it is the two-unit layer's w1 - w0."""
    ds, _, Z, y = spector
    l2 = 0.4
    two = pe.two_class(Z, y, l2)
    assert two.certified
    alpha = np.r_[0.0, np.full(Z.shape[1] - 1, l2 / 2)]
    result = sm.GLM(y, Z, family=sm.families.Binomial()).fit_regularized(alpha=alpha, L1_wt=0.0, cnvrg_tol=1e-12)
    theirs = certificates.neuron(Z, y.astype(int), np.asarray(result.params), l2 / 2)
    assert theirs.available
    np.testing.assert_allclose(two.difference, result.params, atol=two.difference_allowance + theirs.bound)
    assert np.all(np.abs(two.weight_sum) <= two.sum_allowance)


def test_standardised_leaves_a_constant_predictor_at_zero():
    X = np.column_stack([np.ones(5), [1.0, 2, 3, 4, 5], np.full(5, 7.0)])
    Z = pe.standardised(X)
    np.testing.assert_allclose(Z[:, 1], (X[:, 1] - 3) / np.sqrt(2), rtol=1e-15)
    assert np.all(Z[:, 2] == 0) and np.all(Z[:, 0] == 1)


def test_probability_allowance_bounds_every_perturbation_of_that_size(small):
    rng, X, _ = small
    W = rng.normal(size=(4, 5))
    for _ in range(20):
        D = rng.normal(size=W.shape)
        D *= 0.05 / np.linalg.norm(D)
        gap = np.abs(softmax(X @ (W + D), axis=1) - softmax(X @ W, axis=1)).max()
        assert gap <= pe.probability_allowance(X, 0.05, W)
