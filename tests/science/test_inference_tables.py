"""The tables the GLM reports add for inference: profile intervals beside statsmodels' Wald intervals, predictions at
representative cases against SciPy's logistic function, and the pairwise fits' diagnoses on separated data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers import SPECTOR
from scipy import special

from logistic_softmax.science import glm, glm_setup, interpret, pairwise, profile_likelihood
from logistic_softmax.science.data import tables
from logistic_softmax.science.rounding import EPS


@pytest.fixture(scope="module")
def spector():
    return glm_setup.binary({**SPECTOR, "focus": ""})


def test_profile_and_wald_side_by_side(spector):
    fit, alpha = spector.fit, 0.1
    ci = profile_likelihood.profile_ci(fit, alpha)
    table = profile_likelihood.beside_wald(fit, ci, alpha)
    wald = np.asarray(fit.result.conf_int(alpha), dtype=np.float64)  # statsmodels' own Wald interval
    bound = 8 * EPS * (1 + np.abs(wald))
    assert np.all(np.abs(table[["Wald low", "Wald high"]].to_numpy() - wald) <= bound)
    assert np.array_equal(table["profile low"].to_numpy(), ci.low.iloc[:, 0].to_numpy())
    assert np.allclose(table["exp profile high"], np.exp(ci.high.iloc[:, 0]), rtol=4 * EPS, atol=0)
    half = (wald[:, 1] - wald[:, 0]) / 2
    gaps = np.abs(np.c_[ci.low.iloc[:, 0] - wald[:, 0], ci.high.iloc[:, 0] - wald[:, 1]]) / half[:, None]
    row, side = np.unravel_index(np.argmax(gaps), gaps.shape)
    most = profile_likelihood.largest_difference(table)
    assert (most["row"], most["side"]) == (fit.params.index[row], ("low", "high")[side])
    assert most["half_widths"] == pytest.approx(gaps[row, side], rel=1e-12)
    checks = profile_likelihood.bound_checks(fit, ci)
    assert len(checks) == 2 * len(fit.params) and not any(c.reason for c in checks)
    assert all(abs(c.statistic - ci.quantile) <= c.allowance for c in checks)


def test_an_unbounded_side_is_left_out_of_the_largest_difference(spector):
    table = profile_likelihood.beside_wald(spector.fit, profile_likelihood.profile_ci(spector.fit), 0.05)
    most = profile_likelihood.largest_difference(table)
    table.loc[most["row"], "profile high"] = np.inf
    assert profile_likelihood.largest_difference(table)["row"] != most["row"]


def test_representative_cases_and_their_predictions(spector):
    fit = spector.fit
    cases = interpret.representative_cases(fit)
    assert list(cases.loc["PSI", "PSI"]) == [0.0, 1.0]  # an indicator at 0 and at 1, never at its mean
    assert np.allclose(cases.loc["GPA", "GPA"], np.quantile(fit.X["GPA"], [0.25, 0.5, 0.75]), rtol=0, atol=1e-15)
    assert (cases.loc["GPA", "TUCE"] == fit.X["TUCE"].mean()).all() and (cases.loc["GPA", "PSI"] == 0.0).all()
    theirs, ours, atol = interpret.predicted_at(fit, cases, spector.positive)
    expit = special.expit(cases.to_numpy() @ fit.params.iloc[:, 0].to_numpy())
    assert np.all(np.abs(ours - expit) <= atol) and np.all(np.abs(theirs.to_numpy() - expit) <= atol)
    assert atol.max() < 1e-13


def test_a_separated_pair_is_diagnosed():
    rng = np.random.default_rng(1)
    x1, x2 = rng.normal(size=80), rng.normal(size=80)
    labels = np.where(x1 > 0.6, "high", np.where(rng.random(80) < 0.5, "low", "mid"))
    classes = ("high", "low", "mid")
    X = pd.DataFrame({"const": 1.0, "x1": x1, "x2": x2})
    ds = tables.Dataset("sim", "simulated", "group", ("x1", "x2"), X, np.array([classes.index(v) for v in labels]),
                        classes, 0)
    joint = glm.fit_mnlogit(ds, "low")
    comparison = pairwise.pairwise_vs_joint(joint, ds)
    assert comparison.diagnoses["high"].separation.found  # x1 > 0.6 is exactly class 'high'
    assert not comparison.diagnoses["mid"].separation.found and comparison.diagnoses["mid"].ok
