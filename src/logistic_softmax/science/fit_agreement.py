"""How far two statsmodels fits of the same maximum-likelihood estimate may differ, derived, not guessed.

Two fits of one model (``Logit`` and ``GLM``; a two-class ``MNLogit`` and ``Logit``; ``MNLogit`` against a refit with
another reference class) stop at slightly different points near the same optimum. Each is within its certified
distance of that optimum (:func:`logistic_softmax.science.diagnosis.mle_certificate`), so

* their **coefficients** differ by at most the sum of the two distances (the first carried into the second's
  parametrisation by the norm of the linear map between them);
* their **standard errors** come from the inverse Hessian at two points a distance ``d`` apart; the losses are
  self-concordant in Bach's (2010) sense, so ``exp(-R d) H(a) <= H(b) <= exp(R d) H(a)`` (Loewner order), every
  variance changes by at most that factor and every standard error by ``exp(R d / 2)``; inverting a Hessian of
  condition number ``kappa`` adds a relative ``8 P eps kappa``;
* their **log-likelihoods** are each below the maximum by at most ``n ||g|| d`` (convexity: ``J(w) - J* <= g'(w -
  w*)``), plus the rounding of a sum of ``n`` terms.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import glm
from .diagnosis import hessian, mle_certificate, null_model_slack
from .rounding import EPS, gamma

__all__ = ["Agreement", "agreement", "rebase_norm", "NullTolerances", "null_tolerances", "nested_slack"]


@dataclass(frozen=True)
class Agreement:
    """Tolerances for comparing two fits of one estimate; ``reason`` says why there are none (no certificate)."""

    params: float  # on any coefficient (a bound on the Euclidean distance, so on every entry)
    bse_rtol: float  # relative, on every standard error
    llf: float  # on the log-likelihood
    z: float  # on every z-value (atol per unit of |z|, see :meth:`z_tolerance`)
    reason: str | None = None

    @property
    def available(self) -> bool:
        return self.reason is None

    def z_tolerance(self, se, z) -> np.ndarray:
        """Tolerance on ``z = coef / SE``: the coefficients' tolerance over the SE, plus ``|z|`` times the SEs'."""
        se, z = np.asarray(se, dtype=np.float64), np.asarray(z, dtype=np.float64)
        return self.params / se + np.abs(z) * (self.bse_rtol + self.bse_rtol**2) + 4 * EPS * (1 + np.abs(z))

    def p_tolerance(self, se, z) -> np.ndarray:
        """Tolerance on the two-sided p-value ``2 Phi(-|z|)``, whose derivative in ``z`` is at most ``2 phi(0)``."""
        return 2 * 0.3989422804014327 * self.z_tolerance(se, z) + 4 * EPS

    def tolerances(self, se, z) -> dict[str, dict[str, float | np.ndarray]]:
        """Keyword tolerances for comparing ``params``, ``bse``, ``tvalues`` and ``pvalues``, given one fit's
        standard errors and z-values."""
        return {"params": {"atol": self.params}, "bse": {"rtol": self.bse_rtol},
                "tvalues": {"atol": self.z_tolerance(se, z)}, "pvalues": {"atol": self.p_tolerance(se, z)}}


def _condition(fit: glm.Fit) -> float:
    H = hessian(fit)
    if H is None:
        return math.inf
    lam = np.linalg.eigvalsh((H + H.T) / 2)
    return float(lam[-1] / lam[0]) if lam[0] > 0 else math.inf


def agreement(a: glm.Fit, b: glm.Fit, *, carry: float = 1.0) -> Agreement:
    """Tolerances for comparing fit ``a`` with fit ``b`` of the same estimate (see the module docstring);
    ``carry`` is the norm of the linear map from ``a``'s parameters to ``b``'s (1 when they are the same)."""
    ca, cb = mle_certificate(a), mle_certificate(b)
    for c, what in ((ca, "first"), (cb, "second")):
        if c is None or not c.available:
            x = "not finite" if c is None else f"x = {c.x:.3g} ≥ 1"
            return Agreement(math.inf, math.inf, math.inf, math.inf, f"no certificate for the {what} fit ({x})")
    d = carry * ca.bound + cb.bound
    kappa = max(_condition(a), _condition(b))
    P = max(np.asarray(a.result.params).size, np.asarray(b.result.params).size)
    bse_rtol = math.expm1(cb.R * d / 2) + 8 * P * EPS * kappa
    n = a.result.model.exog.shape[0]
    llf = n * max(ca.grad_norm * ca.bound, cb.grad_norm * cb.bound) + gamma(n + 8) * (abs(a.llf) + abs(b.llf))
    return Agreement(d, bse_rtol, llf, math.nan)


def rebase_norm(K: int, reference: int, new: int) -> float:
    """Norm of the map from coefficients against class ``reference`` to coefficients against class ``new`` (each
    predictor's K - 1 coefficients map by the same matrix: ``beta_j - beta_new``, with ``beta_reference = 0``)."""
    old = [c for c in range(K) if c != reference]
    rows = [c for c in range(K) if c != new]
    M = np.zeros((len(rows), len(old)))
    for i, j in enumerate(rows):
        for m, c in enumerate(old):
            M[i, m] = (c == j) - (c == new)
    return float(np.linalg.norm(M, 2))


@dataclass(frozen=True)
class NullTolerances:
    """Tolerances on statsmodels' null log-likelihood, likelihood-ratio statistic and McFadden's pseudo-R² against
    the closed form ``ll0`` of the null model's maximum: statsmodels fits that model numerically, within its
    certified slack (:func:`logistic_softmax.science.diagnosis.null_model_slack`), and each is a sum of ``n`` terms."""

    llnull: float
    llr: float
    prsquared: float


def null_tolerances(fit: glm.Fit, ll0: float) -> NullTolerances:
    n = fit.result.model.exog.shape[0]
    g_n, slack, llf = gamma(n + 8), null_model_slack(fit), abs(fit.llf)
    return NullTolerances(
        slack + g_n * abs(ll0),
        2 * slack + 4 * g_n * (llf + abs(ll0)),
        (slack + 4 * g_n * abs(ll0)) * llf / ll0**2 + 4 * g_n,
    )


def nested_slack(fit: glm.Fit, reduced: glm.Fit) -> float | None:
    """How far below the nested model's log-likelihood the fuller fit's computed one may be, although its maximum is
    not: its distance to that maximum (``n ||g|| d``) plus the rounding of the two sums; ``None`` without a
    certificate."""
    cert = mle_certificate(fit)
    if cert is None or not cert.available:
        return None
    n = fit.result.model.exog.shape[0]
    return n * cert.grad_norm * cert.bound + gamma(n + 8) * (abs(fit.llf) + abs(reduced.llf))
