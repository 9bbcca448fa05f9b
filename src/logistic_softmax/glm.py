"""Logistic and softmax regression fitted as statsmodels GLMs, with any reference class and honest diagnostics.

statsmodels' ``MNLogit`` always takes the first sorted category as its reference and labels its columns 0, 1, ...
(statsmodels issues #837 and #4549). :func:`fit_mnlogit` lets any class be the reference and labels every table
with the class names. :func:`coef_difference` gives beta_j - beta_k with its standard error from the covariance matrix,
which is what a refit with k as the reference returns.

Fitting problems are detected, not hidden: aliased (linearly dependent) predictors are found before fitting and
left out, separation is found with a linear programme (statsmodels' ``MNLogit`` has no check of its own and may
return NaN parameters marked converged), and non-convergence or a Hessian that cannot be inverted are reported.
Warnings raised while fitting are captured and listed in the report, not silenced.
"""

from __future__ import annotations

import html
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy import optimize, stats

from .datasets import Dataset
from .links import sigmoid, softmax

__all__ = [
    "aliased_columns",
    "Separation",
    "find_separation",
    "Fit",
    "fit_logit",
    "fit_glm_binomial",
    "logit_standard_errors",
    "fit_mnlogit",
    "coef_difference",
    "rebase",
    "Diagnosis",
    "diagnose",
    "null_loglik",
]


# -- design problems -------------------------------------------------------------------------------------------
def aliased_columns(X: pd.DataFrame, rtol: float = 1e-10) -> list[str]:
    """Columns of ``X`` that are linear combinations of the columns before them (a constant predictor, a sum...).

    Columns are scaled to unit maximum first, so the test does not depend on their units. One QR factorisation
    gives every column's distance to the span of the columns before it (``|R_jj|``); a column is aliased when
    that distance is below ``rtol * sqrt(n)`` times the largest singular value (at least 1).
    """
    A = X.to_numpy(dtype=np.float64)
    if A.shape[1] == 0:
        return []
    scale = np.abs(A).max(axis=0)
    A = A / np.where(scale > 0, scale, 1.0)
    R = np.linalg.qr(A, mode="r")
    size = max(float(np.linalg.norm(R, 2)), 1.0) if R.size else 1.0
    residual = np.zeros(A.shape[1])
    residual[: min(R.shape)] = np.abs(np.diag(R))  # columns beyond the row count are always dependent
    limit = rtol * size * np.sqrt(A.shape[0])
    return [str(name) for name, r in zip(X.columns, residual, strict=True) if r <= limit]


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


# -- fits ------------------------------------------------------------------------------------------------------
@dataclass
class Fit:
    """A fitted statsmodels model with class labels, the reference class, and what happened while fitting."""

    model: str  # "Logit", "GLM-Binomial" or "MNLogit"
    result: object  # the statsmodels results object
    X: pd.DataFrame  # the design actually used (aliased columns left out)
    classes: tuple[str, ...]  # every class, in the data's sorted order
    reference: str  # the class whose coefficients are fixed at zero
    aliased: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def others(self) -> list[str]:
        """The non-reference classes, in the order of their columns."""
        return [c for c in self.classes if c != self.reference]

    def _frame(self, values) -> pd.DataFrame:
        arr = np.asarray(values, dtype=np.float64).reshape(len(self.X.columns), -1)
        return pd.DataFrame(arr, index=list(self.X.columns), columns=self.others)

    @property
    def params(self) -> pd.DataFrame:
        """Coefficients: one row per predictor, one column per non-reference class."""
        return self._frame(self.result.params)

    @property
    def bse(self) -> pd.DataFrame:
        return self._frame(self.result.bse)

    @property
    def tvalues(self) -> pd.DataFrame:
        return self._frame(self.result.tvalues)

    @property
    def pvalues(self) -> pd.DataFrame:
        return self._frame(self.result.pvalues)

    @property
    def cov(self) -> pd.DataFrame:
        """Covariance of the coefficients, indexed by (class, predictor)."""
        idx = pd.MultiIndex.from_product([self.others, list(self.X.columns)], names=["class", "predictor"])
        return pd.DataFrame(np.asarray(self.result.cov_params(), dtype=np.float64), index=idx, columns=idx)

    @property
    def full_params(self) -> pd.DataFrame:
        """Coefficients of every class, the reference's column being zero."""
        full = pd.DataFrame(0.0, index=list(self.X.columns), columns=list(self.classes))
        full[self.others] = self.params
        return full

    @property
    def llf(self) -> float:
        return float(self.result.llf)

    @property
    def converged(self) -> bool:
        """Converged in fact: the optimiser says so, and the parameters and log-likelihood are finite."""
        retvals = getattr(self.result, "mle_retvals", None)
        said = retvals["converged"] if retvals is not None else getattr(self.result, "converged", False)
        return bool(said) and bool(np.isfinite(np.asarray(self.result.params)).all()) and np.isfinite(self.llf)

    def predict(self, X: pd.DataFrame | None = None) -> pd.DataFrame:
        """Predicted probability of every class (columns in the data's class order)."""
        X = self.X if X is None else X[list(self.X.columns)]
        eta = X.to_numpy() @ self.full_params.to_numpy()
        return pd.DataFrame(softmax(eta, axis=1), columns=list(self.classes), index=X.index)


class _Recorder(warnings.catch_warnings):
    """Capture the warnings raised while fitting (to be listed in the report), without silencing any."""

    def __init__(self):
        super().__init__(record=True)

    def __enter__(self):
        self.log = super().__enter__()
        warnings.simplefilter("always")
        return self

    def messages(self) -> list[str]:
        seen: dict[str, int] = {}
        for w in self.log:
            text = f"{w.category.__name__}: {str(w.message).strip().splitlines()[0]}"
            seen[text] = seen.get(text, 0) + 1
        return [t if n == 1 else f"{t} (×{n})" for t, n in seen.items()]


def _design(ds: Dataset) -> tuple[pd.DataFrame, list[str]]:
    aliased = aliased_columns(ds.X)
    return ds.X.drop(columns=aliased), aliased


def _fit_binary(kind: str, ds: Dataset, positive: str, maxiter: int) -> Fit:
    import statsmodels.api as sm

    X, aliased = _design(ds)
    y = ds.binary(positive)
    negative = next(c for c in ds.classes if c != positive)
    with _Recorder() as rec:
        if kind == "Logit":
            result = sm.Logit(y, X).fit(method="newton", maxiter=maxiter, disp=0)
        else:
            result = sm.GLM(y, X, family=sm.families.Binomial()).fit(maxiter=maxiter)
    return Fit(kind, result, X, (negative, positive), negative, aliased, rec.messages())


def fit_logit(ds: Dataset, positive: str, *, maxiter: int = 100) -> Fit:
    """statsmodels ``Logit`` of ``outcome == positive`` on the predictors (Newton's method)."""
    return _fit_binary("Logit", ds, positive, maxiter)


def fit_glm_binomial(ds: Dataset, positive: str, *, maxiter: int = 100) -> Fit:
    """statsmodels ``GLM(family=Binomial())`` (logit link, IRLS) on the same data as :func:`fit_logit`."""
    return _fit_binary("GLM-Binomial", ds, positive, maxiter)


def logit_standard_errors(X: pd.DataFrame, beta) -> np.ndarray:
    """Standard errors of a logistic regression at coefficients ``beta``: sqrt(diag((X' W X)^-1)), W = p(1 - p)."""
    A = X.to_numpy(dtype=np.float64)
    p = sigmoid(A @ np.asarray(beta, dtype=np.float64))
    return np.sqrt(np.diag(np.linalg.inv(A.T @ (A * (p * (1 - p))[:, None]))))


def fit_mnlogit(ds: Dataset, reference: str | None = None, *, maxiter: int = 100) -> Fit:
    """statsmodels ``MNLogit`` with ``reference`` (default: the first class) as the reference category.

    statsmodels takes the lowest code as the reference, so the outcome is recoded with the reference first and the
    other classes in their usual order; the results are labelled with the class names.
    """
    import statsmodels.api as sm

    reference = str(reference) if reference not in (None, "") else ds.classes[0]
    if reference not in ds.classes:
        raise ValueError(f"reference {reference!r} is not one of the classes {ds.classes}")
    order = [reference] + [c for c in ds.classes if c != reference]
    recode = np.array([order.index(c) for c in ds.classes])
    X, aliased = _design(ds)
    with _Recorder() as rec:
        result = sm.MNLogit(recode[ds.codes], X).fit(method="newton", maxiter=maxiter, disp=0)
    return Fit("MNLogit", result, X, ds.classes, reference, aliased, rec.messages())


# -- the coefficient-difference relation -----------------------------------------------------------------------
def coef_difference(fit: Fit, j: str, k: str) -> pd.DataFrame:
    """beta_j - beta_k for every predictor, with its standard error sqrt(Var_j + Var_k - 2 Cov_jk), z and p.

    Either class may be the reference, whose coefficients are zero with no variance.
    """
    params, cov = fit.params, fit.cov
    names = list(fit.X.columns)

    def coef(c):
        return params[c].to_numpy() if c != fit.reference else np.zeros(len(names))

    def block(a, b):
        if fit.reference in (a, b):
            return np.zeros(len(names))
        return np.array([cov.loc[(a, n), (b, n)] for n in names])

    diff = coef(j) - coef(k)
    var = block(j, j) + block(k, k) - 2 * block(j, k)
    with np.errstate(invalid="ignore"):
        se = np.sqrt(var)
        z = diff / se
    return pd.DataFrame({"coef": diff, "se": se, "z": z, "p": 2 * stats.norm.sf(np.abs(z))}, index=names)


def rebase(fit: Fit, reference: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Coefficients and standard errors relative to another reference, from one fit (no refit)."""
    others = [c for c in fit.classes if c != reference]
    tables = {c: coef_difference(fit, c, reference) for c in others}
    return (
        pd.DataFrame({c: t["coef"] for c, t in tables.items()}),
        pd.DataFrame({c: t["se"] for c, t in tables.items()}),
    )


def null_loglik(codes: np.ndarray, K: int) -> float:
    """Log-likelihood of the intercept-only model, in closed form: sum_k n_k log(n_k / n)."""
    counts = np.bincount(np.asarray(codes), minlength=K).astype(np.float64)
    nz = counts[counts > 0]
    return float(np.sum(nz * np.log(nz / counts.sum())))


# -- diagnosis -------------------------------------------------------------------------------------------------
@dataclass
class Diagnosis:
    """What went wrong with a fit, if anything, in words; shown as a banner at the top of a report."""

    separation: Separation
    converged: bool
    hessian_ok: bool
    aliased: list[str]
    warnings: list[str]
    problems: list[str]

    @property
    def ok(self) -> bool:
        """True when the maximum-likelihood estimate exists and was found, with finite standard errors."""
        return not self.problems

    def summary(self) -> str:
        if self.ok and self.separation.kind == "not checked":
            return "the fit converged, every parameter and standard error is finite"
        if self.ok:
            return "no separation, the fit converged, every standard error is finite"
        return "; ".join(self.problems)

    def _repr_html_(self) -> str:
        if self.ok:
            extra = ""
            if self.aliased or self.warnings:
                extra = "<ul>" + "".join(f"<li>{html.escape(m)}</li>" for m in self._notes()) + "</ul>"
            return (
                f'<div class="diagnosis diagnosis-ok"><strong>Diagnosis: the fit is sound.</strong> '
                f"{html.escape(self.summary())}.{extra}</div>"
            )
        items = "".join(f"<li>{html.escape(m)}</li>" for m in self.problems + self._notes())
        return (
            '<div class="diagnosis diagnosis-warning"><strong>Diagnosis: this fit has a problem, and the numbers '
            "that depend on it are not estimates.</strong><ul>" + items + "</ul>"
            "Sections that need a finite maximum-likelihood estimate say so below and show what they can.</div>"
        )

    def _notes(self) -> list[str]:
        notes = list(self.separation.findings) if self.separation.kind == "not checked" else []
        if self.aliased:
            notes.append(
                f"left out as linearly dependent on the columns before them: {', '.join(self.aliased)} "
                "(their coefficients are not identified)"
            )
        notes += [f"warning while fitting: {w}" for w in self.warnings]
        return notes

    def __repr__(self) -> str:
        return "Diagnosis: " + self.summary()


#: The separation check's linear programme has one row per observation and other class; above this many rows it is
#: skipped (its matrix would need gigabytes), and a separated fit shows in the other checks instead.
MAX_MARGIN_ROWS = 200_000


def diagnose(fit: Fit, codes: np.ndarray, *, max_condition: float = 1e12) -> Diagnosis:
    """Diagnose ``fit``: separation (on the design used), convergence, and whether the Hessian can be inverted.

    The separation check is skipped when it would need more than :data:`MAX_MARGIN_ROWS` rows; the diagnosis then
    says so, and separation would still show as non-convergence or non-finite parameters or standard errors.
    """
    classes = fit.classes
    if fit.model in ("Logit", "GLM-Binomial"):  # 0 = the negative class, 1 = positive
        y = np.asarray(fit.result.model.endog).astype(int)
    else:
        order = [fit.reference] + fit.others
        y = np.array([order.index(classes[c]) for c in codes])
        classes = tuple(order)
    rows = len(y) * (len(classes) - 1)
    if rows <= MAX_MARGIN_ROWS:
        sep = find_separation(fit.X, y, classes)
    else:
        sep = Separation(
            "not checked",
            None,
            pd.Series(0, index=list(classes), name="perfectly predicted"),
            (
                f"separation was not checked by linear programming ({len(y)} observations x {len(classes) - 1} "
                f"classes = {rows} margin rows, above {MAX_MARGIN_ROWS}); a separated fit would show below as "
                "non-convergence or non-finite parameters or standard errors",
            ),
        )
    problems: list[str] = []
    if sep.found:
        problems.append(
            f"{sep.kind} separation: the maximum-likelihood estimate does not exist (some coefficients run off to "
            "infinity, and their standard errors with them)"
        )
        problems += list(sep.findings)
    converged = fit.converged
    if not converged:
        it = (getattr(fit.result, "mle_retvals", None) or {}).get("iterations", "?")
        problems.append(
            f"not converged: the optimiser stopped after {it} iterations without meeting its tolerance, or with "
            "non-finite parameters (statsmodels may still say converged=True when the parameters are NaN)"
        )
    bse = np.asarray(fit.result.bse, dtype=np.float64)
    hessian_ok = bool(np.isfinite(bse).all())
    cond = np.nan
    if hessian_ok:
        cov = np.asarray(fit.result.cov_params(), dtype=np.float64)
        eig = np.linalg.eigvalsh((cov + cov.T) / 2)
        cond = eig.max() / eig.min() if eig.min() > 0 else np.inf
        hessian_ok = bool(eig.min() > 0 and cond < max_condition)
    if not hessian_ok:
        problems.append(
            "the Hessian of the log-likelihood cannot be inverted reliably "
            + (f"(condition number {cond:.2g})" if np.isfinite(cond) else "(NaN or negative variances)")
            + ", so the standard errors, z-values and confidence intervals are not usable"
        )
    return Diagnosis(sep, converged, hessian_ok, fit.aliased, fit.warnings, problems)
