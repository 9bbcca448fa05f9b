"""One-vs-rest: ``K`` separate logistic regressions (class ``k`` against all the others) beside one softmax regression.

Each one-vs-rest model is a sound binary logit of its own question, but nothing ties the ``K`` of them together:
their probabilities of one observation need not sum to one, and their largest need not be the softmax's largest.
Two things do hold exactly, and are measured here with tolerances derived from the fits' certified distances
(:func:`logistic_softmax.science.diagnosis.mle_certificate`):

* at the maximum-likelihood estimate of a model with a constant, the score equation of the constant says that the
  fitted probabilities of a class average to its share of the data, for every one-vs-rest model and for every class
  of the softmax regression alike; so the row sums of the one-vs-rest probabilities average to one;
* with two classes the two one-vs-rest models are one model with its labels swapped (``beta_a = -beta_b``), their
  probabilities sum to one and equal the softmax regression's.

A probability ``sigmoid(x' beta)`` moves by at most ``||x|| d / 4`` when ``beta`` moves by ``d`` (the sigmoid's slope
is at most 1/4); a softmax probability by at most ``||x|| d / 2`` (the l1 norm of its gradient in the logits is
``2 p (1 - p) <= 1/2``). A logit ``x' beta`` computed in floating point is within ``gamma(p + 1) |x|' |beta|`` of its
exact value, and the stable link functions add :data:`~logistic_softmax.science.rounding.LINK_ERROR`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import glm
from .certificates import Certificate
from .data.tables import Dataset
from .diagnosis import Diagnosis, diagnose, mle_certificate
from .links import sigmoid
from .rounding import EPS, LINK_ERROR, gamma

__all__ = [
    "against_rest",
    "OneVsRest",
    "fit",
    "logit_rounding",
    "sum_summary",
    "ClassMeans",
    "class_means",
    "compare",
    "PairCheck",
    "default_pair",
    "pair_check",
]


def against_rest(ds: Dataset, label: str) -> Dataset:
    """The data with class ``label`` coded 1 and every other class 0 (named ``"not <label>"``)."""
    k = ds.classes.index(label)
    codes = (ds.codes == k).astype(np.int64)
    return Dataset(ds.name, ds.description, ds.outcome, ds.predictors, ds.X, codes, (f"not {label}", label),
                   ds.n_dropped)


def logit_rounding(X, beta) -> np.ndarray:
    """A bound on the rounding of the logits ``X @ beta`` (any number of columns): ``gamma(p + 1) |X| @ |beta|``."""
    X, beta = np.asarray(X, dtype=np.float64), np.asarray(beta, dtype=np.float64)
    return gamma(X.shape[1] + 1) * (np.abs(X) @ np.abs(beta))


def _distance(cert: Certificate | None) -> float:
    return cert.bound if cert is not None and cert.available else math.inf


@dataclass
class OneVsRest:
    """``K`` statsmodels ``Logit`` fits, class ``k`` against the rest, with their diagnoses and certificates."""

    ds: Dataset
    fits: dict[str, glm.Fit]  # class label -> its Logit against the rest
    diagnoses: dict[str, Diagnosis]
    certificates: dict[str, Certificate | None]

    @property
    def classes(self) -> list[str]:
        return list(self.fits)

    @property
    def columns(self) -> list[str]:
        """The design's columns the fits used (predictors aliased with earlier ones left out, the same for all)."""
        return list(next(iter(self.fits.values())).X.columns)

    @property
    def coefficients(self) -> np.ndarray:
        """``p x K``: one column of coefficients per class."""
        return np.column_stack([f.params.iloc[:, 0].to_numpy() for f in self.fits.values()])

    @property
    def finite(self) -> bool:
        return bool(np.isfinite(self.coefficients).all())

    @property
    def ok(self) -> bool:
        """Every fit found its maximum-likelihood estimate (no separation, converged, finite standard errors)."""
        return all(d.ok for d in self.diagnoses.values())

    @property
    def distances(self) -> np.ndarray:
        """Each fit's certified distance to its estimate (infinite where no certificate is available)."""
        return np.array([_distance(self.certificates[c]) for c in self.classes])

    def design(self, X: pd.DataFrame | None = None) -> np.ndarray:
        return (self.ds.X if X is None else X)[self.columns].to_numpy(dtype=np.float64)

    def logits(self, X: pd.DataFrame | None = None) -> np.ndarray:
        """``n x K`` logits ``x_i' beta_k`` of the rows of ``X`` (default: the fitted data)."""
        return self.design(X) @ self.coefficients

    def probabilities(self, X: pd.DataFrame | None = None) -> np.ndarray:
        """``n x K``: each model's probability of its own class, ``sigmoid(x_i' beta_k)``."""
        return sigmoid(self.logits(X))

    def status_table(self) -> pd.DataFrame:
        """One row per class: its count, the fit's Newton iterations, its certificate and its diagnosis."""
        rows = {}
        for c, f in self.fits.items():
            cert, d = self.certificates[c], self.diagnoses[c]
            rows[c] = {
                "observations of the class": int((self.ds.codes == self.ds.classes.index(c)).sum()),
                "Newton iterations": (getattr(f.result, "mle_retvals", None) or {}).get("iterations", math.nan),
                "converged": f.converged,
                "certificate x": cert.x if cert is not None else math.nan,
                "certified distance": _distance(cert),
                "diagnosis": d.summary(),
            }
        return pd.DataFrame.from_dict(rows, orient="index").rename_axis("class against the rest")

    def problems(self) -> list[str]:
        """``"class k against the rest: <problem>"`` for every fit with a problem."""
        return [f"class {c} against the rest: {p}" for c, d in self.diagnoses.items() for p in d.problems]


def fit(ds: Dataset, *, maxiter: int = 100, progress: Callable[[str], None] | None = None) -> OneVsRest:
    """Fit ``Logit`` of every class against the rest (Newton's method, ``maxiter`` iterations at most), diagnose
    each fit and certify its distance to the estimate."""
    fits, diagnoses, certs = {}, {}, {}
    for c in ds.classes:
        if progress:
            progress(f"one-vs-rest: Logit of class {c} against the rest")
        binary = against_rest(ds, c)
        f = glm.fit_logit(binary, c, maxiter=maxiter)
        fits[c], diagnoses[c], certs[c] = f, diagnose(f, binary.codes), mle_certificate(f)
    return OneVsRest(ds, fits, diagnoses, certs)


def sum_summary(sums: dict[str, np.ndarray]) -> pd.DataFrame:
    """One row per data set: the distribution of the row sums of the one-vs-rest probabilities."""
    rows = {}
    for name, s in sums.items():
        s = np.asarray(s, dtype=np.float64)
        q = np.quantile(s, [0.0, 0.01, 0.25, 0.5, 0.75, 0.99, 1.0])
        rows[name] = {"rows": s.size, "min": q[0], "1%": q[1], "25%": q[2], "median": q[3], "75%": q[4], "99%": q[5],
                      "max": q[6], "mean": s.mean(), "share off by > 0.05": float((np.abs(s - 1) > 0.05).mean()),
                      "share off by > 0.2": float((np.abs(s - 1) > 0.2).mean())}
    return pd.DataFrame.from_dict(rows, orient="index")


@dataclass
class ClassMeans:
    """Each class's share of the data beside the mean of its fitted probabilities under one-vs-rest and under the
    softmax regression, with their tolerances; ``problem`` and ``softmax_problem`` say why a tolerance is missing."""

    classes: list[str]
    shares: np.ndarray
    ovr: np.ndarray
    ovr_tolerance: np.ndarray
    softmax: np.ndarray
    softmax_tolerance: np.ndarray
    problem: str | None  # no certificate for some one-vs-rest fit
    softmax_problem: str | None  # no certificate for the softmax regression

    def table(self) -> pd.DataFrame:
        return pd.DataFrame({"share of the data": self.shares, "mean one-vs-rest probability": self.ovr,
                             "tolerance (one-vs-rest)": self.ovr_tolerance,
                             "mean softmax probability": self.softmax,
                             "tolerance (softmax)": self.softmax_tolerance},
                            index=pd.Index(self.classes, name="class"))


def class_means(ovr: OneVsRest, softmax_fit: glm.Fit) -> ClassMeans:
    """The score equation of the constant, for every class: at each model's estimate the mean fitted probability of
    a class is its share of the data. The fitted point is within its certified distance ``d`` of the estimate, which
    moves a mean probability by at most the mean of ``||x_i|| d / 4`` (a sigmoid) or ``||x_i|| d / 2`` (a softmax),
    plus the rounding of the logits, of the link and of a mean of ``n`` numbers in ``[0, 1]``."""
    X = ovr.design()
    n, norms = X.shape[0], np.linalg.norm(X, axis=1)
    shares = np.bincount(ovr.ds.codes, minlength=ovr.ds.K) / n
    sums = gamma(n + 2) + LINK_ERROR
    B = ovr.coefficients
    with np.errstate(invalid="ignore"):  # non-finite coefficients: the tolerance is not finite either
        ovr_tol = 0.25 * (norms.mean() * ovr.distances + logit_rounding(X, B).mean(axis=0)) + sums
    Xs = softmax_fit.X.to_numpy(dtype=np.float64)
    full = softmax_fit.full_params[list(ovr.ds.classes)].to_numpy()
    d_soft = _distance(mle_certificate(softmax_fit))
    with np.errstate(invalid="ignore"):
        rounding = logit_rounding(Xs, full).max(axis=1).mean()
        soft_tol = np.full(ovr.ds.K, 0.5 * (np.linalg.norm(Xs, axis=1).mean() * d_soft + rounding) + sums)
    P = softmax_fit.predict()[list(ovr.ds.classes)].to_numpy()
    missing = [c for c, d in zip(ovr.classes, ovr.distances, strict=True) if not math.isfinite(d)]
    problem = (f"no certificate is available for the one-vs-rest fit of class {', '.join(missing)} (x ≥ 1 or "
               "non-finite coefficients), so there is no estimate known to be near it") if missing else None
    soft_problem = None if math.isfinite(d_soft) else (
        "no certificate is available for the softmax regression (x ≥ 1 or non-finite coefficients)")
    return ClassMeans(list(ovr.ds.classes), shares, ovr.probabilities().mean(axis=0), ovr_tol, P.mean(axis=0), soft_tol,
                      problem, soft_problem)


def compare(ovr: OneVsRest, softmax_fit: glm.Fit, data: Dataset | None = None) -> dict[str, float]:
    """One-vs-rest against the softmax regression on ``data`` (default: the fitted data, whose classes must be the
    fits' in the same order): how often their largest probabilities are different classes, the accuracy of each,
    and the largest difference once the one-vs-rest probabilities are divided by their row sum."""
    data = ovr.ds if data is None else data
    if list(data.classes) != ovr.classes:
        raise ValueError(f"data: expected the classes {ovr.classes}, got {list(data.classes)}")
    P, Q = ovr.probabilities(data.X), softmax_fit.predict(data.X)[ovr.classes].to_numpy()
    differ = P.argmax(axis=1) != Q.argmax(axis=1)
    return {"rows": data.n, "argmax differs": int(differ.sum()), "share differing": float(differ.mean()),
            "accuracy, one-vs-rest": float((P.argmax(axis=1) == data.codes).mean()),
            "accuracy, softmax": float((Q.argmax(axis=1) == data.codes).mean()),
            "max |normalised one-vs-rest − softmax|": float(np.max(np.abs(P / P.sum(axis=1, keepdims=True) - Q)))}


@dataclass
class PairCheck:
    """Two classes: their two one-vs-rest fits and the softmax regression (``MNLogit``, the first class the
    reference) on the observations of those classes, with the tolerances of the identities that tie them."""

    pair: list[str]
    ovr: OneVsRest
    mnlogit: glm.Fit
    mnlogit_diagnosis: Diagnosis
    mnlogit_certificate: Certificate | None

    @property
    def problem(self) -> str | None:
        """Why the identities cannot be checked within certified distances, or ``None``."""
        missing = [f"class {c} against the rest" for c, d in zip(self.pair, self.ovr.distances, strict=True)
                   if not math.isfinite(d)]
        if not math.isfinite(_distance(self.mnlogit_certificate)):
            missing.append("the two-class MNLogit")
        if missing:
            return ("no certificate is available (x ≥ 1 or non-finite coefficients) for " + " and ".join(missing)
                    + ", so there is no finite estimate to compare within a certified distance")
        return None

    @property
    def coefficient_tolerance(self) -> float:
        """``beta_a = -beta_b`` at the estimate; the two fits are within the sum of their certified distances."""
        return float(self.ovr.distances.sum())

    def sums(self) -> tuple[np.ndarray, np.ndarray]:
        """``sigmoid(z_a) + sigmoid(z_b)`` for every observation, and each one's tolerance around 1."""
        X, B = self.ovr.design(), self.ovr.coefficients
        r = logit_rounding(X, B).sum(axis=1)
        tol = 0.25 * (np.linalg.norm(X, axis=1) * self.coefficient_tolerance + r) + 2 * LINK_ERROR + 2 * EPS
        return self.ovr.probabilities().sum(axis=1), tol

    def against_mnlogit(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``MNLogit``'s probabilities of both classes, the one-vs-rest probabilities, and the tolerance of each
        entry: ``||x|| (d_MNLogit + d_k) / 4`` plus the rounding of the two logits and the two links."""
        X, B = self.ovr.design(), self.ovr.coefficients
        beta = self.mnlogit.params.iloc[:, 0].to_numpy()
        d = _distance(self.mnlogit_certificate) + self.ovr.distances
        r = logit_rounding(X, B) + logit_rounding(X, beta)[:, None]
        tol = 0.25 * (np.linalg.norm(X, axis=1)[:, None] * d[None, :] + r) + 2 * LINK_ERROR
        P = self.mnlogit.predict()[self.pair].to_numpy()
        return P, self.ovr.probabilities(), tol


def default_pair(ds: Dataset) -> list[str]:
    """The two largest classes (the first in the data's order when counts tie), in the data's order."""
    largest = ds.counts.sort_values(ascending=False, kind="stable").index[:2]
    return [c for c in ds.classes if c in largest]


def pair_check(ds: Dataset, pair: list[str] | None = None, *, maxiter: int = 100) -> PairCheck:
    """The one-vs-rest fits and the ``MNLogit`` of the observations of two classes (default :func:`default_pair`),
    in the data's order, the first the reference."""
    sub = ds.subset([str(c) for c in pair] if pair else default_pair(ds))
    mn = glm.fit_mnlogit(sub, sub.classes[0], maxiter=maxiter)
    return PairCheck(list(sub.classes), fit(sub, maxiter=maxiter), mn, diagnose(mn, sub.codes), mle_certificate(mn))
