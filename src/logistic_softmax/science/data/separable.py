"""Linearly separable data for the report on penalties and separation: two MNIST digits on their first principal
components, or a generated set.

For MNIST, :func:`mnist_pair` draws up to ``images / 2`` training images of each digit (seeded), fits principal
components to them, and keeps the first ``components`` (at most the rank of the centred images). Whether the two
digits are linearly separable on those components is decided by the linear programme of
:func:`logistic_softmax.science.separation.find_separation` (complete separation: every point strictly on its side
of some hyperplane). Separability can only improve with more components (a hyperplane on k components is one on
k + 1 with a zero weight), so when the asked number does not separate, :func:`choose` finds the fewest that do by
bisection, up to :data:`MAX_COMPONENTS`, and otherwise falls back to :func:`generated`, saying so.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .. import svm
from ..pca import PCA
from ..separation import Separation, find_separation
from .mnist import Split

__all__ = ["SeparableData", "MAX_COMPONENTS", "mnist_pair", "generated", "separation_of", "choose"]

#: The most principal components :func:`choose` tries when the asked number does not separate the pair.
MAX_COMPONENTS = 50


@dataclass(frozen=True)
class SeparableData:
    """A two-class data set: the design with its constant, the 0/1 outcome, and its separation check."""

    name: str  # "mnist" or "generated"
    description: str  # plain text
    X: pd.DataFrame  # "const" then the predictors
    y: np.ndarray  # 0/1
    classes: tuple[str, str]  # labels of outcome 0 and 1
    separation: Separation
    notes: tuple[str, ...] = field(default=())  # what was chosen, and why

    @property
    def separable(self) -> bool:
        return self.separation.kind == "complete"

    @property
    def n(self) -> int:
        return len(self.y)


def separation_of(X: pd.DataFrame, y) -> Separation:
    """The linear programme's verdict on a 0/1 outcome."""
    return find_separation(X, np.asarray(y, dtype=np.int64), ("0", "1"))


def _design(scores: np.ndarray, names: list[str]) -> pd.DataFrame:
    X = pd.DataFrame(np.asarray(scores, dtype=np.float64), columns=names)
    X.insert(0, "const", 1.0)
    return X


def _pair_images(split: Split, digits, images: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Up to ``images // 2`` images of each digit (at least one each), in their original order; labels 0/1."""
    rows = []
    for digit in digits:
        idx = np.flatnonzero(split.labels == digit)
        take = min(max(images // 2, 1), idx.size)
        rows.append(rng.choice(idx, size=take, replace=False))
    keep = np.sort(np.concatenate(rows))
    return split.images[keep], (split.labels[keep] == digits[1]).astype(np.int64)


def mnist_pair(split: Split, digits, images: int, components: int, rng: np.random.Generator):
    """The images of two digits and their principal-component scores: ``(scores, y, rank)``, with
    ``max(components, MAX_COMPONENTS)`` components, at most the rank of the centred images."""
    pixels, y = _pair_images(split, [int(d) for d in digits], images, rng)
    pca = PCA.fit(pixels, min(max(components, MAX_COMPONENTS), pixels.shape[1]))
    rank = max(1, pca.rank())
    return pca.transform(pixels)[:, :rank], y, rank


def _on_components(scores: np.ndarray, k: int) -> pd.DataFrame:
    return _design(scores[:, :k], [f"pc{j + 1}" for j in range(k)])


def generated(n: int, rng: np.random.Generator) -> tuple[pd.DataFrame, np.ndarray]:
    """``n`` points in the plane, half of each class, separated by the line ``u'(x - c) = 0`` with margin at least
    0.5: along the unit vector ``u`` each point sits at ``y (0.5 + |e|)`` from the line (``e`` standard normal),
    across it at a standard normal distance."""
    n = max(int(n), 2)
    y = (np.arange(n) < n - n // 2).astype(np.int64)
    sign = np.where(y == 1, 1.0, -1.0)
    u = np.array([np.cos(np.pi / 6), np.sin(np.pi / 6)])
    v = np.array([-u[1], u[0]])
    e = rng.standard_normal((n, 2))
    pts = (sign * (0.5 + np.abs(e[:, 0])))[:, None] * u + e[:, 1][:, None] * v + np.array([0.5, -0.5])
    return _design(pts, ["x1", "x2"]), y


def _svm_separates(X: pd.DataFrame, y) -> bool:
    return svm.hard_margin(svm.signed_rows(X.to_numpy(dtype=np.float64), y)).separable


def _fewest(scores: np.ndarray, y, lo: int, hi: int, sep_hi: Separation) -> tuple[int, Separation]:
    """The fewest components in ``(lo, hi]`` that separate, given that ``hi`` does and ``lo`` does not (bisection:
    separability only improves with more components)."""
    while hi - lo > 1:
        mid = (lo + hi) // 2
        s = separation_of(_on_components(scores, mid), y)
        lo, hi, sep_hi = (lo, mid, s) if s.kind == "complete" else (mid, hi, sep_hi)
    return hi, sep_hi


def choose(values: dict, split: Split | None, rng: np.random.Generator) -> SeparableData:
    """The separable data a run of the report uses (parameters ``separable``, ``digits``, ``images``,
    ``components``): the MNIST pair on ``components`` components when they separate it, else on the fewest that
    do (up to :data:`MAX_COMPONENTS`), else the generated set. ``split`` is MNIST's training split (unused for the
    generated set). The notes say how few components separate the pair."""
    images = int(values["images"])
    notes: list[str] = []
    if values["separable"] == "mnist" and split is not None:
        digits = [int(d) for d in values["digits"]]
        scores, y, rank = mnist_pair(split, digits, images, int(values["components"]), rng)
        top = scores.shape[1]
        k = min(int(values["components"]), top)
        if k < int(values["components"]):
            notes.append(f"{k} components were used: the {len(y)} centred images have rank {rank}")
        sep = separation_of(_on_components(scores, k), y)
        if sep.kind == "complete":
            one = separation_of(_on_components(scores, 1), y)
            fewest = 1 if one.kind == "complete" else _fewest(scores, y, 1, k, sep)[0]
            notes.append(f"the two digits are linearly separable on as few as {fewest} principal component(s) of "
                         f"these images (found by bisection with the linear programme); this run uses {k}")
        elif k < top and (sep_top := separation_of(_on_components(scores, top), y)).kind == "complete":
            k, sep = _fewest(scores, y, k, top, sep_top)
            notes.append(f"the digits are not linearly separable on {values['components']} component(s); {k} are "
                         "the fewest that separate them (found by bisection with the linear programme)")
        if sep.kind == "complete" and not _svm_separates(_on_components(scores, k), y):
            notes.append("the hard-margin SVM cannot separate the digits to working precision (the margin is too "
                         "small), although the linear programme does")
            sep = Separation("quasi-complete", None, sep.perfectly_predicted, sep.findings)
        if sep.kind == "complete":
            X = _on_components(scores, k)
            desc = (f"{len(y)} MNIST training images of the digits {digits[0]} and {digits[1]} (outcome 1: digit "
                    f"{digits[1]}) on their first {k} principal component(s)")
            return SeparableData("mnist", desc, X, y, (str(digits[0]), str(digits[1])), sep, tuple(notes))
        notes.append(f"the digits {digits[0]} and {digits[1]} are not linearly separable on up to {top} principal "
                     "components of these images, so the generated data set is used instead")
    X, y = generated(images, rng)
    sep = separation_of(X, y)
    desc = f"{len(y)} generated points in the plane, two classes separated by a line with margin at least 0.5"
    return SeparableData("generated", desc, X, y, ("−", "+"), sep, tuple(notes))
