"""Where the textbook formulas break: naive and stable link functions side by side, with the warnings counted."""

from __future__ import annotations

import decimal
import warnings

import numpy as np
import pandas as pd

from .links import log_sigmoid, naive_log_sigmoid, naive_sigmoid, naive_softmax, sigmoid, softmax
from .rounding import EPS

__all__ = [
    "logit_pairs",
    "naive_vs_stable",
    "overflow_threshold",
    "decimal_sigmoid",
    "decimal_neg_log_sigmoid",
    "central_gradient",
    "central_difference_error",
    "central_difference",
    "second_difference",
    "second_difference_error",
    "CROSS_ENTROPY_THIRD",
    "SOFTPLUS_FOURTH",
]

#: The largest third derivative of ``log(1 + e^z)`` (and of a log-sum-exp along one logit): ``p(1-p)(1-2p)`` peaks
#: at ``1 / (6 sqrt(3))``. Along a weight ``w_j`` the cross-entropy's third derivative is at most this times
#: ``max_i |x_ij|^3``.
CROSS_ENTROPY_THIRD = 1 / (6 * np.sqrt(3.0))

#: The largest fourth derivative of ``log(1 + e^z)``: ``p(1-p)(1-6p+6p^2)`` is at most 1/8 in size.
SOFTPLUS_FOURTH = 1 / 8


def logit_pairs(z_max: float, points: int, fine: float = 10.0) -> np.ndarray:
    """Every (z1, z2) of a square grid, shape (n, 2): ``points`` values on [-z_max, z_max] merged with ``points``
    values on [-fine, fine], where the sigmoid is not saturated."""
    axis = np.unique(np.concatenate([np.linspace(-z_max, z_max, points), np.linspace(-fine, fine, points)]))
    z1, z2 = np.meshgrid(axis, axis, indexing="ij")
    return np.stack([z1.ravel(), z2.ravel()], axis=1)


def overflow_threshold(dtype) -> float:
    """The largest ``z`` whose ``exp(z)`` is finite in ``dtype`` (log of the largest finite number)."""
    return float(np.log(np.finfo(dtype).max))


def naive_vs_stable(zs, dtype=np.float64) -> tuple[pd.DataFrame, list[str]]:
    """Evaluate naive and stable sigmoid, ``-log sigmoid`` and two-class softmax at each ``z`` in ``dtype``.

    Returns a table (one row per ``z``) and the distinct warnings NumPy raised while evaluating the naive formulas,
    with how often each was raised: the overflow is recorded and shown, not hidden.
    """
    z = np.asarray(zs, dtype=dtype)
    pairs = np.stack([z, np.zeros_like(z)], axis=1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        naive_s = naive_sigmoid(z)
        naive_nll = -naive_log_sigmoid(z)
        naive_p = naive_softmax(pairs, axis=1)[:, 0]
    counts: dict[str, int] = {}
    for w in caught:
        counts[str(w.message)] = counts.get(str(w.message), 0) + 1
    table = pd.DataFrame(
        {
            "z": z,
            "naive sigmoid(z)": naive_s,
            "stable sigmoid(z)": sigmoid(z),
            "naive -log sigmoid(z)": naive_nll,
            "stable -log sigmoid(z)": -log_sigmoid(z),
            "naive softmax(z, 0)_1": naive_p,
            "stable softmax(z, 0)_1": softmax(pairs, axis=1)[:, 0],
        }
    )
    return table, [f"{msg} (x{n})" for msg, n in counts.items()]


def _decimal_map(fn, zs) -> np.ndarray:
    with decimal.localcontext() as ctx:
        ctx.prec = 60
        return np.array([float(fn(decimal.Decimal(float(z)))) for z in np.ravel(zs)]).reshape(np.shape(zs))


def decimal_sigmoid(zs) -> np.ndarray:
    """``1 / (1 + exp(-z))`` in 60-digit decimal arithmetic, rounded to float64: a reference independent of NumPy."""
    return _decimal_map(lambda z: 1 / (1 + (-z).exp()), zs)


def decimal_neg_log_sigmoid(zs) -> np.ndarray:
    """``log(1 + exp(-z))`` in 60-digit decimal arithmetic, rounded to float64."""
    return _decimal_map(lambda z: (1 + (-z).exp()).ln(), zs)


def central_difference_error(value: float, third: float, h: float = 1e-6, *, value_error: float | None = None,
                             argument: float = 0.0, slope: float = 0.0) -> float:
    """How far a central difference ``(f(w + h) - f(w - h)) / 2h`` can be from ``f'(w)``.

    Three parts: the truncation error ``h^2 |f'''| / 6`` (``third`` bounds ``|f'''|`` between ``w - h`` and
    ``w + h``); the rounding of the two values, each within ``value_error`` of the exact one (default
    ``4 eps (1 + |value|)``, a function of a few rounded operations), so ``value_error / h``; and the rounding of
    ``w +- h`` itself, which moves each end by up to ``eps (|w| + h) / 2`` and so the quotient by up to
    ``|f'| eps (|w| + h) / (2h)`` (``argument`` bounds ``|w|``, ``slope`` bounds ``|f'|``).
    """
    ve = 4 * EPS * (1 + abs(value)) if value_error is None else value_error
    return h**2 * third / 6 + ve / h + slope * EPS * (abs(argument) + h) / (2 * h)


def central_gradient(f, w, h: float = 1e-6) -> np.ndarray:
    """Gradient of the scalar function ``f`` at ``w`` (any shape) by central differences with step ``h``.

    The truncation error is of order ``h**2`` times the third derivative, the rounding error of order
    ``eps * |f| / h``: with ``h = 1e-6`` and losses of order 1, about ``1e-10``.
    """
    w = np.asarray(w, dtype=np.float64)
    g = np.zeros_like(w)
    for idx in np.ndindex(w.shape):
        e = np.zeros_like(w)
        e[idx] = h
        g[idx] = (f(w + e) - f(w - e)) / (2 * h)
    return g


def central_difference(f, x, h: float) -> np.ndarray:
    """The derivative of the elementwise function ``f`` at every ``x``: ``(f(x + h) - f(x - h)) / 2h``."""
    x = np.asarray(x, dtype=np.float64)
    return (f(x + h) - f(x - h)) / (2 * h)


def second_difference(f, x, h: float) -> np.ndarray:
    """The second derivative of the elementwise function ``f`` at every ``x``: ``(f(x+h) - 2 f(x) + f(x-h)) / h^2``."""
    x = np.asarray(x, dtype=np.float64)
    return (f(x + h) - 2 * f(x) + f(x - h)) / h**2


def second_difference_error(value: float, fourth: float, h: float, *, value_error: float | None = None,
                            argument: float = 0.0, slope: float = 0.0) -> float:
    """How far :func:`second_difference` can be from ``f''``: the truncation error ``h^2 |f''''| / 12``, the
    rounding of the three values (each within ``value_error``, default ``4 eps (1 + |value|)``), ``4 value_error /
    h^2``, and the rounding of ``x +- h``, which adds up to ``|f'| eps (|x| + h) / h^2`` (``argument`` bounds
    ``|x|``, ``slope`` bounds ``|f'|``)."""
    ve = 4 * EPS * (1 + abs(value)) if value_error is None else value_error
    return h**2 * fourth / 12 + 4 * ve / h**2 + slope * EPS * (abs(argument) + h) / h**2
