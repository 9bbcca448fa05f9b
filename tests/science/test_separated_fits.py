"""Firth beside the maximum-likelihood iterates on separated data: the identities the report checks, and the bound
that makes the iterates run off, against the SVM of the same data."""

import numpy as np

from logistic_softmax.science import separated_fits, svm
from logistic_softmax.science.data import separable


def test_firth_vs_mle_on_generated_data():
    X, y = separable.generated(50, np.random.default_rng(1))
    data = separable.SeparableData("generated", "", X, y, ("-", "+"), separable.separation_of(X, y))
    fvm = separated_fits.firth_vs_mle(data, iterations=15)
    hm = svm.hard_margin(svm.signed_rows(X.to_numpy(), y))
    assert fvm.firth.converged and not fvm.mle.converged and len(fvm.mle.path) == 16
    # the iterates' norms grow, and every one is at least ||w*|| phi^-1(-l): the bound is not empty late on
    low = fvm.path_norm_lower(X.to_numpy(), hm.norm_lower)
    assert np.all(np.diff(fvm.path_norms) > 0) and np.all(fvm.path_norms >= low) and low[-1] > 0.5 * fvm.path_norms[-1]
    fitted, observed, pull, allowance = fvm.intercept_identity(y)
    assert abs(fitted - observed) <= allowance and abs(pull) > 0
    trace, d, tol = fvm.hat_trace()
    assert d == 3 and abs(trace - d) <= tol
    # run until the information is singular: -l falls far below its rounding, and the bound stays finite (the
    # rounding is added to -l, never taken off)
    long = separated_fits.firth_vs_mle(data, iterations=200)
    low = long.path_norm_lower(X.to_numpy(), hm.norm_lower)
    assert -long.mle.logliks[-1] < 1e-20 and np.all(np.isfinite(low)) and np.all(long.path_norms >= low)
    frame = fvm.path_frame()
    assert list(frame.index) == ["const", "x1", "x2"]
    assert frame.columns[-2:].tolist() == ["Firth", "Firth standard error"]
