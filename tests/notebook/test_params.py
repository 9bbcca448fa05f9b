"""Parameter schemas read from parameters cells, their checks of values, and validation inside a notebook."""

import math

import pytest
from helpers import COMMITTED, NOTEBOOKS

from logistic_softmax.errors import ParameterError
from logistic_softmax.notebook.params import python_literal, read_schema, schema_from_source, validate_in_notebook


def test_schema_reads_types_defaults_help_and_ranges(schema):
    assert schema.names == ["n", "rate", "alpha", "name", "flag", "digits", "preds", "ref", "mode"]
    n = schema["n"]
    assert (n.type, n.default, n.help, n.low, n.high, n.low_closed, n.high_closed) == (
        "int",
        5,
        "how many",
        1,
        100,
        True,
        True,
    )
    rate = schema["rate"]
    assert rate.low == 0 and rate.high == math.inf and not rate.low_closed
    assert schema["mode"].choices == ("fast", "slow")
    assert schema["ref"].optional and schema["ref"].default is None
    assert schema.validate() == schema.defaults()


@pytest.mark.parametrize(
    "source, message",
    [
        ("n = 5  # untyped", "not 'name: type = literal"),
        ("n: int = 2 + 3  # derived", "literal default"),
        ("n: dict = {}  # what", "unsupported type"),
        ("n: int = 500  # too big  [1, 10]", "parameter 'n'"),
        ("n: int = (", "not valid Python"),
    ],
)
def test_bad_parameters_cells_are_rejected(source, message):
    with pytest.raises(ParameterError, match=message):
        schema_from_source(source, "broken")


def test_overrides_and_table(schema):
    values = schema.validate({"n": 5, "rate": 0.2})
    assert schema.overrides_of(values) == {"rate": 0.2}
    table = schema.table()
    assert "rate" in table and "(0, inf)" in table and "step size" in table


def test_committed_notebook_schema_and_in_notebook_validation():
    schema = read_schema(NOTEBOOKS / "01_sigmoid_softmax.ipynb")
    assert schema.defaults()["x"] == 0.5 and schema.defaults()["b1"] == 1.0 and schema.defaults()["b2"] == -1.0
    assert validate_in_notebook("01_sigmoid_softmax", {"x": 2, "b1": 3.0, "b2": -1.0})["x"] == 2.0
    with pytest.raises(ParameterError, match="parameter 'grid_points'"):
        validate_in_notebook("01_sigmoid_softmax", {"grid_points": 1})


def test_schema_is_read_from_the_notebook_json_as_nbformat_reads_it(tmp_path):
    """The JSON is read directly (no nbformat in the kernel); the cell's source may be one string or a list of lines,
    and anything that is not a format-4 notebook with one parameters cell is one clear error naming the file."""
    import json

    import nbformat

    for path in COMMITTED:  # the same source as nbformat's reading of each committed notebook
        nb = nbformat.read(path, as_version=4)
        (cell,) = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
        assert read_schema(path) == schema_from_source(cell.source, path.stem)
    lines = {
        "cell_type": "code",
        "metadata": {"tags": ["parameters"]},
        "source": ["n: int = 5  # how many\n", "m: int = 2  # more"],
    }
    f = tmp_path / "lines.ipynb"
    f.write_text(json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [lines]}))
    assert read_schema(f).names == ["n", "m"]
    for text, expected in [
        ("not json", r"not a readable Jupyter notebook \(JSONDecodeError"),
        ('{"nbformat": 3, "worksheets": []}', "expected a Jupyter notebook in format 4, got format 3"),
        ('{"nbformat": 4, "cells": []}', "expected exactly one cell tagged 'parameters', found 0"),
        ("[1, 2]", r"not a readable Jupyter notebook \(AttributeError"),
    ]:
        f.write_text(text)
        with pytest.raises(ParameterError, match=rf"lines.ipynb: {expected}"):
            read_schema(f)


@pytest.mark.parametrize(
    "text, value",
    [("10", 10), ("0x10", 16), ("1e6", 1e6), ("-3", -3), ("True", True), ("None", None), ("'a b'", "a b"),
     ("[3, 5]", [3, 5]), ("[yes, no]", ["yes", "no"]), ("spector", "spector"), ("(1, 2)", [1, 2]),
     ("1,000", [1, 0])],
)
def test_python_literal_reads_what_python_reads(text, value):
    """The same text as in the parameters cell: Python literals, a bare word taken as that word."""
    assert python_literal(text) == value and type(python_literal(text)) is type(value)


@pytest.mark.parametrize(
    "text, reason", [("010", "leading zeros"), ("x + 1", "not a literal"), ("f(2)", "a literal"), ("[1, 2", "never")]
)
def test_python_literal_refuses_what_python_would_not_read_as_a_value(text, reason):
    with pytest.raises(ValueError, match=reason):
        python_literal(text)
