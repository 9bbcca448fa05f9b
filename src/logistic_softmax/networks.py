"""Logistic and softmax regression as NumPy networks: one sigmoid neuron, one softmax layer, gradient descent.

Both networks work on a design matrix whose first column is the constant 1, so the bias is the first row of the
weights: the neuron has a weight vector ``w`` of length ``d``, the softmax layer a ``d x K`` matrix ``W`` with one
column per class. Their losses are the mean cross-entropies the statsmodels fits maximise (negated and divided by
``n``), plus an optional L2 penalty ``l2 / 2 * ||w||^2`` on every weight, bias included.

:func:`gradient_descent` runs plain full-batch gradient descent until the gradient norm falls below a tolerance
(or a maximum number of steps), keeping the loss and gradient norm of every step and, on request, the weights.

:class:`Scaling` standardises the predictors for training and maps trained weights back to the original units;
:func:`logistic_from_softmax` and :func:`reference_params` map softmax weights to the logistic weight and to
reference-class parameters (statsmodels ``MNLogit``'s parametrisation).
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .links import log_softmax, sigmoid, softmax, softplus

__all__ = [
    "Scaling",
    "neuron_forward",
    "neuron_loss",
    "neuron_gradient",
    "neuron_hessian",
    "layer_forward",
    "layer_loss",
    "layer_gradient",
    "layer_hessian",
    "Trajectory",
    "gradient_descent",
    "train_neuron",
    "train_layer",
    "newton",
    "logistic_from_softmax",
    "reference_params",
    "reduced_layer_gradient",
    "distance_bound",
    "rounding_allowance",
    "smoothness",
    "SeedNetworks",
    "seed_networks",
    "difference_gradient_gap",
    "TrainingStatus",
    "neuron_optimum",
    "layer_optimum",
    "drop_reference",
    "neuron_tolerance",
    "layer_tolerance",
]


# -- standardised predictors ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Scaling:
    """Standardisation of the predictors (every column but the leading constant): ``(x - mean) / sd``.

    A linear predictor is the same function of ``x`` before and after: with standardised weights ``v`` the
    original-unit weights are ``beta = A v``, where ``A`` has ``1, -mean/sd`` in its first row and ``1/sd`` on the
    rest of the diagonal (:meth:`to_original`); :meth:`to_standard` is the inverse.
    """

    mean: np.ndarray  # length d - 1
    sd: np.ndarray  # length d - 1, all > 0

    @classmethod
    def fit(cls, X) -> Scaling:
        """Means and (population) standard deviations of the columns after the constant of ``X`` (n x d)."""
        A = np.asarray(X, dtype=np.float64)
        if A.ndim != 2 or A.shape[1] < 1 or not np.all(A[:, 0] == 1.0):
            raise ValueError("X: expected an n x d design whose first column is the constant 1")
        mean, sd = A[:, 1:].mean(axis=0), A[:, 1:].std(axis=0)
        if np.any(sd <= 0):
            raise ValueError(f"X: columns {list(np.flatnonzero(sd <= 0) + 1)} are constant and cannot be standardised")
        return cls(mean, sd)

    def transform(self, X) -> np.ndarray:
        A = np.asarray(X, dtype=np.float64)
        return np.column_stack([np.ones(len(A)), (A[:, 1:] - self.mean) / self.sd])

    @property
    def matrix(self) -> np.ndarray:
        """``A`` (d x d): original-unit weights = ``A @`` standardised weights."""
        d = self.mean.size + 1
        A = np.zeros((d, d))
        A[0, 0] = 1.0
        A[0, 1:] = -self.mean / self.sd
        A[1:, 1:] = np.diag(1.0 / self.sd)
        return A

    def to_original(self, V) -> np.ndarray:
        """Standardised weights (a vector of length d, or d x k) in the original units of the predictors."""
        V = np.asarray(V, dtype=np.float64)
        out = np.array(V, copy=True)
        out[1:] = V[1:] / (self.sd if V.ndim == 1 else self.sd[:, None])
        out[0] = V[0] - self.mean @ out[1:]
        return out

    def to_standard(self, B) -> np.ndarray:
        """The inverse of :meth:`to_original`."""
        B = np.asarray(B, dtype=np.float64)
        out = np.array(B, copy=True)
        out[0] = B[0] + self.mean @ B[1:]
        out[1:] = B[1:] * (self.sd if B.ndim == 1 else self.sd[:, None])
        return out


# -- one sigmoid neuron --------------------------------------------------------------------------------------------
def neuron_forward(X, w) -> np.ndarray:
    """Probability of class 1: ``sigmoid(X @ w)``."""
    return sigmoid(np.asarray(X) @ np.asarray(w))


def neuron_loss(X, y, w, l2: float = 0.0) -> float:
    """Mean binary cross-entropy ``mean(softplus(z) - y z)``, ``z = X w``, plus ``l2 / 2 * ||w||^2``."""
    w = np.asarray(w, dtype=np.float64)
    z = np.asarray(X) @ w
    return float(np.mean(softplus(z) - y * z) + 0.5 * l2 * (w @ w))


def neuron_gradient(X, y, w, l2: float = 0.0) -> np.ndarray:
    """Gradient of :func:`neuron_loss`: ``X' (sigmoid(X w) - y) / n + l2 w``."""
    X = np.asarray(X)
    return X.T @ (neuron_forward(X, w) - y) / len(X) + l2 * np.asarray(w)


def neuron_hessian(X, w, l2: float = 0.0) -> np.ndarray:
    """Hessian of :func:`neuron_loss`: ``X' diag(p (1 - p)) X / n + l2 I``."""
    X = np.asarray(X)
    p = neuron_forward(X, w)
    return (X * (p * (1 - p))[:, None]).T @ X / len(X) + l2 * np.eye(X.shape[1])


def _neuron_value_and_grad(X: np.ndarray, y: np.ndarray, l2: float):
    n = len(X)

    def f(w):
        z = X @ w
        loss = np.mean(softplus(z) - y * z) + 0.5 * l2 * (w @ w)
        return float(loss), X.T @ (sigmoid(z) - y) / n + l2 * w

    return f


# -- one softmax layer ---------------------------------------------------------------------------------------------
def _one_hot(codes, K: int) -> np.ndarray:
    codes = np.asarray(codes)
    if codes.ndim != 1 or not np.issubdtype(codes.dtype, np.integer) or codes.min() < 0 or codes.max() >= K:
        raise ValueError(f"codes: expected a 1-d array of class indices in [0, {K - 1}]")
    return np.eye(K)[codes]


def layer_forward(X, W) -> np.ndarray:
    """Class probabilities: ``softmax(X @ W)`` row by row (n x K)."""
    return softmax(np.asarray(X) @ np.asarray(W), axis=1)


def layer_loss(X, codes, W, l2: float = 0.0) -> float:
    """Mean categorical cross-entropy of ``softmax(X W)`` against the class indices, plus ``l2 / 2 * ||W||^2``."""
    W = np.asarray(W, dtype=np.float64)
    logp = log_softmax(np.asarray(X) @ W, axis=1)
    return float(-np.mean(logp[np.arange(len(logp)), codes]) + 0.5 * l2 * np.sum(W * W))


def layer_gradient(X, codes, W, l2: float = 0.0) -> np.ndarray:
    """Gradient of :func:`layer_loss` (d x K): ``X' (P - Y) / n + l2 W`` with ``Y`` the one-hot outcome."""
    X, W = np.asarray(X), np.asarray(W, dtype=np.float64)
    return X.T @ (layer_forward(X, W) - _one_hot(codes, W.shape[1])) / len(X) + l2 * W


def layer_hessian(X, W, l2: float = 0.0) -> np.ndarray:
    """Hessian of :func:`layer_loss` with respect to ``W.ravel()`` (index ``j * K + k``), a dK x dK matrix.

    ``sum_i kron(x_i x_i', diag(p_i) - p_i p_i') / n + l2 I``. Without a penalty it is singular: adding the same
    vector to every class's weights changes no probability.
    """
    X = np.asarray(X)
    P = layer_forward(X, W)
    n, d = X.shape
    K = P.shape[1]
    C = np.einsum("ik,kl->ikl", P, np.eye(K)) - np.einsum("ik,il->ikl", P, P)  # n x K x K
    H = np.einsum("ij,im,ikl->jkml", X, X, C).reshape(d * K, d * K) / n
    return H + l2 * np.eye(d * K)


def _layer_value_and_grad(X: np.ndarray, codes: np.ndarray, K: int, l2: float):
    n = len(X)
    Y = _one_hot(codes, K)
    rows = np.arange(n)

    def f(W):
        logp = log_softmax(X @ W, axis=1)
        loss = -np.mean(logp[rows, codes]) + 0.5 * l2 * np.sum(W * W)
        return float(loss), X.T @ (np.exp(logp) - Y) / n + l2 * W

    return f


# -- gradient descent ----------------------------------------------------------------------------------------------
@dataclass
class Trajectory:
    """What :func:`gradient_descent` did: ``steps`` updates from ``weights[0]`` (or ``start``) to ``final``.

    ``losses[t]`` and ``grad_norms[t]`` belong to the weights after ``t`` steps (``t = 0 .. steps``); ``weights``
    holds every one of those weights when they were kept, else only the start and the end.
    """

    learning_rate: float
    l2: float
    tolerance: float
    steps: int
    converged: bool
    diverged: bool  # the loss or the gradient overflowed; training stopped there
    losses: np.ndarray
    grad_norms: np.ndarray
    weights: np.ndarray  # (steps + 1, *shape) when kept, else (2, *shape)

    @property
    def start(self) -> np.ndarray:
        return self.weights[0]

    @property
    def final(self) -> np.ndarray:
        return self.weights[-1]

    @property
    def grad_norm(self) -> float:
        return float(self.grad_norms[-1])


def gradient_descent(
    value_and_grad: Callable[[np.ndarray], tuple[float, np.ndarray]],
    start,
    *,
    learning_rate: float,
    max_steps: int,
    tolerance: float = 0.0,
    l2: float = 0.0,
    keep_weights: bool = False,
) -> Trajectory:
    """Full-batch gradient descent ``w <- w - learning_rate * grad(w)``.

    Stops as soon as the gradient's Euclidean norm is below ``tolerance`` (``converged=True``), after
    ``max_steps`` updates, or when the loss or gradient stops being finite (``diverged=True``: a learning rate too
    large for the loss makes the weights grow without bound; the overflow is reported this way, not as warnings).
    ``tolerance=0`` runs exactly ``max_steps`` updates (``converged`` is then False unless the gradient is exactly
    zero). ``l2`` is only recorded here: the penalty is part of ``value_and_grad``.
    """
    if learning_rate <= 0 or not np.isfinite(learning_rate):
        raise ValueError(f"learning_rate: expected a positive number, got {learning_rate}")
    if max_steps < 0:
        raise ValueError(f"max_steps: expected a non-negative integer, got {max_steps}")
    w = np.array(start, dtype=np.float64, copy=True)
    kept = [w.copy()] if keep_weights else None
    losses, norms = [], []
    steps, converged, diverged = 0, False, False
    with np.errstate(over="ignore", invalid="ignore"):
        while True:
            loss, g = value_and_grad(w)
            gn = float(np.sqrt(np.sum(g * g)))
            losses.append(loss)
            norms.append(gn)
            if not (np.isfinite(gn) and np.isfinite(loss)):
                diverged = True
                break
            if gn < tolerance or (tolerance == 0 and gn == 0):
                converged = True
                break
            if steps == max_steps:
                break
            w = w - learning_rate * g
            steps += 1
            if kept is not None:
                kept.append(w.copy())
    weights = np.stack(kept) if kept is not None else np.stack([np.asarray(start, dtype=np.float64), w])
    return Trajectory(
        learning_rate, l2, tolerance, steps, converged, diverged, np.array(losses), np.array(norms), weights
    )


def train_neuron(X, y, start, *, l2: float = 0.0, **options) -> Trajectory:
    """Train one sigmoid neuron (logistic regression) on 0/1 outcomes ``y`` by :func:`gradient_descent`.

    ``options`` are those of :func:`gradient_descent`: ``learning_rate``, ``max_steps``, ``tolerance``,
    ``keep_weights``.
    """
    X, y = np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.float64)
    return gradient_descent(_neuron_value_and_grad(X, y, l2), start, l2=l2, **options)


def train_layer(X, codes, start, *, l2: float = 0.0, **options) -> Trajectory:
    """Train one softmax layer (softmax regression, ``start`` d x K) on class indices by :func:`gradient_descent`.

    ``options`` are those of :func:`gradient_descent`, as for :func:`train_neuron`.
    """
    X, start = np.asarray(X, dtype=np.float64), np.asarray(start, dtype=np.float64)
    return gradient_descent(_layer_value_and_grad(X, np.asarray(codes), start.shape[1], l2), start, l2=l2, **options)


def newton(gradient: Callable, hessian: Callable, start, *, tolerance: float = 1e-12, max_steps: int = 100):
    """Newton's method on a strictly convex loss; returns ``(weights, steps, gradient norm)``.

    A second route to the optimum that :func:`gradient_descent` approaches, for the penalised losses that
    statsmodels does not fit. Raises ``RuntimeError`` if it has not converged after ``max_steps``.
    """
    w = np.array(start, dtype=np.float64, copy=True)
    shape = w.shape
    for step in range(max_steps + 1):
        g = np.asarray(gradient(w), dtype=np.float64)
        gn = float(np.linalg.norm(g))
        if gn < tolerance:
            return w, step, gn
        if step == max_steps:
            break
        w = w - np.linalg.solve(hessian(w), g.ravel()).reshape(shape)
    raise RuntimeError(f"Newton's method did not reach gradient norm {tolerance:g} in {max_steps} steps ({gn:.3g})")


def neuron_optimum(X, y, l2: float):
    """The minimiser of :func:`neuron_loss` by :func:`newton` from zero (needs ``l2 > 0`` or non-separated data)."""
    X, y = np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.float64)
    return newton(lambda w: neuron_gradient(X, y, w, l2), lambda w: neuron_hessian(X, w, l2), np.zeros(X.shape[1]))


def layer_optimum(X, codes, K: int, l2: float):
    """The minimiser of :func:`layer_loss` by :func:`newton` from zero; needs ``l2 > 0`` (else it is not unique)."""
    if l2 <= 0:
        raise ValueError("l2: the softmax layer's loss has a unique minimiser only with a positive penalty")
    X = np.asarray(X, dtype=np.float64)
    return newton(
        lambda W: layer_gradient(X, codes, W, l2), lambda W: layer_hessian(X, W, l2), np.zeros((X.shape[1], K))
    )


def drop_reference(hessian, d: int, K: int, reference: int) -> np.ndarray:
    """The Hessian of the layer loss in reference-class parameters: :func:`layer_hessian` without the rows and
    columns of the reference class's weights (positive definite when the maximum-likelihood estimate exists)."""
    keep = [j * K + k for j in range(d) for k in range(K) if k != reference]
    H = np.asarray(hessian)
    return H[np.ix_(keep, keep)]


# -- mappings between parametrisations -----------------------------------------------------------------------------
def logistic_from_softmax(W) -> np.ndarray:
    """The logistic weight of a two-unit softmax layer: ``w1 - w0`` (``softmax(z0, z1)_1 = sigmoid(z1 - z0)``)."""
    W = np.asarray(W, dtype=np.float64)
    if W.shape[-1] != 2:
        raise ValueError(f"W: expected two columns (classes 0 and 1), got shape {W.shape}")
    return W[..., 1] - W[..., 0]


def reference_params(W, reference: int) -> np.ndarray:
    """Softmax weights (d x K) as reference-class parameters: ``W[:, k] - W[:, reference]`` for every other k.

    These are what statsmodels ``MNLogit`` estimates (d x (K - 1), the other classes in their order): the
    probabilities depend on the weights only through these differences.
    """
    W = np.asarray(W, dtype=np.float64)
    others = [k for k in range(W.shape[1]) if k != reference]
    return W[:, others] - W[:, [reference]]


def reduced_layer_gradient(gradient, reference: int) -> np.ndarray:
    """Gradient with respect to the reference-class parameters, given the layer's gradient (d x K).

    The loss depends on ``W`` only through ``B = reference_params(W, reference)``, and ``B_k`` moves one for one
    with ``W_k``, so the gradient on ``B`` is the layer gradient's columns of the other classes.
    """
    G = np.asarray(gradient, dtype=np.float64)
    return G[:, [k for k in range(G.shape[1]) if k != reference]]


def distance_bound(grad_norm: float, hessian) -> float:
    """How far (Euclidean) weights with gradient norm ``grad_norm`` can be from the optimum of a convex loss.

    Near the optimum the loss is quadratic with Hessian ``H``, so ``w - w* = H^-1 g`` and
    ``||w - w*|| <= ||g|| / lambda_min(H)``. Returned with a factor 2 for the change of ``H`` along the way;
    infinite when ``H`` is singular.
    """
    lam = float(np.linalg.eigvalsh(np.asarray(hessian, dtype=np.float64)).min())
    return 2.0 * grad_norm / lam if lam > 0 else float("inf")


def neuron_tolerance(X, y, scaling: Scaling, trained, target, l2: float = 0.0) -> float:
    """How far apart, in the original units, a trained neuron and an estimate of the same optimum may be.

    ``trained`` are standardised weights, ``target`` original-unit coefficients (statsmodels' or Newton's). Each is
    within :func:`distance_bound` of the optimum by its own gradient; the map to original units stretches distances by
    at most ``||A||_2``.
    """
    H = neuron_hessian(X, trained, l2)
    gradients = (neuron_gradient(X, y, w, l2) for w in (trained, scaling.to_standard(target)))
    return np.linalg.norm(scaling.matrix, 2) * sum(distance_bound(np.linalg.norm(g), H) for g in gradients)


def layer_tolerance(X, codes, scaling: Scaling, trained, target, reference: int, l2: float = 0.0) -> float:
    """How far apart, in original-unit reference-class parameters, a trained layer and an estimate may be.

    ``trained`` and ``target`` are standardised d x K weights. Without a penalty the loss has a unique minimiser
    only in the reference-class parameters, so the bound uses their gradient and Hessian (:func:`drop_reference`);
    with one, the free weights' bound is mapped to reference-class parameters, which stretches it by at most
    ``sqrt(2 K)``.
    """
    trained, target = np.asarray(trained, dtype=np.float64), np.asarray(target, dtype=np.float64)
    d, K = trained.shape
    H = layer_hessian(X, trained, l2)
    if l2 == 0:
        H = drop_reference(H, d, K, reference)
        grads = [reduced_layer_gradient(layer_gradient(X, codes, W), reference) for W in (trained, target)]
        stretch = 1.0
    else:
        grads = [layer_gradient(X, codes, W, l2) for W in (trained, target)]
        stretch = np.sqrt(2 * K)
    bounds = sum(distance_bound(np.linalg.norm(g), H) for g in grads)
    return float(stretch * np.linalg.norm(scaling.matrix, 2) * bounds)


def rounding_allowance(X, weights, steps: int, learning_rate: float) -> float:
    """A bound on how far two exact-arithmetic-equal gradient-descent runs can drift apart by float64 rounding.

    Each step computes logits of size at most ``|z| <= max_i ||x_i||_1 max|w|`` in two different ways (a softmax of
    two logits against a sigmoid of their difference), so the probabilities and gradients of the two runs differ by a
    few ``eps (1 + |z|)`` times ``max_i ||x_i||_1``. Gradient descent with a stable learning rate does not amplify a
    difference, so the step differences add up at most linearly: ``steps * learning_rate * 16 eps (1 + |z|) r`` with
    ``r = max_i ||x_i||_1``, plus ``16 eps max|w|`` for rounding the weights themselves.
    """
    X = np.asarray(X, dtype=np.float64)
    r = float(np.abs(X).sum(axis=1).max())
    wmax = float(np.max(np.abs(weights)))
    eps = np.finfo(np.float64).eps
    return 16 * eps * (steps * learning_rate * (1 + r * wmax) * r + 1 + wmax)


def smoothness(X, *, kind: str, l2: float = 0.0) -> float:
    """An upper bound ``L`` on the Hessian's largest eigenvalue over all weights (``kind`` "neuron" or "layer").

    ``p (1 - p) <= 1/4`` for the neuron; ``diag(p) - p p'`` has eigenvalues at most ``1/2`` (Gershgorin: its row
    sums of absolute values are ``2 p_k (1 - p_k)``). Gradient descent never increases the distance between two
    runs when ``learning_rate <= 2 / L``, and the loss decreases at every step when ``learning_rate < 2 / L``.
    """
    X = np.asarray(X, dtype=np.float64)
    top = float(np.linalg.eigvalsh(X.T @ X / len(X)).max())
    return top * {"neuron": 0.25, "layer": 0.5}[kind] + l2


@dataclass
class SeedNetworks:
    """Networks 0, 1 and 2 of the seed-000 experiment, trained from one initialisation on a binary outcome.

    Network 1 is a two-unit softmax layer (weights ``w0``, ``w1``) at ``learning_rate`` with penalty ``l2``;
    networks 0 and 2 are single sigmoid neurons started at ``w1 - w0`` of network 1's start, at ``learning_rate``
    and ``2 * learning_rate``, with the penalty ``l2 / 2`` that makes network 2 follow network 1's ``w1 - w0``.
    Network 1 runs exactly as many steps as network 2 needed.
    """

    net0: Trajectory
    net1: Trajectory
    net2: Trajectory

    @property
    def net1_difference(self) -> np.ndarray:
        """``w1 - w0`` of network 1 after every step (steps + 1) x d."""
        return logistic_from_softmax(self.net1.weights)

    @property
    def net1_sum(self) -> np.ndarray:
        """``w0 + w1`` of network 1 after every step (steps + 1) x d."""
        return self.net1.weights.sum(axis=-1)

    @property
    def net1_sum_expected(self) -> np.ndarray:
        """What ``w0 + w1`` must be after every step: ``(1 - learning_rate * l2)**t`` times its start."""
        t = np.arange(self.net1.steps + 1)
        return (1 - self.net1.learning_rate * self.net1.l2) ** t[:, None] * self.net1_sum[0]

    @property
    def net1_sum_allowance(self) -> float:
        """Rounding allowed in :attr:`net1_sum`: ``16 eps (1 + max|w|)`` per step, added up over the steps."""
        eps = np.finfo(np.float64).eps
        return 16 * eps * (1 + float(np.abs(self.net1.weights).max())) * (self.net1.steps + 1)


def seed_networks(X, y, start, *, learning_rate, max_steps, tolerance, l2=0.0) -> SeedNetworks:
    """Train networks 0, 1 and 2 (see :class:`SeedNetworks`) from the d x 2 softmax weights ``start``."""
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    start = np.asarray(start, dtype=np.float64)
    w = logistic_from_softmax(start)
    common = {"max_steps": max_steps, "tolerance": tolerance, "l2": l2 / 2, "keep_weights": True}
    net2 = train_neuron(X, y, w, learning_rate=2 * learning_rate, **common)
    net1 = train_layer(
        X, y.astype(np.int64), start, learning_rate=learning_rate, max_steps=net2.steps, l2=l2, keep_weights=True
    )
    net0 = train_neuron(X, y, w, learning_rate=learning_rate, **common)
    return SeedNetworks(net0, net1, net2)


def difference_gradient_gap(X, y, weights, l2: float = 0.0, *, chunk_values: int = 2**22) -> np.ndarray:
    """For every step's two-unit softmax weights (T x d x 2): the gradient on ``w1 - w0`` minus twice the neuron's.

    The gradient on ``w1 - w0`` is ``g1 - g0`` (column 1 minus column 0 of the layer gradient with penalty ``l2``);
    the neuron's is :func:`neuron_gradient` at ``w1 - w0`` with penalty ``l2 / 2``. In exact arithmetic the two
    agree at every step; the returned T x d array shows the rounding. Computed in chunks of at most
    ``chunk_values`` logits so that long trajectories on large data stay small in memory.
    """
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    W = np.asarray(weights, dtype=np.float64)
    n = len(X)
    Y = np.stack([1 - y, y], axis=1)
    out = np.empty(W.shape[:2])
    step = max(1, chunk_values // (2 * n))
    for a in range(0, len(W), step):
        Wc = W[a : a + step]
        P = softmax(np.einsum("nd,tdk->tnk", X, Wc), axis=2)
        G = np.einsum("nd,tnk->tdk", X, P - Y) / n + l2 * Wc
        D = Wc[..., 1] - Wc[..., 0]
        g_neuron = np.einsum("nd,tn->td", X, sigmoid(D @ X.T) - y) / n + (l2 / 2) * D
        out[a : a + step] = (G[..., 1] - G[..., 0]) - 2 * g_neuron
    return out


@dataclass
class TrainingStatus:
    """Whether every network of a report met its gradient-norm tolerance; shown as a banner at the top."""

    runs: dict[str, Trajectory]
    max_steps: int
    notes: list[str] = field(default_factory=list)  # e.g. how far a network that stopped early is from the MLE

    @property
    def converged(self) -> bool:
        return all(t.converged for t in self.runs.values())

    def rows(self) -> list[str]:
        out = []
        for name, t in self.runs.items():
            if t.converged:
                state = f"converged after {t.steps:,} steps"
            elif t.diverged:
                state = f"diverged at step {t.steps:,}: the loss or gradient overflowed (learning rate too large)"
            else:
                state = f"stopped at the maximum of {t.steps:,} steps, not converged"
            out.append(f"{name}: {state} (gradient norm {t.grad_norm:.2e}, tolerance {t.tolerance:.0e})")
        return out

    def _repr_html_(self) -> str:
        items = "".join(f"<li>{html.escape(r)}</li>" for r in self.rows() + self.notes)
        if self.converged:
            return (
                '<div class="diagnosis diagnosis-ok"><strong>Training: converged: true.</strong> Every network met '
                f"its gradient-norm tolerance within {self.max_steps:,} steps.<ul>{items}</ul></div>"
            )
        return (
            '<div class="diagnosis diagnosis-warning"><strong>Training: converged: false.</strong> Some networks '
            f"stopped before meeting their tolerance (at most {self.max_steps:,} steps). The identities that hold at "
            "every step are still checked; the comparisons that need an optimum show how far from it training "
            f"ended.<ul>{items}</ul></div>"
        )

    def __repr__(self) -> str:
        return "Training: " + "; ".join(self.rows() + self.notes)
