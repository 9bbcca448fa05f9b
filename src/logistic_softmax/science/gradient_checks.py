"""Analytic gradients against central differences of the losses, with a tolerance derived for every coordinate:
backpropagation in :mod:`~logistic_softmax.science.mlp` (:func:`gradient_check`) and the one-neuron and one-layer
gradients of :mod:`~logistic_softmax.science.networks` (:func:`linear_tolerance`).

A central difference with step ``h`` is within ``h^2 |f'''| / 6`` of the derivative plus the rounding of the two
loss values and of ``w +- h`` (:func:`~logistic_softmax.science.numerics.central_difference_error`). The two
ingredients particular to these networks are bounded here.

**Third derivatives along one coordinate** (the penalty ``weight_decay / 2 * w^2`` has none):

* an output weight ``W_o[j, k]`` moves logit ``k`` by ``t a_j``, so ``|f'''| <= max_i |a_ij|^3 / (6 sqrt 3)``, the
  cross-entropy's third derivative along one logit (for a bias, ``a_j = 1``);
* a hidden weight ``W_h[m, j]`` (or bias) moves the unit ``g = logistic(u + t x_m)`` and with it the logits by
  ``g w`` (``w`` the unit's row of ``W_o``, of range ``r = max w - min w``). Writing ``c(s)`` for the loss along
  ``s w``: ``|c'| <= r``, ``c'' = Var_p(w) <= r^2 / 4`` and ``|c'''|``, a third central moment of a variable of
  range ``r``, is at most ``r^3 / (6 sqrt 3)`` (for a fixed mean the extreme distributions have two points). With
  ``|g'| <= x / 4``, ``|g''| <= x^2 / (6 sqrt 3)`` and ``|g'''| <= x^3 / 8`` the chain rule
  ``f''' = c''' g'^3 + 3 c'' g' g'' + c' g'''`` gives ``|f'''| <= x^3 (c3 r^3 / 64 + 3 c3 r^2 / 16 + r / 8)`` with
  ``c3 = 1 / (6 sqrt 3)`` and ``x = max_i |x_im|``.

**Rounding of the loss**: every affine layer's entries carry ``gamma(m + 1)`` times the same product of absolute
values, a logistic unit a quarter of its input's error plus its own ``4 eps``, and the cross-entropy of those
logits adds :func:`~logistic_softmax.science.rounding.cross_entropy_error`; the penalty, a sum of ``P`` squares,
``gamma(P + 2)`` times itself.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .mlp import Network, gradients, loss
from .numerics import CROSS_ENTROPY_THIRD, central_difference_error
from .rounding import EPS, cross_entropy_error, gamma

_BLOCK = 10_000

__all__ = ["GradientCheck", "gradient_check", "third_derivative_bounds", "loss_error", "best_step",
           "linear_tolerance"]


@dataclass(frozen=True)
class GradientCheck:
    """Per coordinate checked: the backpropagated derivative, the central difference, the tolerance, its name."""

    backprop: np.ndarray
    numeric: np.ndarray
    tolerance: np.ndarray
    where: list[str]


def third_derivative_bounds(net: Network, X) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Bounds on ``|f'''|`` along every weight and bias of a network of one or two layers (see the module)."""
    if len(net.W) > 2:
        raise ValueError(f"net: third-derivative bounds are derived for one or two layers, not {len(net.W)}")
    A = net.activations(np.asarray(X, dtype=np.float64))
    c3 = CROSS_ENTROPY_THIRD
    top = np.abs(A[-2]).max(axis=0) ** 3 * c3  # per input of the output layer
    out_W, out_b = [np.broadcast_to(top[:, None], net.W[-1].shape)], [np.full(net.b[-1].shape, c3)]
    if len(net.W) == 1:
        return out_W, out_b
    r = np.ptp(net.W[1], axis=1)  # range of each hidden unit's outgoing weights
    per_unit = c3 * r**3 / 64 + 3 * c3 * r**2 / 16 + r / 8
    x3 = np.abs(A[0]).max(axis=0) ** 3
    return [x3[:, None] * per_unit[None, :], *out_W], [per_unit, *out_b]


def loss_error(net: Network, X, weight_decay: float, value: float) -> float:
    """A bound on the rounding error of :func:`~logistic_softmax.science.mlp.loss` (float64) at ``X`` (in blocks of
    rows, so that no float64 copy of a large ``X`` is made)."""
    X = np.asarray(X)
    worst_error = worst_logit = 0.0
    for i in range(0, len(X), _BLOCK):
        A = net.activations(X[i : i + _BLOCK].astype(np.float64))
        err = None  # the inputs are exact
        for layer, (W, b) in enumerate(zip(net.W, net.b, strict=True)):
            size = np.abs(A[layer]) @ np.abs(W) + np.abs(b)
            err = gamma(W.shape[0] + 1) * size + (0.0 if err is None else err @ np.abs(W))  # and what inputs carried
            if layer < len(net.W) - 1:
                err = err / 4 + 4 * EPS
        Z = A[-2] @ net.W[-1] + net.b[-1]
        worst_error, worst_logit = max(worst_error, float(err.max())), max(worst_logit, float(np.abs(Z).max()))
    penalty = 0.5 * weight_decay * sum(float(np.sum(W.astype(np.float64) ** 2)) for W in net.W)
    P = sum(W.size for W in net.W)
    ce = cross_entropy_error(value - penalty, len(X), net.sizes[-1], worst_error, worst_logit)
    return ce + gamma(P + 2) * penalty


def best_step(value_error: float, third: float) -> float:
    """The step that minimises ``h^2 third / 6 + value_error / h``: ``(3 value_error / third)^(1/3)``, kept within
    ``[1e-7, 1e-2]``."""
    return float(np.clip(np.cbrt(3 * value_error / max(third, 1e-300)), 1e-7, 1e-2))


def gradient_check(net: Network, X, labels, weight_decay: float, rng: np.random.Generator, *,
                   per_array: int = 8) -> GradientCheck:
    """Backpropagated and central-difference derivatives of the loss (float64) at ``per_array`` random coordinates
    of every weight and bias array, with the tolerance of each comparison; each coordinate's step is the one that
    minimises its tolerance (:func:`best_step`)."""
    net64 = net.astype(np.float64)
    X = np.asarray(X, dtype=np.float64)
    dW, db = gradients(net64, X, labels, weight_decay)
    thirdW, thirdb = third_derivative_bounds(net64, X)
    value = loss(net64, X, labels, weight_decay)
    ve = loss_error(net64, X, weight_decay, value)
    exact, numeric, tol, where = [], [], [], []
    for kind, arrays, grads, thirds in (("W", net64.W, dW, thirdW), ("b", net64.b, db, thirdb)):
        for layer, (A, G, T) in enumerate(zip(arrays, grads, thirds, strict=True)):
            for flat in rng.choice(A.size, size=min(per_array, A.size), replace=False):
                idx = np.unravel_index(flat, A.shape)
                keep, h = A[idx], best_step(ve, float(T[idx]))
                A[idx] = keep + h
                up = loss(net64, X, labels, weight_decay)
                A[idx] = keep - h
                down = loss(net64, X, labels, weight_decay)
                A[idx] = keep
                d = (up - down) / (2 * h)
                exact.append(G[idx])
                numeric.append(d)
                # the values at w +- h are within the same bound as at w, to first order in h
                tol.append(central_difference_error(value, float(T[idx]), h, value_error=ve, argument=float(keep),
                                                    slope=abs(float(G[idx]))) + 2 * EPS * abs(d))
                where.append(f"{kind}[{layer}][{', '.join(map(str, idx))}]")
    return GradientCheck(np.array(exact), np.array(numeric), np.array(tol), where)


def linear_tolerance(X, W, value: float, gradient, l2: float = 0.0, h: float = 1e-6) -> np.ndarray:
    """Entrywise tolerance of :func:`~logistic_softmax.science.numerics.central_gradient` (step ``h``) of a neuron's
    (``W`` a vector) or a softmax layer's (``W`` a ``d x K`` matrix) loss ``value`` at ``W``, against its analytic
    ``gradient``.

    Along ``W_jk`` the logit ``k`` moves by ``t x_ij``, so ``|f'''| <= max_i |x_ij|^3 / (6 sqrt 3)``; the logits
    ``X W`` carry ``gamma(d + 1)`` times ``|X| |W|``; the penalty on the rows below the bias is a sum of squares.
    """
    X = np.asarray(X, dtype=np.float64)
    W = np.asarray(W, dtype=np.float64)
    W2 = W.reshape(len(W), -1)
    Z = X @ W2
    penalty = 0.5 * l2 * float(np.sum(W2[1:] ** 2))
    logit_error = gamma(X.shape[1] + 1) * float((np.abs(X) @ np.abs(W2)).max())
    ve = (cross_entropy_error(value - penalty, len(X), max(W2.shape[1], 2), logit_error, float(np.abs(Z).max()))
          + gamma(W2[1:].size + 2) * penalty)
    third = CROSS_ENTROPY_THIRD * np.abs(X).max(axis=0) ** 3
    g = np.abs(np.asarray(gradient, dtype=np.float64))
    third = third if W.ndim == 1 else third[:, None]
    return central_difference_error(value, third, h, value_error=ve, argument=np.abs(W), slope=g) + 2 * EPS * g
