"""The linear models of the MNIST report on principal components: a digit pair's ``Logit`` against a two-class
softmax layer, and ``MNLogit`` on all ten digits. Each returns a small record for the notebook to show and check.

Principal components beyond the rank of the centred images have no variance: their scores are rounding noise, and a
design holding them is singular. Both functions keep at most as many components as that rank, and say so.

``MNLogit`` is fitted by statsmodels' Newton's method from a warm start (:func:`mnlogit_start`): Newton steps on the
same loss with a cheaper Hessian (:func:`mnlogit_hessian`: the symmetric blocks once each, in float32 while the steps
are long), after which statsmodels confirms the optimum in one iteration instead of taking eleven from zero.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from scipy.linalg import cho_factor, cho_solve

from . import certificates, glm
from . import networks as nw
from .data.mnist import Split, scores_dataset
from .data.tables import Dataset
from .diagnosis import Diagnosis, diagnose
from .links import log_softmax
from .pca import PCA
from .scaling import Scaling

__all__ = ["PairFit", "pair_logit", "MnlogitFit", "mnlogit_on_components", "start_mnlogit", "mnlogit_loss",
           "mnlogit_hessian", "mnlogit_start"]

_ROWS = 1024  # rows per block of the Hessian's products


@dataclass
class PairFit:
    """Two digits on their first principal components: ``Logit`` and a two-class softmax trained by Newton steps."""

    digits: tuple[int, int]
    requested: int  # components asked for
    pca: PCA  # of the pair's training images, with the components kept
    train: Dataset
    test: Dataset
    logit: glm.Fit
    diagnosis: Diagnosis
    scaling: Scaling
    net: nw.Trajectory  # the two-class softmax on the standardised scores
    W: np.ndarray  # its two units' weights in the units of the scores
    cert_net: certificates.Certificate  # for the net's w1 - w0, in the units of the scores
    cert_logit: certificates.Certificate | None  # for statsmodels' estimate
    seconds: dict[str, float]

    @property
    def beta(self) -> np.ndarray:
        return self.logit.params.iloc[:, 0].to_numpy()

    @property
    def difference(self) -> np.ndarray:
        return nw.logistic_from_softmax(self.W)

    @property
    def max_abs_diff(self) -> float:
        return float(np.max(np.abs(self.difference - self.beta)))

    @property
    def tolerance(self) -> float:
        return self.cert_net.bound + (self.cert_logit.bound if self.cert_logit else np.inf)

    @property
    def problem(self) -> str | None:
        if not self.diagnosis.ok:
            return "the Logit fit has a problem (see the diagnosis at the top), so there is no finite estimate to meet"
        if not self.net.converged:
            return f"the two-class softmax stopped after {self.net.steps:,} Newton steps, before reaching its tolerance"
        if not self.cert_net.available or self.cert_logit is None or not self.cert_logit.available:
            return "no certificate is available (x ≥ 1) for the network or for the Logit estimate"
        return None


def _components(X, k: int) -> tuple[PCA, int]:
    pca = PCA.fit(X, k)
    used = max(1, min(k, pca.rank()))
    return (PCA.fit(X, used) if used < k else pca), used


def pair_logit(train: Split, test: Split, digits, k: int, *, tolerance: float, max_steps: int,
               progress: Callable[[str], None] | None = None) -> PairFit:
    """``Logit`` of digit ``digits[1]`` against ``digits[0]`` on the pair's first ``k`` components (at most their rank),
    and a two-class softmax trained on the same standardised scores by :func:`networks.train_layer_newton`."""
    a, b = (int(d) for d in digits)
    in_pair, in_pair_t = np.isin(train.labels, (a, b)), np.isin(test.labels, (a, b))
    pca, _ = _components(train.images[in_pair], k)
    ds = scores_dataset(pca.transform(train.images[in_pair]), train.labels[in_pair], [a, b])
    dt = scores_dataset(pca.transform(test.images[in_pair_t]), test.labels[in_pair_t], [a, b])
    seconds = {}
    t0 = time.perf_counter()
    logit = glm.fit_logit(ds, str(b))
    seconds["logit_pair"] = time.perf_counter() - t0
    diagnosis = diagnose(logit, ds.codes)
    scaling = Scaling.fit(logit.X)
    Z = scaling.transform(logit.X)
    t0 = time.perf_counter()
    tick = (lambda line: progress(f"two-class softmax, Newton {line}")) if progress else None
    net = nw.train_layer_newton(Z, ds.codes, np.zeros((Z.shape[1], 2)), tolerance=tolerance, max_steps=max_steps,
                                progress=tick)
    seconds["softmax_pair"] = time.perf_counter() - t0
    scale = float(np.linalg.norm(scaling.matrix, 2))
    cert_net = certificates.neuron(Z, ds.codes, nw.logistic_from_softmax(net.final), scale=scale)
    beta = logit.params.iloc[:, 0].to_numpy()
    cert_logit = None
    if np.isfinite(beta).all():
        cert_logit = certificates.neuron(Z, ds.codes, scaling.to_standard(beta), scale=scale)
    return PairFit((a, b), k, pca, ds, dt, logit, diagnosis, scaling, net, scaling.to_original(net.final), cert_net,
                   cert_logit, seconds)


@dataclass
class MnlogitFit:
    """``MNLogit`` on the first principal components of all ten digits."""

    requested: int
    pca: PCA
    train: Dataset
    test: Dataset
    fit: glm.Fit
    diagnosis: Diagnosis
    seconds: float

    @property
    def test_accuracy(self) -> float:
        P = self.fit.predict(self.test.X)
        predicted = np.array([int(c) for c in P.columns])[P.to_numpy().argmax(axis=1)]
        truth = np.array([int(c) for c in self.test.classes])[self.test.codes]
        return float((predicted == truth).mean())


def mnlogit_on_components(train: Split, test: Split, k: int, *,
                          progress: Callable[[str], None] | None = None) -> MnlogitFit:
    """``MNLogit`` (digit 0 the reference) on the first ``k`` principal components (at most their rank) of all the
    training images, from :func:`mnlogit_start`, with a progress line after every Newton step."""
    return start_mnlogit(train, test, k, progress=progress)()


def start_mnlogit(train: Split, test: Split, k: int, *,
                  progress: Callable[[str], None] | None = None) -> Callable[[], MnlogitFit]:
    """:func:`mnlogit_on_components` begun in a second thread: the components, the scores and the warm start (NumPy
    only, one BLAS thread, the same numbers) are computed there while the caller goes on. The function returned
    waits for them and fits statsmodels' ``MNLogit`` in the caller's thread, which captures the fit's warnings."""
    pool = ThreadPoolExecutor(max_workers=1)
    prepared = pool.submit(_prepare_mnlogit, train, test, k, progress)
    pool.shutdown(wait=False)  # the thread ends with its one task
    return lambda: _finish_mnlogit(k, train, test, *prepared.result(), progress)


def _prepare_mnlogit(train: Split, test: Split, k: int, progress):
    """The components, the scores of both splits, the warm start on the design ``[1, scores]`` and its seconds."""
    pca, _ = _components(train.images, k)
    scores, scores_t = pca.transform(train.images), pca.transform(test.images)
    classes = np.unique(train.labels)  # sorted: the codes of scores_dataset
    t0 = time.perf_counter()
    tick = (lambda i: progress(f"MNLogit: warm start, Newton step {i} ({time.perf_counter() - t0:.1f} s)")
            ) if progress else None
    B = mnlogit_start(np.column_stack([np.ones(len(scores)), scores]), np.searchsorted(classes, train.labels),
                      len(classes), progress=tick)
    return pca, scores, scores_t, B, time.perf_counter() - t0


def _finish_mnlogit(k, train, test, pca, scores, scores_t, B, seconds, progress) -> MnlogitFit:
    """statsmodels' ``MNLogit`` as :func:`glm.fit_mnlogit` fits it (the first class the reference), from ``B`` unless
    it is ``None`` or a column of the design is aliased, from statsmodels' zeros then."""
    import statsmodels.api as sm

    classes = sorted(int(c) for c in np.unique(train.labels))
    ds = scores_dataset(scores, train.labels, classes)
    dt = scores_dataset(scores_t, test.labels, classes)
    aliased = glm.aliased_columns(ds.X)
    X = ds.X.drop(columns=aliased)
    use = B is not None and not aliased
    t0, counter = time.perf_counter(), itertools.count(1)
    callback = (lambda _p: progress(f"MNLogit: Newton iteration {next(counter)} ({time.perf_counter() - t0:.1f} s)")
                ) if progress else None
    with glm._Recorder() as rec:  # the warnings of the fit, as glm.fit_mnlogit captures them
        result = sm.MNLogit(ds.codes, X).fit(method="newton", maxiter=100, disp=0, callback=callback,
                                             start_params=B.ravel(order="F") if use else None)  # class by class
    seconds += time.perf_counter() - t0
    fit = glm.Fit("MNLogit", result, X, ds.classes, ds.classes[0], aliased, rec.messages())
    return MnlogitFit(k, pca, ds, dt, fit, diagnose(fit, ds.codes), seconds)


# -- the warm start ------------------------------------------------------------------------------------------------
def _logits(X: np.ndarray, B: np.ndarray) -> np.ndarray:
    """Every class's logits, the reference's (class 0) being zero."""
    Z = np.zeros((len(X), B.shape[1] + 1))
    np.matmul(X, B, out=Z[:, 1:])
    return Z


def mnlogit_loss(X, codes, B) -> tuple[float, np.ndarray]:
    """``MNLogit``'s mean negative log-likelihood at ``B`` (d x (K-1), the non-reference classes' coefficients) and
    its gradient ``X'(P - Y) / n`` over the non-reference classes."""
    X, codes = np.asarray(X, dtype=np.float64), np.asarray(codes)
    n = len(X)
    logp = log_softmax(_logits(X, B), axis=1)
    rows = np.arange(n)
    R = np.exp(logp[:, 1:])
    hit = codes > 0
    R[rows[hit], codes[hit] - 1] -= 1.0
    return float(-logp[rows, codes].sum() / n), X.T @ R / n


def mnlogit_hessian(X, B, dtype=np.float64) -> np.ndarray:
    """Hessian of :func:`mnlogit_loss` in statsmodels' parameter order (class by class): block ``(j, k)`` is
    ``X' diag(p_j (1[j = k] - p_k)) X / n``. The blocks with ``j <= k`` are computed, one product per class and
    block of rows, whose terms are rounded to ``dtype`` (float32: half the time, each block of rows summed to about
    ``1e-7`` relative); the blocks of rows are added in float64, and the other blocks are transposes."""
    X = np.ascontiguousarray(X, dtype=np.float64)  # rows in blocks: a design from pandas is column-major
    n, d = X.shape
    J = B.shape[1]
    H = np.zeros((d * J, d * J))
    for lo in range(0, n, _ROWS):
        Xb = X[lo : lo + _ROWS]
        P = np.exp(log_softmax(_logits(Xb, B), axis=1))[:, 1:].astype(dtype)
        Xc = Xb.astype(dtype, copy=False)
        for j in range(J):
            C = P[:, j : j + 1] * -P[:, j:]  # the weights of the blocks (j, j), (j, j + 1), ...
            C[:, 0] += P[:, j]
            H[j * d : (j + 1) * d, j * d :] += Xc.T @ (C[:, :, None] * Xc[:, None, :]).reshape(len(Xb), -1)
    lower = np.tril_indices(d * J, -1)
    H[lower] = H.T[lower]
    return H / n


def mnlogit_start(X, codes, K: int, *, max_steps: int = 50, progress=None) -> np.ndarray | None:
    """A warm start for statsmodels' ``MNLogit``: Newton's method on :func:`mnlogit_loss` from zero, each step halved
    until the loss decreases (Armijo's rule), until a step moves no coefficient by more than ``1e-5``; returns ``B``
    (d x (K-1)), or ``None`` when the Hessian cannot be factorised, a value is not finite or ``max_steps`` pass
    (separated data: no optimum to start near).

    While the steps are long the Hessian is computed in float32 (a Newton step with a nearly exact Hessian and the
    exact gradient still heads for the exact optimum); after a step of ``1e-2`` or less, in float64, where Newton's
    steps shrink quadratically (each about the square of the one before, times a constant of order one here): the
    distance left after the last step, about ``1e-10``, is statsmodels' first step from the start returned, far below
    its tolerance ``1e-8``, so it stops after that one.
    """
    X = np.ascontiguousarray(X, dtype=np.float64)
    codes = np.asarray(codes)
    d = X.shape[1]
    B, moved = np.zeros((d, K - 1)), np.inf
    with np.errstate(all="ignore"):
        for step in range(1, max_steps + 1):
            loss, G = mnlogit_loss(X, codes, B)
            g = G.ravel(order="F")
            delta = None
            for dtype in (np.float32, np.float64) if moved > 1e-2 else (np.float64,):
                try:
                    delta = -cho_solve(cho_factor(mnlogit_hessian(X, B, dtype)), g).reshape(d, K - 1, order="F")
                    break
                except (np.linalg.LinAlgError, ValueError):  # not positive definite (in float32?), or not finite
                    continue
            if delta is None or not (np.isfinite(loss) and np.isfinite(delta).all()):
                return None
            slope, t = float(g @ delta.ravel(order="F")), 1.0
            while mnlogit_loss(X, codes, B + t * delta)[0] > loss + 1e-4 * t * slope:
                t /= 2
                if t < 1e-10:
                    return None
            B = B + t * delta
            moved = t * float(np.abs(delta).max())
            if progress is not None:
                progress(step)
            if moved <= 1e-5:
                return B
    return None
