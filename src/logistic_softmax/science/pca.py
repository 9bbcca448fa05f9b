"""Principal components from the d x d covariance matrix, never a full SVD of the n x d data.

For MNIST (n = 60 000, d = 784) the covariance is accumulated in float64 over blocks of rows, so memory stays at a
block plus d x d, and its eigendecomposition gives the components. The covariance's eigenvalues above rounding
give the rank of the centred data (:meth:`PCA.rank`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["PCA"]

_BLOCK = 8192


def _blocks(n: int, size: int = _BLOCK):
    for start in range(0, n, size):
        yield slice(start, min(start + size, n))


def _centred(X: np.ndarray, mean: np.ndarray):
    """``(rows, X[rows] - mean)`` in float64 for each block of rows, into one buffer reused by every block (the value
    of ``X[rows].astype(np.float64) - mean``, without a new array and its page faults per block)."""
    buf = np.empty((min(_BLOCK, len(X)), len(mean)))
    for b in _blocks(len(X)):
        yield b, np.subtract(X[b], mean, out=buf[: b.stop - b.start])


@dataclass(frozen=True)
class PCA:
    """Principal components of the rows of a data matrix.

    ``components`` is d x k with orthonormal columns in decreasing order of variance (each column's largest entry
    in absolute value made positive, so a refit gives the same signs); ``variances`` are all d eigenvalues of the
    covariance (divisor n), largest first.
    """

    mean: np.ndarray  # d
    components: np.ndarray  # d x k
    variances: np.ndarray  # d, decreasing
    n: int
    null_space: np.ndarray  # d x (d - rank): orthonormal directions along which the data do not vary

    @classmethod
    def fit(cls, X, k: int) -> PCA:
        """Fit ``k`` components to ``X`` (n x d, any float dtype) via the eigendecomposition of its covariance."""
        X = np.asarray(X)
        if X.ndim != 2 or len(X) < 2:
            raise ValueError(f"X: expected an n x d matrix with n >= 2, got shape {X.shape}")
        n, d = X.shape
        if not 1 <= k <= d:
            raise ValueError(f"k: expected a number of components in [1, {d}], got {k}")
        mean = np.zeros(d)
        for b in _blocks(n):
            mean += X[b].sum(axis=0, dtype=np.float64)
        mean /= n
        cov = np.zeros((d, d))
        for _, C in _centred(X, mean):
            cov += C.T @ C
        cov /= n
        variances, vectors = np.linalg.eigh(cov)
        order = np.argsort(variances)[::-1]
        variances, vectors = np.clip(variances[order], 0.0, None), vectors[:, order]
        rank = _rank(variances)
        top = vectors[:, :k]
        signs = np.sign(top[np.abs(top).argmax(axis=0), np.arange(k)])
        return cls(mean, top * signs, variances, n, vectors[:, rank:])

    @property
    def k(self) -> int:
        return self.components.shape[1]

    @property
    def explained(self) -> np.ndarray:
        """Share of the total variance explained by each of the ``k`` components."""
        total = self.variances.sum()
        return self.variances[: self.k] / total if total > 0 else np.zeros(self.k)

    def transform(self, X) -> np.ndarray:
        """Scores (n x k, float64): the centred rows of ``X`` projected on the components."""
        X = np.asarray(X)
        out = np.empty((len(X), self.k))
        for b, C in _centred(X, self.mean):
            np.matmul(C, self.components, out=out[b])
        return out

    def reconstruct(self, scores) -> np.ndarray:
        """Rows in the original space from their scores (the inverse of :meth:`transform` on the span)."""
        return np.asarray(scores, dtype=np.float64) @ self.components.T + self.mean

    def null_extent(self, X) -> float:
        """The largest ``|value|`` of the centred rows of ``X`` along the directions in which the fitted data do not
        vary (0 when there are none): about rounding for the fitted data themselves."""
        if not self.null_space.size:
            return 0.0
        X = np.asarray(X)
        return max(float(np.abs(C @ self.null_space).max()) for _, C in _centred(X, self.mean))

    def rank(self) -> int:
        """Rank of the centred data: the number of covariance eigenvalues above rounding (see :func:`_rank`)."""
        return _rank(self.variances)


def _rank(variances: np.ndarray) -> int:
    """``eigh`` computes the eigenvalues of a d x d covariance to about ``d * eps * largest``, so those below that
    cut-off are zero: their eigenvectors are linear combinations of the columns that are constant in the data."""
    cut = variances.max() * variances.size * np.finfo(np.float64).eps
    return int((variances > cut).sum())
