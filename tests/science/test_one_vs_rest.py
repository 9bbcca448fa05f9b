"""One-vs-rest fits against statsmodels' GLM (IRLS, a second fitting method) and its own predictions, the score
equations, exact rounding bounds, the two-class identities, and separated data diagnosed."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from logistic_softmax.science import glm, one_vs_rest
from logistic_softmax.science.data import tables


@pytest.fixture(scope="module")
def anes_fits(anes):
    ds = anes[0]
    return ds, one_vs_rest.fit(ds), glm.fit_mnlogit(ds)


def test_a_class_against_the_rest():
    frame = pd.DataFrame({"const": 1.0, "x": [0.0, 1.0, 2.0, 3.0]})
    ds = tables.Dataset("toy", "toy", "y", ("x",), frame, np.array([0, 2, 1, 2]), ("a", "b", "c"), 0)
    b = one_vs_rest.against_rest(ds, "c")
    assert b.classes == ("not c", "c") and b.codes.tolist() == [0, 1, 0, 1]


def test_each_fit_is_the_binomial_glm_of_its_class(anes_fits):
    ds, ovr, _ = anes_fits
    assert ovr.classes == list(ds.classes) and ovr.ok and ovr.finite
    for k in range(ds.K):
        irls = sm.GLM((ds.codes == k).astype(float), ds.X, family=sm.families.Binomial()).fit(tol=1e-12)
        assert np.allclose(ovr.coefficients[:, k], irls.params.to_numpy(), rtol=1e-7, atol=1e-9)
        assert np.allclose(ovr.probabilities()[:, k], irls.predict(ds.X), rtol=0, atol=1e-9)
    table = ovr.status_table()
    assert table["observations of the class"].tolist() == ds.counts.tolist()
    assert table["converged"].all() and (table["certificate x"] < 1).all()


def test_the_score_equations_hold_within_their_tolerances(anes_fits):
    ds, ovr, mn = anes_fits
    cm = one_vs_rest.class_means(ovr, mn)
    shares = ds.counts.to_numpy() / ds.n
    assert cm.problem is None and cm.softmax_problem is None
    assert np.allclose(cm.shares, shares, rtol=1e-15, atol=0)
    assert np.all(np.abs(cm.ovr - shares) <= cm.ovr_tolerance) and np.all(cm.ovr_tolerance < 1e-5)
    assert np.all(np.abs(cm.softmax - shares) <= cm.softmax_tolerance) and np.all(cm.softmax_tolerance < 1e-4)
    assert cm.table().shape == (ds.K, 5)


def test_the_tolerance_also_covers_a_fit_stopped_early(anes):
    """After five Newton steps the fits are not at their estimates; where a certificate is available its tolerance
    must still cover the mean probability's distance from the share."""
    ds = anes[0]
    ovr = one_vs_rest.fit(ds, maxiter=5)
    cm = one_vs_rest.class_means(ovr, glm.fit_mnlogit(ds, maxiter=5))
    gap = np.abs(cm.ovr - cm.shares)
    finite = np.isfinite(cm.ovr_tolerance)
    assert finite.any() and gap[finite].max() > 1e-10  # not at the estimate, yet within the bound
    assert np.all(gap[finite] <= cm.ovr_tolerance[finite])


def test_logit_rounding_bounds_the_error_of_a_product():
    rng = np.random.default_rng(8)
    X, beta = rng.normal(scale=1e3, size=(20, 6)), rng.normal(size=(6, 2))
    exact = np.array([[float(sum(Fraction(float(a)) * Fraction(float(b)) for a, b in zip(row, col, strict=True)))
                       for col in beta.T] for row in X])
    bound = one_vs_rest.logit_rounding(X, beta)
    assert np.all(np.abs(X @ beta - exact) <= bound) and bound.max() < 1e-9


def test_compare_counts_what_statsmodels_predicts(anes_fits):
    ds, ovr, mn = anes_fits
    P = np.column_stack([f.result.predict() for f in ovr.fits.values()])  # statsmodels' own predictions
    Q = mn.result.predict()  # columns in MNLogit's order: the reference (the first class) first
    row = one_vs_rest.compare(ovr, mn)
    assert row["rows"] == ds.n
    assert row["share differing"] == pytest.approx(np.mean(P.argmax(axis=1) != Q.argmax(axis=1)), abs=0)
    assert row["accuracy, softmax"] == pytest.approx(np.mean(Q.argmax(axis=1) == ds.codes), abs=0)
    assert 0 < row["share differing"] < 0.5 and row["max |normalised one-vs-rest − softmax|"] > 1e-3
    with pytest.raises(ValueError, match="classes"):
        one_vs_rest.compare(ovr, mn, ds.subset(["0", "1"]))


def test_the_summary_of_row_sums():
    t = one_vs_rest.sum_summary({"toy": np.array([0.5, 1.0, 1.1, 1.3])})
    row = t.loc["toy"]
    assert (row["min"], row["max"], row["median"], row["mean"]) == (0.5, 1.3, 1.05, pytest.approx(0.975))
    assert row["share off by > 0.05"] == 0.75 and row["share off by > 0.2"] == 0.5


def test_two_classes_one_vs_rest_is_the_softmax(anes):
    ds = anes[0]
    assert one_vs_rest.default_pair(ds) == ["0", "1"]  # the two largest classes, 200 and 180 observations
    pc = one_vs_rest.pair_check(ds, ["5", "2"])
    assert pc.pair == ["2", "5"] and pc.problem is None and pc.mnlogit_diagnosis.ok
    B = pc.ovr.coefficients
    assert np.all(np.abs(B[:, 0] + B[:, 1]) <= pc.coefficient_tolerance)
    direct = sm.Logit((pc.ovr.ds.codes == 1).astype(float), pc.ovr.ds.X).fit(disp=0, tol=1e-12)
    assert np.allclose(B[:, 1], direct.params.to_numpy(), rtol=1e-7, atol=1e-9)
    s, tol = pc.sums()
    assert np.all(np.abs(s - 1) <= tol)
    P_mn, P_ovr, tol = pc.against_mnlogit()
    assert np.all(np.abs(P_mn - P_ovr) <= tol) and tol.max() < 1e-6


def test_separated_data_are_diagnosed_not_hidden(separated_csv):
    ds = tables.from_params({"data": str(separated_csv), "outcome": "group", "predictors": ["x1", "x2"]})
    ovr = one_vs_rest.fit(ds, maxiter=50)
    assert not ovr.ok and not ovr.diagnoses["high"].ok and ovr.diagnoses["low"].ok
    assert any(p.startswith("class high against the rest: complete separation") for p in ovr.problems())
    assert not np.isfinite(ovr.distances[ds.classes.index("high")])
    cm = one_vs_rest.class_means(ovr, glm.fit_mnlogit(ds, maxiter=50))
    assert cm.problem is not None and "high" in cm.problem
