"""Profile-likelihood intervals: each bound checked through statsmodels' own log-likelihood and through an
independent constrained fit (statsmodels' Logit with the coefficient moved into an offset), each held to the
certified distances of the fits involved."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from helpers import ANES, SPECTOR
from scipy import stats

from logistic_softmax.science import glm, glm_setup, profile_likelihood
from logistic_softmax.science.data import tables
from logistic_softmax.science.diagnosis import mle_certificate, result_certificate
from logistic_softmax.science.rounding import gamma


@pytest.fixture(scope="module")
def spector_fit():
    return glm_setup.binary({**SPECTOR, "focus": ""}).fit


@pytest.mark.parametrize("alpha", [0.05, 0.2])
def test_every_bound_gives_the_chi2_quantile_in_statsmodels_likelihood(spector_fit, alpha):
    ci = profile_likelihood.profile_ci(spector_fit, alpha)
    q = stats.chi2.ppf(1 - alpha, 1)
    for idx, (lo, hi) in enumerate(ci.bounds.values()):
        for bound in (lo, hi):
            statistic, allowance = profile_likelihood.verify_bound(spector_fit, bound, idx)
            assert abs(statistic - q) <= allowance < 1e-6, (idx, statistic, allowance)
    est = spector_fit.params.to_numpy()
    assert (ci.low.to_numpy() < est).all() and (est < ci.high.to_numpy()).all()


def test_a_bound_is_where_a_logit_with_the_coefficient_as_offset_reaches_the_quantile(spector_fit):
    """A second route to ℓ_p(b): statsmodels' Logit of the other predictors with b·x_j as an offset."""
    ci = profile_likelihood.profile_ci(spector_fit, 0.05)
    X, y = spector_fit.X, np.asarray(spector_fit.result.model.endog)
    n, top = len(y), mle_certificate(spector_fit)
    for (term, _), pair in ci.bounds.items():
        for bound in pair:
            model = sm.Logit(y, X.drop(columns=term), offset=bound.value * X[term].to_numpy())
            start = spector_fit.params.iloc[:, 0].drop(term).to_numpy()  # the MLE's other coefficients
            near = model.fit(start_params=start, method="bfgs", disp=0, maxiter=1000)  # Newton from afar diverges
            res = model.fit(start_params=near.params, method="newton", disp=0, tol=1e-12)
            cert = result_certificate(res, 1)
            statistic = 2 * (spector_fit.llf - res.llf)
            allowance = (bound.slope * bound.xtol + 2 * n * (cert.grad_norm * cert.bound + top.grad_norm * top.bound)
                         + 4 * gamma(n + 8) * abs(spector_fit.llf))
            assert abs(statistic - ci.quantile) <= allowance, (term, statistic, allowance)


def test_profile_and_wald_intervals_part_in_a_small_sample_and_meet_in_a_large_one():
    """Spector (32 students, 11 improved): the profile intervals are not symmetric about the estimate. With 20,000
    observations of a model with the same coefficients the two agree to a small fraction of their width."""
    fit = glm_setup.binary({**SPECTOR, "focus": ""}).fit
    ci, wald = profile_likelihood.profile_ci(fit), np.asarray(fit.result.conf_int())
    est = fit.params.iloc[:, 0].to_numpy()
    skew = (ci.high.iloc[:, 0] - est) / (est - ci.low.iloc[:, 0])
    assert (np.abs(np.log(skew)) > 0.05).any()  # at least one interval is clearly lopsided
    rng = np.random.default_rng(4)
    Xl = sm.add_constant(rng.normal(size=(20000, 2)))
    yl = (rng.random(20000) < 1 / (1 + np.exp(-(Xl @ [-0.5, 1.0, -0.7])))).astype(int)
    big = glm.fit_logit(tables.Dataset("sim", "simulated", "y", ("a", "b"), pd.DataFrame(Xl, columns=["const", "a",
                        "b"]), yl, ("0", "1"), 0), "1")
    ci_big, wald_big = profile_likelihood.profile_ci(big), np.asarray(big.result.conf_int())
    width = wald_big[:, 1] - wald_big[:, 0]
    assert np.abs(ci_big.low.iloc[:, 0] - wald_big[:, 0]).max() < 0.02 * width.min()
    assert np.abs(ci.low.iloc[:, 0] - wald[:, 0]).max() > 0.02 * (wald[:, 1] - wald[:, 0]).min()


def test_multinomial_bounds_check_out_in_statsmodels_likelihood():
    fit = glm_setup.multinomial({**ANES, "reference": "", "focus": ""}).fit
    ci = profile_likelihood.profile_ci(fit, 0.05)
    assert ci.available and ci.low.shape == fit.params.shape
    for idx, (lo, hi) in list(enumerate(ci.bounds.values()))[::5]:
        for bound in (lo, hi):
            statistic, allowance = profile_likelihood.verify_bound(fit, bound, idx)
            assert abs(statistic - ci.quantile) <= allowance, (idx, statistic, allowance)
    record = ci.as_record()
    assert len(record) == fit.params.size and all(lo < hi for lo, hi in record.values())


def test_a_separating_predictor_has_no_bound_on_one_side_and_a_large_problem_is_skipped():
    rng = np.random.default_rng(3)
    x = np.r_[rng.uniform(-2, -0.1, 15), rng.uniform(0.1, 2, 15)]
    z = rng.normal(size=30)
    y = (x > 0).astype(int)
    y[[0, 29]] = [1, 0]  # two points on the wrong side: the MLE exists, barely
    X = pd.DataFrame({"const": 1.0, "x": x, "z": z})
    fit = glm.fit_logit(tables.Dataset("sim", "simulated", "y", ("x", "z"), X, y, ("0", "1"), 0), "1")
    ci = profile_likelihood.profile_ci(fit, 0.05)
    assert ci.available and np.isfinite(ci.low.to_numpy()).all()
    y[[0, 29]] = [0, 1]  # now x separates the classes completely: no finite estimate
    sep = glm.fit_logit(tables.Dataset("sim", "simulated", "y", ("x", "z"), X, y, ("0", "1"), 0), "1")
    none = profile_likelihood.profile_ci(sep, 0.05)
    assert not none.available or not np.isfinite(none.high.loc["x"].iloc[0])
    skipped = profile_likelihood.profile_ci(fit, 0.05, max_work=10)
    assert not skipped.available and "budget" in skipped.reason and math.isnan(skipped.low.iloc[0, 0])
