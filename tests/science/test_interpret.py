"""Odds ratios, marginal effects and tests against documented values and the formulas."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import ANES, SPECTOR
from scipy import stats

from logistic_softmax.science import glm, interpret
from logistic_softmax.science import marginal_effects as mfx
from logistic_softmax.science.data import tables
from logistic_softmax.science.rounding import gamma


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


def test_marginal_effects_match_the_documentation_and_the_formula(logit):
    eff, se = interpret.marginal_effects(logit)
    # statsmodels documentation, Logit(spector).get_margeff(): dy/dx 0.3626, 0.0122 (and 0.3052 for PSI as a slope)
    np.testing.assert_allclose(eff["1"][["GPA", "TUCE"]], [0.362581, 0.012208], atol=1e-6)
    slopes = logit.result.get_margeff(at="overall", method="dydx").margeff
    assert slopes[2] == pytest.approx(0.305178, abs=1e-6)
    # PSI is 0/1: its effect is the mean discrete change, computed here from the coefficients directly
    X, beta = logit.X.to_numpy(), logit.params["1"].to_numpy()
    on, off = X.copy(), X.copy()
    on[:, 3], off[:, 3] = 1.0, 0.0
    change = np.mean(1 / (1 + np.exp(-on @ beta)) - 1 / (1 + np.exp(-off @ beta)))
    # both computations are within the derived rounding bound of the exact value (the hand formula has the same
    # operations, row by row)
    allow = 2 * mfx.rounding(mfx.compute(logit)).effects[:, 1]
    assert abs(eff.loc["PSI", "1"] - change) <= allow[2] and interpret.binary_columns(logit.X) == ["PSI"]
    # a slope is the mean of beta_j p (1 - p)
    p = 1 / (1 + np.exp(-X @ beta))
    assert abs(eff.loc["GPA", "1"] - np.mean(beta[1] * p * (1 - p))) <= allow[0]


def test_multinomial_marginal_effects_are_labelled_by_class(mnlogit):
    eff, _ = interpret.marginal_effects(mnlogit)
    assert list(eff.columns) == [str(k) for k in range(7)]
    P, B = mnlogit.predict().to_numpy(), mnlogit.full_params.to_numpy()
    by_formula = (P[:, None, :] * (B[None] - (P @ B.T)[:, :, None])).mean(axis=0)[1:]  # p_k (B_jk - sum_l p_l B_jl)
    bound = mfx.rounding(mfx.compute(mnlogit)).effects
    assert (np.abs(eff.to_numpy() - by_formula) <= 2 * bound).all()
    # exactly zero: the rounding of each effect, plus a sum of K terms
    assert (np.abs(eff.sum(axis=1)) <= bound.sum(axis=1) + gamma(7) * eff.abs().sum(axis=1)).all()


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
