"""Firth's bias-reduced logistic regression: the likelihood penalised by Jeffreys' prior, and its estimate, which
exists even when the maximum-likelihood estimate does not.

With ``p_i = sigmoid(x_i'beta)``, ``W = diag(p_i (1 - p_i))`` and the Fisher information ``I(beta) = X'WX``, Firth
(1993, "Bias reduction of maximum likelihood estimates", Biometrika 80) maximises

    l*(beta) = l(beta) + 1/2 log det I(beta),

the log-posterior under Jeffreys' prior ``det I(beta)^(1/2)``. Its gradient is the *modified score*

    U*(beta) = X'(y - p + h (1/2 - p)),

where ``h_i`` is the i-th diagonal entry of the hat matrix ``W^(1/2) X I^(-1) X' W^(1/2)``: since
``dw_i/dbeta_j = w_i (1 - 2 p_i) x_ij`` and ``d log det I = tr(I^(-1) dI)``, the penalty's derivative is
``1/2 sum_i w_i (1 - 2 p_i) x_ij x_i'I^(-1)x_i = sum_i h_i (1/2 - p_i) x_ij``. Heinze and Schemper (2002, "A
solution to the problem of separation in logistic regression", Statistics in Medicine 21) showed the estimate stays
finite under separation; Kosmidis and Firth (2021, Biometrika 108) proved it exists whenever ``X`` has full rank.

:func:`fit` takes Newton steps on ``l*`` (:func:`parts` gives its Hessian) where ``-Hessian`` is positive definite,
and elsewhere the modified-score step ``I(beta)^(-1) U*(beta)`` of Heinze and Schemper (as in their R package
``logistf``, whose iteration converges only linearly); every step is limited to ``max_step`` in each coordinate and
halved until ``l*`` increases (or falls by no more than its rounding, ``4 (n + d) eps (|l*| + 1)``, as it does
within rounding of the optimum). It stops when the largest ``|U*_j|`` is below ``tolerance`` times
``sum_i |x_ij|`` (the size of that sum's terms) and the last step moved no coefficient by more than ``tolerance``
times ``1 + |beta_j|``. Standard errors are ``sqrt(diag(I(beta)^(-1)))`` at the estimate. With ``firth=False``
the same iterations maximise the plain likelihood (Fisher scoring is Newton's method for the logit link), which on
separated data never stops: the report shows those iterates running off. ``fixed`` holds some coefficients at given
values (the penalty is still the whole model's), for penalised likelihood-ratio tests (:func:`likelihood_ratio`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import linalg, stats

from .links import sigmoid, softplus
from .rounding import EPS, gamma

__all__ = ["FirthFit", "parts", "penalised_loglik", "fit", "likelihood_ratio", "hat_trace", "intercept_identity",
           "Comparison", "beside_mle"]


@dataclass(frozen=True)
class Parts:
    """Everything one iteration needs at ``beta``."""

    loglik: float  # l*(beta) (l(beta) when firth is off)
    score: np.ndarray  # U*(beta) (U(beta) when firth is off)
    information: np.ndarray  # I(beta) = X'WX
    hat: np.ndarray  # h_i
    p: np.ndarray
    hessian: np.ndarray | None = None  # of l*, when asked for


def parts(X, y, beta, *, firth: bool = True, hessian: bool = False) -> Parts:
    """The (penalised) log-likelihood, the (modified) score, the information and the hat diagonal at ``beta``, and
    on request the Hessian of ``l*``:

        -I + 1/2 X' diag((1 - 6 w) h) X - 1/2 [tr(I^-1 T_j I^-1 T_k)]_jk

    with ``T_j = dI/dbeta_j = X' diag(w (1 - 2p) x_j) X``, from ``d^2 log det I = tr(I^-1 d^2 I) -
    tr(I^-1 dI I^-1 dI)``, ``d^2 w / d eta^2 = w (1 - 6 w)`` and ``w_i x_i'I^-1 x_i = h_i``. Raises
    ``numpy.linalg.LinAlgError`` when the information is not positive definite (the design does not have full rank,
    or every fitted probability is 0 or 1 to working precision)."""
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    eta = X @ np.asarray(beta, dtype=np.float64)
    p = sigmoid(eta)
    w = p * (1.0 - p)
    info = X.T @ (X * w[:, None])
    chol = linalg.cholesky(info, lower=True, check_finite=False)
    Q = linalg.solve_triangular(chol, (X * np.sqrt(w)[:, None]).T, lower=True, check_finite=False)
    hat = np.sum(Q * Q, axis=0)
    loglik = float(np.sum(y * eta - softplus(eta)))
    resid = y - p
    if firth:
        loglik += float(np.sum(np.log(np.diag(chol))))  # 1/2 log det I = sum log diag(L)
        resid = resid + hat * (0.5 - p)
    H = None
    if hessian:
        H = -info
        if firth:
            d = X.shape[1]
            H = H + 0.5 * X.T @ (X * ((1.0 - 6.0 * w) * hat)[:, None])
            dw = w * (1.0 - 2.0 * p)
            S = np.empty((d, d * d))
            for j in range(d):  # S_j = L^-1 T_j L^-T, so tr(I^-1 T_j I^-1 T_k) = <S_j, S_k>
                T = X.T @ (X * (dw * X[:, j])[:, None])
                half = linalg.solve_triangular(chol, T, lower=True, check_finite=False)
                S[j] = linalg.solve_triangular(chol, half.T, lower=True, check_finite=False).ravel()
            H = H - 0.5 * (S @ S.T)
    return Parts(loglik, X.T @ resid, info, hat, p, H)


def _singular(info: np.ndarray) -> bool:
    """Whether the information is singular to working precision (its condition number above ``1 / (d eps)``):
    the design lacks full rank, or the fitted probabilities are all but 0 or 1 (the coefficients running off)."""
    lam = np.linalg.eigvalsh(info)
    return not lam[0] > lam[-1] * info.shape[0] * EPS


def _solve(info: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    return linalg.cho_solve(linalg.cho_factor(info, lower=True, check_finite=False), rhs, check_finite=False)


def _newton_step(cur: Parts, free: np.ndarray) -> np.ndarray:
    """Newton's step on ``l*`` over the free coefficients where ``-Hessian`` is positive definite, else the
    modified-score step ``I^-1 U*``."""
    neg = -cur.hessian[np.ix_(free, free)]
    try:
        factor = linalg.cho_factor((neg + neg.T) / 2, lower=True, check_finite=False)
    except np.linalg.LinAlgError:
        return _solve(cur.information[np.ix_(free, free)], cur.score[free])
    return linalg.cho_solve(factor, cur.score[free], check_finite=False)


def penalised_loglik(X, y, beta) -> float:
    """``l(beta) + 1/2 log det I(beta)``."""
    return parts(X, y, beta).loglik


@dataclass(frozen=True)
class FirthFit:
    """A fit by :func:`fit`: the estimate, its standard errors and how the iterations ended."""

    names: tuple[str, ...]
    params: np.ndarray
    bse: np.ndarray  # sqrt(diag(I^-1)); NaN for fixed coefficients
    loglik: float  # l*(params), or l(params) without the penalty
    score: np.ndarray  # U* at params
    hat: np.ndarray
    p: np.ndarray  # fitted probabilities
    iterations: int
    converged: bool
    firth: bool
    fixed: dict[int, float]
    message: str  # how the iterations ended, in words
    path: tuple[np.ndarray, ...] = field(default=())  # every iterate (when kept), start first
    logliks: tuple[float, ...] = field(default=())

    @property
    def series(self) -> pd.Series:
        return pd.Series(self.params, index=list(self.names), name="Firth" if self.firth else "maximum likelihood")

    def table(self) -> pd.DataFrame:
        """Coefficient, standard error, Wald z and two-sided p-value per term."""
        z = self.params / self.bse
        return pd.DataFrame({"coefficient": self.params, "standard error": self.bse, "z": z,
                             "p-value": 2 * stats.norm.sf(np.abs(z))}, index=list(self.names))

    def record(self) -> dict[str, float]:
        """``{term: coefficient}`` for a run's JSON."""
        return {str(k): float(v) for k, v in zip(self.names, self.params, strict=True)}


def fit(X, y, *, names=None, firth: bool = True, fixed: dict[int, float] | None = None, start=None,
        tolerance: float = 1e-10, max_iterations: int = 100, max_step: float = 5.0, max_halvings: int = 40,
        keep_path: bool = False) -> FirthFit:
    """Firth's estimate (or, with ``firth=False``, the maximum-likelihood iterations) of ``y`` (0/1) on ``X``
    (n x d, with its constant column); see the module docstring for the iteration and the stopping rule."""
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    n, d = X.shape
    names = tuple(str(c) for c in (names if names is not None else range(d)))
    fixed = {int(k): float(v) for k, v in (fixed or {}).items()}
    free = np.array([j not in fixed for j in range(d)])
    beta = np.zeros(d) if start is None else np.array(start, dtype=np.float64, copy=True)
    for j, v in fixed.items():
        beta[j] = v
    size = np.abs(X).sum(axis=0)  # the scale of each score component's terms
    path, logliks = [beta.copy()], []
    cur = parts(X, y, beta, firth=firth, hessian=firth)
    logliks.append(cur.loglik)
    converged, message, it, step_size = False, "", 0, np.inf
    while free.any():
        small_score = np.all(np.abs(cur.score[free]) <= tolerance * size[free])
        if small_score and step_size <= tolerance:
            converged, message = True, f"converged after {it} iterations"
            break
        if it == max_iterations:
            message = f"stopped after {max_iterations} iterations without meeting the tolerance"
            break
        info = cur.information[np.ix_(free, free)]
        if _singular(info):
            message = (f"stopped after {it} iterations: the information matrix is singular to working precision "
                       "(a design without full rank, or coefficients running off to infinity)")
            break
        delta = np.zeros(d)
        delta[free] = _newton_step(cur, free) if firth else _solve(info, cur.score[free])
        biggest = float(np.max(np.abs(delta)))
        if biggest > max_step:
            delta *= max_step / biggest
        # near the optimum l* changes by less than its own rounding: a step that lowers it by no more is accepted
        slack = 4 * (n + d) * EPS * (abs(cur.loglik) + 1.0)
        for _ in range(max_halvings + 1):
            trial = beta + delta
            try:
                new = parts(X, y, trial, firth=firth, hessian=firth)
            except np.linalg.LinAlgError:
                new = None
            if new is not None and np.isfinite(new.loglik) and new.loglik >= cur.loglik - slack:
                break
            delta /= 2
        else:
            message = f"stopped after {it} iterations: no step along the (modified) score raised the log-likelihood"
            break
        step_size = float(np.max(np.abs(delta) / (1.0 + np.abs(trial))))
        beta, cur, it = trial, new, it + 1
        if keep_path:
            path.append(beta.copy())
            logliks.append(cur.loglik)
    if not free.any():
        converged, message = True, "every coefficient is fixed: nothing to fit"
    bse = np.full(d, np.nan)
    info = cur.information[np.ix_(free, free)]
    if free.any() and not _singular(info):
        bse[free] = np.sqrt(np.diag(_solve(info, np.eye(int(free.sum())))))
    return FirthFit(names, beta, bse, cur.loglik, cur.score, cur.hat, cur.p, it, converged, firth, fixed, message,
                    tuple(path) if keep_path else (), tuple(logliks) if keep_path else ())


def likelihood_ratio(full: FirthFit, restricted: FirthFit) -> tuple[float, int, float]:
    """The penalised likelihood-ratio statistic ``2 (l*_full - l*_restricted)``, its degrees of freedom (the
    coefficients the restricted fit holds fixed) and its chi-squared p-value (Heinze and Schemper, 2002)."""
    stat = 2.0 * (full.loglik - restricted.loglik)
    df = len(restricted.fixed) - len(full.fixed)
    return stat, df, float(stats.chi2.sf(stat, df))


def hat_trace(f: FirthFit) -> tuple[float, int, float]:
    """The hat matrix's trace at Firth's estimate (its rank, the number of coefficients ``d``), with the rounding
    allowance of its ``n d`` squared entries."""
    return float(np.sum(f.hat)), len(f.names), gamma(f.p.size * len(f.names) + 8) * len(f.names)


def intercept_identity(f: FirthFit, y) -> tuple[float, float, float, float]:
    """At Firth's estimate the constant's modified score is ``U*_0 = sum(y - p + h (1/2 - p))``, so the fitted
    count ``sum p`` is the observed count plus the pull towards 1/2, ``sum h (1/2 - p)``, less ``U*_0``.
    Returns ``(sum p, sum y + sum h (1/2 - p), the pull, the allowance)``: ``|U*_0|`` (below the stopping
    tolerance) plus the sums' rounding. The constant must be the first column."""
    n = f.p.size
    pull = float(np.sum(f.hat * (0.5 - f.p)))
    allowance = abs(float(f.score[0])) + gamma(n + 4) * (float(np.sum(f.p)) + float(np.sum(f.hat)) + n)
    return float(np.sum(f.p)), float(np.sum(y)) + pull, pull, allowance


@dataclass(frozen=True)
class Comparison:
    """Firth's estimates beside a maximum-likelihood fit's (which may have run off under separation)."""

    firth: FirthFit
    table: pd.DataFrame  # per term: the maximum-likelihood coefficient, Firth's, Firth's standard error

    @property
    def params(self) -> dict[str, float]:
        """``{term: Firth's coefficient}``, for a run's JSON (``firth_params``)."""
        return self.firth.record()


def beside_mle(mle) -> Comparison:
    """Firth's fit on the design and outcome of a binary ``glm.Fit`` (statsmodels ``Logit`` or ``GLM``), beside
    that fit's coefficients: what a report shows when it diagnoses separation. ``mle`` needs ``X`` (the design
    used, a DataFrame with its constant) and ``result`` (whose ``model.endog`` is the 0/1 outcome and ``params``
    the coefficients)."""
    X = mle.X
    y = np.asarray(mle.result.model.endog, dtype=np.float64)
    firth = fit(X.to_numpy(dtype=np.float64), y, names=list(X.columns))
    ml = np.asarray(mle.result.params, dtype=np.float64).ravel()
    table = pd.DataFrame({"maximum likelihood": ml, "Firth": firth.params, "Firth standard error": firth.bse},
                         index=list(X.columns))
    return Comparison(firth, table)
