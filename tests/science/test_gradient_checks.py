"""Gradients against central differences with derived tolerances: the bounds hold against independent estimates
(a numerical third derivative, the loss in extended precision), and a wrong gradient is caught."""

import numpy as np
import pytest

from logistic_softmax.science import mlp
from logistic_softmax.science import networks as nw
from logistic_softmax.science.gradient_checks import (
    best_step,
    gradient_check,
    linear_tolerance,
    loss_error,
    third_derivative_bounds,
)
from logistic_softmax.science.numerics import central_gradient


def _problem(seed=0, n=40, d=6, K=4):
    rng = np.random.default_rng(seed)
    X = rng.random((n, d))
    y = rng.integers(0, K, size=n)
    return X, y, rng


@pytest.mark.parametrize("hidden", [None, 5])
def test_backprop_agrees_within_the_derived_tolerance_and_a_wrong_gradient_does_not(hidden):
    X, y, rng = _problem()
    net = mlp.softmax_regression(6, 4, dtype=np.float64) if hidden is None else mlp.two_layer(6, hidden, 4, rng)
    net.W[-1][:] = rng.normal(scale=2.0, size=net.W[-1].shape)  # away from the symmetric start
    g = gradient_check(net, X, y, 0.01, rng, per_array=3)
    assert g.backprop.size == 3 * 2 * len(net.W) and len(g.where) == g.backprop.size
    assert np.all(np.abs(g.backprop - g.numeric) <= g.tolerance)
    assert np.all(g.tolerance < 1e-6 * (1 + np.abs(g.backprop)))  # the check has teeth
    wrong = gradient_check(net, X, y, 0.0, np.random.default_rng(1), per_array=3)  # differences of another loss
    right = mlp.gradients(net.astype(np.float64), X, y, 0.01)  # ... against the gradient with the penalty
    lookup = {f"W[{i}][{r}, {c}]": right[0][i][r, c] for i in range(len(net.W)) for r, c in np.ndindex(net.W[i].shape)}
    picked = [(w, lookup[w]) for w in wrong.where if w in lookup]
    idx = [wrong.where.index(w) for w, _ in picked]
    assert np.any(np.abs(np.array([v for _, v in picked]) - wrong.numeric[idx]) > wrong.tolerance[idx])


def _third_difference(f, t, h=1e-2):
    return (f(t + 2 * h) - 2 * f(t + h) + 2 * f(t - h) - f(t - 2 * h)) / (2 * h**3)


def test_third_derivative_bounds_hold_along_every_coordinate_checked():
    X, y, rng = _problem(n=30)
    net = mlp.two_layer(6, 3, 4, rng, dtype=np.float64)
    net.W[1][:] = rng.normal(scale=3.0, size=net.W[1].shape)
    bW, bb = third_derivative_bounds(net, X)
    for arrays, bounds in ((net.W, bW), (net.b, bb)):
        for A, B in zip(arrays, bounds, strict=True):
            for flat in rng.choice(A.size, size=min(4, A.size), replace=False):
                idx = np.unravel_index(flat, A.shape)
                keep = A[idx]

                def f(t, A=A, idx=idx, keep=keep):
                    A[idx] = keep + t
                    value = mlp.loss(net, X, y)
                    A[idx] = keep
                    return value

                # sampled along the coordinate (the bound holds everywhere); the estimate's own error is O(h^2)
                worst = max(abs(_third_difference(f, t)) for t in np.linspace(-3, 3, 13))
                assert worst <= B[idx] * (1 + 1e-3) + 1e-6


def test_loss_error_bounds_the_rounding_against_extended_precision():
    X, y, rng = _problem(n=200, d=30, K=10)
    net = mlp.two_layer(30, 20, 10, rng, dtype=np.float64)
    net.W[0] *= 30
    value = mlp.loss(net, X, y, 0.1)
    ld = np.longdouble
    H = 1 / (1 + np.exp(-(X.astype(ld) @ net.W[0].astype(ld) + net.b[0].astype(ld))))
    Z = H @ net.W[1].astype(ld) + net.b[1].astype(ld)
    Z = Z - Z.max(axis=1, keepdims=True)
    exact = -np.mean(Z[np.arange(len(y)), y] - np.log(np.exp(Z).sum(axis=1))) + 0.05 * sum(
        np.sum(W.astype(ld) ** 2) for W in net.W)
    assert abs(value - float(exact)) <= loss_error(net, X, 0.1, value)


def test_linear_tolerance_holds_for_the_neuron_and_the_layer(spector, anes):
    ds, scaling, Xs, y = spector
    rng = np.random.default_rng(4)
    w = rng.normal(size=Xs.shape[1])
    g = nw.neuron_gradient(Xs, y, w, 0.3)
    fd = central_gradient(lambda v: nw.neuron_loss(Xs, y, v, 0.3), w)
    assert np.all(np.abs(g - fd) <= linear_tolerance(Xs, w, nw.neuron_loss(Xs, y, w, 0.3), g, 0.3))
    assert np.any(np.abs(1.001 * g - fd) > linear_tolerance(Xs, w, nw.neuron_loss(Xs, y, w, 0.3), g, 0.3))
    dl, _, Xl = anes
    W = rng.normal(size=(Xl.shape[1], dl.K))
    G = nw.layer_gradient(Xl, dl.codes, W)
    FD = central_gradient(lambda V: nw.layer_loss(Xl, dl.codes, V), W)
    assert np.all(np.abs(G - FD) <= linear_tolerance(Xl, W, nw.layer_loss(Xl, dl.codes, W), G))


def test_best_step_minimises_the_bound():
    ve, third = 1e-13, 0.2
    h = best_step(ve, third)
    bound = lambda s: s**2 * third / 6 + ve / s  # noqa: E731
    assert bound(h) <= min(bound(h * 0.9), bound(h * 1.1))
    assert best_step(1e-13, 0.0) == 1e-2 and best_step(1.0, 1e-300) == 1e-2
