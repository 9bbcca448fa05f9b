"""The separable data of the penalties report: the generated set's margin, the fewest principal components that
separate an MNIST pair (checked by brute force with the linear programme), the fallback when none do."""

import numpy as np
import pytest

from logistic_softmax.science import svm
from logistic_softmax.science.data import mnist, separable


def test_generated_points_are_separated_with_the_margin_they_are_built_with():
    X, y = separable.generated(101, np.random.default_rng(0))
    assert X.shape == (101, 3) and list(X.columns) == ["const", "x1", "x2"] and 0 < y.mean() < 1
    # the line u'(x - c) = 0 leaves every point at least 0.5 on its side: (-u'c, u) / 0.5 is feasible for the SVM
    u, c = np.array([np.cos(np.pi / 6), np.sin(np.pi / 6)]), np.array([0.5, -0.5])
    w = np.r_[-u @ c, u] / 0.5
    A = svm.signed_rows(X.to_numpy(), y)
    assert (A @ w).min() >= 1 - 1e-12
    assert np.linalg.norm(svm.hard_margin(A).w) <= np.linalg.norm(w) + 1e-12
    assert separable.separation_of(X, y).kind == "complete"


@pytest.fixture(scope="module")
def train():
    return mnist.load("train")


def test_the_fewest_separating_components_are_found(train):
    values = {"separable": "mnist", "digits": [0, 1], "images": 60, "components": 1}
    data = separable.choose(values, train, np.random.default_rng(3))
    assert data.name == "mnist" and data.separable and data.n == 60
    k = data.X.shape[1] - 1
    scores, y, _ = separable.mnist_pair(train, [0, 1], 60, 1, np.random.default_rng(3))
    np.testing.assert_array_equal(y, data.y)
    design = separable._on_components
    assert separable.separation_of(design(scores, k), y).kind == "complete"
    if k > 1:
        assert separable.separation_of(design(scores, k - 1), y).kind != "complete"
        assert any("fewest" in note for note in data.notes)


def test_inseparable_digits_fall_back_to_the_generated_set():
    images = np.tile(np.linspace(0, 1, 784, dtype=np.float32), (20, 1))
    images[:, 0] = np.arange(20) % 5 / 4  # one varying pixel, the same values in both digits
    split = mnist.Split(images, np.repeat([3, 5], 10))
    values = {"separable": "mnist", "digits": [3, 5], "images": 20, "components": 1}
    data = separable.choose(values, split, np.random.default_rng(0))
    assert data.name == "generated" and data.separable and any("not linearly separable" in n for n in data.notes)
