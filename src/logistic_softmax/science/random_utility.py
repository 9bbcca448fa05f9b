"""Random utility: where the softmax comes from.

Each of ``K`` classes gets a utility ``U_k = v_k + e_k``: a systematic part ``v_k`` (a linear predictor) and noise
``e_k``, independent standard Gumbel draws (distribution function ``G(x) = exp(-exp(-x))``). The class chosen is the
one with the largest utility. Two facts make this the softmax:

* the maximum of independent Gumbel variables with locations ``v_j`` is Gumbel with location ``logsumexp(v)``
  (the product of their distribution functions is ``exp(-exp(-x) sum_j exp(v_j))``), and
* the difference of two independent standard Gumbel variables is standard logistic: ``P(e_1 - e_2 <= x) =
  sigmoid(x)``.

So class ``k`` wins against the best of the others, a Gumbel utility with location ``logsumexp_{j != k}(v_j)``, with
probability ``sigmoid(v_k - logsumexp_{j != k} v_j) = softmax(v)_k``; with two classes, ``sigmoid(v_1 - v_2)``.

The simulations draw from a caller's seeded ``numpy.random.Generator`` in blocks of at most :data:`BLOCK` numbers,
so memory stays bounded and the time grows linearly with the number of draws. A standard Gumbel draw is taken as
``-log(E)`` with ``E`` standard exponential (``P(-log E <= x) = P(E >= exp(-x)) = exp(-exp(-x))``), which NumPy
draws about twice as fast as its own ``gumbel``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .links import logsumexp, sigmoid, softmax
from .monte_carlo import frequency_tolerance

__all__ = [
    "BLOCK",
    "standard_gumbel",
    "gumbel_cdf",
    "gumbel_pdf",
    "logistic_pdf",
    "softmax_from_sigmoids",
    "logsumexp_of_others",
    "choice_counts",
    "gumbel_maxima",
    "gumbel_differences",
    "ChoiceSimulation",
    "simulate_choices",
]

#: The most Gumbel numbers drawn at once (16 MiB of float64).
BLOCK = 2**21


def standard_gumbel(rng: np.random.Generator, shape) -> np.ndarray:
    """Independent standard Gumbel draws of the given shape, as ``-log(E)`` with ``E`` standard exponential."""
    e = rng.standard_exponential(size=shape)
    np.log(e, out=e)
    np.negative(e, out=e)
    return e


def gumbel_cdf(x, loc: float = 0.0):
    """``exp(-exp(-(x - loc)))``, the distribution function of the Gumbel distribution with location ``loc``."""
    with np.errstate(over="ignore"):  # exp(-(x - loc)) = inf far left of loc, where the function is 0
        return np.exp(-np.exp(-(np.asarray(x, dtype=np.float64) - loc)))[()]


def gumbel_pdf(x, loc: float = 0.0):
    """``exp(-(x - loc) - exp(-(x - loc)))``, the Gumbel density with location ``loc``."""
    t = np.asarray(x, dtype=np.float64) - loc
    with np.errstate(over="ignore"):
        return np.exp(-t - np.exp(-t))[()]


def logistic_pdf(x):
    """``sigmoid(x) (1 - sigmoid(x))``, the standard logistic density, as ``exp(-|x|) / (1 + exp(-|x|))^2`` (the
    density is even, and this form keeps its relative accuracy in the tails, where ``1 - sigmoid(x)`` cancels)."""
    e = np.exp(-np.abs(np.asarray(x, dtype=np.float64)))
    return (e / (1 + e) ** 2)[()]


def logsumexp_of_others(v, axis: int = -1) -> np.ndarray:
    """For every ``k``, ``logsumexp`` of the entries of ``v`` other than the ``k``-th (along ``axis``): the location
    of the best of the other classes' Gumbel utilities."""
    v = np.moveaxis(np.asarray(v, dtype=np.float64), axis, -1)
    K = v.shape[-1]
    if K < 2:
        raise ValueError(f"v: expected at least two classes, got {K}")
    others = np.where(np.eye(K, dtype=bool), -np.inf, v[..., None, :])  # [..., k, j]: v_j, or -inf where j = k
    return np.moveaxis(logsumexp(others, axis=-1), -1, axis)


def softmax_from_sigmoids(v, axis: int = -1) -> np.ndarray:
    """``sigmoid(v_k - logsumexp_{j != k} v_j)`` for every ``k``: equal to ``softmax(v)_k`` (class ``k`` against the
    best of the others)."""
    v = np.asarray(v, dtype=np.float64)
    return sigmoid(v - logsumexp_of_others(v, axis=axis))


def _blocks(n: int, width: int):
    size = max(1, BLOCK // max(width, 1))
    for start in range(0, n, size):
        yield min(size, n - start)


def choice_counts(v, n_draws: int, rng: np.random.Generator) -> np.ndarray:
    """How often each class has the largest utility ``v_k + e_k`` in ``n_draws`` independent draws of standard Gumbel
    noise ``e``: an array of ``K`` counts that sum to ``n_draws``."""
    v = np.asarray(v, dtype=np.float64).ravel()
    if v.size < 1 or not np.isfinite(v).all():
        raise ValueError(f"v: expected finite utilities, got {v}")
    counts = np.zeros(v.size, dtype=np.int64)
    for size in _blocks(n_draws, v.size):
        utilities = standard_gumbel(rng, (size, v.size))
        utilities += v
        winners = np.argmax(utilities, axis=1)
        counts += np.bincount(winners, minlength=v.size)
    return counts


def gumbel_maxima(v, n_draws: int, rng: np.random.Generator) -> np.ndarray:
    """``n_draws`` draws of ``max_k (v_k + e_k)`` with independent standard Gumbel ``e_k``."""
    v = np.asarray(v, dtype=np.float64).ravel()
    out = np.empty(n_draws)
    start = 0
    for size in _blocks(n_draws, v.size):
        utilities = standard_gumbel(rng, (size, v.size))
        utilities += v
        out[start : start + size] = np.max(utilities, axis=1)
        start += size
    return out


def gumbel_differences(n_draws: int, rng: np.random.Generator) -> np.ndarray:
    """``n_draws`` draws of ``e_1 - e_2`` with independent standard Gumbel ``e_1``, ``e_2``."""
    out = np.empty(n_draws)
    start = 0
    for size in _blocks(n_draws, 2):
        e = standard_gumbel(rng, (size, 2))
        out[start : start + size] = e[:, 0] - e[:, 1]
        start += size
    return out


@dataclass
class ChoiceSimulation:
    """Simulated choices for several vectors of systematic utilities ("cases"), against their softmax."""

    cases: dict[str, np.ndarray]  # name -> v (one entry per class)
    classes: dict[str, list[str]]  # name -> the class labels of v
    counts: dict[str, np.ndarray]  # name -> how often each class won
    n_draws: int

    @property
    def comparisons(self) -> int:
        """The number of frequencies compared with a probability (one per class of every case)."""
        return sum(v.size for v in self.cases.values())

    def table(self, delta_each: float) -> pd.DataFrame:
        """One row per case and class: ``v``, ``softmax(v)``, the simulated frequency, their difference and the
        tolerance that the difference exceeds with probability at most ``delta_each``."""
        rows = []
        for name, v in self.cases.items():
            p = softmax(v)
            freq = self.counts[name] / self.n_draws
            tol = frequency_tolerance(p, self.n_draws, delta_each)
            for k, label in enumerate(self.classes[name]):
                rows.append({"case": name, "class": label, "v": v[k], "softmax(v)": p[k], "frequency": freq[k],
                             "|frequency − softmax|": abs(freq[k] - p[k]), "tolerance": float(np.ravel(tol)[k])})
        return pd.DataFrame(rows).set_index(["case", "class"])


def simulate_choices(cases: dict[str, np.ndarray], n_draws: int, rng: np.random.Generator, *,
                     classes: dict[str, list[str]] | None = None,
                     progress: Callable[[str], None] | None = None) -> ChoiceSimulation:
    """:func:`choice_counts` for every case, in the order given (so the draws depend only on ``rng`` and the cases);
    ``classes`` names each case's classes (default ``1 .. K``)."""
    cases = {name: np.asarray(v, dtype=np.float64).ravel() for name, v in cases.items()}
    classes = dict(classes or {})
    counts = {}
    for i, (name, v) in enumerate(cases.items()):
        if progress:
            progress(f"random utility: case {i + 1} of {len(cases)}, {n_draws:,} draws of {v.size} utilities")
        counts[name] = choice_counts(v, n_draws, rng)
        classes.setdefault(name, [str(k + 1) for k in range(v.size)])
    return ChoiceSimulation(cases, classes, counts, n_draws)
