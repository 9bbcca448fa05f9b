"""The minibatch networks: backpropagation against finite differences, the in-place SGD step against the plain
formulas, the logistic function, FLOP counts, determinism."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from logistic_softmax.science import links, mlp
from logistic_softmax.science.numerics import central_gradient


def _problem(n=40, d=6, K=4, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.random((n, d))
    y = rng.integers(0, K, size=n)
    return X, y, rng


def _flat(net):
    return np.concatenate([a.ravel() for a in net.W + net.b])


def _unflat(net, v):
    out, i = net.copy(), 0
    for arrays in (out.W, out.b):
        for a in arrays:
            a[...] = v[i : i + a.size].reshape(a.shape)
            i += a.size
    return out


@pytest.mark.parametrize("layers", [1, 2])
@pytest.mark.parametrize("weight_decay", [0.0, 0.3])
def test_backpropagation_equals_the_derivative_of_the_loss(layers, weight_decay):
    X, y, rng = _problem()
    if layers == 1:
        net = mlp.Network([rng.normal(size=(6, 4))], [rng.normal(size=4)])
    else:
        net = mlp.two_layer(6, 5, 4, rng, dtype=np.float64)
        net.b[0][:] = rng.normal(size=5)
    dW, db = mlp.gradients(net, X, y, weight_decay)
    numeric = central_gradient(lambda v: mlp.loss(_unflat(net, v), X, y, weight_decay), _flat(net))
    exact = np.concatenate([a.ravel() for a in dW + db])
    np.testing.assert_allclose(exact, numeric, atol=1e-9)


def test_softmax_layer_gradient_is_the_textbook_formula():
    X, y, rng = _problem()
    W, b = rng.normal(size=(6, 4)), rng.normal(size=4)
    Z = X @ W + b
    P = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
    Y = np.eye(4)[y]
    dW, db = mlp.gradients(mlp.Network([W], [b]), X, y)
    np.testing.assert_allclose(dW[0], X.T @ (P - Y) / len(X), atol=1e-14)
    np.testing.assert_allclose(db[0], (P - Y).mean(axis=0), atol=1e-14)
    assert mlp.loss(mlp.Network([W], [b]), X, y) == pytest.approx(-np.mean(np.log(P[np.arange(len(y)), y])), abs=1e-14)


@pytest.mark.parametrize("layers", [1, 2])
def test_losses_along_one_weight_are_the_losses_of_the_moved_networks(layers):
    """The rows whose input is zero are not computed again: the result is still :func:`mlp.loss`, to the bit."""
    rng = np.random.default_rng(4)
    X = rng.random((25_000, 6)) * (rng.random((25_000, 6)) < 0.3)  # sparse inputs, more rows than one block
    y = rng.integers(0, 4, size=len(X))
    net = mlp.softmax_regression(6, 4, dtype=np.float64) if layers == 1 else mlp.two_layer(6, 3, 4, rng)
    net.W[0][...] = rng.normal(size=net.W[0].shape)
    shifts = (0.0, 1.0, -2.5, 100.0)
    expected = []
    for t in shifts:
        moved = net.astype(np.float64)
        moved.W[0][2, 1] += t
        expected.append(mlp.loss(moved, X, y, 0.3))
    assert mlp.losses_along(net, X, y, (2, 1), shifts, 0.3) == expected
    assert expected[0] != expected[1]


def test_logistic_is_one_over_one_plus_exp_and_saturates_without_warnings():
    z = np.linspace(-40, 40, 801)
    # the tanh form is accurate in absolute terms (what a hidden unit in (0, 1) needs), not relative near 0
    np.testing.assert_allclose(links.logistic(z), 1 / (1 + np.exp(-z)), rtol=0, atol=2 * np.finfo(float).eps)
    with np.errstate(all="raise"):
        assert links.logistic(np.array([-1e4, 1e4])).tolist() == [0.0, 1.0]


def test_one_full_batch_step_is_gradient_descent_and_momentum_accumulates():
    X, y, rng = _problem()
    net = mlp.two_layer(6, 5, 4, rng, dtype=np.float64)
    start = net.copy()
    eta, mu, lam = 0.3, 0.5, 0.01
    mlp.train(
        net,
        X,
        y,
        epochs=2,
        batch_size=len(X),
        learning_rate=eta,
        momentum=mu,
        weight_decay=lam,
        schedule="constant",
        rng=np.random.default_rng(0),
    )
    # by hand: V1 = -eta g(W0), W1 = W0 + V1; V2 = mu V1 - eta g(W1), W2 = W1 + V2 (row order does not matter)
    w0 = _flat(start)
    g0 = np.concatenate([a.ravel() for a in sum(mlp.gradients(start, X, y, lam), [])])
    v1 = -eta * g0
    w1 = w0 + v1
    net1 = _unflat(start, w1)
    g1 = np.concatenate([a.ravel() for a in sum(mlp.gradients(net1, X, y, lam), [])])
    w2 = w1 + mu * v1 - eta * g1
    # the bias gradients carry no penalty in either path
    np.testing.assert_allclose(_flat(net), w2, atol=1e-12)


def test_minibatches_cover_every_row_once_per_epoch():
    X, y, rng = _problem(n=10)
    net = mlp.softmax_regression(6, 4, dtype=np.float64)
    # with momentum 0 and a constant step, the sum of the minibatch steps of the first epoch equals
    # -eta * sum of the batch gradients; at weights 0 every batch gradient is the same function of its rows
    mlp.train(
        net,
        X,
        y,
        epochs=1,
        batch_size=3,
        learning_rate=0.1,
        momentum=0.0,
        schedule="constant",
        rng=np.random.default_rng(2),
    )
    order = np.random.default_rng(2).permutation(10)
    ref = mlp.softmax_regression(6, 4, dtype=np.float64)
    for s in range(0, 10, 3):
        rows = order[s : s + 3]
        dW, db = mlp.gradients(ref, X[rows], y[rows])
        ref.W[0] -= 0.1 * dW[0]
        ref.b[0] -= 0.1 * db[0]
    np.testing.assert_allclose(net.W[0], ref.W[0], atol=1e-14)
    np.testing.assert_allclose(net.b[0], ref.b[0], atol=1e-14)


def test_training_is_deterministic_and_learns_a_separable_problem():
    """Twice, with each epoch evaluated in a second thread while the next trains and in the training thread after
    it: the same weights and the same history, to the bit."""
    rng = np.random.default_rng(5)
    centres = rng.normal(scale=3, size=(3, 8))
    y = rng.integers(0, 3, size=600)
    X = (centres[y] + rng.normal(size=(600, 8))).astype(np.float32)
    runs, lines = [], []
    for background in (True, False):
        r = np.random.default_rng(11)
        net = mlp.two_layer(8, 6, 3, r)
        h = mlp.train(net, X, y, epochs=5, batch_size=32, learning_rate=0.5, rng=r, background=background,
                      evaluate_on={"train": (X, y), "test": (X[:50], y[:50])}, progress=lines.append)
        runs.append((net, h))
    (a, ha), (b, hb) = runs
    for wa, wb in zip(a.W + a.b, b.W + b.b, strict=True):
        np.testing.assert_array_equal(wa, wb)
    assert ha.accuracy == hb.accuracy and ha.loss == hb.loss and ha.accuracy["train"][-1] > 0.95
    assert [line.split("(")[0] for line in lines[:5]] == [line.split("(")[0] for line in lines[5:]]
    assert lines[4].startswith("network: epoch 5/5  train loss") and len(ha.eval_seconds) == 5
    assert ha.learning_rate[0] == 0.5 and ha.learning_rate[-1] == pytest.approx(mlp.cosine_rate(0.5, 4, 5))
    loss, acc = mlp.evaluate(a, X, y)
    assert acc == ha.accuracy["train"][-1] and loss == pytest.approx(mlp.loss(a, X, y), rel=1e-6)


def test_cosine_rate_and_flop_count():
    assert mlp.cosine_rate(0.4, 0, 10) == 0.4
    assert mlp.cosine_rate(0.4, 5, 10) == pytest.approx(0.2)
    # 784-100-10 on 60000 rows: forward and weight-gradient products of both layers, the backward product of the
    # output layer only: 2 * 60000 * (2 * 78400 + 2 * 1000 + 1000)
    assert mlp.flops_per_epoch([784, 100, 10], 60000) == 2 * 60000 * (2 * 78400 + 2 * 1000 + 1000)


def test_bad_arguments_are_refused():
    X, y, rng = _problem()
    net = mlp.two_layer(6, 5, 4, rng)
    with pytest.raises(ValueError, match=r"labels: expected class indices in \[0, 3\], got \[1, 4\]"):
        mlp.gradients(net, X, y + 1)
    with pytest.raises(ValueError, match="expected epochs >= 1"):
        mlp.train(net, X, y, epochs=0, batch_size=4, learning_rate=0.1, rng=rng)
    with pytest.raises(ValueError, match="hidden: expected at least one hidden unit"):
        mlp.two_layer(6, 0, 4, rng)


def test_training_that_overflows_stops_and_keeps_the_last_finite_weights():
    X, y, rng = _problem()
    net = mlp.two_layer(6, 5, 4, rng, dtype=np.float32)
    with warnings.catch_warnings():  # no warning escapes: the overflow is detected and reported, not printed
        warnings.simplefilter("error")
        # the largest step size and penalty the MNIST report allows: each step multiplies the weights by about -9
        hist = mlp.train(net, X.astype(np.float32), y, epochs=20, batch_size=4, learning_rate=10.0, momentum=0.9,
                         weight_decay=1.0, schedule="constant", rng=rng, evaluate_on={"train": (X, y)})
    assert hist.diverged_at is not None and hist.epochs == hist.diverged_at
    assert all(np.isfinite(a).all() for a in net.W + net.b)
