"""The linear networks against statsmodels: documented estimates reached within the certified distance, penalties
compared with Newton's optimum, separated data reported instead of asserted, and the shifted layers' allowance."""

import numpy as np
import pandas as pd
import pytest

from logistic_softmax.science import network_fits
from logistic_softmax.science.data import tables
from logistic_softmax.science.scaling import Scaling

SPECTOR = {"data": "spector", "outcome": "GRADE", "predictors": ["GPA", "TUCE", "PSI"], "positive": "1"}
ANES = {"data": "anes96", "outcome": "PID", "predictors": ["logpopul", "selfLR", "age", "educ", "income"]}
TRAIN = {"learning_rate": 1.0, "epochs": 20000, "tolerance": 1e-9}


def test_neuron_reaches_the_documented_logit_estimate_within_its_certificate():
    ds = tables.from_params(SPECTOR, kind="binary")
    c = network_fits.neuron_vs_logit(ds, "1", l2=0.0, **TRAIN)
    assert c.problem is None and c.trained.converged
    documented = [-13.021347, 2.826113, 0.095158, 2.378688]  # statsmodels' spector example
    np.testing.assert_allclose(c.statsmodels, documented, atol=1e-6)
    assert np.abs(c.estimate - c.statsmodels).max() <= c.tolerance < 1e-5


def test_penalised_neuron_is_compared_with_newtons_optimum():
    ds = tables.from_params(SPECTOR, kind="binary")
    c = network_fits.neuron_vs_logit(ds, "1", l2=0.2, **TRAIN)
    assert c.problem is None
    assert np.abs(c.estimate - c.target).max() <= c.tolerance
    assert c.max_abs_diff > 0.1  # the penalty moves the estimate well away from the maximum-likelihood one


@pytest.mark.parametrize("l2", [0.0, 0.05])
def test_layer_reaches_mnlogit_or_the_penalised_optimum(l2):
    ds = tables.from_params(ANES, kind="categorical")
    c = network_fits.layer_vs_mnlogit(ds, "3", learning_rate=2.0, epochs=20000, tolerance=1e-9, l2=l2)
    assert c.problem is None
    assert np.abs(c.estimate - c.target).max() <= c.tolerance
    assert c.estimate.shape == (6, 6)


def test_separated_data_give_a_reason_instead_of_a_target(separated_csv):
    frame = pd.read_csv(separated_csv)
    frame["high"] = (frame["group"] == "high").astype(int)
    frame.to_csv(separated_csv, index=False)
    params = {"data": str(separated_csv), "outcome": "high", "predictors": ["x1", "x2"]}
    ds = tables.from_params(params, kind="binary")
    c = network_fits.neuron_vs_logit(ds, "1", learning_rate=1.0, epochs=300, tolerance=1e-9, l2=0.0)
    assert c.target is None and "does not exist" in c.problem and not c.trained.converged


@pytest.mark.parametrize("l2", [0.0, 0.3])
def test_shifted_layers_stay_apart_by_the_shift(l2):
    ds = tables.from_params(ANES, kind="categorical")
    s = Scaling.fit(ds.X)
    X = s.transform(ds.X)
    rng = np.random.default_rng(0)
    W0, shift = rng.normal(size=(6, ds.K)), rng.normal(scale=2.0, size=6)
    sh = network_fits.shifted_layers(X, ds.codes, W0, shift, learning_rate=1.0, l2=l2, steps=300)
    assert np.all(np.abs(sh.gap) <= sh.allowance) and sh.steps == 300
    assert np.abs(sh.probabilities[0] - sh.probabilities[1]).max() <= sh.prob_allowance
    if l2:  # the weights' part of the shift has shrunk by (1 - 0.3)^300 to rounding, the bias part has not
        assert np.abs(sh.b[1:] - sh.a[1:]).max() < 1e-14
        assert np.abs(sh.b[0] - sh.a[0] - shift[0]).max() <= sh.allowance[0].max()
    else:  # a claim with the wrong shift would fail: the allowance is far below the shift itself
        assert np.all(np.abs((sh.b - sh.a) - 1.01 * shift[:, None]) > sh.allowance)


def test_forum_rows_are_every_row_or_a_seeded_sample():
    X, y = np.arange(60.0).reshape(20, 3), np.arange(20) % 2
    same = network_fits.forum_rows(X, y, 0, rows=20)
    assert same[2] == "" and np.array_equal(same[0], X) and same[1].dtype == np.int64
    Xs, ys, note = network_fits.forum_rows(X, y, 0, rows=5)
    rows = (Xs[:, 0] / 3).astype(int)
    assert len(set(rows)) == 5 and np.all(np.diff(rows) > 0) and np.array_equal(ys, y[rows])
    assert "5 of the 20 rows" in note and np.array_equal(network_fits.forum_rows(X, y, 0, rows=5)[0], Xs)
    assert any(not np.array_equal(network_fits.forum_rows(X, y, s, rows=5)[0], Xs) for s in range(1, 5))


def test_neuron_optimum_or_none_where_it_does_not_exist():
    x = np.linspace(-1, 1, 20)
    assert network_fits.neuron_optimum_or_none(np.column_stack([np.ones(20), x]), (x > 0).astype(int), 0.0) is None
    ds = tables.from_params(SPECTOR, kind="binary")
    X = Scaling.fit(ds.X).transform(ds.X)
    w = network_fits.neuron_optimum_or_none(X, ds.binary("1"), 0.0)
    from logistic_softmax.science import networks as nw

    np.testing.assert_array_equal(w, nw.neuron_optimum(X, ds.binary("1"), 0.0)[0])
