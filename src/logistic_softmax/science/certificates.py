"""How far a trained network can be from the optimum of its loss: a certificate from self-concordance.

The logistic and softmax losses are *self-concordant* in the sense of Bach (2010, "Self-concordant analysis for
logistic regression", Electronic Journal of Statistics 4): along any line ``w + t v`` (``||v|| = 1``) the loss
``g(t) = J(w + t v)`` has ``|g'''| <= R g''``, with ``R = max_i ||x_i||`` for the logistic loss and ``sqrt(2) max_i
||x_i||`` for the softmax (the third central moment of a logit direction is at most its range times its variance,
and the range is at most ``sqrt(2)`` times its norm). An L2 penalty adds to ``g''`` and nothing to ``g'''``.

From ``(log g'')' >= -R``, ``g''(t) >= g''(0) e^(-R t)``. Let ``v`` point from ``w`` to the optimum ``w*`` at
distance ``d``: ``g'(d) = 0``, so ``||grad J(w)|| >= -g'(0) = int_0^d g'' >= lambda_min(H(w)) (1 - e^(-R d)) / R``.
With ``x = R ||grad J(w)|| / lambda_min(H(w))`` this gives ``1 - e^(-R d) <= x``, hence, when ``x < 1``,

    ||w - w*|| <= -log(1 - x) / R.

When ``x >= 1`` there is no certificate. A distance in other units (the original units of the predictors, or
reference-class parameters) is at most the norm of the linear map to those units times this one: ``scale``.

The heuristic ``2 ||grad J(w)|| / lambda_min(H(w))`` (the quadratic model's distance with a factor 2) is not a bound:
it uses the curvature at ``w``, which can be far larger than along the way to ``w*``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import basenet as bn
from .rounding import EPS, gamma

__all__ = [
    "Certificate",
    "certify",
    "radius",
    "hessian_rounding",
    "neuron",
    "reduced_layer",
    "layer_scale",
    "layer",
    "HeuristicTest",
    "heuristic_test",
    "steep_example",
]


@dataclass(frozen=True)
class Certificate:
    """``x = R grad_norm / lambda_min``; ``bound = scale (-log(1 - x) / R)`` when ``x < 1``, else infinite."""

    grad_norm: float  # of the gradient, plus the bound on its rounding
    lambda_min: float  # of the Hessian, less the bound on its rounding
    R: float
    scale: float = 1.0

    @property
    def x(self) -> float:
        return self.R * self.grad_norm / self.lambda_min if self.lambda_min > 0 else math.inf

    @property
    def available(self) -> bool:
        return self.x < 1

    @property
    def bound(self) -> float:
        return self.scale * (-math.log1p(-self.x) / self.R) if self.available else math.inf

    @property
    def heuristic(self) -> float:
        """The old ``2 ||g|| / lambda_min(H)`` in the same units (not a bound)."""
        return self.scale * 2 * self.grad_norm / self.lambda_min if self.lambda_min > 0 else math.inf

    def record(self) -> dict[str, float | None]:
        """The keys other tools read from a run's JSON; ``None`` where a value is infinite."""

        def finite(v: float) -> float | None:
            return float(v) if math.isfinite(v) else None

        return {k: finite(getattr(self, k)) for k in ("grad_norm", "lambda_min", "R", "x", "scale", "bound")}

    def describe(self) -> str:
        """One sentence: the certificate's numbers and what they give."""
        head = (
            f"gradient norm {self.grad_norm:.3g}, smallest Hessian eigenvalue {self.lambda_min:.4g}, "
            f"R = {self.R:.4g}, so x = R‖g‖/λ_min = {self.x:.3g}"
        )
        if self.available:
            return head + f" < 1: the distance to the optimum is at most {self.bound:.3g}"
        return head + " ≥ 1: no certificate is available at this point"


def certify(gradient, hessian, R: float, *, scale: float = 1.0, grad_error=0.0, hessian_error: float = 0.0):
    """A :class:`Certificate` from a computed gradient and Hessian and bounds on their rounding.

    ``grad_error`` (entrywise bounds or a number) is added to the gradient's norm; ``hessian_error`` bounds the
    spectral norm of the Hessian's rounding error, and eigvalsh's own backward error (``10 P eps ||H||``) is added to
    it: by Weyl's inequality the smallest eigenvalue moves by no more than their sum.
    """
    g = np.asarray(gradient, dtype=np.float64).ravel()
    H = np.asarray(hessian, dtype=np.float64)
    grad_norm = float(np.linalg.norm(g) + np.linalg.norm(np.asarray(grad_error, dtype=np.float64)))
    lam = np.linalg.eigvalsh(H)
    margin = hessian_error + 10 * H.shape[0] * EPS * float(np.max(np.abs(lam)))
    return Certificate(grad_norm, float(lam[0]) - margin, float(R), float(scale))


def hessian_rounding(X, K: int) -> float:
    """Bound on the spectral norm of the rounding of a logistic (K = 1) or softmax Hessian of the design ``X``: every
    entry is a sum of ``n`` terms ``x_ij x_ik c_i`` with ``|c_i| <= 1/4``, so its error is at most ``gamma(n + 4)``
    times ``(|X|'|X|)_jk / (4 n)``; the Frobenius norm of those bounds bounds the spectral norm."""
    A = np.abs(np.asarray(X, dtype=np.float64))
    return gamma(len(A) + 4) * K * float(np.linalg.norm(A.T @ A, "fro")) / (4 * len(X))


def radius(X) -> float:
    """``max_i ||x_i||``: the self-concordance constant of the logistic loss on the design ``X``."""
    return float(np.sqrt(np.max(np.sum(np.asarray(X, dtype=np.float64) ** 2, axis=1))))


def neuron(X, y, w, l2: float = 0.0, *, scale: float = 1.0) -> Certificate:
    """Certificate for one sigmoid neuron's weights ``w`` (biases unpenalised) on the design ``X``."""
    X = np.asarray(X, dtype=np.float64)
    net = bn.Net("sigmoid", (np.asarray(w, dtype=np.float64)[:, None],))
    _, g, err = bn.gradient_and_error(net, X, y, l2)
    H = bn.hessian(net, X, y, l2)
    return certify(g[0], H, radius(X), scale=scale, grad_error=err[0], hessian_error=hessian_rounding(X, 1))


def reduced_layer(W, reference: int, l2: float) -> tuple[np.ndarray, np.ndarray]:
    """The softmax layer's weights at the representative whose dropped coordinates are zero, and the mask of the kept
    ones. Without a penalty the loss depends only on ``W[:, k] - W[:, reference]``: the reference column is dropped.
    With one, only the reference class's bias is dropped (adding one number to every bias changes nothing, and the
    biases are not penalised)."""
    W = np.array(W, dtype=np.float64, copy=True)
    keep = np.ones(W.shape, dtype=bool)
    if l2 == 0:
        W -= W[:, [reference]]
        keep[:, reference] = False
    else:
        W[0] -= W[0, reference]
        keep[0, reference] = False
    return W, keep


def layer_scale(scaling_matrix, K: int, reference: int, l2: float) -> float:
    """Norm of the map from the reduced coordinates of :func:`reduced_layer` to reference-class parameters in original
    units (``A (W_k - W_ref)`` for every other class ``k``, with ``A`` the standardisation's matrix)."""
    A = np.asarray(scaling_matrix, dtype=np.float64)
    d = A.shape[0]
    probe = np.zeros((d, K))
    _, keep = reduced_layer(probe, reference, l2)
    cols = []
    for idx in zip(*np.nonzero(keep), strict=True):
        E = np.zeros((d, K))
        E[idx] = 1.0
        B = E - E[:, [reference]]
        cols.append((A @ np.delete(B, reference, axis=1)).ravel())
    return float(np.linalg.norm(np.column_stack(cols), 2))


def layer(X, codes, W, reference: int, l2: float = 0.0, *, scale: float = 1.0) -> Certificate:
    """Certificate for a softmax layer's weights ``W`` (d x K) in the reduced coordinates of :func:`reduced_layer`."""
    X = np.asarray(X, dtype=np.float64)
    Wr, keep = reduced_layer(W, reference, l2)
    net = bn.Net("softmax", (Wr,))
    _, g, err = bn.gradient_and_error(net, X, codes, l2)
    flat_keep = keep.ravel()
    H = bn.hessian(net, X, codes, l2)[np.ix_(flat_keep, flat_keep)]
    R = np.sqrt(2.0) * radius(X)
    return certify(g[0].ravel()[flat_keep], H, R, scale=scale, grad_error=err[0].ravel()[flat_keep],
                   hessian_error=hessian_rounding(X, W.shape[1]))


@dataclass(frozen=True)
class HeuristicTest:
    """Points where the heuristic and the certificate were compared with the true distance to the optimum."""

    point: np.ndarray  # the point where the heuristic is smallest against the true distance
    distance: float
    heuristic: float
    certificate: Certificate
    tried: int
    heuristic_failures: int  # points where the heuristic is below the true distance
    certificate_failures: int  # points where the certificate is (it never may be)

    @property
    def ratio(self) -> float:
        return self.distance / self.heuristic


def heuristic_test(X, y, w_star, l2: float, rng: np.random.Generator, *, per_radius: int = 8) -> HeuristicTest:
    """Compare the heuristic ``2 ||g|| / lambda_min(H)`` and the certificate with the true distance ``||w - w*||``
    at points on the segment from the origin to the optimum ``w_star`` of a neuron's loss and at random points
    around it (``per_radius`` on each of 12 spheres up to three times ``||w*||``)."""
    w_star = np.asarray(w_star, dtype=np.float64)
    points = [t * w_star for t in np.linspace(0.0, 0.95, 20)]
    for r in np.geomspace(0.05, 3 * float(np.linalg.norm(w_star)) + 1.0, 12):
        for _ in range(per_radius):
            u = rng.normal(size=w_star.size)
            points.append(w_star + r * u / np.linalg.norm(u))
    best, fails, cert_fails = None, 0, 0
    for w in points:
        c = neuron(X, y, w, l2)
        dist = float(np.linalg.norm(w - w_star))
        fails += dist > c.heuristic
        cert_fails += dist > c.bound
        if best is None or dist / c.heuristic > best[1] / best[2]:
            best = (w, dist, c.heuristic, c)
    return HeuristicTest(best[0], best[1], best[2], best[3], len(points), int(fails), int(cert_fails))


def steep_example(n: int = 41, slope: float = 8.0, seed: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """A one-predictor data set with a steep logistic curve (``x`` evenly on [-2, 2], ``y`` drawn with probability
    ``sigmoid(slope x)``, seeded): its optimum lies where the loss is far flatter than near the origin, which is where
    the heuristic fails. Returns the design ``[1, x]`` and ``y``."""
    x = np.linspace(-2.0, 2.0, n)
    y = (np.random.default_rng(seed).random(n) < 1.0 / (1.0 + np.exp(-slope * x))).astype(np.float64)
    return np.column_stack([np.ones(n), x]), y
