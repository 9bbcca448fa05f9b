"""Average marginal effects of a logistic or softmax regression and their delta-method standard errors, in blocks.

statsmodels' ``get_margeff`` differentiates every observation's effects numerically and keeps all of them: about
``16 n d K P`` bytes (``n`` rows, ``d`` columns with the constant, ``K`` classes, ``P`` parameters; 7.7 GB for
200,000 x 11 x 5), and for ``MNLogit`` with a 0/1 indicator it fails (statsmodels issue #4158). Here the effects and
their Jacobian are derived in closed form and summed over blocks of rows: memory ``O(rows d p K^2)`` per block,
time ``O(n d p K^2)``. With ``B`` the d x K coefficients (the reference class's column zero), ``P_ik`` the softmax
of ``x_i'B`` and ``D_ijk = B_jk - sum_l P_il B_jl``:

* a quantity ``j`` has the mean slope ``AME_jk = mean_i P_ik D_ijk`` (``dP_ik/dx_ij = P_ik D_ijk``), and
  ``dAME_jk/dB_ql = mean_i x_iq P_ik [(1{k=l} - P_il) D_ijk - P_il D_ijl] + 1{j=q} mean_i P_ik (1{k=l} - P_il)``;
* a 0/1 indicator ``j`` has the mean discrete change ``AME_jk = mean_i P_ik(x_ij = 1) - P_ik(x_ij = 0)``, every other
  predictor as observed, and ``dAME_jk/dB_ql = mean_i x1_iq P1_ik (1{k=l} - P1_il) - x0_iq P0_ik (1{k=l} - P0_il)``
  (``x1``, ``P1``: the row with ``x_ij = 1``; ``x0``, ``P0``: with 0);
* a level of a factor with more than two levels (a formula's ``C(city)[T.Oslo]``, whose *siblings* are the other
  levels' dummies) has the mean change from the reference level to that level: in ``x1`` and ``x0`` the siblings are
  0 too, so every row is a possible observation (statsmodels' ``dummy=True`` leaves them as observed, and a row of
  Pune then counts as Oslo and Pune at once); their rows of the Jacobian are zero;
* the standard errors are ``sqrt(diag(J V J'))``, ``V`` the covariance of the non-reference coefficients.

Except for those levels, this is ``get_margeff(at="overall", method="dydx", dummy=True)``: for a binary fit, the
effects on the probability of the class counted as 1. :func:`rounding` bounds the rounding of every number, to
first order in ``eps``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .data.formulas import factor_of
from .glm import Fit
from .links import row_max
from .rounding import EPS, LINK_ERROR, gamma

__all__ = ["ROWS", "Effects", "indicator_columns", "blocks", "row_max", "softmax_rows", "design", "compute",
           "average_marginal_effects", "rounding", "summation_terms"]

#: Rows per block: keeps the largest temporary (rows x p x K x (K - 1) values) near 8 MB for 10 predictors and
#: 5 classes.
ROWS = 4096


def indicator_columns(X: pd.DataFrame) -> list[str]:
    """Predictors (not ``const``) whose values are 0 and 1 and nothing else: indicators, not quantities (one pass
    over each column, no sorting)."""
    out = []
    for name in X.columns:
        if name == "const":
            continue
        x = X[name].to_numpy()
        zero, one = x == 0, x == 1
        if zero.any() and one.any() and bool(np.all(zero | one)):
            out.append(str(name))
    return out


def blocks(n: int, rows: int = ROWS):
    """Slices of ``rows`` consecutive rows covering ``range(n)``."""
    for lo in range(0, n, rows):
        yield slice(lo, min(lo + rows, n))


def softmax_rows(Z: np.ndarray) -> np.ndarray:
    """``softmax`` along the last axis, shifted by the row maxima (:func:`row_max`); the sums as a product with
    ones."""
    E = np.exp(Z - row_max(Z)[..., None])
    return E / (E @ np.ones(Z.shape[-1]))[..., None]


def summation_terms(n: int, rows: int = ROWS) -> int:
    """Additions a term goes through in a sum of ``n`` terms taken block by block (``rows`` per block, then the
    blocks' sums one after the other): the ``N`` of ``gamma(N)`` for such sums (Higham, 2002, section 3.1)."""
    return min(n, rows) + -(-n // rows)


@dataclass(frozen=True)
class Design:
    """What the computations need of a fit: the design, the coefficients of every class, the covariance of the
    non-reference ones (statsmodels' order: class by class), and which predictors are quantities or indicators."""

    X: np.ndarray  # n x d, "const" first
    B: np.ndarray  # d x K, the reference column zero
    V: np.ndarray  # (K - 1) d x (K - 1) d
    names: list[str]  # the d columns
    classes: list[str]  # the K classes
    reference: int
    shown: list[int]  # the classes reported: all of them (MNLogit) or the positive class (binary)
    quantities: list[int]  # column indices
    indicators: list[int]
    siblings: dict[int, list[int]]  # an indicator that codes a level of a factor -> the other levels' indicators

    @property
    def others(self) -> list[int]:
        return [k for k in range(self.B.shape[1]) if k != self.reference]

    @property
    def predictors(self) -> list[int]:
        return [j for j in range(len(self.names)) if self.names[j] != "const"]


def design(fit: Fit) -> Design:
    """The :class:`Design` of a ``Logit``, ``GLM-Binomial`` or ``MNLogit`` fit (no copy of its design matrix)."""
    X = np.asarray(fit.X.to_numpy(), dtype=np.float64)
    B = fit.full_params.to_numpy()
    V = np.asarray(fit.result.cov_params(), dtype=np.float64)
    names = [str(c) for c in fit.X.columns]
    classes = list(fit.classes)
    ref = classes.index(fit.reference)
    shown = list(range(len(classes))) if fit.model == "MNLogit" else [classes.index(fit.others[0])]
    ind = set(indicator_columns(fit.X))
    quantities = [j for j, c in enumerate(names) if c != "const" and c not in ind]
    indicators = [j for j, c in enumerate(names) if c in ind]
    return Design(X, B, V, names, classes, ref, shown, quantities, indicators, siblings(names, indicators))


def siblings(names: list[str], indicators: list[int]) -> dict[int, list[int]]:
    """For each indicator that codes a level of a factor (:func:`~.data.formulas.factor_of`) whose other levels'
    dummies are indicators too: those dummies (none for a factor of two levels)."""
    by_factor: dict[str, list[int]] = {}
    for j in indicators:
        factor = factor_of(names[j])
        if factor is not None:
            by_factor.setdefault(factor, []).append(j)
    factors = {factor_of(c) for c in names} - {None}
    complete = {f: js for f, js in by_factor.items()
                if f in factors and len(js) == sum(factor_of(c) == f for c in names)}
    return {j: [s for s in js if s != j] for js in complete.values() for j in js if len(js) > 1}


def without_siblings(Xb: np.ndarray, Z: np.ndarray, B: np.ndarray, sibs: list[int]) -> np.ndarray:
    """The logits ``Z`` of the rows ``Xb`` with the dummies ``sibs`` set to 0."""
    return Z - Xb[:, sibs] @ B[sibs] if sibs else Z


@dataclass(frozen=True)
class Effects:
    """Average marginal effects (p x K), their Jacobian in the non-reference coefficients (rows predictor by
    predictor, class by class; columns class by class, predictor by predictor), their standard errors (p x K), and
    the sizes of the design the rounding bounds need (gathered in the same pass over the rows)."""

    design: Design
    effects: np.ndarray  # p x K, every class
    jacobian: np.ndarray  # p K x (K - 1) d
    se: np.ndarray  # p x K
    size: float  # max_i max_k |x_i|'|B_k|
    mean_abs: np.ndarray  # mean_i |x_iq|, d
    max_abs: np.ndarray  # max_i |x_iq|, d
    rows: int  # the block's rows

    def frame(self, values) -> pd.DataFrame:
        """``values`` (p x K) as a DataFrame of the predictors and the reported classes."""
        dsg = self.design
        table = np.asarray(values)[:, dsg.shown]
        return pd.DataFrame(table, index=[dsg.names[j] for j in dsg.predictors],
                            columns=[dsg.classes[k] for k in dsg.shown])

    @property
    def kinds(self) -> dict[str, str]:
        dsg = self.design
        def kind(j):
            if j in dsg.siblings:
                return "change from the reference level (other levels' dummies 0)"
            return "discrete change 0 → 1" if j in dsg.indicators else "slope dP/dx"

        return {dsg.names[j]: kind(j) for j in dsg.predictors}


def _continuous_block(Xb, P, B, cols, others):
    """Sums over one block for the quantities ``cols``: the effects (len(cols) x K), the Jacobian's first part
    (d x len(cols) x K x L) and the sum of ``P_ik (1{k=l} - P_il)`` (K x L)."""
    Bc = B[cols]  # J x K
    bbar = P @ Bc.T  # m x J
    D = Bc[None, :, :] - bbar[:, :, None]  # m x J x K
    eff = np.einsum("ik,ijk->jk", P, D)
    PL = P[:, others]  # m x L
    E = np.eye(B.shape[1])[:, others]  # K x L
    W = P[:, None, :, None] * ((E[None, None] - PL[:, None, None, :]) * D[..., None]
                               - PL[:, None, None, :] * D[:, :, others][:, :, None, :])
    m = len(Xb)
    jac = (Xb.T @ W.reshape(m, -1)).reshape(Xb.shape[1], len(cols), B.shape[1], len(others))
    C = np.diag(P.sum(axis=0))[:, others] - P.T @ PL
    return eff, jac, C


def _indicator_block(Xb, Z, B, j, others):
    """Sums over one block for the indicator ``j``: the discrete changes (K), the Jacobian (d x K x L) with row ``j``
    still to be replaced, and that row (K x L)."""
    x = Xb[:, j][:, None]
    P1, P0 = softmax_rows(Z + (1.0 - x) * B[j]), softmax_rows(Z - x * B[j])
    E = np.eye(B.shape[1])[:, others]
    G1 = P1[:, :, None] * (E[None] - P1[:, None, others])
    G0 = P0[:, :, None] * (E[None] - P0[:, None, others])
    m = len(Xb)
    jac = (Xb.T @ (G1 - G0).reshape(m, -1)).reshape(Xb.shape[1], B.shape[1], len(others))
    return (P1 - P0).sum(axis=0), jac, G1.sum(axis=0)


def compute(fit: Fit, *, rows: int = ROWS) -> Effects:
    """The effects, their Jacobian and standard errors of ``fit`` (see the module docstring), block by block."""
    dsg = design(fit)
    X, B, others = dsg.X, dsg.B, dsg.others
    n, d = X.shape
    K, L = B.shape[1], len(others)
    qs, ins = dsg.quantities, dsg.indicators
    eff = np.zeros((d, K))
    jac_q, C = np.zeros((d, len(qs), K, L)), np.zeros((K, L))
    jac_i, row_i = np.zeros((len(ins), d, K, L)), np.zeros((len(ins), K, L))
    size, total_abs, max_abs, absB = 0.0, np.zeros(d), np.zeros(d), np.abs(B)
    for s in blocks(n, rows):
        Xb = X[s]
        A = np.abs(Xb)
        size = max(size, float((A @ absB).max()))
        total_abs += A.sum(axis=0)
        max_abs = np.maximum(max_abs, A.max(axis=0))
        Z = Xb @ B
        P = softmax_rows(Z)
        if qs:
            e, jq, c = _continuous_block(Xb, P, B, qs, others)
            eff[qs] += e
            jac_q += jq
            C += c
        for a, j in enumerate(ins):
            e, ji, r = _indicator_block(Xb, without_siblings(Xb, Z, B, dsg.siblings.get(j, [])), B, j, others)
            eff[j] += e
            jac_i[a] += ji
            row_i[a] += r
    J = np.zeros((d, K, L, d))  # (predictor j, class k) x (class l, coefficient q)
    for b, j in enumerate(qs):
        J[j] = np.transpose(jac_q[:, b], (1, 2, 0))
        J[j, :, :, j] += C
    for a, j in enumerate(ins):
        ji = jac_i[a].copy()
        ji[j] = row_i[a]
        ji[dsg.siblings.get(j, [])] = 0.0  # 0 in both rows x1 and x0
        J[j] = np.transpose(ji, (1, 2, 0))
    J = J[dsg.predictors].reshape(len(dsg.predictors) * K, L * d) / n
    effects = eff[dsg.predictors] / n
    with np.errstate(invalid="ignore"):
        var = np.einsum("ij,jk,ik->i", J, dsg.V, J)
        se = np.sqrt(np.maximum(var, 0.0)).reshape(-1, K)
    return Effects(dsg, effects, J, se, size, total_abs / n, max_abs, rows)


def average_marginal_effects(fit: Fit, *, rows: int = ROWS) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Average marginal effects of ``fit`` and their delta-method standard errors, as ``get_margeff(at="overall",
    method="dydx", dummy=True)`` defines them: for a quantity the mean slope dP(class)/dx, for a 0/1 indicator the
    mean discrete change P(class | x = 1) - P(class | x = 0), every other predictor as observed (for a level of a
    factor of three or more levels, the other levels' dummies 0: see the module docstring).

    Returns two DataFrames, one row per predictor (the constant left out), one column per class (a binary fit: the
    class counted as 1). Memory grows like the block (``rows``), not like ``n``.
    """
    out = compute(fit, rows=rows)
    return out.frame(out.effects), out.frame(out.se)


@dataclass(frozen=True)
class Rounding:
    """First-order bounds on the rounding of :func:`compute`'s numbers (entrywise, same shapes)."""

    probability: float  # on any probability P_ik, P1_ik, P0_ik
    effects: np.ndarray  # p x K
    jacobian: np.ndarray  # p K x (K - 1) d
    terms: int  # the N of gamma(N) of a block-by-block sum over the rows


def rounding(out: Effects, *, terms: int | None = None) -> Rounding:
    """Bounds on the rounding of the effects and the Jacobian of :func:`compute` (to first order in ``eps``);
    ``terms`` replaces the ``N`` of the sums over the rows (statsmodels' means of ``n`` terms: ``n``).

    Each logit ``x_i'B_k`` (and with an indicator set to 0 or 1, two operations more, and with its ``s`` siblings set
    to 0, ``2 s`` more) is within ``gamma(d + 2 + 2 s)`` of ``|x_i|'|B_k| + |B_j|``, and a softmax passes on half
    of its largest logit error plus its own ``4 eps`` and
    the ``gamma(K)`` of its sum of ``K`` exponentials: ``u`` on every probability. With ``b_j = max_k |B_jk|``,
    ``|D_ijk| <= 2 b_j`` and ``D`` is within ``(gamma(K) + K u + 2 eps) b_j``; a slope term ``P D`` within
    ``(gamma(K + 4) + (K + 2) u) b_j``; a discrete change within ``2 u + 2 eps``. A Jacobian term
    ``P_k[(1{k=l} - P_l) D_k - P_l D_l]`` is at most ``2 b_j`` and is within ``((2K + 8) u + 2 gamma(K + 12)) b_j``
    (its derivatives in ``P`` are at most ``4 b_j``, in ``D`` at most 1, and five products add ``eps`` of at most
    ``4 b_j``); an indicator's ``P1(1 - P1) - P0(1 - P0)`` is at most ``1/2`` and within ``4 u + 6 eps``. A mean over
    ``n`` rows, block by block, adds ``gamma(N)`` times the mean of the terms' absolute values
    (:func:`summation_terms`), the division by ``n`` one rounding more.
    """
    dsg = out.design
    n, d = dsg.X.shape
    K, L = dsg.B.shape[1], len(dsg.others)
    b = np.abs(dsg.B).max(axis=1)
    extra = max((len(v) for v in dsg.siblings.values()), default=0)  # the siblings' products taken off a logit
    u = LINK_ERROR + gamma(K) + 0.5 * gamma(d + 2 + 2 * extra) * (out.size + float(b.max()))
    N = summation_terms(n, out.rows) if terms is None else terms
    g_sum = gamma(N)
    eff = np.zeros((d, K))
    jac = np.zeros((d, K, L, d))
    for j in dsg.quantities:
        eff[j] = (gamma(K + 4) + (K + 2) * u + 2 * g_sum) * b[j]
        jac[j] = out.mean_abs[None, None, :] * ((2 * K + 8) * u + 2 * gamma(K + 12) + 2 * g_sum) * b[j]
        jac[j, :, :, j] += 2 * u + 2 * EPS + g_sum
    for j in dsg.indicators:
        eff[j] = 2 * u + 2 * EPS + g_sum
        jac[j] = out.mean_abs[None, None, :] * (4 * u + 6 * EPS + g_sum / 2)
        jac[j, :, :, j] = 2 * u + 2 * EPS + g_sum / 4
    eff = eff[dsg.predictors] + EPS * np.abs(out.effects)
    jac = jac[dsg.predictors].reshape(out.jacobian.shape) + EPS * np.abs(out.jacobian)
    return Rounding(u, eff, jac, N)
