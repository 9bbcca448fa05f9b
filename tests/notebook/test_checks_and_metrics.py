"""Claims fail loudly when false (NaN never counts as agreement); metrics survive the trip through a notebook."""

import json

import nbformat
import numpy as np
import pytest

from logistic_softmax.notebook.checks import ClaimFailed, check, check_close, max_abs_diff
from logistic_softmax.notebook.metrics import MIME_TYPE, collect, labels, record, strip, to_jsonable


def test_check_close_passes_and_returns_difference():
    assert check_close("equal", [1.0, 2.0], [1.0, 2.0 + 1e-13], atol=1e-12) == pytest.approx(1e-13, rel=1e-2)
    assert check_close("per-element tolerance", [1.0, 100.0], [1.0, 100.1], atol=np.array([0.0, 0.2])) > 0


@pytest.mark.parametrize(
    "actual, expected",
    [([1.0, 2.0], [1.0, 2.1]), ([np.nan], [np.nan]), ([1.0, np.nan], [1.0, 1.0]), ([np.inf], [1.0])],
)
def test_check_close_fails(actual, expected):
    with pytest.raises(ClaimFailed, match="claim does not hold"):
        check_close("a claim", actual, expected, atol=1e-3)


def test_check_and_max_abs_diff():
    check("true claim", np.array([True, True]))
    with pytest.raises(ClaimFailed):
        check("false claim", [True, False], "one is false")
    assert max_abs_diff([np.inf, 1.0], [np.inf, 1.5]) == 0.5
    assert np.isnan(max_abs_diff([np.nan], [1.0]))


def test_to_jsonable():
    value = {"a": np.float64(1.5), "b": np.arange(3), "c": (np.bool_(True), None), 4: float("nan")}
    assert json.loads(json.dumps(to_jsonable(value))) == {"a": 1.5, "b": [0, 1, 2], "c": [True, None], "4": "nan"}
    with pytest.raises(TypeError):
        to_jsonable(object())


def test_collect_and_strip():
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("")
    cell.outputs = [
        nbformat.v4.new_output("display_data", data={MIME_TYPE: {"name": "m", "value": 1, "key": True}}),
        nbformat.v4.new_output("stream", name="stdout", text="hello"),
        nbformat.v4.new_output("display_data", data={MIME_TYPE: {"name": "m", "value": 2, "key": False}}),
    ]
    nb.cells.append(cell)
    assert collect(nb) == ({"m": 2}, ["m"])
    strip(nb)
    assert [o.output_type for o in nb.cells[0].outputs] == ["stream"]


def test_labels_travel_with_the_records():
    """The label given with a key result is kept (a later record of the same name without one leaves it)."""
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("")
    payloads = [{"name": "k2", "value": 1e-15, "key": True, "label": "two-class MNLogit vs Logit"},
                {"name": "k2", "value": "nan", "key": False},
                {"name": "plain", "value": 3, "key": True}]
    cell.outputs = [nbformat.v4.new_output("display_data", data={MIME_TYPE: p}) for p in payloads]
    nb.cells.append(cell)
    assert collect(nb) == ({"k2": "nan", "plain": 3}, ["k2", "plain"])
    assert labels(nb) == {"k2": "two-class MNLogit vs Logit"}


@pytest.mark.parametrize("label", ["", "   ", 3])
def test_a_label_is_a_non_empty_string(label):
    with pytest.raises(TypeError, match="label of metric 'm'"):
        record("m", 1.0, key=True, label=label)
