"""Reading a fitted logistic or softmax regression: odds ratios, relative-risk ratios, tests, representative cases,
the prediction table and profiles. The average marginal effects are in :mod:`.marginal_effects` (in blocks of rows,
with their standard errors), their second routes in :mod:`.marginal_routes`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from .glm import Fit
from .links import sigmoid
from .marginal_effects import indicator_columns
from .rounding import EPS, gamma

__all__ = [
    "ratio_table",
    "representative",
    "representative_cases",
    "predicted_at",
    "odds_ratio_check",
    "lr_test",
    "prediction_table",
    "profile",
    "strongest_predictor",
    "linear_predictor_band",
]


def ratio_table(fit: Fit, alpha: float = 0.05) -> pd.DataFrame:
    """Coefficients with exp(coef) and its confidence interval, one row per (class, predictor).

    For a binary fit exp(coef) is the odds ratio; for a softmax fit it is the relative-risk ratio of the class
    against the reference, P(class) / P(reference), per unit of the predictor.
    """
    ci = np.asarray(fit.result.conf_int(alpha), dtype=np.float64).reshape(len(fit.others), len(fit.X.columns), 2)
    rows = []
    for c_i, cls in enumerate(fit.others):
        for p_i, name in enumerate(fit.X.columns):
            coef = fit.params.loc[name, cls]
            rows.append(
                {
                    "class": cls,
                    "predictor": name,
                    "coef": coef,
                    "std err": fit.bse.loc[name, cls],
                    "z": fit.tvalues.loc[name, cls],
                    "p": fit.pvalues.loc[name, cls],
                    "exp(coef)": np.exp(coef),
                    "ci low": np.exp(ci[c_i, p_i, 0]),
                    "ci high": np.exp(ci[c_i, p_i, 1]),
                }
            )
    return pd.DataFrame(rows).set_index(["class", "predictor"])


def representative(fit: Fit) -> pd.DataFrame:
    """One design row that describes a possible observation: every quantity at its mean, every 0/1 indicator at its
    more common value (a mean of 0.44 for an indicator describes no one)."""
    row = fit.X.mean().to_frame().T
    for name in indicator_columns(fit.X):
        row[name] = float(fit.X[name].mean() > 0.5)
    return row


def representative_cases(fit: Fit, quantiles=(0.25, 0.5, 0.75)) -> pd.DataFrame:
    """Design rows that vary one predictor at a time from the :func:`representative` case: a 0/1 indicator at 0 and
    at 1 (not at its mean), a quantity at its ``quantiles``. Indexed by (predictor, setting)."""
    base = representative(fit)
    indicators = set(indicator_columns(fit.X))
    rows, index = [], []
    for name in fit.X.columns:
        if name == "const":
            continue
        if name in indicators:
            settings = [("0", 0.0), ("1", 1.0)]
        else:
            settings = [(f"{100 * q:g}th percentile", float(fit.X[name].quantile(q))) for q in quantiles]
        for label, value in settings:
            rows.append(base.assign(**{name: value}))
            index.append((name, label))
    frame = pd.concat(rows, ignore_index=True) if rows else base.iloc[:0]
    frame.index = pd.MultiIndex.from_tuples(index, names=["predictor", "setting"]) if index else frame.index
    return frame


def predicted_at(fit: Fit, rows: pd.DataFrame, positive: str) -> tuple[pd.Series, np.ndarray, np.ndarray]:
    """For a binary fit at design ``rows``: statsmodels' predicted probability of ``positive`` (the class its
    outcome counts as 1), the same as
    ``sigmoid(x'beta)`` computed here, and how far the two may differ. Each logit is a sum of ``d`` products,
    rounded to ``gamma_d`` times the sum of their absolute values, by each route in its own order; a probability
    moves by at most 1/4 of its logit's change, and each sigmoid adds the first report's ``8 eps (1 + |eta|)``."""
    Xr = rows[list(fit.X.columns)].to_numpy(dtype=np.float64)
    beta = fit.params.iloc[:, 0].to_numpy(dtype=np.float64)
    eta = Xr @ beta
    size = np.abs(Xr) @ np.abs(beta)
    atol = 8 * EPS * (1 + np.abs(eta)) + 0.5 * gamma(Xr.shape[1]) * size
    ours = sigmoid(eta)
    model = fit.result.model  # statsmodels' own predict: its cdf of X params (the outcome's 1 is ``positive``)
    theirs = np.asarray(model.predict(np.asarray(fit.result.params, dtype=np.float64), Xr), dtype=np.float64)
    return pd.Series(theirs, index=rows.index, name=positive), ours, atol


def odds_ratio_check(fit: Fit, positive: str, predictor: str, row: pd.DataFrame) -> tuple[float, float, float]:
    """At the case ``row``: the model's odds with ``predictor`` one unit higher over its odds, ``exp(beta)``, and the
    relative tolerance between them. Each odds ``p / (1 - p)`` comes from a probability with absolute error
    ``4 eps (1 + |eta|)``, a relative error of that over ``p (1 - p)``; ``exp(beta)`` adds ``eps (1 + |beta|)``."""
    beta = fit.params.iloc[:, 0]
    rows = (row, row.assign(**{predictor: row[predictor] + 1.0}))
    p = [float(fit.predict(r)[positive].iloc[0]) for r in rows]
    eta = [float((r.to_numpy() @ beta.to_numpy())[0]) for r in rows]
    rtol = EPS * (1 + abs(beta[predictor])) + sum(4 * EPS * (1 + abs(e)) / (q * (1 - q)) for q, e in zip(p, eta,
                                                                                                          strict=True))
    return (p[1] / (1 - p[1])) / (p[0] / (1 - p[0])), float(np.exp(beta[predictor])), rtol


def lr_test(llf_full: float, llf_reduced: float, df: int) -> dict[str, float]:
    """Likelihood-ratio test of nested models: statistic 2 (llf_full - llf_reduced), chi-squared with ``df``."""
    stat = 2.0 * (llf_full - llf_reduced)
    return {"statistic": stat, "df": int(df), "p-value": float(stats.chi2.sf(stat, df))}


def prediction_table(y: np.ndarray, p: np.ndarray, threshold: float = 0.5) -> pd.DataFrame:
    """Counts of observed 0/1 against predicted (p > threshold), as statsmodels' ``pred_table`` lays them out."""
    y = np.asarray(y).astype(int)
    pred = (np.asarray(p) > threshold).astype(int)
    table = np.zeros((2, 2), dtype=int)
    np.add.at(table, (y, pred), 1)
    return pd.DataFrame(table, index=["observed 0", "observed 1"], columns=["predicted 0", "predicted 1"])


def profile(fit: Fit, focus: str, points: int = 200) -> pd.DataFrame:
    """Rows of the design with ``focus`` on a grid over its observed range and the other predictors at the
    :func:`representative` values (quantities at their means, 0/1 indicators at their more common value)."""
    x = fit.X[focus]
    grid = np.linspace(x.min(), x.max(), points)
    rows = pd.DataFrame(np.repeat(representative(fit).to_numpy(), points, axis=0), columns=fit.X.columns)
    rows[focus] = grid
    return rows


def linear_predictor_band(fit: Fit, rows: pd.DataFrame, alpha: float = 0.05) -> pd.DataFrame:
    """For a binary fit: the log-odds x'beta at ``rows`` with its delta-method interval, and the same on the
    probability scale (the sigmoid of the interval's ends)."""
    Xr = rows[list(fit.X.columns)].to_numpy()
    beta = fit.params.iloc[:, 0].to_numpy()
    V = np.asarray(fit.result.cov_params(), dtype=np.float64)
    eta = Xr @ beta
    se = np.sqrt(np.einsum("ij,jk,ik->i", Xr, V, Xr))
    z = stats.norm.ppf(1 - alpha / 2)
    return pd.DataFrame(
        {
            "eta": eta,
            "eta low": eta - z * se,
            "eta high": eta + z * se,
            "p": sigmoid(eta),
            "p low": sigmoid(eta - z * se),
            "p high": sigmoid(eta + z * se),
        },
        index=rows.index,
    )


def strongest_predictor(fit: Fit, among: list[str] | None = None) -> str | None:
    """The predictor (of ``among``, if given: a figure follows a quantity rather than a level of a factor) with the
    largest sum of squared z-values over the classes (None if no z-value is finite)."""
    z = fit.tvalues.drop(index="const", errors="ignore")
    z2 = ((z if among is None else z.loc[[c for c in z.index if c in among]]) ** 2).sum(axis=1, min_count=1)
    z2 = z2[np.isfinite(z2)]
    return str(z2.idxmax()) if len(z2) else None
