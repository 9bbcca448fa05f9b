"""The linear models of the MNIST report on principal components: a digit pair's ``Logit`` against a two-class
softmax layer, and ``MNLogit`` on all ten digits. Each returns a small record for the notebook to show and check.

Principal components beyond the rank of the centred images have no variance: their scores are rounding noise, and a
design holding them is singular. Both functions keep at most as many components as that rank, and say so.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from . import certificates, glm
from . import networks as nw
from .data.mnist import Split, scores_dataset
from .data.tables import Dataset
from .diagnosis import Diagnosis, diagnose
from .pca import PCA
from .scaling import Scaling

__all__ = ["PairFit", "pair_logit", "MnlogitFit", "mnlogit_on_components"]


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
    training images, with a progress line after every Newton iteration."""
    pca, _ = _components(train.images, k)
    classes = sorted(int(c) for c in np.unique(train.labels))
    ds = scores_dataset(pca.transform(train.images), train.labels, classes)
    dt = scores_dataset(pca.transform(test.images), test.labels, classes)
    t0 = time.perf_counter()
    counter = {"i": 0}

    def tick(_params):
        counter["i"] += 1
        progress(f"MNLogit: Newton iteration {counter['i']} ({time.perf_counter() - t0:.1f} s)")

    fit = glm.fit_mnlogit(ds, ds.classes[0], callback=tick if progress else None)
    seconds = time.perf_counter() - t0
    return MnlogitFit(k, pca, ds, dt, fit, diagnose(fit, ds.codes), seconds)
