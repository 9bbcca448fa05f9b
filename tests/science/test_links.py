"""The stable link functions against independent values: 60-digit decimal arithmetic, SciPy, hand derivations."""

import warnings

import numpy as np
import pytest
from scipy import special

from logistic_softmax.science import links
from logistic_softmax.science.numerics import decimal_neg_log_sigmoid, decimal_sigmoid

EXTREME = np.array([-5000.0, -1000.0, -745.0, -710.0, -100.0, -1.0, -1e-8, 0.0, 1e-8, 1.0, 36.0, 100.0, 710.0, 1000.0])


@pytest.fixture(autouse=True)
def no_warnings():
    """A stable function must not overflow: any RuntimeWarning fails the test."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_matches_decimal_reference(dtype):
    z = EXTREME.astype(dtype)
    got = links.sigmoid(z)
    assert got.dtype == dtype
    ref = decimal_sigmoid(z.astype(np.float64))
    tiny, eps = np.finfo(dtype).tiny, np.finfo(dtype).eps
    np.testing.assert_allclose(got, ref, rtol=4 * eps, atol=tiny)


def test_sigmoid_known_values():
    assert links.sigmoid(0.0) == 0.5
    assert links.sigmoid(1000.0) == 1.0
    assert links.sigmoid(-1000.0) == 0.0  # exp(-1000) is below the smallest float64
    assert links.sigmoid(-700.0) == pytest.approx(np.exp(-700.0), rel=1e-15)
    assert np.isscalar(links.sigmoid(1.0)) or np.ndim(links.sigmoid(1.0)) == 0
    assert links.sigmoid(np.array(3)).dtype == np.float64  # integers become float64


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_log_sigmoid_and_softplus_match_decimal(dtype):
    z = EXTREME.astype(dtype)
    eps = np.finfo(dtype).eps
    ref = decimal_neg_log_sigmoid(z.astype(np.float64))
    np.testing.assert_allclose(-links.log_sigmoid(z), ref, rtol=4 * eps, atol=np.finfo(dtype).tiny)
    np.testing.assert_allclose(links.softplus(-z), ref, rtol=4 * eps, atol=np.finfo(dtype).tiny)
    assert links.log_sigmoid(np.float64(-1000.0)) == -1000.0


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_logsumexp_softmax_log_softmax_match_scipy(dtype):
    rng = np.random.default_rng(1)
    z = (rng.normal(size=(50, 7)) * np.array([1, 10, 100, 1000, 1, 1, 3000])).astype(dtype)
    eps = np.finfo(dtype).eps
    scale = 1 + np.abs(z).max(axis=1, keepdims=True)
    np.testing.assert_allclose(
        links.logsumexp(z, axis=1), special.logsumexp(z.astype(np.float64), axis=1), rtol=4 * eps
    )
    # z - max(z) is rounded to the spacing of floats near |z|, so a row's attainable accuracy scales with max |z|
    assert np.all(np.abs(links.softmax(z, axis=1) - special.softmax(z.astype(np.float64), axis=1)) <= 8 * eps * scale)
    assert np.all(
        np.abs(links.log_softmax(z, axis=1) - special.log_softmax(z.astype(np.float64), axis=1)) <= 8 * eps * scale
    )
    assert links.softmax(z, axis=1).dtype == dtype


def test_logsumexp_by_hand():
    assert links.logsumexp([1000.0, 1000.0]) == pytest.approx(1000.0 + np.log(2.0), rel=1e-16)
    assert links.logsumexp([-np.inf, -np.inf]) == -np.inf
    assert links.logsumexp([0.0, -np.inf]) == 0.0
    assert links.logsumexp([[0.0, 0.0], [1.0, 1.0]], axis=1, keepdims=True).shape == (2, 1)


def test_softmax_extremes_and_shift_invariance():
    np.testing.assert_array_equal(links.softmax([1000.0, 0.0]), [1.0, 0.0])
    np.testing.assert_array_equal(links.softmax([-1000.0, -1000.0]), [0.5, 0.5])
    z = np.array([0.3, -1.2, 2.5])
    for c in (-1000.0, 1e-3, 1000.0):
        np.testing.assert_allclose(links.softmax(z + c), links.softmax(z), atol=1e-12)
    np.testing.assert_allclose(links.softmax(z).sum(), 1.0, rtol=1e-15)


def test_two_class_softmax_is_sigmoid_of_difference():
    rng = np.random.default_rng(2)
    z = rng.uniform(-1000, 1000, size=(2000, 2))
    p = links.softmax(z, axis=1)
    np.testing.assert_allclose(p[:, 0], links.sigmoid(z[:, 0] - z[:, 1]), atol=4e-16)


def test_cross_entropy_by_hand():
    logits = np.array([[2.0, 0.0, -1.0], [0.0, 0.0, 0.0]])
    y = np.array([0, 2])
    e = np.exp([2.0, 0.0, -1.0])
    by_hand = -(np.log(e[0] / e.sum()) + np.log(1 / 3)) / 2
    assert links.cross_entropy(y, logits) == pytest.approx(by_hand, rel=1e-15)
    assert links.cross_entropy_probs(y, links.softmax(logits, axis=1)) == pytest.approx(by_hand, rel=1e-14)
    assert links.cross_entropy([0], [[0.0, 1000.0]]) == pytest.approx(1000.0)  # finite where p underflows


def test_binary_cross_entropy_equals_two_column_cross_entropy():
    rng = np.random.default_rng(3)
    z = rng.normal(scale=20, size=500)
    y = rng.integers(0, 2, size=500)
    # -y log s - (1 - y) log(1 - s), each term in 60-digit decimals: -log(1 - sigmoid(z)) = -log sigmoid(-z)
    direct = np.mean(np.where(y == 1, decimal_neg_log_sigmoid(z), decimal_neg_log_sigmoid(-z)))
    assert links.binary_cross_entropy(y, z) == pytest.approx(direct, rel=1e-13)
    two_col = np.stack([np.zeros_like(z), z], axis=1)  # class 1 has logit z, class 0 has logit 0
    assert links.binary_cross_entropy(y, z) == pytest.approx(links.cross_entropy(y, two_col), rel=1e-13)
    assert links.binary_cross_entropy([0.0], [1000.0]) == pytest.approx(1000.0)


def test_bad_labels_are_named():
    with pytest.raises(ValueError, match="labels"):
        links.cross_entropy([0, 3], [[0.0, 1.0], [1.0, 0.0]])
    with pytest.raises(ValueError, match="labels"):
        links.cross_entropy([0.5], [[0.0, 1.0]])
    with pytest.raises(ValueError, match="same shape"):
        links.binary_cross_entropy([0, 1], [0.0])


def test_naive_formulas_do_overflow():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        assert np.isnan(links.naive_softmax([1000.0, 0.0])).any()
        assert np.isinf(links.naive_log_sigmoid(-1000.0))
        assert np.isnan(links.naive_softmax(np.array([100.0, 0.0], dtype=np.float32))).any()


def test_logit_pairs_cover_both_scales():
    from logistic_softmax.science.numerics import logit_pairs

    z = logit_pairs(1000.0, 5)
    axis = np.unique(z[:, 0])
    assert z.shape == (axis.size**2, 2)
    assert axis.min() == -1000.0 and axis.max() == 1000.0 and {-10.0, -5.0, 0.0, 5.0, 10.0} <= set(axis)
