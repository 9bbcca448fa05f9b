"""The Monte Carlo tolerances against exact binomial tails, the exact law of the Kolmogorov-Smirnov statistic and
SciPy's own statistic."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from logistic_softmax.science import monte_carlo as mc


def test_hoeffding_is_the_closed_form_and_bounds_the_exact_binomial_tail():
    n, delta = 400, 1e-3
    t = mc.hoeffding_halfwidth(n, delta)
    assert t == pytest.approx(math.sqrt(math.log(2 / delta) / (2 * n)), rel=1e-15)
    for p in (0.5, 0.2, 0.01):  # P(|X/n - p| >= t) from the binomial distribution itself
        exact = stats.binom.cdf(np.ceil(n * (p - t)) - 1, n, p) + stats.binom.sf(np.floor(n * (p + t)) - 1, n, p)
        assert exact <= delta


@pytest.mark.parametrize("p", [0.0005, 0.01, 0.3, 0.5])
@pytest.mark.parametrize("n", [200, 20000])
def test_bernstein_solves_its_inequality_and_bounds_the_exact_binomial_tail(p, n):
    delta = 1e-4
    t = mc.bernstein_halfwidth(p, n, delta)
    assert 2 * math.exp(-n * t * t / (2 * p * (1 - p) + 2 * t / 3)) == pytest.approx(delta, rel=1e-9)
    lower, upper = math.ceil(n * (p - t)) - 1, math.floor(n * (p + t)) - 1
    exact = (stats.binom.cdf(lower, n, p) if lower >= 0 else 0.0) + stats.binom.sf(upper, n, p)
    assert exact <= delta


def test_the_frequency_tolerance_takes_the_narrower_bound():
    n, delta = 10000, 1e-6
    p = np.array([1e-4, 0.1, 0.5, 0.9])
    t = mc.frequency_tolerance(p, n, delta)
    assert np.array_equal(t, np.minimum(mc.hoeffding_halfwidth(n, delta), mc.bernstein_halfwidth(p, n, delta)))
    assert t[0] < mc.hoeffding_halfwidth(n, delta) / 10  # a rare class: Bernstein is far narrower
    assert t[2] == mc.hoeffding_halfwidth(n, delta)  # at p = 1/2 Hoeffding is the narrower


@pytest.mark.parametrize("n", [10, 100, 2000])
def test_the_dkw_band_is_exceeded_with_at_most_its_probability(n):
    """scipy.stats.kstwo is the exact law of sup |F_n - F| for n draws of a continuous law."""
    for delta in (0.05, 1e-3, 1e-6):
        assert stats.kstwo.sf(mc.dkw_halfwidth(n, delta), n) <= delta


def test_sup_distance_is_scipys_kolmogorov_smirnov_statistic():
    rng = np.random.default_rng(4)
    x = rng.logistic(size=501)
    assert mc.sup_distance(x, stats.logistic.cdf) == pytest.approx(stats.kstest(x, stats.logistic.cdf).statistic,
                                                                   abs=1e-15)
    assert mc.sup_distance([0.0], stats.norm.cdf) == pytest.approx(0.5)


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="delta"):
        mc.hoeffding_halfwidth(10, 0.0)
    with pytest.raises(ValueError, match="draw"):
        mc.bernstein_halfwidth(0.5, 0, 0.1)
    with pytest.raises(ValueError, match="probabilities"):
        mc.bernstein_halfwidth(1.5, 10, 0.1)
    with pytest.raises(ValueError, match="sample"):
        mc.sup_distance([], stats.norm.cdf)
