"""One neuron and one softmax layer trained by gradient descent, against statsmodels' maximum-likelihood fits.

:func:`neuron_vs_logit` and :func:`layer_vs_mnlogit` fit ``Logit`` / ``MNLogit``, standardise the design, train the
network from zero, find where it should end (the estimate, or with a penalty the penalised optimum by Newton's
method) and certify how far each of the two can be from that optimum (:mod:`logistic_softmax.science.certificates`), in
the units of the comparison. :func:`shifted_layers` trains two softmax layers whose starts differ by a vector added to
every class, with the rounding allowance of their difference.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import basenet as bn
from . import certificates, glm
from . import networks as nw
from .data.tables import Dataset
from .diagnosis import Diagnosis, diagnose
from .rounding import EPS, gamma
from .scaling import Scaling

__all__ = ["Comparison", "neuron_vs_logit", "layer_vs_mnlogit", "FORUM_ROWS", "forum_rows", "neuron_optimum_or_none",
           "ShiftedLayers", "shifted_layers"]

#: The most rows the forum's networks and the other step-by-step experiments of the networks report train on. Each
#: of their thousands of steps is a pass over the rows with its rounding bounds (on the shared base, a Hessian too),
#: and what they check holds step by step on any data; the comparisons with statsmodels use every row.
FORUM_ROWS = 1000


@dataclass
class Comparison:
    """A network trained by gradient descent next to the statsmodels fit of the same model."""

    fit: glm.Fit
    diagnosis: Diagnosis
    scaling: Scaling
    X: np.ndarray  # the standardised design the network was trained on
    y: np.ndarray  # 0/1 (neuron) or class codes (layer)
    trained: nw.Trajectory
    estimate: np.ndarray  # the network's weights mapped to the fit's parameters (original units)
    statsmodels: np.ndarray  # the fit's parameters
    target: np.ndarray | None  # where the network should end: the fit's estimate, or the penalised optimum
    cert_trained: certificates.Certificate  # for the network's weights
    cert_target: certificates.Certificate | None  # for statsmodels' estimate (no penalty) or Newton's optimum
    l2: float

    @property
    def max_abs_diff(self) -> float:
        return float(np.max(np.abs(self.estimate - self.statsmodels)))

    @property
    def tolerance(self) -> float:
        """How far apart the network and the target may be: the sum of their certified distances to the optimum."""
        if self.cert_target is None:
            return float("inf")
        return self.cert_trained.bound + self.cert_target.bound

    @property
    def problem(self) -> str | None:
        """Why the comparison cannot be asserted for this run, or ``None``."""
        if self.target is None:
            return "the maximum-likelihood estimate does not exist for these data (see the diagnosis at the top)"
        if not self.trained.converged:
            return "training stopped before the gradient-norm tolerance"
        if not self.cert_trained.available:
            return f"no certificate is available for the trained network (x = {self.cert_trained.x:.3g} ≥ 1)"
        if self.cert_target is None or not self.cert_target.available:
            return "no certificate is available for the target estimate"
        return None


def neuron_vs_logit(ds: Dataset, positive: str, *, learning_rate: float, epochs: int, tolerance: float,
                    l2: float) -> Comparison:
    """``Logit`` and one sigmoid neuron trained from zero on the standardised design (penalty ``l2``)."""
    logit = glm.fit_logit(ds, positive)
    diagnosis = diagnose(logit, ds.codes)
    scaling = Scaling.fit(logit.X)
    X, y = scaling.transform(logit.X), ds.binary(positive)
    trained = nw.train_neuron(X, y, np.zeros(X.shape[1]), learning_rate=learning_rate, max_steps=epochs,
                              tolerance=tolerance, l2=l2)
    scale = float(np.linalg.norm(scaling.matrix, 2))
    beta = logit.params.iloc[:, 0].to_numpy()
    target_std, target = None, None
    if l2 > 0:
        target_std = nw.neuron_optimum(X, y, l2)[0]
    elif diagnosis.ok:
        target_std = scaling.to_standard(beta)
    if target_std is not None:
        target = scaling.to_original(target_std)
    cert_target = certificates.neuron(X, y, target_std, l2, scale=scale) if target_std is not None else None
    return Comparison(logit, diagnosis, scaling, X, y, trained, scaling.to_original(trained.final), beta, target,
                      certificates.neuron(X, y, trained.final, l2, scale=scale), cert_target, l2)


def layer_vs_mnlogit(ds: Dataset, reference: str, *, learning_rate: float, epochs: int, tolerance: float,
                     l2: float) -> Comparison:
    """``MNLogit`` (reference class ``reference``) and one softmax layer trained from zero on the standardised design.

    Compared in reference-class parameters (original units), which is all the loss determines; certified in the
    reduced coordinates of :func:`logistic_softmax.science.certificates.reduced_layer`, mapped by their exact norm.
    """
    mnl = glm.fit_mnlogit(ds, reference)
    diagnosis = diagnose(mnl, ds.codes)
    scaling = Scaling.fit(mnl.X)
    X, codes, r = scaling.transform(mnl.X), ds.codes, ds.classes.index(reference)
    trained = nw.train_layer(X, codes, np.zeros((X.shape[1], ds.K)), learning_rate=learning_rate, max_steps=epochs,
                             tolerance=tolerance, l2=l2)
    scale = certificates.layer_scale(scaling.matrix, ds.K, r, l2)
    B = mnl.params.to_numpy()
    W_target, target = None, None
    if l2 > 0:
        W_target = nw.layer_optimum(X, codes, ds.K, l2, reference=r)[0]
    elif diagnosis.ok:
        W_target = np.insert(scaling.to_standard(B), r, 0.0, axis=1)
    if W_target is not None:
        target = scaling.to_original(nw.reference_params(W_target, r))
    cert_target = certificates.layer(X, codes, W_target, r, l2, scale=scale) if W_target is not None else None
    estimate = scaling.to_original(nw.reference_params(trained.final, r))
    return Comparison(mnl, diagnosis, scaling, X, codes, trained, estimate, B, target,
                      certificates.layer(X, codes, trained.final, r, l2, scale=scale), cert_target, l2)


def forum_rows(X, y, seed: int, *, rows: int = FORUM_ROWS) -> tuple[np.ndarray, np.ndarray, str]:
    """The rows of the step-by-step experiments: all of them up to ``rows``, else ``rows`` of them drawn at random
    without replacement (a Generator seeded by ``seed`` and a constant of its own, so the report's other random draws
    do not move), in their order; with a note saying so (empty when every row is used)."""
    X, y = np.asarray(X), np.asarray(y).astype(np.int64)
    n = len(X)
    if n <= rows:
        return X, y, ""
    keep = np.sort(np.random.default_rng([seed, 7]).choice(n, size=rows, replace=False))
    return X[keep], y[keep], f"{rows:,} of the {n:,} rows, drawn at random with `seed`"


def neuron_optimum_or_none(X, y, l2: float) -> np.ndarray | None:
    """The minimiser of the neuron's loss by Newton's method, or ``None`` where it does not exist (a sample of the
    rows can be separated although all of them are not): Newton's method fails, or stops where the logistic has
    saturated and the gradient underflowed, a point no certificate reaches."""
    try:
        w = nw.neuron_optimum(X, y, l2)[0]
    except (RuntimeError, np.linalg.LinAlgError):
        return None
    return w if certificates.neuron(X, y, w, l2).available else None


@dataclass
class ShiftedLayers:
    """Two softmax layers trained in step from ``W0`` and ``W0 + c 1'``."""

    a: np.ndarray  # final weights of layer A
    b: np.ndarray  # final weights of layer B
    steps: int
    gap: np.ndarray  # final (B - A) minus what it must be: c times (1 - eta l2)^t on the weights, c on the biases
    allowance: np.ndarray  # entrywise rounding allowance of that
    probabilities: tuple[np.ndarray, np.ndarray]  # what A and B predict for every observation
    prob_allowance: float
    diverged: bool
    stable: bool  # the learning rate is at most 2 / L, where the allowance holds
    stable_rate: float  # 2 / L


def shifted_layers(X, codes, W0, shift, *, learning_rate: float, l2: float, steps: int) -> ShiftedLayers:
    """Train layers A (from ``W0``) and B (from ``W0 + shift 1'``) by gradient descent for ``steps`` steps.

    In exact arithmetic they see the same probabilities, so the data parts of their gradients are equal and the
    penalty parts differ by ``l2`` times their difference: ``B - A`` is ``shift`` times ``(1 - eta l2)^t`` on the
    weights and ``shift`` on the bias. A departure ``E`` from that evolves as ``E <- (I - eta (H + l2 P)) E`` plus the
    step's rounding, with ``H`` the data Hessian between the two (between 0 and ``L`` of
    :func:`networks.smoothness`); at a stable learning rate (``eta <= 2 / (L + l2)``) the factor's norm is at most 1,
    so the roundings (the two gradients' bounds, the updates) add up in the Euclidean norm. Above that rate the
    allowance does not hold and ``stable`` is False.
    """
    X = np.asarray(X, dtype=np.float64)
    codes = np.asarray(codes)
    A, B = np.array(W0, dtype=np.float64), np.array(W0, dtype=np.float64) + np.asarray(shift)[:, None]
    c = np.full(A.shape[0], 1.0 - learning_rate * l2)
    c[0] = 1.0
    limit = 2.0 / nw.smoothness(X, kind="layer", l2=l2)
    bound, diverged, t = 0.0, False, 0
    with np.errstate(over="ignore", invalid="ignore"):
        while t < steps:
            t += 1
            _, (gA,), (eA,) = bn.gradient_and_error(bn.Net("softmax", (A,)), X, codes, l2)
            _, (gB,), (eB,) = bn.gradient_and_error(bn.Net("softmax", (B,)), X, codes, l2)
            A_next, B_next = A - learning_rate * gA, B - learning_rate * gB
            moved = np.abs(A) + np.abs(B) + learning_rate * (np.abs(gA) + np.abs(gB))
            bound += float(np.linalg.norm(learning_rate * (eA + eB) + 2 * EPS * moved))
            A, B = A_next, B_next
            if not (np.isfinite(A).all() and np.isfinite(B).all()):
                diverged = True
                break
    expected = (c**t * np.asarray(shift, dtype=np.float64))[:, None] * np.ones(A.shape[1])
    gap = (B - A) - expected
    allowance = bound + EPS * np.abs(B - A) + 2 * EPS * np.abs(expected)
    PA, PB = nw.layer_forward(X, A), nw.layer_forward(X, B)
    absX = np.abs(X)
    # B's logits exceed A's by x'shift in every class, up to x'E_k in class k (|x'E_k| <= ||x|| ||E||): the softmax
    # passes at most that on, plus the rounding of the two logit computations and of the two softmaxes
    logit_err = gamma(X.shape[1]) * (absX @ (np.abs(A) + np.abs(B))).max(axis=1)
    prob_allow = float(np.max(np.linalg.norm(X, axis=1) * bound + 0.5 * logit_err)) + 8 * EPS
    return ShiftedLayers(A, B, t, gap, allowance, (PA, PB), prob_allow, diverged, learning_rate <= limit, limit)
