"""Every committed notebook: stripped, parameterised, readable by papermill, and rendering with small parameters."""

from __future__ import annotations

import json

import nbformat
import numpy as np
import pytest
from helpers import COMMITTED, SMOKE
from papermill import inspect_notebook

from logistic_softmax.notebook.params import read_schema

#: Metrics each notebook must record (the issues name them).
REQUIRED_METRICS = {
    "01_sigmoid_softmax": {"question", "answer", "identity_max_abs_err"},
    "02_logit_glm": {
        "logit_params",
        "logit_bse",
        "logit_llf",
        "glm_max_abs_param_diff",
        "odds_ratios",
        "mean_cross_entropy",
        "separation",
        "converged",
        "profile_ci",
        "ame",
        "ame_se",
    },
    "03_mnlogit_glm": {
        "mnlogit_params",
        "mnlogit_bse",
        "mnlogit_llf",
        "reference",
        "k2_max_abs_diff_vs_logit",
        "rebase_max_abs_diff",
        "separation",
        "converged",
        "pairwise_vs_joint",
        "profile_ci",
        "ame",
        "ame_se",
    },
    "04_networks": {
        "net0_vs_net1_max_abs_diff",
        "exact_rule_max_abs_diff",
        "global_rate_final_gap",
        "net1_sum_drift",
        "optimizer_rule_max_abs_diff",
        "neuron_vs_logit_max_abs_diff",
        "neuron_certificate",
        "layer_vs_mnlogit_max_abs_diff",
        "layer_certificate",
        "converged",
    },
    "05_mnist": {
        "softmax_test_accuracy",
        "two_layer_test_accuracy",
        "pair_max_abs_diff",
        "pair_certificate",
        "shared_base_exact_rule_max_abs_diff",
        "shared_base_global_rate_prediction_changes",
        "mnlogit_pca_test_accuracy",
        "mnlogit_pca_bse_finite",
        "train_seconds",
    },
    "06_penalties_and_separation": {
        "centred_penalty_max_abs_diff",
        "ridge_max_abs_diff",
        "k2_weight_sum_max_abs",
        "stackexchange_beta",
        "svm_certified_distance",
        "svm_direction_cosine",
        "firth_params",
        "firth_bse",
        "mle_path_final_norm",
    },
    "07_random_utility": {
        "gumbel_softmax_max_abs_diff",
        "gumbel_sup_distances",
        "ovr_sum_range",
        "ovr_mean_sum",
        "ovr_argmax_disagreement",
        "k2_ovr_vs_mnlogit_max_abs_diff",
        "converged",
    },
}


def test_there_are_notebooks_and_each_has_smoke_parameters():
    assert COMMITTED, "no notebooks found"
    assert {p.stem for p in COMMITTED} == set(SMOKE), "every notebook needs small parameters in conftest.SMOKE"


@pytest.mark.parametrize("path", COMMITTED, ids=lambda p: p.stem)
def test_committed_notebook_is_stripped_and_parameterised(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata.get("kernelspec", {}).get("name") == "logistic-softmax"  # make lab's; papermill uses its own
    assert nb.metadata.get("language_info", {}).get("name") == "python"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code), "commit notebooks without outputs"
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, "exactly one cell tagged 'parameters'"
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")
    schema = read_schema(path)
    assert schema.parameters and all(p.help for p in schema.parameters), "every parameter has one line of help"


@pytest.mark.parametrize("path", COMMITTED, ids=lambda p: p.stem)
def test_papermill_reads_the_same_parameters(path):
    """papermill's own parser (used by `papermill --help-notebook`) sees every parameter with its type."""
    inferred = inspect_notebook(str(path))
    schema = read_schema(path)
    assert list(inferred) == schema.names
    for p in schema.parameters:
        assert inferred[p.name]["inferred_type_name"] == p.type
        assert inferred[p.name]["help"].startswith(p.help)


@pytest.mark.notebook
@pytest.mark.parametrize("path", COMMITTED, ids=lambda p: p.stem)
def test_smoke_run_through_the_real_runner(smoke_reports, path):
    runs = [json.loads(p.read_text()) for p in smoke_reports.glob(f"{path.stem}*.json")]
    assert len(runs) == 1
    rec = runs[0]
    assert rec["status"] == "ok"
    assert REQUIRED_METRICS[path.stem] <= set(rec["metrics"])
    html = (smoke_reports / rec["html"]).read_text()
    assert "Traceback" not in html and 'class="claim claim-failed ' not in html
    assert html.count('class="claim claim-ok ') >= 5
    assert (smoke_reports / "index.html").read_text().count(rec["html"]) >= 1


def test_smoke_metrics_of_the_glm_reports(smoke_reports):
    (logit,) = [json.loads(p.read_text()) for p in smoke_reports.glob("02_logit_glm*.json")]
    m = logit["metrics"]
    assert m["separation"] is False and m["converged"] is True
    assert m["logit_params"]["GPA"] == pytest.approx(2.82611259, rel=1e-6)  # statsmodels' documented value
    assert m["logit_llf"] == pytest.approx(-12.889634, abs=1e-6)
    assert m["mean_cross_entropy"] == pytest.approx(12.889634 / 32, abs=1e-6)
    assert m["glm_max_abs_param_diff"] < 1e-6
    (mn,) = [json.loads(p.read_text()) for p in smoke_reports.glob("03_mnlogit_glm*.json")]
    m = mn["metrics"]
    assert m["reference"] == "3" and set(m["mnlogit_params"]) == {"0", "1", "2", "4", "5", "6"}
    assert m["mnlogit_llf"] == pytest.approx(-1461.922747, abs=1e-6)
    assert m["k2_max_abs_diff_vs_logit"] < 1e-8 and m["rebase_max_abs_diff"] < 1e-8


def test_smoke_metrics_of_the_networks_report(smoke_reports):
    (rec,) = [json.loads(p.read_text()) for p in smoke_reports.glob("04_networks*.json")]
    m = rec["metrics"]
    assert m["converged"] is True and m["separation"] is False
    assert m["neuron_vs_logit_max_abs_diff"] <= m["neuron_certificate"]["bound"] * 2  # within the two certificates
    assert m["layer_certificate"]["x"] < 1 and set(m["neuron_certificate"]) == {"grad_norm", "lambda_min", "R", "x",
                                                                                "scale", "bound"}
    assert m["net0_vs_net1_max_abs_diff"] < 1e-12 and m["exact_rule_max_abs_diff"] < 1e-12
    assert m["net1_sum_drift"] < 1e-12 and min(m["global_rate_final_gap"].values()) > 1e-3
    assert set(m["optimizer_rule_max_abs_diff"]) >= {"gd", "sgd", "momentum", "adam"}
    assert max(m["optimizer_rule_max_abs_diff"][k] for k in ("gd", "sgd", "momentum", "adam")) < 1e-12


def test_mnist_smoke_run_on_a_subsample_says_the_targets_were_not_met(smoke_reports):
    """The smoke parameters of 05_mnist are themselves unusual: 3,000 images, two epochs, 16 hidden units."""
    (rec,) = [json.loads(p.read_text()) for p in smoke_reports.glob("05_mnist*.json")]
    m, page = rec["metrics"], (smoke_reports / rec["html"]).read_text()
    assert m["targets_met"] is False and "Accuracy targets: not met with these parameters." in page
    assert m["two_layer_test_accuracy"] < 0.98 and 'class="claim claim-failed ' not in page


def test_smoke_metrics_of_the_penalties_report(smoke_reports):
    (rec,) = [json.loads(p.read_text()) for p in smoke_reports.glob("06_penalties_and_separation*.json")]
    m = rec["metrics"]
    assert m["centred_penalty_max_abs_diff"] < 1e-9 < m["ridge_max_abs_diff"]  # anes96: one model, and seven
    assert m["stackexchange_beta"] == 2.0 and m["k2_weight_sum_max_abs"] < 1e-9
    assert 0 < m["svm_direction_cosine"] <= 1 and m["svm_certified_distance"] < 1e-3
    assert set(m["firth_params"]) == set(m["firth_bse"]) and "const" in m["firth_params"]


def test_smoke_metrics_of_the_random_utility_report(smoke_reports, anes):
    """The one-vs-rest numbers the report records, against statsmodels' own fits and predictions of the same data."""
    import statsmodels.api as sm

    (rec,) = [json.loads(p.read_text()) for p in smoke_reports.glob("07_random_utility*.json")]
    m, ds = rec["metrics"], anes[0]
    P = np.column_stack([sm.Logit((ds.codes == k).astype(float), ds.X).fit(disp=0).predict() for k in range(ds.K)])
    Q = sm.MNLogit(ds.codes, ds.X).fit(method="newton", disp=0).predict()
    assert m["ovr_argmax_disagreement"]["table"] == pytest.approx(np.mean(P.argmax(1) != Q.argmax(1)), abs=1 / ds.n)
    assert m["ovr_sum_range"]["table"] == pytest.approx([P.sum(1).min(), P.sum(1).max()], abs=1e-6)
    assert m["ovr_mean_sum"]["table"] == pytest.approx(1.0, abs=1e-8) and m["converged"] is True
    assert 0 < m["gumbel_softmax_max_abs_diff"] < 0.05 and m["k2_ovr_vs_mnlogit_max_abs_diff"] < 1e-8
    assert set(m["ovr_argmax_disagreement"]) == {"table", "mnist", "mnist_test"}
