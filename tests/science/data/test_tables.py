"""Loading a statsmodels dataset or a CSV: classes keep their labels, and every bad request gets one clear error."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from helpers import ANES, SPECTOR

from logistic_softmax.science.data import tables
from logistic_softmax.science.data.tables import DataError


def test_spector_is_binary_with_a_leading_constant():
    ds = tables.from_params(SPECTOR)
    raw = sm.datasets.spector.load_pandas().data
    assert ds.n == 32 and ds.classes == ("0", "1") and ds.K == 2
    assert list(ds.X.columns) == ["const", "GPA", "TUCE", "PSI"]
    np.testing.assert_array_equal(ds.binary("1"), raw["GRADE"].to_numpy())
    assert (ds.X["const"] == 1.0).all() and ds.n_dropped == 0


def test_anes96_has_seven_labelled_classes():
    ds = tables.from_params(ANES)
    raw = sm.datasets.anes96.load_pandas().data
    assert ds.classes == tuple(str(k) for k in range(7))
    np.testing.assert_array_equal(ds.counts.to_numpy(), raw["PID"].value_counts().sort_index().to_numpy())
    assert ds.class_name("0") == "Strong Democrat" and ds.class_name("6") == "Strong Republican"


@pytest.fixture
def labelled_csv(tmp_path):
    frame = pd.DataFrame(
        {
            "answer": ["yes", "no", "no", "yes", None, "no"],
            "party": ["green", "blue", "red", "green", "red", "blue"],
            "x": [1.0, 2.0, 3.0, 4.0, 5.0, np.nan],
            "flag": [True, False, True, False, True, False],
            "city": ["a", "b", "a", "b", "a", "b"],
            "constant": 3.0,
            "height": np.arange(6) * 1.5,
        }
    )
    path = tmp_path / "people.csv"
    frame.to_csv(path, index=False)
    return path


def test_csv_labels_keep_their_names_and_missing_rows_are_counted(labelled_csv):
    ds = tables.from_params(
        {"data": str(labelled_csv), "outcome": "answer", "predictors": ["x", "flag"], "positive": "yes"}
    )
    assert ds.classes == ("no", "yes") and ds.n == 4 and ds.n_dropped == 2
    np.testing.assert_array_equal(ds.binary("yes"), [1.0, 0.0, 0.0, 1.0])
    cat = tables.from_params(
        {"data": str(labelled_csv), "outcome": "party", "predictors": ["height"], "reference": "red"}
    )
    assert cat.classes == ("blue", "green", "red")
    sub = cat.subset(["red", "blue"])
    assert sub.classes == ("blue", "red") and sub.n == 4
    assert list(cat.without("height").X.columns) == ["const"]


def test_label_of_drops_a_zero_fraction_only():
    assert [tables.label_of(v) for v in (3.0, 2.5, "a", np.int64(4), True)] == ["3", "2.5", "a", "4", "True"]


BAD = [
    ({"data": "no_such_dataset"}, "data", "statsmodels dataset"),
    ({"data": "{tmp}/missing.csv"}, "data", "not found"),
    ({"outcome": "nope"}, "outcome", "is not in"),
    ({"predictors": ["x", "nope"]}, "predictors", "'nope' is not in"),
    ({"predictors": ["city"]}, "predictors", "must be numeric"),
    ({"predictors": []}, "predictors", "at least one"),
    ({"predictors": ["x", "x"]}, "predictors", "appears twice"),
    ({"predictors": ["answer"]}, "predictors", "cannot also be a predictor"),
    ({"outcome": "constant"}, "outcome", "one class"),
    ({"outcome": "party"}, "outcome", "exactly two classes"),
    ({"positive": "maybe"}, "positive", "expected one of the classes"),
    ({"focus": "flag"}, "focus", "expected one of the predictors"),
]


@pytest.mark.parametrize("change,param,words", BAD, ids=[b[2] for b in BAD])
def test_bad_requests_name_the_parameter(labelled_csv, change, param, words):
    values = {"data": str(labelled_csv), "outcome": "answer", "predictors": ["x"], "positive": "", "focus": ""}
    values.update(
        {k: (v.replace("{tmp}", str(labelled_csv.parent)) if isinstance(v, str) else v) for k, v in change.items()}
    )
    with pytest.raises(DataError) as err:
        tables.from_params(values)
    assert f"parameter '{param}'" in str(err.value) and words in str(err.value)


def test_categorical_errors(labelled_csv, tmp_path):
    base = {"data": str(labelled_csv), "outcome": "party", "predictors": ["x"], "reference": ""}
    with pytest.raises(DataError, match="parameter 'reference'"):
        tables.from_params({**base, "reference": "purple"})
    with pytest.raises(DataError, match="parameter 'pair'"):
        tables.from_params({**base, "pair": ["red", "red"]})
    wide = tmp_path / "wide.csv"
    pd.DataFrame({"y": np.arange(30), "x": np.arange(30.0)}).to_csv(wide, index=False)
    with pytest.raises(DataError, match="30 distinct values"):
        tables.from_params({"data": str(wide), "outcome": "y", "predictors": ["x"], "reference": ""})


def test_a_prefixed_second_data_set_names_its_own_parameters(labelled_csv, tmp_path):
    base = {"layer_data": str(labelled_csv), "layer_outcome": "party", "layer_predictors": ["x"], "layer_reference": ""}
    ds = tables.from_params(base, kind="categorical", prefix="layer_")
    assert ds.K == 3 and ds.predictors == ("x",)
    for change, param in [
        ({"layer_reference": "purple"}, "layer_reference"),
        ({"layer_outcome": "nope"}, "layer_outcome"),
        ({"layer_predictors": ["city"]}, "layer_predictors"),
        ({"layer_data": str(tmp_path / "absent.csv")}, "layer_data"),
    ]:
        with pytest.raises(DataError, match=f"parameter '{param}'"):
            tables.from_params({**base, **change}, kind="categorical", prefix="layer_")


@pytest.mark.parametrize("sep, name", [(";", "semicolons"), ("\t", "tabs"), ("|", "vertical bars")])
def test_a_file_separated_otherwise_is_read_with_its_separator_and_says_so(tmp_path, sep, name):
    frame = pd.DataFrame({"hours": [0.5, 1.25, 2.0, 3.5, 4.0, 1.0], "passed": ["no", "no", "yes", "yes", "yes", "no"]})
    path = tmp_path / "semi.csv"
    frame.to_csv(path, sep=sep, index=False)
    ds = tables.from_params({"data": str(path), "outcome": "passed", "predictors": ["hours"], "positive": "yes"})
    np.testing.assert_array_equal(ds.X["hours"].to_numpy(), frame["hours"].to_numpy())
    assert ds.classes == ("no", "yes") and f"separated by {name})" in ds.description


def test_decimal_commas_of_a_semicolon_file_are_read_as_numbers_and_named(tmp_path):
    path = tmp_path / "european.csv"
    path.write_text("stunden;bestanden;note\n1,5;ja;2\n2,25;nein;3\n-0,5e1;ja;1\n3;nein;4\n", encoding="utf-8")
    ds = tables.from_params({"data": str(path), "outcome": "bestanden", "predictors": ["stunden", "note"],
                             "positive": "ja"})
    np.testing.assert_array_equal(ds.X["stunden"].to_numpy(), [1.5, 2.25, -5.0, 3.0])
    assert "stunden read with a decimal comma" in ds.description and "note" not in ds.description.split(";")[-1]


def test_a_comma_file_with_a_semicolon_in_a_column_name_stays_a_comma_file(tmp_path):
    path = tmp_path / "names.csv"
    path.write_text("y,a;b,c\n1,2,3\n0,4,5\n1,1,1\n0,3,3\n", encoding="utf-8")
    assert tables.sniff_separator(path) == ","
    ds = tables.from_params({"data": str(path), "outcome": "y", "predictors": ["a;b", "c"], "positive": ""})
    assert ds.predictors == ("a;b", "c")


@pytest.mark.parametrize("column, param, what", [("x2", "predictors", "numbers"), ("y", "outcome", "class labels")])
def test_a_column_with_every_value_missing_is_named(tmp_path, column, param, what):
    frame = pd.DataFrame({"y": [1, 0, 1, 0], "x1": [1.0, 2.0, 3.0, 4.0], "x2": [0.5, 1.0, 2.0, 1.5]})
    frame[column] = np.nan
    path = tmp_path / "empty.csv"
    frame.to_csv(path, index=False)
    message = rf"parameter '{param}': column '{column}' of .*empty.csv is empty: every one of its 4 values is missing"
    with pytest.raises(DataError, match=message + rf" \(expected {what}\)"):
        tables.from_params({"data": str(path), "outcome": "y", "predictors": ["x1", "x2"], "positive": ""})


@pytest.mark.parametrize("text", ["inf", "-inf", "Infinity", "1e400"])
def test_an_infinite_predictor_value_is_named_with_its_row(tmp_path, text):
    path = tmp_path / "inf.csv"
    path.write_text(f"y,x1,x2\n1,1,2\n0,2,3\n1,3,{text}\n0,4,1\n", encoding="utf-8")
    sign = "-" if text.startswith("-") else r"\+"
    with pytest.raises(DataError, match=rf"parameter 'layer_predictors': column 'x2' of .*inf.csv holds 1 infinite "
                                        rf"value\(s\), the first {sign}inf in data row 3; expected finite numbers"):
        tables.from_params({"layer_data": str(path), "layer_outcome": "y", "layer_predictors": ["x1", "x2"]},
                           prefix="layer_")
