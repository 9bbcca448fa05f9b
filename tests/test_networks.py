"""The NumPy networks against finite differences, hand-computed values and statsmodels' maximum-likelihood fits."""

import warnings

import numpy as np
import pytest
import statsmodels.api as sm

from logistic_softmax import datasets, glm
from logistic_softmax import networks as nw
from logistic_softmax.numerics import central_gradient

SPECTOR = {"data": "spector", "outcome": "GRADE", "predictors": ["GPA", "TUCE", "PSI"], "positive": "1"}
ANES = {"data": "anes96", "outcome": "PID", "predictors": ["logpopul", "selfLR", "age", "educ", "income"]}


@pytest.fixture(scope="module")
def spector():
    ds = datasets.from_params(SPECTOR, kind="binary")
    scaling = nw.Scaling.fit(ds.X)
    return ds, scaling, scaling.transform(ds.X), ds.binary("1")


@pytest.fixture(scope="module")
def anes():
    ds = datasets.from_params(ANES, kind="categorical")
    scaling = nw.Scaling.fit(ds.X)
    return ds, scaling, scaling.transform(ds.X)


@pytest.fixture
def small():
    rng = np.random.default_rng(3)
    X = np.column_stack([np.ones(40), rng.normal(size=(40, 3))])
    codes = rng.integers(0, 4, size=40)
    return rng, X, codes


# -- forward passes and losses against hand computations -------------------------------------------------------------
def test_neuron_forward_and_loss_by_hand():
    X = np.array([[1.0, 2.0], [1.0, -1.0]])
    w = np.array([0.5, -0.25])
    y = np.array([1.0, 0.0])
    z = np.array([0.0, 0.75])  # 0.5 - 0.5 and 0.5 + 0.25
    p = 1 / (1 + np.exp(-z))
    np.testing.assert_allclose(nw.neuron_forward(X, w), p, rtol=1e-15)
    expected = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)) + 0.5 * 0.1 * (0.25 + 0.0625)
    assert nw.neuron_loss(X, y, w, l2=0.1) == pytest.approx(expected, rel=1e-14)


def test_layer_forward_and_loss_by_hand():
    X = np.array([[1.0, 1.0]])
    W = np.array([[0.0, 1.0, 2.0], [1.0, 0.0, -1.0]])  # logits (1, 1, 1): uniform
    np.testing.assert_allclose(nw.layer_forward(X, W), [[1 / 3, 1 / 3, 1 / 3]], rtol=1e-15)
    assert nw.layer_loss(X, np.array([2]), W) == pytest.approx(np.log(3), rel=1e-15)
    assert nw.layer_loss(X, np.array([2]), W, l2=2.0) == pytest.approx(np.log(3) + np.sum(W**2), rel=1e-15)


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
    assert np.linalg.eigvalsh(nw.layer_hessian(X, W, l2=0.1)).min() >= 0.1 - 1e-12


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
        nw.Scaling.fit(np.array([[1.0, 2.0], [1.0, 2.0]]))
    with pytest.raises(ValueError, match="first column"):
        nw.Scaling.fit(np.array([[0.5, 2.0], [1.0, 3.0]]))


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
    H = nw.drop_reference(nw.layer_hessian(Xs, t.final), Xs.shape[1], ds.K, 0)
    bound = np.linalg.norm(scaling.matrix, 2) * nw.distance_bound(t.grad_norm, H)
    assert bound < 1e-5
    np.testing.assert_allclose(B, fit.params.to_numpy(), atol=bound)


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
    assert np.linalg.norm(w_pen) < np.linalg.norm(w)  # the penalty shrinks the weights
    np.testing.assert_allclose(nw.neuron_gradient(Xs, y, w_pen, 0.2), 0.0, atol=1e-12)


def test_penalised_layer_optimum_has_zero_class_sum(anes):
    ds, _, Xs = anes
    W, _, gn = nw.layer_optimum(Xs, ds.codes, ds.K, 0.05)
    assert gn < 1e-12
    # at the optimum X'(P - Y)/n = -l2 W and the rows of P - Y sum to zero, so W's class sums are zero
    np.testing.assert_allclose(W.sum(axis=1), 0.0, atol=1e-12)
    with pytest.raises(ValueError, match="l2"):
        nw.layer_optimum(Xs, ds.codes, ds.K, 0.0)


def test_newton_reports_failure():
    with pytest.raises(RuntimeError, match="Newton"):
        nw.newton(lambda w: w + 1.0, lambda w: np.eye(1) * 1e-30, np.zeros(1), max_steps=2, tolerance=0.0)


# -- the seed-000 networks -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("l2", [0.0, 0.1])
def test_network1_difference_follows_network2_and_its_sum_decays(spector, l2):
    _, _, Xs, y = spector
    start = np.random.default_rng(5).normal(size=(4, 2))
    nets = nw.seed_networks(Xs, y, start, learning_rate=0.5, max_steps=5000, tolerance=1e-9, l2=l2)
    assert nets.net0.converged and nets.net2.converged and nets.net1.steps == nets.net2.steps
    np.testing.assert_array_equal(nets.net2.start, start[:, 1] - start[:, 0])
    allow = nw.rounding_allowance(Xs, nets.net1.weights, nets.net2.steps, 1.0)
    assert allow < 1e-9
    np.testing.assert_allclose(nets.net1_difference, nets.net2.weights, atol=allow)
    decay = (1 - 0.5 * l2) ** np.arange(nets.net1.steps + 1)
    np.testing.assert_allclose(nets.net1_sum, decay[:, None] * nets.net1_sum[0], atol=1e-13)
    assert np.abs(nw.difference_gradient_gap(Xs, y, nets.net1.weights, l2)).max() < 1e-14
    # networks 0 and 2: same optimum (of the neuron with penalty l2/2), different numbers of steps
    w_opt = nw.neuron_optimum(Xs, y, l2 / 2)[0]
    np.testing.assert_allclose(nets.net0.final, w_opt, atol=1e-7)
    np.testing.assert_allclose(nets.net2.final, w_opt, atol=1e-7)
    assert nets.net0.steps > 1.5 * nets.net2.steps


def test_difference_gradient_gap_is_chunked_consistently(spector):
    _, _, Xs, y = spector
    W = np.random.default_rng(2).normal(size=(9, 4, 2))
    whole = nw.difference_gradient_gap(Xs, y, W, 0.1)
    pieces = nw.difference_gradient_gap(Xs, y, W, 0.1, chunk_values=64)  # two steps per chunk
    np.testing.assert_allclose(whole, pieces, atol=1e-15)  # einsum may sum in another order per chunk
    assert np.abs(whole).max() < 1e-14
    # a wrong neuron (plain gradient, not twice it) is visible: the gap is then the neuron's gradient itself
    D = W[..., 1] - W[..., 0]
    g = np.stack([nw.neuron_gradient(Xs, y, d, 0.05) for d in D])
    G = np.stack([nw.layer_gradient(Xs, y.astype(int), Wt, 0.1) for Wt in W])
    np.testing.assert_allclose(G[..., 1] - G[..., 0], 2 * g, atol=1e-14)


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


def test_distance_bound_contains_the_true_distance(spector):
    _, _, Xs, y = spector
    w_opt = nw.neuron_optimum(Xs, y, 0.0)[0]
    for steps in (50, 200, 400):
        t = nw.train_neuron(Xs, y, np.zeros(4), learning_rate=0.5, max_steps=steps)
        bound = nw.distance_bound(t.grad_norm, nw.neuron_hessian(Xs, t.final))
        assert np.linalg.norm(t.final - w_opt) <= bound
    assert nw.distance_bound(1.0, np.zeros((2, 2))) == float("inf")


def test_training_status_banner():
    ok = nw.Trajectory(0.5, 0.0, 1e-9, 12, True, False, np.zeros(13), np.zeros(13), np.zeros((2, 3)))
    stopped = nw.Trajectory(0.5, 0.0, 1e-9, 50, False, False, np.zeros(51), np.ones(51), np.zeros((2, 3)))
    status = nw.TrainingStatus({"a": ok}, 50)
    assert status.converged and "converged: true" in status._repr_html_()
    status = nw.TrainingStatus({"a": ok, "b": stopped}, 50, notes=["far away"])
    html = status._repr_html_()
    assert not status.converged and "converged: false" in html and "b: stopped at the maximum of 50" in html
    assert "far away" in html


def test_comparison_tolerances_contain_the_distance_to_statsmodels_and_shrink_with_training(spector, anes):
    ds, scaling, Xs, y = spector
    beta = glm.fit_logit(ds, "1").params.iloc[:, 0].to_numpy()
    tols = []
    for steps in (100, 400):
        t = nw.train_neuron(Xs, y, np.zeros(4), learning_rate=0.5, max_steps=steps)
        tol = nw.neuron_tolerance(Xs, y, scaling, t.final, beta)
        assert np.abs(scaling.to_original(t.final) - beta).max() <= tol
        tols.append(tol)
    assert tols[1] < tols[0] / 100
    dl, sl, Xl = anes
    fit = glm.fit_mnlogit(dl)
    W_target = np.insert(sl.to_standard(fit.params.to_numpy()), 0, 0.0, axis=1)
    t = nw.train_layer(Xl, dl.codes, np.zeros((Xl.shape[1], dl.K)), learning_rate=2.0, max_steps=200)
    tol = nw.layer_tolerance(Xl, dl.codes, sl, t.final, W_target, 0)
    assert np.abs(sl.to_original(nw.reference_params(t.final, 0)) - fit.params.to_numpy()).max() <= tol
    W_pen = nw.layer_optimum(Xl, dl.codes, dl.K, 0.1)[0]
    t = nw.train_layer(Xl, dl.codes, np.zeros((Xl.shape[1], dl.K)), learning_rate=2.0, max_steps=100, l2=0.1)
    tol = nw.layer_tolerance(Xl, dl.codes, sl, t.final, W_pen, 0, l2=0.1)
    gap = sl.to_original(nw.reference_params(t.final, 0)) - sl.to_original(nw.reference_params(W_pen, 0))
    assert np.abs(gap).max() <= tol


def test_expected_sum_of_network1_is_the_geometric_decay(spector):
    _, _, Xs, y = spector
    start = np.random.default_rng(8).normal(size=(4, 2))
    nets = nw.seed_networks(Xs, y, start, learning_rate=0.5, max_steps=40, tolerance=0.0, l2=0.2)
    assert nets.net1_sum_expected[3] == pytest.approx(0.9**3 * (start[:, 0] + start[:, 1]), rel=1e-15)
    np.testing.assert_allclose(nets.net1_sum, nets.net1_sum_expected, atol=nets.net1_sum_allowance)
