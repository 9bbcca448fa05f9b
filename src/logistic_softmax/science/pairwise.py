"""One multinomial logit against K − 1 binary logits: the same parameters, two estimators.

The coefficients of class k against the reference r in a multinomial logit, β_k, are also the coefficients of a
binary logit of "k rather than r" fitted on the rows of those two classes only: P(k | k or r, x) = σ(xᵀβ_k). So each
β_k can be estimated twice, jointly (``MNLogit`` on every row) or pairwise (``Logit`` on the rows of k and r). Both
are consistent; the joint fit uses every observation, also those of the other classes (through the
normalisation), and its estimates are the more efficient: their standard errors are smaller, increasingly so as the
other classes hold more of the data (Begg and Gray, 1984, "Calculation of polychotomous logistic regression
parameters using individualized regressions", Biometrika 71, 11-18).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import diagnosis, glm
from .data.tables import Dataset

__all__ = ["PairwiseComparison", "pairwise_vs_joint"]


def _finite(values, reduce) -> float:
    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v)]
    return float(reduce(v)) if v.size else float("nan")


@dataclass
class PairwiseComparison:
    """The joint fit's coefficients and standard errors beside those of the pairwise fits, one row per
    (class, predictor)."""

    table: pd.DataFrame
    fits: dict[str, glm.Fit]  # class -> its pairwise Logit (the class counted as 1, the reference as 0)
    diagnoses: dict[str, diagnosis.Diagnosis] = field(default_factory=dict)  # class -> its pairwise fit's diagnosis

    @property
    def max_abs_coef_diff(self) -> float:
        """The largest finite |pairwise − joint| (NaN when none is finite)."""
        return _finite(np.abs(self.table["pairwise coef"] - self.table["joint coef"]), np.max)

    @property
    def median_se_ratio(self) -> float:
        """The median of the finite ratios pairwise SE / joint SE (NaN when none is finite)."""
        return _finite(self.table["SE ratio (pairwise / joint)"], np.median)

    def record(self) -> dict[str, float]:
        return {"max_abs_coef_diff": self.max_abs_coef_diff, "median_se_ratio": self.median_se_ratio}


def pairwise_vs_joint(fit: glm.Fit, ds: Dataset, *, maxiter: int = 100) -> PairwiseComparison:
    """For every non-reference class of the ``MNLogit`` ``fit`` on ``ds``, a ``Logit`` of that class against the
    reference on their rows alone, beside the joint estimates."""
    rows, fits, diagnoses = [], {}, {}
    for k in fit.others:
        pair = ds.subset([fit.reference, k])
        fits[k] = glm.fit_logit(pair, k, maxiter=maxiter)
        pw = fits[k]
        diagnoses[k] = diagnosis.diagnose(pw, pair.codes)
        for name in fit.X.columns:
            joint_se = fit.bse.loc[name, k]
            pair_coef = pw.params.iloc[:, 0].get(name, np.nan)  # a predictor constant within the pair is left out
            pair_se = pw.bse.iloc[:, 0].get(name, np.nan)
            rows.append({"class": k, "predictor": name, "joint coef": fit.params.loc[name, k], "joint SE": joint_se,
                         "pairwise coef": pair_coef, "pairwise SE": pair_se, "rows of the pair": pair.n,
                         "SE ratio (pairwise / joint)": pair_se / joint_se})
    return PairwiseComparison(pd.DataFrame(rows).set_index(["class", "predictor"]), fits, diagnoses)
