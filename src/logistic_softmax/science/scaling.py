"""Standardised predictors: ``(x - mean) / sd`` for training, and the map of trained weights back to the original
units."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Scaling"]


@dataclass(frozen=True)
class Scaling:
    """Standardisation of the predictors (every column but the leading constant): ``(x - mean) / sd``.

    A linear predictor is the same function of ``x`` before and after: with standardised weights ``v`` the
    original-unit weights are ``beta = A v``, where ``A`` has ``1, -mean/sd`` in its first row and ``1/sd`` on the
    rest of the diagonal (:meth:`to_original`); :meth:`to_standard` is the inverse.
    """

    mean: np.ndarray  # length d - 1
    sd: np.ndarray  # length d - 1, all > 0

    @classmethod
    def fit(cls, X) -> Scaling:
        """Means and (population) standard deviations of the columns after the constant of ``X`` (n x d)."""
        A = np.asarray(X, dtype=np.float64)
        if A.ndim != 2 or A.shape[1] < 1 or not np.all(A[:, 0] == 1.0):
            raise ValueError("X: expected an n x d design whose first column is the constant 1")
        mean, sd = A[:, 1:].mean(axis=0), A[:, 1:].std(axis=0)
        if np.any(sd <= 0):
            raise ValueError(f"X: columns {list(np.flatnonzero(sd <= 0) + 1)} are constant and cannot be standardised")
        return cls(mean, sd)

    def transform(self, X) -> np.ndarray:
        A = np.asarray(X, dtype=np.float64)
        return np.column_stack([np.ones(len(A)), (A[:, 1:] - self.mean) / self.sd])

    @property
    def matrix(self) -> np.ndarray:
        """``A`` (d x d): original-unit weights = ``A @`` standardised weights."""
        d = self.mean.size + 1
        A = np.zeros((d, d))
        A[0, 0] = 1.0
        A[0, 1:] = -self.mean / self.sd
        A[1:, 1:] = np.diag(1.0 / self.sd)
        return A

    def to_original(self, V) -> np.ndarray:
        """Standardised weights (a vector of length d, or d x k) in the original units of the predictors."""
        V = np.asarray(V, dtype=np.float64)
        out = np.array(V, copy=True)
        out[1:] = V[1:] / (self.sd if V.ndim == 1 else self.sd[:, None])
        out[0] = V[0] - self.mean @ out[1:]
        return out

    def to_standard(self, B) -> np.ndarray:
        """The inverse of :meth:`to_original`."""
        B = np.asarray(B, dtype=np.float64)
        out = np.array(B, copy=True)
        out[0] = B[0] + self.mean @ B[1:]
        out[1:] = B[1:] * (self.sd if B.ndim == 1 else self.sd[:, None])
        return out
