"""Fits against statsmodels' documented results, rebasing against refits, and the separation diagnosis."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers import ANES, SPECTOR

from logistic_softmax.science import diagnosis, glm, separation
from logistic_softmax.science.data import tables
from logistic_softmax.science.rounding import gamma


@pytest.fixture(scope="module")
def spector():
    return tables.from_params(SPECTOR)


@pytest.fixture(scope="module")
def anes():
    return tables.from_params(ANES)


def test_spector_logit_matches_the_documented_results(spector):
    # statsmodels' documentation and test suite (results_discrete.Spector): Greene's textbook example
    fit = glm.fit_logit(spector, "1")
    np.testing.assert_allclose(fit.params["1"], [-13.02134686, 2.82611259, 0.09515766, 2.37868766], rtol=1e-6)
    np.testing.assert_allclose(fit.bse["1"], [4.93132421, 1.26294108, 0.14155421, 1.06456425], rtol=1e-6)
    assert fit.llf == pytest.approx(-12.889634222, rel=1e-9)
    assert fit.converged and fit.aliased == [] and fit.warnings == []


def test_glm_binomial_agrees_with_logit(spector):
    a, b = glm.fit_logit(spector, "1"), glm.fit_glm_binomial(spector, "1")
    np.testing.assert_allclose(b.params, a.params, atol=1e-7)
    assert b.llf == pytest.approx(a.llf, abs=1e-9)
    assert b.model == "GLM-Binomial" and b.others == ["1"]


def test_logit_standard_errors_by_formula(spector):
    fit = glm.fit_logit(spector, "1")
    se = glm.logit_standard_errors(fit.X, fit.params["1"])
    np.testing.assert_allclose(se, [4.93132421, 1.26294108, 0.14155421, 1.06456425], rtol=1e-6)


def test_anes96_mnlogit_loglikelihood(anes):
    # statsmodels' MNLogit example on anes96 (documentation, results_discrete.Anes): llf = -1461.922747
    fit = glm.fit_mnlogit(anes)
    assert fit.llf == pytest.approx(-1461.922747312, abs=1e-6)
    assert fit.reference == "0" and list(fit.params.columns) == ["1", "2", "3", "4", "5", "6"]
    assert fit.result.llnull == pytest.approx(glm.null_loglik(anes.codes, 7), abs=1e-6)


def test_null_loglik_by_hand():
    assert glm.null_loglik(np.array([0, 0, 1, 2]), 3) == pytest.approx(2 * np.log(0.5) + 2 * np.log(0.25))


def test_any_reference_labels_its_columns(anes):
    fit = glm.fit_mnlogit(anes, "3")
    assert fit.reference == "3" and list(fit.params.columns) == ["0", "1", "2", "4", "5", "6"]
    assert fit.full_params["3"].eq(0).all()


def test_coef_difference_by_hand(anes):
    fit = glm.fit_mnlogit(anes)
    d = glm.coef_difference(fit, "5", "2")
    cov = np.asarray(fit.result.cov_params())  # statsmodels' order: class-major, 6 predictors per class
    p = 6
    i5, i2 = (5 - 1) * p, (2 - 1) * p
    for j, name in enumerate(fit.X.columns):
        coef = fit.result.params.iloc[j, 4] - fit.result.params.iloc[j, 1]
        var = cov[i5 + j, i5 + j] + cov[i2 + j, i2 + j] - 2 * cov[i5 + j, i2 + j]
        assert d.loc[name, "coef"] == pytest.approx(coef, abs=1e-14)
        assert d.loc[name, "se"] == pytest.approx(np.sqrt(var), rel=1e-12)
    against_ref = glm.coef_difference(fit, "4", "0")  # the reference: plain coefficients and standard errors
    np.testing.assert_allclose(against_ref["coef"], fit.params["4"], atol=0)
    np.testing.assert_allclose(against_ref["se"], fit.bse["4"], atol=0)


@pytest.mark.parametrize("new_ref", ["3", "6"])
def test_rebase_equals_a_refit(anes, new_ref):
    fit = glm.fit_mnlogit(anes)
    coef, se = glm.rebase(fit, new_ref)
    refit = glm.fit_mnlogit(anes, new_ref)
    np.testing.assert_allclose(coef[refit.others], refit.params, atol=1e-8)
    np.testing.assert_allclose(se[refit.others], refit.bse, rtol=1e-8)
    np.testing.assert_allclose(refit.predict(), fit.predict(), atol=1e-10)


def test_two_class_mnlogit_is_logit(spector):
    m, lg = glm.fit_mnlogit(spector), glm.fit_logit(spector, "1")
    for what in ("params", "bse", "tvalues", "pvalues"):
        np.testing.assert_allclose(getattr(m, what), getattr(lg, what), atol=1e-8)
    assert m.llf == pytest.approx(lg.llf, abs=1e-8)


def test_aliased_columns_are_found():
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"const": 1.0, "a": rng.normal(size=50), "b": rng.normal(size=50) * 1e4, "k": 7.0})
    X["sum"] = X["a"] + X["b"]
    assert glm.aliased_columns(X) == ["k", "sum"]
    assert glm.aliased_columns(X.drop(columns=["k", "sum"])) == []
    # nearly aliased is not aliased: a sum plus noise a millionth of its size is a new direction
    X["noisy"] = X["a"] + X["b"] + 1e-6 * np.abs(X["b"]).max() * rng.normal(size=50)
    assert glm.aliased_columns(X) == ["k", "sum"]
    # more columns than rows: the ones beyond the rank are aliased
    wide = pd.DataFrame(rng.normal(size=(3, 5)), columns=list("vwxyz"))
    assert glm.aliased_columns(wide) == ["y", "z"]


def frame(codes, **cols):
    X = pd.DataFrame(cols)
    X.insert(0, "const", 1.0)
    return X, np.asarray(codes)


def test_separation_kinds():
    x = np.array([-2.0, -1.0, -0.5, 0.5, 1.0, 2.0])
    X, y = frame([0, 0, 0, 1, 1, 1], x=x)
    sep = separation.find_separation(X, y, ("a", "b"))
    assert sep.kind == "complete" and "completely separated by x" in " ".join(sep.findings)
    X, y = frame([0, 0, 1, 0, 1, 1], x=[-2.0, -1.0, 0.0, 0.0, 1.0, 2.0])  # a tie at 0
    sep = separation.find_separation(X, y, ("a", "b"))
    assert sep.kind == "quasi-complete" and "quasi-completely separated by x" in " ".join(sep.findings)
    X, y = frame([0, 1, 0, 1, 0, 1], x=x)  # overlapping
    assert separation.find_separation(X, y, ("a", "b")).kind == "none"


def test_separation_by_a_combination_of_predictors():
    rng = np.random.default_rng(3)
    a, b = rng.normal(size=60), rng.normal(size=60)
    X, y = frame((a + b > 0).astype(int), a=a, b=b)
    sep = separation.find_separation(X, y, ("lo", "hi"))
    assert sep.kind == "complete"
    assert any("combines a, b" in f for f in sep.findings)
    assert sep.perfectly_predicted.sum() == 60


def test_real_data_are_not_separated(spector, anes):
    assert not separation.find_separation(spector.X, spector.codes, spector.classes).found
    assert not separation.find_separation(anes.X, anes.codes, anes.classes).found


def test_a_separated_multinomial_fit_is_diagnosed(separated_csv):
    ds = tables.from_params(
        {"data": str(separated_csv), "outcome": "group", "predictors": ["x1", "x2"], "reference": ""}
    )
    fit = glm.fit_mnlogit(ds)
    assert np.isnan(fit.params.to_numpy()).all()  # what statsmodels returns: NaN, no error
    diag = diagnosis.diagnose(fit, ds.codes)
    assert not diag.ok and diag.separation.found and not diag.converged
    text = " ".join(diag.problems)
    assert "class 'high' is completely separated by x1" in text


def test_a_sound_fit_is_diagnosed_ok(anes):
    fit = glm.fit_mnlogit(anes, "2")
    diag = diagnosis.diagnose(fit, anes.codes)
    assert diag.ok and diag.converged and diag.hessian_ok


def test_collinear_predictors_are_left_out_and_reported():
    rng = np.random.default_rng(2)
    x1, x2 = rng.normal(size=60), rng.normal(size=60)
    X = pd.DataFrame({"const": 1.0, "x1": x1, "x2": x2, "x3": x1 - x2})
    ds = tables.Dataset("t", "test", "y", ("x1", "x2", "x3"), X, (rng.random(60) < 0.5).astype(int), ("0", "1"), 0)
    fit = glm.fit_logit(ds, "1")
    assert fit.aliased == ["x3"] and list(fit.params.index) == ["const", "x1", "x2"]
    diag = diagnosis.diagnose(fit, ds.codes)
    assert diag.ok and any("x3" in note for note in diag.notes())


def test_the_design_is_shared_by_the_fits_not_copied(anes):
    assert np.shares_memory(anes.X.to_numpy(), anes.X.to_numpy())  # one block: a view, not a copy
    fit = glm.fit_mnlogit(anes, "2")
    assert fit.X is anes.X and np.shares_memory(fit.result.model.exog, anes.X.to_numpy())


def test_the_mnlogit_hessian_in_one_product_per_block_is_statsmodels(anes):
    import statsmodels.api as sm

    params = np.random.default_rng(4).normal(scale=0.2, size=6 * 6)
    ours = glm._mnlogit()(anes.codes, anes.X, check_rank=False).hessian(params)
    theirs = sm.MNLogit(anes.codes, anes.X).hessian(params)
    # each entry of either is two sums of n terms x_ij x_ik c_i, |c_i| <= 1: within 2 gamma(n + 4) (|X|'|X|)_jk
    A = np.abs(anes.X.to_numpy())
    allow = 4 * gamma(anes.n + 4) * np.tile(A.T @ A, (6, 6))
    assert (np.abs(ours - theirs) <= allow).all()


def test_aliased_columns_block_by_block_is_the_same():
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"const": 1.0, "a": rng.normal(size=50), "b": rng.normal(size=50) * 1e4, "k": 7.0})
    X["sum"] = X["a"] + X["b"]
    assert glm.aliased_columns(X, rows=7) == glm.aliased_columns(X) == ["k", "sum"]


def test_a_detached_fit_keeps_its_numbers_and_not_the_model(anes):
    fit = glm.fit_mnlogit(anes, "3")
    slim = fit.detached()
    for what in ("params", "bse", "tvalues", "pvalues", "cov", "full_params"):
        pd.testing.assert_frame_equal(getattr(slim, what), getattr(fit, what))
    assert slim.llf == fit.llf and slim.converged and not hasattr(slim.result, "model")
    pd.testing.assert_frame_equal(slim.predict(), fit.predict())
