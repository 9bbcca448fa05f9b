"""The StackExchange posts' code reproduces their printed digits; the relation beta = -(b1 - b2) holds."""

import numpy as np

from logistic_softmax.science import stackexchange as se
from logistic_softmax.science.links import sigmoid


def test_question_reproduces_printed_digits():
    q = se.question(0.5, 1, -1)
    assert q[0] == 0.6224593312018546 and q[1] == 0.3775406687981454
    np.testing.assert_array_equal(np.round(q[2], 8), [0.73105858, 0.26894142])


def test_answer_reproduces_printed_digits():
    a = se.answer(0.5, 1, -1)
    assert a[0] == 0.7310585786300049 and a[1] == 0.2689414213699951
    np.testing.assert_array_equal(np.round(a[2], 8), [0.73105858, 0.26894142])


def test_evaluate_by_hand():
    res = se.evaluate(0.5, 1.0, -1.0)
    # by hand: sigmoid(0.5), sigmoid(-0.5), and softmax = [sigmoid(1), sigmoid(-1)]
    s = lambda t: 1 / (1 + np.exp(-t))  # noqa: E731
    np.testing.assert_allclose(res["question"], [s(0.5), s(-0.5), s(1.0), s(-1.0)], rtol=1e-15)
    np.testing.assert_allclose(res["answer"], [s(1.0), s(-1.0), s(1.0), s(-1.0)], rtol=1e-15)
    assert not res["overflowed"]


def test_evaluate_overflow_falls_back_to_stable_links():
    res = se.evaluate(100.0, 10.0, -10.0)  # logits of 1000 and 2000: the posts' formulas overflow
    assert res["overflowed"] and np.isfinite(res["question"] + res["answer"]).all()
    assert res["answer"][:2] == res["answer"][2:]


def test_relation_grid():
    g = se.relation_grid(3.0, 7)
    assert g["x"].size == 7**3
    np.testing.assert_allclose(g["softmax"], g["logistic"], atol=4e-16)
    b2_zero = g["x"] * g["b2"] == 0
    np.testing.assert_allclose(g["question_sigmoid"][b2_zero], sigmoid(g["x"] * (g["b1"] - g["b2"]))[b2_zero])
    assert (np.abs(g["question_sigmoid"] - g["softmax"][:, 0])[~b2_zero] > 1e-6).all()
