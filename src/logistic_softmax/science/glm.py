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

import gc
import warnings
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from scipy import stats

from .data.tables import Dataset
from .links import sigmoid, softmax

__all__ = [
    "aliased_columns",
    "Fit",
    "fit_logit",
    "fit_glm_binomial",
    "logit_standard_errors",
    "fit_mnlogit",
    "coef_difference",
    "rebase",
    "null_loglik",
]


# -- design problems -------------------------------------------------------------------------------------------
def aliased_columns(X: pd.DataFrame, rtol: float = 1e-10, *, rows: int = 65536) -> list[str]:
    """Columns of ``X`` that are linear combinations of the columns before them (a constant predictor, a sum...).

    Columns are scaled to unit maximum first, so the test does not depend on their units. One QR factorisation
    gives every column's distance to the span of the columns before it (``|R_jj|``); a column is aliased when
    that distance is below ``rtol * sqrt(n)`` times the largest singular value (at least 1). ``R`` is built block by
    block (the R factor of ``[R; next rows]`` is one of all the rows so far), so no copy of ``X`` is made.
    """
    A = X.to_numpy(dtype=np.float64)
    n, d = A.shape
    if d == 0:
        return []
    scale = np.zeros(d)
    for lo in range(0, n, rows):
        scale = np.maximum(scale, np.abs(A[lo : lo + rows]).max(axis=0))
    scale = np.where(scale > 0, scale, 1.0)
    R = np.zeros((0, d))
    for lo in range(0, n, rows):
        R = np.linalg.qr(np.vstack([R, A[lo : lo + rows] / scale]), mode="r")
    size = max(float(np.linalg.norm(R, 2)), 1.0) if R.size else 1.0
    residual = np.zeros(d)
    residual[: min(R.shape)] = np.abs(np.diag(R))  # columns beyond the row count are always dependent
    limit = rtol * size * np.sqrt(n)
    return [str(name) for name, r in zip(X.columns, residual, strict=True) if r <= limit]


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
    cache: dict = field(default_factory=dict, repr=False, compare=False)  # derived once: the Hessian, a certificate

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

    def detached(self) -> Fit:
        """The same fit with only the numbers its tables read (coefficients, standard errors, z, p, covariance,
        log-likelihood, the optimiser's report): statsmodels' model and its per-observation arrays can be freed.
        Diagnoses and certificates need the model: compute them first."""
        r = self.result
        numbers = _Numbers(*(np.asarray(getattr(r, a), dtype=np.float64) for a in ("params", "bse", "tvalues",
                                                                                  "pvalues")),
                           np.asarray(r.cov_params(), dtype=np.float64), float(r.llf),
                           dict(getattr(r, "mle_retvals", None) or {"converged": getattr(r, "converged", False)}))
        return replace(self, result=numbers, cache={})

    def predict(self, X: pd.DataFrame | None = None) -> pd.DataFrame:
        """Predicted probability of every class (columns in the data's class order)."""
        X = self.X if X is None else X[list(self.X.columns)]
        eta = X.to_numpy() @ self.full_params.to_numpy()
        return pd.DataFrame(softmax(eta, axis=1), columns=list(self.classes), index=X.index)


@dataclass(frozen=True)
class _Numbers:
    """What :class:`Fit` reads from statsmodels' results, without the model (:meth:`Fit.detached`)."""

    params: np.ndarray
    bse: np.ndarray
    tvalues: np.ndarray
    pvalues: np.ndarray
    cov: np.ndarray
    llf: float
    mle_retvals: dict

    def cov_params(self) -> np.ndarray:
        return self.cov


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
    """The design without its aliased columns (the same frame, no copy, when there are none); statsmodels is told
    not to check the rank again (a QR factorisation of the whole design per fit)."""
    aliased = aliased_columns(ds.X)
    return (ds.X.drop(columns=aliased) if aliased else ds.X), aliased


def _fit_binary(kind: str, ds: Dataset, positive: str, maxiter: int) -> Fit:
    import statsmodels.api as sm

    X, aliased = _design(ds)
    y = ds.binary(positive)
    negative = next(c for c in ds.classes if c != positive)
    with _Recorder() as rec:
        if kind == "Logit":
            result = sm.Logit(y, X, check_rank=False).fit(method="newton", maxiter=maxiter, disp=0)
        else:
            result = sm.GLM(y, X, family=_binomial()).fit(maxiter=maxiter)
            gc.collect()  # the last iterations' weighted designs (see _binomial)
    return Fit(kind, result, X, (negative, positive), negative, aliased, rec.messages())


def _binomial():
    """statsmodels' ``Binomial`` family (logit link) whose IRLS weights are computed after a garbage collection.

    statsmodels' IRLS keeps each iteration's weighted regression, with its own weighted copy of the design, in a
    ``Bunch`` (a dict that is its own ``__dict__``: a reference cycle), so they are freed only by the collector, not
    when the next iteration replaces them: a million rows and ten predictors piled up a gigabyte. ``weights`` is
    called once at the start of every iteration, when the iterations before the last are unreachable.
    """
    import statsmodels.api as sm

    class CollectedBinomial(sm.families.Binomial):
        def weights(self, mu):
            gc.collect()
            return super().weights(mu)

    return CollectedBinomial()


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


def fit_mnlogit(ds: Dataset, reference: str | None = None, *, maxiter: int = 100, callback=None) -> Fit:
    """statsmodels ``MNLogit`` with ``reference`` (default: the first class) as the reference category;
    ``callback(params)`` is called after every Newton iteration.

    statsmodels takes the lowest code as the reference, so the outcome is recoded with the reference first and the
    other classes in their usual order; the results are labelled with the class names.
    """

    reference = str(reference) if reference not in (None, "") else ds.classes[0]
    if reference not in ds.classes:
        raise ValueError(f"reference {reference!r} is not one of the classes {ds.classes}")
    order = [reference] + [c for c in ds.classes if c != reference]
    recode = np.array([order.index(c) for c in ds.classes])
    X, aliased = _design(ds)
    with _Recorder() as rec:
        result = _mnlogit()(recode[ds.codes], X, check_rank=False).fit(method="newton", maxiter=maxiter, disp=0,
                                                                        callback=callback)
    return Fit("MNLogit", result, X, ds.classes, reference, aliased, rec.messages())


def _mnlogit():
    """statsmodels' ``MNLogit`` with its Hessian summed in one product per block of rows.

    statsmodels forms each of the ``(K - 1)^2`` blocks ``X' diag(w) X`` with its own weighted copy of the design.
    The same matrix is ``blockdiag_l(X' diag(p_l) X) - M'M`` with ``M = [p_1 x, ..., p_{K-1} x]`` (n x (K - 1) d),
    the coefficients class by class as statsmodels orders them; summed over blocks of 16,384 rows it is one
    product per block (about three times faster at 200,000 rows and five classes). Everything else is statsmodels'.
    """
    import statsmodels.api as sm

    class MNLogit(sm.MNLogit):
        def hessian(self, params):
            params = np.asarray(params).reshape(self.K, -1, order="F")
            X = self.exog
            d, L = params.shape
            H = np.zeros((L * d, L * d))
            for lo in range(0, len(X), 16384):
                Xb = X[lo : lo + 16384]
                P = self.cdf(Xb @ params)[:, 1:]  # n x L: the non-reference classes (statsmodels' column 0 is the base)
                M = (P[:, :, None] * Xb[:, None, :]).reshape(len(Xb), L * d)
                H += M.T @ M
                for a in range(L):
                    H[a * d : (a + 1) * d, a * d : (a + 1) * d] -= (Xb * P[:, [a]]).T @ Xb
            return H

    return MNLogit


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
