"""Profile-likelihood intervals on data with quasi-complete separation (Heinze and Schemper's endometrial data,
where no patient with NV = 1 has HG = 0): the separating coefficient has no upper bound, and every finite bound is
where statsmodels' own constrained fit (the coefficient moved into an offset) gives the χ² quantile."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import statsmodels.api as sm
from scipy import stats

from logistic_softmax.science import glm_setup, profile_likelihood

DATA = Path(__file__).resolve().parents[1] / "data" / "endometrial.csv"


def _maximum(model) -> float:
    """statsmodels' maximum of a model's log-likelihood: BFGS from zero (Newton's method from zero can meet a
    singular Hessian here), then Newton's method to 1e-12 in the coefficients."""
    # BFGS only finds the start (statsmodels' convergence flag for it is not the claim); Newton's result is checked
    start = model.fit(disp=0, method="bfgs", gtol=1e-10, maxiter=1000, warn_convergence=False).params
    result = model.fit(start_params=np.asarray(start), disp=0, method="newton", tol=1e-12, maxiter=200)
    assert result.mle_retvals["converged"]
    return float(result.llf)


def test_the_separating_coefficient_is_unbounded_above_and_every_finite_bound_checks_out():
    setup = glm_setup.binary({"data": str(DATA), "outcome": "HG", "predictors": ["NV", "PI", "EH"], "positive": "",
                              "focus": "", "alpha": 0.05})
    fit = setup.fit
    assert setup.diagnosis.separation.found
    ci = profile_likelihood.profile_ci(fit, 0.05)
    assert ci.available
    assert math.isinf(ci.high.loc["NV"].iloc[0]) and ci.high.loc["NV"].iloc[0] > 0
    q = stats.chi2.ppf(0.95, 1)
    X, y = fit.X, np.asarray(fit.result.model.endog)
    # the supremum of the log-likelihood, approached as NV's coefficient grows: the rows with NV = 1 (all HG = 1)
    # then contribute log 1 = 0, and the others are fitted by the other coefficients
    rest = (X["NV"] == 0).to_numpy()
    sup = _maximum(sm.Logit(y[rest], X.drop(columns="NV")[rest]))
    finite = 0
    for term in X.columns:
        for end in ci.bounds[(term, fit.params.columns[0])]:
            bound = end.value
            if not np.isfinite(bound):
                continue
            finite += 1
            if term == "NV":  # NV held at a finite value: the other coefficients have a maximum
                other = sm.Logit(y, X.drop(columns=term), offset=bound * X[term])
            else:  # NV free: the constrained supremum, too, is approached as NV grows
                other = sm.Logit(y[rest], X.drop(columns=[term, "NV"])[rest], offset=bound * X[term][rest])
            llf = _maximum(other)
            # with NV free the profile's constrained fits run along a direction where the Hessian is nearly singular
            # and stop a little short of the supremum (a few 1e-7 of log-likelihood here): what a report needs is the
            # bound to the 4 significant digits it shows, so the statistic's error over its slope (how far the true
            # root is) must stay below half a unit of the 4th digit
            off = abs(2 * (sup - llf) - q) / end.slope
            assert off <= 5e-5 * abs(bound), (term, bound, 2 * (sup - llf), off)
    assert finite == 2 * X.shape[1] - 1
    low, high = ci.low.loc["NV"].iloc[0], fit.params.loc["NV"].iloc[0]
    assert 0 < low < high  # the lower bound is finite and below the (run-off) estimate
