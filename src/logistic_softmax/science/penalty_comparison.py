"""The penalised softmax regression under every reference class: the softmax optimum, and the centred and ridge
fits in reference coding (:mod:`.penalties`), compared weight for weight and probability for probability, with the
allowances each comparison is held to."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import penalties as pe
from .rounding import EPS, gamma

__all__ = ["ReferenceComparison", "compare"]


@dataclass
class ReferenceComparison:
    """Every fit, with the design (standardised, with its constant) and the classes."""

    X: np.ndarray
    classes: tuple[str, ...]
    reference: int  # the run's reference class
    l2: float
    softmax: pe.PenalisedFit
    fits: dict[tuple[str, int], pe.PenalisedFit]  # (kind, reference) -> fit

    @property
    def K(self) -> int:
        return len(self.classes)

    @property
    def certified(self) -> bool:
        """Whether every fit has a certificate (a bound on its distance to its exact optimum)."""
        return self.softmax.certificate.available and all(f.certificate.available for f in self.fits.values())

    def problem(self) -> str | None:
        """Why the comparisons cannot be held to a derived tolerance, or ``None``."""
        if self.certified:
            return None
        return "some fit has no certificate (x ≥ 1): its distance to the exact optimum is not bounded"

    # -- the softmax optimum ---------------------------------------------------------------------------------------
    @property
    def weight_sums(self) -> np.ndarray:
        """``sum_k w_k`` of the softmax optimum, per weight row (the biases, not penalised, are left out)."""
        return self.softmax.coded[1:].sum(axis=1)

    @property
    def weight_sum_allowance(self) -> float:
        """``sum_k`` of K entries each within the certified distance (in the layer's own coordinates, the bound
        without its ``scale``): at most ``sqrt(K)`` times it, plus the sum's rounding."""
        cert = self.softmax.certificate
        own = cert.bound / cert.scale
        return float(np.sqrt(self.K) * own + gamma(self.K) * np.abs(self.softmax.coded[1:]).sum(axis=1).max())

    # -- every reference against the softmax optimum ---------------------------------------------------------------
    def weight_gap(self, kind: str) -> np.ndarray:
        """Per reference: the largest |difference| between the fit's centred weights and the softmax optimum's."""
        return np.array([np.abs(self.fits[kind, r].W - self.softmax.W).max() for r in range(self.K)])

    def probability_gap(self, kind: str) -> np.ndarray:
        P = self.softmax.probabilities(self.X)
        return np.array([np.abs(self.fits[kind, r].probabilities(self.X) - P).max() for r in range(self.K)])

    def weight_allowance(self) -> np.ndarray:
        """Per reference: the two certified distances (both to the centred weights) plus the centring's rounding."""
        scale = max(np.abs(self.softmax.W).max(), 1e-300)
        return np.array([self.fits["centred", r].distance + self.softmax.distance + 4 * EPS * scale
                         for r in range(self.K)])

    def probability_allowance(self) -> np.ndarray:
        return np.array([pe.probability_allowance(self.X, self.fits["centred", r].distance + self.softmax.distance,
                                                  self.softmax.W) for r in range(self.K)])

    def centred_spread(self) -> float:
        """The largest |difference| between the centred fits' softmax weights under any two references."""
        Ws = np.stack([self.fits["centred", r].W for r in range(self.K)])
        return float((Ws.max(axis=0) - Ws.min(axis=0)).max())

    def ridge_spread(self, *, probabilities: bool = False) -> float:
        """The same for the ridge fits (weights, or probabilities)."""
        if probabilities:
            stack = np.stack([self.fits["ridge", r].probabilities(self.X) for r in range(self.K)])
        else:
            stack = np.stack([self.fits["ridge", r].W for r in range(self.K)])
        return float((stack.max(axis=0) - stack.min(axis=0)).max())

    def table(self) -> pd.DataFrame:
        """One row per reference class: how far its centred and ridge fits are from the softmax optimum."""
        return pd.DataFrame({
            "centred: largest |Δ weight|": self.weight_gap("centred"),
            "allowance (certified)": self.weight_allowance(),
            "centred: largest |Δ probability|": self.probability_gap("centred"),
            "allowance (from the weights)": self.probability_allowance(),
            "ridge: largest |Δ weight|": self.weight_gap("ridge"),
            "ridge: largest |Δ probability|": self.probability_gap("ridge"),
        }, index=pd.Index(list(self.classes), name="reference class"))

    # -- ridge = centred + K ||w_r||^2 -----------------------------------------------------------------------------
    def ridge_identity(self, r: int) -> tuple[float, float, float]:
        """For the ridge fit with reference ``r``: its ridge sum of squares, the centred sum of squares plus
        ``K ||w_r||^2`` (``w`` its centred weights), and the rounding allowance of the two sums (``dK`` squares)."""
        B = self.fits["ridge", r].coded
        w = pe.centred(B)[1:]
        ridge = pe.penalty(B, r, "ridge")
        other = pe.penalty(B, r, "centred") + self.K * float(np.sum(w[:, r] ** 2))
        allowance = gamma(2 * B.size + 4) * (ridge + other + self.K * float(np.sum(np.abs(B[1:]) ** 2)))
        return ridge, other, allowance


def compare(X, codes, classes, reference: int, l2: float, *,
            progress: Callable[[str], None] | None = None) -> ReferenceComparison:
    """Fit the softmax optimum and, under every reference class, the centred and ridge fits (:mod:`.penalties`)."""
    X = np.asarray(X, dtype=np.float64)
    K = len(classes)
    softmax = pe.fit_softmax(X, codes, K, l2)
    fits = {}
    for kind in pe.KINDS:
        if progress is not None:
            progress(f"{kind} penalty in reference coding, {K} references")
        for r in range(K):
            fits[kind, r] = pe.fit_reference(X, codes, K, r, l2, kind)
    return ReferenceComparison(X, tuple(classes), reference, float(l2), softmax, fits)
