"""The NumPy networks against finite differences, hand-computed values and statsmodels' maximum-likelihood fits."""

import warnings

import numpy as np
import pytest
import statsmodels.api as sm
from helpers import classes_on_normal_design

from logistic_softmax.science import certificates, glm
from logistic_softmax.science import networks as nw
from logistic_softmax.science.numerics import central_gradient
from logistic_softmax.science.scaling import Scaling


@pytest.fixture
def small():
    return classes_on_normal_design(3, 40)


# -- forward passes and losses against hand computations -------------------------------------------------------------
def test_neuron_forward_and_loss_by_hand():
    X = np.array([[1.0, 2.0], [1.0, -1.0]])
    w = np.array([0.5, -0.25])
    y = np.array([1.0, 0.0])
    z = np.array([0.0, 0.75])  # 0.5 - 0.5 and 0.5 + 0.25
    p = 1 / (1 + np.exp(-z))
    np.testing.assert_allclose(nw.neuron_forward(X, w), p, rtol=1e-15)
    expected = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)) + 0.5 * 0.1 * 0.0625  # the bias 0.5 is not penalised
    assert nw.neuron_loss(X, y, w, l2=0.1) == pytest.approx(expected, rel=1e-14)


def test_layer_forward_and_loss_by_hand():
    X = np.array([[1.0, 1.0]])
    W = np.array([[0.0, 1.0, 2.0], [1.0, 0.0, -1.0]])  # logits (1, 1, 1): uniform
    np.testing.assert_allclose(nw.layer_forward(X, W), [[1 / 3, 1 / 3, 1 / 3]], rtol=1e-15)
    assert nw.layer_loss(X, np.array([2]), W) == pytest.approx(np.log(3), rel=1e-15)
    assert nw.layer_loss(X, np.array([2]), W, l2=2.0) == pytest.approx(np.log(3) + np.sum(W[1:] ** 2), rel=1e-15)


def test_central_gradient_of_a_known_function():
    w = np.array([[0.5, -2.0], [3.0, 1.5]])
    np.testing.assert_allclose(central_gradient(lambda v: np.sum(v**3), w), 3 * w**2, rtol=1e-9)


# -- gradients and Hessians against finite differences ---------------------------------------------------------------
@pytest.mark.parametrize("l2", [0.0, 0.3])
def test_neuron_gradient_and_hessian_match_finite_differences(small, l2):
    rng, X, codes = small
    y = (codes > 1).astype(float)
    w = rng.normal(size=X.shape[1])
    g = nw.neuron_gradient(X, y, w, l2)
    np.testing.assert_allclose(g, central_gradient(lambda v: nw.neuron_loss(X, y, v, l2), w), atol=1e-8)
    H_fd = np.column_stack(
        [central_gradient(lambda v, j=j: nw.neuron_gradient(X, y, v, l2)[j], w) for j in range(X.shape[1])]
    )
    np.testing.assert_allclose(nw.neuron_hessian(X, w, l2), H_fd, atol=1e-7)


@pytest.mark.parametrize("l2", [0.0, 0.3])
def test_layer_gradient_and_hessian_match_finite_differences(small, l2):
    rng, X, codes = small
    W = rng.normal(size=(X.shape[1], 4))
    g = nw.layer_gradient(X, codes, W, l2)
    np.testing.assert_allclose(g, central_gradient(lambda V: nw.layer_loss(X, codes, V, l2), W), atol=1e-8)
    H = nw.layer_hessian(X, W, l2)
    for row in range(W.size):  # row j*K + k of the Hessian is the derivative of gradient entry (j, k)
        j, k = divmod(row, 4)
        fd = central_gradient(lambda V, j=j, k=k: nw.layer_gradient(X, codes, V, l2)[j, k], W)
        np.testing.assert_allclose(H[row], fd.ravel(), atol=1e-7)


def test_layer_hessian_is_singular_without_penalty_along_the_class_shift(small):
    rng, X, _ = small
    W = rng.normal(size=(X.shape[1], 4))
    H = nw.layer_hessian(X, W)
    shift = np.outer(rng.normal(size=X.shape[1]), np.ones(4)).ravel()  # the same vector added to every class
    np.testing.assert_allclose(H @ shift, 0.0, atol=1e-13)
    # with a penalty on the weights only, one number added to every bias is still free
    bias_shift = np.zeros((X.shape[1], 4))
    bias_shift[0] = 1.0
    np.testing.assert_allclose(nw.layer_hessian(X, W, l2=0.1) @ bias_shift.ravel(), 0.0, atol=1e-13)


def test_smoothness_bounds_the_curvature_everywhere(small):
    rng, X, codes = small
    L_neuron, L_layer = nw.smoothness(X, kind="neuron"), nw.smoothness(X, kind="layer")
    for _ in range(20):
        w, W = 3 * rng.normal(size=X.shape[1]), 3 * rng.normal(size=(X.shape[1], 4))
        assert np.linalg.eigvalsh(nw.neuron_hessian(X, w)).max() <= L_neuron
        assert np.linalg.eigvalsh(nw.layer_hessian(X, W)).max() <= L_layer
    # attained in the limit: at w = 0 every p (1 - p) is exactly 1/4
    assert np.linalg.eigvalsh(nw.neuron_hessian(X, np.zeros(X.shape[1]))).max() == pytest.approx(L_neuron)


# -- standardisation -------------------------------------------------------------------------------------------------
def test_scaling_maps_statsmodels_fit_on_standardised_data_to_the_original_fit(spector):
    ds, scaling, Xs, y = spector
    beta = sm.Logit(y, ds.X).fit(disp=0).params.to_numpy()
    beta_std = sm.Logit(y, Xs).fit(disp=0).params  # a second, independent fit on the standardised columns
    np.testing.assert_allclose(scaling.to_original(beta_std), beta, rtol=1e-7, atol=1e-7)
    np.testing.assert_allclose(scaling.to_standard(beta), beta_std, rtol=1e-7, atol=1e-7)
    np.testing.assert_allclose(scaling.matrix @ beta_std, scaling.to_original(beta_std), rtol=1e-14)
    M = np.column_stack([beta_std, 2 * beta_std])
    np.testing.assert_allclose(scaling.to_original(M)[:, 1], 2 * scaling.to_original(beta_std), rtol=1e-14)


def test_scaling_refuses_a_constant_column_or_a_design_without_the_constant():
    with pytest.raises(ValueError, match="constant"):
        Scaling.fit(np.array([[1.0, 2.0], [1.0, 2.0]]))
    with pytest.raises(ValueError, match="first column"):
        Scaling.fit(np.array([[0.5, 2.0], [1.0, 3.0]]))


# -- gradient descent ------------------------------------------------------------------------------------------------
def test_trained_neuron_reaches_the_statsmodels_logit_estimate(spector):
    ds, scaling, Xs, y = spector
    t = nw.train_neuron(Xs, y, np.zeros(4), learning_rate=1.0, max_steps=20000, tolerance=1e-10)
    assert t.converged and not t.diverged and t.grad_norm < 1e-10
    # statsmodels' documented spector coefficients (Logit, GRADE ~ GPA + TUCE + PSI)
    documented = [-13.021347, 2.826113, 0.095158, 2.378688]
    np.testing.assert_allclose(scaling.to_original(t.final), documented, atol=2e-6)
    assert np.all(np.diff(t.losses) <= 1e-15)  # at a stable learning rate the loss never increases


def test_trained_layer_reaches_the_statsmodels_mnlogit_estimate(anes):
    ds, scaling, Xs = anes
    fit = glm.fit_mnlogit(ds)
    t = nw.train_layer(Xs, ds.codes, np.zeros((Xs.shape[1], ds.K)), learning_rate=2.0, max_steps=20000, tolerance=1e-9)
    assert t.converged
    B = scaling.to_original(nw.reference_params(t.final, 0))
    c = certificates.layer(Xs, ds.codes, t.final, 0, scale=certificates.layer_scale(scaling.matrix, ds.K, 0, 0.0))
    c_sm = certificates.layer(Xs, ds.codes, np.insert(scaling.to_standard(fit.params.to_numpy()), 0, 0.0, axis=1), 0,
                              scale=c.scale)
    assert c.available and c.bound < 1e-5
    assert np.linalg.norm(B - fit.params.to_numpy()) <= c.bound + c_sm.bound


def test_gradient_descent_counts_steps_and_stops_on_tolerance_or_maximum(spector):
    _, _, Xs, y = spector
    t = nw.train_neuron(Xs, y, np.zeros(4), learning_rate=0.5, max_steps=7, keep_weights=True)
    assert (t.steps, t.converged, t.diverged) == (7, False, False)
    assert t.weights.shape == (8, 4) and t.losses.shape == (8,) and t.grad_norms.shape == (8,)
    # the first step by hand: w1 = 0 - 0.5 * X'(1/2 - y)/n
    np.testing.assert_allclose(t.weights[1], -0.5 * Xs.T @ (0.5 - y) / len(y), rtol=1e-14)
    t2 = nw.train_neuron(Xs, y, np.zeros(4), learning_rate=0.5, max_steps=7)
    assert t2.weights.shape == (2, 4) and np.array_equal(t2.final, t.final)


def test_gradient_descent_reports_divergence_instead_of_warning(spector):
    _, _, Xs, y = spector
    with warnings.catch_warnings(action="error"):  # an overflow warning would fail the test
        t = nw.train_neuron(Xs, y, np.ones(4), learning_rate=100.0, max_steps=10000, l2=1.0)
    assert t.diverged and not t.converged and t.steps < 10000


def test_gradient_descent_refuses_a_bad_learning_rate(spector):
    _, _, Xs, y = spector
    for bad in (0.0, -1.0, float("nan")):
        with pytest.raises(ValueError, match="learning_rate"):
            nw.train_neuron(Xs, y, np.zeros(4), learning_rate=bad, max_steps=3)


def test_newton_finds_the_logit_estimate_and_the_penalised_optimum(spector):
    ds, scaling, Xs, y = spector
    w, steps, gn = nw.neuron_optimum(Xs, y, 0.0)
    assert gn < 1e-12 and steps < 20
    np.testing.assert_allclose(scaling.to_original(w), glm.fit_logit(ds, "1").params.iloc[:, 0], rtol=1e-8)
    w_pen, _, _ = nw.neuron_optimum(Xs, y, 0.2)
    assert np.linalg.norm(w_pen[1:]) < np.linalg.norm(w[1:])  # the penalty shrinks the weights
    np.testing.assert_allclose(nw.neuron_gradient(Xs, y, w_pen, 0.2), 0.0, atol=1e-12)


def test_layer_optimum_with_and_without_a_penalty(anes):
    ds, scaling, Xs = anes
    W, _, gn = nw.layer_optimum(Xs, ds.codes, ds.K, 0.05)
    assert gn < 1e-12 and W[0, 0] == 0.0  # the reference class's bias is held at zero
    # at the optimum X'(P - Y)/n = -l2 (0, W[1:]) and the rows of P - Y sum to zero: the weights' class sums vanish
    np.testing.assert_allclose(W[1:].sum(axis=1), 0.0, atol=1e-12)
    np.testing.assert_allclose(nw.layer_gradient(Xs, ds.codes, W, 0.05), 0.0, atol=1e-12)
    B, _, _ = nw.layer_optimum(Xs, ds.codes, ds.K, 0.0, reference=2)
    assert np.all(B[:, 2] == 0.0)
    fit = glm.fit_mnlogit(ds, ds.classes[2])  # statsmodels' maximum-likelihood estimate, reference class 2
    np.testing.assert_allclose(scaling.to_original(nw.reference_params(B, 2)), fit.params.to_numpy(), atol=1e-6)


def test_layer_trained_by_newton_steps_keeps_its_class_sum_and_reaches_mnlogit(anes):
    ds, scaling, Xs = anes
    start = np.random.default_rng(4).normal(size=(Xs.shape[1], ds.K))
    t = nw.train_layer_newton(Xs, ds.codes, start, tolerance=1e-10, max_steps=50)
    assert t.converged and t.steps < 20 and np.all(np.diff(t.losses) <= 0)
    np.testing.assert_allclose(t.final.sum(axis=1), start.sum(axis=1), atol=1e-12)
    fit = glm.fit_mnlogit(ds, ds.classes[0])
    np.testing.assert_allclose(scaling.to_original(nw.reference_params(t.final, 0)), fit.params.to_numpy(), atol=1e-6)


def test_newton_steps_on_separated_data_meet_the_tolerance_but_have_no_certificate(separated_csv):
    """On separated data the loss tends to 0 as the weights run off to infinity, so a gradient tolerance is met far
    out; only the certificate tells that no optimum is near (the reports diagnose separation besides)."""
    import pandas as pd

    frame = pd.read_csv(separated_csv)
    X = np.column_stack([np.ones(len(frame)), frame[["x1", "x2"]].to_numpy()])
    codes = (frame["group"] == "high").to_numpy().astype(int)
    t = nw.train_layer_newton(X, codes, np.zeros((3, 2)), tolerance=1e-14, max_steps=200)
    assert np.abs(t.final).max() > 30 and t.losses[-1] < 1e-10
    assert not certificates.neuron(X, codes, nw.logistic_from_softmax(t.final)).available


def test_newton_reports_failure():
    with pytest.raises(RuntimeError, match="Newton"):
        nw.newton(lambda w: w + 1.0, lambda w: np.eye(1) * 1e-30, np.zeros(1), max_steps=2, tolerance=0.0)


# -- mappings --------------------------------------------------------------------------------------------------------
def test_logistic_from_softmax_and_reference_params():
    W = np.array([[1.0, 4.0, -2.0], [0.5, 0.0, 3.0]])
    np.testing.assert_array_equal(nw.logistic_from_softmax(W[:, :2]), [3.0, -0.5])
    np.testing.assert_array_equal(nw.reference_params(W, 1), [[-3.0, -6.0], [0.5, 3.0]])
    G = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(nw.reduced_layer_gradient(G, 1), [[0.0, 2.0], [3.0, 5.0]])
    with pytest.raises(ValueError, match="two columns"):
        nw.logistic_from_softmax(W)


def test_reference_params_match_mnlogit_refits_for_every_reference(anes):
    ds, scaling, Xs = anes
    W, _, _ = nw.layer_optimum(Xs, ds.codes, ds.K, 1e-9)  # practically the MLE, with a unique minimiser
    for ref in (0, 3):
        fit = glm.fit_mnlogit(ds, ds.classes[ref])
        np.testing.assert_allclose(
            scaling.to_original(nw.reference_params(W, ref)), fit.params.to_numpy(), rtol=1e-5, atol=1e-6
        )


def test_drop_reference_gives_the_hessian_of_the_reference_parametrisation(small):
    rng, X, codes = small
    d, K, ref = X.shape[1], 4, 2
    B = rng.normal(size=(d, K - 1))

    def full(Bv):
        return np.insert(Bv.reshape(d, K - 1), ref, 0.0, axis=1)

    def grad(Bv):
        return nw.reduced_layer_gradient(nw.layer_gradient(X, codes, full(Bv)), ref).ravel()

    H_fd = np.column_stack([central_gradient(lambda v, i=i: grad(v)[i], B.ravel()) for i in range(B.size)])
    np.testing.assert_allclose(nw.drop_reference(nw.layer_hessian(X, full(B)), d, K, ref), H_fd, atol=1e-7)
