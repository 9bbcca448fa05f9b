"""Formulas read against a table: the design equals a dummy coding made by hand and gives statsmodels' own formula
fit; each column knows what it codes; every problem is one message naming the formula."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from logistic_softmax.errors import DataError
from logistic_softmax.science.data import formulas


@pytest.fixture(scope="module")
def people() -> pd.DataFrame:
    rng = np.random.default_rng(2)
    n = 240
    city = rng.choice(["Lima", "Oslo", "Rome"], size=n)
    hours = rng.uniform(0.5, 8, size=n)
    eta = -2 + 0.6 * hours + np.select([city == "Oslo", city == "Rome"], [1.0, -0.5], 0.0)
    passed = np.where(rng.random(n) < 1 / (1 + np.exp(-eta)), "yes", "no")
    frame = pd.DataFrame({"passed": passed, "hours": hours, "city": city, "tired": rng.integers(0, 2, n)})
    frame.loc[[3, 17], "hours"] = np.nan
    return frame


def test_the_design_is_a_dummy_coding_against_the_first_level(people):
    d = formulas.design(people, "passed ~ hours + C(city) + hours:tired", "people.csv")
    kept = people.dropna().reset_index(drop=True)
    assert d.outcome == "passed" and d.rows.sum() == len(kept) == len(people) - 2
    assert d.X.columns[0] == "const"
    assert set(d.X.columns) == {"const", "hours", "C(city)[T.Oslo]", "C(city)[T.Rome]", "hours:tired"}
    np.testing.assert_array_equal(d.X["C(city)[T.Oslo]"], (kept["city"] == "Oslo").astype(float))
    np.testing.assert_array_equal(d.X["hours:tired"], kept["hours"] * kept["tired"])
    oslo = d.terms["C(city)[T.Oslo]"]
    assert (oslo.kind, oslo.variable, oslo.level, oslo.reference) == ("level", "city", "Oslo", "Lima")
    assert d.terms["hours"].kind == "quantity" and d.terms["hours:tired"].kind == "quantity"


def test_the_design_gives_statsmodels_formula_fit(people):
    d = formulas.design(people, "passed ~ hours + city + np.log(hours)", "people.csv")
    import statsmodels.api as sm

    y = (people.loc[d.rows, "passed"] == "yes").to_numpy(dtype=float)
    ours = sm.Logit(y, d.X).fit(disp=0, method="newton", tol=1e-12)
    theirs = smf.logit("passed_yes ~ hours + city + np.log(hours)",
                       people.assign(passed_yes=(people["passed"] == "yes").astype(float))).fit(disp=0, method="newton",
                                                                                                tol=1e-12)
    theirs_by_name = theirs.params.rename(index={"Intercept": "const"})
    assert set(theirs_by_name.index) == set(d.X.columns)  # the same names, the intercept aside
    from logistic_softmax.science.diagnosis import result_certificate

    allowed = result_certificate(ours, 1).bound + result_certificate(theirs, 1).bound  # two fits of one optimum
    np.testing.assert_allclose(ours.params.to_numpy(), theirs_by_name[list(d.X.columns)].to_numpy(), rtol=0,
                               atol=allowed)


def test_a_named_reference_level_is_the_one_compared_with(people):
    d = formulas.design(people, 'passed ~ C(city, Treatment("Oslo"))', "people.csv")
    levels = {t.level: t.reference for t in d.terms.values() if t.kind == "level"}
    assert levels == {"Lima": "Oslo", "Rome": "Oslo"}


@pytest.mark.parametrize("formula, message", [
    ("passed hours", r"no '~'"),
    ("passed ~ hours +", r"cannot read it as a formula"),
    ("passed ~ hourz", r"column 'hourz' is not in people.csv; its columns are passed, hours, city, tired"),
    ("passed + city ~ hours", r"the left of '~' must be one column"),
    ("passed ~ ", r"nothing on the right of '~'"),
    ("passed ~ hours - 1", r"the models here always have an intercept"),
    ("passed ~ np.log(hours - 3)", r"a term of the formula is undefined \(NaN\) in \d+ rows whose variables are all"),
    ("passed ~ np.log(hours - hours)", r"the term 'np.log\(hours - hours\)' is not a finite number in 238 of the rows"),
])
def test_every_problem_names_the_formula(people, formula, message):
    with pytest.raises(DataError, match=r"^parameter 'formula': " + message):
        formulas.design(people, formula, "people.csv")
