"""Values from the command line and from parameters files, read by one rule: the text means what it means in the
notebook's parameters cell (Python), a bare word is that word; YAML files never turn ``010``, ``yes`` or ``on`` into
other things."""

import pytest

from logistic_softmax.errors import ParameterError
from logistic_softmax.notebook.params import schema_from_source
from logistic_softmax.runner.inputs import format_value, load_params_file, parse_assignments


def test_text_values_are_parsed_to_declared_types(schema):
    got = parse_assignments('n=7 rate=2 name=my.csv flag=True digits=[4,9] preds=\'["x", "y"]\' ref=3', schema)
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
        ("rate=.nan", r"parameter 'rate': cannot read '.nan' as a number in \(0, inf\) \(as Python reads it"),
        ("rate=nan", r"parameter 'rate': expected a number in \(0, inf\), got 'nan' \(str\)"),
        ("rate=1e400", r"parameter 'rate': expected a finite number"),
        ("n=1.5e0", r"parameter 'n': expected an integer"),
        ("alpha=1", r"parameter 'alpha': expected a number in \(0, 1\)"),
        ("flag=maybe", r"parameter 'flag': expected True or False"),
        ("flag=true", r"parameter 'flag': expected True or False, got 'true'"),
        ("flag=yes", r"parameter 'flag': expected True or False, got 'yes'"),
        ("n=010", r"parameter 'n': cannot read '010' as an integer .*leading zeros"),
        ("n=1,000", r"parameter 'n': expected an integer in \[1, 100\], got \[1, 0\]"),  # Python's tuple (1, 0)
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




def test_a_value_means_what_the_same_text_means_in_the_parameters_cell(schema):
    """The cases of the command line that YAML 1.1 used to turn into other things."""
    assert parse_assignments("n=0x10", schema) == {"n": 16}  # as in Python
    assert parse_assignments("n=10 name=010 preds=[yes,no]", schema) == {"n": 10, "name": "010", "preds": ["yes", "no"]}
    assert parse_assignments("preds=[on,off] name=yes ref=no", schema) == {
        "preds": ["on", "off"], "name": "yes", "ref": "no"}
    assert parse_assignments("preds=\"['a b', c]\"", schema) == {"preds": ["a b", "c"]}
    assert parse_assignments("ref=None name=None", schema) == {"ref": None, "name": "None"}  # None where allowed
    assert parse_assignments("ref=\"'None'\"", schema) == {"ref": "None"}  # quoted past the shell: a text


def test_a_parameters_file_reads_unquoted_scalars_by_the_same_rule(tmp_path, schema):
    path = tmp_path / "p.yaml"
    path.write_text("n: 0x10\nname: 010\npreds: [yes, no]\nref: on\nflag: True\n")
    assert load_params_file(path, schema) == {"n": 16, "name": "010", "preds": ["yes", "no"], "ref": "on", "flag": True}
    path.write_text("n: '7'\n")
    with pytest.raises(ParameterError, match=r"p.yaml: parameter 'n': expected an integer .*got '7' \(str\)"):
        load_params_file(path, schema)  # quoted: a string, as in Python
    for text, message in [("n: 010\n", r"parameter 'n': cannot read '010'.*leading zeros"),
                          ("flag: yes\n", r"parameter 'flag': expected True or False, got 'yes'")]:
        path.write_text(text)
        with pytest.raises(ParameterError, match=message):
            load_params_file(path, schema)


ANY = schema_from_source(
    "i: int = 0  # any integer\nx: float = 0.0  # any number\nb: bool = False  # a switch\ns: str = \"\"  # a text\n"
    "o: str | None = None  # a text or nothing\nli: list[int] = []  # integers\nls: list[str] = []  # texts\n", "any")


@pytest.mark.parametrize("name, value", [("i", 10), ("i", -3), ("x", 0.5), ("x", 1e-12), ("x", -2.5), ("b", True),
                                         ("o", None), ("o", "None"), ("s", "spector"), ("s", "two words"), ("s", "010"),
                                         ("s", "yes"), ("li", [3, 5]), ("ls", ["yes", "no"]), ("ls", ["a b", "c"]),
                                         ("s", "data/my file.csv"), ("ls", ["010", "1"])])
def test_format_value_writes_what_reads_back_to_the_same_value(name, value):
    """What a run's label, the index and a sweep page show can be typed again, and means the same."""
    import shlex

    assert parse_assignments(f"{name}={shlex.quote(format_value(value))}", ANY)[name] == value
