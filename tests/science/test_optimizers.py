"""Each optimiser's step against a step computed by hand, and its rounding bound against extended precision."""

import numpy as np
import pytest

from logistic_softmax.science.optimizers import Optimizer


def test_gradient_descent_step_by_hand():
    opt = Optimizer("gd", (0.5, 0.25))
    (a, b), state = opt.step((np.array([[1.0], [2.0]]), np.array([[3.0]])), (np.array([[2.0], [4.0]]),
                                                                          np.array([[8.0]])), opt.init([0, 0]))
    np.testing.assert_array_equal(a, [[0.0], [0.0]])
    np.testing.assert_array_equal(b, [[1.0]])
    assert state.t == 1 and state.slots == ((), ())


def test_momentum_two_steps_by_hand():
    opt = Optimizer("momentum", (0.1,), momentum=0.9)
    w = (np.array([1.0]),)
    state = opt.init(w)
    w, state = opt.step(w, (np.array([2.0]),), state)  # u = -0.2, w = 0.8
    np.testing.assert_allclose(w[0], [0.8], rtol=1e-15)
    w, state = opt.step(w, (np.array([1.0]),), state)  # u = 0.9 * -0.2 - 0.1 = -0.28, w = 0.52
    np.testing.assert_allclose(state.slots[0][0], [-0.28], rtol=1e-15)
    np.testing.assert_allclose(w[0], [0.52], rtol=1e-15)


def test_adam_first_two_steps_by_hand():
    opt = Optimizer("adam", (0.01,), beta1=0.9, beta2=0.999, eps=1e-8)
    w = (np.array([[0.5], [1.0]]),)
    state = opt.init(w)
    g1 = np.array([[0.2], [-3.0]])
    w1, state = opt.step(w, (g1,), state)
    # after one step m_hat = g and v_hat = g^2, so each weight moves by rate * sign(g), up to eps
    np.testing.assert_allclose(w1[0], w[0] - 0.01 * g1 / (np.abs(g1) + 1e-8), rtol=1e-15)
    g2 = np.array([[-0.1], [1.0]])
    w2, state = opt.step(w1, (g2,), state)
    m = 0.9 * 0.1 * g1 + 0.1 * g2
    v = 0.999 * 0.001 * g1**2 + 0.001 * g2**2
    m_hat, v_hat = m / (1 - 0.9**2), v / (1 - 0.999**2)
    np.testing.assert_allclose(w2[0], w1[0] - 0.01 * m_hat / (np.sqrt(v_hat) + 1e-8), rtol=1e-14)


def test_adamw_decays_the_weights_but_not_the_bias():
    opt = Optimizer("adamw", (0.1,), decay=(0.5,))
    w = (np.array([[2.0], [4.0]]),)
    g = (np.array([[1.0], [1.0]]),)
    (w1,), _ = opt.step(w, g, opt.init(w))
    step = 0.1 * 1.0 / (1.0 + 1e-8)
    np.testing.assert_allclose(w1, [[2.0 - step], [4.0 - step - 0.1 * 0.5 * 4.0]], rtol=1e-15)


def test_a_gradient_scaled_by_c_moves_adam_by_the_same_step_and_gd_by_c_times_it():
    """Why the rule's head multiplier is sqrt(2) for SGD but would be 2 for Adam: Adam cancels a gradient's scale."""
    g = np.array([[0.3], [-0.7]])
    w = (np.zeros((2, 1)),)
    for kind, factor in (("gd", 3.0), ("adam", 1.0)):
        opt = Optimizer(kind, (0.01,), eps=1e-30)
        (a,), _ = opt.step(w, (g,), opt.init(w))
        (b,), _ = opt.step(w, (3.0 * g,), opt.init(w))
        np.testing.assert_allclose(b, factor * a, rtol=1e-14)


def test_optimizer_refuses_bad_settings():
    with pytest.raises(ValueError, match="kind"):
        Optimizer("lbfgs", (0.1,))
    with pytest.raises(ValueError, match="rates"):
        Optimizer("gd", (0.0,))
    with pytest.raises(ValueError, match="adamw"):
        Optimizer("adam", (0.1,), decay=(0.1,))
    with pytest.raises(ValueError, match="momentum"):
        Optimizer("momentum", (0.1,), momentum=1.0)


def _extended_step(kind, w, g, slots, t, rate, hyper):
    L = np.longdouble
    w, g = w.astype(L), g.astype(L)
    if kind == "gd":
        return w - L(rate) * g
    if kind == "momentum":
        u = L(hyper["momentum"]) * slots[0].astype(L) - L(rate) * g
        return w + u
    b1, b2, eps = (L(hyper[k]) for k in ("beta1", "beta2", "eps"))
    m = b1 * slots[0].astype(L) + (1 - b1) * g
    v = b2 * slots[1].astype(L) + (1 - b2) * g * g
    # the bias corrections are constants both of two compared runs compute the same way: taken as computed
    c1, c2 = 1 - hyper["beta1"] ** (t + 1), 1 - hyper["beta2"] ** (t + 1)
    m_hat, v_hat = m / L(c1), v / L(c2)
    return w - L(rate) * m_hat / (np.sqrt(v_hat) + eps)


@pytest.mark.skipif(np.finfo(np.longdouble).eps > 1e-18, reason="needs an extended-precision long double")
@pytest.mark.parametrize("kind", ["gd", "momentum", "adam"])
def test_step_error_bounds_the_rounding_of_one_step(kind):
    rng = np.random.default_rng(7)
    hyper = {"momentum": 0.9, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8}
    opt = Optimizer(kind, (0.05,), **hyper)
    for _ in range(200):
        w = rng.normal(scale=rng.uniform(0.1, 100), size=(6, 2))
        g = rng.normal(scale=rng.uniform(1e-6, 10), size=(6, 2))
        state = opt.init([w])
        if kind != "gd":  # a state from earlier steps
            for _ in range(int(rng.integers(1, 5))):
                _, state = opt.step((w,), (rng.normal(size=(6, 2)),), state)
        (new,), _ = opt.step((w,), (g,), state)
        (err,), _ = opt.step_error((w,), (g,), state, (np.zeros_like(g),))
        ref = _extended_step(kind, w, g, state.slots[0], state.t, 0.05, hyper)
        assert np.all(np.abs(new - ref.astype(np.float64)) <= err)


def test_step_error_carries_the_error_of_the_gradient():
    opt = Optimizer("gd", (0.5,))
    w, g = (np.ones(3),), (np.ones(3),)
    (plain,), _ = opt.step_error(w, g, opt.init(w), (np.zeros(3),))
    (carried,), _ = opt.step_error(w, g, opt.init(w), (np.full(3, 1e-10),))
    np.testing.assert_allclose(carried - plain, 0.5e-10, rtol=1e-12)
