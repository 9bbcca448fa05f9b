"""Average marginal effects and their standard errors in blocks: against statsmodels' get_margeff (to the bound
derived from its complex-step scheme, which is below 1e-8), against an extended-precision evaluation (the rounding
bounds), against statsmodels' own numerical differentiation where get_margeff fails, and in memory that does not grow
with the rows."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pandas as pd
import pytest
from helpers import ANES, SPECTOR
from statsmodels.tools.numdiff import approx_fprime_cs

from logistic_softmax.science import glm
from logistic_softmax.science import marginal_effects as mfx
from logistic_softmax.science import marginal_routes as routes
from logistic_softmax.science.data import tables
from logistic_softmax.science.rounding import gamma


@pytest.fixture(scope="module")
def logit():
    return glm.fit_logit(tables.from_params({**SPECTOR, "positive": "1"}, kind="binary"), "1")


@pytest.fixture(scope="module")
def mnlogit():
    return glm.fit_mnlogit(tables.from_params(ANES, kind="categorical"), "3")


@pytest.fixture(scope="module")
def with_vote():
    """anes96 with the 0/1 indicator ``vote`` (Clinton 0, Dole 1) among the predictors of party identification."""
    return glm.fit_mnlogit(tables.from_params({**ANES, "predictors": [*ANES["predictors"], "vote"]},
                                              kind="categorical"), "0")


def _long_reference(out: mfx.Effects):
    """The effects and their Jacobian from the module's formulas, row by row in extended precision."""
    dsg = out.design
    X, B = dsg.X.astype(np.longdouble), dsg.B.astype(np.longdouble)
    n, d = X.shape
    K, others = B.shape[1], dsg.others

    def probs(Z):
        E = np.exp(Z - Z.max(axis=1, keepdims=True))
        return E / E.sum(axis=1, keepdims=True)

    eff, J = np.zeros((d, K), np.longdouble), np.zeros((d, K, len(others), d), np.longdouble)
    P = probs(X @ B)
    for j in dsg.quantities:
        D = B[j][None, :] - (P @ B[j])[:, None]
        eff[j] = (P * D).mean(axis=0)
        for k in range(K):
            for a, cls in enumerate(others):
                w = P[:, k] * (((k == cls) - P[:, cls]) * D[:, k] - P[:, cls] * D[:, cls])
                J[j, k, a] = (X * w[:, None]).mean(axis=0)
                J[j, k, a, j] += (P[:, k] * ((k == cls) - P[:, cls])).mean()
    for j in dsg.indicators:
        X1, X0 = X.copy(), X.copy()
        X1[:, j], X0[:, j] = 1, 0
        P1, P0 = probs(X1 @ B), probs(X0 @ B)
        eff[j] = (P1 - P0).mean(axis=0)
        for k in range(K):
            for a, cls in enumerate(others):
                g1, g0 = P1[:, k] * ((k == cls) - P1[:, cls]), P0[:, k] * ((k == cls) - P0[:, cls])
                J[j, k, a] = (X1 * g1[:, None] - X0 * g0[:, None]).mean(axis=0)
    return eff[dsg.predictors], J[dsg.predictors].reshape(out.jacobian.shape)


@pytest.mark.parametrize("which", ["logit", "mnlogit"])
def test_the_same_as_get_margeff_within_a_bound_below_1e_8(which, request):
    fit = request.getfixturevalue(which)
    out = mfx.compute(fit)
    sm_eff, sm_se = routes.statsmodels_route(fit, out)
    eff_bound, se_bound = routes.statsmodels_bounds(fit, out)
    shown = out.design.shown
    d_eff = np.abs(out.frame(out.effects) - sm_eff).to_numpy()
    d_se = np.abs(out.frame(out.se) - sm_se).to_numpy()
    assert (d_eff <= eff_bound[:, shown]).all() and (d_se <= se_bound[:, shown]).all()
    assert eff_bound.max() < 1e-8 and se_bound.max() < 1e-8  # the bound itself, derived: not chosen
    # and the public function returns the same numbers, labelled
    eff, se = mfx.average_marginal_effects(fit)
    pd.testing.assert_frame_equal(eff, out.frame(out.effects))
    assert list(eff.index) == [c for c in fit.X.columns if c != "const"]
    assert list(eff.columns) == (list(fit.classes) if which == "mnlogit" else ["1"])


def test_spector_documented_values_and_the_indicator(logit):
    eff, se = mfx.average_marginal_effects(logit)
    # statsmodels' documentation, Logit(spector).get_margeff(): dy/dx 0.3626 (GPA), 0.0122 (TUCE)
    np.testing.assert_allclose(eff.loc[["GPA", "TUCE"], "1"], [0.362581, 0.012208], atol=1e-6)
    X, beta = logit.X.to_numpy(), logit.params["1"].to_numpy()
    on, off = X.copy(), X.copy()
    on[:, 3], off[:, 3] = 1.0, 0.0
    change = np.mean(1 / (1 + np.exp(-on @ beta)) - 1 / (1 + np.exp(-off @ beta)))
    assert eff.loc["PSI", "1"] == pytest.approx(change, abs=1e-12)
    assert mfx.indicator_columns(logit.X) == ["PSI"] and mfx.compute(logit).kinds["PSI"] == "discrete change 0 → 1"


def test_mnlogit_with_an_indicator_against_get_margeff(with_vote):
    # with as many classes (7) as columns (7) statsmodels' indicator Jacobian for MNLogit has the right shape
    out = mfx.compute(with_vote)
    sm_eff, sm_se = routes.statsmodels_route(with_vote, out)
    eff_bound, se_bound = routes.statsmodels_bounds(with_vote, out)
    assert out.kinds["vote"] == "discrete change 0 → 1" and se_bound.max() < 1e-8
    assert (np.abs(out.frame(out.effects) - sm_eff).to_numpy() <= eff_bound).all()
    assert (np.abs(out.frame(out.se) - sm_se).to_numpy() <= se_bound).all()


def test_where_get_margeff_fails_statsmodels_own_derivatives_agree():
    rng = np.random.default_rng(3)
    n = 400
    X = np.column_stack([np.ones(n), rng.normal(size=n), rng.normal(size=n), rng.random(n) < 0.5])
    codes = np.argmax(X @ rng.normal(size=(4, 3)) + rng.gumbel(size=(n, 3)), axis=1)
    ds = tables.Dataset("t", "t", "y", ("a", "b", "flag"), pd.DataFrame(X, columns=["const", "a", "b", "flag"]),
                        codes, ("p", "q", "r"), 0)
    fit = glm.fit_mnlogit(ds, "q")
    out = mfx.compute(fit)
    dsg = out.design
    with pytest.raises(ValueError):  # 3 classes, 4 columns: statsmodels issue #4158
        fit.result.get_margeff(at="overall", dummy=True)
    assert "fails for MNLogit with a 0/1 indicator" in routes.statsmodels_route(fit, out)
    # the quantities' rows do not depend on the treatment of the indicator: get_margeff(dummy=False) has them
    me = fit.result.get_margeff(at="overall", dummy=False)
    order = [dsg.reference] + dsg.others
    eff_bound, se_bound = routes.statsmodels_bounds(fit, out)
    assert (np.abs(out.effects[:2][:, order] - me.margeff[:2]) <= eff_bound[:2][:, order]).all()
    assert (np.abs(out.se[:2][:, order] - me.margeff_se[:2]) <= se_bound[:2][:, order]).all()
    # the indicator: statsmodels' predictions at flag = 1 and 0, differentiated by statsmodels' complex step
    X1, X0 = X.copy(), X.copy()
    X1[:, 3], X0[:, 3] = 1.0, 0.0
    shape = np.asarray(fit.result.params).shape

    def change(theta):
        t = theta.reshape(shape, order="F")
        return (fit.result.model.predict(t, X1) - fit.result.model.predict(t, X0)).mean(axis=0)

    theta = np.asarray(fit.result.params).ravel(order="F")
    Jsm = approx_fprime_cs(theta, change)  # K x P, statsmodels' class order
    se_sm = np.sqrt(np.einsum("ij,jk,ik->i", Jsm, dsg.V, Jsm))
    assert (np.abs(out.effects[2][order] - change(theta)) <= eff_bound[2][order]).all()
    assert (np.abs(out.se[2][order] - se_sm) <= se_bound[2][order]).all() and se_bound.max() < 1e-8


@pytest.mark.parametrize("which", ["logit", "with_vote"])
def test_rounding_bounds_hold_against_extended_precision(which, request):
    out = mfx.compute(request.getfixturevalue(which))
    eff, J = _long_reference(out)
    bounds = mfx.rounding(out)
    assert (np.abs(out.effects - eff) <= bounds.effects).all()
    assert (np.abs(out.jacobian - J) <= bounds.jacobian).all()
    # the second routes' values are within their own bounds of the same numbers
    cd, cd_bound = routes.central_differences(out)
    pr, pr_bound = routes.predictions(out)
    q = [out.design.predictors.index(j) for j in out.design.quantities]
    i = [out.design.predictors.index(j) for j in out.design.indicators]
    assert (np.abs(cd[q] - eff[q]) <= cd_bound[q]).all() and (np.abs(pr[i] - eff[i]) <= pr_bound[i]).all()
    Jcs, cs_bound = routes.complex_step(out)
    assert (np.abs(Jcs - J) <= cs_bound).all()


def test_blocks_of_any_size_give_the_same_numbers(with_vote):
    one, other = mfx.compute(with_vote), mfx.compute(with_vote, rows=37)
    bound = mfx.rounding(one).effects + mfx.rounding(other).effects
    assert (np.abs(one.effects - other.effects) <= bound).all()
    assert (np.abs(one.jacobian - other.jacobian) <= mfx.rounding(one).jacobian + mfx.rounding(other).jacobian).all()


def test_every_claim_of_the_reports_holds_and_statsmodels_is_skipped_when_too_large(mnlogit, monkeypatch):
    out = mfx.compute(mnlogit)
    claims, skipped = routes.comparisons(mnlogit, out)
    assert len(claims) == 4 and not skipped  # slopes, complex-step SEs, get_margeff's effects and SEs
    for c in claims:
        assert (np.abs(c.actual.to_numpy() - c.expected.to_numpy()) <= c.atol).all(), c.label
    n, d = mnlogit.X.shape
    assert routes.statsmodels_bytes(mnlogit) == 16 * n * d * 7 * d * 6
    monkeypatch.setattr(routes, "STATSMODELS_BUDGET", routes.statsmodels_bytes(mnlogit) - 1)
    claims, skipped = routes.comparisons(mnlogit, out)
    assert len(claims) == 2 and "MiB of per-observation derivatives" in skipped[0][1]


def test_memory_does_not_grow_with_the_rows():
    """get_margeff would hold 16 n d K P bytes (465 MB for 12,000 x 11 x 5); here the temporaries are per block."""
    rng = np.random.default_rng(5)
    peaks = []
    for n in (12_000, 24_000):
        X = np.column_stack([np.ones(n), rng.normal(size=(n, 9)), rng.random(n) < 0.4])
        B = rng.normal(scale=0.3, size=(11, 5))
        codes = np.argmax(X @ B + rng.gumbel(size=(n, 5)), axis=1)
        frame = pd.DataFrame(X[:, 1:], columns=[f"x{i}" for i in range(1, 11)]).assign(y=codes)
        ds = tables.Dataset("t", "t", "y", tuple(frame.columns[:10]),
                            pd.DataFrame(X, columns=["const", *frame.columns[:10]]), codes, tuple("abcde"), 0)
        fit = glm.fit_mnlogit(ds, "a")
        tracemalloc.start()
        out = mfx.compute(fit)
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
        assert np.isfinite(out.se).all()
    assert max(peaks) < 24 * 2**20 and peaks[1] < 1.25 * peaks[0]


def test_separated_data_skip_the_comparisons_that_need_finite_numbers(separated_csv):
    ds = tables.from_params({"data": str(separated_csv), "outcome": "group", "predictors": ["x1", "x2"]},
                            kind="categorical")
    fit = glm.fit_mnlogit(ds, "low")
    out = mfx.compute(fit)
    claims, skipped = routes.comparisons(fit, out)
    assert skipped and all("not finite" in why or "get_margeff" in why for _, why in skipped)


def test_a_level_of_a_factor_changes_from_the_reference_level_with_the_other_levels_at_zero(tmp_path):
    """``C(city)[T.Oslo]`` of a three-level factor: the mean of P(Oslo) − P(Lima) predicted by statsmodels for every
    row (both dummies set by hand), and its standard error by the delta method with statsmodels' complex-step
    Jacobian of that mean; a two-level factor keeps get_margeff's discrete change."""
    rng = np.random.default_rng(3)
    n = 240
    city, hours = rng.choice(["Lima", "Oslo", "Pune"], n), rng.uniform(0, 10, n)
    z = np.c_[np.zeros(n), 0.3 * (hours - 5) + 0.8 * (city == "Oslo"), -0.2 * (hours - 5) + 0.6 * (city == "Pune")]
    track = np.array(["arts", "science", "trade"])[np.argmax(z + rng.gumbel(size=(n, 3)), axis=1)]
    csv = tmp_path / "cities.csv"
    pd.DataFrame({"hours": hours, "city": city, "track": track}).to_csv(csv, index=False)
    ds = tables.from_params({"data": str(csv), "outcome": "", "predictors": [], "formula": "track ~ hours + C(city)"},
                            kind="categorical")
    fit = glm.fit_mnlogit(ds, "arts")
    out = mfx.compute(fit)
    oslo, pune = ds.X.columns.get_loc("C(city)[T.Oslo]"), ds.X.columns.get_loc("C(city)[T.Pune]")
    assert out.design.siblings == {oslo: [pune], pune: [oslo]}
    model = fit.result.model
    theta = np.asarray(fit.result.params, dtype=np.float64).ravel(order="F")

    def change(t, col):
        X1 = ds.X.to_numpy().copy()
        X1[:, [oslo, pune]] = 0.0
        X0 = X1.copy()
        X1[:, col] = 1.0
        B = t.reshape(np.shape(fit.result.params), order="F")
        return (model.predict(B, exog=X1) - model.predict(B, exog=X0)).mean(axis=0)

    bound, se_bound = mfx.rounding(out).effects, routes.statsmodels_bounds(fit, out)[1]
    V = np.asarray(fit.result.cov_params())
    for col, name in ((oslo, "C(city)[T.Oslo]"), (pune, "C(city)[T.Pune]")):
        row = out.design.predictors.index(col)
        # statsmodels' columns: its reference (code 0, arts) first, then the others in order
        np.testing.assert_allclose(out.effects[row], change(theta, col), rtol=0, atol=bound[row].max() + 1e-15)
        J = approx_fprime_cs(theta, lambda t, c=col: change(t, c))
        # the bound derived for a Jacobian of means of n terms by statsmodels' complex step (as get_margeff's)
        np.testing.assert_allclose(out.se[row], np.sqrt(np.einsum("ij,jk,ik->i", J, V, J)), rtol=0,
                                   atol=se_bound[row].max())
        assert "reference level" in out.kinds[name]


def test_marginal_effects_match_the_documentation_and_the_formula(logit):
    eff, se = mfx.average_marginal_effects(logit)
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
    assert abs(eff.loc["PSI", "1"] - change) <= allow[2] and mfx.indicator_columns(logit.X) == ["PSI"]
    # a slope is the mean of beta_j p (1 - p)
    p = 1 / (1 + np.exp(-X @ beta))
    assert abs(eff.loc["GPA", "1"] - np.mean(beta[1] * p * (1 - p))) <= allow[0]


def test_multinomial_marginal_effects_are_labelled_by_class(mnlogit):
    eff, _ = mfx.average_marginal_effects(mnlogit)
    assert list(eff.columns) == [str(k) for k in range(7)]
    P, B = mnlogit.predict().to_numpy(), mnlogit.full_params.to_numpy()
    by_formula = (P[:, None, :] * (B[None] - (P @ B.T)[:, :, None])).mean(axis=0)[1:]  # p_k (B_jk - sum_l p_l B_jl)
    bound = mfx.rounding(mfx.compute(mnlogit)).effects
    assert (np.abs(eff.to_numpy() - by_formula) <= 2 * bound).all()
    # exactly zero: the rounding of each effect, plus a sum of K terms
    assert (np.abs(eff.sum(axis=1)) <= bound.sum(axis=1) + gamma(7) * eff.abs().sum(axis=1)).all()
