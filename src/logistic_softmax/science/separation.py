"""Separation in (multinomial) logistic regression: when the maximum-likelihood estimate does not exist.

The estimate fails to exist exactly when a nonzero direction of the coefficients never lowers the likelihood
(Albert and Anderson, 1984): every observation is on the right side of, or on, a hyperplane between its class and
the others. :func:`find_separation` looks for such a direction with a linear programme and names the classes and
predictors involved in words.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy import optimize

__all__ = ["Separation", "find_separation", "not_checked"]


# -- separation ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Separation:
    """The result of the separation check for an outcome coded 0..K-1."""

    kind: str  # "none", "quasi-complete", "complete", or "not checked" (too large for the linear programme)
    direction: pd.DataFrame | None  # p x K: a direction along which the likelihood never decreases (class 0 fixed)
    perfectly_predicted: pd.Series  # per class: observations whose probability tends to 1 along the direction
    findings: tuple[str, ...]  # plain sentences naming classes and predictors

    @property
    def found(self) -> bool:
        return self.kind in ("quasi-complete", "complete")


def _margin_matrix(X: np.ndarray, codes: np.ndarray, K: int) -> sp.csr_matrix:
    """Rows (i, k != y_i) of the margins x_i'(beta_{y_i} - beta_k) as a linear map of beta_1..beta_{K-1}."""
    n, p = X.shape
    rows, cols, vals = [], [], []
    r = 0
    for k in range(K):
        others = codes != k
        idx = np.flatnonzero(others)
        m = idx.size
        for block, sign in ((codes[idx], 1.0), (np.full(m, k), -1.0)):
            nz = block > 0  # class 0 has beta fixed at zero
            ii = np.repeat(np.arange(r, r + m)[nz], p)
            jj = ((block[nz] - 1)[:, None] * p + np.arange(p)[None, :]).ravel()
            rows.append(ii)
            cols.append(jj)
            vals.append(sign * X[idx[nz]].ravel())
        r += m
    return sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(r, p * (K - 1)))


def _row_index(codes: np.ndarray, K: int) -> np.ndarray:
    """For each margin row of :func:`_margin_matrix`, the observation it belongs to."""
    return np.concatenate([np.flatnonzero(codes != k) for k in range(K)])


def find_separation(X: pd.DataFrame, codes: np.ndarray, classes: tuple[str, ...], *, tol: float = 1e-7) -> Separation:
    """Find complete or quasi-complete separation of a (multinomial) logistic regression.

    The maximum-likelihood estimate fails to exist exactly when a nonzero direction B (one coefficient vector per
    class, class 0 fixed at zero) gives every observation margins x_i'(beta_{y_i} - beta_k) >= 0 for every other
    class k (Albert and Anderson, 1984): moving along B never lowers the likelihood, so the fit runs off to
    infinity. A linear programme maximises the sum of the margins with B in a box; a positive optimum is such a
    direction. Separation is complete when every margin can be made positive at once (a second programme).
    A plain one-predictor screen then names the classes and predictors in words.
    """
    codes = np.asarray(codes)
    K = len(classes)
    names = list(X.columns)
    A = X.to_numpy(dtype=np.float64)
    scale = np.abs(A).max(axis=0)
    scale[scale == 0] = 1.0
    A = A / scale
    p = A.shape[1]
    M = _margin_matrix(A, codes, K)
    nv = p * (K - 1)
    res = optimize.linprog(
        -np.asarray(M.sum(axis=0)).ravel(), A_ub=-M, b_ub=np.zeros(M.shape[0]), bounds=[(-1, 1)] * nv, method="highs"
    )
    empty = pd.Series(0, index=list(classes), name="perfectly predicted")
    if res.status != 0:  # pragma: no cover - the box makes the programme feasible (B = 0) and bounded
        return Separation("none", None, empty, (f"the separation check could not be solved: {res.message}",))
    b = res.x
    margins = M @ b
    if margins.max() <= tol * 100 or margins.min() < -tol * 10:
        return Separation("none", None, empty, ())
    # complete separation: maximise t with every margin >= t
    c = np.zeros(nv + 1)
    c[-1] = -1.0
    A2 = sp.hstack([-M, sp.csr_matrix(np.ones((M.shape[0], 1)))]).tocsr()
    res2 = optimize.linprog(c, A_ub=A2, b_ub=np.zeros(M.shape[0]), bounds=[(-1, 1)] * nv + [(None, 1)], method="highs")
    complete = res2.status == 0 and -res2.fun > tol * 100
    if complete:  # the direction that makes every margin positive shows every observation perfectly predicted
        b = res2.x[:-1]
        margins = M @ b
    B = np.zeros((p, K))
    B[:, 1:] = (b / np.repeat(scale[None, :], K - 1, axis=0).ravel()).reshape(K - 1, p).T
    direction = pd.DataFrame(B, index=names, columns=list(classes))
    obs = _row_index(codes, K)
    min_margin = np.full(codes.size, np.inf)
    np.minimum.at(min_margin, obs, margins)
    perfect = min_margin > tol * 100
    pp = pd.Series(np.bincount(codes[perfect], minlength=K), index=list(classes), name="perfectly predicted")
    findings = list(_screen(X, codes, classes))
    if not findings:
        involved = [n for n in names if n != "const" and np.abs(direction.loc[n]).max() * scale[names.index(n)] > 1e-6]
        findings.append(
            "no single predictor separates a class on its own; the separating direction combines "
            + (", ".join(involved) if involved else "the constant")
        )
    for cls, count in pp.items():
        if count:
            n_cls = int((codes == classes.index(cls)).sum())
            findings.append(
                f"at least {count} of the {n_cls} observations of class '{cls}' are perfectly predicted "
                "(their fitted probability tends to 1)"
            )
    return Separation("complete" if complete else "quasi-complete", direction, pp, tuple(findings))


def _screen(X: pd.DataFrame, codes: np.ndarray, classes: tuple[str, ...]):
    """Sentences for each class that one predictor separates from all the others (with two classes: class 1)."""
    for k, cls in enumerate(classes):
        if len(classes) == 2 and k == 0:
            continue
        inside = codes == k
        for name in X.columns:
            if name == "const":
                continue
            x = X[name].to_numpy()
            a, b = x[inside], x[~inside]
            if a.min() > b.max() or a.max() < b.min():
                side = ">" if a.min() > b.max() else "<"
                cut = b.max() if side == ">" else b.min()
                yield (
                    f"class '{cls}' is completely separated by {name}: every one of its observations has "
                    f"{name} {side} {cut:g}, and no observation of another class does"
                )
            elif a.min() == b.max() or a.max() == b.min():
                side = "≥" if a.min() == b.max() else "≤"
                cut = a.min() if side == "≥" else a.max()
                yield (
                    f"class '{cls}' is quasi-completely separated by {name}: its observations all have "
                    f"{name} {side} {cut:g}, every other observation is on the other side, with ties at {cut:g}"
                )


def not_checked(classes, reason: str) -> Separation:
    """A :class:`Separation` that says the linear programme was not run, and why."""
    return Separation("not checked", None, pd.Series(0, index=list(classes), name="perfectly predicted"), (reason,))
