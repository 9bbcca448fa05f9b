"""Profile-likelihood confidence intervals for the coefficients of a (multinomial) logistic regression.

The interval of a coefficient θ_j at level 1 − α is the set of values b whose profile log-likelihood
ℓ_p(b) = max{ℓ(θ) : θ_j = b} is within half a χ²₁ quantile of the maximum: 2 (ℓ̂ − ℓ_p(b)) ≤ χ²_{1, 1−α}. It inverts
the likelihood-ratio test, so it follows the shape of the likelihood where the Wald interval θ̂_j ± z·SE assumes a
parabola; the two agree when the log-likelihood is close to quadratic over the interval (large samples) and part
where it is not (few events, coefficients near separation). A bound that the profile never reaches — the
deviance stays below the quantile however far b goes, as it does along a separating direction — is infinite.

Each ℓ_p(b) is a maximisation over the other coefficients, by Newton's method from the neighbouring solution;
each bound is found by bracketing and Brent's method. :class:`Bound` keeps what a report needs to check a bound
independently: the statistic at the bound and how far it may be off (the root's tolerance times the statistic's
slope, and the constrained fit's certified distance from its maximum).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, stats

from . import certificates
from .links import log_softmax, softmax
from .rounding import gamma

__all__ = ["Likelihood", "Bound", "ProfileCI", "profile_ci", "verify_bound", "BoundCheck", "bound_checks",
           "beside_wald", "largest_difference", "MAX_WORK"]

#: Profiling repeats a Newton fit some 30 times for each of the 2P bounds, each Newton step some n P²
#: multiply-adds (P the coefficients) and several passes over the n x P design; above this much work in all,
#: 2 n P³, it is skipped and the report says so. On a 2-core machine 2.5e8 (a million rows, five coefficients) took
#: 40 s of CPU time, 8.8e7 (944 rows, 36 coefficients of a multinomial logit) about 1 s.
MAX_WORK = 1e8


class Likelihood:
    """The log-likelihood of a multinomial logit in reference coding: ``theta`` is p x (K - 1) (column k the
    coefficients of the k-th non-reference class); ``codes`` are 0 for the reference and 1..K-1 for the others
    (a binary logit is K = 2, code 1 the positive class)."""

    def __init__(self, X: np.ndarray, codes: np.ndarray, K: int):
        self.X, self.codes, self.K = np.asarray(X, dtype=np.float64), np.asarray(codes), K
        self.Y = np.eye(K)[self.codes][:, 1:]

    def _logits(self, theta) -> np.ndarray:
        return np.c_[np.zeros(len(self.X)), self.X @ theta.reshape(self.X.shape[1], -1)]

    def value(self, theta) -> float:
        lp = log_softmax(self._logits(theta), axis=1)
        return float(lp[np.arange(len(self.codes)), self.codes].sum())

    def score(self, theta) -> np.ndarray:
        P = softmax(self._logits(theta), axis=1)[:, 1:]
        return (self.X.T @ (self.Y - P)).ravel()

    def information(self, theta) -> np.ndarray:
        """Minus the Hessian, (K - 1) p square, ordered as ``theta.ravel()`` (predictor-major)."""
        P = softmax(self._logits(theta), axis=1)[:, 1:]
        p, m = self.X.shape[1], self.K - 1
        H = np.empty((p, m, p, m))
        for a in range(m):
            for b in range(a, m):
                w = P[:, a] * ((a == b) - P[:, b])
                H[:, a, :, b] = self.X.T @ (self.X * w[:, None])
                H[:, b, :, a] = H[:, a, :, b].T if a != b else H[:, a, :, b]
        return H.reshape(p * m, p * m)


@dataclass(frozen=True)
class Bound:
    """One end of a profile interval: the value, the likelihood-ratio statistic there, and what a check needs."""

    value: float  # ±inf when the profile never reaches the quantile
    statistic: float  # 2 (ℓ̂ − ℓ_p(value)), computed at the returned value
    theta: np.ndarray | None = None  # the constrained maximiser at the bound (predictor-major, as Likelihood)
    slope: float = 0.0  # |d statistic / d value| at the bound: 2 |score_j| there (envelope theorem)
    xtol: float = 0.0  # how far the value may be from the exact root of the computed statistic
    reason: str = ""

    @property
    def finite(self) -> bool:
        return bool(np.isfinite(self.value))


def _constrained_max(lik: Likelihood, j: int, b: float, start: np.ndarray, *, tol: float = 1e-10,
                     max_steps: int = 100) -> tuple[np.ndarray, float, bool]:
    """Maximise the log-likelihood with coordinate ``j`` fixed at ``b``, by Newton's method with step halving from
    ``start``; returns the maximiser, the maximum and whether the score fell below ``tol`` times ``n`` (rather than
    the steps stalling, as they can where some coefficients have run off and the information is nearly singular)."""
    theta = start.copy()
    theta[j] = b
    free = np.arange(theta.size) != j
    value = lik.value(theta)
    n = len(lik.codes)
    for _ in range(max_steps):
        g = lik.score(theta)[free]
        if np.linalg.norm(g) <= tol * n:
            return theta, value, True
        try:
            step = np.linalg.solve(lik.information(theta)[np.ix_(free, free)], g)
        except np.linalg.LinAlgError:
            break
        t = 1.0
        while t > 1e-12:
            trial = theta.copy()
            trial[free] += t * step
            new = lik.value(trial)
            if np.isfinite(new) and new >= value - gamma(n + 8) * abs(value):
                theta, value = trial, new
                break
            t /= 2
        else:
            break
    return theta, value, False


def _bound(lik: Likelihood, j: int, theta_hat: np.ndarray, ll_hat: float, se: float, q: float, side: int,
           *, max_se: float = 64.0) -> Bound:
    """The bound on one side (``side`` = ±1) of coordinate ``j``'s interval."""
    cache: dict[float, tuple[float, np.ndarray]] = {}
    est = float(theta_hat[j])

    def stat(b: float) -> float:
        if b not in cache:
            # warm start from the nearest value already profiled (the estimate itself at first): a start far away,
            # where the other coefficients have run off, need not come back within the Newton steps allowed
            near = min(cache, key=lambda c: abs(c - b), default=est)
            theta, ll, done = _constrained_max(lik, j, b, cache[near][1] if near in cache else theta_hat)
            if not done and near in cache:  # stalled: start again from the estimate, keep the higher maximum
                other, ll_other, _ = _constrained_max(lik, j, b, theta_hat)
                if ll_other > ll:
                    theta, ll = other, ll_other
            cache[b] = (2 * (ll_hat - ll), theta)
        return cache[b][0] - q

    stat(est)  # the start of the bracket, profiled from the estimate before anything else
    # the first step is the Wald half-width, but no more than √q (1 + |estimate|): under separation the standard
    # error is inflated by orders of magnitude, and a first step that far lands where every probability saturates
    step = math.sqrt(q) * min(se, 1 + abs(est)) if np.isfinite(se) and se > 0 else math.sqrt(q) * (1 + abs(est))
    inner, outer = est, est + side * step
    while stat(outer) < 0:
        if abs(outer - est) > max_se * step:
            s = cache[outer][0]
            return Bound(side * math.inf, s, reason=f"the profile deviance is still {s:.3g} < {q:.3g} at "
                         f"{abs(outer - est) / step:.0f} times the first step (the Wald half-width, or √q (1 + "
                         "|estimate|) if smaller) from the estimate: no bound on this side")
        inner, outer = outer, est + 2 * (outer - est)
    xtol = 1e-9 * (1 + abs(outer))
    root = optimize.brentq(stat, min(inner, outer), max(inner, outer), xtol=xtol, rtol=4 * np.finfo(float).eps)
    s = stat(root) + q
    theta = cache[root][1]
    if not abs(s - q) <= 1e-6 * q:  # a jump of the computed profile, not a root: some constrained fit failed
        return Bound(math.nan, s, reason=f"the profile deviance jumps across {q:.3g} near {root:.6g} (it is {s:.3g} "
                     "there): a constrained fit did not converge, so no bound is given on this side")
    return Bound(float(root), float(s), theta, float(2 * abs(lik.score(theta)[j])), float(xtol))


@dataclass
class ProfileCI:
    """Profile-likelihood intervals of every coefficient (log-odds scale), indexed like the fit's ``params``."""

    low: pd.DataFrame
    high: pd.DataFrame
    bounds: dict  # (predictor, class) -> (low Bound, high Bound)
    quantile: float  # χ²_{1, 1-α}
    reason: str | None = None  # why no interval was computed

    @property
    def available(self) -> bool:
        return self.reason is None

    def as_record(self) -> dict[str, list[float]]:
        """``{term: [low, high]}`` (binary) or ``{"class: term": [low, high]}``, for a run's JSON."""
        out = {}
        for cls in self.low.columns:
            for term in self.low.index:
                key = term if len(self.low.columns) == 1 else f"{cls}: {term}"
                out[key] = [float(self.low.loc[term, cls]), float(self.high.loc[term, cls])]
        return out


def profile_ci(fit, alpha: float = 0.05, *, max_work: float = MAX_WORK) -> ProfileCI:
    """Profile-likelihood intervals at level 1 − ``alpha`` for every coefficient of a
    :class:`~logistic_softmax.science.glm.Fit` (``Logit``, ``GLM-Binomial`` or ``MNLogit``)."""
    params = fit.params
    q = float(stats.chi2.ppf(1 - alpha, 1))
    empty = pd.DataFrame(np.nan, index=params.index, columns=params.columns)
    theta_hat = params.to_numpy(dtype=np.float64)
    if not np.isfinite(theta_hat).all():
        return ProfileCI(empty, empty.copy(), {}, q, "the coefficients are not finite")
    X = fit.X.to_numpy(dtype=np.float64)
    n, P = X.shape[0], theta_hat.size
    work = 2 * n * P**3
    if work > max_work:
        return ProfileCI(empty, empty.copy(), {}, q, f"not computed: {n:,} observations x {P} coefficients need "
                         f"{n * P * P:.2g} multiply-adds per Newton step, some 30 fits for each of the {2 * P} bounds "
                         f"({work:.2g} for one step of each), above the budget of {max_work:.0e}")
    # statsmodels' own coding: MNLogit's reference is code 0 (fit_mnlogit recodes), a binary fit's positive class 1
    lik = Likelihood(X, np.asarray(fit.result.model.endog).astype(int), len(fit.classes))
    flat = theta_hat.ravel()
    ll_hat = lik.value(flat)
    se = fit.bse.to_numpy(dtype=np.float64).ravel()
    low, high, bounds = empty.copy(), empty.copy(), {}
    for idx in range(flat.size):
        i, k = divmod(idx, theta_hat.shape[1])
        lo, hi = (_bound(lik, idx, flat, ll_hat, se[idx], q, side) for side in (-1, 1))
        term, cls = params.index[i], params.columns[k]
        low.loc[term, cls], high.loc[term, cls] = lo.value, hi.value
        bounds[(term, cls)] = (lo, hi)
    return ProfileCI(low, high, bounds, q)


def verify_bound(fit, bound: Bound, index: int, ll_hat: float | None = None) -> tuple[float, float]:
    """A bound checked through statsmodels' own log-likelihood, score and Hessian (a second implementation):
    the likelihood-ratio statistic 2 (ℓ̂ − ℓ_p(b)) at the bound, and how far it may be from χ²_{1, 1−α}.

    ``index`` is the coefficient's position in ``fit.params.to_numpy().ravel()``. statsmodels' score and Hessian at
    the constrained maximiser certify (self-concordance) that it is within ``d`` of the maximum of statsmodels'
    log-likelihood on the constraint, so ℓ_p(b) is at most ``n ||g|| d`` above its value there; the MLE's
    log-likelihood, likewise from its own certificate. Add the root's tolerance times the statistic's slope, and
    the rounding of two sums of ``n`` terms.
    """
    model = fit.result.model
    p, m = fit.params.shape
    to_sm = np.arange(p * m).reshape(p, m).ravel(order="F")  # statsmodels orders class-major
    n = model.exog.shape[0]
    free = np.arange(p * m) != index
    theta_sm = bound.theta[to_sm]
    g = -np.asarray(model.score(theta_sm), dtype=np.float64)[np.argsort(to_sm)][free] / n
    H = -np.asarray(model.hessian(theta_sm), dtype=np.float64)
    H = H[np.ix_(np.argsort(to_sm), np.argsort(to_sm))][np.ix_(free, free)] / n
    R = certificates.radius(np.asarray(model.exog, dtype=np.float64)) * (1.0 if m == 1 else math.sqrt(2.0))
    cert = certificates.certify(g, (H + H.T) / 2, R)
    from .diagnosis import mle_certificate

    top = mle_certificate(fit)
    if not (cert.available and top is not None and top.available):
        return math.nan, math.inf
    ll_top = float(model.loglike(np.asarray(fit.result.params, dtype=np.float64).ravel(order="F")))
    ll_b = float(model.loglike(theta_sm))
    statistic = 2 * (ll_top - ll_b)
    allowance = (bound.slope * bound.xtol + 2 * n * (cert.grad_norm * cert.bound + top.grad_norm * top.bound)
                 + 4 * gamma(n + 8) * (abs(ll_top) + abs(ll_b)))
    return statistic, allowance


@dataclass(frozen=True)
class BoundCheck:
    """One bound of :func:`profile_ci` checked with :func:`verify_bound`, or the reason it cannot be."""

    term: str
    cls: str
    side: str  # "low" or "high"
    value: float
    statistic: float = math.nan
    allowance: float = math.inf
    reason: str = ""  # why it is not checked (an infinite bound, or no certificate for the fits involved)


def bound_checks(fit, ci: ProfileCI) -> list[BoundCheck]:
    """Every bound of ``ci`` with its likelihood-ratio statistic in statsmodels' likelihood and the allowance
    (:func:`verify_bound`); an infinite bound, one not found, or one whose fits have no certificate, with why."""
    out = []
    for index, ((term, cls), pair) in enumerate(ci.bounds.items()):
        for side, bound in zip(("low", "high"), pair, strict=True):
            if not bound.finite:
                why = bound.reason or "no bound"
                out.append(BoundCheck(str(term), str(cls), side, bound.value, reason=why))
                continue
            statistic, allowance = verify_bound(fit, bound, index)
            why = "" if math.isfinite(allowance) else ("the maximum-likelihood estimate or the constrained fit at the "
                                                      "bound has no self-concordance certificate (the estimate does "
                                                      "not exist, or is too poorly determined)")
            out.append(BoundCheck(str(term), str(cls), side, bound.value, statistic, allowance, why))
    return out


def beside_wald(fit, ci: ProfileCI, alpha: float) -> pd.DataFrame:
    """Per coefficient (index: the term, or (class, term) with several classes): the estimate, the Wald interval
    estimate ± z SE and the profile interval on the log-odds scale, the same exponentiated (odds or relative-risk
    ratios), and where the estimate sits in each interval: (high − estimate) / (estimate − low), 1 for Wald."""
    z = float(stats.norm.ppf(1 - alpha / 2))
    rows = []
    for cls in fit.params.columns:
        for term in fit.params.index:
            est, se = float(fit.params.loc[term, cls]), float(fit.bse.loc[term, cls])
            lo, hi = float(ci.low.loc[term, cls]), float(ci.high.loc[term, cls])
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                rows.append({"class": cls, "term": term, "coef": est, "Wald low": est - z * se,
                             "Wald high": est + z * se, "profile low": lo, "profile high": hi,
                             "profile (high − coef) / (coef − low)": (hi - est) / (est - lo),
                             "exp(coef)": np.exp(est), "exp Wald low": np.exp(est - z * se),
                             "exp Wald high": np.exp(est + z * se), "exp profile low": np.exp(lo),
                             "exp profile high": np.exp(hi)})
    frame = pd.DataFrame(rows).set_index(["class", "term"])
    return frame.droplevel("class") if len(fit.params.columns) == 1 else frame


def largest_difference(table: pd.DataFrame) -> dict | None:
    """Where a :func:`beside_wald` table's profile bounds differ most from the Wald bounds, in Wald half-widths,
    among the rows whose profile interval is finite: the row, the side, the two bounds, the difference and the row's
    skew; None when no row has one. (An infinite bound is a difference of another kind, which a report names on its
    own.)"""
    half = (table["Wald high"] - table["Wald low"]) / 2
    best = None
    for side in ("low", "high"):
        with np.errstate(invalid="ignore"):
            gap = (table[f"profile {side}"] - table[f"Wald {side}"]).abs() / half
        whole = np.isfinite(table["profile low"]) & np.isfinite(table["profile high"])
        gap = gap.where(np.isfinite(gap) & whole, -1.0)
        row = gap.idxmax()
        if gap[row] >= 0 and (best is None or gap[row] > best["half_widths"]):
            best = {"row": row, "side": side, "profile": float(table.loc[row, f"profile {side}"]),
                    "wald": float(table.loc[row, f"Wald {side}"]), "half_widths": float(gap[row]),
                    "skew": float(table.loc[row, "profile (high − coef) / (coef − low)"])}
    return best
