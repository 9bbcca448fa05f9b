"""Networks on a shared base: losses by hand, gradients and Hessians against finite differences, networks 0 and 1
as one function, and the rounding bound against an independent computation in extended precision."""

import numpy as np
import pytest

from logistic_softmax.science import basenet as bn
from logistic_softmax.science.numerics import central_gradient

HEADS = [("softmax", 2), ("softmax", 4), ("difference", 2), ("sigmoid", 1)]


def design(rng, n=30, p=3, spread=1.0):
    return np.column_stack([np.ones(n), spread * rng.normal(size=(n, p))])


def targets(rng, head, K, n=30):
    return rng.integers(0, K if head == "softmax" else 2, size=n)


def unflat(net, theta):
    out, i = [], 0
    for b in net.blocks:
        out.append(theta[i : i + b.size].reshape(b.shape))
        i += b.size
    return net.with_blocks(out)


def flat_gradient(net, X, y, l2):
    return np.concatenate([g.ravel() for g in bn.gradient(net, X, y, l2)])


@pytest.mark.parametrize("head,K", HEADS)
@pytest.mark.parametrize("hidden", [0, 4])
def test_gradient_and_hessian_match_finite_differences(head, K, hidden):
    rng = np.random.default_rng(hidden * 10 + K)
    X, y = design(rng), targets(rng, head, K)
    net = bn.Net(head, bn.init(3, hidden, K, rng, scale=1.5))
    l2 = (0.3, 0.1) if hidden else 0.2
    theta = net.flat()
    g = flat_gradient(net, X, y, l2)
    np.testing.assert_allclose(g, central_gradient(lambda t: bn.loss(unflat(net, t), X, y, l2), theta), atol=1e-8)
    H = bn.hessian(net, X, y, l2)
    H_fd = np.column_stack([central_gradient(lambda t, j=j: flat_gradient(unflat(net, t), X, y, l2)[j], theta)
                            for j in range(theta.size)])
    np.testing.assert_allclose(H, H_fd.T, atol=1e-7)
    np.testing.assert_allclose(H, H.T, atol=1e-15)


def test_loss_by_hand_biases_are_not_penalised():
    X = np.array([[1.0, 2.0], [1.0, -1.0]])
    w = np.array([[0.5], [-0.25]])
    y = np.array([1, 0])
    z = np.array([0.0, 0.75])
    p = 1 / (1 + np.exp(-z))
    expected = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)) + 0.5 * 0.1 * 0.25**2  # only the weight -0.25
    assert bn.loss(bn.Net("sigmoid", (w,)), X, y, 0.1) == pytest.approx(expected, rel=1e-14)
    g = bn.gradient(bn.Net("sigmoid", (w,)), X, y, 0.1)[0][:, 0]
    np.testing.assert_allclose(g, X.T @ (p - y) / 2 + 0.1 * np.array([0.0, -0.25]), rtol=1e-14)


def test_per_block_penalties_and_the_hessian_diagonal():
    rng = np.random.default_rng(0)
    X, y = design(rng), rng.integers(0, 2, size=30)
    net = bn.Net("sigmoid", bn.init(3, 2, 1, rng))
    H0, H1 = bn.hessian(net, X, y, (0.0, 0.0)), bn.hessian(net, X, y, (0.5, 0.25))
    base = (np.arange(4) > 0)[:, None] * np.full((4, 2), 0.5)  # V: 4 x 2, row 0 the biases
    head = (np.arange(3) > 0)[:, None] * np.full((3, 1), 0.25)  # W: 3 x 1, row 0 the bias
    np.testing.assert_allclose(np.diag(H1 - H0), np.concatenate([base.ravel(), head.ravel()]), atol=1e-15)
    with pytest.raises(ValueError, match="l2"):
        bn.loss(net, X, y, (0.1, 0.1, 0.1))


@pytest.mark.parametrize("hidden", [0, 5])
def test_networks_0_and_1_are_one_function_of_the_same_weights(hidden):
    rng = np.random.default_rng(4)
    X, y = design(rng, spread=3.0), rng.integers(0, 2, size=30)
    blocks = bn.init(3, hidden, 2, rng, scale=2.0)
    one, zero = bn.Net("softmax", blocks), bn.Net("difference", blocks)
    assert bn.loss(one, X, y, 0.1) == pytest.approx(bn.loss(zero, X, y, 0.1), rel=1e-13)
    for g1, g0, e1, e0 in zip(bn.gradient(one, X, y, 0.1), bn.gradient(zero, X, y, 0.1),
                              bn.gradient_error(one, X, y, 0.1), bn.gradient_error(zero, X, y, 0.1), strict=True):
        assert np.all(np.abs(g1 - g0) <= e1 + e0)  # equal in exact arithmetic: apart by at most both roundings
    np.testing.assert_allclose(bn.predict_proba(one, X), bn.predict_proba(zero, X), atol=1e-15)


def test_network_2_has_network_1s_loss_at_the_difference_of_its_units():
    rng = np.random.default_rng(5)
    X, y = design(rng), rng.integers(0, 2, size=30)
    V, W = bn.init(3, 4, 2, rng)
    one, two = bn.Net("softmax", (V, W)), bn.Net("sigmoid", (V, W[:, 1:2] - W[:, 0:1]))
    assert bn.loss(one, X, y) == pytest.approx(bn.loss(two, X, y), rel=1e-13)
    g1, g2 = bn.gradient(one, X, y), bn.gradient(two, X, y)
    np.testing.assert_allclose(g1[1][:, 1], g2[1][:, 0], atol=1e-15)  # w1 receives +g ...
    np.testing.assert_allclose(g1[1][:, 0], -g2[1][:, 0], atol=1e-15)  # ... and w0 receives -g
    np.testing.assert_allclose(g1[0], g2[0], atol=1e-15)  # the base's gradient is the same


def _extended_gradient(net, X, y, l2):
    """The gradient in NumPy's extended precision (64-bit mantissa on x86), written out independently."""
    L = np.longdouble
    X = X.astype(L)
    blocks = [b.astype(L) for b in net.blocks]
    if len(blocks) == 2:
        V, W = blocks
        a = 1 / (1 + np.exp(-(X @ V)))
        A = np.column_stack([np.ones(len(X), dtype=L), a])
    else:
        (W,) = blocks
        A = X
    Z = A @ W
    n = len(X)
    if net.head == "softmax":
        E = np.exp(Z - Z.max(axis=1, keepdims=True))
        R = E / E.sum(axis=1, keepdims=True)
        R[np.arange(n), y] -= 1
    else:
        u = Z[:, 1] - Z[:, 0] if net.head == "difference" else Z[:, 0]
        r = 1 / (1 + np.exp(-u)) - y
        R = np.column_stack([-r, r]) if net.head == "difference" else r[:, None]
    lam = l2 if isinstance(l2, tuple) else (l2,) * len(blocks)

    def penalty(block, value):
        out = L(value) * block
        out[0] = 0
        return out

    gW = A.T @ R / n + penalty(W, lam[-1])
    if len(blocks) == 1:
        return (gW,)
    D = (R @ W[1:].T) * a * (1 - a)
    return (X.T @ D / n + penalty(V, lam[0]), gW)


@pytest.mark.skipif(np.finfo(np.longdouble).eps > 1e-18, reason="needs an extended-precision long double")
def test_rounding_bound_contains_the_actual_rounding_error():
    rng = np.random.default_rng(2)
    worst = 0.0
    for trial in range(120):
        n, p, m = int(rng.integers(5, 300)), int(rng.integers(1, 6)), int(rng.integers(0, 7))
        head, K = HEADS[trial % 4]
        X = design(rng, n, p, spread=rng.uniform(0.1, 20))
        y = targets(rng, head, K, n)
        net = bn.Net(head, bn.init(p, m, K, rng, scale=rng.uniform(0.1, 30)))
        l2 = float(rng.uniform(0, 2))
        for g, ref, bound in zip(bn.gradient(net, X, y, l2), _extended_gradient(net, X, y, l2),
                                 bn.gradient_error(net, X, y, l2), strict=True):
            err = np.abs(g - ref.astype(np.float64))
            assert np.all(err <= bound), f"trial {trial}: error {err.max():.3g} above its bound"
            worst = max(worst, float(np.max(err / np.maximum(bound, 1e-300))))
    assert worst > 1e-3  # the bound is not absurdly loose: the errors reach a visible part of it


def test_weight_errors_enlarge_the_bound():
    rng = np.random.default_rng(6)
    X, y = design(rng), rng.integers(0, 2, size=30)
    net = bn.Net("sigmoid", bn.init(3, 4, 1, rng))
    plain = bn.gradient_error(net, X, y)
    shifted = bn.gradient_error(net, X, y, weight_error=tuple(1e-10 * np.ones_like(b) for b in net.blocks))
    assert all(np.all(s > p) for s, p in zip(shifted, plain, strict=True))


def test_net_refuses_bad_shapes_and_heads():
    rng = np.random.default_rng(0)
    V, W = bn.init(3, 4, 2, rng)
    with pytest.raises(ValueError, match="head"):
        bn.Net("tanh", (W,))
    with pytest.raises(ValueError, match="rows"):
        bn.Net("softmax", (V, W[:-1]))
    with pytest.raises(ValueError, match="units"):
        bn.Net("sigmoid", (V, W))
    with pytest.raises(ValueError, match="class indices"):
        bn.loss(bn.Net("softmax", (V, W)), np.ones((2, 4)), np.array([0, 2]))
    assert [b.shape for b in bn.init(3, 4, 2, rng)] == [(4, 4), (5, 2)]
    assert [b.shape for b in bn.init(3, 0, 2, rng)] == [(4, 2)]
