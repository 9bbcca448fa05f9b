"""Minibatch networks for MNIST: one softmax layer (softmax regression) and the two-layer network of seed 002.

A :class:`Network` is a list of affine layers ``Z = A W + b``. Every layer but the last is followed by the logistic
function, the last by the softmax, and the loss is the mean cross-entropy plus ``weight_decay / 2`` times the
squared norm of the weight matrices (biases are not penalised). With one layer it is softmax regression
``Y = softmax(X W + b)``; with two it is ``H = logistic(X W_h + b_h)``, ``Y = softmax(H W_o + b_o)``.

:func:`gradients` is backpropagation written out, in the order of the derivation, for any float dtype (the tests
check it against finite differences in float64). :func:`train` runs minibatch SGD with momentum in float32 and
computes the same gradients in place, into buffers allocated once, which is what makes an epoch fast in NumPy.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from .links import class_indices, log_softmax, logistic, logistic_inplace, softmax, softmax_inplace

__all__ = [
    "Network",
    "History",
    "softmax_regression",
    "two_layer",
    "loss",
    "losses_along",
    "gradients",
    "evaluate",
    "train",
    "cosine_rate",
    "flops_per_epoch",
]

_EVAL_BLOCK = 10_000


@dataclass
class Network:
    """Weights ``W[l]`` (in x out) and biases ``b[l]`` of each layer; logistic hidden layers, softmax output."""

    W: list[np.ndarray]
    b: list[np.ndarray]

    @property
    def sizes(self) -> list[int]:
        """Units per layer, inputs first: ``[784, 100, 10]`` for the two-layer network."""
        return [self.W[0].shape[0]] + [w.shape[1] for w in self.W]

    @property
    def dtype(self):
        return self.W[0].dtype

    def copy(self) -> Network:
        return Network([w.copy() for w in self.W], [b.copy() for b in self.b])

    def astype(self, dtype) -> Network:
        return Network([w.astype(dtype) for w in self.W], [b.astype(dtype) for b in self.b])

    def activations(self, X) -> list[np.ndarray]:
        """``[X, H_1, ..., Y]``: the input, each hidden layer's logistic units, the softmax probabilities."""
        out = [np.asarray(X, dtype=self.dtype)]
        for layer, (W, b) in enumerate(zip(self.W, self.b, strict=True)):
            Z = out[-1] @ W + b
            if layer < len(self.W) - 1:
                out.append(logistic(Z))
            else:
                out.append(softmax(Z, axis=1))
        return out

    def logits(self, X) -> np.ndarray:
        """The output layer's scores ``Z`` (before the softmax)."""
        H = np.asarray(X, dtype=self.dtype)
        for W, b in zip(self.W[:-1], self.b[:-1], strict=True):
            H = H @ W
            H += b
            logistic_inplace(H)  # :func:`logistic`'s operations, in place
        Z = H @ self.W[-1]
        Z += self.b[-1]
        return Z

    def proba(self, X) -> np.ndarray:
        """Class probabilities (n x K), computed in blocks of rows."""
        X = np.asarray(X)
        return np.concatenate([self.activations(X[i : i + _EVAL_BLOCK])[-1] for i in range(0, len(X), _EVAL_BLOCK)])

    def predict(self, X) -> np.ndarray:
        X = np.asarray(X)
        blocks = range(0, len(X), _EVAL_BLOCK)
        return np.concatenate([self.logits(X[i : i + _EVAL_BLOCK]).argmax(axis=1) for i in blocks])


def softmax_regression(inputs: int, classes: int, *, dtype=np.float32) -> Network:
    """One softmax layer, all weights zero.

    Its loss is convex, but its minimisers are not unique: adding one vector to every class's weights (and one
    number to every bias) changes no probability. On raw pixels the minimum is not even attained (pixels inked by one
    digit only separate it), so where SGD ends depends on the start and on how long it runs.
    """
    return Network([np.zeros((inputs, classes), dtype)], [np.zeros(classes, dtype)])


def two_layer(inputs: int, hidden: int, classes: int, rng: np.random.Generator, *, dtype=np.float32) -> Network:
    """Logistic hidden layer and softmax output; weights uniform on +-sqrt(6 / (fan_in + fan_out)), biases zero.

    The hidden units must start different (equal units would stay equal for ever), and this range (Glorot and
    Bengio, 2010) keeps the logistic units away from saturation at the start.
    """
    if hidden < 1:
        raise ValueError(f"hidden: expected at least one hidden unit, got {hidden}")
    W = []
    for fan_in, fan_out in ((inputs, hidden), (hidden, classes)):
        limit = np.sqrt(6.0 / (fan_in + fan_out))
        W.append(rng.uniform(-limit, limit, size=(fan_in, fan_out)).astype(dtype))
    return Network(W, [np.zeros(hidden, dtype), np.zeros(classes, dtype)])


def _true_class_log_prob(Z: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``log softmax(Z)[i, y_i]`` for every row."""
    return log_softmax(Z, axis=1)[np.arange(len(Z)), y]


def loss(net: Network, X, labels, weight_decay: float = 0.0) -> float:
    """Mean cross-entropy plus ``weight_decay / 2 * sum ||W||^2``, in float64 (in blocks of rows)."""
    net64 = net.astype(np.float64)
    X = np.asarray(X)
    y = class_indices(labels, net.sizes[-1], n=len(X))
    total = 0.0
    for i in range(0, len(X), _EVAL_BLOCK):
        total -= _true_class_log_prob(net64.logits(X[i : i + _EVAL_BLOCK]), y[i : i + _EVAL_BLOCK]).sum()
    penalty = 0.5 * weight_decay * sum(float(np.sum(W**2)) for W in net64.W)
    return total / len(X) + penalty


def losses_along(net: Network, X, labels, index: tuple[int, int], shifts, weight_decay: float = 0.0) -> list[float]:
    """:func:`loss` of ``net`` with the first layer's weight ``W[0][index]`` raised by each of ``shifts``, from one
    pass over ``X``: a row whose input ``index[0]`` is zero does not see that weight, so only the other rows are
    computed again (each row and each block of rows as :func:`loss` computes them)."""
    net64 = net.astype(np.float64)
    X = np.asarray(X)
    y = class_indices(labels, net.sizes[-1], n=len(X))
    base = np.concatenate([_true_class_log_prob(net64.logits(X[i : i + _EVAL_BLOCK]), y[i : i + _EVAL_BLOCK])
                           for i in range(0, len(X), _EVAL_BLOCK)])
    rows = np.flatnonzero(X[:, index[0]] != 0)
    seen = X[rows]
    out = []
    for t in shifts:
        moved = net64.copy()
        moved.W[0][index] += t
        values = base.copy()
        values[rows] = _true_class_log_prob(moved.logits(seen), y[rows])
        total = 0.0
        for i in range(0, len(X), _EVAL_BLOCK):
            total -= values[i : i + _EVAL_BLOCK].sum()
        out.append(total / len(X) + 0.5 * weight_decay * sum(float(np.sum(W**2)) for W in moved.W))
    return out


def gradients(net: Network, X, labels, weight_decay: float = 0.0) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Gradients of :func:`loss` by backpropagation: ``(dW, db)``, one array per layer.

    Output layer: ``delta = (Y - onehot) / n``. Each layer: ``dW = A_in' delta + weight_decay W``, ``db`` the column
    sums of ``delta``. Into a logistic layer below: ``delta_in = (delta W') * H * (1 - H)``, since
    ``logistic'(z) = logistic(z) (1 - logistic(z))``.
    """
    A = net.activations(X)
    n, K = A[-1].shape
    y = class_indices(labels, K, n=n)
    delta = A[-1].copy()
    delta[np.arange(n), y] -= 1
    delta /= n
    dW: list[np.ndarray] = [None] * len(net.W)  # type: ignore[list-item]
    db: list[np.ndarray] = [None] * len(net.W)  # type: ignore[list-item]
    for layer in reversed(range(len(net.W))):
        dW[layer] = A[layer].T @ delta + weight_decay * net.W[layer]
        db[layer] = delta.sum(axis=0)
        if layer > 0:
            H = A[layer]
            delta = (delta @ net.W[layer].T) * H * (1 - H)
    return dW, db


def evaluate(net: Network, X, labels) -> tuple[float, float]:
    """Mean cross-entropy (without the penalty) and accuracy on ``(X, labels)``, in blocks of rows."""
    X = np.asarray(X)
    y = np.asarray(labels)
    total, correct = 0.0, 0
    for i in range(0, len(X), _EVAL_BLOCK):
        Z = net.logits(X[i : i + _EVAL_BLOCK]).astype(np.float64)
        yy = y[i : i + _EVAL_BLOCK]
        total -= _true_class_log_prob(Z, yy).sum()
        correct += int((Z.argmax(axis=1) == yy).sum())
    return total / len(X), correct / len(X)


def cosine_rate(learning_rate: float, epoch: int, epochs: int) -> float:
    """The step size of ``epoch`` (0-based): ``learning_rate * (1 + cos(pi * epoch / epochs)) / 2``."""
    return float(learning_rate * 0.5 * (1.0 + np.cos(np.pi * epoch / epochs)))


def flops_per_epoch(sizes: list[int], n: int) -> int:
    """Multiply-adds x 2 that one epoch of SGD cannot avoid: the forward product of every layer and the weight
    gradient of every layer, plus the backward product into every layer but the first (the input needs none)."""
    layers = list(zip(sizes[:-1], sizes[1:], strict=True))
    per_row = sum(2 * a * b for a, b in layers) + sum(a * b for a, b in layers[1:])
    return 2 * n * per_row


@dataclass
class History:
    """Per-epoch record of :func:`train`: step size, training seconds, and loss/accuracy on each evaluated set."""

    learning_rate: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)  # training only, evaluation excluded
    eval_seconds: list[float] = field(default_factory=list)  # the evaluation after each epoch
    loss: dict[str, list[float]] = field(default_factory=dict)
    accuracy: dict[str, list[float]] = field(default_factory=dict)
    diverged_at: int | None = None  # the epoch whose updates overflowed (its start was kept), or None

    @property
    def epochs(self) -> int:
        return len(self.seconds)

    @property
    def train_seconds(self) -> float:
        return float(sum(self.seconds))


class _Stepper:
    """SGD with momentum on minibatches, computing :func:`gradients` in place in buffers allocated once.

    Each layer's weights and bias live in one block ``P`` (``in + 1`` rows: the weights, then the bias), with the
    velocity ``V`` and the gradient ``G`` in blocks of the same shape, so that the momentum update of a layer is
    three whole-block operations. The network's own arrays are updated by :meth:`sync`.
    """

    def __init__(self, net: Network, batch_size: int, momentum: float, weight_decay: float):
        dt = net.dtype
        outs = [W.shape[1] for W in net.W]
        self.net = net
        self.mu = dt.type(momentum)
        self.weight_decay = weight_decay
        self.P = [np.concatenate([W, b[None, :]]).astype(dt) for W, b in zip(net.W, net.b, strict=True)]
        self.V = [np.zeros_like(P) for P in self.P]
        self.G = [np.empty_like(P) for P in self.P]
        self.x = np.empty((batch_size, net.W[0].shape[0]), dt)  # the minibatch, gathered
        self.A = [np.empty((batch_size, k), dt) for k in outs]  # each layer's output
        self.D = [np.empty((batch_size, k), dt) for k in outs[:-1]]  # deltas into the hidden layers
        self.T = [np.empty((batch_size, k), dt) for k in outs[:-1]]  # 1 - H
        self.work = np.empty((batch_size, 1), dt)
        self.ones = np.ones(batch_size, dt)
        self.classes = np.ones((outs[-1], 1), dt)
        self.true = np.arange(batch_size) * outs[-1]  # flat offsets of each row's first score

    def sync(self) -> None:
        """Copy the blocks into the network's ``W`` and ``b`` (in place)."""
        for W, b, P in zip(self.net.W, self.net.b, self.P, strict=True):
            W[...] = P[:-1]
            b[...] = P[-1]

    def step(self, X: np.ndarray, y: np.ndarray, idx: np.ndarray, eta: float) -> None:
        m, L = len(idx), len(self.P)
        dt = self.x.dtype.type
        xb = self.x[:m]
        np.take(X, idx, axis=0, out=xb, mode="clip")  # idx is a slice of a permutation: always in range
        inp = xb
        for layer, P in enumerate(self.P):
            Z = self.A[layer][:m]
            np.matmul(inp, P[:-1], out=Z)
            Z += P[-1]
            if layer < L - 1:
                logistic_inplace(Z)
            inp = Z
        delta = self.A[-1][:m]
        softmax_inplace(delta, self.work[:m], self.classes)
        flat = delta.reshape(-1)
        flat[self.true[:m] + y[idx]] -= 1
        delta *= dt(-eta / m)  # the gradients below come out multiplied by -eta: the momentum update adds them
        decay = dt(eta * self.weight_decay)
        ones = self.ones[:m]
        for layer in reversed(range(L)):
            below = xb if layer == 0 else self.A[layer - 1][:m]
            P, V, G = self.P[layer], self.V[layer], self.G[layer]
            if layer > 0:  # delta into the hidden layer below, with this layer's weights before their update
                D, T = self.D[layer - 1][:m], self.T[layer - 1][:m]
                np.matmul(delta, P[:-1].T, out=D)
                np.subtract(1, below, out=T)
                D *= below
                D *= T
            np.matmul(below.T, delta, out=G[:-1])
            np.matmul(ones, delta, out=G[-1])  # the bias: column sums of delta
            V *= self.mu
            V += G
            if decay:  # the penalty is on the weights, not the bias
                np.multiply(P[:-1], decay, out=G[:-1])
                V[:-1] -= G[:-1]
            P += V
            if layer > 0:
                delta = D


def _evaluate_sets(net: Network, sets) -> tuple[list[tuple[str, float, float]], float]:
    """:func:`evaluate` on each ``(name, (X, labels))``, and the seconds it took."""
    start = time.perf_counter()
    return [(name, *evaluate(net, Xe, ye)) for name, (Xe, ye) in sets], time.perf_counter() - start


def train(
    net: Network,
    X,
    labels,
    *,
    epochs: int,
    batch_size: int,
    learning_rate: float,
    rng: np.random.Generator,
    momentum: float = 0.9,
    weight_decay: float = 0.0,
    schedule: str = "cosine",
    evaluate_on: dict[str, tuple] | None = None,
    progress: Callable[[str], None] | None = None,
    name: str = "network",
    background: bool = True,
) -> History:
    """Minibatch SGD with momentum on ``net`` (in place; float32 recommended); return the :class:`History`.

    Each epoch visits the rows in a fresh random order from ``rng``. Per minibatch, with ``g`` the gradient of
    :func:`loss` on it: ``V <- momentum V - eta g`` and ``W <- W + V`` (the same for the biases, which carry no
    penalty). ``eta`` is ``learning_rate`` throughout (``schedule="constant"``) or decays to zero along a half cosine
    (``"cosine"``, :func:`cosine_rate`). After every epoch the loss and accuracy on each ``evaluate_on`` set
    (name -> (X, labels)) are recorded, and a line goes to ``progress``.

    With ``background`` an epoch's weights are evaluated (on a copy, in a second thread) while the next epoch trains:
    the same products of the same arrays, each on one BLAS thread, so the same numbers; only a core that would wait
    does the work. Each epoch's progress line comes once its evaluation is done.
    """
    X = np.ascontiguousarray(X, dtype=net.dtype)
    y = class_indices(labels, net.sizes[-1], n=len(X))
    if epochs < 1 or batch_size < 1 or not learning_rate > 0 or not 0 <= momentum < 1 or weight_decay < 0:
        raise ValueError(
            "train: expected epochs >= 1, batch_size >= 1, learning_rate > 0, momentum in [0, 1), weight_decay >= 0"
        )
    if schedule not in ("cosine", "constant"):
        raise ValueError(f"schedule: expected 'cosine' or 'constant', got {schedule!r}")
    n = len(X)
    batch_size = min(batch_size, n)
    stepper = _Stepper(net, batch_size, momentum, weight_decay)
    hist = History()
    sets = list((evaluate_on or {}).items())

    def record(epoch: int, evaluated) -> None:
        results, seconds = evaluated
        for set_name, lo, acc in results:
            hist.loss.setdefault(set_name, []).append(lo)
            hist.accuracy.setdefault(set_name, []).append(acc)
        hist.eval_seconds.append(seconds)
        if progress is not None:
            shown = "  ".join(f"{k} loss {hist.loss[k][-1]:.4f} acc {hist.accuracy[k][-1]:.4f}" for k in hist.loss)
            progress(f"{name}: epoch {epoch + 1}/{epochs}  {shown}  ({hist.seconds[epoch]:.2f} s)")

    with ThreadPoolExecutor(max_workers=1) as pool:
        pending, before = None, net.copy()
        for epoch in range(epochs):
            eta = cosine_rate(learning_rate, epoch, epochs) if schedule == "cosine" else float(learning_rate)
            start = time.perf_counter()
            order = rng.permutation(n)
            with np.errstate(over="ignore", invalid="ignore"):
                for s in range(0, n, batch_size):
                    stepper.step(X, y, order[s : s + batch_size], eta)
            stepper.sync()
            if not all(np.isfinite(a).all() for a in net.W + net.b):  # the step size is too large: keep the start
                for mine, kept in zip(net.W + net.b, before.W + before.b, strict=True):
                    mine[...] = kept
                hist.diverged_at = epoch + 1
            hist.seconds.append(time.perf_counter() - start)
            hist.learning_rate.append(eta)
            if pending is not None:
                record(epoch - 1, pending.result())
            before = net.copy()  # the weights to evaluate, and the next epoch's start
            pending = pool.submit(_evaluate_sets, before, sets) if background else _Done(_evaluate_sets(before, sets))
            if hist.diverged_at is not None:
                break
        record(len(hist.seconds) - 1, pending.result())
    if hist.diverged_at is not None and progress is not None:
        progress(f"{name}: the updates of epoch {hist.diverged_at} overflowed; training stopped at its start")
    return hist


@dataclass
class _Done:
    """A result already computed, with the interface of a future."""

    value: tuple

    def result(self) -> tuple:
        return self.value
