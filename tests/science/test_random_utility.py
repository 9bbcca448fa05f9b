"""Random utility against SciPy's Gumbel and logistic laws, SciPy's softmax, the choice integral by quadrature, and
simulations held to Monte Carlo bounds."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, special, stats

from logistic_softmax.science import monte_carlo as mc
from logistic_softmax.science import random_utility as ru

DELTA = 1e-9  # each simulated check below fails by chance with at most this probability


def test_gumbel_and_logistic_functions_are_scipys():
    x = np.linspace(-6, 12, 181)
    assert np.allclose(ru.gumbel_cdf(x, 1.5), stats.gumbel_r.cdf(x, loc=1.5), rtol=1e-14, atol=1e-300)
    assert np.allclose(ru.gumbel_pdf(x, 1.5), stats.gumbel_r.pdf(x, loc=1.5), rtol=1e-13, atol=1e-300)
    assert np.allclose(ru.logistic_pdf(x), stats.logistic.pdf(x), rtol=1e-13, atol=0)
    assert ru.gumbel_cdf(-800.0) == 0.0 and ru.gumbel_cdf(800.0) == 1.0


def test_standard_gumbel_draws_follow_the_gumbel_law():
    e = ru.standard_gumbel(np.random.default_rng(0), (20000,))
    assert mc.sup_distance(e, stats.gumbel_r.cdf) <= mc.dkw_halfwidth(e.size, DELTA)


def test_logsumexp_of_the_others_and_the_softmax_as_sigmoids():
    rng = np.random.default_rng(1)
    V = rng.normal(scale=20, size=(50, 6))
    others = np.array([[special.logsumexp(np.delete(v, k)) for k in range(6)] for v in V])
    assert np.allclose(ru.logsumexp_of_others(V, axis=1), others, rtol=1e-14, atol=1e-13)
    assert np.allclose(ru.softmax_from_sigmoids(V, axis=1), special.softmax(V, axis=1), rtol=0, atol=1e-15)
    assert np.allclose(ru.logsumexp_of_others(V.T, axis=0), others.T, rtol=1e-14, atol=1e-13)
    two = ru.softmax_from_sigmoids([[3.0, -1.0]])
    assert two[0, 0] == pytest.approx(special.expit(4.0), rel=1e-15)  # K = 2: the sigmoid of the difference
    with pytest.raises(ValueError, match="two classes"):
        ru.logsumexp_of_others([[1.0]])


@pytest.mark.parametrize("v", [[0.3, -1.2, 2.0], [5.0, 0.0, 0.0, -3.0]])
def test_the_choice_integral_is_the_softmax(v):
    """P(class k) = integral of g(e) prod_{j != k} G(e + v_k - v_j), by adaptive quadrature (a second method)."""
    v = np.array(v)

    def integrand(e, k):
        return ru.gumbel_pdf(e) * np.prod(ru.gumbel_cdf(e + v[k] - np.delete(v, k)))

    for k in range(v.size):
        value, _ = integrate.quad(integrand, -40, 60, args=(k,), epsabs=1e-13, epsrel=1e-12, limit=200)
        assert value == pytest.approx(special.softmax(v)[k], abs=1e-10)


def test_simulated_choices_match_the_softmax_within_the_bound():
    rng = np.random.default_rng(2)
    v = np.array([1.0, 0.0, -0.5, -4.0])
    n = 200000
    counts = ru.choice_counts(v, n, rng)
    p = special.softmax(v)
    assert counts.sum() == n
    assert np.all(np.abs(counts / n - p) <= mc.frequency_tolerance(p, n, DELTA / v.size))
    c2 = ru.choice_counts([0.5, -0.5], n, rng)  # two classes: sigma(v1 - v2), the first report's 0.7311
    assert abs(c2[0] / n - special.expit(1.0)) <= mc.frequency_tolerance(special.expit(1.0), n, DELTA)


def test_blocks_do_not_change_the_draws(monkeypatch):
    v = [0.2, 0.1, -0.3]
    whole = ru.choice_counts(v, 5000, np.random.default_rng(7))
    maxima = ru.gumbel_maxima(v, 5000, np.random.default_rng(7))
    monkeypatch.setattr(ru, "BLOCK", 70)  # 23 draws of 3 utilities at a time
    assert np.array_equal(ru.choice_counts(v, 5000, np.random.default_rng(7)), whole)
    assert np.array_equal(ru.gumbel_maxima(v, 5000, np.random.default_rng(7)), maxima)


def test_the_maximum_is_gumbel_and_the_difference_is_logistic():
    rng, n = np.random.default_rng(3), 50000
    v = np.array([2.0, 1.0, 0.0, -6.0])
    band = mc.dkw_halfwidth(n, DELTA)
    loc = special.logsumexp(v)
    assert mc.sup_distance(ru.gumbel_maxima(v, n, rng), stats.gumbel_r(loc=loc).cdf) <= band
    assert mc.sup_distance(ru.gumbel_differences(n, rng), stats.logistic.cdf) <= band
    shifted = mc.sup_distance(ru.gumbel_maxima(v, n, rng), stats.gumbel_r(loc=v.max()).cdf)
    assert shifted > band  # the location is logsumexp(v) = 2.44, not max(v) = 2: the check can fail


def test_a_simulation_of_several_cases_and_its_table():
    cases = {"a": [0.0, 1.0], "b": [1.0, 1.0, 1.0]}
    sim = ru.simulate_choices(cases, 3000, np.random.default_rng(5), classes={"a": ["x", "y"]})
    assert sim.comparisons == 5 and sim.classes["b"] == ["1", "2", "3"]
    t = sim.table(1e-3)
    assert list(t.index.get_level_values("class")) == ["x", "y", "1", "2", "3"]
    assert np.allclose(t["softmax(v)"], [special.expit(-1), special.expit(1), 1 / 3, 1 / 3, 1 / 3], rtol=1e-15)
    assert np.allclose(t["tolerance"], mc.frequency_tolerance(t["softmax(v)"].to_numpy(), 3000, 1e-3), rtol=0, atol=0)
    again = ru.simulate_choices(cases, 3000, np.random.default_rng(5))
    assert all(np.array_equal(sim.counts[k], again.counts[k]) for k in cases)  # the same seed, the same draws
    with pytest.raises(ValueError, match="finite"):
        ru.choice_counts([0.0, np.nan], 10, np.random.default_rng(0))
