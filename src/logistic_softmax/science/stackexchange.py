"""The StackExchange question "sigmoid vs softmax for k = 2" and its answer, as the posts wrote them.

The posts' functions are reproduced formula for formula so that their printed digits can be checked; the only
change is ``dtype=float`` where the posts wrote ``np.float``, an alias NumPy removed in 1.24.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .links import sigmoid, softmax

__all__ = ["post_sigmoid", "post_sigmoid0", "post_softmax", "question", "answer", "evaluate", "relation_grid", "POSTED",
           "posted_table", "reproduces_post"]

#: The inputs and the outputs as printed in the posts.
POSTED = {
    "inputs": {"x": 0.5, "b1": 1.0, "b2": -1.0},
    "question": (0.6224593312018546, 0.3775406687981454, (0.73105858, 0.26894142)),
    "answer": (0.7310585786300049, 0.2689414213699951, (0.73105858, 0.26894142)),
    "softmax_digits": 8,
}


def post_sigmoid(x):
    """The posts' ``sigmoid``/``sigmoid1``: ``1 / (1 + exp(-x))``."""
    x = np.asarray(x, dtype=float)
    return 1 / (1 + np.exp(-x))


def post_sigmoid0(x):
    """The answer's ``sigmoid0``: ``exp(-x) / (1 + exp(-x)) = 1 - sigmoid(x)``."""
    x = np.asarray(x, dtype=float)
    return np.exp(-x) / (1 + np.exp(-x))


def post_softmax(x):
    """The posts' ``softmax``: ``exp(x) / sum(exp(x))`` (no max shift)."""
    x = np.asarray(x)
    return np.exp(x) / np.sum(np.exp(x))


def question(x: float, b1: float, b2: float) -> tuple[float, float, np.ndarray]:
    """The question's line: ``sigmoid(x*b1), sigmoid(x*b2), softmax([x*(b1-b2), x*(b2-b2)])``."""
    return float(post_sigmoid(x * b1)), float(post_sigmoid(x * b2)), post_softmax([x * (b1 - b2), x * (b2 - b2)])


def answer(x: float, b1: float, b2: float) -> tuple[float, float, np.ndarray]:
    """The answer's line with ``b = -(b1 - b2)``: ``sigmoid0(x*b), sigmoid1(x*b), softmax([x*b1, x*b2])``."""
    b = -(b1 - b2)
    return float(post_sigmoid0(x * b)), float(post_sigmoid(x * b)), post_softmax([x * b1, x * b2])


def relation_grid(limit: float, points: int) -> dict[str, np.ndarray]:
    """Evaluate both sides of the answer's relation on every (x, b1, b2) of a cubic grid, with stable links.

    Returns the grid and, per point, softmax([x b1, x b2]), the logistic probabilities
    [sigmoid(-x b), sigmoid(x b)] with b = -(b1 - b2), and the question's sigmoid(x b1).
    """
    axis = np.linspace(-limit, limit, points)
    x, b1, b2 = (a.ravel() for a in np.meshgrid(axis, axis, axis, indexing="ij"))
    b = -(b1 - b2)
    soft = softmax(np.stack([x * b1, x * b2], axis=1), axis=1)
    logistic = np.stack([sigmoid(-x * b), sigmoid(x * b)], axis=1)
    return {"x": x, "b1": b1, "b2": b2, "softmax": soft, "logistic": logistic, "question_sigmoid": sigmoid(x * b1)}


def evaluate(x: float, b1: float, b2: float) -> dict:
    """The question's and the answer's numbers at (x, b1, b2), as the posts' code computes them.

    Where the posts' unshifted formulas overflow (|logit| beyond ~709) the stable links give the same quantities;
    ``overflowed`` says so, and the report shows it.
    """
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # overflow is detected below and reported, not hidden
        q = question(x, b1, b2)
        a = answer(x, b1, b2)
    flat = [q[0], q[1], *q[2], a[0], a[1], *a[2]]
    overflowed = not np.all(np.isfinite(flat))
    if overflowed:
        b = -(b1 - b2)
        q = (float(sigmoid(x * b1)), float(sigmoid(x * b2)), softmax([x * (b1 - b2), 0.0]))
        a = (float(sigmoid(-x * b)), float(sigmoid(x * b)), softmax([x * b1, x * b2]))
    return {
        "question": [q[0], q[1], float(q[2][0]), float(q[2][1])],
        "answer": [a[0], a[1], float(a[2][0]), float(a[2][1])],
        "overflowed": bool(overflowed),
    }


_EXPRESSIONS = {
    "question": ("sigmoid(x*b1)", "sigmoid(x*b2)", "softmax([x*(b1-b2), x*(b2-b2)])"),
    "answer": ("sigmoid0(x*b)", "sigmoid1(x*b)", "softmax([x*b1, x*b2])"),
}


def _shown(value, digits: int) -> str:
    """A value as the posts print it: a scalar by ``repr``, a softmax vector to ``digits`` decimals."""
    if np.ndim(value) == 0:
        return repr(float(value))
    return "[" + ", ".join(f"{float(t):.{digits}f}" for t in value) + "]"


def posted_table(computed: dict[str, tuple]) -> pd.DataFrame:
    """Each expression of the two posts: its printed output beside ``computed[post]`` (the posts' code run here)."""
    digits = POSTED["softmax_digits"]
    rows = [(post, expression, _shown(POSTED[post][i], digits), _shown(computed[post][i], digits))
            for post, expressions in _EXPRESSIONS.items() for i, expression in enumerate(expressions)]
    return pd.DataFrame(rows, columns=["post", "expression", "printed in the post", "computed here"])


def reproduces_post(post: str, computed: tuple) -> bool:
    """Whether ``computed`` (the post's line run here) equals what ``post`` printed: the two sigmoids exactly, the
    softmax after rounding to the printed number of decimals."""
    printed, digits = POSTED[post], POSTED["softmax_digits"]
    return (computed[0] == printed[0] and computed[1] == printed[1]
            and bool(np.array_equal(np.round(computed[2], digits), printed[2])))
