"""Parameter schemas read from parameters cells, and validation of text, YAML and namespace values."""

import math

import pytest

from logistic_softmax.params import (
    ParameterError,
    load_params_file,
    parse_assignments,
    read_schema,
    schema_from_source,
    validate_in_notebook,
)

SOURCE = """\
n: int = 5  # how many  [1, 100]
rate: float = 0.1  # step size  (0, inf)
alpha: float = 0.05  # level  (0, 1)
name: str = "spector"  # dataset name or CSV path
flag: bool = False  # a switch
digits: list[int] = [3, 5]  # two digits  [0, 9]
preds: list[str] = ["a", "b"]  # columns
ref: str | None = None  # reference category (None: the first)
mode: str = "fast"  # how to run {fast, slow}
"""


@pytest.fixture
def schema():
    return schema_from_source(SOURCE, "demo")


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


def test_text_values_are_parsed_to_declared_types(schema):
    got = parse_assignments('n=7 rate=2 name=my.csv flag=true digits=[4,9] preds=\'["x", "y"]\' ref=3', schema)
    assert got == {
        "n": 7,
        "rate": 2.0,
        "name": "my.csv",
        "flag": True,
        "digits": [4, 9],
        "preds": ["x", "y"],
        "ref": "3",
    }
    assert isinstance(got["rate"], float)
    assert parse_assignments("ref=None", schema) == {"ref": None}
    assert parse_assignments("name='two words'", schema) == {"name": "two words"}
    assert parse_assignments("", schema) == {}
    assert parse_assignments("rate=1e6 n=1e1", schema) == {"rate": 1e6, "n": 10}


@pytest.mark.parametrize(
    "text, message",
    [
        ("bogus=1", r"unknown parameter 'bogus' for notebook demo; valid parameters: n, rate, alpha"),
        ("n=2.5", r"parameter 'n': expected an integer in \[1, 100\]"),
        ("n=abc", r"parameter 'n': expected an integer"),
        ("n=true", r"parameter 'n': expected an integer"),
        ("n=0", r"parameter 'n': expected an integer in \[1, 100\], got 0"),
        ("rate=0", r"parameter 'rate': expected a number in \(0, inf\), got 0.0"),
        ("rate=-1", r"parameter 'rate'"),
        ("rate=.nan", r"parameter 'rate': expected a finite number"),
        ("rate=nan", r"parameter 'rate': expected a finite number"),
        ("rate=1e400", r"parameter 'rate': expected a finite number"),
        ("n=1.5e0", r"parameter 'n': expected an integer"),
        ("alpha=1", r"parameter 'alpha': expected a number in \(0, 1\)"),
        ("flag=maybe", r"parameter 'flag': expected true or false"),
        ("digits=[3,10]", r"parameter 'digits': expected a list .* in \[0, 9\], got \[3, 10\] \(element 10\)"),
        ("digits=3", r"parameter 'digits': expected a list"),
        ("mode=medium", r"parameter 'mode': expected one of \{fast, slow\}"),
        ("n", r"expected name=value"),
        ("n=1 n=2", r"given twice"),
        ("name='unclosed", r"cannot split"),
    ],
)
def test_bad_text_values_name_the_parameter(schema, text, message):
    with pytest.raises(ParameterError, match=message):
        parse_assignments(text, schema)


def test_params_file(tmp_path, schema):
    good = tmp_path / "good.yaml"
    good.write_text("n: 9\nrate: 1\ndigits: [1, 2]\nname: 12\n")
    assert load_params_file(good, schema) == {"n": 9, "rate": 1.0, "digits": [1, 2], "name": "12"}
    with pytest.raises(ParameterError, match=r"missing.yaml: no such file"):
        load_params_file(tmp_path / "missing.yaml", schema)


@pytest.mark.parametrize(
    "content, message",
    [
        ("n: [1,\n", r"p.yaml: not valid YAML"),
        ("- 1\n- 2\n", r"p.yaml: expected a mapping of name: value, got list"),
        ("zzz: 1\n", r"p.yaml: unknown parameter 'zzz'"),
        ("n: 1000\n", r"p.yaml: parameter 'n'"),
    ],
)
def test_bad_params_file_names_the_file(tmp_path, schema, content, message):
    path = tmp_path / "p.yaml"
    path.write_text(content)
    with pytest.raises(ParameterError, match=message):
        load_params_file(path, schema)


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
    from conftest import NOTEBOOKS

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
    from conftest import COMMITTED

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
