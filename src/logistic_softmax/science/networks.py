"""Logistic and softmax regression as NumPy networks: one sigmoid neuron, one softmax layer, gradient descent.

Both networks work on a design matrix whose first column is the constant 1, so the bias is the first row of the
weights: the neuron has a weight vector ``w`` of length ``d``, the softmax layer a ``d x K`` matrix ``W`` with one
column per class. Their losses are the mean cross-entropies the statsmodels fits maximise (negated and divided by
``n``), plus an optional L2 penalty ``l2 / 2`` times the squared weights; the biases (row 0) are not penalised, as
in glmnet, Keras's kernel regularisers and the MNIST report. The computations are those of
:mod:`logistic_softmax.science.basenet` without a base.

:func:`gradient_descent` runs plain full-batch gradient descent until the gradient norm falls below a tolerance
(or a maximum number of steps), keeping the loss and gradient norm of every step and, on request, the weights.

:func:`logistic_from_softmax` and :func:`reference_params` map softmax weights to the logistic weight and to
reference-class parameters (statsmodels ``MNLogit``'s parametrisation).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from . import basenet as bn
from .links import sigmoid, softmax

__all__ = [
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
    "train_layer_newton",
    "newton",
    "logistic_from_softmax",
    "reference_params",
    "reduced_layer_gradient",
    "smoothness",
    "neuron_optimum",
    "layer_optimum",
    "drop_reference",
]


# -- one sigmoid neuron and one softmax layer (the linear case of :mod:`.basenet`) --------------------
def _neuron(w) -> bn.Net:
    return bn.Net("sigmoid", (np.asarray(w, dtype=np.float64)[:, None],))


def _layer(W) -> bn.Net:
    return bn.Net("softmax", (np.asarray(W, dtype=np.float64),))


def neuron_forward(X, w) -> np.ndarray:
    """Probability of class 1: ``sigmoid(X @ w)``."""
    return sigmoid(np.asarray(X) @ np.asarray(w))


def neuron_loss(X, y, w, l2: float = 0.0) -> float:
    """Mean binary cross-entropy ``mean(softplus(z) - y z)``, ``z = X w``, plus ``l2 / 2`` times the squared weights
    (``w[1:]``: the bias ``w[0]`` is not penalised)."""
    return bn.loss(_neuron(w), X, y, l2)


def neuron_gradient(X, y, w, l2: float = 0.0) -> np.ndarray:
    """Gradient of :func:`neuron_loss`: ``X' (sigmoid(X w) - y) / n + l2 (0, w[1:])``."""
    return bn.gradient(_neuron(w), X, y, l2)[0][:, 0]


def neuron_hessian(X, w, l2: float = 0.0) -> np.ndarray:
    """Hessian of :func:`neuron_loss`: ``X' diag(p (1 - p)) X / n + l2 diag(0, 1, ..., 1)``."""
    X = np.asarray(X, dtype=np.float64)
    return bn.hessian(_neuron(w), X, np.zeros(len(X), dtype=np.int64), l2)


def layer_forward(X, W) -> np.ndarray:
    """Class probabilities: ``softmax(X @ W)`` row by row (n x K)."""
    return softmax(np.asarray(X) @ np.asarray(W), axis=1)


def layer_loss(X, codes, W, l2: float = 0.0) -> float:
    """Mean categorical cross-entropy of ``softmax(X W)`` against the class indices, plus ``l2 / 2`` times the
    squared weights (``W[1:]``: the biases ``W[0]`` are not penalised)."""
    return bn.loss(_layer(W), X, codes, l2)


def layer_gradient(X, codes, W, l2: float = 0.0) -> np.ndarray:
    """Gradient of :func:`layer_loss` (d x K): ``X' (P - Y) / n`` plus ``l2`` times the weights (not the biases)."""
    return bn.gradient(_layer(W), X, codes, l2)[0]


def layer_hessian(X, W, l2: float = 0.0) -> np.ndarray:
    """Hessian of :func:`layer_loss` with respect to ``W.ravel()`` (index ``j * K + k``), a dK x dK matrix.

    ``sum_i kron(x_i x_i', diag(p_i) - p_i p_i') / n`` plus ``l2`` on the weights. It is singular: adding the same
    vector to every class's weights (without a penalty), or the same number to every bias, changes no probability.
    """
    X = np.asarray(X, dtype=np.float64)
    return bn.hessian(_layer(W), X, np.zeros(len(X), dtype=np.int64), l2)


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
    X, y = np.asarray(X, dtype=np.float64), np.asarray(y).astype(np.int64)

    def value_and_grad(w):
        value, (g,) = bn.value_and_gradient(_neuron(w), X, y, l2)
        return value, g[:, 0]

    return gradient_descent(value_and_grad, start, l2=l2, **options)


def train_layer(X, codes, start, *, l2: float = 0.0, **options) -> Trajectory:
    """Train one softmax layer (softmax regression, ``start`` d x K) on class indices by :func:`gradient_descent`.

    ``options`` are those of :func:`gradient_descent`, as for :func:`train_neuron`.
    """
    X, codes = np.asarray(X, dtype=np.float64), np.asarray(codes)

    def value_and_grad(W):
        value, (g,) = bn.value_and_gradient(_layer(W), X, codes, l2)
        return value, g

    return gradient_descent(value_and_grad, start, l2=l2, **options)


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


def train_layer_newton(X, codes, start, *, tolerance: float, max_steps: int, progress=None) -> Trajectory:
    """Train a softmax layer (``start`` d x K) by damped Newton steps on its own loss, without a penalty.

    The layer's Hessian is singular along the shift that adds one vector to every class's weights, so each step is
    the pseudo-inverse Newton step: solved in the differences from class 0 (where the Hessian is positive definite
    when the maximum-likelihood estimate exists), then centred over the classes, which leaves the sum of the
    classes' weights where it started. Each step is halved until the loss decreases (Armijo's rule). Stops when the
    gradient norm is below ``tolerance`` (``converged``), after ``max_steps`` steps, or when no step lowers the loss or
    the Hessian stops being positive definite (the estimate runs off to infinity: ``diverged``).
    """
    X = np.asarray(X, dtype=np.float64)
    codes = np.asarray(codes)
    W = np.array(start, dtype=np.float64, copy=True)
    d, K = W.shape
    losses, norms = [], []
    steps, converged, diverged = 0, False, False
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        while True:
            loss, (G,) = bn.value_and_gradient(_layer(W), X, codes)
            gn = float(np.linalg.norm(G))
            losses.append(loss)
            norms.append(gn)
            if progress is not None:
                progress(f"step {steps}: loss {loss:.10g}, gradient norm {gn:.3g}")
            if not (np.isfinite(loss) and np.isfinite(gn)):
                diverged = True
                break
            if gn < tolerance:
                converged = True
                break
            if steps == max_steps:
                break
            H = drop_reference(layer_hessian(X, W), d, K, 0)
            g = G[:, 1:].ravel()
            try:
                delta = -np.linalg.solve(H, g)
                np.linalg.cholesky(H)
            except np.linalg.LinAlgError:
                diverged = True
                break
            D = np.insert(delta.reshape(d, K - 1), 0, 0.0, axis=1)
            D -= D.mean(axis=1, keepdims=True)
            slope, t = float(g @ delta), 1.0
            for _ in range(40):
                if layer_loss(X, codes, W + t * D) <= loss + 1e-4 * t * slope:
                    break
                t /= 2
            else:
                diverged = True
                break
            W = W + t * D
            steps += 1
    return Trajectory(1.0, 0.0, tolerance, steps, converged, diverged, np.array(losses), np.array(norms),
                      np.stack([np.asarray(start, dtype=np.float64), W]))


def neuron_optimum(X, y, l2: float):
    """The minimiser of :func:`neuron_loss` by :func:`newton` from zero (it exists unless the data are separated
    and ``l2 = 0``)."""
    X, y = np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.float64)
    return newton(lambda w: neuron_gradient(X, y, w, l2), lambda w: neuron_hessian(X, w, l2), np.zeros(X.shape[1]))


def layer_optimum(X, codes, K: int, l2: float, *, reference: int = 0):
    """A minimiser of :func:`layer_loss` by :func:`newton` in the coordinates that determine the loss.

    Without a penalty only the differences from the ``reference`` class matter, so the reference column is held at
    zero (the maximum-likelihood estimate, as ``MNLogit`` parametrises it); with one, only the reference class's bias is
    held at zero (the biases are not penalised, so one number added to all of them changes nothing). Returns
    ``(W, steps, gradient norm)`` with ``W`` d x K.
    """
    X = np.asarray(X, dtype=np.float64)
    d = X.shape[1]
    keep = np.ones((d, K), dtype=bool)
    if l2 == 0:
        keep[:, reference] = False
    else:
        keep[0, reference] = False
    flat = keep.ravel()

    def full(theta):
        W = np.zeros(d * K)
        W[flat] = theta
        return W.reshape(d, K)

    theta, steps, gn = newton(
        lambda t: layer_gradient(X, codes, full(t), l2).ravel()[flat],
        lambda t: layer_hessian(X, full(t), l2)[np.ix_(flat, flat)],
        np.zeros(int(flat.sum())),
    )
    return full(theta), steps, gn


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


def smoothness(X, *, kind: str, l2: float = 0.0) -> float:
    """An upper bound ``L`` on the Hessian's largest eigenvalue over all weights (``kind`` "neuron" or "layer").

    ``p (1 - p) <= 1/4`` for the neuron; ``diag(p) - p p'`` has eigenvalues at most ``1/2`` (Gershgorin: its row
    sums of absolute values are ``2 p_k (1 - p_k)``). Gradient descent never increases the distance between two
    runs when ``learning_rate <= 2 / L``, and the loss decreases at every step when ``learning_rate < 2 / L``.
    """
    X = np.asarray(X, dtype=np.float64)
    top = float(np.linalg.eigvalsh(X.T @ X / len(X)).max())
    return top * {"neuron": 0.25, "layer": 0.5}[kind] + l2
