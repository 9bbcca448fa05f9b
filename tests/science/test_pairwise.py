"""The joint MNLogit against pairwise Logits: the pairwise fit is a two-class model of the pair's rows, and the joint
fit, which uses every row, has the smaller standard errors (Begg and Gray, 1984)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from helpers import ANES

from logistic_softmax.science import glm, glm_setup, pairwise
from logistic_softmax.science.data import tables
from logistic_softmax.science.fit_agreement import agreement


def test_each_pairwise_logit_is_the_two_class_mnlogit_of_the_pair_and_the_joint_fit_is_more_precise():
    setup = glm_setup.multinomial({**ANES, "reference": "", "focus": ""})
    comp = pairwise.pairwise_vs_joint(setup.fit, setup.ds)
    assert set(comp.fits) == set(setup.fit.others) and len(comp.table) == setup.fit.params.size
    k = setup.fit.others[0]
    two = glm.fit_mnlogit(setup.ds.subset([setup.fit.reference, k]), setup.fit.reference)
    ag = agreement(two, comp.fits[k])
    np.testing.assert_allclose(comp.fits[k].params.iloc[:, 0], two.params.iloc[:, 0], rtol=0, atol=ag.params)
    # anes96: every pair holds under half of the 944 rows, and the joint fit's SEs are the smaller ones
    assert comp.median_se_ratio > 1 and (comp.table["SE ratio (pairwise / joint)"] > 1).mean() > 0.9
    assert (comp.table["rows of the pair"] < setup.ds.n / 2).all()
    assert set(comp.record()) == {"max_abs_coef_diff", "median_se_ratio"}


def test_both_estimators_find_the_true_coefficients_of_a_large_simulated_sample():
    rng = np.random.default_rng(6)
    n, B = 30000, np.array([[0.0, 0.5, -0.5], [0.0, 1.0, -1.0]])  # const and x; class 0 the reference
    x = rng.normal(size=n)
    X = pd.DataFrame({"const": 1.0, "x": x})
    P = np.exp(X.to_numpy() @ B)
    P /= P.sum(axis=1, keepdims=True)
    codes = (rng.random(n)[:, None] > P.cumsum(axis=1)).sum(axis=1)
    ds = tables.Dataset("sim", "simulated", "y", ("x",), X, codes, ("0", "1", "2"), 0)
    comp = pairwise.pairwise_vs_joint(glm.fit_mnlogit(ds, "0"), ds)
    truth = np.array([B[:, 1], B[:, 2]]).ravel()  # (class 1: const, x), (class 2: const, x)
    t = comp.table
    for col, se in (("joint coef", "joint SE"), ("pairwise coef", "pairwise SE")):
        assert (np.abs(t[col].to_numpy() - truth) < 5 * t[se].to_numpy()).all(), col  # within 5 SE: p < 6e-7 each
