"""The self-concordance certificate: its inequality checked numerically, its bound against true distances to optima
found by Newton's method and by statsmodels, and the heuristic it replaces caught failing."""

import math

import numpy as np
import pytest
import statsmodels.api as sm

from logistic_softmax.science import basenet as bn
from logistic_softmax.science import certificates as ce
from logistic_softmax.science import diagnosis, glm
from logistic_softmax.science import networks as nw
from logistic_softmax.science.data import tables
from logistic_softmax.science.scaling import Scaling


def test_certificate_arithmetic():
    c = ce.Certificate(grad_norm=0.01, lambda_min=0.5, R=2.0, scale=3.0)
    assert c.x == pytest.approx(0.04) and c.available
    assert c.bound == pytest.approx(3.0 * -math.log(1 - 0.04) / 2.0, rel=1e-15)
    assert c.heuristic == pytest.approx(3.0 * 2 * 0.01 / 0.5)
    far = ce.Certificate(1.0, 0.5, 2.0)
    assert not far.available and far.bound == math.inf and far.record()["bound"] is None
    assert "no certificate" in far.describe()


@pytest.mark.parametrize("head,factor", [("sigmoid", 1.0), ("softmax", math.sqrt(2.0))])
def test_self_concordance_along_random_lines(spector, anes, head, factor):
    """|g'''(t)| <= R g''(t) with R = factor * max ||x_i||, by finite differences of the loss along random lines."""
    rng = np.random.default_rng(1)
    ds, _, X = (spector[0], None, spector[2]) if head == "sigmoid" else anes
    y = spector[3].astype(int) if head == "sigmoid" else ds.codes
    K = 1 if head == "sigmoid" else ds.K
    R = factor * ce.radius(X)
    h = 1e-3
    for _ in range(30):
        W, V = rng.normal(scale=2.0, size=(X.shape[1], K)), rng.normal(size=(X.shape[1], K))
        V /= np.linalg.norm(V)

        def g(t, W=W, V=V):
            return bn.loss(bn.Net(head, (W + t * V,)), X, y)

        f = [g(k * h) for k in (-2, -1, 0, 1, 2)]
        second = (f[1] - 2 * f[2] + f[3]) / h**2
        third = (f[4] - 2 * f[3] + 2 * f[1] - f[0]) / (2 * h**3)
        assert abs(third) <= R * second * (1 + 1e-3) + 1e-6


def test_neuron_certificate_contains_the_distance_along_gradient_descent(spector):
    ds, scaling, X, y = spector
    w_star = nw.neuron_optimum(X, y, 0.0)[0]
    for steps in (30, 100, 300, 2000):
        t = nw.train_neuron(X, y, np.zeros(4), learning_rate=1.0, max_steps=steps)
        c = ce.neuron(X, y, t.final)
        if c.available:
            assert np.linalg.norm(t.final - w_star) <= c.bound
    assert c.available and c.bound < 1e-10


def test_certificate_of_statsmodels_estimate_in_original_units(spector):
    ds, scaling, X, y = spector
    beta = sm.Logit(y, ds.X).fit(disp=0).params.to_numpy()  # statsmodels' documented spector fit
    scale = float(np.linalg.norm(scaling.matrix, 2))
    c = ce.neuron(X, y, scaling.to_standard(beta), scale=scale)
    exact = scaling.to_original(nw.neuron_optimum(X, y, 0.0)[0])
    assert c.available and np.linalg.norm(beta - exact) <= c.bound


@pytest.mark.parametrize("l2", [0.0, 0.05])
def test_layer_certificate_in_reduced_coordinates(anes, l2):
    ds, scaling, X = anes
    W_star = nw.layer_optimum(X, ds.codes, ds.K, l2)[0]
    scale = ce.layer_scale(scaling.matrix, ds.K, 0, l2)
    for steps in (200, 2000):
        t = nw.train_layer(X, ds.codes, np.zeros((X.shape[1], ds.K)), learning_rate=2.0, max_steps=steps, l2=l2)
        c = ce.layer(X, ds.codes, t.final, 0, l2, scale=scale)
        gap = scaling.to_original(nw.reference_params(t.final, 0)) - scaling.to_original(nw.reference_params(W_star, 0))
        if c.available:
            assert np.linalg.norm(gap) <= c.bound
    assert c.available


@pytest.mark.parametrize("l2", [0.0, 0.1])
def test_layer_scale_is_the_norm_of_the_map(l2):
    rng = np.random.default_rng(3)
    A = Scaling(np.array([1.0, -2.0]), np.array([0.5, 3.0])).matrix
    K, ref = 3, 1
    scale = ce.layer_scale(A, K, ref, l2)
    _, keep = ce.reduced_layer(np.zeros((3, K)), ref, l2)
    worst = 0.0
    for _ in range(2000):
        E = np.zeros((3, K))
        E[keep] = rng.normal(size=keep.sum())
        B = A @ nw.reference_params(E, ref)
        worst = max(worst, np.linalg.norm(B) / np.linalg.norm(E[keep]))
    assert worst <= scale * (1 + 1e-12) and worst > 0.9 * scale


def test_heuristic_fails_where_the_certificate_holds():
    X, y = ce.steep_example()
    w_star = nw.neuron_optimum(X, y, 0.0)[0]
    test = ce.heuristic_test(X, y, w_star, 0.0, np.random.default_rng(0))
    assert test.heuristic_failures > 0 and test.ratio > 2
    assert test.certificate_failures == 0


def test_mle_certificate_of_glm_fits(spector):
    ds = spector[0]
    fit = glm.fit_logit(ds, "1")
    c = diagnosis.mle_certificate(fit)
    assert c is not None and c.available and c.bound < 1e-4
    rng = np.random.default_rng(1)
    x = rng.normal(size=60)
    sep = tables.Dataset("sep", "separated", "y", ("x",), __import__("pandas").DataFrame({"const": 1.0, "x": x}),
                           (x > 0).astype(np.int64), ("0", "1"), 0)
    bad = glm.fit_logit(sep, "1", maxiter=30)
    c = diagnosis.mle_certificate(bad)
    assert c is None or not c.available  # no estimate exists, so nothing can certify one
    assert diagnosis.diagnose(bad, sep.codes).separation.found


def test_design_sizes_block_by_block(anes):
    X = anes[2]
    radius, sums, gram = diagnosis.design_sizes(X, rows=100)
    assert radius == pytest.approx(ce.radius(X), rel=1e-15)
    np.testing.assert_allclose(sums, np.abs(X).sum(axis=0), rtol=1e-14)
    A = np.abs(X)
    assert gram == pytest.approx(float(np.linalg.norm(A.T @ A, "fro")), rel=1e-14)


def test_the_certificate_is_computed_once_per_fit(spector):
    fit = glm.fit_logit(spector[0], "1")
    first = diagnosis.mle_certificate(fit)
    assert diagnosis.mle_certificate(fit) is first and diagnosis.hessian(fit) is fit.cache["hessian"]
    H = -np.asarray(fit.result.model.hessian(np.asarray(fit.result.params)))
    np.testing.assert_array_equal(diagnosis.hessian(fit), H)
