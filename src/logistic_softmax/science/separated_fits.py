"""What the report on penalties and separation computes on separable data: the hard-margin SVM, gradient descent's
run with the bounds derived in :mod:`.implicit_bias` (each with its rounding allowance), and Firth's estimate beside
the maximum-likelihood iterates that run off."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import firth as fr
from . import implicit_bias as ib
from . import svm
from .data.separable import SeparableData
from .rounding import gamma

__all__ = ["ImplicitBias", "implicit_bias", "FirthVsMle", "firth_vs_mle"]


@dataclass
class ImplicitBias:
    """Gradient descent on separable data, the max-margin vector, and the derived bounds at every recorded step."""

    data: SeparableData
    svm: svm.HardMargin
    run: ib.Descent

    @property
    def w_star_norm(self) -> float:
        return float(np.linalg.norm(self.svm.w))

    @property
    def loss_bound(self) -> np.ndarray:
        """``B_t``: the exact iterate's loss is at most this (:func:`.implicit_bias.loss_bound`)."""
        return ib.loss_bound(self.run.steps, self.w_star_norm, self.run.learning_rate, self.run.smoothness)

    # -- the loss ------------------------------------------------------------------------------------------------
    def rises(self) -> tuple[np.ndarray, np.ndarray]:
        """Between consecutive records: how much the computed loss rose (negative: fell), and the allowance (the two
        losses' rounding, and the drift the steps in between can add, times the largest gradient norm)."""
        run = self.run
        rise = np.diff(run.losses)
        allowance = (run.loss_rounding[:-1] + run.loss_rounding[1:]
                     + run.R * ib.LOG2 * np.diff(run.steps) * run.step_rounding)
        return rise, allowance

    def loss_within_bound(self) -> tuple[np.ndarray, np.ndarray]:
        """The computed losses, and ``B_t`` plus how far the computed loss can be from the exact one."""
        return self.run.losses, self.loss_bound + self.run.exact_loss_gap

    # -- every point classified correctly -------------------------------------------------------------------------
    @property
    def correct_from(self) -> int | None:
        """Index of the first record whose loss is below ``log 2 / n`` even with its rounding added (from there on
        every margin is positive), or ``None``."""
        ok = self.run.losses + self.run.loss_rounding < ib.LOG2 / self.run.n
        return int(np.argmax(ok)) if ok.any() else None

    @property
    def predicted_from(self) -> int | None:
        """Index of the first record where the rate guarantees it: ``n (B_t + gap) < log 2``, or ``None``."""
        ok = self.run.n * (self.loss_bound + self.run.exact_loss_gap) < ib.LOG2
        return int(np.argmax(ok)) if ok.any() else None

    def smallest_margin_from(self, index: int) -> float:
        """The smallest margin at any record from ``index`` on, less the margins' rounding."""
        run = self.run
        err = gamma(run.A.shape[1]) * (np.abs(run.weights[index:]) @ np.abs(run.A).T).max()
        return float(run.margins[index:].min() - err)

    # -- the norm -------------------------------------------------------------------------------------------------
    def norm_lower_rate(self) -> np.ndarray:
        """``||w*|| l^(-1)(n B_t)`` less the drift: a lower bound on the computed iterate's norm from the rate."""
        lower = ib.norm_bound(self.loss_bound, self.run.n, self.svm.norm_lower) - self.run.drift
        return np.maximum(lower, 0.0)

    def norm_lower_loss(self) -> np.ndarray:
        """``||w*|| l^(-1)(n f(w_t))`` with the computed loss plus its rounding: holds for any ``w``."""
        run = self.run
        lower = ib.norm_bound(run.losses + run.loss_rounding, run.n, self.svm.norm_lower)
        return np.maximum(lower * (1 - gamma(run.A.shape[1] + 2)), 0.0)

    def norm_slope(self) -> float:
        """The slope of ``||w_t||`` against ``log t`` over the last decade of steps (the last half of the records
        when the run is shorter): it tends to ``||w*||``."""
        steps = self.run.steps
        keep = steps >= max(steps[-1] / 10, 1)
        if keep.sum() < 3:
            keep = np.arange(steps.size) >= steps.size // 2
        keep &= steps > 0
        if keep.sum() < 2:
            return float("nan")
        return float(np.polyfit(np.log(steps[keep]), self.run.norms[keep], 1)[0])

    # -- the direction --------------------------------------------------------------------------------------------
    @property
    def cosines(self) -> np.ndarray:
        return self.run.cosines(self.svm.w)

    def margin_ratio_bound(self) -> tuple[np.ndarray, np.ndarray]:
        """Where the normalised margin is positive: the lower bound ``gamma(w_t) / gamma*`` on the cosine with
        ``w*`` (``gamma*`` at most ``1 / sqrt(2 D)``), less the rounding of the margin; and the computed cosine with
        the SVM's vector plus that vector's direction error and the cosine's rounding. The first must not exceed the
        second."""
        run = self.run
        d = run.A.shape[1]
        norms = np.where(run.norms > 0, run.norms, 1.0)
        margin_err = gamma(d) * (np.abs(run.weights) @ np.abs(run.A).T).max(axis=1) / norms
        ratio = (run.normalised_margins - margin_err - gamma(d + 2) * np.abs(run.normalised_margins))
        lower = np.where(run.normalised_margins > 0, ratio * self.svm.norm_lower, -1.0)
        upper = self.cosines + self.svm.direction_error + 2 * gamma(2 * d + 4)
        return lower, upper


def implicit_bias(data: SeparableData, *, rate: float, steps: int,
                  progress: Callable[[str], None] | None = None) -> ImplicitBias:
    """The SVM of the data's signed rows and ``steps`` steps of gradient descent at ``rate / L`` from zero."""
    A = svm.signed_rows(data.X.to_numpy(dtype=np.float64), data.y)
    hm = svm.hard_margin(A)
    run = ib.descend(A, learning_rate=rate, steps=steps, progress=progress)
    return ImplicitBias(data, hm, run)


@dataclass
class FirthVsMle:
    """Firth's fit and the maximum-likelihood Newton iterates on the same separated data."""

    firth: fr.FirthFit
    mle: fr.FirthFit  # with its path

    @property
    def names(self) -> list[str]:
        return list(self.firth.names)

    def path_frame(self) -> pd.DataFrame:
        """The maximum-likelihood iterates (one column per iteration), the last column Firth's estimate."""
        path = np.array(self.mle.path)
        shown = sorted({1, 2, 5, 10, 15, 20, 25, 50, 100, 150, 200, len(path) - 1} & set(range(1, len(path))))
        frame = pd.DataFrame({f"ML, iteration {k}": path[k] for k in shown}, index=self.names)
        frame["Firth"] = self.firth.params
        frame["Firth standard error"] = self.firth.bse
        return frame

    @property
    def path_norms(self) -> np.ndarray:
        return np.linalg.norm(np.array(self.mle.path), axis=1)

    def path_norm_lower(self, X, w_star_norm_lower: float) -> np.ndarray:
        """At every maximum-likelihood iterate, ``||w*|| l^(-1)(-l(beta_k))`` (:func:`.implicit_bias.norm_bound`
        with ``n f = -l``): as the log-likelihood rises towards its supremum 0 the coefficients must run off. The
        bound needs an upper bound on ``-l``: the computed one plus its rounding (``gamma(n + d + 4)`` times its terms'
        absolute sum, at most ``2 sum |eta| + n log 2``); the norm's own rounding is taken off."""
        X = np.asarray(X, dtype=np.float64)
        eta = np.array(self.mle.path) @ X.T
        n = X.shape[0]
        rounding = gamma(n + X.shape[1] + 4) * (2 * np.abs(eta).sum(axis=1) + np.log(2.0) * n)
        minus_ll = -np.asarray(self.mle.logliks) + rounding
        lower = ib.norm_bound(minus_ll / n, n, w_star_norm_lower)
        return lower * (1 - gamma(X.shape[1] + 2))

    def intercept_identity(self, y) -> tuple[float, float, float, float]:
        """:func:`.firth.intercept_identity` at Firth's estimate."""
        return fr.intercept_identity(self.firth, y)

    def hat_trace(self) -> tuple[float, int, float]:
        """:func:`.firth.hat_trace` at Firth's estimate."""
        return fr.hat_trace(self.firth)


def firth_vs_mle(data: SeparableData, *, iterations: int) -> FirthVsMle:
    """Firth's estimate on the data, and ``iterations`` Newton iterations of the plain likelihood from zero."""
    X = data.X.to_numpy(dtype=np.float64)
    names = list(data.X.columns)
    firth = fr.fit(X, data.y, names=names)
    mle = fr.fit(X, data.y, names=names, firth=False, max_iterations=iterations, keep_path=True)
    return FirthVsMle(firth, mle)

