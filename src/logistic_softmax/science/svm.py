"""The hard-margin support vector machine of a homogeneous linear predictor, certified by its duality gap.

With the signed rows ``a_i = y_i x_i`` (``y_i`` in {-1, +1}; the constant column, if any, is an ordinary coordinate
of ``x_i``, so the intercept is penalised like every other weight), the max-margin vector is

    w* = argmin ||w||^2 / 2   subject to   a_i'w >= 1 for every i,

and ``w* / ||w*||`` is the direction whose smallest margin ``min_i a_i'u`` is largest among unit vectors ``u``;
that margin is ``gamma* = 1 / ||w*||``. This is a *least-distance programme*, which Lawson and Hanson (Solving Least
Squares Problems, 1974, chapter 23) solve exactly by one non-negative least-squares problem: minimise
``||E u - f||`` over ``u >= 0`` with ``E = [A'; 1']`` and ``f = (0, ..., 0, 1)``; then ``w = A'u / (1 - 1'u)``,
with Lagrange multipliers ``alpha = u / (1 - 1'u) >= 0``. A zero residual means the constraints cannot be met: the
classes are not linearly separable. SciPy's ``nnls`` is the active-set method of that book.

**Certificate.** For any ``alpha >= 0`` the dual value ``D(alpha) = sum(alpha) - ||A'alpha||^2 / 2`` is at most
``||w*||^2 / 2`` (weak duality; with no intercept outside ``w`` there is no equality constraint), and for any
feasible ``w`` (every margin >= 1) ``||w||^2 / 2`` is at least that. Because ``w*`` is the point of the convex
feasible set nearest the origin, ``||w - w*||^2 <= ||w||^2 - ||w*||^2``, so

    ||w - w*|| <= sqrt(2 (||w||^2 / 2 - D(alpha))).

:func:`hard_margin` rescales ``w`` by its smallest computed margin less that margin's rounding bound (so that, but for
the rounding of the division, it is feasible in exact arithmetic; the gap is enlarged to cover the ``1 + eps``
multiple that is), scales ``alpha`` to the best multiple, and adds the rounding of both values to the gap.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize

from .rounding import EPS, gamma

__all__ = ["HardMargin", "hard_margin", "signed_rows"]


def signed_rows(X, y) -> np.ndarray:
    """``a_i = y_i x_i`` with ``y`` given as 0/1 (or -1/+1): class 1 is the positive side."""
    y = np.asarray(y, dtype=np.float64)
    s = np.where(y > 0, 1.0, -1.0)
    return s[:, None] * np.asarray(X, dtype=np.float64)


@dataclass(frozen=True)
class HardMargin:
    """The max-margin vector of signed rows ``A`` and its certificate (see the module docstring)."""

    separable: bool
    w: np.ndarray  # feasible in exact arithmetic: every margin a_i'w >= 1 (NaN when not separable)
    alpha: np.ndarray  # non-negative multipliers, zero off the support vectors
    primal: float  # ||w||^2 / 2
    dual: float  # D(alpha), a lower bound on ||w*||^2 / 2
    gap: float  # primal - dual plus their rounding: ||w - w*|| <= sqrt(2 gap)
    margins: np.ndarray  # a_i'w
    combination: np.ndarray  # A'alpha (equal to w at the exact optimum)
    margin_rounding: float = 0.0  # bound on the rounding of a computed margin a_i'w (relative to 1)

    @property
    def distance(self) -> float:
        """Certified bound on ``||w - w*||``."""
        return float(np.sqrt(2.0 * max(self.gap, 0.0)))

    @property
    def norm_lower(self) -> float:
        """A lower bound on ``||w*||`` (``sqrt(2 D)``): ``1 / gamma*`` is at least this."""
        return float(np.sqrt(2.0 * max(self.dual, 0.0)))

    @property
    def direction(self) -> np.ndarray:
        return self.w / np.linalg.norm(self.w)

    @property
    def direction_error(self) -> float:
        """Bound on ``|| w/||w|| - w*/||w*|| ||``: at most ``2 ||w - w*|| / ||w||``."""
        return 2.0 * self.distance / float(np.linalg.norm(self.w))

    @property
    def support(self) -> np.ndarray:
        """Indices of the support vectors (positive multipliers)."""
        return np.flatnonzero(self.alpha > 0)

    def kkt(self) -> dict[str, float]:
        """The Karush-Kuhn-Tucker residuals at (w, alpha): stationarity ``||w - A'alpha|| / ||w||`` (``w`` was
        rescaled after the solve), the smallest margin less 1 (feasibility, >= 0), the smallest multiplier (>= 0),
        and complementary slackness ``sum alpha_i (a_i'w - 1) / sum alpha_i``."""
        stationarity = float(np.linalg.norm(self.w - self.combination) / np.linalg.norm(self.w))
        return {"stationarity": stationarity, "feasibility": float(self.margins.min() - 1.0),
                "dual_feasibility": float(self.alpha.min()),
                "slackness": float(self.alpha @ (self.margins - 1.0) / max(self.alpha.sum(), np.finfo(float).tiny))}


def hard_margin(A) -> HardMargin:
    """Solve the homogeneous hard-margin SVM of the signed rows ``A`` (n x d) by Lawson and Hanson's least-distance
    programme, then certify it (see the module docstring)."""
    A = np.asarray(A, dtype=np.float64)
    n, d = A.shape
    E = np.vstack([A.T, np.ones((1, n))])
    f = np.zeros(d + 1)
    f[-1] = 1.0
    u, _ = optimize.nnls(E, f, maxiter=max(50 * n, 1000))
    scale = 1.0 - float(u.sum())  # minus the last residual, (E u - f)[-1]
    if not (scale > gamma(n + 1) * (1.0 + float(u.sum()))) or not np.all(np.isfinite(u)):
        return _not_separable(n, d, np.full(n, np.nan))
    alpha = u / scale
    w = A.T @ alpha
    margins = A @ w
    # each margin is within gamma(d) |a_i|'|w| of its exact value: rescale by the smallest margin's lower bound
    low = float(np.min(margins - gamma(d) * (np.abs(A) @ np.abs(w))))
    if not low > 0:
        return _not_separable(n, d, margins)
    w = w / low
    margins = A @ w
    # w / low was itself rounded: its exact margins are at least 1 - eps max|a_i|'|w|, so (1 + that) w is feasible
    slack = EPS * float(np.max(np.abs(A) @ np.abs(w)))
    v = A.T @ alpha
    c = float(alpha.sum()) / float(v @ v)  # the best multiple of alpha
    alpha = c * alpha
    v = c * v
    primal = 0.5 * float(w @ w)
    dual = float(alpha.sum()) - 0.5 * float(v @ v)
    # rounding: ||w||^2 (d terms), sum(alpha) (n terms), ||A'alpha||^2 (n terms per entry, then d)
    rounding = gamma(d + 1) * primal + gamma(n + 1) * float(alpha.sum()) + gamma(n + d + 2) * float(
        np.sum((np.abs(A).T @ alpha) ** 2))
    gap = max(primal - dual, 0.0) + rounding + 2 * EPS * abs(primal) + (2 * slack + slack**2) * primal
    margin_rounding = gamma(d + 1) * float(np.max(np.abs(A) @ np.abs(w)))
    return HardMargin(True, w, alpha, primal, dual, gap, margins, v, margin_rounding)


def _not_separable(n: int, d: int, margins: np.ndarray) -> HardMargin:
    nan = np.full(d, np.nan)
    return HardMargin(False, nan, np.zeros(n), np.nan, np.nan, np.inf, margins, nan)
