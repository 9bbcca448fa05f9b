"""Changing ``MNLogit``'s reference class: the coefficients against a new reference are differences of the fitted
ones, with standard errors from the covariance matrix, and a refit against that reference must agree."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import glm
from .data.tables import Dataset
from .diagnosis import design_sizes
from .fit_agreement import Agreement, agreement, rebase_norm
from .rounding import EPS

__all__ = ["ReferenceChange", "reference_changes", "summary_table", "detail_table"]


@dataclass(frozen=True)
class ReferenceChange:
    """One new reference ``k``: the coefficients and SEs derived from the original fit, the refit against ``k``,
    and the tolerances of their comparison."""

    reference: str
    coef: pd.DataFrame  # beta_j - beta_k from the original fit
    se: pd.DataFrame  # sqrt(Var_j + Var_k - 2 Cov_jk) from the original fit
    refit: glm.Fit
    agreement: Agreement
    prob_atol: float  # on the predicted probabilities: half the radius times the coefficients' tolerance

    def differences(self, original_probabilities: pd.DataFrame) -> dict[str, float]:
        """The largest differences between derived and refitted coefficients and SEs, and between the refit's and
        the original fit's probabilities."""
        return {
            "new reference": self.reference,
            "max |coef diff|": float(np.abs(self.coef - self.refit.params).to_numpy().max()),
            "max |SE diff|": float(np.abs(self.se - self.refit.bse).to_numpy().max()),
            "max |prob diff|": float(np.abs(self.refit.predict() - original_probabilities).to_numpy().max()),
        }


def reference_changes(fit: glm.Fit, ds: Dataset, *, maxiter: int = 100) -> list[ReferenceChange]:
    """Every other class as the reference: derived from ``fit`` and refitted on ``ds``.

    A probability is ``softmax`` of the linear predictors, whose gradient in them has norm at most 1/2 per
    coefficient difference times ``max_i ||x_i||``; so probabilities agree within half the radius times the
    coefficients' tolerance, plus rounding.
    """
    K, r = ds.K, ds.classes.index(fit.reference)
    R = design_sizes(fit.X.to_numpy())[0]
    changes = []
    for k in ds.classes:
        if k == fit.reference:
            continue
        coef, se = glm.rebase(fit, k)
        refit = glm.fit_mnlogit(ds, k, maxiter=maxiter)
        ag = agreement(fit, refit, carry=rebase_norm(K, r, ds.classes.index(k)))
        # only the refit's numbers are kept: K - 1 models with their per-observation arrays would grow like n K^2
        changes.append(ReferenceChange(k, coef, se, refit.detached(), ag, 0.5 * R * ag.params + 8 * EPS))
    return changes


def summary_table(changes: list[ReferenceChange], original: glm.Fit) -> pd.DataFrame:
    """The largest coefficient, SE and probability difference between derived and refitted, per new reference."""
    P = original.predict()
    return pd.DataFrame([c.differences(P) for c in changes]).set_index("new reference")


def detail_table(fit: glm.Fit, refit: glm.Fit, other: str) -> pd.DataFrame:
    """Class ``other`` against ``refit``'s reference: the difference and its SE from ``fit``, beside the refit's."""
    k = refit.reference
    d = glm.coef_difference(fit, other, k)
    return pd.DataFrame({
        f"β_{other} − β_{k}": d["coef"], "SE from Var + Var − 2 Cov": d["se"],
        f"refit coef ({k} ref.)": refit.params[other], "refit SE": refit.bse[other],
    })
