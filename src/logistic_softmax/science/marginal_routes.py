"""Second routes to the average marginal effects of :mod:`.marginal_effects` and to their standard errors, each with
the tolerance of its comparison, all in blocks of rows:

* a **slope** by central differences of the mean predicted probability as the predictor moves by ``+-h`` for every
  observation at once; its truncation error is ``h^2/6`` times a bound on the third derivative (along a logit
  direction ``b`` of range ``r``, ``|P_k'''| = P_k |u^3 + 3 u u' + u''| <= (1 + 3/4 + 1/(6 sqrt 3)) r^3``, with
  ``u = b_k - E_P b``, ``u' = -Var_P b``, ``u''`` minus the third central moment), its rounding that of the
  probabilities over ``h``; ``h`` is the power of two below the step that minimises the sum;
* a **discrete change** from the model's predictions with the indicator set to 1 and to 0 in every row;
* the **Jacobian** of the effects by complex-step differentiation, as statsmodels computes it
  (``Im f(theta + i h e) / h``), the slopes written as ``B_jk s_k - sum_m B_jm G_mk`` with the sums ``s`` and the
  Gram matrix ``G`` of the probabilities. Along one coefficient the effects are analytic in a disc of radius
  ``rho = pi / (4 max(1, max_i |x_iq|))`` (there every logit's imaginary part is below ``pi/4``, so the softmax's
  denominator keeps ``cos(pi/4)`` of its size and each probability stays below ``sqrt 2`` in modulus), where they are
  at most ``M`` (``sqrt 2 (1 + sqrt 2)(b_j + rho)`` for a slope, ``2 sqrt 2`` for a discrete change). Cauchy's
  estimates then bound the step's truncation by ``(M / rho)(h / rho)^2 / (1 - h / rho)``;
* statsmodels' ``get_margeff`` itself, when its Jacobian of every observation fits in :data:`STATSMODELS_BUDGET`
  bytes (``16 n d K P``: ``P`` complex-step columns of ``n x d K`` values, kept, then stacked into one array) and
  statsmodels can compute it: for ``MNLogit`` with a 0/1 indicator, 0.15 repeats the probabilities by the number of
  classes where it needs the number of columns, and fails unless the two are equal (issue #4158).

Standard errors computed from two Jacobians differ by at most the ``V``-norm of the difference of their rows
(``|sqrt(a'Va) - sqrt(b'Vb)| <= sqrt((a - b)'V(a - b))``), so by ``sqrt(lambda_max(V))`` times the Euclidean norm of
the two Jacobians' error bounds, plus the rounding of the two quadratic forms.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .glm import Fit
from .marginal_effects import Effects, blocks, rounding, row_max, softmax_rows, without_siblings
from .rounding import EPS, LINK_ERROR, gamma

__all__ = ["STATSMODELS_BUDGET", "THIRD", "Comparison", "central_differences", "predictions", "complex_step",
           "se_tolerance", "statsmodels_bytes", "statsmodels_route", "statsmodels_bounds", "comparisons"]

#: Bytes statsmodels' get_margeff may take for its per-observation Jacobian before it is left out of the checks.
STATSMODELS_BUDGET = 64 * 2**20

#: ``|d^3 P_k / dt^3| <= THIRD r^3`` along a logit direction of range ``r`` (see the module docstring).
THIRD = 1.0 + 0.75 + 1.0 / (6.0 * math.sqrt(3.0))


@dataclass(frozen=True)
class Comparison:
    """One claim: the package's numbers against a second route's, within ``atol`` (entrywise)."""

    label: str
    actual: pd.DataFrame
    expected: pd.DataFrame
    atol: np.ndarray


def central_differences(out: Effects) -> tuple[np.ndarray, np.ndarray]:
    """The slopes of the quantities by central differences of the mean predicted probability, and their error
    bounds (p x K, zero where a predictor is an indicator)."""
    dsg = out.design
    X, B, qs = dsg.X, dsg.B, dsg.quantities
    n, d = X.shape
    K = B.shape[1]
    terms = rounding(out).terms
    values, bound = np.zeros((d, K)), np.zeros((d, K))
    if not qs:
        return values[dsg.predictors], bound[dsg.predictors]
    r, b = np.ptp(B[qs], axis=1), np.abs(B[qs]).max(axis=1)
    u = LINK_ERROR + gamma(K) + 0.5 * gamma(d + 3) * (out.size + b)  # a probability at logits x'B +- h B_j (h <= 1)
    with np.errstate(divide="ignore"):
        best = np.cbrt(3 * u / (THIRD * r**3))
    h = np.where(r > 0, 2.0 ** np.floor(np.log2(np.minimum(best, 1.0))), 1.0)
    step = (h[:, None] * B[qs])[:, None, :]  # J x 1 x K: the logits' move as x_j moves by h
    total = np.zeros((len(qs), K))
    for s in blocks(n, out.rows):
        Z = (X[s] @ B)[None]
        total += (softmax_rows(Z + step) - softmax_rows(Z - step)).sum(axis=1)
    values[qs] = total / (2 * h[:, None] * n)
    bound[qs] = (h**2 / 6 * THIRD * r**3 + u / h + (EPS + gamma(terms)) * r)[:, None] + EPS * np.abs(values[qs])
    return values[dsg.predictors], bound[dsg.predictors]


def predictions(out: Effects) -> tuple[np.ndarray, np.ndarray]:
    """The discrete changes of the indicators from predictions with the indicator set to 1 and to 0 in every row
    (a copy of one block at a time), and their error bounds (p x K, zero where a predictor is a quantity)."""
    dsg = out.design
    X, B = dsg.X, dsg.B
    n, d = X.shape
    K = B.shape[1]
    u = LINK_ERROR + gamma(K) + 0.5 * gamma(d) * (out.size + float(np.abs(B).max()))
    terms = rounding(out).terms
    values, bound = np.zeros((d, K)), np.zeros((d, K))
    for j in dsg.indicators:
        total = np.zeros(K)
        for s in blocks(n, out.rows):
            Xb = np.array(X[s])
            Xb[:, dsg.siblings.get(j, [])] = 0.0  # a level against the reference: the other levels' dummies 0
            Xb[:, j] = 1.0
            P1 = softmax_rows(Xb @ B)
            Xb[:, j] = 0.0
            total += (P1 - softmax_rows(Xb @ B)).sum(axis=0)
        values[j] = total / n
        bound[j] = 2 * u + 2 * EPS + gamma(terms) + EPS * np.abs(values[j])
    return values[dsg.predictors], bound[dsg.predictors]


def _sums(Z, cls, theta, gram: bool):
    """Over the rows of one block, with the logits ``Z + i theta_q e_cls`` for every row ``q`` of ``theta`` (d x m):
    the column sums ``s_qk = sum_i P_ik`` of the softmax and, if ``gram``, ``G_qkm = sum_i P_ik P_im`` (complex).

    With ``E = exp(Z - max)`` (real; the shift is real, so the function stays analytic) only column ``cls`` carries
    the phase ``e^(i theta)``, and ``P_ik = E_ik phase^[k = cls] / S_i``: the sums are products of ``1 / S`` (times
    the phase once or twice) with ``E`` and with ``E_k E_m``, without the d x m x K probabilities."""
    m, K = Z.shape
    E = np.exp(Z - row_max(Z)[:, None])
    phase = np.exp(1j * theta)  # d x m
    inv = 1.0 / ((E @ np.ones(K) - E[:, cls])[None, :] + E[:, cls][None, :] * phase)
    s = inv @ E
    s[:, cls] = (inv * phase) @ E[:, cls]
    if not gram:
        return s, None
    EE = (E[:, :, None] * E[:, None, :]).reshape(m, K * K)
    inv2 = inv * inv
    A = [inv2 @ EE, (inv2 * phase) @ EE, (inv2 * phase * phase) @ EE]  # phase^0, ^1, ^2
    at = np.arange(K) == cls
    times = (at[:, None].astype(int) + at[None, :]).ravel()  # how many of k, m are cls
    G = np.choose(times[None, :], A)
    return s, G.reshape(len(theta), K, K)


def _cs_block(Xb, Z, B, qs, ins, cls, h, sibs):
    """Imaginary parts of the sums over one block with ``B[q, cls]`` moved by ``i h_q``, for every ``q`` at once
    (axis 0): the slopes' (d x len(qs) x K), as ``B_jk s_k - sum_m B_jm G_mk`` (:func:`_sums`), and the discrete
    changes' (d x len(ins) x K), each with its indicator's ``sibs`` (other levels' dummies) set to 0."""
    d, K = B.shape
    theta = h[:, None] * Xb.T  # the imaginary part of logit cls, row q: h_q x_iq
    Bc = np.repeat(B[None].astype(np.complex128), d, axis=0)  # d x d x K
    Bc[np.arange(d), np.arange(d), cls] += 1j * h
    slopes = np.zeros((d, len(qs), K))
    if qs:
        s, G = _sums(Z, cls, theta, gram=True)
        Bq = Bc[:, qs, :]
        slopes = (Bq * s[:, None, :] - np.matmul(Bq, G)).imag
    changes = np.zeros((d, len(ins), K))
    for a, j in enumerate(ins):
        x, off = Xb[:, j], sibs.get(j, [])
        one, zero = theta.copy(), theta.copy()
        one[j], zero[j] = h[j], 0.0  # x1_ij = 1, x0_ij = 0
        one[off], zero[off] = 0.0, 0.0  # and the siblings 0 in both
        Zs = without_siblings(Xb, Z, B, off)
        s1, _ = _sums(Zs + (1.0 - x)[:, None] * B[j], cls, one, gram=False)
        s0, _ = _sums(Zs - x[:, None] * B[j], cls, zero, gram=False)
        changes[:, a] = (s1 - s0).imag
    return slopes, changes


def _cauchy(out: Effects, h: np.ndarray, rho: np.ndarray) -> np.ndarray:
    """The complex step's truncation bound (module docstring) for steps ``h`` and radii ``rho`` per coefficient
    (class by class, predictor by predictor), on every effect: p K x (K - 1) d."""
    dsg = out.design
    b = np.abs(dsg.B).max(axis=1)
    K = dsg.B.shape[1]
    ind = np.isin(dsg.predictors, dsg.indicators)
    M = np.where(ind[:, None], 2 * math.sqrt(2), math.sqrt(2) * (1 + math.sqrt(2)) * (b[dsg.predictors][:, None] + rho))
    ratio = h / rho
    return np.repeat(M / rho * ratio**2 / (1 - ratio), K, axis=0)


def complex_step(out: Effects) -> tuple[np.ndarray, np.ndarray]:
    """The Jacobian of the effects by complex-step differentiation (``h = 1e-20 rho`` per coefficient), block by
    block, and its error bound: the truncation bound of the module docstring plus four times the rounding bound of
    the closed form (each complex operation rounds its imaginary part at most three times where a real one rounds
    once, and Smith's division adds one more)."""
    dsg = out.design
    X, B = dsg.X, dsg.B
    n, d = X.shape
    K, others = B.shape[1], dsg.others
    qs, ins = dsg.quantities, dsg.indicators
    rho = math.pi / (4 * np.maximum(1.0, out.max_abs))
    h = 1e-20 * rho
    J = np.zeros((d, K, len(others), d))
    for a, cls in enumerate(others):
        for s in blocks(n, out.rows):
            Xb = X[s]
            slopes, changes = _cs_block(Xb, Xb @ B, B, qs, ins, cls, h, dsg.siblings)
            J[qs, :, a, :] += np.transpose(slopes, (1, 2, 0)) / h
            J[ins, :, a, :] += np.transpose(changes, (1, 2, 0)) / h
    J = J[dsg.predictors].reshape(out.jacobian.shape) / n
    trunc = _cauchy(out, np.tile(h, len(others)), np.tile(rho, len(others)))
    return J, trunc + 4 * rounding(out).jacobian + EPS * np.abs(J)


def se_tolerance(out: Effects, bound_a: np.ndarray, J_b: np.ndarray, bound_b: np.ndarray) -> np.ndarray:
    """Tolerance on the standard errors from ``out``'s Jacobian (error bound ``bound_a``) against those from another
    Jacobian ``J_b`` (``bound_b``), p x K: see the module docstring. A quadratic form ``a = j'Vj`` of ``2P`` products
    per term is within ``delta = gamma(2P + 1) |j|'|V||j|``, and its root within ``min(sqrt(delta), delta /
    sqrt(a))`` (``|sqrt(a') - sqrt(a)| = |a' - a| / (sqrt(a') + sqrt(a))``)."""
    V = out.design.V
    top = float(np.linalg.eigvalsh((V + V.T) / 2).max())
    absV, g = np.abs(V), gamma(2 * V.shape[0] + 1)
    roots = []
    for A in (out.jacobian, J_b):
        delta = g * np.einsum("ij,jk,ik->i", np.abs(A), absV, np.abs(A))
        var = np.maximum(np.einsum("ij,jk,ik->i", A, V, A), 0.0)
        with np.errstate(divide="ignore"):
            roots.append(np.minimum(np.sqrt(delta), np.where(var > 0, delta / np.sqrt(var), np.inf)))
    tol = math.sqrt(max(top, 0.0)) * np.linalg.norm(bound_a + bound_b, axis=1) + roots[0] + roots[1]
    return tol.reshape(out.se.shape)


def statsmodels_bytes(fit: Fit) -> int:
    """Bytes of statsmodels' per-observation Jacobian in ``get_margeff``: ``16 n d K P`` (``K`` 1 for a binary
    fit; ``P`` the number of coefficients; two copies of 8-byte values)."""
    n, d = fit.X.shape
    P = int(np.asarray(fit.result.params).size)
    return 16 * n * d * (len(fit.classes) if fit.model == "MNLogit" else 1) * P


def statsmodels_route(fit: Fit, out: Effects) -> tuple[pd.DataFrame, pd.DataFrame] | str:
    """statsmodels' ``get_margeff(at="overall", method="dydx", dummy=True)`` as two frames like ``out``'s, or why it
    is not used."""
    need = statsmodels_bytes(fit)
    if need > STATSMODELS_BUDGET:
        return (f"statsmodels' get_margeff would hold {need / 2**20:,.0f} MiB of per-observation derivatives "
                f"(16 n d K P bytes), above {STATSMODELS_BUDGET / 2**20:.0f} MiB")
    try:
        me = fit.result.get_margeff(at="overall", method="dydx", dummy=True)
    except ValueError as exc:  # MNLogit with an indicator, unless the classes are as many as the columns
        return f"statsmodels' get_margeff fails for MNLogit with a 0/1 indicator here (issue #4158): {exc}"
    dsg = out.design
    if fit.model == "MNLogit":
        order = [dsg.reference] + dsg.others  # statsmodels' columns: its reference (code 0) first
        eff, se = np.zeros((len(dsg.predictors), len(dsg.classes))), np.zeros((len(dsg.predictors), len(dsg.classes)))
        eff[:, order], se[:, order] = me.margeff, me.margeff_se
    else:
        eff, se = np.zeros_like(out.effects), np.zeros_like(out.se)
        eff[:, dsg.shown[0]], se[:, dsg.shown[0]] = me.margeff, me.margeff_se
    return out.frame(eff), out.frame(se)


def statsmodels_bounds(fit: Fit, out: Effects) -> tuple[np.ndarray, np.ndarray]:
    """Bounds on the differences between ``out`` and statsmodels' get_margeff (p x K each): the rounding of both
    (statsmodels' means of ``n`` terms within ``gamma(n)``) and the truncation of statsmodels' complex step, whose
    step is ``eps max(|theta|, 0.1)`` (``statsmodels.tools.numdiff``)."""
    dsg = out.design
    n = dsg.X.shape[0]
    ours, theirs = rounding(out), rounding(out, terms=n)
    theta = np.asarray(fit.result.params, dtype=np.float64).ravel(order="F")
    rho = np.tile(math.pi / (4 * np.maximum(1.0, out.max_abs)), len(dsg.others))
    trunc = _cauchy(out, EPS * np.maximum(np.abs(theta), 0.1), rho)
    se = se_tolerance(out, ours.jacobian, out.jacobian, trunc + 4 * theirs.jacobian)
    return ours.effects + theirs.effects, se


def comparisons(fit: Fit, out: Effects) -> tuple[list[Comparison], list[tuple[str, str]]]:
    """The claims a report checks about ``out`` (the effects and standard errors of ``fit``) against the second
    routes, and the ones it skips, with the reason (coefficients or standard errors that are not finite, statsmodels
    when it would not fit in memory or does not support the case)."""
    dsg, claims, skipped = out.design, [], []
    if not np.isfinite(dsg.B).all():
        return [], [("average marginal effects = second routes", "the coefficients are not finite (see the diagnosis "
                     "at the top)")]
    ours, eff_err = out.frame(out.effects), rounding(out).effects
    if dsg.quantities:
        v, e = central_differences(out)
        rows = [dsg.predictors.index(j) for j in dsg.quantities]
        claims.append(Comparison("slopes = central differences of the mean predicted probability", ours.iloc[rows],
                                 out.frame(v).iloc[rows], (eff_err + e)[rows][:, dsg.shown]))
    if dsg.indicators:
        v, e = predictions(out)
        rows = [dsg.predictors.index(j) for j in dsg.indicators]
        claims.append(Comparison("discrete changes = mean of P(x = 1) − P(x = 0) predicted for every row",
                                 ours.iloc[rows], out.frame(v).iloc[rows], (eff_err + e)[rows][:, dsg.shown]))
    if not (np.isfinite(dsg.V).all() and np.isfinite(out.se).all()):
        skipped.append(("standard errors of the average marginal effects = second routes", "the covariance of the "
                        "coefficients is not finite (see the diagnosis at the top)"))
        return claims, skipped
    J, bound = complex_step(out)
    se_cs = np.sqrt(np.maximum(np.einsum("ij,jk,ik->i", J, dsg.V, J), 0.0)).reshape(out.se.shape)
    claims.append(Comparison("standard errors = those of the Jacobian by complex-step differentiation",
                             out.frame(out.se), out.frame(se_cs),
                             se_tolerance(out, rounding(out).jacobian, J, bound)[:, dsg.shown]))
    route = statsmodels_route(fit, out)
    if not isinstance(route, str) and not all(np.isfinite(np.asarray(r, dtype=np.float64)).all() for r in route):
        route = ("statsmodels' get_margeff gives values that are not finite here (its probabilities overflow at "
                 "coefficients as large as these, where the optimiser stopped; see the diagnosis at the top)")
    if isinstance(route, str):
        skipped.append(("average marginal effects and standard errors = statsmodels' get_margeff", route))
    else:
        eff_tol, se_tol = statsmodels_bounds(fit, out)
        rows = [i for i, j in enumerate(dsg.predictors) if j not in dsg.siblings]
        if len(rows) < len(dsg.predictors):
            skipped.append(("the changes from a factor's reference level = statsmodels' get_margeff(dummy=True)",
                            "statsmodels sets one level's dummy to 1 and leaves the other levels' dummies as observed "
                            "(a row of another level then counts as two levels at once); here they are set to 0"))
        if rows:
            claims.append(Comparison("effects = statsmodels' get_margeff(dummy=True)", ours.iloc[rows],
                                     route[0].iloc[rows], eff_tol[rows][:, dsg.shown]))
            claims.append(Comparison("standard errors = statsmodels' get_margeff(dummy=True)",
                                     out.frame(out.se).iloc[rows], route[1].iloc[rows], se_tol[rows][:, dsg.shown]))
    return claims, skipped
