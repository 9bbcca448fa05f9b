"""Two networks side by side: identical networks never part, the forum's rule holds step by step under every
optimiser it is proved for, a wrong rule is caught, and the free-running bound contains the gap."""

import warnings

import numpy as np
import pytest

from logistic_softmax.science import basenet as bn
from logistic_softmax.science import lockstep as ls
from logistic_softmax.science.optimizers import Optimizer


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(11)
    X = np.column_stack([np.ones(40), rng.normal(size=(40, 3))])
    y = (X[:, 1] + 0.5 * rng.normal(size=40) > 0).astype(int)
    return X, y, bn.init(3, 5, 2, rng)


def pair(blocks):
    return bn.Net("softmax", blocks), bn.Net("sigmoid", blocks[:-1] + (blocks[-1][:, 1:2] - blocks[-1][:, 0:1],))


def test_a_network_against_itself_never_parts(data):
    X, y, blocks = data
    net = bn.Net("softmax", blocks)
    gd = Optimizer("gd", (0.5, 0.5))
    run = ls.run(X, y, net, net, opt_first=gd, opt_second=gd, steps=50)
    assert run.gap.max() == 0.0 and run.one_step_gap.max() == 0.0 and run.steps == 50


@pytest.mark.parametrize("kind,rate", [("gd", 0.5), ("momentum", 0.05), ("adam", 0.01)])
def test_the_rule_holds_at_every_step(data, kind, rate):
    X, y, blocks = data
    one, two = pair(blocks)
    rng = np.random.default_rng(0)
    batches = [rng.choice(40, 8, replace=False) for _ in range(150)]
    l2 = 0.0 if kind == "adam" else 0.05
    run = ls.run(X, y, one, two, opt_first=Optimizer(kind, (rate, rate)), opt_second=Optimizer(kind, (rate, 2 * rate)),
                 l2_first=l2, l2_second=(l2, l2 / 2), mapping=ls.DIFFERENCE, steps=150, batches=batches.__getitem__)
    assert run.one_step_ratio.size == 150 and run.one_step_ratio.max() <= 1.0
    assert run.gap.max() < 1e-12  # and run freely they stay within rounding


@pytest.mark.parametrize("wrong", ["head at eta", "penalty lambda on the head", "adam with coupled L2"])
def test_a_wrong_rule_is_caught(data, wrong):
    X, y, blocks = data
    one, two = pair(blocks)
    kind, rates, l2 = "gd", (0.5, 2 * 0.5), (0.05, 0.025)
    if wrong == "head at eta":
        rates = (0.5, 0.5)
    elif wrong == "penalty lambda on the head":
        l2 = (0.05, 0.05)
    else:
        kind, rates = "adam", (0.01, 0.02)
    r1 = (rates[0], rates[0])
    run = ls.run(X, y, one, two, opt_first=Optimizer(kind, r1), opt_second=Optimizer(kind, rates), l2_first=0.05,
                 l2_second=l2, mapping=ls.DIFFERENCE, steps=20)
    assert run.one_step_ratio.max() > 1e3


def test_free_running_bound_contains_the_gap_and_grows(data):
    X, y, blocks = data
    one, zero = bn.Net("softmax", blocks), bn.Net("difference", blocks)
    gd = Optimizer("gd", (0.5, 0.5))
    run = ls.run(X, y, one, zero, opt_first=gd, opt_second=gd, steps=300, hessians=True)
    assert run.bound_holds and run.bound.shape == run.gap.shape == (301,)
    assert np.all(np.diff(run.bound) >= 0) and run.bound[-1] > run.bound[1]
    assert np.all(run.rho >= 1.0 - 1e-12)  # the direction w0 + w1 is flat: no step can shrink it
    with pytest.raises(ValueError, match="plain gradient descent"):
        ls.run(X, y, one, zero, opt_first=Optimizer("adam", (0.1, 0.1)), opt_second=gd, steps=3, hessians=True)


def test_kept_steps_are_thinned_evenly(data):
    X, y, blocks = data
    one, two = pair(blocks)
    run = ls.run(X, y, one, two, opt_first=Optimizer("gd", (0.5, 0.5)), opt_second=Optimizer("gd", (0.5, 1.0)),
                 mapping=ls.DIFFERENCE, steps=1000, keep=50, one_step=False)
    assert len(run.kept[0]) == len(run.kept_steps) <= 100 and run.kept_steps[0] == 0
    assert len(set(np.diff(run.kept_steps))) == 1  # evenly spaced
    np.testing.assert_array_equal(run.kept[0][-1][0], run.first.blocks[0]) if run.kept_steps[-1] == 1000 else None


def test_divergence_stops_the_run_without_warnings(data):
    X, y, blocks = data
    one, two = pair(blocks)
    with warnings.catch_warnings():  # the penalty's factor 1 - eta lambda = -999 makes the weights overflow
        warnings.simplefilter("error")
        run = ls.run(X, y, one, two, opt_first=Optimizer("gd", (1e3, 1e3)), opt_second=Optimizer("gd", (1e3, 2e3)),
                     l2_first=1.0, l2_second=(1.0, 0.5), mapping=ls.DIFFERENCE, steps=200)
    assert run.diverged and run.steps < 200
