"""Diagnosing a statsmodels fit of (multinomial) logistic regression: separation, convergence, the Hessian.

The diagnosis is shown as a banner at the top of a report. :func:`mle_certificate` certifies that the
maximum-likelihood estimate exists near a fit (then there is no separation to look for); otherwise the linear
programme of :mod:`logistic_softmax.science.separation` looks for it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import certificates
from .glm import Fit
from .rounding import gamma
from .separation import Separation, find_separation, not_checked

__all__ = [
    "Diagnosis",
    "MAX_MARGIN_ROWS",
    "MAX_MARGIN_ENTRIES",
    "hessian",
    "mle_certificate",
    "design_sizes",
    "result_certificate",
    "null_model_slack",
    "diagnose",
]


@dataclass
class Diagnosis:
    """What went wrong with a fit, if anything, in words (a report shows it in the banner at its top)."""

    separation: Separation
    converged: bool
    hessian_ok: bool
    aliased: list[str]
    warnings: list[str]
    problems: list[str]

    @property
    def ok(self) -> bool:
        """True when the maximum-likelihood estimate exists and was found, with finite standard errors."""
        return not self.problems

    def summary(self) -> str:
        if self.ok and self.separation.kind == "not checked":
            return "the fit converged, every parameter and standard error is finite"
        if self.ok:
            return "no separation, the fit converged, every standard error is finite"
        return "; ".join(self.problems)

    def notes(self) -> list[str]:
        """What to know besides the problems: left-out predictors, warnings, a separation check not made."""
        notes = list(self.separation.findings) if self.separation.kind == "not checked" else []
        if self.aliased:
            notes.append(
                f"left out as linearly dependent on the columns before them: {', '.join(self.aliased)} "
                "(their coefficients are not identified)"
            )
        notes += [f"warning while fitting: {w}" for w in self.warnings]
        return notes

    def __repr__(self) -> str:
        return "Diagnosis: " + self.summary()


#: The separation check's linear programme has one row per observation and other class, each with two predictors'
#: worth of entries; above these sizes it is skipped (on separated data HiGHS needed 25 s for 900,000 entries here,
#: a minute for 1.8 million), and a separated fit
#: shows in the other checks instead.
MAX_MARGIN_ROWS = 200_000
MAX_MARGIN_ENTRIES = 400_000


def hessian(fit: Fit) -> np.ndarray | None:
    """The Hessian of the negative log-likelihood at the fitted parameters (statsmodels' own), computed once per fit;
    ``None`` when the parameters are not finite."""
    if "hessian" not in fit.cache:
        params = np.asarray(fit.result.params, dtype=np.float64)
        H = None
        if np.isfinite(params).all():
            with np.errstate(all="ignore"):
                H = -np.asarray(fit.result.model.hessian(params.ravel(order="F")), dtype=np.float64)
            H = H.reshape(params.size, params.size)
        fit.cache["hessian"] = H
    return fit.cache["hessian"]


def mle_certificate(fit: Fit) -> certificates.Certificate | None:
    """A certificate that the maximum-likelihood estimate exists near the fitted parameters, or ``None``.

    At a point whose certificate is available (:mod:`.certificates`: ``x < 1`` for the mean negative
    log-likelihood, from statsmodels' own score and Hessian) the loss has a minimiser within the certified distance,
    so the estimate exists and there is no separation of any kind: the linear programme is not needed. Computed once
    per fit.
    """
    if "certificate" not in fit.cache:
        K = 1 if fit.model in ("Logit", "GLM-Binomial") else len(fit.classes) - 1
        fit.cache["certificate"] = result_certificate(fit.result, K, hessian=hessian(fit))
    return fit.cache["certificate"]


def design_sizes(X: np.ndarray, rows: int = 65536) -> tuple[float, np.ndarray, float]:
    """``max_i ||x_i||``, the column sums of ``|X|`` and the Frobenius norm of ``|X|'|X|``, block by block (no
    temporary as large as ``X``)."""
    n, d = X.shape
    radius2, sums, gram = 0.0, np.zeros(d), np.zeros((d, d))
    for lo in range(0, n, rows):
        A = np.abs(X[lo : lo + rows])
        radius2 = max(radius2, float(np.max(np.einsum("ij,ij->i", A, A))))
        sums += A.sum(axis=0)
        gram += A.T @ A
    return float(np.sqrt(radius2)), sums, float(np.linalg.norm(gram, "fro"))


def result_certificate(result, K: int, *, hessian: np.ndarray | None = None) -> certificates.Certificate | None:
    """:func:`mle_certificate` for a statsmodels results object of a binary (``K = 1``) or multinomial (``K`` free
    classes) logit model; ``hessian``, that of the negative log-likelihood, when it is already known."""
    params = np.asarray(result.params, dtype=np.float64)
    if not np.isfinite(params).all():
        return None
    flat = params.ravel(order="F")
    model = result.model
    X = np.asarray(model.exog, dtype=np.float64)
    n = X.shape[0]
    with np.errstate(all="ignore"):
        g = -np.asarray(model.score(flat), dtype=np.float64) / n
        if hessian is not None:
            H = hessian.reshape(g.size, g.size) / n
        else:
            H = _newton_hessian(result, g.size)
            if H is None:
                H = -np.asarray(model.hessian(flat), dtype=np.float64).reshape(g.size, g.size) / n
    if not (np.isfinite(g).all() and np.isfinite(H).all()):
        return None
    radius, sums, gram = design_sizes(X)
    R = radius * (1.0 if K == 1 else np.sqrt(2.0))
    grad_error = gamma(n + 4) * float(np.linalg.norm(sums)) / n * np.sqrt(K)
    hessian_error = gamma(n + 4) * (K + 1) * gram / (4 * n)  # certificates.hessian_rounding, from the sums above
    return certificates.certify(g, (H + H.T) / 2, R, grad_error=grad_error, hessian_error=hessian_error)


def _newton_hessian(result, size: int) -> np.ndarray | None:
    """The Hessian of the mean negative log-likelihood that statsmodels' Newton's method computed at the parameters
    it returned (``mle_retvals["Hessian"]``: ``-hessian(params) / nobs``, the same array :func:`result_certificate`
    would compute, to the bit), or ``None`` for other optimisers."""
    H = (getattr(result, "mle_retvals", None) or {}).get("Hessian")
    if H is None:
        return None
    H = np.asarray(H, dtype=np.float64)
    return H if H.shape == (size, size) else None


def null_model_slack(fit: Fit) -> float:
    """How far statsmodels' ``llnull`` can be below the maximum of the constant-only model: statsmodels fits that
    model numerically (asked here to use Newton's method, as for the full model, instead of its default Nelder-Mead
    then BFGS, which takes thousands of passes over the data); from the fit's certificate, at most
    ``n ||grad J|| d`` (infinite when no certificate is available)."""
    results = fit.result._results
    results._attach_nullmodel = True
    results._optim_kwds_null = {"method": "newton", "maxiter": 100, "disp": 0}
    results._cache.pop("llnull", None)
    _ = results.llnull
    null = getattr(results, "res_null", None)
    K = 1 if fit.model in ("Logit", "GLM-Binomial") else len(fit.classes) - 1
    cert = result_certificate(null, K) if null is not None else None
    if cert is None or not cert.available:
        return float("inf")
    return null.model.exog.shape[0] * cert.grad_norm * cert.bound


def diagnose(fit: Fit, codes: np.ndarray, *, max_condition: float = 1e12) -> Diagnosis:
    """Diagnose ``fit``: separation (on the design used), convergence, and whether the Hessian can be inverted.

    When the estimate is certified to exist (:func:`mle_certificate`) there is no separation to look for. Otherwise
    the linear programme of :func:`~logistic_softmax.science.separation.find_separation` looks, unless it would exceed
    :data:`MAX_MARGIN_ROWS` rows or :data:`MAX_MARGIN_ENTRIES` entries; the diagnosis then says so, and separation
    would still show as non-convergence or non-finite parameters or standard errors.
    """
    classes = fit.classes
    if fit.model in ("Logit", "GLM-Binomial"):  # 0 = the negative class, 1 = positive
        y = np.asarray(fit.result.model.endog).astype(int)
    else:
        order = [fit.reference] + fit.others
        y = np.array([order.index(classes[c]) for c in codes])
        classes = tuple(order)
    rows = len(y) * (len(classes) - 1)
    entries = rows * 2 * fit.X.shape[1]
    cert = mle_certificate(fit)
    if cert is not None and cert.available:
        sep = Separation("none", None, pd.Series(0, index=list(classes), name="perfectly predicted"), ())
    elif rows <= MAX_MARGIN_ROWS and entries <= MAX_MARGIN_ENTRIES:
        sep = find_separation(fit.X, y, classes)
    else:
        sep = not_checked(classes, (
            f"separation was not checked by linear programming ({len(y)} observations x {len(classes) - 1} "
            f"classes x {fit.X.shape[1]} columns: {rows:,} margin rows with {entries:,} entries, above "
            f"{MAX_MARGIN_ROWS:,} rows or {MAX_MARGIN_ENTRIES:,} entries); a separated fit would show below as "
            "non-convergence or non-finite parameters or standard errors"
        ))
    problems: list[str] = []
    if sep.found:
        problems.append(
            f"{sep.kind} separation: the maximum-likelihood estimate does not exist (some coefficients run off to "
            "infinity, and their standard errors with them)"
        )
        problems += list(sep.findings)
    converged = fit.converged
    if not converged:
        it = (getattr(fit.result, "mle_retvals", None) or {}).get("iterations", "?")
        problems.append(
            f"not converged: the optimiser stopped after {it} iterations without meeting its tolerance, or with "
            "non-finite parameters (statsmodels may still say converged=True when the parameters are NaN)"
        )
    bse = np.asarray(fit.result.bse, dtype=np.float64)
    hessian_ok = bool(np.isfinite(bse).all())
    cond = np.nan
    if hessian_ok:
        cov = np.asarray(fit.result.cov_params(), dtype=np.float64)
        eig = np.linalg.eigvalsh((cov + cov.T) / 2)
        cond = eig.max() / eig.min() if eig.min() > 0 else np.inf
        hessian_ok = bool(eig.min() > 0 and cond < max_condition)
    if not hessian_ok:
        problems.append(
            "the Hessian of the log-likelihood cannot be inverted reliably "
            + (f"(condition number {cond:.2g})" if np.isfinite(cond) else "(NaN or negative variances)")
            + ", so the standard errors, z-values and confidence intervals are not usable"
        )
    return Diagnosis(sep, converged, hessian_ok, fit.aliased, fit.warnings, problems)
