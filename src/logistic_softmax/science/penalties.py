"""L2 penalties on softmax regression, and the parametrisation each one picks.

Without a penalty the softmax layer's probabilities depend on its weights ``W`` (d x K, row 0 the biases) only
through the differences between classes, so the likelihood does not pin down ``W``: any vector added to every
class's weights leaves it unchanged. A penalty does pin it down, and which penalty decides where:

``"softmax"``
    ``(l2 / 2) sum_k ||w_k||^2`` on every class's weights (not the biases), the project's convention. Its data
    gradient sums to zero over the classes (``sum_k (P - Y)_ik = 0``), so at the optimum ``l2 sum_k w_k = 0``: the
    weights sum to zero over the classes.
``"centred"``
    reference coding (``B_k = w_k - w_r``, ``B_r = 0``, what ``MNLogit`` estimates) with
    ``(l2 / 2) sum_k ||B_k - mean_j B_j||^2``, the mean over all K classes, the reference's zero included. The
    smallest ``sum_k ||B_k + c||^2`` over shifts ``c`` is at ``c = -mean_j B_j``, so this is the softmax penalty of
    the best representative ``w_k = B_k - mean_j B_j``: the same optimum, whatever the reference.
``"ridge"``
    reference coding with ``(l2 / 2) sum_{k != r} ||B_k||^2``. Since ``sum_k ||B_k||^2 = sum_k ||B_k - mean B||^2
    + K ||mean B||^2`` and ``mean B = -w_r`` for the centred representative, ridge adds ``K ||w_r||^2``: it pulls
    the reference class's weights towards zero, so its optimum depends on the reference.

:func:`fit_reference` finds the reference-coded optima, :func:`fit_softmax` the softmax optimum (over the layer's own
weights, class 0's bias held at zero), both by damped Newton steps that stop on a self-concordance certificate
(:mod:`.certificates`): a bound on the distance to the exact optimum.
Both report their weights as the centred representative (every row, biases included, sums to zero over the classes:
the biases are not penalised, so a common shift of them is an equally good optimum and this one is chosen).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import basenet as bn
from . import certificates
from . import networks as nw
from .links import softmax
from .rounding import EPS, LINK_ERROR, gamma

__all__ = [
    "KINDS",
    "penalty_matrix",
    "penalty",
    "centred",
    "standardised",
    "PenalisedFit",
    "fit_reference",
    "fit_softmax",
    "probability_allowance",
    "softmax_hessian",
    "TwoClass",
    "two_class",
]

KINDS = ("centred", "ridge")


def penalty_matrix(K: int, kind: str) -> np.ndarray:
    """``P`` ((K-1) x (K-1)) with the penalty ``(l2/2) sum_j theta_j' P theta_j`` over the weight rows ``theta_j``
    of the K - 1 non-reference classes: ``I - 11'/K`` for the centred penalty, ``I`` for ridge."""
    if kind not in KINDS:
        raise ValueError(f"kind: expected one of {KINDS}, got {kind!r}")
    eye = np.eye(K - 1)
    return eye - np.full((K - 1, K - 1), 1.0 / K) if kind == "centred" else eye


def penalty(B, reference: int, kind: str) -> float:
    """The penalty's sum of squares (without ``l2 / 2``) of reference-coded weights ``B`` (d x K, column
    ``reference`` zero), over the weight rows (the biases, row 0, are not penalised)."""
    S = np.asarray(B, dtype=np.float64)[1:]
    if kind == "centred":
        return float(np.sum((S - S.mean(axis=1, keepdims=True)) ** 2))
    if kind == "ridge":
        return float(np.sum(np.delete(S, reference, axis=1) ** 2))
    raise ValueError(f"kind: expected one of {KINDS}, got {kind!r}")


def centred(W) -> np.ndarray:
    """The representative of ``W`` (d x K) whose every row sums to zero over the classes: the same probabilities."""
    W = np.asarray(W, dtype=np.float64)
    return W - W.mean(axis=1, keepdims=True)


def standardised(X) -> np.ndarray:
    """The design with every column after the constant centred and divided by its standard deviation (a column
    with none is only centred, to zeros: a penalised fit gives it a zero weight). The penalties act on these
    weights, as glmnet's do by default."""
    A = np.asarray(X, dtype=np.float64)
    sd = A[:, 1:].std(axis=0)
    return np.column_stack([A[:, 0], (A[:, 1:] - A[:, 1:].mean(axis=0)) / np.where(sd > 0, sd, 1.0)])


def _map_norm(apply, size: int) -> float:
    """Spectral norm of the linear map ``apply`` from R^size, built column by column."""
    cols = [apply(np.eye(size)[i]).ravel() for i in range(size)]
    return float(np.linalg.norm(np.column_stack(cols), 2))


@dataclass(frozen=True)
class PenalisedFit:
    """An optimum of a penalised softmax regression: its weights in their own coding, and how close they are."""

    kind: str  # "softmax", "centred" or "ridge"
    reference: int | None  # the reference class of a reference-coded fit
    l2: float
    coded: np.ndarray  # d x K: reference-coded (column ``reference`` zero), or the softmax layer's weights
    steps: int
    certificate: certificates.Certificate  # in the fit's free coordinates, ``scale`` to the centred weights
    converged: bool

    @property
    def W(self) -> np.ndarray:
        """The centred softmax weights (every row sums to zero over the classes)."""
        return centred(self.coded)

    @property
    def distance(self) -> float:
        """Certified bound on the Frobenius distance of :attr:`W` from the exact optimum's (infinite if none)."""
        return self.certificate.bound

    def probabilities(self, X) -> np.ndarray:
        return softmax(np.asarray(X, dtype=np.float64) @ self.W, axis=1)


def softmax_hessian(X, W) -> np.ndarray:
    """The Hessian of the unpenalised layer loss, as :func:`.networks.layer_hessian` (index ``j * K + k``), in one
    matrix product: ``(1/n) sum_i x_ij x_ik (p_ia delta_ab - p_ia p_ib)``."""
    X = np.asarray(X, dtype=np.float64)
    n, d = X.shape
    P = softmax(X @ np.asarray(W, dtype=np.float64), axis=1)
    K = P.shape[1]
    M = (X[:, :, None] * P[:, None, :]).reshape(n, d * K)
    H = -(M.T @ M)
    blocks = np.einsum("ia,ij,ik->jak", P, X, X)  # d x K x d: X' diag(p_a) X
    H4 = H.reshape(d, K, d, K)
    for a in range(K):
        H4[:, a, :, a] += blocks[:, a, :]
    return H / n


def _newton(parts, value, theta: np.ndarray, tolerance: float, max_steps: int):
    """Damped Newton's method on a strictly convex loss: ``parts(theta)`` gives the gradient, the Hessian and the
    certificate at ``theta``, ``value(theta)`` the loss. Each step is halved until the loss falls by Armijo's rule.
    Stops when the certificate bounds the distance to the optimum by ``tolerance (1 + ||theta||)``, after
    ``max_steps``, when no step lowers the loss, or when a step no longer halves the certified distance (near the
    optimum Newton's method shrinks it quadratically, so the gradient has reached its rounding); the certificate
    then says how close ``theta`` is. Returns ``(theta, steps, certificate, done)``."""
    steps, previous = 0, np.inf
    while True:
        g, H, cert = parts(theta)
        done = cert.available and cert.bound <= tolerance * (1.0 + float(np.linalg.norm(theta)))
        if done or steps == max_steps or (cert.available and cert.bound > 0.5 * previous):
            return theta, steps, cert, done
        previous = cert.bound
        try:
            delta = -np.linalg.solve(H, g.ravel()).reshape(theta.shape)
        except np.linalg.LinAlgError:
            return theta, steps, cert, done
        start, slope, t = value(theta), float(g.ravel() @ delta.ravel()), 1.0
        # Armijo's rule asks the loss to fall by 1e-4 t |slope|; once |slope| is below the rounding of the loss
        # itself (16 eps |loss|) the loss cannot tell a good step from a bad one, and the full Newton step is taken:
        # the certificate at the next point then says whether it halved the distance (else the loop stops there)
        while t > 1e-12 and -slope > 16 * EPS * abs(start):
            if value(theta + t * delta) <= start + 1e-4 * t * slope:
                break
            t /= 2
        else:
            if t <= 1e-12:  # no step lowers the loss: as close as rounding lets Newton's method come
                return theta, steps, cert, done
        theta, steps = theta + t * delta, steps + 1


def fit_reference(X, codes, K: int, reference: int, l2: float, kind: str, *, tolerance: float = 1e-10,
                  max_steps: int = 100) -> PenalisedFit:
    """The optimum of the mean cross-entropy plus ``l2 / 2`` times the ``kind`` penalty (:func:`penalty`) in
    reference coding, by :func:`_newton`.

    The certificate's ``R = sqrt(2) max ||x_i||``: the logits' differences from the reference's zero move by at
    most that much per unit of parameter change (Bach's constant for the softmax); the penalty adds curvature and
    no third derivative. Its ``scale`` is the norm of the map to the centred weights.
    """
    X, codes = np.asarray(X, dtype=np.float64), np.asarray(codes)
    d = X.shape[1]
    P = penalty_matrix(K, kind)
    R = np.sqrt(2.0) * certificates.radius(X)
    h_err = certificates.hessian_rounding(X, K)
    scale = _map_norm(lambda v: centred(np.insert(v.reshape(d, K - 1), reference, 0.0, axis=1)), d * (K - 1))
    rows = np.diag(np.r_[0.0, np.ones(d - 1)])

    def value(theta):
        B = np.insert(theta, reference, 0.0, axis=1)
        return bn.loss(bn.Net("softmax", (B,)), X, codes) + 0.5 * l2 * float(np.sum(theta[1:] * (theta[1:] @ P)))

    def parts(theta):
        B = np.insert(theta, reference, 0.0, axis=1)
        _, (G,), (E,) = bn.gradient_and_error(bn.Net("softmax", (B,)), X, codes)
        pen = np.zeros_like(theta)
        pen[1:] = l2 * theta[1:] @ P
        g = np.delete(G, reference, axis=1) + pen
        err = np.delete(E, reference, axis=1) + gamma(K + 1) * l2 * np.abs(theta) @ np.abs(P)
        H = nw.drop_reference(softmax_hessian(X, B), d, K, reference) + l2 * np.kron(rows, P)
        return g, H, certificates.certify(g, H, R, scale=scale, grad_error=err, hessian_error=h_err)

    theta, steps, cert, done = _newton(parts, value, np.zeros((d, K - 1)), tolerance, max_steps)
    return PenalisedFit(kind, reference, float(l2), np.insert(theta, reference, 0.0, axis=1), steps, cert, done)


def fit_softmax(X, codes, K: int, l2: float, *, tolerance: float = 1e-10, max_steps: int = 100) -> PenalisedFit:
    """The optimum of the softmax layer's loss with the ``l2`` penalty on every class's weights, by
    :func:`_newton` over every weight and every bias but class 0's (held at zero: the biases are not penalised),
    with the certificate of :func:`.certificates.layer`."""
    X, codes = np.asarray(X, dtype=np.float64), np.asarray(codes)
    d = X.shape[1]
    _, keep = certificates.reduced_layer(np.zeros((d, K)), 0, l2)
    flat = keep.ravel()
    decay = np.where(np.arange(d)[:, None] > 0, l2, 0.0) * np.ones((d, K))

    def full(v):
        out = np.zeros(d * K)
        out[flat] = v
        return out.reshape(d, K)

    scale = _map_norm(lambda v: centred(full(v)), int(flat.sum()))
    R = np.sqrt(2.0) * certificates.radius(X)
    h_err = certificates.hessian_rounding(X, K)

    def value(v):
        return bn.loss(bn.Net("softmax", (full(v),)), X, codes, l2)

    def parts(v):
        W = full(v)
        _, (G,), (E,) = bn.gradient_and_error(bn.Net("softmax", (W,)), X, codes, l2)
        H = (softmax_hessian(X, W) + np.diag(decay.ravel()))[np.ix_(flat, flat)]
        g = G.ravel()[flat]
        return g, H, certificates.certify(g, H, R, scale=scale, grad_error=E.ravel()[flat], hessian_error=h_err)

    v, steps, cert, done = _newton(parts, value, np.zeros(int(flat.sum())), tolerance, max_steps)
    return PenalisedFit("softmax", None, float(l2), full(v), steps, cert, done)


def _neuron(X, y, l2: float, tolerance: float = 1e-10, max_steps: int = 100):
    """The sigmoid neuron's optimum with penalty ``l2``, by :func:`_newton` with :func:`.certificates.neuron`."""

    def parts(w):
        return nw.neuron_gradient(X, y, w, l2), nw.neuron_hessian(X, w, l2), certificates.neuron(X, y, w, l2)

    return _newton(parts, lambda w: nw.neuron_loss(X, y, w, l2), np.zeros(X.shape[1]), tolerance, max_steps)


def probability_allowance(X, distance: float, W) -> float:
    """How far the probabilities of two weight matrices within ``distance`` (Frobenius) of each other can differ,
    plus their rounding: ``dp_k = p_k (dz_k - sum_j p_j dz_j)`` is at most ``p_k (1 - p_k)`` times the range of
    ``dz`` over the classes, which is at most ``sqrt(2) ||x_i|| distance``; so ``|dp| <= sqrt(2) R distance / 4``.
    Each computed probability is within half its largest logit error (``gamma(d+1) |x|'|W|``) plus the link's
    own error of the exact one."""
    X = np.asarray(X, dtype=np.float64)
    logit_err = gamma(X.shape[1] + 1) * float(np.max(np.abs(X) @ np.abs(np.asarray(W))))
    return np.sqrt(2.0) * certificates.radius(X) * distance / 4 + 2 * (0.5 * logit_err + LINK_ERROR)


@dataclass(frozen=True)
class TwoClass:
    """With K = 2: the softmax optimum with penalty ``l2`` and the logistic optimum with ``l2 / 2``."""

    W: np.ndarray  # d x 2, the softmax layer's weights (class 0's bias held at zero)
    beta: np.ndarray  # d, the logistic regression's weights
    cert_layer: certificates.Certificate  # the layer's (its ``scale``: to the centred weights)
    cert_neuron: certificates.Certificate
    sum_allowance: float  # on |w0 + w1| over the weight rows
    difference_allowance: float  # on |(w1 - w0) - beta|
    certified: bool  # both fits met their tolerance

    @property
    def weight_sum(self) -> np.ndarray:
        """``w0 + w1`` over the weight rows (zero at the exact optimum)."""
        return self.W[1:, 0] + self.W[1:, 1]

    @property
    def difference(self) -> np.ndarray:
        return self.W[:, 1] - self.W[:, 0]


def two_class(X, y, l2: float) -> TwoClass:
    """The K = 2 case: the two-unit softmax layer with penalty ``l2`` on ``(w0, w1)`` (:func:`fit_softmax`) and the
    sigmoid neuron with ``l2 / 2`` on ``beta``, each by Newton's method with its certificate. At the layer's optimum
    ``w0 + w1 = 0``, so ``w1 = -w0 = beta / 2`` and ``(l2/2)(||w0||^2 + ||w1||^2) = (l2/2)/2 ||beta||^2``.

    The allowances: the layer's certified distance ``delta`` bounds ``||W - W*||`` (in its reduced coordinates every
    weight is free), so each entry of ``w0 + w1`` and of ``w1 - w0`` is within ``sqrt(2) delta`` of its exact value
    (``|a + b| <= sqrt(2) sqrt(a^2 + b^2)``), plus the rounding of the sum; the difference is also within the
    neuron's certified distance of ``beta``.
    """
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y).astype(np.int64)
    layer = fit_softmax(X, y, 2, l2)
    beta, _, cert_neuron, done = _neuron(X, y, l2 / 2)
    rounding = EPS * float(np.max(np.abs(layer.coded)))
    spread = np.sqrt(2.0) * layer.certificate.bound / layer.certificate.scale
    return TwoClass(layer.coded, beta, layer.certificate, cert_neuron, spread + rounding,
                    spread + cert_neuron.bound + rounding, layer.converged and done)
