"""How far two computations that are equal in exact arithmetic may drift apart in floating point.

One rule runs through every report: a quantity computed by rounded operations is held to a few units of the
machine epsilon ``eps`` times *the magnitudes involved*. For a sum of ``N`` terms, whatever the order of the additions
(NumPy's pairwise sums and BLAS's blocked products included), the classical bound (Higham, *Accuracy and Stability
of Numerical Algorithms*, 2002, section 3.1) is

    |fl(sum) - sum| <= gamma(N) * sum(|terms|),    gamma(N) = N eps / (1 - N eps),

and a term that is a product of factors, each already carrying a relative error of at most ``k eps``, adds ``k`` to
``N``. The functions here give those constants; the networks' modules apply them to their own computations (the
same arithmetic done with the absolute value of every factor gives the ``sum(|terms|)``).

Two trajectories of gradient descent that take the same steps in exact arithmetic part, in floating point, by the
rounding of each step and by what the following steps make of it. :func:`propagate` adds those up: if one step maps
two points a distance ``e`` apart to points at most ``rho * e`` apart (``rho`` the step map's Lipschitz constant,
``||I - eta H||`` for gradient descent, to first order in ``e``) and rounding adds at most ``tau`` to the distance,
the distance after ``t`` steps is at most ``B_t`` with ``B_{t+1} = rho_t B_t + tau_t``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["EPS", "gamma", "LINK_ERROR", "propagate", "contraction", "cross_entropy_error"]

#: Machine epsilon of float64: the spacing of floats just above 1 (twice the unit roundoff).
EPS = float(np.finfo(np.float64).eps)

#: Absolute error of a probability computed from exact logits by the package's stable sigmoid or softmax: a
#: subtraction, an ``exp`` and a division, each correct to within one rounding, on numbers no larger than 1 (the
#: shift by the largest logit makes every exponential at most 1).
LINK_ERROR = 4 * EPS


def gamma(n: int, eps: float = EPS) -> float:
    """``n eps / (1 - n eps)``: the relative error bound of a sum of ``n`` terms (Higham's gamma_n)."""
    if n < 0:
        raise ValueError(f"n: expected a non-negative count of operations, got {n}")
    if n * eps >= 0.5:
        raise ValueError(f"n: {n} operations are too many for this precision (n eps = {n * eps:.2g})")
    return n * eps / (1 - n * eps)


def propagate(rho, tau) -> np.ndarray:
    """Distance bounds ``B_0 = 0``, ``B_{t+1} = rho_t B_t + tau_t`` for ``t = 0 .. T-1``; returns ``B_0 .. B_T``.

    ``rho`` (length ``T``) bounds how much step ``t`` can stretch the distance between two nearby points, ``tau``
    (length ``T``) the rounding one step adds. Both must be non-negative.
    """
    rho = np.asarray(rho, dtype=np.float64)
    tau = np.asarray(tau, dtype=np.float64)
    if rho.shape != tau.shape or rho.ndim != 1:
        raise ValueError(f"rho, tau: expected two 1-d arrays of one length, got shapes {rho.shape} and {tau.shape}")
    if np.any(rho < 0) or np.any(tau < 0):
        raise ValueError("rho, tau: expected non-negative bounds")
    out = np.zeros(rho.size + 1)
    with np.errstate(over="ignore"):
        for t in range(rho.size):
            out[t + 1] = rho[t] * out[t] + tau[t]
    return out


def contraction(hessian, rates) -> float:
    """The Lipschitz constant, to first order, of one gradient step ``w <- w - diag(rates) grad J(w)``.

    Its Jacobian is ``I - R H`` with ``R = diag(rates)``. In the norm ``||v||_R = ||R^(-1/2) v||`` it is the symmetric
    ``I - R^(1/2) H R^(1/2)``, whose norm is ``max |1 - mu|`` over the eigenvalues ``mu`` of ``R^(1/2) H R^(1/2)``;
    with one rate for every weight that norm is the Euclidean one divided by ``sqrt(rate)``. Distances whose bound is
    propagated with these factors are therefore measured in that norm.
    """
    H = np.asarray(hessian, dtype=np.float64)
    r = np.sqrt(np.broadcast_to(np.asarray(rates, dtype=np.float64), (H.shape[0],)))
    mu = np.linalg.eigvalsh(r[:, None] * H * r[None, :])
    return float(max(abs(1.0 - mu[0]), abs(1.0 - mu[-1])))


def cross_entropy_error(value: float, n: int, classes: int, logit_error: float, max_logit: float) -> float:
    """A bound on the rounding error of a mean cross-entropy of ``n`` rows computed from logits.

    Each logit carries an absolute error of at most ``logit_error`` (for ``A @ W`` with ``m`` terms per entry,
    ``gamma(m + 1)`` times ``|A| @ |W|``); a row's loss moves by at most twice that, because its derivative in the
    logits, ``p - e_y``, has an l1 norm of at most 2. Each row's log-sum-exp of ``classes`` terms adds
    ``gamma(classes + 4) (1 + max |z|)``, and the mean of ``n`` non-negative terms ``gamma(n + 1) |value|``.
    """
    return 2 * logit_error + gamma(classes + 4) * (1 + max_logit) + gamma(n + 1) * abs(value)
