"""The checks of a run's values that need the data, made by the runner before any kernel starts and by a notebook
opened in Jupyter."""

import pytest
from helpers import write_folder

from logistic_softmax.errors import DataError
from logistic_softmax.notebook.preflight import preflight
from logistic_softmax.runner import cli


def test_preflight_checks_every_data_set_a_run_names(tmp_path):
    preflight({"data": "spector", "outcome": "GRADE", "predictors": ["GPA"]})
    with pytest.raises(DataError, match="parameter 'outcome'"):
        preflight({"data": "spector", "outcome": "nope", "predictors": ["GPA"]})
    with pytest.raises(DataError, match="parameter 'layer_predictors'"):
        preflight({"data": "spector", "outcome": "GRADE", "predictors": ["GPA"],
                   "layer_data": "anes96", "layer_outcome": "PID", "layer_predictors": ["nope"]})
    with pytest.raises(DataError, match="parameter 'binary_outcome': logistic regression needs exactly two classes"):
        preflight({"data": "spector", "outcome": "GRADE", "predictors": ["GPA"], "binary_data": "anes96",
                   "binary_outcome": "PID", "binary_predictors": ["age"], "binary_positive": ""})
    write_folder(tmp_path / "m", n_train=6)
    preflight({"mnist_dir": str(tmp_path / "m"), "n_train": 6, "digits": [3, 5]})
    with pytest.raises(DataError, match="parameter 'n_train'"):
        preflight({"mnist_dir": str(tmp_path / "m"), "n_train": 7, "digits": [3, 5]})


def test_the_runner_refuses_bad_data_before_any_kernel_starts(tmp_path, capsys):
    reports = tmp_path / "reports"
    code = cli.main(
        ["run", "--notebook", "02_logit_glm", "--set", f"data={tmp_path}/absent.csv", "--reports", str(reports)]
    )
    err = capsys.readouterr().err
    assert code == 2 and "parameter 'data'" in err and "absent.csv" in err
    assert not reports.exists()


def test_the_runner_checks_the_networks_notebooks_second_data_set(tmp_path, capsys):
    reports = tmp_path / "reports"
    code = cli.main(["run", "--notebook", "04_networks", "--set", "layer_outcome=nope", "--reports", str(reports)])
    err = capsys.readouterr().err
    assert code == 2 and "parameter 'layer_outcome'" in err and "'nope' is not in anes96" in err
    assert not reports.exists()
