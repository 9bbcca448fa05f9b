"""Networks on an optional shared base: a hidden layer of logistic units below one of the forum's three heads.

A :class:`Net` is a tuple of blocks. With a base: ``V`` ((p+1) x m, the hidden layer) then ``W`` ((m+1) x K, the
head); without one (the linear case): ``W`` alone ((p+1) x K). Row 0 of every block is the bias, the other rows the
weights, so the design ``X`` (n x (p+1)) carries the constant 1 in column 0 and the head sees the features
``A = [1, logistic(X V)]`` (or ``X`` itself). The head turns the logits ``Z = A W`` into probabilities:

``"softmax"``
    network 1: ``softmax(Z)`` over K units (the forum's two units z_1, z_2 when K = 2);
``"difference"``
    network 0: ``sigmoid(z_1 - z_0)`` of two units, a new branch on network 1's own units;
``"sigmoid"``
    network 2: ``sigmoid(z)`` of one unit.

Networks 0 and 1 are the same function of the same weights; network 2 is network 1 with its two units replaced by
their difference. The loss is the mean cross-entropy plus ``l2 / 2`` times the squared weights; biases (row 0 of each
block) are not penalised, as in glmnet, Keras's kernel regularisers and the MNIST report. ``l2`` may be one number or
one per block (network 2 of the forum's rule penalises its head by half the base's penalty).

Besides the loss, its gradient and its Hessian, :func:`gradient_error` bounds the rounding error of one computed
gradient, to first order in ``eps``, by the rule of :mod:`logistic_softmax.science.rounding`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .links import class_indices, logistic, row_max, softplus
from .rounding import EPS, LINK_ERROR, gamma

__all__ = [
    "HEADS",
    "Net",
    "init",
    "loss",
    "gradient",
    "value_and_gradient",
    "hessian",
    "gradient_error",
    "gradient_and_error",
    "predict_proba",
    "hidden",
]

HEADS = {"softmax": None, "difference": 2, "sigmoid": 1}  # head -> the number of units it needs (None: any >= 2)

#: Rows per chunk when the Hessian is accumulated: keeps the logit Jacobian (rows x K x P) near 16 MB.
_CHUNK_VALUES = 2**21


@dataclass(frozen=True)
class Net:
    """A network's head and its blocks of weights (base first, if any); see the module docstring."""

    head: str
    blocks: tuple[np.ndarray, ...]

    def __post_init__(self):
        if self.head not in HEADS:
            raise ValueError(f"head: expected one of {', '.join(HEADS)}, got {self.head!r}")
        blocks = tuple(np.asarray(b, dtype=np.float64) for b in self.blocks)
        object.__setattr__(self, "blocks", blocks)
        if len(blocks) not in (1, 2) or any(b.ndim != 2 for b in blocks):
            raise ValueError("blocks: expected one head block, or a base block and a head block, each 2-d")
        if len(blocks) == 2 and blocks[1].shape[0] != blocks[0].shape[1] + 1:
            raise ValueError(f"blocks: the head needs {blocks[0].shape[1] + 1} rows (bias + one per hidden unit)")
        need = HEADS[self.head]
        if (need is None and self.K < 2) or (need is not None and self.K != need):
            raise ValueError(f"head {self.head!r}: expected {need or 'two or more'} units, got {self.K}")

    @property
    def W(self) -> np.ndarray:
        return self.blocks[-1]

    @property
    def V(self) -> np.ndarray | None:
        return self.blocks[0] if len(self.blocks) == 2 else None

    @property
    def K(self) -> int:
        return self.blocks[-1].shape[1]

    @property
    def size(self) -> int:
        return sum(b.size for b in self.blocks)

    def flat(self) -> np.ndarray:
        """All weights in one vector: each block in row-major order, base first (the Hessian's order)."""
        return np.concatenate([b.ravel() for b in self.blocks])

    def with_blocks(self, blocks, head: str | None = None) -> Net:
        return Net(head or self.head, tuple(blocks))


def init(inputs: int, hidden: int, units: int, rng: np.random.Generator, *, scale: float = 1.0) -> tuple:
    """Random blocks for ``inputs`` predictors, ``hidden`` logistic units (0: no base) and a head of ``units``.

    Weights are normal with standard deviation ``scale / sqrt(fan_in)`` (fan-in counted with the bias), biases too,
    so the hidden units start different from one another and away from saturation.
    """
    shapes = ([(inputs + 1, hidden), (hidden + 1, units)] if hidden else [(inputs + 1, units)])
    return tuple(scale * rng.normal(size=shape) / np.sqrt(shape[0]) for shape in shapes)


# -- the forward pass and the head ---------------------------------------------------------------------------------
@dataclass
class _Pass:
    A: np.ndarray  # features seen by the head, n x (m+1), column 0 the constant
    a: np.ndarray | None  # hidden units, n x m (None without a base)
    Z: np.ndarray  # logits, n x K
    P: np.ndarray  # probabilities: n x K for the softmax, n x 1 (class 1) otherwise
    R: np.ndarray  # derivative of each row's loss with respect to its logits, n x K
    losses: np.ndarray  # each row's cross-entropy


def _targets(net: Net, y) -> np.ndarray:
    return class_indices(y, net.K if net.head == "softmax" else 2, name="y")


def _forward(net: Net, X: np.ndarray, y: np.ndarray) -> _Pass:
    a = None
    A = X
    if net.V is not None:
        a = logistic(X @ net.V)
        A = np.column_stack([np.ones(len(X)), a])
    Z = A @ net.W
    rows = np.arange(len(X))
    if net.head == "softmax":  # E = exp(Z - max), P = E / sum(E); the loss of row i is max + log(sum) - Z[i, y_i]
        top = row_max(Z)
        E = np.exp(Z - top[:, None])
        total = E @ np.ones(Z.shape[1])
        P = E / total[:, None]
        R = P.copy()
        R[rows, y] -= 1.0
        return _Pass(A, a, Z, P, R, (top + np.log(total)) - Z[rows, y])
    u = Z[:, 1] - Z[:, 0] if net.head == "difference" else Z[:, 0]
    p = logistic(u)
    r = p - y
    R = np.column_stack([-r, r]) if net.head == "difference" else r[:, None]
    return _Pass(A, a, Z, p[:, None], R, softplus(u) - y * u)


def _penalties(net: Net, l2) -> tuple[float, ...]:
    lams = tuple(float(v) for v in l2) if isinstance(l2, (tuple, list)) else (float(l2),) * len(net.blocks)
    if len(lams) != len(net.blocks) or any(not np.isfinite(v) or v < 0 for v in lams):
        raise ValueError(f"l2: expected one non-negative penalty, or one per block, got {l2}")
    return lams


def loss(net: Net, X, y, l2=0.0) -> float:
    """Mean cross-entropy plus ``l2 / 2`` times the squared weights of each block (biases excluded)."""
    X = np.asarray(X, dtype=np.float64)
    ps = _forward(net, X, _targets(net, y))
    penalty = sum(0.5 * lam * float(np.sum(b[1:] ** 2)) for lam, b in zip(_penalties(net, l2), net.blocks, strict=True))
    return float(np.mean(ps.losses)) + penalty


def _decayed(block: np.ndarray, lam: float) -> np.ndarray:
    out = lam * block
    out[0] = 0.0
    return out


def gradient(net: Net, X, y, l2=0.0) -> tuple[np.ndarray, ...]:
    """Gradient of :func:`loss`, one array per block: ``A'R/n`` for the head, backpropagated to the base."""
    X = np.asarray(X, dtype=np.float64)
    ps = _forward(net, X, _targets(net, y))
    return _gradient(net, X, ps, _penalties(net, l2))


def _gradient(net: Net, X: np.ndarray, ps: _Pass, l2: tuple[float, ...]) -> tuple[np.ndarray, ...]:
    n = len(X)
    gW = ps.A.T @ ps.R / n + _decayed(net.W, l2[-1])
    if net.V is None:
        return (gW,)
    D = (ps.R @ net.W[1:].T) * (ps.a * (1.0 - ps.a))
    return (X.T @ D / n + _decayed(net.V, l2[0]), gW)


def value_and_gradient(net: Net, X, y, l2=0.0) -> tuple[float, tuple[np.ndarray, ...]]:
    """:func:`loss` and :func:`gradient` from one forward pass."""
    X = np.asarray(X, dtype=np.float64)
    ps = _forward(net, X, _targets(net, y))
    lams = _penalties(net, l2)
    penalty = sum(0.5 * lam * float(np.sum(b[1:] ** 2)) for lam, b in zip(lams, net.blocks, strict=True))
    return float(np.mean(ps.losses)) + penalty, _gradient(net, X, ps, lams)


def predict_proba(net: Net, X) -> np.ndarray:
    """Probability of class 1 (the two-class heads) or of every class (the softmax), row by row."""
    X = np.asarray(X, dtype=np.float64)
    ps = _forward(net, X, np.zeros(len(X), dtype=np.int64))
    return ps.P[:, 1] if net.head == "softmax" and net.K == 2 else ps.P[:, 0] if ps.P.shape[1] == 1 else ps.P


def hidden(net: Net, X) -> np.ndarray:
    """The hidden units' values (n x m) the head sees; the design itself without a base."""
    X = np.asarray(X, dtype=np.float64)
    return X if net.V is None else logistic(X @ net.V)


# -- the Hessian ---------------------------------------------------------------------------------------------------
def _head_curvature(net: Net, ps: _Pass) -> np.ndarray:
    """Second derivative of each row's loss with respect to its logits, n x K x K."""
    if net.head == "softmax":
        P = ps.P
        return P[:, :, None] * np.eye(net.K)[None] - P[:, :, None] * P[:, None, :]
    w = (ps.P[:, 0] * (1.0 - ps.P[:, 0]))[:, None, None]
    return w * (np.array([[1.0, -1.0], [-1.0, 1.0]]) if net.head == "difference" else np.ones((1, 1)))


def hessian(net: Net, X, y, l2=0.0) -> np.ndarray:
    """Hessian of :func:`loss` with respect to :meth:`Net.flat`, accumulated over chunks of rows.

    ``(1/n) sum_i J_i' C_i J_i`` (``J_i`` the Jacobian of row i's logits, ``C_i`` the head's curvature) plus, with a
    base, the second derivatives of the logits weighted by ``R``: ``a'(u) x`` between a hidden unit's input weights and
    its head weights, and ``(R W')_j a''(u) x x'`` within a hidden unit's input weights.
    """
    X = np.asarray(X, dtype=np.float64)
    y = _targets(net, y)
    n, K, size = len(X), net.K, net.size
    H = np.zeros((size, size))
    offset = 0 if net.V is None else net.V.size
    step = max(1, _CHUNK_VALUES // (K * size))
    for lo in range(0, n, step):
        Xc, ps = X[lo : lo + step], _forward(net, X[lo : lo + step], y[lo : lo + step])
        c, d = Xc.shape[0], net.W.shape[0]
        J = np.zeros((c, K, size))
        JW = J[:, :, offset:].reshape(c, K, d, K)
        for k in range(K):
            JW[:, k, :, k] = ps.A
        if net.V is not None:
            p1, m = net.V.shape
            da = ps.a * (1.0 - ps.a)
            # the products below are einsums written as broadcasts and matrix products (several times faster)
            J[:, :, :offset] = (Xc[:, None, :, None] * (da[:, None, None, :] * net.W[1:].T[None, :, None, :])
                                ).reshape(c, K, -1)  # x_iq a'_ij W_jk, (i, k, q, j)
            jj = np.arange(m)
            VW = np.zeros((p1, m, d, K))  # between V[q, j] and W[j + 1, k]
            VW[:, jj, jj + 1, :] = (Xc.T @ (da[:, :, None] * ps.R[:, None, :]).reshape(c, -1)).reshape(p1, m, K)
            VV = np.zeros((p1, m, p1, m))  # within the input weights of hidden unit j
            T = (ps.R @ net.W[1:].T) * da * (1.0 - 2.0 * ps.a)
            VV[:, jj, :, jj] = ((T[:, :, None] * Xc[:, None, :]).reshape(c, -1).T @ Xc).reshape(m, p1, p1)
            VW = VW.reshape(offset, d * K)
            H[:offset, :offset] += VV.reshape(offset, offset)
            H[:offset, offset:] += VW
            H[offset:, :offset] += VW.T
        M = np.matmul(_head_curvature(net, ps), J)
        H += J.reshape(-1, size).T @ M.reshape(-1, size)
    H /= n
    weights = [(np.arange(b.shape[0]) > 0)[:, None] * np.full(b.shape, lam)
               for lam, b in zip(_penalties(net, l2), net.blocks, strict=True)]
    return H + np.diag(np.concatenate([w.ravel() for w in weights]))


# -- rounding ------------------------------------------------------------------------------------------------------
def gradient_error(net: Net, X, y, l2=0.0, *, weight_error=None) -> tuple[np.ndarray, ...]:
    """Entrywise bounds, to first order in ``eps``, on the rounding error of :func:`gradient` at these weights.

    Every stage is a sum of ``N`` products; its error is at most ``gamma(N)`` times the same sum of absolute values,
    plus what the errors of its inputs carry in (:mod:`.rounding`): the hidden units' inputs (``p+1``
    terms), the logistic (``1/4`` of its input's error plus the link's own), the logits (``m+1`` terms), the head's
    probabilities (``1/2`` of the largest logit error for a softmax, ``1/4`` for a sigmoid, plus the link's own and,
    for a softmax, the ``gamma(K - 1)`` of its sum of exponentials), and the gradient's sums over ``n`` rows.
    ``weight_error`` (blocks of the same shapes) adds errors already present in the weights, for weights that were
    themselves computed (such as network 1's ``w1 - w0`` given to network 2).
    """
    X = np.asarray(X, dtype=np.float64)
    return _gradient_error(net, X, _forward(net, X, _targets(net, y)), _penalties(net, l2), weight_error)


def gradient_and_error(net: Net, X, y, l2=0.0, *, weight_error=None):
    """``(loss, gradient, gradient_error)`` from one forward pass (:func:`loss`, :func:`gradient`,
    :func:`gradient_error`)."""
    X = np.asarray(X, dtype=np.float64)
    ps = _forward(net, X, _targets(net, y))
    lams = _penalties(net, l2)
    penalty = sum(0.5 * lam * float(np.sum(b[1:] ** 2)) for lam, b in zip(lams, net.blocks, strict=True))
    value = float(np.mean(ps.losses)) + penalty
    return value, _gradient(net, X, ps, lams), _gradient_error(net, X, ps, lams, weight_error)


#: The last design whose absolute values were taken, with them: full-batch steps reuse them. One tuple, read and
#: replaced whole, so that two threads each get the pair of their own design.
_ABS: tuple = (None, None)


def _abs(X: np.ndarray) -> np.ndarray:
    global _ABS
    design, absolute = _ABS
    if design is not X:
        absolute = np.abs(X)
        _ABS = (X, absolute)
    return absolute


def _gradient_error(net: Net, X: np.ndarray, ps: _Pass, lams, weight_error) -> tuple[np.ndarray, ...]:
    n = len(X)
    werr = tuple(np.zeros_like(b) for b in net.blocks) if weight_error is None else tuple(weight_error)
    absX = _abs(X)
    eA = None  # absolute error of the features the head sees (none without a base: they are the design itself)
    absW = np.abs(net.W)
    if net.V is not None:
        eU = gamma(X.shape[1]) * (absX @ np.abs(net.V)) + absX @ werr[0]
        eA = np.zeros_like(ps.A)
        eA[:, 1:] = 0.25 * eU + LINK_ERROR
        absA = np.abs(ps.A)
    else:
        absA = absX
    eZ = gamma(ps.A.shape[1]) * (absA @ absW)
    if eA is not None:
        eZ += eA @ absW
    if weight_error is not None:
        eZ += absA @ werr[-1]
    absR = np.abs(ps.R)
    if net.head == "softmax":  # the same error in every column: a softmax passes on half the largest logit error
        er = 0.5 * row_max(eZ) + LINK_ERROR + gamma(net.K - 1)  # and E / sum(E) its own, the sum's gamma(K - 1)
        eR = np.broadcast_to(er[:, None], ps.R.shape)
        AeR = np.repeat((absA.T @ er)[:, None], net.K, axis=1)
    else:
        if net.head == "difference":
            u = ps.Z[:, 1] - ps.Z[:, 0]
            er = 0.25 * (eZ[:, 0] + eZ[:, 1] + EPS * np.abs(u)) + LINK_ERROR
            eR = np.column_stack([er, er])
        else:
            eR = 0.25 * eZ + LINK_ERROR
        AeR = absA.T @ eR
    g_rows = gamma(n + 1)
    gW_abs = absA.T @ absR / n
    eW = g_rows * gW_abs + (AeR + (eA.T @ absR if eA is not None else 0.0)) / n
    eW += 2 * EPS * (gW_abs + _decayed(absW, lams[-1])) + _decayed(werr[-1], lams[-1])
    if net.V is None:
        return (eW,)
    da = ps.a * (1.0 - ps.a)
    T_abs = absR @ absW[1:].T
    eT = gamma(net.K) * T_abs + eR @ absW[1:].T + absR @ werr[-1][1:].T
    e_da = eA[:, 1:] + 0.5 * EPS
    eD = eT * da + T_abs * e_da + 2 * EPS * T_abs * da
    gV_abs = absX.T @ (T_abs * da) / n
    absV = np.abs(net.V)
    eV = g_rows * gV_abs + absX.T @ eD / n + 2 * EPS * (gV_abs + _decayed(absV, lams[0])) + _decayed(werr[0], lams[0])
    return (eV, eW)
