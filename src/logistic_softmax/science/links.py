"""Numerically stable link functions and cross-entropy losses.

Every function accepts array-likes, keeps float32 as float32 (anything else becomes float64) and stays finite for
logits of any magnitude: no ``exp`` is ever taken of a large positive number. The ``naive_*`` functions are the
textbook formulas, kept only to show where they overflow.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "as_float",
    "sigmoid",
    "logistic",
    "log_sigmoid",
    "softplus",
    "logsumexp",
    "softmax",
    "log_softmax",
    "class_indices",
    "row_max",
    "logistic_inplace",
    "softmax_inplace",
    "cross_entropy",
    "cross_entropy_probs",
    "binary_cross_entropy",
    "naive_sigmoid",
    "naive_softmax",
    "naive_log_sigmoid",
]


def as_float(z) -> np.ndarray:
    """Return ``z`` as a floating array: float32 stays float32, anything else becomes float64."""
    z = np.asarray(z)
    if z.dtype == np.float32 or z.dtype == np.float64:
        return z
    return z.astype(np.float64)


def sigmoid(z):
    """Logistic function ``1 / (1 + exp(-z))``, the inverse of the logit link.

    Evaluated as ``1 / (1 + exp(-z))`` for ``z >= 0`` and ``exp(z) / (1 + exp(z))`` for ``z < 0`` so that the
    exponential never overflows. Returns a scalar for scalar input.
    """
    z = as_float(z)
    out = np.empty_like(z)
    pos = z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    neg = ~pos
    ez = np.exp(z[neg])
    out[neg] = ez / (1.0 + ez)
    return out[()]


def logistic(z):
    """The sigmoid as ``(1 + tanh(z / 2)) / 2``: the same function in one pass, without overflow.

    Accurate to about ``eps`` in absolute terms (what a probability or a hidden unit in (0, 1) needs), where
    :func:`sigmoid` is accurate in relative terms also far into the tails. Used where speed matters: hidden units
    and the minibatch networks.
    """
    z = as_float(z)
    return (0.5 * np.tanh(0.5 * z) + 0.5)[()]


def softplus(z):
    """``log(1 + exp(z))`` without overflow: ``max(z, 0) + log1p(exp(-|z|))``."""
    z = as_float(z)
    return (np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z))))[()]


def log_sigmoid(z):
    """``log(sigmoid(z)) = -softplus(-z)``, finite where ``sigmoid(z)`` underflows to 0."""
    return -softplus(-as_float(z))


def row_max(Z: np.ndarray) -> np.ndarray:
    """The maxima along the last (short) axis, one column at a time: NumPy reduces a few columns slowly, row by row
    (a softmax over two to twenty classes spent most of its time there)."""
    c = np.array(Z[..., 0], dtype=np.float64)
    for k in range(1, Z.shape[-1]):
        np.maximum(c, Z[..., k], out=c)
    return c


def _safe_max(z: np.ndarray, axis: int) -> np.ndarray:
    """Row maxima used as a shift; a row that is all -inf (or holds +inf) is shifted by 0 instead."""
    m = np.max(z, axis=axis, keepdims=True)
    return np.where(np.isfinite(m), m, 0).astype(z.dtype)


def logsumexp(z, axis: int = -1, keepdims: bool = False):
    """``log(sum(exp(z)))`` along ``axis``, computed as ``m + log(sum(exp(z - m)))`` with ``m = max(z)``."""
    z = as_float(z)
    m = _safe_max(z, axis)
    with np.errstate(divide="ignore"):  # log(0) = -inf is the right answer for an all -inf row
        out = m + np.log(np.sum(np.exp(z - m), axis=axis, keepdims=True))
    if not keepdims:
        out = np.squeeze(out, axis=axis)
    return out[()]


def softmax(z, axis: int = -1):
    """Softmax along ``axis``: ``exp(z - m) / sum(exp(z - m))``; invariant to adding a constant to every logit."""
    z = as_float(z)
    e = np.exp(z - _safe_max(z, axis))
    return (e / np.sum(e, axis=axis, keepdims=True))[()]


def log_softmax(z, axis: int = -1):
    """``log(softmax(z)) = z - logsumexp(z)``, finite where a softmax probability underflows to 0."""
    z = as_float(z)
    return (z - logsumexp(z, axis=axis, keepdims=True))[()]


def class_indices(labels, n_classes: int, *, n: int | None = None, name: str = "labels") -> np.ndarray:
    """``labels`` as a 1-d integer array of class indices in ``[0, n_classes)`` (``n`` of them, when given).

    Booleans and floats are accepted when every value is a whole number (0/1 outcomes, say); anything else is
    refused with a message that names ``name``.
    """
    y = np.asarray(labels)
    shape_ok = y.ndim == 1 and (n is None or y.shape == (n,))
    numeric = np.issubdtype(y.dtype, np.integer) or np.issubdtype(y.dtype, np.floating) or y.dtype == bool
    if not shape_ok or not numeric:
        expected = f"{n} " if n is not None else "a 1-d array of "
        raise ValueError(f"{name}: expected {expected}integer class indices, got dtype {y.dtype}, shape {y.shape}")
    if not np.issubdtype(y.dtype, np.integer):
        if y.size and not np.all(np.isfinite(y) & (y == np.round(y))):
            raise ValueError(f"{name}: expected whole-number class indices, got non-integer values")
        y = y.astype(np.int64)
    if y.size and (y.min() < 0 or y.max() >= n_classes):
        raise ValueError(f"{name}: expected class indices in [0, {n_classes - 1}], got [{y.min()}, {y.max()}]")
    return y


def logistic_inplace(Z: np.ndarray) -> None:
    """:func:`logistic` into ``Z`` itself (no temporary arrays): the minibatch networks' hidden units."""
    Z *= 0.5
    np.tanh(Z, out=Z)
    Z *= 0.5
    Z += 0.5


def softmax_inplace(Z: np.ndarray, work: np.ndarray, ones: np.ndarray) -> None:
    """:func:`softmax` of the rows of ``Z`` into ``Z`` itself; ``work`` is an ``n x 1`` buffer and ``ones`` a column
    of ones (the row sums as a product: faster than a reduction for few columns)."""
    np.maximum.reduce(Z, axis=1, keepdims=True, out=work)
    Z -= work
    np.exp(Z, out=Z)
    np.matmul(Z, ones, out=work)
    Z /= work


def cross_entropy(labels, logits):
    """Mean categorical cross-entropy ``-mean(log softmax(logits)[i, y_i])`` computed from logits.

    Parameters
    ----------
    labels : array of int, shape (n,)
        Class index of each observation.
    logits : array, shape (n, K)
        Unnormalised scores.
    """
    logp = log_softmax(np.atleast_2d(as_float(logits)), axis=1)
    y = class_indices(labels, logp.shape[1])
    return float(-np.mean(logp[np.arange(y.size), y]))


def cross_entropy_probs(labels, probs):
    """Mean categorical cross-entropy ``-mean(log p[i, y_i])`` from probabilities (inf where a true class has p = 0)."""
    p = np.atleast_2d(as_float(probs))
    y = class_indices(labels, p.shape[1])
    with np.errstate(divide="ignore"):
        return float(-np.mean(np.log(p[np.arange(y.size), y])))


def binary_cross_entropy(y, logits):
    """Mean binary cross-entropy ``-mean(y log s + (1 - y) log(1 - s))`` with ``s = sigmoid(logits)``.

    Computed as ``mean(softplus(z) - y z)``, which equals the formula above exactly and never takes ``log(0)``.
    """
    y = as_float(y)
    z = as_float(logits)
    if y.shape != z.shape:
        raise ValueError(f"y and logits must have the same shape, got {y.shape} and {z.shape}")
    return float(np.mean(softplus(z) - y * z))


def naive_sigmoid(z):
    """Textbook ``1 / (1 + exp(-z))``: ``exp`` overflows for ``z < -709`` (float64) or ``z < -88`` (float32)."""
    z = as_float(z)
    return (1 / (1 + np.exp(-z)))[()]


def naive_log_sigmoid(z):
    """Textbook ``log(1 / (1 + exp(-z)))``: ``-inf`` once the sigmoid underflows to 0."""
    return np.log(naive_sigmoid(z))


def naive_softmax(z, axis: int = -1):
    """Textbook ``exp(z) / sum(exp(z))`` without the max shift: ``inf / inf = nan`` once a logit passes ~709."""
    e = np.exp(as_float(z))
    return (e / np.sum(e, axis=axis, keepdims=True))[()]
