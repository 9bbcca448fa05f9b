"""The certificate of a statsmodels fit from the Hessian its Newton's method kept, against the one recomputed."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from helpers import ANES, SPECTOR

from logistic_softmax.science import diagnosis, glm
from logistic_softmax.science.data import tables


@pytest.mark.parametrize("kind", ["Logit", "MNLogit"])
def test_the_kept_hessian_gives_the_recomputed_certificate(kind):
    if kind == "Logit":
        fit = glm.fit_logit(tables.from_params(SPECTOR), "1")
    else:
        fit = glm.fit_mnlogit(tables.from_params(ANES), None)
    kept = diagnosis.mle_certificate(fit)
    result = copy.copy(fit.result._results)
    result.mle_retvals = {k: v for k, v in result.mle_retvals.items() if k != "Hessian"}  # recompute it
    recomputed = diagnosis.result_certificate(result, 1 if kind == "Logit" else len(fit.classes) - 1)
    assert kept == recomputed and kept.available
    flat = np.asarray(fit.result.params).ravel(order="F")
    n = len(fit.X)
    np.testing.assert_array_equal(fit.result.mle_retvals["Hessian"], -fit.result.model.hessian(flat) / n)
