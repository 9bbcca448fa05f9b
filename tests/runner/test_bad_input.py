"""The catalogue of bad input (README, "Bad input"): every entry gives one clear message, exit code 2, no kernel,
and nothing in reports/ changed. The README's table and :data:`CATALOGUE` list the same entries."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import papermill
import pytest
from helpers import write_folder

from logistic_softmax.runner import cli, cluster

ROOT = Path(__file__).resolve().parents[2]


def _csvs(tmp: Path) -> dict[str, Path]:
    rng = np.random.default_rng(0)
    n = 40
    frame = pd.DataFrame(
        {"y": rng.integers(0, 2, n), "x1": rng.normal(size=n), "x2": rng.normal(size=n), "city": ["a", "b"] * 20}
    )
    paths = {"good": tmp / "good.csv", "one_class": tmp / "one_class.csv", "three": tmp / "three.csv"}
    frame.to_csv(paths["good"], index=False)
    frame.assign(y=1).to_csv(paths["one_class"], index=False)
    frame.assign(y=rng.integers(0, 3, n)).to_csv(paths["three"], index=False)
    changes = {"inf": {"x2": np.where(np.arange(n) == 6, -np.inf, frame["x2"])}, "empty_x": {"x2": np.nan},
               "empty_y": {"y": np.nan}}
    for name, change in changes.items():
        paths[name] = tmp / f"{name}.csv"
        frame.assign(**change).to_csv(paths[name], index=False)
    return paths


def _mnist_dirs(tmp: Path) -> dict[str, Path]:
    small = tmp / "mnist-small"
    write_folder(small, n_train=1200, n_test=10)
    missing = tmp / "mnist-missing"
    shutil.copytree(small, missing)
    (missing / "t10k-labels-idx1-ubyte.gz").unlink()
    corrupt = tmp / "mnist-corrupt"
    shutil.copytree(small, corrupt)
    f = corrupt / "train-labels-idx1-ubyte.gz"
    data = bytearray(f.read_bytes())
    data[len(data) // 2] ^= 0xFF
    f.write_bytes(bytes(data))
    return {"small": small, "missing": missing, "corrupt": corrupt}


def _files(tmp: Path) -> dict[str, Path]:
    files = {"not_yaml": tmp / "bad.yaml", "not_mapping": tmp / "list.yaml", "grid_empty": tmp / "grid_empty.yaml"}
    files["not_yaml"].write_text("learning_rate: [0.1\n")
    files["not_mapping"].write_text("- 0.1\n- 0.2\n")
    files["grid_empty"].write_text("learning_rate: []\n")
    files["zeros"] = tmp / "zeros.yaml"
    files["zeros"].write_text("epochs: 010\n")
    files["grid_ok"] = tmp / "grid_ok.yaml"
    files["grid_ok"].write_text("learning_rate: [0.5, 1.0]\n")
    files["grid_bad"] = tmp / "grid_bad.yaml"
    files["grid_bad"].write_text("learning_rate: [0.5, -1]\nseed: [0, 1]\n")
    return files


#: (what the README calls it, the command's arguments, the message expected); {csv}, {mnist} and {file} are
#: filled in with files the test writes.
CATALOGUE: list[tuple[str, list[str], str]] = [
    ("unknown notebook", ["run", "--notebook", "06_nope"], r"unknown notebook '06_nope'; notebooks in .*: 01_sigmoid"),
    (
        "unknown parameter",
        ["run", "--notebook", "04_networks", "--set", "learning_rat=1"],
        r"unknown parameter 'learning_rat' for notebook 04_networks; valid parameters: data, outcome",
    ),
    (
        "wrong type",
        ["run", "--notebook", "05_mnist", "--set", "epochs=many"],
        r"parameter 'epochs': expected an integer.*got 'many'",
    ),
    (
        "a number with leading zeros",
        ["run", "--notebook", "05_mnist", "--set", "epochs=010"],
        r"parameter 'epochs': cannot read '010' as an integer in \[1, 1000\] \(as Python reads it: leading zeros",
    ),
    (
        "leading zeros in a parameters file",
        ["run", "--notebook", "05_mnist", "--params-file", "{file[zeros]}"],
        r"parameters file .*zeros.yaml: parameter 'epochs': cannot read '010'",
    ),
    (
        "zero or negative epochs",
        ["run", "--notebook", "05_mnist", "--set", "epochs=0"],
        r"parameter 'epochs': expected an integer in \[1, 1000\], got 0",
    ),
    (
        "learning rate <= 0",
        ["run", "--notebook", "04_networks", "--set", "learning_rate=0"],
        r"parameter 'learning_rate': expected a number in \(0, 100\], got 0",
    ),
    (
        "hidden units < 1",
        ["run", "--notebook", "05_mnist", "--set", "hidden_units=0"],
        r"parameter 'hidden_units': expected an integer in \[1, 2048\], got 0",
    ),
    (
        "alpha outside [1e-12, 1)",
        ["run", "--notebook", "02_logit_glm", "--set", "alpha=1"],
        r"parameter 'alpha': expected a number in \[1e-12, 1\), got 1",
    ),
    (
        "pca_components outside [1, 784]",
        ["run", "--notebook", "05_mnist", "--set", "pca_components=785"],
        r"parameter 'pca_components': expected an integer in \[1, 784\], got 785",
    ),
    (
        "a digit outside 0-9",
        ["run", "--notebook", "05_mnist", "--set", "digits=[3,10]"],
        r"parameter 'digits': .*\[0, 9\].*10",
    ),
    (
        "a pair of equal digits",
        ["run", "--notebook", "05_mnist", "--set", "digits=[4,4]"],
        r"parameter 'digits': expected two different digits 0-9.*got \[4, 4\]",
    ),
    (
        "n_train larger than the data",
        ["run", "--notebook", "05_mnist", "--set", "mnist_dir={mnist[small]} n_train=5000"],
        r"parameter 'n_train': expected at most the 1200 training images, got 5000",
    ),
    (
        "missing CSV",
        ["run", "--notebook", "02_logit_glm", "--set", "data=/no/such/file.csv"],
        r"parameter 'data': .*/no/such/file.csv",
    ),
    (
        "CSV without the outcome column",
        ["run", "--notebook", "02_logit_glm", "--set", "data={csv[good]} outcome=passed predictors=[x1]"],
        r"outcome.*'passed'.*good.csv",
    ),
    (
        "CSV without a predictor column",
        ["run", "--notebook", "02_logit_glm", "--set", "data={csv[good]} outcome=y predictors=[x1,x9]"],
        r"predictors.*'x9'.*good.csv",
    ),
    (
        "a non-numeric predictor",
        ["run", "--notebook", "02_logit_glm", "--set", "data={csv[good]} outcome=y predictors=[x1,city]"],
        r"predictors.*'city'.*numeric.*formula='y ~ \.\.\. \+ C\(city\)'",
    ),
    (
        "a formula naming an unknown column",
        ["run", "--notebook", "02_logit_glm", "--set", "data={csv[good]} formula='y ~ x1 + C(town)'"],
        r"parameter 'formula': column 'town' is not in .*good.csv; its columns are y, x1, x2, city",
    ),
    (
        "a formula that cannot be read",
        ["run", "--notebook", "03_mnlogit_glm", "--set", "data={csv[three]} formula='y ~ x1 +'"],
        r"parameter 'formula': cannot read it as a formula on .*three.csv",
    ),
    (
        "a formula term that is undefined",
        ["run", "--notebook", "04_networks", "--set", "layer_data={csv[three]} layer_formula='y ~ np.log(x1)'"],
        r"parameter 'layer_formula': a term of the formula is undefined \(NaN\) in \d+ rows",
    ),
    (
        "a predictor with an infinite value",
        ["run", "--notebook", "02_logit_glm", "--set", "data={csv[inf]} outcome=y predictors=[x1,x2]"],
        r"parameter 'predictors': column 'x2' of .*inf.csv holds 1 infinite value\(s\), the first -inf in data row 7; "
        r"expected finite numbers",
    ),
    (
        "a predictor with every value missing",
        ["run", "--notebook", "03_mnlogit_glm", "--set", "data={csv[empty_x]} outcome=y predictors=[x1,x2]"],
        r"parameter 'predictors': column 'x2' of .*empty_x.csv is empty: every one of its 40 values is missing",
    ),
    (
        "an outcome with every value missing",
        ["run", "--notebook", "04_networks", "--set",
         "layer_data={csv[empty_y]} layer_outcome=y layer_predictors=[x1]"],
        r"parameter 'layer_outcome': column 'y' of .*empty_y.csv is empty: every one of its 40 values is missing "
        r"\(expected class labels\)",
    ),
    (
        "an outcome with one class",
        ["run", "--notebook", "02_logit_glm", "--set", "data={csv[one_class]} outcome=y predictors=[x1]"],
        r"outcome.*'y'.*one class",
    ),
    (
        "a binary outcome with three classes",
        ["run", "--notebook", "02_logit_glm", "--set", "data={csv[three]} outcome=y predictors=[x1]"],
        r"parameter 'outcome': logistic regression needs exactly two classes, 'y' has 3",
    ),
    (
        "a reference that is not a category",
        ["run", "--notebook", "03_mnlogit_glm", "--set", "reference=9"],
        r"parameter 'reference': expected one of the classes of 'PID' \('0', .*got '9'",
    ),
    (
        "an empty predictor list",
        ["run", "--notebook", "02_logit_glm", "--set", "predictors=[]"],
        r"parameter 'predictors': .*at least one",
    ),
    (
        "a missing MNIST file",
        ["run", "--notebook", "05_mnist", "--set", "mnist_dir={mnist[missing]}"],
        r"MNIST file .*t10k-labels-idx1-ubyte.gz not found; restore .*`git checkout -- data/mnist/`",
    ),
    (
        "a corrupt MNIST file",
        ["run", "--notebook", "05_mnist", "--set", "mnist_dir={mnist[corrupt]}"],
        r"MNIST file .*train-labels-idx1-ubyte.gz.*`git checkout -- data/mnist/`",
    ),
    (
        "a parameters file that is not valid YAML",
        ["run", "--notebook", "04_networks", "--params-file", "{file[not_yaml]}"],
        r"parameters file .*bad.yaml: not valid YAML \(line 2, column 1: expected ',' or '\]'",
    ),
    (
        "a parameters file that is not a mapping",
        ["run", "--notebook", "04_networks", "--params-file", "{file[not_mapping]}"],
        r"parameters file .*list.yaml: expected a mapping of name: value, got list",
    ),
    (
        "a grid file that is not a mapping",
        ["sweep", "--notebook", "04_networks", "--grid", "{file[not_mapping]}"],
        r"grid file .*list.yaml: expected a mapping of parameter name to a list of values, got list",
    ),
    (
        "a grid with no values for a parameter",
        ["sweep", "--notebook", "04_networks", "--grid", "{file[grid_empty]}"],
        r"grid file .*grid_empty.yaml: parameter 'learning_rate': expected at least one value",
    ),
    (
        "a grid with a bad value",
        ["sweep", "--notebook", "04_networks", "--grid", "{file[grid_bad]}"],
        r"grid file .*grid_bad.yaml: parameter 'learning_rate': expected a number in \(0, 100\], got -1",
    ),
    (
        "a figure axis that is not a swept parameter",
        ["sweep", "--notebook", "04_networks", "--grid", "{file[grid_ok]}", "--x", "epochs"],
        r"--x: expected one of the swept parameters learning_rate, got 'epochs'",
    ),
    ("zero worker processes", ["run", "--jobs", "0"], r"--jobs.*expected a whole number of worker processes >= 1"),
    (
        "a timeout that is not a positive number",
        ["run", "--notebook", "01_sigmoid_softmax", "--timeout", "0"],
        r"argument --timeout: expected a positive number of seconds \(the longest a cell may run\), got '0'",
    ),
    (
        "a malformed scheduler address",
        ["sweep", "--notebook", "04_networks", "--grid", "{file[grid_ok]}", "--scheduler", "tcp//127.0.0.1:8786"],
        r"argument --scheduler: expected 'local' or a Dask scheduler address such as tcp://host:8786, "
        r"got 'tcp//127.0.0.1:8786'",
    ),
    (
        "an unreachable scheduler",
        ["sweep", "--notebook", "04_networks", "--grid", "{file[grid_ok]}", "--scheduler", "tcp://127.0.0.1:9"],
        r"--scheduler tcp://127.0.0.1:9: no Dask scheduler answered there within 1 s",
    ),
]


@pytest.fixture(autouse=True)
def short_connect(monkeypatch):
    """An unreachable scheduler is given 1 s here, not 10 (port 9 of loopback: nothing listens there)."""
    monkeypatch.setattr(cluster, "CONNECT_SECONDS", 1.0)


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> dict[str, dict[str, Path]]:
    tmp = tmp_path_factory.mktemp("bad-input")
    return {"csv": _csvs(tmp), "mnist": _mnist_dirs(tmp), "file": _files(tmp)}


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("what, args, message", CATALOGUE, ids=[c[0] for c in CATALOGUE])
def test_bad_input_is_answered_with_one_message_and_nothing_changes(
    what, args, message, inputs, tmp_path, capsys, monkeypatch
):
    reports = tmp_path / "reports"
    reports.mkdir()
    for name, text in (("04_networks.html", "<p>an earlier report</p>"), ("04_networks.json", "{}")):
        (reports / name).write_text(text)
    before = snapshot(reports)

    def no_kernel(*a, **k):
        raise AssertionError("a kernel was started for bad input")

    monkeypatch.setattr(papermill, "execute_notebook", no_kernel)
    filled = [a.format(**inputs) for a in args]
    code = cli.main([*filled, "--reports", str(reports)])
    err = capsys.readouterr().err.strip()
    assert code == 2, err
    assert err.startswith("error: ") and len(err.splitlines()) == 1, err
    assert re.search(message, err), err
    assert snapshot(reports) == before


def test_the_readme_catalogue_lists_exactly_these_entries():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Bad input", 1)[1].split("\n## ", 1)[0]
    names = [
        line.split("|")[1].strip() for line in section.splitlines() if line.startswith("| ") and "---" not in line
    ][1:]  # the header row first
    assert names == [c[0] for c in CATALOGUE]
