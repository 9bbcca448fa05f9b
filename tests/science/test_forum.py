"""The forum's networks 0, 1 and 2: the linear case reaches statsmodels' optimum by either rate, the shared base
keeps the rule, one learning rate breaks it, and every row of the optimiser table agrees with the theory."""

import numpy as np
import pytest

from logistic_softmax.science import basenet as bn
from logistic_softmax.science import forum
from logistic_softmax.science import networks as nw


@pytest.mark.parametrize("l2", [0.0, 0.1])
def test_linear_rule_and_the_same_optimum_at_either_rate(spector, l2):
    ds, scaling, X, y = spector
    y = y.astype(int)
    start = np.random.default_rng(5).normal(size=(4, 2))
    lin = forum.linear_rule(X, y, start, eta=0.5, l2=l2, steps=20000, tolerance=1e-10)
    assert lin.exact.converged and lin.global_rate.converged
    assert lin.exact.one_step_ratio.max() <= 1 and lin.exact.bound_holds and lin.sums.holds
    if l2 == 0:  # network 2 at eta needs about twice the steps (with a penalty network 1 also waits for w0 + w1)
        assert lin.global_rate.steps > 1.5 * lin.exact.steps
    d = lin.exact.first.W[:, 1] - lin.exact.first.W[:, 0]
    np.testing.assert_allclose(d, lin.optimum, atol=lin.cert_exact.bound)
    np.testing.assert_allclose(lin.global_rate.final, lin.optimum, atol=lin.cert_global.bound)
    if l2 == 0:  # statsmodels' documented spector coefficients, in the original units
        np.testing.assert_allclose(scaling.to_original(d), [-13.021347, 2.826113, 0.095158, 2.378688], atol=2e-6)
        np.testing.assert_allclose(lin.sums.last, start.sum(axis=1), atol=1e-13)


def test_sum_tracker_catches_a_wrong_penalty(spector):
    _, _, X, y = spector
    y = y.astype(int)
    start = np.random.default_rng(2).normal(size=(4, 2))
    from logistic_softmax.science import lockstep as ls
    from logistic_softmax.science.optimizers import Optimizer

    wrong = forum.SumTracker(start, 0.5, 0.0)  # claims no decay while the run has a penalty
    one = bn.Net("softmax", (start,))
    ls.run(X, y, one, bn.Net("sigmoid", forum.single_unit(one.blocks)), opt_first=Optimizer("gd", (0.5,)),
           opt_second=Optimizer("gd", (1.0,)), l2_first=0.1, l2_second=0.05, mapping=ls.DIFFERENCE, steps=50,
           on_step=wrong)
    assert not wrong.holds and wrong.ratio > 1e6


@pytest.fixture(scope="module")
def base(spector):
    _, _, X, y = spector
    y = y.astype(int)
    blocks = bn.init(3, 6, 2, np.random.default_rng(7))
    return X, y, blocks, forum.base_rule(X, y, blocks, eta=0.5, l2=0.01, steps=300)


def test_shared_base_keeps_the_rule_and_networks_0_and_1_agree(base):
    *_, b = base
    for run in (b.net0, b.exact):
        assert run.one_step_ratio.max() <= 1 and run.bound_holds and run.gap.max() < 1e-12
    assert b.sums.holds and b.bounded


def test_one_learning_rate_breaks_the_rule(base):
    *_, b = base
    for key in ("eta", "2eta"):
        assert b.global_rates[key].gap[-1] > 1e-3  # far beyond any rounding
        assert b.feature_gap[key] > 1e-4


def test_every_row_of_the_optimizer_table_agrees_with_the_theory(base):
    X, y, blocks, _ = base
    rows = forum.optimizer_table(X, y, blocks, eta=0.5, momentum=0.9, adam_rate=0.01, l2=0.01, l2_adam=0.05,
                                 batch_size=8, steps=120, rng=np.random.default_rng(3))
    assert [r.key for r in rows] == ["gd", "sgd", "momentum", "adam", "adam_l2_coupled", "adam_l2_coupled_symmetric",
                                     "adamw"]
    for r in rows:
        assert r.exact == r.expect_exact, r.key
    assert not {r.key: r for r in rows}["adam_l2_coupled"].expect_exact


def test_minibatches_visit_every_row_once_per_epoch():
    batches = forum.minibatches(10, 3, 8, np.random.default_rng(0))
    assert [len(b) for b in batches] == [3, 3, 3, 1, 3, 3, 3, 1]
    assert sorted(np.concatenate(batches[:4]).tolist()) == list(range(10))


def test_pair_shared_base_on_small_images():
    rng = np.random.default_rng(0)
    X = rng.random((200, 16))
    y = (X[:, :8].sum(axis=1) > X[:, 8:].sum(axis=1)).astype(int)
    pb = forum.pair_shared_base(X[:150], y[:150], X[150:], y[150:], hidden=5, eta=0.5, momentum=0.9, epochs=2,
                                batch_size=16, rng=rng)
    assert pb.exact.steps == 2 * 10 and pb.exact.one_step_ratio.max() <= 1
    assert pb.rule_prediction_changes == 0
    assert set(pb.test_accuracy) == {"network 1", "network 2 (rule)", "network 2 (one rate)"}


def test_the_penalised_linear_rule_ends_at_the_optimum_found_by_bfgs(spector):
    """With a penalty, networks 1 and 2 end at the optimum of network 2's loss with penalty lambda / 2 on the weights;
    SciPy's BFGS on that loss is a second route to it (statsmodels' elastic net stops at a gradient near 1e-5)."""
    from scipy.optimize import minimize

    _, _, X, y = spector
    y = y.astype(int)
    lin = forum.linear_rule(X, y, np.zeros((4, 2)), eta=0.5, l2=0.2, steps=20000, tolerance=1e-11)
    d = lin.exact.first.W[:, 1] - lin.exact.first.W[:, 0]
    res = minimize(lambda v: nw.neuron_loss(X, y, v, 0.1), np.zeros(4), jac=lambda v: nw.neuron_gradient(X, y, v, 0.1),
                   method="BFGS", options={"gtol": 1e-13})
    np.testing.assert_allclose(d, res.x, atol=1e-9)
    np.testing.assert_allclose(d, lin.optimum, atol=lin.cert_exact.bound)


def test_head_multiplier_is_sqrt2_for_sgd_but_2_for_adam(spector):
    _, _, X, y = spector
    y = y.astype(int)
    blocks = bn.init(3, 4, 2, np.random.default_rng(1))
    checks = forum.head_multiplier_check(X, y, blocks, eta=0.5, adam_rate=0.01, momentum=0.9, l2=0.1, rows=np.arange(8))
    assert len(checks) == 3
    for got, want, allow in checks.values():
        assert np.all(np.abs(got - want) <= allow)
    # and Adam with the SGD multiplier sqrt(2) does not reach the rule's head rate: it moves sqrt(2) times as far
    from logistic_softmax.science.optimizers import Optimizer

    net2 = bn.Net("sigmoid", forum.single_unit(blocks))
    g = bn.gradient(net2, X[:8], y[:8])[-1]
    c, v = np.sqrt(2.0), net2.W
    (tilde,), _ = Optimizer("adam", (0.01,)).step((v / c,), (c * g,), Optimizer("adam", (0.01,)).init([v]))
    (rule,), _ = Optimizer("adam", (0.02,)).step((v,), (g,), Optimizer("adam", (0.02,)).init([v]))
    np.testing.assert_allclose(c * tilde - v, (rule - v) / c, rtol=1e-6)
