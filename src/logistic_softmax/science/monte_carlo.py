"""Tolerances for Monte Carlo comparisons: how far a simulated frequency or an empirical distribution function may be
from the value it estimates, at a stated chance of a false alarm.

A check of a simulation is a statistical test: with ``n`` independent draws a frequency is never exactly its
probability. Each bound below holds with probability at least ``1 - delta`` for one comparison; a report that makes
``M`` comparisons gives each ``delta / M`` (the union bound), so that all of them together fail by chance with
probability at most ``delta``.

* **Hoeffding** (1963): the mean of ``n`` independent variables in ``[0, 1]`` is within
  ``sqrt(log(2 / delta) / (2 n))`` of its expectation, except with probability ``delta``.
* **Bernstein**: for variables with ``|X_i - E X_i| <= 1`` and variance ``s2``,
  ``P(|mean - E| >= t) <= 2 exp(-n t^2 / (2 s2 + 2 t / 3))``; solving for ``t`` at probability ``delta`` gives
  ``t = L / (3 n) + sqrt((L / (3 n))^2 + 2 s2 L / n)`` with ``L = log(2 / delta)``. For an indicator of probability
  ``p`` the variance ``s2 = p (1 - p)`` is known once ``p`` is the value claimed, and far below 1/4 for a rare class.
  Which of the two bounds is used is decided from ``p``, ``n`` and ``delta`` alone, before any draw, so taking the
  smaller keeps the chance of a false alarm at ``delta``.
* **Dvoretzky-Kiefer-Wolfowitz** with Massart's (1990) constant: the empirical distribution function of ``n``
  independent draws is everywhere within ``sqrt(log(2 / delta) / (2 n))`` of the true one, except with probability
  ``delta``.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = [
    "hoeffding_halfwidth",
    "bernstein_halfwidth",
    "frequency_tolerance",
    "dkw_halfwidth",
    "sup_distance",
]


def _check(n, delta: float) -> None:
    if np.any(np.asarray(n) < 1):
        raise ValueError(f"n: expected at least one draw, got {n}")
    if not 0 < delta < 1:
        raise ValueError(f"delta: expected a probability in (0, 1), got {delta}")


def hoeffding_halfwidth(n, delta: float):
    """``sqrt(log(2 / delta) / (2 n))``: a two-sided Hoeffding bound on a mean of ``n`` draws in ``[0, 1]``."""
    _check(n, delta)
    return np.sqrt(math.log(2 / delta) / (2 * np.asarray(n, dtype=np.float64)))[()]


def bernstein_halfwidth(p, n, delta: float):
    """The two-sided Bernstein bound on the frequency of an event of probability ``p`` in ``n`` draws."""
    _check(n, delta)
    p = np.asarray(p, dtype=np.float64)
    if np.any((p < 0) | (p > 1)):
        raise ValueError("p: expected probabilities in [0, 1]")
    L, n = math.log(2 / delta), np.asarray(n, dtype=np.float64)
    a = L / (3 * n)
    return (a + np.sqrt(a * a + 2 * p * (1 - p) * L / n))[()]


def frequency_tolerance(p, n, delta: float):
    """The smaller of the Hoeffding and Bernstein bounds for each probability ``p``: a frequency of ``n`` draws is
    within it of ``p`` except with probability ``delta`` (the choice depends on ``p``, ``n`` and ``delta`` only)."""
    return np.minimum(hoeffding_halfwidth(n, delta), bernstein_halfwidth(p, n, delta))[()]


def dkw_halfwidth(n, delta: float):
    """``sqrt(log(2 / delta) / (2 n))``: the Dvoretzky-Kiefer-Wolfowitz band (Massart's constant) around the
    empirical distribution function of ``n`` draws."""
    return hoeffding_halfwidth(n, delta)


def sup_distance(sample, cdf) -> float:
    """``sup_x |F_n(x) - F(x)|`` between the empirical distribution function of ``sample`` and a continuous ``cdf``
    (the Kolmogorov-Smirnov statistic): at the ``i``-th smallest draw ``x_(i)`` the empirical function jumps from
    ``(i - 1) / n`` to ``i / n``, so the supremum is the largest of ``i / n - F(x_(i))`` and ``F(x_(i)) - (i - 1) / n``.
    """
    x = np.sort(np.asarray(sample, dtype=np.float64).ravel())
    if x.size == 0:
        raise ValueError("sample: expected at least one draw")
    F = np.asarray(cdf(x), dtype=np.float64)
    i = np.arange(1, x.size + 1, dtype=np.float64)
    return float(max(np.max(i / x.size - F), np.max(F - (i - 1) / x.size)))
