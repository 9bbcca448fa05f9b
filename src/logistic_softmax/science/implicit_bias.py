"""Gradient descent on linearly separable data: the loss goes to zero, the weights to infinity, and their direction
to the hard-margin SVM's (Soudry, Hoffer, Nacson, Gunasekar and Srebro, 2018, "The implicit bias of gradient
descent on separable data", JMLR 19).

The loss is the mean logistic loss of a homogeneous linear predictor, ``f(w) = mean_i l(a_i'w)`` with
``l(m) = log(1 + e^(-m))`` and the signed rows ``a_i = y_i x_i`` (the constant column an ordinary coordinate).
Gradient descent starts at ``w_0 = 0`` and takes ``w <- w - eta grad f(w)`` with ``eta < 2 / L``, ``L`` the largest
eigenvalue of ``X'X / (4 n)`` (:func:`.networks.smoothness`). The theorem gives a rate, ``w_t = w* log t + O(1)``
with ``w*`` the max-margin vector, so the direction's error falls like ``1 / log t``, with constants it does not
state. What can be derived with known constants, and is checked by the report, is this:

* **The loss decreases** at every step (the descent lemma: ``f(w - eta g) <= f(w) - eta (1 - eta L / 2) ||g||^2``).
* **A rate for the loss.** For any ``u``, summing the descent lemma, convexity and the change of ``||w - u||^2``
  over ``t`` steps gives ``f(w_t) <= f(u) + (||u||^2 / (2 eta) + c) / t``, ``c = (eta L - 1)+ log 2 / (2 - eta L)``
  (``c = 0`` when ``eta <= 1 / L``). With ``u = s w_hat`` for a feasible ``w_hat`` (every margin >= 1, so
  ``f(u) <= l(s)``), the best ``s`` gives :func:`loss_bound` ``B_t``, which falls like ``(log t)^2 / t``.
* **Every point is classified correctly** once ``f(w_t) < log 2 / n`` (each term is at most ``n f``, and
  ``l(m) < log 2`` means ``m > 0``): by the rate, no later than the first ``t`` with ``n B_t < log 2``.
* **The norm grows like log t.** Any ``w`` has ``min_i a_i'w <= gamma* ||w||`` (``gamma* = 1 / ||w*||``), so
  ``f(w) >= l(gamma* ||w||) / n`` and ``||w|| >= ||w*|| l^(-1)(n f(w))``; with the rate,
  ``||w_t|| >= ||w*|| l^(-1)(n B_t)``, about ``||w*|| (log t - 2 log log t - const)`` (:func:`norm_bound`).
* **The cosine is at least the margin ratio.** With ``gamma(w) = min_i a_i'w / ||w|| > 0``,
  ``v = w / (gamma(w) ||w||)`` is feasible, and ``w*`` is the feasible point nearest the origin, so
  ``<v - w*, w*> >= 0``, that is ``<w, w*> >= ||w*||^2 gamma(w) ||w||`` and ``cos(w, w*) >= gamma(w) / gamma*``: the
  direction converges at least as fast as the normalised margin does.

The iterates are computed in floating point. Gradient descent on a convex ``L``-smooth loss with ``eta <= 2 / L``
never enlarges the distance between two runs, so the computed iterates stay within the sum of the steps' rounding
of the exact ones (:attr:`Descent.drift`, to first order in the machine epsilon).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.special import expit

from . import networks as nw
from .links import softplus
from .rounding import EPS, LINK_ERROR, gamma

__all__ = ["Descent", "descend", "record_steps", "loss_bound", "inverse_loss", "norm_bound", "LOG2"]

LOG2 = float(np.log(2.0))


def record_steps(steps: int, count: int = 200) -> np.ndarray:
    """Step numbers at which to keep the iterate: 0 and about ``count`` log-spaced steps up to ``steps``."""
    if steps < 1:
        return np.array([0])
    return np.unique(np.r_[0, np.geomspace(1, steps, count).round().astype(np.int64), steps])


def inverse_loss(v) -> np.ndarray:
    """``l^(-1)(v) = -log(e^v - 1)``: the margin whose logistic loss is ``v`` (positive for ``v < log 2``)."""
    v = np.asarray(v, dtype=np.float64)
    with np.errstate(divide="ignore"):
        return -np.log(np.expm1(v))


@dataclass
class Descent:
    """A run of :func:`descend`: the iterates at the steps :func:`record_steps` chose, and the rounding bounds."""

    A: np.ndarray  # signed rows
    steps: np.ndarray  # recorded step numbers, 0 first
    weights: np.ndarray  # (len(steps), d)
    learning_rate: float
    smoothness: float  # L
    seconds: float

    @property
    def n(self) -> int:
        return self.A.shape[0]

    @property
    def margins(self) -> np.ndarray:
        """``a_i'w_t`` at every recorded step (len(steps) x n)."""
        return self.weights @ self.A.T

    @property
    def losses(self) -> np.ndarray:
        return softplus(-self.margins).mean(axis=1)

    @property
    def norms(self) -> np.ndarray:
        return np.linalg.norm(self.weights, axis=1)

    @property
    def normalised_margins(self) -> np.ndarray:
        """``min_i a_i'w_t / ||w_t||`` (0 at the start)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            out = self.margins.min(axis=1) / self.norms
        return np.where(self.norms > 0, out, 0.0)

    def cosines(self, direction) -> np.ndarray:
        u = np.asarray(direction, dtype=np.float64)
        u = u / np.linalg.norm(u)
        with np.errstate(invalid="ignore", divide="ignore"):
            out = self.weights @ u / self.norms
        return np.where(self.norms > 0, out, 0.0)

    @property
    def R(self) -> float:
        return float(np.sqrt(np.max(np.sum(self.A**2, axis=1))))

    @property
    def norm_envelope(self) -> float:
        """A bound on ``||w_k||`` at every step, recorded or not: between records ``r < k <= r'`` the iterate moves
        at most ``eta (r' - r) max ||grad f||`` and ``||grad f(w)|| <= R f(w) <= R f(w_r)`` (``sigma(-m) <= l(m)``,
        and the loss decreases)."""
        gaps = np.diff(self.steps)
        reach = self.norms[:-1] + self.learning_rate * gaps * self.R * self.losses[:-1]
        return float(max(self.norms.max(), reach.max(initial=0.0)))

    @property
    def step_rounding(self) -> float:
        """A bound on the rounding one computed step adds (first order in eps): the margins (``gamma(d)`` of
        ``|a_i|'|w|``), the logistic (a quarter of that plus its own), the gradient's sum over ``n`` rows and the
        update itself, with ``||w||`` at most :attr:`norm_envelope`."""
        n, d = self.A.shape
        absA = np.abs(self.A)
        W = self.norm_envelope
        r1 = float(absA.sum(axis=1).max())  # the largest ||a_i||_1
        col = float(absA.sum(axis=0).max()) / n  # the largest mean |a_ij| over i
        e_s = 0.25 * gamma(d) * r1 * W + LINK_ERROR
        e_g = col * e_s + gamma(n + 1) * col
        eta = self.learning_rate
        return float(np.sqrt(d) * (EPS * (W + 2 * eta * self.R * LOG2) + eta * e_g))

    @property
    def drift(self) -> np.ndarray:
        """At every recorded step, a bound on the distance between the computed iterate and the exact one."""
        return self.steps * self.step_rounding

    @property
    def loss_rounding(self) -> np.ndarray:
        """At every recorded step, a bound on the error of the computed loss of the computed iterate: the margins'
        (the loss is 1-Lipschitz in each) and the mean's."""
        absA = np.abs(self.A)
        d = self.A.shape[1]
        margin_err = gamma(d) * (np.abs(self.weights) @ absA.T).max(axis=1)
        return margin_err + (gamma(self.n + 1) + 4 * EPS) * self.losses

    @property
    def exact_loss_gap(self) -> np.ndarray:
        """How far the exact loss of the exact iterate can be from the computed loss: the loss's rounding plus the
        drift times the largest gradient norm (``R log 2``)."""
        return self.loss_rounding + self.R * LOG2 * self.drift


def descend(A, *, learning_rate: float, steps: int, records: int = 200,
            progress: Callable[[str], None] | None = None) -> Descent:
    """Full-batch gradient descent from zero on the mean logistic loss of the signed rows ``A``
    (``learning_rate`` in units of ``1 / L``: the step is ``learning_rate / L``), keeping the iterates at the
    :func:`record_steps`."""
    import time

    A = np.asarray(A, dtype=np.float64)
    n, d = A.shape
    L = nw.smoothness(A, kind="neuron")  # X'X = A'A: the signs do not change it
    eta = learning_rate / L
    at, scale = np.ascontiguousarray(A.T), eta / n
    kept = record_steps(steps, records)
    out = np.zeros((kept.size, d))
    w = np.zeros(d)
    t0, last = time.perf_counter(), time.perf_counter()
    for j in range(1, kept.size):
        for _ in range(int(kept[j] - kept[j - 1])):
            w = w + scale * (at @ expit(-(A @ w)))
        out[j] = w
        if progress is not None and time.perf_counter() - last > 2.0:
            last = time.perf_counter()
            progress(f"gradient descent: step {kept[j]:,} of {steps:,}")
    return Descent(A, kept, out, eta, L, time.perf_counter() - t0)


def loss_bound(steps, w_hat_norm: float, learning_rate: float, smoothness: float) -> np.ndarray:
    """``B_t = min_s [l(s) + (s^2 ||w_hat||^2 / (2 eta) + c) / t]`` (module docstring) at each ``t`` in ``steps``
    (``log 2`` at ``t = 0``), the minimum over a fine grid of ``s`` (any ``s`` gives a valid bound)."""
    t = np.asarray(steps, dtype=np.float64)
    eta, L = learning_rate, smoothness
    c = max(eta * L - 1.0, 0.0) * LOG2 / (2.0 - eta * L)
    s = np.geomspace(1e-3, 1e3, 4000)
    with np.errstate(divide="ignore", invalid="ignore"):
        vals = softplus(-s)[None, :] + (s[None, :] ** 2 * w_hat_norm**2 / (2 * eta) + c) / t[:, None]
    out = vals.min(axis=1)
    return np.where(t > 0, np.minimum(out, LOG2), LOG2)


def norm_bound(loss_upper, n: int, w_star_norm_lower: float) -> np.ndarray:
    """``||w|| >= ||w*|| l^(-1)(n f(w))`` with ``f(w)`` at most ``loss_upper`` and ``||w*||`` at least
    ``w_star_norm_lower``; zero where ``n loss_upper >= log 2`` (the bound says nothing there)."""
    v = n * np.asarray(loss_upper, dtype=np.float64)
    out = w_star_norm_lower * inverse_loss(np.minimum(v, LOG2))
    return np.where(v < LOG2, out, 0.0)
