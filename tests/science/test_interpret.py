"""Odds ratios, tests, representative cases and profiles against documented values and the formulas (the
marginal effects: test_marginal_effects.py)."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import ANES, SPECTOR
from scipy import stats

from logistic_softmax.science import glm, interpret
from logistic_softmax.science.data import tables


@pytest.fixture(scope="module")
def logit():
    return glm.fit_logit(tables.from_params(SPECTOR), "1")


@pytest.fixture(scope="module")
def mnlogit():
    return glm.fit_mnlogit(tables.from_params(ANES), "3")


def test_odds_ratios_and_intervals(logit):
    t = interpret.ratio_table(logit, 0.05).droplevel("class")
    beta, se = logit.params["1"], logit.bse["1"]
    z = stats.norm.ppf(0.975)
    np.testing.assert_allclose(t["exp(coef)"], np.exp(beta), rtol=1e-14)
    np.testing.assert_allclose(t["ci low"], np.exp(beta - z * se), rtol=1e-12)
    np.testing.assert_allclose(t["ci high"], np.exp(beta + z * se), rtol=1e-12)
    assert t.loc["GPA", "exp(coef)"] == pytest.approx(16.879, abs=1e-3)  # exp(2.826113)


def test_lr_test():
    res = interpret.lr_test(-10.0, -11.920729, 1)
    assert res["statistic"] == pytest.approx(3.841458) and res["p-value"] == pytest.approx(0.05, abs=1e-6)


def test_prediction_table_matches_statsmodels(logit):
    y = logit.result.model.endog
    p = logit.predict()["1"].to_numpy()
    for threshold in (0.3, 0.5, 0.8):
        np.testing.assert_array_equal(interpret.prediction_table(y, p, threshold), logit.result.pred_table(threshold))


def test_profile_and_band(logit):
    rows = interpret.profile(logit, "GPA", 5)
    assert rows["GPA"].tolist() == pytest.approx(np.linspace(2.06, 4.0, 5).tolist())
    # a 0/1 indicator is held at its more common value (its mean, 0.4375, describes no student), a quantity at its mean
    assert rows["PSI"].nunique() == 1 and rows["PSI"].iloc[0] == 0.0
    assert rows["TUCE"].iloc[0] == pytest.approx(logit.X["TUCE"].mean())
    band = interpret.linear_predictor_band(logit, rows)
    assert (band["eta low"] < band["eta"]).all() and (band["p high"] > band["p"]).all()
    assert interpret.strongest_predictor(logit) == "GPA"
